package dev.merlin.exchange.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.merlin.config.ClusterConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.EventLogConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventLogTailer;
import dev.merlin.exchange.events.EventType;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.segments.SegmentSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event log reaches Kafka: against one in-process KRaft broker shared by the class, every local record arrives in
 * order per user, an unreachable Kafka loses nothing, and a restarted publisher goes on from its stored position.
 */
class KafkaEventsIT {

    private static final long BASE_MILLIS = 1_800_000_000_000L;
    private static final int USERS = 7;
    private static KafkaClusterTestKit kafka;

    @TempDir
    Path dataDir;

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = InProcessKafka.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void everyRecordArrivesOnceAndInOrderPerUserWhileTheLogIsWrittenAndRotated() throws Exception {
        String topic = createTopic("order.events");
        EventLogConfig smallFiles = EventLogConfig.builder().fileBytes(4_096).build();
        try (EventLog log = EventLog.open(dataDir, smallFiles)) {
            write(log, 0, 300);
            EventPublisher publisher = new EventPublisher(dataDir, producer(), topic, 1);
            AgentRunner runner = start(publisher);
            try {
                write(log, 300, 300); // while the agent reads what came before
                await(() -> publisher.published() == 600, "600 events published, have " + publisher.published());
            } finally {
                runner.close();
            }
        }
        assertInOrderPerUser(consume(topic, 600), 600);
    }

    @Test
    void batchesAreStoredCompressed() throws Exception {
        String topic = createTopic("compressed.events");
        try (EventLog log = EventLog.open(dataDir, EventLogConfig.builder().build())) {
            write(log, 0, 3_000);
            EventPublisher publisher = publisher(topic);
            AgentRunner runner = start(publisher);
            try {
                await(() -> publisher.published() == 3_000, "3,000 events published, have " + publisher.published());
            } finally {
                runner.close();
            }
        }
        long payload = 0;
        for (ConsumerRecord<byte[], byte[]> record : consume(topic, 3_000)) {
            payload += record.key().length + record.value().length;
            for (Header header : record.headers()) {
                payload += header.key().length() + header.value().length;
            }
        }
        long stored = 0;
        try (Admin admin = kafka.admin()) {
            List<Integer> brokers = admin.describeCluster().nodes().get().stream().map(Node::id).toList();
            for (Map<String, LogDirDescription> dirs : admin.describeLogDirs(brokers).allDescriptions().get()
                    .values()) {
                for (LogDirDescription dir : dirs.values()) {
                    for (Map.Entry<TopicPartition, ReplicaInfo> replica : dir.replicaInfos().entrySet()) {
                        stored += replica.getKey().topic().equals(topic) ? replica.getValue().size() : 0;
                    }
                }
            }
        }
        // uncompressed, the log would hold at least the payload plus each record's framing
        assertTrue(stored > 0 && stored * 2 < payload, "the topic's log holds " + stored + " bytes for " + payload
                + " bytes of keys, values and headers: batches are compressed (" + EventPublisher.COMPRESSION + ")");
    }

    @Test
    void anUnreachableKafkaLosesNothingAndARestartResumesFromTheStoredPosition() throws Exception {
        String topic = createTopic("outage.events");
        try (EventLog log = EventLog.open(dataDir, EventLogConfig.defaults())) {
            write(log, 0, 200);
        }
        EventPublisher down = new EventPublisher(dataDir, new KafkaProducer<>(
                EventPublisher.producerProperties("127.0.0.1:" + closedPort(), 1)), topic, 1);
        AgentRunner downRunner = start(down);
        try {
            await(() -> down.failedBatches() >= 2, "batches failing while Kafka is unreachable");
        } finally {
            downRunner.close();
        }
        assertEquals(0, down.published());
        assertNull(down.position(), "nothing acknowledged, nothing stored");
        assertFalse(Files.exists(dataDir.resolve(EventPublisher.POSITION_FILE)));

        EventPublisher back = publisher(topic);
        AgentRunner backRunner = start(back);
        try {
            await(() -> back.published() == 200, "the 200 waiting events published once Kafka is there");
            await(() -> back.lagBytes() == 0, "no lag once caught up");
            // stored while running (at most a second after the acknowledgement), not only when the agent stops
            await(() -> back.position().equals(storedPosition()), "the acknowledged position stored");
        } finally {
            backRunner.close();
        }
        assertInOrderPerUser(consume(topic, 200), 200);

        try (EventLog log = EventLog.open(dataDir, EventLogConfig.defaults())) {
            write(log, 200, 100);
        }
        EventPublisher restarted = publisher(topic);
        AgentRunner restartedRunner = start(restarted);
        try {
            await(() -> restarted.published() == 100, "the 100 new events published after the restart");
        } finally {
            restartedRunner.close();
        }
        assertEquals(100, restarted.published(), "only what came after the stored position is sent again");
        assertInOrderPerUser(consume(topic, 300), 300);
    }

