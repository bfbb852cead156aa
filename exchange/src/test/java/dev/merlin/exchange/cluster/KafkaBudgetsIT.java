package dev.merlin.exchange.cluster;

import static dev.merlin.exchange.cluster.MerlinNodes.PER_IMP_MICROS;
import static dev.merlin.exchange.cluster.MerlinNodes.auction;
import static dev.merlin.exchange.cluster.MerlinNodes.await;
import static dev.merlin.exchange.cluster.MerlinNodes.config;
import static dev.merlin.exchange.cluster.MerlinNodes.node;
import static dev.merlin.exchange.cluster.MerlinNodes.notice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.merlin.exchange.MerlinServer;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.SpendLedger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Merlin servers (nodes 1 and 2, own data dirs and ports) on one in-process KRaft broker, driven over loopback
 * HTTP with real auctions and bill notices: together they exhaust one small budget and never spend past it, and both
 * stop bidding on it; an impression on node 1 counts toward the frequency cap on node 2; records out of bounds written
 * to the topics by someone else are refused and counted.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KafkaBudgetsIT {

    private static final long TOTAL_MICROS = 100_000;
    private static final double SLICE = 0.05;
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

    /**
     * The test: a 0.10 USD total budget (85 imps), slices of 5 % (5,000 micros), auctions alternating between
     * the nodes and each win billed at once. At every step spend plus commitments of both nodes together stay within
     * the budget (the stated overspend bound is 0); at the end both nodes have spent some of it, together at least the
     * budget less nodes × 2 slices (the stated underspend bound), and once they hold all of it between them with less
     * than an imp left each, neither bids on the campaign any more.
     */
    @Test
    void twoNodesExhaustOneBudgetTogetherAndNeverSpendPastIt(@TempDir Path dir1, @TempDir Path dir2)
            throws Exception {
        String yaml = config("        dailyBudget: 0.5\n        totalBudget: 0.1\n");
        try (MerlinServer node1 = node(yaml, dir1, 1, kafka.bootstrapServers(), "spend.", SLICE);
             MerlinServer node2 = node(yaml, dir2, 2, kafka.bootstrapServers(), "spend.", SLICE)) {
            MerlinServer[] nodes = {node1, node2};
            for (MerlinServer node : nodes) {
                await(() -> limits(node).budgets().isCaughtUp(), "node reads the budget log");
            }
            assertRefusesForeignRecords(nodes, "spend.");
            long[] bids = new long[2];
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int auctions = 0;
            while (!isExhausted(nodes)) {
                assertTrue(System.nanoTime() < deadline, "the budget was not exhausted; spent " + spentTotal(nodes));
                int n = auctions++ % 2;
                JsonNode bid = auction(nodes[n], "r" + auctions, null);
                if (bid != null) {
                    bids[n]++;
                    assertEquals(204, notice(nodes[n], bid.get("burl").asText()).statusCode());
                }
                assertTrue(usedTotal(nodes) <= TOTAL_MICROS, "after auction " + auctions + ": " + usedTotal(nodes));
            }
            for (int i = 0; i < 10; i++) {
                for (MerlinServer node : nodes) {
                    assertNull(auction(node, "after" + i, null), "a node bids on an exhausted budget");
                }
            }
            long slice = (long) Math.ceil(TOTAL_MICROS * SLICE);
            long spent = spentTotal(nodes);
            System.out.println("budgets across nodes: " + auctions + " auctions, node 1 won " + bids[0] + ", node 2 "
                    + bids[1] + "; spent " + spent + " of " + TOTAL_MICROS + " micros; proposals " + limits(node1)
                    .budgets().proposed() + " + " + limits(node2).budgets().proposed());
            assertTrue(spent <= TOTAL_MICROS, "overspent: " + spent);
            assertTrue(spent >= TOTAL_MICROS - nodes.length * 2 * slice, "underspent beyond the bound: " + spent);
            assertTrue(bids[0] > 0 && bids[1] > 0, "both nodes spent from the budget");
            assertEquals(0, limits(node1).budgets().failed() + limits(node2).budgets().failed());
        }
    }

    /**
     * A cap of 2 impressions an hour: two billed impressions for one user on node 1 make node 2 stop bidding for that
     * user once it has read them (the lag is printed), while it still bids for another user.
     */
    @Test
    void impressionsOnOneNodeCountTowardTheCapOnTheOther(@TempDir Path dir1, @TempDir Path dir2) throws Exception {
        String yaml = config("        frequencyCap: {impressions: 2, periodSeconds: 3600}\n");
        try (MerlinServer node1 = node(yaml, dir1, 1, kafka.bootstrapServers(), "freq.", SLICE);
             MerlinServer node2 = node(yaml, dir2, 2, kafka.bootstrapServers(), "freq.", SLICE)) {
            for (MerlinServer node : new MerlinServer[] {node1, node2}) {
                await(() -> limits(node).frequency().isAssigned(), "node reads the frequency topic");
            }
            for (int i = 0; i < 2; i++) {
                JsonNode bid = auction(node1, "a" + i, "user-a");
                assertNotNull(bid, "node 1 bids under the cap");
                assertEquals(204, notice(node1, bid.get("burl").asText()).statusCode());
            }
            long billed = System.nanoTime();
            assertNull(auction(node1, "a2", "user-a"), "node 1 caps the user it served twice");
            await(() -> limits(node2).frequency().applied() == 2, "node 2 counts node 1's impressions");
            long lagMillis = (System.nanoTime() - billed) / 1_000_000L;
            System.out.println("frequency caps across nodes: node 2 counted node 1's impressions within " + lagMillis
                    + " ms");
            assertNull(auction(node2, "b0", "user-a"), "node 2 caps the user node 1 served twice");
            assertNotNull(auction(node2, "b1", "user-b"), "node 2 still bids for another user");
            assertEquals(0, limits(node2).frequency().refused());
            writeRaw("freq.frequency", badImpression(0, 1), badImpression(1, Long.MAX_VALUE), new byte[3]);
            await(() -> limits(node2).frequency().refused() == 3 && limits(node1).frequency().refused() == 3,
                    "foreign impression records refused and counted");
            assertEquals(2, limits(node2).frequency().applied(), "nothing of them counted");
        }
    }

    /** Writes records no node would write; every node refuses and counts them, and its ceilings stay as they were. */
    private void assertRefusesForeignRecords(MerlinServer[] nodes, String prefix) throws Exception {
        Campaign c0 = nodes[0].runtime().catalog().byId("c0");
        long day = nodes[0].runtime().stores().spend().currentEpochDay();
        writeRaw(prefix + "budget",
                new BudgetLog.Proposal(7, "c0", day, -1, 100, 500_000, TOTAL_MICROS, 1).encode(),
                new BudgetLog.Proposal(7, "c0", day, 100, TOTAL_MICROS * 1_000, 500_000, TOTAL_MICROS, 2).encode(),
                new BudgetLog.Proposal(7, "c0", day, 100, 100, -500_000, -1, 3).encode(),
                new BudgetLog.Proposal(4_096, "c0", day, 100, 100, 500_000, TOTAL_MICROS, 4).encode(),
                "junk".getBytes(StandardCharsets.US_ASCII));
        for (MerlinServer node : nodes) {
            await(() -> limits(node).budgets().refused() == 5, "the five foreign budget records refused");
            assertTrue(node.runtime().stores().spend().ceilings(c0, day)[1] <= TOTAL_MICROS, "no ceiling past the"
                    + " budget");
        }
    }

    private static byte[] badImpression(long userHash, long servedAt) {
        byte[] id = "c0".getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(20 + id.length).putLong(userHash).putLong(servedAt).putInt(9).put(id).array();
    }

    private static void writeRaw(String topic, byte[]... values) throws Exception {
        try (Producer<byte[], byte[]> producer = new KafkaProducer<>(
                EventPublisher.producerProperties(kafka.bootstrapServers(), 99))) {
            for (byte[] value : values) {
                producer.send(new ProducerRecord<>(topic, 0, null, value)).get(10, TimeUnit.SECONDS);
            }
        }
    }

    private static SharedLimits limits(MerlinServer node) {
        return node.runtime().sharedLimits();
    }

    private static long spentTotal(MerlinServer[] nodes) {
        long sum = 0;
        for (MerlinServer node : nodes) {
            sum += node.runtime().stores().spend().spentTotalMicros(node.runtime().catalog().byId("c0"));
        }
        return sum;
    }

    /**
     * Whether the nodes hold the whole budget between them and neither has room for one more imp under its ceiling:
     * from then on nobody can bid on the campaign again.
     */
    private static boolean isExhausted(MerlinServer[] nodes) {
        long held = 0;
        for (MerlinServer node : nodes) {
            SpendLedger ledger = node.runtime().stores().spend();
            Campaign c0 = node.runtime().catalog().byId("c0");
            long ceiling = ledger.ceilings(c0, ledger.currentEpochDay())[1];
            SpendLedger.Totals t = ledger.totals(c0);
            if (ceiling - t.spentTotalMicros() - t.committedTotalMicros() >= PER_IMP_MICROS) {
                return false;
            }
            held += ceiling;
        }
        return held == TOTAL_MICROS;
    }

    private static long usedTotal(MerlinServer[] nodes) {
        long sum = 0;
        for (MerlinServer node : nodes) {
            SpendLedger.Totals t = node.runtime().stores().spend().totals(node.runtime().catalog().byId("c0"));
            sum += t.spentTotalMicros() + t.committedTotalMicros();
        }
        return sum;
    }
}
