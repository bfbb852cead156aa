package dev.merlin.exchange.cluster;

import dev.merlin.config.ClusterConfig;
import dev.merlin.exchange.privacy.ErasureRegistry;
import dev.merlin.exchange.privacy.UserHash;
import dev.merlin.exchange.segments.SegmentEntry;
import dev.merlin.exchange.segments.SegmentStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.slf4j.LoggerFactory;

/**
 * Keeps every node's segment store in step through a compacted Kafka topic keyed by user: each change this node
 * makes (a rule hit, a bulk load, an erasure; {@link SegmentStore.ChangeListener}) is published as the user's whole
 * segment list after it, an erasure as a tombstone (null value); every change another node published is applied to
 * the local store with {@link SegmentStore#apply} (the last one read wins). Expiry needs no message: every entry
 * carries its expiry times.
 *
 * <p><b>The replay.</b> A node reads the topic from its start when it starts, so a new node bootstraps from it. What
 * the topic held then (below the end offsets taken when the node starts reading) is replayed with the node's own
 * records too, in the topic's order, so that a restarted node ends at the last record of each user — its own erasure
 * or later list, not another node's older list. A user this node changed itself since it started keeps that change:
 * the replay applies no list of theirs (its record is later in the topic), only a tombstone. Past the replay the node
 * skips its own records (its store had them first). The users changed during the replay are held on the heap until
 * it ends, at most {@value #MAX_CHANGED_DURING_REPLAY}; beyond that a user's change here may be overwritten by an
 * older list and is counted ({@link #unguarded()}).
 *
 * <p><b>Erased users.</b> A list is never applied for a user the local {@link ErasureRegistry} holds as opted out,
 * nor, from another node, for a user it remembers an erasure of, whatever the record's time: the record carries only
 * its Kafka timestamp, stamped by the writer's clock, and a list stamped after the erasure can still hold what the
 * user did before it (a writer whose clock runs ahead, a node that had not yet heard of the erasure when it
 * published, {@code segments-publish} from a store that missed it). The cost: a user who comes back after an
 * erasure has the segments other nodes give them applied here only once the registry forgets the erasure (see
 * {@code ExchangeStores.ERASURE_MEMORY_SECONDS}); the segments this node gives them are its own. This node's own
 * replayed list is stamped with the time the change was made here, on the clock the registry used for an erasure
 * asked here, so it is applied only when made after the last erasure (the tombstone of an erasure that never reached
 * Kafka does not let the list before it back). Tombstones are always applied. Refused lists are counted
 * ({@link #refusedErased()}).
 *
 * <p>The listener only queues (bounded, lock-free; a full queue drops the change and counts it); the producer and the
 * consumer run on this agent's own thread, never an event loop. A change that fails to reach Kafka (the broker down
 * longer than the producer's delivery timeout) is counted and its user queued to be sent again: after a pause the
 * agent reads the user's segments as the local store holds them then and publishes that (a tombstone when it holds
 * nothing), so what reaches the topic is the latest state, whatever order the failures and retries come in. Users
 * beyond the retry queue's bound are counted as dropped; the other nodes miss their change until their next one.
 *
 * <p>Value layout: per segment a 4-byte id and 4-byte unsigned expiry (epoch seconds), big-endian; header
 * {@code node} names the node that made the change, so a node tells its own; the record's timestamp is when the
 * change was made (or, sent again, when the store was read).
 */
public final class SegmentReplicator implements Agent, SegmentStore.ChangeListener {

    private static final int QUEUE_CAPACITY = 64 * 1024;
    private static final int MAX_SEGMENTS_PER_MESSAGE = 4_096;
    private static final Duration ASSIGN_WAIT = Duration.ofSeconds(2);
    private static final long ASSIGN_RETRY_MILLIS = 1_000;
    private static final long RETRY_PAUSE_MILLIS = 1_000;
    /**
     * How long a poll waits for records when there is nothing else to do: the wait is the thread's idle (a poll
     * returns as soon as records arrive), so an idle agent wakes a few times a second, not every few milliseconds.
     * A change queued meanwhile waits for the poll's end: at most this long.
     */
    private static final Duration POLL_WAIT = Duration.ofMillis(100);
    /** Users changed here during the replay that are remembered, so that no older list overwrites their change. */
    static final int MAX_CHANGED_DURING_REPLAY = 1 << 16;

