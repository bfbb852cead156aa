package dev.merlin.exchange.cluster;

import dev.merlin.config.ClusterConfig;
import dev.merlin.exchange.erasure.UserErasure;
import dev.merlin.exchange.privacy.ErasureRegistry;
import dev.merlin.exchange.privacy.UserHash;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.LoggerFactory;

/**
 * Makes an erasure or an opt-out asked on any node take effect on every node ({@link UserErasure}): each one asked
 * here is published to the compacted topic {@code <prefix>privacy}, keyed by the user; every other node's is applied
 * here with {@link UserErasure#apply} — the opt-out registry that the consent gate reads, the erasure registry that
 * refuses late notices, rule progress, views, frequency counts, synced ids, and this node's DSP recipients asked to
 * delete. The segments themselves travel as their own topic's tombstone ({@link SegmentReplicator}); a node that
 * still holds some when it applies the record removes them and publishes the tombstone again.
 *
 * <p>A node reads the topic from its start when it starts, so a new node learns every opt-out and the erasures it
 * must still remember; the apply is idempotent (an erasure this node knows of is skipped), so the replay after a
 * restart erases nothing a returning user made since. The value of a user is the registry's state after the change —
 * opted out for good, and the last erasure's time — so compaction keeps the opt-out whatever erasure follows it.
 * A send that fails is sent again from the registry's state then. When the registry holds no state of the user (full:
 * anyone can fill it with opt-outs), what the erasure itself said is published — the opt-out flag (also set when the
 * opt-out registry holds the user) and its time — so a full registry never keeps an erasure on one node (counted,
 * {@link #unremembered()}).
 *
 * <p>Value layout, big-endian: flags (1 byte: 1 = opted out), epoch seconds (8), node id (4). Refused and counted:
 * another length, unknown flags, a node id outside 0–1023, a time before 1970 or more than a minute ahead of this
 * node's clock, an empty key or one over {@value #MAX_KEY_BYTES} bytes, a tombstone (which compaction would turn into
 * forgetting an opt-out: a node that knows the user publishes its state again). Who can write the topic can erase or
 * opt out any user — withholding data, never revealing it; keep the broker's listeners private (Kafka's own ACLs).
 */
public final class PrivacyShare implements Agent, UserErasure.Listener {

    static final int MAX_KEY_BYTES = 256;
    static final int VALUE_BYTES = 13;
    private static final int QUEUE_CAPACITY = 16 * 1024;
    private static final long MAX_AHEAD_SECONDS = 60;
    private static final int MAX_NODE_ID = 1023;
    private static final Duration ASSIGN_WAIT = Duration.ofSeconds(2);
    private static final long RETRY_PAUSE_MILLIS = 1_000;
    /** How long a poll waits when there is nothing else to do: an erasure queued meanwhile waits at most this. */
    private static final Duration POLL_WAIT = Duration.ofMillis(100);

    private final UserErasure erasure;
    private final ErasureRegistry registry;
    private final UserHash userHash;
    private final Producer<byte[], byte[]> producer;
    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final int nodeId;
    private final LongSupplier epochSecondsClock;
    private final ManyToOneConcurrentArrayQueue<Erased> outbox = new ManyToOneConcurrentArrayQueue<>(QUEUE_CAPACITY);
    /** Users whose erasure did not reach Kafka, to be sent again. */
    private final ManyToOneConcurrentArrayQueue<Erased> resends = new ManyToOneConcurrentArrayQueue<>(QUEUE_CAPACITY);
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong unremembered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    /** Records whose applying threw: refused, logged once per kind. */
    private final PassErrors recordFailures =
            new PassErrors(LoggerFactory.getLogger(PrivacyShare.class), "merlin-kafka-privacy");
    private final AtomicLong known = new AtomicLong();
    private Admin admin;
    private volatile boolean isAssigned;
    private long retryAtMillis;
    private long assignAtMillis;

