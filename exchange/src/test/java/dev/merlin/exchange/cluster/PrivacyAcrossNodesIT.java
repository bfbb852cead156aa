package dev.merlin.exchange.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.merlin.config.ClusterConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.ErasureRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Erasure and opt-out across nodes, on a real broker: asked on node 1, they take effect on node 2 within a second
 * (the opt-out registry the consent gate reads, the erasure registry that refuses late notices, frequency counts);
 * a restarted node replays the topic without erasing what a returning user made since; a new node learns every
 * opt-out; forged records on the topic are refused and counted, and a forged tombstone is healed.
 */
class PrivacyAcrossNodesIT {

    private static KafkaClusterTestKit kafka;

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
    void erasuresAndOptOutsOnOneNodeTakeEffectOnEveryNode(@TempDir Path node1Dir, @TempDir Path node2Dir,
                                                          @TempDir Path node3Dir) throws Exception {
        MerlinConfig base = config("privacy.");
        String optingOut = "opting-out-user-0001";
        String erased = "erased-user-0001";
        long now = System.currentTimeMillis() / 1000L;
        try (ExchangeRuntime node1 = open(base, node1Dir, 1)) {
            ExchangeRuntime node2 = open(base, node2Dir, 2);
            try {
                await(Duration.ofSeconds(30), () -> node1.privacyShare().isReading()
                        && node2.privacyShare().isReading(), "both nodes reading the privacy topic");
                long erasedHash = node2.identity().userHash().hash(erased);
                Campaign campaign = firstCampaign(node2);
                node2.stores().frequency().record(erasedHash, campaign, now);
                assertEquals(1, node2.stores().frequency().impressions(erasedHash, campaign, now));
                assertFalse(node2.stores().optOuts().contains(optingOut));

                long started = System.nanoTime();
                assertTrue(node1.erasure().erase(optingOut, true).logged());
                assertTrue(node1.erasure().erase(erased, false).logged());
                await(Duration.ofSeconds(1), () -> node2.stores().optOuts().contains(optingOut),
                        "node 2's consent gate sees the opt-out");
                await(Duration.ofSeconds(1), () -> node2.stores().erasures().refusal(erasedHash, now)
                        == ErasureRegistry.Refusal.USER_ERASED, "node 2 refuses late notices of the erased user");
                // the registry is told first (so a late notice is refused at once), the derived data is erased next
                await(Duration.ofSeconds(1), () -> node2.stores().frequency().impressions(erasedHash, campaign, now)
                        == 0, "node 2 forgot the erased user's frequency counts");
                long millis = (System.nanoTime() - started) / 1_000_000L;
                System.out.println("privacy across nodes: opt-out and erasure on node 2 after " + millis + " ms");
                // the opt-out registry is told before the erasure registry, and the two users' records may sit in
                // different partitions (read in either order): the opt-out's refusal may trail its registry entry
                await(Duration.ofSeconds(1), () -> node2.stores().erasures().refusal(node2.identity().userHash()
                        .hash(optingOut), now) == ErasureRegistry.Refusal.USER_OPT_OUT,
                        "node 2 refuses late notices of the opted-out user");
                // the counter is bumped after the effects it counts, so it may trail them by a moment
                await(Duration.ofSeconds(1), () -> node2.privacyShare().applied() == 2, "node 2 counts both applied");
                await(Duration.ofSeconds(30), () -> node1.privacyShare().known() == 2, "node 1 reads its own");
                assertEquals(0, node1.privacyShare().applied(), "a node's own records are known to it already");
            } finally {
                node2.close();
            }

            // node 2 restarts: the topic is replayed, and the erased user, back since, keeps what they made since
            try (ExchangeRuntime again = open(base, node2Dir, 2)) {
                long erasedHash = again.identity().userHash().hash(erased);
                Campaign campaign = firstCampaign(again);
                again.stores().frequency().record(erasedHash, campaign, now + 1);
                await(Duration.ofSeconds(30), () -> again.privacyShare().known()
                        + again.privacyShare().applied() == 2, "the restarted node read both records again");
                assertEquals(0, again.privacyShare().applied(), "a replay applies nothing");
                assertEquals(1, again.stores().frequency().impressions(erasedHash, campaign, now + 1),
                        "the replay erased what the user made after the erasure");
            }
        }
        try (ExchangeRuntime node3 = open(base, node3Dir, 3)) {
            await(Duration.ofSeconds(30), () -> node3.stores().optOuts().contains(optingOut),
                    "a new node learns the opt-out from the topic");
            await(Duration.ofSeconds(30), () -> node3.stores().erasures().refusal(
                    node3.identity().userHash().hash(erased), now) == ErasureRegistry.Refusal.USER_ERASED,
                    "a new node learns the erasure");
        }
    }

    /** An opt-out followed by an erasure of the same user stays an opt-out on the topic (compaction keeps one). */
    @Test
    void anErasureAfterAnOptOutKeepsTheOptOutForNewNodes(@TempDir Path node1Dir, @TempDir Path node2Dir)
            throws Exception {
        MerlinConfig base = config("sticky.");
        String user = "sticky-user-0001";
        try (ExchangeRuntime node1 = open(base, node1Dir, 1)) {
            assertTrue(node1.erasure().erase(user, true).logged());
            assertTrue(node1.erasure().erase(user, false).logged());
            await(Duration.ofSeconds(30), () -> node1.privacyShare().published() == 2, "both published");
        }
        List<byte[]> values = values(base.cluster().kafka().privacyTopic(), user, 2);
        assertEquals(1, values.get(1)[0], "the record compaction keeps still says opted out");
        try (ExchangeRuntime node2 = open(base, node2Dir, 2)) {
            await(Duration.ofSeconds(30), () -> node2.stores().optOuts().contains(user),
                    "the new node learns the opt-out");
            await(Duration.ofSeconds(30), () -> node2.privacyShare().applied() + node2.privacyShare().known() == 2,
                    "both records read");
            assertEquals(1, node2.privacyShare().applied(), "the second record carries the opt-out: already known");
        }
    }