    private final SegmentStore store;
    private final ErasureRegistry erasures;
    private final UserHash userHash;
    private final Producer<byte[], byte[]> producer;
    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final byte[] node;
    private final LongSupplier epochSecondsClock;
    private final ManyToOneConcurrentArrayQueue<Change> outbox = new ManyToOneConcurrentArrayQueue<>(QUEUE_CAPACITY);
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    /** Records whose applying threw: refused, logged once per kind. */
    private final PassErrors recordFailures =
            new PassErrors(LoggerFactory.getLogger(SegmentReplicator.class), "merlin-kafka-segments");
    private final AtomicLong refusedErased = new AtomicLong();
    private final AtomicLong unguarded = new AtomicLong();
    /** Users whose change failed to reach Kafka, to be published again as they are then. */
    private final ManyToOneConcurrentArrayQueue<String> retries = new ManyToOneConcurrentArrayQueue<>(QUEUE_CAPACITY);
    /** Per partition, where the topic ended when this node started reading it; empty once the replay is over. */
    private final Map<TopicPartition, Long> replayEnds = new HashMap<>();
    /** Users this node changed itself since it started, while {@link #isReplaying}: see the class comment. */
    private final Set<String> changedDuringReplay = new HashSet<>();
    private long retryAtMillis;
    private Admin admin;
    private volatile boolean isAssigned;
    private long assignAtMillis;
    private int[] ids = new int[16];
    private long[] expiries = new long[16];
    /** Whether the replay is still to come or under way (from the start until every partition reached its end). */
    private volatile boolean isReplaying = true;

    /**
     * A replicator of {@code store} over {@code topic}, refusing lists of the users {@code erasures} holds (by their
     * {@code userHash}); it closes the producer and the consumer.
     */
    public SegmentReplicator(SegmentStore store, ErasureRegistry erasures, UserHash userHash,
                             Producer<byte[], byte[]> producer, Consumer<byte[], byte[]> consumer, String topic,
                             int nodeId, LongSupplier epochSecondsClock, Admin admin) {
        this.admin = admin;
        this.store = store;
        this.erasures = erasures;
        this.userHash = userHash;
        this.producer = producer;
        this.consumer = consumer;
        this.topic = topic;
        this.node = Integer.toString(nodeId).getBytes(StandardCharsets.US_ASCII);
        this.epochSecondsClock = epochSecondsClock;
    }

    /** Counts the send and, when it failed, queues its user to be sent again (on the producer's I/O thread). */
    private Callback ackedOrRetried(String userKey) {
        return (metadata, error) -> {
            if (error == null) {
                published.incrementAndGet();
                return;
            }
            failed.incrementAndGet();
            if (!retries.offer(userKey)) {
                dropped.incrementAndGet();
            }
        };
    }

    /**
     * A replicator with its own producer, consumer and admin client; nothing connects yet. Call
     * {@link SegmentStore#listen} with it and run it: its thread creates the compacted topic when it is missing and
     * starts reading, retrying each second while Kafka is unreachable (the node bids on its local store meanwhile).
     */
    public static SegmentReplicator open(SegmentStore store, ErasureRegistry erasures, UserHash userHash,
                                         ClusterConfig.Kafka kafka, int nodeId, LongSupplier epochSecondsClock) {
        Properties producerProps = EventPublisher.producerProperties(kafka.bootstrap(), nodeId);
        producerProps.put("client.id", "merlin-segments-" + nodeId);
        Consumer<byte[], byte[]> consumer = CompactedTopic.reader(kafka.bootstrap(),
                "merlin-segments-reader-" + nodeId);
        Admin admin = CompactedTopic.admin(kafka.bootstrap());
        return new SegmentReplicator(store, erasures, userHash, new KafkaProducer<>(producerProps), consumer,
                kafka.segmentsTopic(), nodeId, epochSecondsClock, admin);
    }