    /** A share of {@code erasure} over {@code topic}; it closes the producer, the consumer and the admin client. */
    PrivacyShare(UserErasure erasure, ErasureRegistry registry, UserHash userHash, Producer<byte[], byte[]> producer,
                 Consumer<byte[], byte[]> consumer, Admin admin, String topic, int nodeId,
                 LongSupplier epochSecondsClock) {
        this.erasure = erasure;
        this.registry = registry;
        this.userHash = userHash;
        this.producer = producer;
        this.consumer = consumer;
        this.admin = admin;
        this.topic = topic;
        this.nodeId = nodeId;
        this.epochSecondsClock = epochSecondsClock;
    }

    /**
     * A share with its own producer, consumer and admin client, listening to {@code erasure}; nothing connects until
     * it runs: its thread creates the compacted topic when it is missing and reads it, retrying while Kafka is down.
     */
    public static PrivacyShare open(UserErasure erasure, ErasureRegistry registry, UserHash userHash,
                                    ClusterConfig.Kafka kafka, int nodeId, LongSupplier epochSecondsClock) {
        Properties producerProps = EventPublisher.producerProperties(kafka.bootstrap(), nodeId);
        producerProps.put("client.id", "merlin-privacy-" + nodeId);
        Consumer<byte[], byte[]> consumer = CompactedTopic.reader(kafka.bootstrap(),
                "merlin-privacy-reader-" + nodeId);
        Admin admin = CompactedTopic.admin(kafka.bootstrap());
        PrivacyShare share = new PrivacyShare(erasure, registry, userHash, new KafkaProducer<>(producerProps),
                consumer, admin, kafka.privacyTopic(), nodeId, epochSecondsClock);
        erasure.listen(share);
        return share;
    }

    /** An erasure asked here, as {@link #erased} heard of it: published when the registry holds no state of them. */
    private record Erased(String uid, boolean isOptOut, long epochSeconds) {
    }

    /**
     * Queues the erasure; the agent's thread publishes the registry's state of the user, else this erasure (never on
     * the caller's event loop).
     */
    @Override
    public void erased(String uid, boolean isOptOut, long epochSeconds) {
        if (!outbox.offer(new Erased(uid, isOptOut, epochSeconds))) {
            dropped.incrementAndGet();
        }
    }

    @Override
    public int doWork() {
        int work = outbox.drain(this::publish);
        long now = System.currentTimeMillis();
        if (now >= retryAtMillis) {
            retryAtMillis = now + RETRY_PAUSE_MILLIS;
            work += resends.drain(this::publish);
            work += erasure.logAgain();
        }
        if (!isAssigned) {
            if (now >= assignAtMillis) {
                isAssigned = assign();
                assignAtMillis = now + RETRY_PAUSE_MILLIS;
            }
            return work;
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(work > 0 ? Duration.ZERO : POLL_WAIT)) {
            try {
                apply(record);
            } catch (Throwable failure) {
                // poll() has moved past the whole batch: the other users' erasures behind this one apply all the same
                rejected.incrementAndGet();
                recordFailures.refusedRecord(record, failure);
            }
            work++;
        }
        return work;
    }

