package dev.merlin.exchange.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ClusterConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.CatalogSource;
import dev.merlin.exchange.auction.SpendLedger;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.agrona.concurrent.AgentInvoker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No record of the budget log, and no failed pass, stops node 1's budget sharer from reading the records behind it.
 * The log is a {@link MockConsumer}, the ledger real; the sharer is run by Agrona's {@link AgentInvoker}, which handles
 * what a pass throws as the node's agent runner does (an {@code Error} is rethrown, and would end the runner's thread).
 */
class BudgetShareTest {

    private static final long NOON = Instant.parse("2026-06-15T12:00:00Z").getEpochSecond();
    private static final long DAY = Math.floorDiv(NOON, 86_400L);
    private static final ClusterConfig CLUSTER = new ClusterConfig(new ClusterConfig.Kafka("127.0.0.1:9", "t."),
            0.05, 50);
    private static final TopicPartition LOG = new TopicPartition(CLUSTER.kafka().budgetTopic(), 0);

    @TempDir
    Path dataDir;
    private final List<Throwable> handled = new ArrayList<>();
    /** Whether the next read of the catalogue throws (once). */
    private final AtomicBoolean isCatalogueFailing = new AtomicBoolean();
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private CampaignCatalog catalog;
    private SpendLedger ledger;
    private BudgetShare share;
    private AgentInvoker invoker;

    @BeforeEach
    void open() {
        MerlinConfig config = ConfigLoader.parse(MerlinNodes.config("        dailyBudget: 10\n"
                + "        totalBudget: 50\n"), "test");
        catalog = new CampaignCatalog(config);
        ledger = new SpendLedger(catalog, dataDir, 1_000, 86_400, NOON);
        CatalogSource source = () -> {
            if (isCatalogueFailing.getAndSet(false)) {
                throw new IllegalStateException("the catalogue failed to build");
            }
            return catalog;
        };
        consumer.updateBeginningOffsets(Map.of(LOG, 0L));
        consumer.updateEndOffsets(Map.of(LOG, 0L));
        share = new BudgetShare(ledger, source, new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer()), consumer, LOG.topic(), 1, CLUSTER, null);
        invoker = new AgentInvoker(handled::add, null, share);
        invoker.start();
        invoker.invoke();
        assertTrue(consumer.assignment().contains(LOG), "reading the log");
    }

    @AfterEach
    void close() {
        invoker.close();
        ledger.close();
    }

    @Test
    void aRecordThatThrowsIsRefusedAndTheRestOfItsBatchIsStillApplied() {
        Campaign c0 = catalog.byId("c0");
        consumer.addRecord(record(0, new BudgetLog.Proposal(1, "c0", DAY, 500_000, 500_000, 10_000_000, 50_000_000,
                1)));
        consumer.addRecord(record(1, new BudgetLog.Proposal(1, "c0", DAY, 700_000, 900_000, 10_000_000, 50_000_000,
                2)));
        isCatalogueFailing.set(true);

        invoker.invoke();
        assertEquals(1, share.refused(), "the record whose reading threw");
        assertEquals(1, share.applied(), "the record behind it in the same poll");
        assertArrayEquals(new long[] {700_000, 900_000}, ledger.ceilings(c0, DAY), "node 1 took its grant");
        assertTrue(share.isCaughtUp());
        assertEquals(List.of(), handled, "nothing left the pass");
    }

    /** A topic still on CreateTime (made before the day bound) is applied, but counted and warned of. */
    @Test
    void recordsTheBrokerDidNotStampAreCounted() {
        BudgetLog.Proposal proposal = new BudgetLog.Proposal(1, "c0", DAY, 500_000, 500_000, 10_000_000, 50_000_000,
                1);
        consumer.addRecord(record(0, proposal));
        consumer.addRecord(new ConsumerRecord<>(LOG.topic(), 0, 1, NOON * 1000L, TimestampType.CREATE_TIME, -1, -1,
                null, proposal.encode(), new RecordHeaders(), Optional.empty()));
        invoker.invoke();
        assertEquals(1, share.writerStamped(), "the record stamped by its writer");
        assertEquals(2, share.applied(), "both within the bound, both applied");
    }

    @Test
    void aPassThatThrowsAnErrorIsCountedAndTheNextPassGoesOn() {
        consumer.addRecord(record(0, new BudgetLog.Proposal(1, "c0", DAY, 500_000, 500_000, 10_000_000, 50_000_000,
                1)));
        consumer.schedulePollTask(() -> {
            // as an OutOfMemoryError would (which JUnit itself rethrows, ending the test run)
            throw new StackOverflowError();
        });

        assertDoesNotThrow(invoker::invoke, "an Error rethrown here would end the agent's thread");
        assertEquals(1, share.errors());
        assertEquals(0, share.applied());
        invoker.invoke();
        assertEquals(1, share.applied(), "the next pass reads on");
        assertArrayEquals(new long[] {500_000, 500_000}, ledger.ceilings(catalog.byId("c0"), DAY));
        assertTrue(invoker.isRunning());
    }

    /** A record of the log as the broker stamps it (LogAppendTime), at noon of the proposal's day. */
    private static ConsumerRecord<byte[], byte[]> record(long offset, BudgetLog.Proposal proposal) {
        return new ConsumerRecord<>(LOG.topic(), 0, offset, NOON * 1000L, TimestampType.LOG_APPEND_TIME, -1, -1, null,
                proposal.encode(), new RecordHeaders(), Optional.empty());
    }
}
