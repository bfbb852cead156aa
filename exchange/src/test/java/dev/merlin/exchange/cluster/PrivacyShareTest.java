package dev.merlin.exchange.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.ErasureRegistry;
import dev.merlin.exchange.segments.SegmentStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.Agent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's privacy share over Kafka's mock clients and real stores (node 2): what it publishes once its erasure
 * registry is full, and what another node's erasure does to the segments this node still holds.
 */
class PrivacyShareTest {

    private static final long NOW = Instant.parse("2026-06-15T12:00:00Z").getEpochSecond();
    private static final String PRIVACY = "test.privacy";
    private static final String SEGMENTS = "test.segments";
    private static final int NODE = 2;

    @TempDir
    Path dataDir;

    private final AtomicLong clock = new AtomicLong(NOW);
    private final MockProducer<byte[], byte[]> privacyOut = new MockProducer<>(true, null,
            new ByteArraySerializer(), new ByteArraySerializer());
    private final MockConsumer<byte[], byte[]> privacyIn = new MockConsumer<>("earliest");
    private final List<ExchangeRuntime> opened = new ArrayList<>();
    private long privacyOffset;

    @AfterEach
    void close() {
        opened.forEach(ExchangeRuntime::close);
    }

    /**
     * Anyone can fill the erasure registry (a fresh uid, an opt-out, again): from then on a real user's opt-out and
     * erasure must still reach the other nodes, as they were asked; an opt-out the opt-out registry holds stays one
     * whatever erasure of the user follows (compaction keeps the last record of a user).
     */
    @Test
    void aFullErasureRegistryStillPublishesEveryErasureAndOptOut() {
        ExchangeRuntime node = open(1_000L);
        ErasureRegistry erasures = node.stores().erasures();
        for (long hash = 1; erasures.fullRejections() == 0; hash++) {
            if (hash > 100_000) {
                fail("the registry of 1,000 entries never refused a user");
            }
            erasures.optedOut(hash, NOW - 60);
        }
        PrivacyShare share = share(node);

        node.erasure().erase("u-new", true);
        node.erasure().erase("u-erased", false);
        node.erasure().erase("u-sticky", true);
        clock.incrementAndGet();
        node.erasure().erase("u-sticky", false);
        share.doWork();

        assertEquals(4, privacyOut.history().size(), "every erasure and opt-out published");
        assertArrayEquals(PrivacyShare.value(true, NOW, NODE), valueOf("u-new", 0));
        assertArrayEquals(PrivacyShare.value(false, NOW, NODE), valueOf("u-erased", 0));
        assertArrayEquals(PrivacyShare.value(true, NOW + 1, NODE), valueOf("u-sticky", 1),
                "the last record of an opted-out user still says opted out");
        assertEquals(4, share.unremembered());
        assertEquals(4, share.published());
    }