    @Test
    void aRuntimeWithKafkaConfiguredPublishesItsLogAndOneWithoutStartsNothing(@TempDir Path otherDir) throws Exception {
        String topicPrefix = "runtime.";
        MerlinConfig alone = ConfigLoader.loadDefault().withDataDir(otherDir.toString())
                .withStores(StoresConfig.small(1_000L));
        try (ExchangeRuntime runtime = ExchangeRuntime.open(alone, new ExchangeMetrics())) {
            assertNull(runtime.eventPublisher());
            assertFalse(Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.getName().startsWith("merlin-kafka") || t.getName().contains("merlin-events")),
                    "no Kafka thread without cluster.kafka.bootstrap");
        }
        assertFalse(Files.exists(otherDir.resolve("cluster")));

        MerlinConfig unreachable = MerlinNodes.shared(alone).withNodeId(1).withKafkaBootstrap("127.0.0.1:"
                + closedPort()).validate();
        long opening = System.nanoTime();
        try (ExchangeRuntime runtime = ExchangeRuntime.open(unreachable, new ExchangeMetrics())) {
            assertTrue(System.nanoTime() - opening < Duration.ofSeconds(10).toNanos(),
                    "an unreachable Kafka does not hold up start-up");
            runtime.stores().segments().add("local-user", alone.segmentId("sports-fans"), BASE_MILLIS / 1000 + 60,
                    BASE_MILLIS / 1000);
            SegmentSet set = new SegmentSet();
            assertTrue(runtime.stores().segments().read("local-user", BASE_MILLIS / 1000, set),
                    "the local store works without Kafka");
        }