    /**
     * Creates the topic compacted (3 partitions, one replica) unless it exists, then reads it from its start and
     * takes where each partition ends now (the replay); returns false (try again later) while Kafka does not answer.
     */
    private boolean assign() throws InterruptedException {
        if (!CompactedTopic.readFromStart(admin, consumer, topic, ASSIGN_WAIT)) {
            return false;
        }
        try {
            replayEnds.clear();
            replayEnds.putAll(consumer.endOffsets(consumer.assignment(), ASSIGN_WAIT));
        } catch (KafkaException e) {
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

    @Override
    public void changed(CharSequence userKey, int[] segmentIds, int[] expiresAt, int count) {
        ByteBuffer value = ByteBuffer.allocate(count * 8);
        for (int i = 0; i < count; i++) {
            value.putInt(segmentIds[i]).putInt(expiresAt[i]);
        }
        offer(userKey, value.array());
    }

    @Override
    public void erased(CharSequence userKey) {
        offer(userKey, null);
    }

    /**
     * Queues the change as it is, with the time it was made; the agent's thread makes the Kafka record of it (not the
     * caller's event loop).
     */
    private void offer(CharSequence userKey, byte[] value) {
        if (!outbox.offer(new Change(userKey.toString(), value, epochSecondsClock.getAsLong()))) {
            dropped.incrementAndGet();
        }
    }

    @Override
    public int doWork() throws InterruptedException {
        int work = outbox.drain(this::send);
        long now = System.currentTimeMillis();
        if (!retries.isEmpty() && now >= retryAtMillis) {
            work += retries.drain(this::resend);
            retryAtMillis = now + RETRY_PAUSE_MILLIS;
        }
        if (!isAssigned) {
            if (now >= assignAtMillis) {
                isAssigned = assign();
                assignAtMillis = now + ASSIGN_RETRY_MILLIS;
            }
            return work;
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(work > 0 ? Duration.ZERO : POLL_WAIT)) {
            try {
                work += receive(record);
            } catch (Throwable failure) {
                // poll() has moved past the whole batch: the records behind this one are applied all the same
                rejected.incrementAndGet();
                recordFailures.refusedRecord(record, failure);
                work++;
            }
        }
        if (isReplaying) {
            endReplayWhereCaughtUp();
        }
        return work;
    }

    /**
     * Applies one record read from the topic, as the class comment says: another node's always, this node's own only
     * while it is replayed, and no replayed list of a user changed here since the start. Returns 1 when it was
     * applied or refused, 0 when skipped.
     */
    private int receive(ConsumerRecord<byte[], byte[]> record) {
        Header from = record.headers().lastHeader("node");
        boolean isOwn = from != null && Arrays.equals(from.value(), node);
        Long replayEnd = isReplaying ? replayEnds.get(new TopicPartition(record.topic(), record.partition())) : null;
        boolean isReplayed = replayEnd != null && record.offset() < replayEnd;
        if (isOwn && !isReplayed) {
            return 0;
        }
        String userKey = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (isReplayed && record.value() != null) {
            // what this node changed since it started is newer than anything replayed: take it in before deciding
            outbox.drain(this::send);
            if (changedDuringReplay.contains(userKey)) {
                return 0;
            }
        }
        apply(userKey, record.value(), isOwn, record.timestamp());
        return 1;
    }

    /** Ends the replay of each partition whose position reached where it ended at the start, and of all at the last. */
    private void endReplayWhereCaughtUp() {
        try {
            replayEnds.entrySet().removeIf(end -> consumer.position(end.getKey(), Duration.ZERO) >= end.getValue());
        } catch (KafkaException positionNotKnownYet) {
            return;
        }
        if (replayEnds.isEmpty()) {
            isReplaying = false;
            changedDuringReplay.clear();
        }
    }

    private void send(Change change) {
        if (isReplaying) {
            if (changedDuringReplay.size() < MAX_CHANGED_DURING_REPLAY) {
                changedDuringReplay.add(change.userKey());
            } else if (!changedDuringReplay.contains(change.userKey())) {
                unguarded.incrementAndGet();
            }
        }
        send(change.userKey(), change.value(), change.epochSeconds() * 1000L);
    }

    private void send(String userKey, byte[] value, long timestampMillis) {
        producer.send(record(topic, node, userKey, value, timestampMillis), ackedOrRetried(userKey));
    }

    /** Publishes the user's segments as the local store holds them now: the change that failed, or a later one. */
    private void resend(String userKey) {
        long now = epochSecondsClock.getAsLong();
        List<SegmentEntry> entries = store.describe(userKey, now);
        if (ids.length < entries.size()) {
            ids = new int[entries.size()];
            expiries = new long[entries.size()];
        }
        for (int i = 0; i < entries.size(); i++) {
            ids[i] = entries.get(i).segmentId();
            expiries[i] = entries.get(i).expiresAtEpochSeconds();
        }
        send(userKey, entries.isEmpty() ? null : value(ids, expiries, entries.size()), now * 1000L);
    }

    /**
     * A change as the topic carries it: keyed by the user, {@code value} null for none (a tombstone), header node,
     * stamped with the time the producer sends it.
     */
    static ProducerRecord<byte[], byte[]> record(String topic, byte[] node, CharSequence userKey, byte[] value) {
        return record(topic, node, userKey, value, null);
    }

    /** A change as {@link #record(String, byte[], CharSequence, byte[])} makes it, stamped {@code timestampMillis}. */
    static ProducerRecord<byte[], byte[]> record(String topic, byte[] node, CharSequence userKey, byte[] value,
                                                 Long timestampMillis) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, timestampMillis,
                userKey.toString().getBytes(StandardCharsets.UTF_8), value);
        record.headers().add("node", node);
        return record;
    }

