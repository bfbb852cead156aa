package dev.merlin.exchange.cluster;

import dev.merlin.config.ClusterConfig;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.CatalogSource;
import dev.merlin.exchange.auction.FrequencyStore;
import dev.merlin.exchange.privacy.ErasureRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.LoggerFactory;

/**
 * Shares frequency caps between nodes: each impression this node counts ({@link FrequencyStore.Listener}, on the
 * bid path as a won bid leaves: it only queues, bounded and lock-free; a full queue drops and counts) is published to
 * {@code <prefix>frequency}, keyed by user hash; every other node's impressions are counted in the local store
 * ({@link FrequencyStore#apply}) at the time they were served. Producer and consumer run on this agent's thread, never
 * an event loop.
 *
 * <p><b>The bound.</b> Every node enforces the cap on what it has counted, its own impressions at once and the
 * others' once read. So a user sees a capped campaign at most cap + the impressions of it the other nodes served to
 * that user within the replication lag (publish + read, normally well under a second; see {@code KafkaBudgetsIT}).
 * While Kafka is down the lag has no end, and the bound becomes each node's own cap: at most nodes × cap per period.
 * A node reads the topic from where it stood when it started: impressions served elsewhere while it was down are not
 * counted on it.
 *
 * <p>An impression of a user the local {@link ErasureRegistry} refuses at the time it was served (opted out, or erased
 * at or after it) is not counted, as {@code NoticeEndpoint} does with a notice's: the erasure and the impression
 * travel on separate topics, so an impression served before the erasure can be read after it; counted as
 * {@link #userRefused()}.
 *
 * <p>Value layout, big-endian: user hash (8 bytes), epoch seconds served (8), node id (4), campaign id (UTF-8, to the
 * end). Refused, counted: shorter than that, a campaign id over 200 bytes, a node id outside 0–1023, a user hash of 0,
 * a time before 1970 or more than a minute ahead of this node's clock.
 */
public final class FrequencyShare implements Agent, FrequencyStore.Listener {

    private static final int QUEUE_CAPACITY = 64 * 1024;
    private static final int HEADER_BYTES = 20;
    private static final int MAX_ID_BYTES = 200;
    private static final long MAX_AHEAD_SECONDS = 60;
    private static final Duration ASSIGN_WAIT = Duration.ofSeconds(2);
    private static final long ASSIGN_RETRY_MILLIS = 1_000;
    /**
     * How long a poll waits for records when there is nothing else to do: the wait is the thread's idle (a poll
     * returns as soon as records arrive), so an idle agent wakes a few times a second, not every few milliseconds.
     * An impression queued meanwhile waits for the poll's end: at most this long.
     */
    private static final Duration POLL_WAIT = Duration.ofMillis(100);

    private final FrequencyStore store;
    private final ErasureRegistry erasures;
    private final CatalogSource catalog;
    private final Producer<byte[], byte[]> producer;
    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final int nodeId;
    private final LongSupplier epochSecondsClock;
    private final ManyToOneConcurrentArrayQueue<Impression> outbox =
            new ManyToOneConcurrentArrayQueue<>(QUEUE_CAPACITY);
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    /** Records whose applying threw: refused, logged once per kind. */
    private final PassErrors recordFailures =
            new PassErrors(LoggerFactory.getLogger(FrequencyShare.class), "merlin-kafka-frequency");
    private final AtomicLong userRefused = new AtomicLong();
    private final Callback acked;
    private Admin admin;
    private volatile boolean isAssigned;
    private long assignAtMillis;

    /**
     * A sharer of {@code store} over {@code topic}, counting no impression {@code erasures} refuses; it closes the
     * clients. Call {@link FrequencyStore#listen}.
     */
    public FrequencyShare(FrequencyStore store, ErasureRegistry erasures, CatalogSource catalog,
                          Producer<byte[], byte[]> producer, Consumer<byte[], byte[]> consumer, String topic,
                          int nodeId, LongSupplier epochSecondsClock, Admin admin) {
        this.store = store;
        this.erasures = erasures;
        this.catalog = catalog;
        this.producer = producer;
        this.consumer = consumer;
        this.topic = topic;
        this.nodeId = nodeId;
        this.epochSecondsClock = epochSecondsClock;
        this.admin = admin;
        this.acked = (metadata, error) -> (error == null ? published : failed).incrementAndGet();
    }