    /**
     * Publishes the user's state as the registry holds it now; when it holds none (full), the erasure as it was
     * asked, opted out also when the opt-out registry holds the user (compaction keeps the last value of a user).
     */
    private void publish(Erased erased) {
        String uid = erased.uid();
        ErasureRegistry.State state = registry.state(userHash.hash(uid));
        byte[] value;
        if (state != null) {
            value = value(state.isOptedOut(), state.epochSeconds(), nodeId);
        } else {
            unremembered.incrementAndGet();
            value = value(erased.isOptOut() || erasure.isOptedOut(uid), erased.epochSeconds(), nodeId);
        }
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, uid.getBytes(StandardCharsets.UTF_8),
                value);
        producer.send(record, (metadata, error) -> {
            if (error == null) {
                published.incrementAndGet();
                return;
            }
            failed.incrementAndGet();
            if (!resends.offer(erased)) {
                dropped.incrementAndGet();
            }
        });
    }

    /** The value of a user's state: flags, epoch seconds, the node that published it. */
    static byte[] value(boolean isOptedOut, long epochSeconds, int nodeId) {
        return ByteBuffer.allocate(VALUE_BYTES).put((byte) (isOptedOut ? 1 : 0)).putLong(epochSeconds).putInt(nodeId)
                .array();
    }

    /** Applies a node's record, or refuses and counts it; what became of it (null: refused). */
    UserErasure.Remote apply(ConsumerRecord<byte[], byte[]> record) {
        byte[] key = record.key();
        byte[] value = record.value();
        if (key == null || key.length == 0 || key.length > MAX_KEY_BYTES) {
            rejected.incrementAndGet();
            return null;
        }
        if (value == null || value.length != VALUE_BYTES) {
            rejected.incrementAndGet();
            if (value == null) {
                // no node writes a tombstone here: once compacted it would hide the user's opt-out from new nodes, so
                // what this node knows of the user is published again
                heal(new String(key, StandardCharsets.UTF_8));
            }
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(value);
        byte flags = buffer.get();
        long epochSeconds = buffer.getLong();
        int from = buffer.getInt();
        if ((flags & ~1) != 0 || from < 0 || from > MAX_NODE_ID || epochSeconds < 0
                || epochSeconds > epochSecondsClock.getAsLong() + MAX_AHEAD_SECONDS) {
            rejected.incrementAndGet();
            return null;
        }
        // a node's own records are applied too (known at once): a node that comes back under its id with an empty
        // data dir learns its own users' opt-outs like any new node
        UserErasure.Remote result = erasure.apply(from, new String(key, StandardCharsets.UTF_8), flags == 1,
                epochSeconds);
        if (result == UserErasure.Remote.APPLIED || result == UserErasure.Remote.NOT_LOGGED) {
            applied.incrementAndGet();
        } else if (result == UserErasure.Remote.KNOWN) {
            known.incrementAndGet();
        }
        return result;
    }

    private void heal(String uid) {
        ErasureRegistry.State state = registry.state(userHash.hash(uid));
        if (state != null && !resends.offer(new Erased(uid, state.isOptedOut(), state.epochSeconds()))) {
            dropped.incrementAndGet();
        }
    }

    /** Creates the topic compacted unless it exists, then reads it from its start; false while Kafka is away. */
    private boolean assign() {
        try {
            if (!CompactedTopic.readFromStart(admin, consumer, topic, ASSIGN_WAIT)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        closeAdmin();
        return true;
    }

    private void closeAdmin() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
            admin = null;
        }
    }

    /** Whether the topic exists and this node reads it: other nodes' erasures reach it from now. */
    public boolean isReading() {
        return isAssigned;
    }

    /** Erasures and opt-outs Kafka acknowledged. */
    public long published() {
        return published.get();
    }

    /** Sends that did not reach Kafka (each user's state is sent again). */
    public long failed() {
        return failed.get();
    }

    /**
     * Erasures and opt-outs published as they were asked, the erasure registry holding no state of the user (full);
     * each send counts, a resend too.
     */
    public long unremembered() {
        return unremembered.get();
    }

    /** Users dropped because a queue to the agent was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Other nodes' erasures and opt-outs applied here (replays of known ones are not counted). */
    public long applied() {
        return applied.get();
    }

    /** Other nodes' records this node already knew (a replay after a restart, a repeat): skipped. */
    public long known() {
        return known.get();
    }

    /** Records refused: malformed or a tombstone, see the class comment. */
    public long rejected() {
        return rejected.get();
    }

    @Override
    public void onClose() {
        erasure.listen(null);
        outbox.drain(this::publish);
        resends.drain(this::publish);
        producer.close(Duration.ofSeconds(5));
        consumer.close(Duration.ofSeconds(5));
        closeAdmin();
    }

    @Override
    public String roleName() {
        return "merlin-kafka-privacy";
    }
}
