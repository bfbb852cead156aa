package dev.merlin.exchange.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.exchange.privacy.ErasureRegistry;
import dev.merlin.exchange.privacy.UserHash;
import dev.merlin.exchange.segments.SegmentEntry;
import dev.merlin.exchange.segments.SegmentStore;
import dev.merlin.exchange.segments.SegmentStoreSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Node 2's replicator over a real segment store and erasure registry in a temporary data dir, reading the segments
 * topic through Kafka's {@link MockConsumer}: what a restarted node holds once it has replayed the topic, and which
 * lists of an erased user it refuses.
 */
class SegmentReplicatorTest {

    private static final String TOPIC = "test.segments";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private static final long NOW = 1_796_000_000L;
    private static final long ERASED_AT = NOW - 600;
    private static final int THIS_NODE = 2;
    private static final int OTHER_NODE = 1;
    private static final UserHash HASH = new UserHash(11, 12);

    @TempDir
    Path dataDir;

    private SegmentStore store;
    private ErasureRegistry erasures;
    private MockConsumer<byte[], byte[]> consumer;
    private MockProducer<byte[], byte[]> producer;
    private SegmentReplicator replicator;

    @BeforeEach
    void open() {
        store = SegmentStore.open(dataDir, SegmentStoreSettings.defaults().withEntries(1_000L), () -> NOW);
        erasures = new ErasureRegistry(dataDir, 1_000);
        consumer = new MockConsumer<>("earliest");
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, new Node[0], new Node[0])));
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        replicator = new SegmentReplicator(store, erasures, HASH, producer, consumer, TOPIC, THIS_NODE, () -> NOW,
                null);
    }

    @AfterEach
    void close() {
        replicator.onClose();
        erasures.close();
        store.close();
    }

    /**
     * Review R1: node 1 published a list of the user, then node 2 erased the user and published the tombstone; node 2
     * restarts and replays the topic. It must end at the tombstone, the user's last record, whether or not its
     * registry still remembers the erasure (a full registry remembers nothing).
     */
    @ParameterizedTest(name = "registry remembers the erasure: {0}")
    @ValueSource(booleans = {true, false})
    void theNodeThatErasedAUserStillHoldsNothingOfThemAfterARestart(boolean isRemembered) throws Exception {
        if (isRemembered) {
            erasures.erased(HASH.hash("u"), ERASED_AT);
        }
        replay(list("u", OTHER_NODE, ERASED_AT - 60, 5), tombstone("u", THIS_NODE, ERASED_AT));
        assertEquals(List.of(), store.describe("u", NOW), "the erased user's segments came back");
    }

    /** R1's other half: another node's older list replayed over this node's own later list of the user. */
    @Test
    void aRestartedNodeKeepsItsOwnLaterListOverAnotherNodesOlderOne() throws Exception {
        store.addAll("u", new int[] {5, 6}, new long[] {NOW + 3_600, NOW + 3_600}, 2, NOW - 120);
        replay(list("u", OTHER_NODE, NOW - 300, 5), list("u", THIS_NODE, NOW - 120, 5, 6));
        assertEquals(List.of(new SegmentEntry(5, NOW + 3_600), new SegmentEntry(6, NOW + 3_600)),
                store.describe("u", NOW));
    }

    /**
     * Another node's list of a user this node holds as erased or opted out is refused whatever its time: here stamped
     * after the erasure, as by a node whose clock runs ahead or that had not yet heard of it; another user's applies.
     */
    @ParameterizedTest(name = "opted out: {0}")
    @ValueSource(booleans = {true, false})
    void anotherNodesListOfAnErasedUserIsRefused(boolean isOptOut) throws Exception {
        if (isOptOut) {
            erasures.optedOut(HASH.hash("u"), ERASED_AT);
        } else {
            erasures.erased(HASH.hash("u"), ERASED_AT);
        }
        replay();
        consumer.addRecord(list("u", OTHER_NODE, ERASED_AT + 60, 5).at(0));
        consumer.addRecord(list("v", OTHER_NODE, ERASED_AT + 60, 7).at(1));
        replicator.doWork();
        assertEquals(List.of(), store.describe("u", NOW), "an erased user's list was applied");
        assertEquals(List.of(new SegmentEntry(7, NOW + 3_600)), store.describe("v", NOW));
        assertEquals(1, replicator.refusedErased());
        assertEquals(1, replicator.applied());
    }

    /**
     * A user changed here while the topic is replayed keeps that change (its record comes later in the topic): no
     * older list overwrites it. An erasure replayed meanwhile still applies.
     */
    @Test
    void aChangeMadeHereDuringTheReplayIsNotOverwrittenByAnOlderList() throws Exception {
        store.add("w", 3, NOW + 3_600, NOW - 900);
        store.listen(replicator);
        consumer.updateEndOffsets(Map.of(PARTITION, 4L));
        replicator.doWork();
        store.add("u", 7, NOW + 3_600, NOW);
        store.add("w", 8, NOW + 3_600, NOW);
        consumer.addRecord(list("u", OTHER_NODE, NOW - 300, 5).at(0));
        consumer.addRecord(list("u", THIS_NODE, NOW - 200, 6).at(1));
        consumer.addRecord(tombstone("w", OTHER_NODE, NOW - 100).at(2));
        consumer.addRecord(list("x", OTHER_NODE, NOW - 100, 9).at(3));
        runUntilCaughtUp();
        assertEquals(List.of(new SegmentEntry(7, NOW + 3_600)), store.describe("u", NOW));
        assertEquals(List.of(), store.describe("w", NOW), "an erasure is never skipped");
        assertEquals(List.of(new SegmentEntry(9, NOW + 3_600)), store.describe("x", NOW));
        ProducerRecord<byte[], byte[]> sent = producer.history().get(0);
        assertEquals("u", new String(sent.key(), StandardCharsets.UTF_8));
        assertEquals(NOW * 1000L, sent.timestamp(), "stamped with the time the change was made");
    }

    /**
     * This node's own replayed lists pass the registry by the time they were made: the list before its own erasure
     * (whose tombstone never reached Kafka) stays out; the list made after it, the user back, comes in again over the
     * tombstone before it.
     */
    @Test
    void ownListsReplayedAreAppliedOnlyWhenMadeAfterTheErasure() throws Exception {
        erasures.erased(HASH.hash("u"), ERASED_AT);
        erasures.erased(HASH.hash("v"), ERASED_AT);
        store.add("v", 9, NOW + 3_600, ERASED_AT + 100);
        replay(list("u", THIS_NODE, ERASED_AT - 10, 5), tombstone("v", THIS_NODE, ERASED_AT),
                list("v", THIS_NODE, ERASED_AT + 100, 9));
        assertEquals(List.of(), store.describe("u", NOW));
        assertEquals(List.of(new SegmentEntry(9, NOW + 3_600)), store.describe("v", NOW));
        assertEquals(1, replicator.refusedErased());
    }

    /** Puts {@code records} in the topic as it stands when node 2 starts, and runs node 2 until it replayed them. */
    private void replay(Record... records) throws InterruptedException {
        consumer.updateEndOffsets(Map.of(PARTITION, (long) records.length));
        replicator.doWork(); // assigns: reads the topic from its start, takes its end
        for (int i = 0; i < records.length; i++) {
            consumer.addRecord(records[i].at(i));
        }
        runUntilCaughtUp();
    }

    private void runUntilCaughtUp() throws InterruptedException {
        for (int i = 0; i < 10 && !replicator.isCaughtUp(); i++) {
            replicator.doWork();
        }
        assertTrue(replicator.isCaughtUp(), "replayed the topic");
    }

    private static Record list(String userKey, int node, long epochSeconds, int... segmentIds) {
        long[] expiries = new long[segmentIds.length];
        Arrays.fill(expiries, NOW + 3_600);
        return new Record(userKey, node, epochSeconds, SegmentReplicator.value(segmentIds, expiries,
                segmentIds.length));
    }

    private static Record tombstone(String userKey, int node, long epochSeconds) {
        return new Record(userKey, node, epochSeconds, null);
    }

    /** A record as a node writes it: keyed by the user, header {@code node}, stamped {@code epochSeconds}. */
    private record Record(String userKey, int node, long epochSeconds, byte[] value) {

        ConsumerRecord<byte[], byte[]> at(long offset) {
            RecordHeaders headers = new RecordHeaders();
            headers.add("node", Integer.toString(node).getBytes(StandardCharsets.US_ASCII));
            return new ConsumerRecord<>(TOPIC, 0, offset, epochSeconds * 1000L, TimestampType.CREATE_TIME, -1, -1,
                    userKey.getBytes(StandardCharsets.UTF_8), value, headers, Optional.empty());
        }
    }
}