    /** A sharer with its own Kafka clients, listening to {@code store}; nothing connects until it runs. */
    public static FrequencyShare open(FrequencyStore store, ErasureRegistry erasures, CatalogSource catalog,
                                      ClusterConfig.Kafka kafka, int nodeId, LongSupplier epochSecondsClock) {
        Properties producerProps = EventPublisher.producerProperties(kafka.bootstrap(), nodeId);
        producerProps.put("client.id", "merlin-frequency-" + nodeId);
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000));
        FrequencyShare share = new FrequencyShare(store, erasures, catalog, new KafkaProducer<>(producerProps),
                new KafkaConsumer<>(BudgetShare.consumerProperties(kafka.bootstrap(),
                        "merlin-frequency-reader-" + nodeId)), kafka.frequencyTopic(), nodeId, epochSecondsClock,
                admin);
        store.listen(share);
        return share;
    }

    /** Queues the impression as it is; the agent's thread makes its Kafka record (not the caller's event loop). */
    @Override
    public void recorded(long userHash, Campaign campaign, long epochSeconds) {
        if (!outbox.offer(new Impression(userHash, campaign.id(), epochSeconds))) {
            dropped.incrementAndGet();
        }
    }

    private ProducerRecord<byte[], byte[]> record(Impression impression) {
        byte[] id = impression.campaignId().getBytes(StandardCharsets.UTF_8);
        byte[] value = ByteBuffer.allocate(HEADER_BYTES + id.length).putLong(impression.userHash())
                .putLong(impression.epochSeconds()).putInt(nodeId).put(id).array();
        return new ProducerRecord<>(topic, Long.toHexString(impression.userHash()).getBytes(StandardCharsets.US_ASCII),
                value);
    }

    /** Creates the topic (3 partitions) unless it exists, and reads it from its end: what comes from now on. */
    private boolean assign() throws InterruptedException {
        try {
            if (admin != null) {
                admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1)))
                        .all().get(ASSIGN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                return false;
            }
        } catch (TimeoutException e) {
            return false;
        }
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, ASSIGN_WAIT);
            if (infos == null || infos.isEmpty()) {
                return false;
            }
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : infos) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            for (TopicPartition partition : partitions) {
                consumer.position(partition, ASSIGN_WAIT); // fixes the end now, not at the first poll
            }
        } catch (KafkaException e) {
            return false;
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
            admin = null;
        }
        return true;
    }

    @Override
    public int doWork() throws InterruptedException {
        int work = outbox.drain(impression -> {
            try {
                producer.send(record(impression), acked);
            } catch (KafkaException notSent) {
                failed.incrementAndGet();
            }
        });
        if (!isAssigned) {
            long now = System.currentTimeMillis();
            if (now >= assignAtMillis) {
                isAssigned = assign();
                assignAtMillis = now + ASSIGN_RETRY_MILLIS;
            }
            return work;
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(work > 0 ? Duration.ZERO : POLL_WAIT)) {
            try {
                apply(record.value());
            } catch (Throwable failure) {
                // poll() has moved past the whole batch: the records behind this one are counted all the same
                refused.incrementAndGet();
                recordFailures.refusedRecord(record, failure);
            }
            work++;
        }
        return work;
    }

    private void apply(byte[] value) {
        if (value == null || value.length <= HEADER_BYTES || value.length > HEADER_BYTES + MAX_ID_BYTES) {
            refused.incrementAndGet();
            return;
        }
        ByteBuffer buffer = ByteBuffer.wrap(value);
        long userHash = buffer.getLong();
        long servedAt = buffer.getLong();
        int from = buffer.getInt();
        long now = epochSecondsClock.getAsLong();
        if (userHash == 0 || servedAt < 0 || servedAt > now + MAX_AHEAD_SECONDS || from < 0 || from > 1023) {
            refused.incrementAndGet();
            return;
        }
        if (from == nodeId) {
            return; // counted when it was served
        }
        if (erasures.refusal(userHash, servedAt) != null) {
            userRefused.incrementAndGet(); // the user opted out, or was erased at or after it was served
            return;
        }
        Campaign campaign = catalog.current().byId(new String(value, HEADER_BYTES, value.length - HEADER_BYTES,
                StandardCharsets.UTF_8));
        if (campaign != null && store.apply(userHash, campaign, servedAt, now)) {
            applied.incrementAndGet();
        }
    }

    /** Whether the consumer is reading (impressions published from now on reach this node). */
    public boolean isAssigned() {
        return isAssigned;
    }

    /** Impressions of this node Kafka acknowledged. */
    public long published() {
        return published.get();
    }

    /** Impressions of this node that did not reach Kafka. */
    public long failed() {
        return failed.get();
    }

    /** Impressions dropped because the queue to the agent was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Other nodes' impressions counted here. */
    public long applied() {
        return applied.get();
    }

    /** Records refused (see the class comment). */
    public long refused() {
        return refused.get();
    }

    /** Other nodes' impressions not counted: the local erasure registry refuses their user at the time served. */
    public long userRefused() {
        return userRefused.get();
    }

    @Override
    public void onClose() {
        store.listen(null);
        outbox.drain(impression -> producer.send(record(impression), acked));
        producer.close(Duration.ofSeconds(5));
        consumer.close(Duration.ofSeconds(5));
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
        }
    }

    @Override
    public String roleName() {
        return "merlin-kafka-frequency";
    }

    /** An impression as the store reports it, queued for the agent. */
    private record Impression(long userHash, String campaignId, long epochSeconds) {
    }
}