    /**
     * Another node's erasure of a user whose segments this node still holds (a list another node published after the
     * erasure's tombstone, as a node that had not read the erasure yet does) removes them here and publishes their
     * tombstone again, which wins on every node; a replay, a user holding nothing and a tombstone read from the topic
     * publish nothing (no storm, no loop between nodes).
     */
    @Test
    void aRemoteErasureRemovesTheSegmentsHeldHereAndPublishesTheirTombstoneOnce() throws Exception {
        ExchangeRuntime node = open(10_000L);
        SegmentStore store = node.stores().segments();
        MockProducer<byte[], byte[]> segmentsOut = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        MockConsumer<byte[], byte[]> segmentsIn = new MockConsumer<>("earliest");
        readable(segmentsIn, SEGMENTS);
        SegmentReplicator replicator = new SegmentReplicator(store, node.stores().erasures(),
                node.identity().userHash(), segmentsOut, segmentsIn, SEGMENTS, NODE, clock::get, null);
        store.listen(replicator);
        PrivacyShare share = share(node);
        // both read their topics from the start (the mock consumers take records once assigned)
        run(replicator);
        run(share);
        byte[] crossing = SegmentReplicator.value(new int[] {7}, new long[] {NOW + 3_600}, 1);
        segmentsIn.addRecord(segmentRecord(0, "u-crossed", crossing, "3"));
        run(replicator);
        assertFalse(store.describe("u-crossed", NOW).isEmpty(), "node 3's list crossed the erasure");

        privacyIn.addRecord(privacyRecord("u-crossed", PrivacyShare.value(false, NOW - 10, 1)));
        privacyIn.addRecord(privacyRecord("u-holds-nothing", PrivacyShare.value(false, NOW - 10, 1)));
        run(share);
        run(replicator);

        assertTrue(store.describe("u-crossed", NOW).isEmpty(), "the erased user's segments are gone here");
        assertEquals(1, segmentsOut.history().size(), "one tombstone, for the user whose segments were held");
        ProducerRecord<byte[], byte[]> tombstone = segmentsOut.history().get(0);
        assertEquals("u-crossed", new String(tombstone.key(), StandardCharsets.UTF_8));
        assertNull(tombstone.value());

        // the replay of the erasure, node 1's own tombstone and this node's own one read back publish nothing
        privacyIn.addRecord(privacyRecord("u-crossed", PrivacyShare.value(false, NOW - 10, 1)));
        segmentsIn.addRecord(segmentRecord(1, "u-crossed", null, "1"));
        segmentsIn.addRecord(segmentRecord(2, "u-crossed", null, Integer.toString(NODE)));
        run(share);
        run(replicator);
        assertEquals(1, share.known(), "the replay is known");
        assertEquals(1, segmentsOut.history().size(), "nothing more published");
    }

    private ExchangeRuntime open(long erasureEntries) {
        MerlinConfig config = ConfigLoader.parse(MerlinNodes.config(""), "test")
                .withStores(StoresConfig.builder().segmentUsers(10_000L).frequencyEntries(10_000L)
                        .chargedImpressions(10_000L).erasureEntries(erasureEntries).build())
                .withDataDir(dataDir.toString()).withNodeId(NODE).validate();
        ExchangeRuntime node = ExchangeRuntime.open(config, new ExchangeMetrics(), clock::get);
        opened.add(node);
        return node;
    }

    /** A share of the node's erasures over the mock clients, listening to them. */
    private PrivacyShare share(ExchangeRuntime node) {
        readable(privacyIn, PRIVACY);
        PrivacyShare share = new PrivacyShare(node.erasure(), node.stores().erasures(), node.identity().userHash(),
                privacyOut, privacyIn, null, PRIVACY, NODE, clock::get);
        node.erasure().listen(share);
        return share;
    }

    /** The topic as the mock broker holds it: one partition, empty. */
    private static void readable(MockConsumer<byte[], byte[]> consumer, String topic) {
        consumer.updatePartitions(topic, List.of(new PartitionInfo(topic, 0, null, null, null)));
        TopicPartition partition = new TopicPartition(topic, 0);
        consumer.updateBeginningOffsets(Map.of(partition, 0L));
        consumer.updateEndOffsets(Map.of(partition, 0L));
    }

    /** Runs the agent until it has read what its consumer holds (its first call assigns the partition). */
    private static void run(Agent agent) throws Exception {
        for (int i = 0; i < 3; i++) {
            agent.doWork();
        }
    }

    private ConsumerRecord<byte[], byte[]> privacyRecord(String uid, byte[] value) {
        return new ConsumerRecord<>(PRIVACY, 0, privacyOffset++, uid.getBytes(StandardCharsets.UTF_8), value);
    }

    private static ConsumerRecord<byte[], byte[]> segmentRecord(long offset, String uid, byte[] value, String node) {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(SEGMENTS, 0, offset,
                uid.getBytes(StandardCharsets.UTF_8), value);
        record.headers().add("node", node.getBytes(StandardCharsets.US_ASCII));
        return record;
    }

    /** The value of the {@code index}-th record published for {@code uid}. */
    private byte[] valueOf(String uid, int index) {
        List<byte[]> values = new ArrayList<>();
        for (ProducerRecord<byte[], byte[]> record : privacyOut.history()) {
            if (uid.equals(new String(record.key(), StandardCharsets.UTF_8))) {
                values.add(record.value());
            }
        }
        if (index >= values.size()) {
            fail("no record " + index + " of " + uid + " published");
        }
        return values.get(index);
    }
}
