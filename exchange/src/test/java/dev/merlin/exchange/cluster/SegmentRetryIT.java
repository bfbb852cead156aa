package dev.merlin.exchange.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.merlin.config.ClusterConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.ErasureRegistry;
import dev.merlin.exchange.privacy.UserHash;
import dev.merlin.exchange.segments.SegmentSet;
import dev.merlin.exchange.segments.SegmentStore;
import dev.merlin.exchange.segments.SegmentStoreSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A segment change Kafka refuses is sent again, as the user's segments then are: a real broker whose topic refuses
 * every record (its {@code max.message.bytes} below any batch) until the test raises the limit. And records forged
 * on the topic with a key no store can hold are refused and counted, and the changes behind them still applied.
 */
class SegmentRetryIT {

    private static final long NOW = 1_796_000_000L;
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
    void aChangeKafkaRefusedIsSentAgainAsTheUserNowIs() throws Exception {
        String topic = "retry.segments";
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "16")))).all().get();
        }
        Properties consumerProps = consumerProperties();
        try (SegmentStore store = SegmentStore.open(dataDir, SegmentStoreSettings.defaults().withEntries(1_000L),
                () -> NOW); ErasureRegistry erasures = new ErasureRegistry(dataDir, 1_000)) {
            SegmentReplicator replicator = new SegmentReplicator(store, erasures, new UserHash(1, 2),
                    new KafkaProducer<>(EventPublisher.producerProperties(kafka.bootstrapServers(), 1)),
                    new KafkaConsumer<>(consumerProps), topic, 1, () -> NOW, null);
            store.listen(replicator);
            AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace,
                    null, replicator);
            AgentRunner.startOnThread(runner);
            try {
                store.add("user-1", 5, NOW + 3_600, NOW);
                await(() -> replicator.failed() >= 1, "the broker refuses the first change");
                store.add("user-1", 6, NOW + 7_200, NOW);
                await(() -> replicator.failed() >= 3, "and the second, and a first retry");
                assertEquals(0, replicator.published());
                try (Admin admin = kafka.admin()) {
                    admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry(
                            TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "1048576"), AlterConfigOp.OpType.SET)))).all().get();
                }
                await(() -> replicator.published() >= 1 && replicator.retrying() == 0, "sent once Kafka takes it");
            } finally {
                runner.close();
            }
            List<ConsumerRecord<byte[], byte[]>> records = readAll(topic);
            assertTrue(!records.isEmpty(), "the topic holds the user");
            for (ConsumerRecord<byte[], byte[]> record : records) {
                assertEquals("user-1", new String(record.key(), StandardCharsets.UTF_8));
                ByteBuffer value = ByteBuffer.wrap(record.value());
                assertEquals(16, value.remaining(), "both segments: what the store held when sent again");
                assertEquals(5, value.getInt());
                assertEquals(NOW + 3_600, Integer.toUnsignedLong(value.getInt()));
                assertEquals(6, value.getInt());
                assertEquals(NOW + 7_200, Integer.toUnsignedLong(value.getInt()));
            }
        }
    }

    /**
     * Whoever can write the segments topic is outside Merlin's front door: a record with an empty key or one longer
     * than the store takes (a change or a tombstone) is refused and counted, changes nothing, and does not cost the
     * node the valid change behind it in the same poll (one without a key the compacted topic itself refuses).
     */
    @Test
    void recordsWithoutAUsableKeyAreRefusedAndTheChangeBehindThemIsStillApplied() throws Exception {
        String topic = "forged.segments";
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
        }
        SegmentStoreSettings settings = SegmentStoreSettings.defaults().withEntries(1_000L);
        byte[] value = SegmentReplicator.value(new int[] {5}, new long[] {NOW + 3_600}, 1);
        byte[] tooLong = "u".repeat(settings.maxKeyChars() + 1).getBytes(StandardCharsets.UTF_8);
        byte[] otherNode = "7".getBytes(StandardCharsets.US_ASCII);
        try (KafkaProducer<byte[], byte[]> attacker = new KafkaProducer<>(
                EventPublisher.producerProperties(kafka.bootstrapServers(), 7))) {
            // the broker itself refuses a record without a key on a compacted topic
            ExecutionException keyless = assertThrows(ExecutionException.class,
                    () -> attacker.send(new ProducerRecord<>(topic, null, value)).get());
            assertTrue(keyless.getCause() instanceof InvalidRecordException, keyless.toString());
            // all before the node reads: it gets them in one poll, the valid change last
            for (byte[][] forged : new byte[][][] {{new byte[0], value}, {tooLong, value}, {new byte[0], null},
                {tooLong, null}}) {
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, forged[0], forged[1]);
                record.headers().add("node", otherNode);
                attacker.send(record).get();
            }
            attacker.send(SegmentReplicator.record(topic, otherNode, "user-2", value)).get();
        }
        try (SegmentStore store = SegmentStore.open(dataDir, settings, () -> NOW);
             ErasureRegistry erasures = new ErasureRegistry(dataDir, 1_000)) {
            SegmentReplicator replicator = new SegmentReplicator(store, erasures, new UserHash(1, 2),
                    new KafkaProducer<>(EventPublisher.producerProperties(kafka.bootstrapServers(), 1)),
                    new KafkaConsumer<>(consumerProperties()), topic, 1, () -> NOW, kafka.admin());
            AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace,
                    null, replicator);
            AgentRunner.startOnThread(runner);
            try {
                await(() -> replicator.applied() == 1, "the valid change behind the forged records applied");
                assertEquals(4, replicator.rejected(), "every forged record refused and counted");
                SegmentSet set = new SegmentSet();
                store.read("user-2", NOW, set);
                assertTrue(set.contains(5), "user-2 holds the segment");
                assertEquals(1, store.size(), "nothing else was written");
            } finally {
                runner.close();
            }
        }
    }

    @Test
    void aBulkLoadedStoreIsPublishedAndANodeStartedAfterwardsHoldsIt(@TempDir Path loaded, @TempDir Path node)
            throws Exception {
        long now = System.currentTimeMillis() / 1000L;
        try (SegmentStore store = SegmentStore.open(loaded, SegmentStoreSettings.defaults(), () -> now)) {
            store.addAll("loaded-1", new int[] {3, 4}, new long[] {now + 3_600, now + 7_200}, 2, now);
            store.add("loaded-2", 7, now + 3_600, now);
            store.add("expired", 9, now + 1, now);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = SegmentPublish.run(new String[] {"--data-dir", loaded.toString(), "--kafka",
                kafka.bootstrapServers(), "--topic-prefix", "bulk.", "--node-id", "5"}, new PrintStream(out),
                new PrintStream(err));
        // "expired" expires 1 s after it was written: by the time of the publish it may be gone or not
        assertEquals(0, exit, out + " / " + err);
        assertTrue(out.toString().contains("failed") && !out.toString().contains(" 0 users"), out.toString());
        MerlinConfig config = MerlinNodes.shared(ConfigLoader.loadDefault()).withStores(StoresConfig.small(1_000L))
                .toBuilder()
                .cluster(new ClusterConfig(new ClusterConfig.Kafka(kafka.bootstrapServers(), "bulk."))).build()
                .withDataDir(node.toString()).withNodeId(6).validate();
        try (ExchangeRuntime other = ExchangeRuntime.open(config, new ExchangeMetrics())) {
            await(() -> holds(other, "loaded-1", 3, now) && holds(other, "loaded-1", 4, now)
                    && holds(other, "loaded-2", 7, now), "a node started afterwards bootstraps the loaded users");
        }
        assertEquals(2, SegmentPublish.run(new String[] {"--data-dir", node.resolve("none").toString(), "--kafka",
                kafka.bootstrapServers()}, new PrintStream(out), new PrintStream(err)), "no store there");
    }

    private static boolean holds(ExchangeRuntime node, String userKey, int segment, long now) {
        SegmentSet set = new SegmentSet();
        node.stores().segments().read(userKey, now, set);
        return set.contains(segment);
    }

    private static Properties consumerProperties() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return props;
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(partition) < end) {
                if (System.nanoTime() > deadline) {
                    fail("read " + records.size() + " records of " + topic + " up to " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within 30 s: " + what);
            }
            Thread.sleep(10); // polling for the state the agent reaches, bounded by the deadline
        }
    }
}
