package dev.merlin.exchange.cluster;

import dev.merlin.config.ClusterConfig;
import dev.merlin.exchange.segments.SegmentEntry;
import dev.merlin.exchange.segments.SegmentStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
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
import org.apache.kafka.common.header.Header;

/**
 * Keeps every node's segment store in step through a compacted Kafka topic keyed by user: each change this node
 * makes (a rule hit, a bulk load, an erasure; {@link SegmentStore.ChangeListener}) is published as the user's whole
 * segment list after it, an erasure as a tombstone (null value); every change another node published is applied to
 * the local store with {@link SegmentStore#apply} (the last one read wins). A node reads the topic from its start
 * when it starts, so a new node bootstraps from it. Expiry needs no message: every entry carries its expiry times.
 *
 * <p>The listener only queues (bounded, lock-free; a full queue drops the change and counts it); the producer and the
 * consumer run on this agent's own thread, never an event loop. A change that fails to reach Kafka (the broker down
 * longer than the producer's delivery timeout) is counted and its user queued to be sent again: after a pause the
 * agent reads the user's segments as the local store holds them then and publishes that (a tombstone when it holds
 * nothing), so what reaches the topic is the latest state, whatever order the failures and retries come in. Users
 * beyond the retry queue's bound are counted as dropped; the other nodes miss their change until their next one.
 *
 * <p>Value layout: per segment a 4-byte id and 4-byte unsigned expiry (epoch seconds), big-endian; header
 * {@code node} names the node that made the change, so a node skips its own.
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

    private final SegmentStore store;
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
    /** Users whose change failed to reach Kafka, to be published again as they are then. */
    private final ManyToOneConcurrentArrayQueue<String> retries = new ManyToOneConcurrentArrayQueue<>(QUEUE_CAPACITY);
    private long retryAtMillis;
    private Admin admin;
    private volatile boolean isAssigned;
    private long assignAtMillis;
    private int[] ids = new int[16];
    private long[] expiries = new long[16];

    /** A replicator of {@code store} over {@code topic}; it closes the producer and the consumer. */
    public SegmentReplicator(SegmentStore store, Producer<byte[], byte[]> producer,
                             Consumer<byte[], byte[]> consumer, String topic, int nodeId,
                             LongSupplier epochSecondsClock, Admin admin) {
        this.admin = admin;
        this.store = store;
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
    public static SegmentReplicator open(SegmentStore store, ClusterConfig.Kafka kafka, int nodeId,
                                         LongSupplier epochSecondsClock) {
        Properties producerProps = EventPublisher.producerProperties(kafka.bootstrap(), nodeId);
        producerProps.put("client.id", "merlin-segments-" + nodeId);
        Consumer<byte[], byte[]> consumer = CompactedTopic.reader(kafka.bootstrap(),
                "merlin-segments-reader-" + nodeId);
        Admin admin = CompactedTopic.admin(kafka.bootstrap());
        return new SegmentReplicator(store, new KafkaProducer<>(producerProps), consumer,
                kafka.segmentsTopic(), nodeId, epochSecondsClock, admin);
    }

    /**
     * Creates the topic compacted (3 partitions, one replica) unless it exists, then reads it from its start;
     * returns false (try again later) while Kafka does not answer.
     */
    private boolean assign() throws InterruptedException {
        if (!CompactedTopic.readFromStart(admin, consumer, topic, ASSIGN_WAIT)) {
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

    /** Queues the change as it is; the agent's thread makes the Kafka record of it (not the caller's event loop). */
    private void offer(CharSequence userKey, byte[] value) {
        if (!outbox.offer(new Change(userKey.toString(), value))) {
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
            Header from = record.headers().lastHeader("node");
            if (from != null && Arrays.equals(from.value(), node)) {
                continue;
            }
            apply(record.key(), record.value());
            work++;
        }
        return work;
    }

    private void send(Change change) {
        send(change.userKey(), change.value());
    }

    private void send(String userKey, byte[] value) {
        producer.send(record(topic, node, userKey, value), ackedOrRetried(userKey));
    }

    /** Publishes the user's segments as the local store holds them now: the change that failed, or a later one. */
    private void resend(String userKey) {
        List<SegmentEntry> entries = store.describe(userKey, epochSecondsClock.getAsLong());
        if (ids.length < entries.size()) {
            ids = new int[entries.size()];
            expiries = new long[entries.size()];
        }
        for (int i = 0; i < entries.size(); i++) {
            ids[i] = entries.get(i).segmentId();
            expiries[i] = entries.get(i).expiresAtEpochSeconds();
        }
        send(userKey, entries.isEmpty() ? null : value(ids, expiries, entries.size()));
    }

    /** A change as the topic carries it: keyed by the user, {@code value} null for none (a tombstone), header node. */
    static ProducerRecord<byte[], byte[]> record(String topic, byte[] node, CharSequence userKey, byte[] value) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic,
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
     * and the records behind it in the same poll are still applied.
     */
    private void apply(byte[] key, byte[] value) {
        String userKey = key == null ? null : new String(key, StandardCharsets.UTF_8);
        if (!store.isUsableKey(userKey)) {
            rejected.incrementAndGet();
            return;
        }
        if (value == null) {
            store.applyErasure(userKey);
            applied.incrementAndGet();
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

    /** Other nodes' changes applied to the local store. */
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

    /** A change as the listener queues it: the user and the value to publish (null: a tombstone). */
    private record Change(String userKey, byte[] value) {
    }
}