    /** The first {@code count} segments as a value: per segment its id and unsigned expiry, 4 bytes each. */
    static byte[] value(int[] segmentIds, long[] expiresAt, int count) {
        ByteBuffer value = ByteBuffer.allocate(count * 8);
        for (int i = 0; i < count; i++) {
            value.putInt(segmentIds[i]).putInt((int) expiresAt[i]);
        }
        return value.array();
    }

    /** Whether the topic exists and this node reads it (from its start): other nodes' changes reach it from now. */
    public boolean isReading() {
        return isAssigned;
    }

    /** Users whose change is waiting to be sent again. */
    public int retrying() {
        return retries.size();
    }

    /**
     * Applies one record; counted once its change is in the store, so a reader of the count sees the change too. A key
     * the store cannot hold (none, empty, too long: whoever can write the topic can send one) is refused and counted,
     * and the records behind it in the same poll are still applied. A list of an erased user is refused (see the
     * class comment); {@code isOwn}: this node's own, replayed, made at {@code timestampMillis}.
     */
    private void apply(String userKey, byte[] value, boolean isOwn, long timestampMillis) {
        if (!store.isUsableKey(userKey)) {
            rejected.incrementAndGet();
            return;
        }
        if (value == null) {
            store.applyErasure(userKey);
            applied.incrementAndGet();
            return;
        }
        if (isErasedSince(userKey, isOwn, timestampMillis)) {
            refusedErased.incrementAndGet();
            return;
        }
        int count = Math.min(value.length / 8, MAX_SEGMENTS_PER_MESSAGE);
        if (ids.length < count) {
            ids = new int[count];
            expiries = new long[count];
        }
        ByteBuffer buffer = ByteBuffer.wrap(value);
        for (int i = 0; i < count; i++) {
            ids[i] = buffer.getInt();
            expiries[i] = Integer.toUnsignedLong(buffer.getInt());
        }
        try {
            store.apply(userKey, ids, expiries, count, epochSecondsClock.getAsLong());
            applied.incrementAndGet();
        } catch (IllegalArgumentException unusableKey) {
            rejected.incrementAndGet();
        }
    }

    /**
     * Whether the registry refuses a list of the user: opted out, or, from another node, erased at any time the
     * registry remembers; this node's own list made at or before the last erasure (no time: any erasure).
     */
    private boolean isErasedSince(String userKey, boolean isOwn, long timestampMillis) {
        long hash = userHash.hash(userKey);
        if (!isOwn || timestampMillis < 0) {
            return erasures.state(hash) != null;
        }
        return erasures.refusal(hash, Math.floorDiv(timestampMillis, 1000L)) != null;
    }

    /** Lists refused because the local erasure registry holds their user (see the class comment). */
    public long refusedErased() {
        return refusedErased.get();
    }

    /**
     * Users changed here during the replay beyond the {@value #MAX_CHANGED_DURING_REPLAY} remembered: an older list
     * replayed after their change may have overwritten it here.
     */
    public long unguarded() {
        return unguarded.get();
    }

    /** Whether the topic as it was when this node started reading has been replayed (see the class comment). */
    public boolean isCaughtUp() {
        return isAssigned && !isReplaying;
    }

    /** Other nodes' changes refused: no user key, or one this store does not take. */
    public long rejected() {
        return rejected.get();
    }

    /** Changes Kafka acknowledged. */
    public long published() {
        return published.get();
    }

    /** Sends that did not reach Kafka (each user's is sent again, see the class comment). */
    public long failed() {
        return failed.get();
    }

    /** Changes dropped because the queue to the agent was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Changes applied to the local store: other nodes', and this node's own while the topic is replayed. */
    public long applied() {
        return applied.get();
    }

    @Override
    public void onClose() {
        store.listen(null);
        outbox.drain(this::send);
        retries.drain(this::resend);
        producer.close(Duration.ofSeconds(5));
        consumer.close(Duration.ofSeconds(5));
        closeAdmin();
    }

    @Override
    public String roleName() {
        return "merlin-kafka-segments";
    }

    /** A change as the listener queues it: the user, the value to publish (null: a tombstone) and when it was made. */
    private record Change(String userKey, byte[] value, long epochSeconds) {
    }
}