    /**
     * Whoever can write the topic is outside Merlin's HTTP front door: malformed records are refused and counted and
     * change nothing; a tombstone (which compaction would turn into a forgotten opt-out) is refused and healed.
     */
    @Test
    void forgedRecordsAreRefusedAndATombstoneIsHealed(@TempDir Path node1Dir, @TempDir Path node2Dir)
            throws Exception {
        MerlinConfig base = config("forged.");
        String topic = base.cluster().kafka().privacyTopic();
        String victim = "victim-user-0001";
        long now = System.currentTimeMillis() / 1000L;
        try (ExchangeRuntime node1 = open(base, node1Dir, 1);
             ExchangeRuntime node2 = open(base, node2Dir, 2);
             KafkaProducer<byte[], byte[]> attacker = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                     ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                     ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            await(Duration.ofSeconds(30), () -> node1.privacyShare().isReading()
                    && node2.privacyShare().isReading(), "both nodes reading");
            byte[] key = victim.getBytes(StandardCharsets.US_ASCII);
            byte[] valid = PrivacyShare.value(true, now, 7);
            byte[][][] forged = {
                {key, Arrays.copyOf(valid, 12)},                  // short
                {key, Arrays.copyOf(valid, 14)},                  // long
                {key, flags(valid, (byte) 2)},                              // unknown flags
                {key, PrivacyShare.value(true, now, 5_000)},                // node id out of range
                {key, PrivacyShare.value(true, now, -1)},                   // negative node id
                {key, PrivacyShare.value(true, now + 3_600, 7)},            // an hour ahead
                {key, PrivacyShare.value(true, -5, 7)},                     // before 1970
                {new byte[0], valid},                                       // empty key
                {new byte[PrivacyShare.MAX_KEY_BYTES + 1], valid},          // key too long
            };
            for (byte[][] record : forged) {
                attacker.send(new ProducerRecord<>(topic, record[0], record[1])).get();
            }
            await(Duration.ofSeconds(30), () -> node2.privacyShare().rejected() == forged.length
                    && node1.privacyShare().rejected() == forged.length, "every forged record refused by both");
            assertFalse(node2.stores().optOuts().contains(victim), "no forged record opted the victim out");
            assertNull(node2.stores().erasures().state(node2.identity().userHash().hash(victim)));
            assertEquals(0, node2.privacyShare().applied());

            // the victim really opts out on node 1; a forged tombstone then makes node 1 publish the state again
            assertTrue(node1.erasure().erase(victim, true).logged());
            await(Duration.ofSeconds(30), () -> node2.stores().optOuts().contains(victim), "the real opt-out");
            // node 1's count of it is bumped when Kafka's answer reaches node 1, which may come after node 2 read it
            await(Duration.ofSeconds(30), () -> node1.privacyShare().published() == 1,
                    "node 1's opt-out acknowledged");
            attacker.send(new ProducerRecord<>(topic, key, null)).get();
            await(Duration.ofSeconds(30), () -> node1.privacyShare().published() == 2,
                    "node 1 republishes the opt-out the tombstone would have compacted away");
            await(Duration.ofSeconds(30), () -> node2.privacyShare().rejected() == forged.length + 1,
                    "node 2 read the tombstone too");
            assertTrue(node2.stores().optOuts().contains(victim), "a tombstone undoes no opt-out");
        }
    }

    /** The first {@code count} values of {@code key} on {@code topic}, in order. */
    private static List<byte[]> values(String topic, String key, int count) throws Exception {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<byte[]> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    if (key.equals(new String(record.key(), StandardCharsets.UTF_8))) {
                        values.add(record.value());
                    }
                }
            }
        }
        assertEquals(count, values.size(), "records of " + key + " on " + topic);
        return values;
    }

    private static byte[] flags(byte[] value, byte flags) {
        byte[] copy = value.clone();
        copy[0] = flags;
        return copy;
    }

    private static MerlinConfig config(String topicPrefix) throws Exception {
        // one identity secret for all nodes: they must hash a user alike (MerlinNodes' config sets one)
        MerlinConfig config = ConfigLoader.parse(MerlinNodes.config(
                "        frequencyCap: {impressions: 5, periodSeconds: 3600}\n"), "test");
        return config.withStores(StoresConfig.small(10_000L)).toBuilder()
                .cluster(new ClusterConfig(new ClusterConfig.Kafka(kafka.bootstrapServers(), topicPrefix))).build();
    }

    private static ExchangeRuntime open(MerlinConfig base, Path dataDir, int nodeId) throws Exception {
        return ExchangeRuntime.open(base.withDataDir(dataDir.toString()).withNodeId(nodeId).validate(),
                new ExchangeMetrics());
    }

    private static Campaign firstCampaign(ExchangeRuntime node) {
        return node.tracking().catalog().get(0);
    }

    private static void await(Duration limit, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + limit.toMillis() + " ms: " + what);
            }
            Thread.sleep(1);
        }
    }
}