        MerlinConfig shared = MerlinNodes.shared(alone).withDataDir(dataDir.toString()).withNodeId(1).toBuilder()
                .cluster(new ClusterConfig(new ClusterConfig.Kafka(kafka.bootstrapServers(), topicPrefix))).build()
                .validate();
        createTopic("runtime.events");
        try (ExchangeRuntime runtime = ExchangeRuntime.open(shared, new ExchangeMetrics())) {
            EventPublisher publisher = runtime.eventPublisher();
            assertTrue(runtime.stores().events().commit(runtime.stores().events()
                    .begin(EventType.OPT_OUT, BASE_MILLIS).put("u", "abc").put("seq", 0L)));
            await(() -> publisher.published() == 1, "the runtime's event published");
        }
        List<ConsumerRecord<byte[], byte[]>> records = consume("runtime.events", 1);
        assertEquals("abc", new String(records.get(0).key(), StandardCharsets.US_ASCII));
        String json = new String(records.get(0).value(), StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{\"type\":\"OPT_OUT\"") && json.contains("\"u\":\"abc\""), json);
    }

    /**
     * Two runtimes (nodes 1 and 2, own data dirs) on one broker: an app event on node 1 gives node 2 the segment within
     * 1 s, an erasure on node 1 removes it on node 2 within 1 s, and a third node started later bootstraps from the
     * compacted topic (without the erased user).
     */
    @Test
    void segmentChangesAndErasuresOnOneNodeReachTheOtherWithinASecond(@TempDir Path node1Dir, @TempDir Path node2Dir,
                                                                     @TempDir Path node3Dir) throws Exception {
        MerlinConfig base = MerlinNodes.shared(ConfigLoader.loadDefault()).withStores(StoresConfig.small(1_000L))
                .toBuilder().cluster(new ClusterConfig(new ClusterConfig.Kafka(kafka.bootstrapServers(), "segs.")))
                .build();
        int sports = base.segmentId("sports-fans");
        long now = System.currentTimeMillis() / 1000L;
        String ifa = "6D92078A-8246-4BA4-AE5B-76104861E7DC";
        String kept = "0A0B0C0D-8246-4BA4-AE5B-76104861E7DC";
        long onTopic;
        try (ExchangeRuntime node1 = ExchangeRuntime.open(node(base, node1Dir, 1), new ExchangeMetrics());
             ExchangeRuntime node2 = ExchangeRuntime.open(node(base, node2Dir, 2), new ExchangeMetrics())) {
            TrackingConfigSource sakura = new TrackingConfigSource(node1);
            // the second is the time a change takes between running nodes, not a node's start-up
            await(() -> node1.segmentReplicator().isReading() && node2.segmentReplicator().isReading(),
                    "both nodes reading the segments topic");
            long started = System.nanoTime();
            for (int i = 0; i < 3; i++) { // the README's story: three sports videos make a sports fan
                node1.tracking().record(sakura.id, sakura.advertiser, ifa, "video_watch", "IAB17-44", 0, null,
                        null, now, now);
            }
            assertTrue(holds(node1, ifa, sports, now), "node 1 made the user a sports fan");
            awaitWithin(Duration.ofSeconds(1), () -> holds(node2, ifa, sports, now), "node 2 sees the segment");
            long joinMillis = (System.nanoTime() - started) / 1_000_000L;
            node1.stores().segments().add(kept, sports, now + 3_600, now);
            awaitWithin(Duration.ofSeconds(1), () -> holds(node2, kept, sports, now), "node 2 sees the second user");

            started = System.nanoTime();
            assertTrue(node1.tracking().erase(ifa));
            awaitWithin(Duration.ofSeconds(1), () -> !holds(node2, ifa, sports, now), "node 2 forgets the user");
            long eraseMillis = (System.nanoTime() - started) / 1_000_000L;
            System.out.println("segments across nodes: joined on node 2 after " + joinMillis
                    + " ms, erased on node 2 after " + eraseMillis + " ms");
            assertTrue(holds(node2, kept, sports, now), "the other user stays");
            assertEquals(0, node2.segmentReplicator().rejected());
            node1.close();
            node2.close();
            // closed, each replicator has its last acknowledgement counted: every record of the topic
            onTopic = node1.segmentReplicator().published() + node2.segmentReplicator().published();
        }
        try (ExchangeRuntime node3 = ExchangeRuntime.open(node(base, node3Dir, 3), new ExchangeMetrics())) {
            await(() -> holds(node3, kept, sports, now), "a new node bootstraps from the topic");
            // the users sit in different partitions: node 3 may hold the kept user before it reads the erased one's
            // tombstone, so it must have applied every record (each counted once in the store) and then not hold him
            await(() -> node3.segmentReplicator().applied() == onTopic && !holds(node3, ifa, sports, now),
                    "the erasure's tombstone came after the user's segments (" + onTopic + " records)");
            await(() -> node3.segmentReplicator().isCaughtUp(), "node 3 ends its replay of the topic at its start");
        }
    }

    private static MerlinConfig node(MerlinConfig base, Path dataDir, int nodeId) {
        return base.withDataDir(dataDir.toString()).withNodeId(nodeId).validate();
    }

    private static boolean holds(ExchangeRuntime node, String userKey, int segment, long now) {
        SegmentSet set = new SegmentSet();
        node.stores().segments().read(userKey, now, set);
        return set.contains(segment);
    }

    /** The demo app source whose events the segment rules turn into segments. */
    private static final class TrackingConfigSource {
        final String id;
        final String advertiser;

        TrackingConfigSource(ExchangeRuntime node) {
            TrackingConfig.EventSourceConfig source = node.tracking().sourceForKey("demo-sakura-app-key-0001");
            this.id = source.id();
            this.advertiser = source.advertiser();
        }
    }

    private static void awaitWithin(Duration limit, BooleanSupplier condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + limit.toMillis() + " ms: " + what);
            }
            Thread.sleep(1);
        }
    }

    private static void write(EventLog log, int from, int count) {
        for (int i = from; i < from + count; i++) {
            assertTrue(log.commit(log.begin(EventType.CLICK, BASE_MILLIS + i).put("u", "user-" + (i % USERS))
                    .put("seq", i)));
        }
    }

    /** Each user's records came in the order they were logged, each once, and all {@code total} of them. */
    private static void assertInOrderPerUser(List<ConsumerRecord<byte[], byte[]>> records, int total) {
        Map<String, List<Integer>> byUser = new HashMap<>();
        Set<String> positions = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            String user = new String(record.key(), StandardCharsets.US_ASCII);
            assertTrue(positions.add(new String(record.headers().lastHeader("pos").value(),
                    StandardCharsets.US_ASCII)), "each record once");
            assertEquals("1", new String(record.headers().lastHeader("node").value(), StandardCharsets.US_ASCII));
            String json = new String(record.value(), StandardCharsets.UTF_8);
            int seqAt = json.indexOf("\"seq\":") + 6;
            byUser.computeIfAbsent(user, u -> new ArrayList<>())
                    .add(Integer.parseInt(json.substring(seqAt, json.indexOf('}', seqAt))));
        }
        assertEquals(total, records.size());
        assertEquals(USERS, byUser.size());
        byUser.forEach((user, seqs) -> {
            for (int i = 0; i < seqs.size(); i++) {
                int expected = Integer.parseInt(user.substring(5)) + i * USERS;
                assertEquals(expected, seqs.get(i), user + "'s records in log order: " + seqs);
            }
        });
    }

    private EventLogTailer.Position storedPosition() {
        try {
            return EventPublisher.readPosition(dataDir.resolve(EventPublisher.POSITION_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private EventPublisher publisher(String topic) throws IOException {
        return new EventPublisher(dataDir, producer(), topic, 1);
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(EventPublisher.producerProperties(kafka.bootstrapServers(), 1));
    }

    private static AgentRunner start(EventPublisher publisher) {
        AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace, null,
                publisher);
        AgentRunner.startOnThread(runner);
        return runner;
    }

    private static String createTopic(String name) throws Exception {
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(name, 3, (short) 1))).all().get();
        }
        return name;
    }

    /** Every record of the topic, reading until {@code atLeast} are there, then a moment longer for extras. */
    private static List<ConsumerRecord<byte[], byte[]>> consume(String topic, int atLeast) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!atEnd(consumer, ends) || records.size() < atLeast) {
                if (System.nanoTime() > deadline) {
                    fail("read " + records.size() + " of at least " + atLeast + " records of " + topic);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static boolean atEnd(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after 30 s waiting for: " + what);
            }
            Thread.sleep(5);
        }
    }
}
