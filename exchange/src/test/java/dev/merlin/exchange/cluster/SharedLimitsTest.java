package dev.merlin.exchange.cluster;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ClusterConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.FrequencyStore;
import dev.merlin.exchange.privacy.ErasureRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.AgentInvoker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The frequency sharer, as {@link SharedLimits} runs it, outlives an {@code Error} in one pass. It is run by Agrona's
 * {@link AgentInvoker}, which handles what a pass throws as the node's agent runner does (an {@code Error} is
 * rethrown, and would end the runner's thread); it reads a {@link MockConsumer} into a real store.
 */
class SharedLimitsTest {

    private static final long NOW = Instant.parse("2026-06-15T12:00:00Z").getEpochSecond();
    private static final String TOPIC = new ClusterConfig.Kafka("127.0.0.1:9", "t.").frequencyTopic();

    @TempDir
    Path dataDir;

    @Test
    void theFrequencyAgentCountsAnErrorFromAPassAndReadsOnInTheNext() throws Exception {
        CampaignCatalog catalog = new CampaignCatalog(ConfigLoader.parse(MerlinNodes.config(
                "        frequencyCap: {impressions: 2, periodSeconds: 3600}\n"), "test"));
        Campaign c0 = catalog.byId("c0");
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("latest");
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, null, null)));
        consumer.updateEndOffsets(Map.of(partition, 0L));
        List<Throwable> handled = new ArrayList<>();
        PassErrors errors = new PassErrors(LoggerFactory.getLogger(SharedLimitsTest.class), "frequency");
        try (FrequencyStore store = new FrequencyStore(dataDir, 10_000);
             ErasureRegistry erasures = new ErasureRegistry(dataDir, 1_000)) {
            FrequencyShare frequency = new FrequencyShare(store, erasures, () -> catalog, new MockProducer<>(true, null,
                    new ByteArraySerializer(), new ByteArraySerializer()), consumer, TOPIC, 1, () -> NOW, null);
            AgentInvoker invoker = new AgentInvoker(handled::add, null, errors.guard(frequency));
            invoker.start();
            try {
                invoker.invoke();
                assertTrue(frequency.isAssigned());
                consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 0, null, impression(42, NOW - 5, 2, "c0")));
                consumer.schedulePollTask(() -> {
                    // as an OutOfMemoryError would (which JUnit itself rethrows, ending the test run)
                    throw new StackOverflowError();
                });

                assertDoesNotThrow(invoker::invoke, "an Error rethrown here would end the agent's thread");
                assertEquals(1, errors.count());
                invoker.invoke();
                assertEquals(1, frequency.applied(), "the next pass reads on");
                assertEquals(1, store.impressions(42, c0, NOW));
                assertEquals(List.of(), handled);
            } finally {
                invoker.close();
            }
        }
    }

    /** An impression record's value: user hash, epoch seconds served, node id, campaign id. */
    private static byte[] impression(long userHash, long servedAt, int node, String campaignId) {
        byte[] id = campaignId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(20 + id.length).putLong(userHash).putLong(servedAt).putInt(node).put(id).array();
    }
}
