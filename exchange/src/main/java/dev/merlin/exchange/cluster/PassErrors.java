package dev.merlin.exchange.cluster;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.Agent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;

/**
 * The {@link Error}s ({@code OutOfMemoryError}, {@code StackOverflowError}...) that ended one pass of a Kafka agent's
 * work, counted and logged once per kind. Agrona's runner hands an {@code Error} to its handler and then rethrows it,
 * which ends the agent's thread for good; so each agent here catches them in {@code doWork} and goes on with its next
 * pass, and the node keeps applying the other nodes' records.
 */
public final class PassErrors {

    private static final int MAX_LOGGED_KINDS = 20;

    private final Logger log;
    private final String role;
    private final AtomicLong count = new AtomicLong();
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    /** Errors of the agent named {@code role}, logged to {@code log}. */
    public PassErrors(Logger log, String role) {
        this.log = log;
        this.role = role;
    }

    /** Counts {@code error}, and logs it with its stack trace when it is the first of its kind. */
    void caught(Error error) {
        count.incrementAndGet();
        if (logged.size() < MAX_LOGGED_KINDS && logged.add(error.getClass().getName())) {
            log.error("{}: a pass failed with {}; going on with the next (further ones of this kind are only"
                    + " counted)", role, error.toString(), error);
        }
    }

    /**
     * A record whose applying threw {@code failure} (an {@link Error} too: retrying it could wedge the thread on it
     * for good): the caller counts it as refused and goes on with the records behind it, which {@code poll()} has
     * already moved past; logged with its stack trace when it is the first of its kind. Not counted here.
     */
    public void refusedRecord(ConsumerRecord<?, ?> record, Throwable failure) {
        if (logged.size() < MAX_LOGGED_KINDS && logged.add("record " + failure.getClass().getName())) {
            log.error("{}: applying the record at {}-{} offset {} failed with {}; it is refused and the records behind"
                    + " it are applied (further failures of this kind are only counted)", role, record.topic(),
                    record.partition(), record.offset(), failure.toString(), failure);
        }
    }

    /** Passes that ended in an Error. */
    public long count() {
        return count.get();
    }

    /**
     * {@code agent}, an {@link Error} from one of its passes counted here rather than ending its thread (for an agent
     * that does not catch its own); null for null.
     */
    public Agent guard(Agent agent) {
        if (agent == null) {
            return null;
        }
        PassErrors errors = this;
        return new Agent() {
            @Override
            public void onStart() {
                agent.onStart();
            }

            @Override
            public int doWork() throws Exception {
                try {
                    return agent.doWork();
                } catch (Error error) {
                    errors.caught(error);
                    return 0;
                }
            }

            @Override
            public void onClose() {
                agent.onClose();
            }

            @Override
            public String roleName() {
                return agent.roleName();
            }
        };
    }
}
