package dev.merlin.exchange.cluster;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.merlin.config.ConfigLoader;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.CatalogSource;
import dev.merlin.exchange.auction.FrequencyStore;
import dev.merlin.exchange.privacy.ErasureRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Node 2 reads an impression node 1 served, through Kafka's {@link MockConsumer}, into a real frequency store, with a
 * real erasure registry in a temporary data dir (the demo's {@code kaze-sports-fans-apac}: 5 a day).
 */
class FrequencyShareTest {

    private static final String TOPIC = "test.frequency";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private static final long NOW = 1_796_000_000L;
    private static final long ERASED_AT = NOW - 600;
    private static final long USER = 0x5EED_0001L;

    @TempDir
    Path dataDir;

    /**
     * Review R11: an impression served before the user's erasure and read after it puts no count back; nor does one
     * of a user who opted out, whenever served; one served after an erasure (the user came back) counts.
     */
    @ParameterizedTest(name = "opted out {0}, served at erasure {1}s -> count {2}")
    @CsvSource({
        "false, -30, 0",
        "false,   0, 0",
        "true,  +30, 0",
        "false, +30, 1",
    })
    void anotherNodesImpressionOfAnErasedUserIsNotCounted(boolean isOptOut, long servedAfterErasure,
                                                          int expectedCount) throws Exception {
        CampaignCatalog catalog = new CampaignCatalog(ConfigLoader.loadDefault());
        Campaign campaign = catalog.byId("kaze-sports-fans-apac");
        try (FrequencyStore store = new FrequencyStore(dataDir, 1_000);
             ErasureRegistry erasures = new ErasureRegistry(dataDir, 1_000)) {
            if (isOptOut) {
                erasures.optedOut(USER, ERASED_AT);
            } else {
                erasures.erased(USER, ERASED_AT);
            }
            MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("latest");
            consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, new Node[0], new Node[0])));
            consumer.updateEndOffsets(Map.of(PARTITION, 0L));
            FrequencyShare share = new FrequencyShare(store, erasures, catalog,
                    new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()), consumer,
                    TOPIC, 2, () -> NOW, null);
            try {
                share.doWork(); // assigns: reads from the end
                consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 0, null,
                        impression(USER, ERASED_AT + servedAfterErasure, 1, campaign.id())));
                share.doWork();
                assertEquals(expectedCount, store.impressions(USER, campaign, NOW));
                assertEquals(expectedCount, share.applied());
                assertEquals(1 - expectedCount, share.userRefused());
            } finally {
                share.onClose();
            }
        }
    }

    /**
     * A record whose applying throws is refused and counted, and the records behind it in the same poll (which
     * {@code poll()} has already moved past) are counted all the same.
     */
    @Test
    void aRecordThatThrowsIsRefusedAndTheRestOfItsPollIsCounted() throws Exception {
        CampaignCatalog catalog = new CampaignCatalog(ConfigLoader.loadDefault());
        Campaign campaign = catalog.byId("kaze-sports-fans-apac");
        AtomicInteger reads = new AtomicInteger();
        CatalogSource failingOnce = () -> {
            if (reads.incrementAndGet() == 1) {
                throw new IllegalStateException("a catalogue swap gone wrong");
            }
            return catalog;
        };
        try (FrequencyStore store = new FrequencyStore(dataDir, 1_000);
             ErasureRegistry erasures = new ErasureRegistry(dataDir, 1_000)) {
            MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("latest");
            consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, new Node[0], new Node[0])));
            consumer.updateEndOffsets(Map.of(PARTITION, 0L));
            FrequencyShare share = new FrequencyShare(store, erasures, failingOnce,
                    new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()), consumer,
                    TOPIC, 2, () -> NOW, null);
            try {
                share.doWork(); // assigns: reads from the end
                for (int offset = 0; offset < 2; offset++) {
                    consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset, null,
                            impression(USER, NOW - 5 + offset, 1, campaign.id())));
                }
                assertDoesNotThrow(share::doWork);
                assertEquals(1, share.refused(), "the record whose applying threw");
                assertEquals(1, share.applied(), "the one behind it, in the same poll");
                assertEquals(1, store.impressions(USER, campaign, NOW));
            } finally {
                share.onClose();
            }
        }
    }

    /** A record as {@code FrequencyShare} writes it: user hash, epoch seconds served, node id, campaign id. */
    private static byte[] impression(long userHash, long servedAt, int node, String campaignId) {
        byte[] id = campaignId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(20 + id.length).putLong(userHash).putLong(servedAt).putInt(node).put(id).array();
    }
}
