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
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka goes away under a node that shares budgets: the node keeps bidding within the slice it holds, gets no new
 * one, and then stops bidding on the campaign, never past its ceiling; a campaign without a budget is not affected.
 * (Its own broker: the test stops it.)
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KafkaBudgetOutageIT {

    private static final long TOTAL_MICROS = 100_000;
    /** 5 % of 0.10 USD: a slice of 5,000 micros, four imps of 1,176. */
    private static final double SLICE = 0.05;

    private KafkaClusterTestKit kafka;

    @AfterEach
    void stopBroker() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void withKafkaGoneANodeSpendsTheSliceItHoldsAndThenStops(@TempDir Path dataDir) throws Exception {
        kafka = InProcessKafka.start();
        String yaml = config("        dailyBudget: 0.5\n        totalBudget: 0.1\n");
        try (MerlinServer node = node(yaml, dataDir, 1, kafka.bootstrapServers(), "outage.", SLICE)) {
            SpendLedger ledger = node.runtime().stores().spend();
            Campaign c0 = node.runtime().catalog().byId("c0");
            await(() -> ledger.ceilings(c0, ledger.currentEpochDay())[1] == 5_000, "the first slice granted");

            kafka.close();
            kafka = null;
            int wins = 0;
            for (int i = 0; i < 30; i++) {
                JsonNode bid = auction(node, "r" + i, null);
                if (bid != null) {
                    wins++;
                    assertEquals(204, notice(node, bid.get("burl").asText()).statusCode());
                }
            }
            assertEquals(5_000 / PER_IMP_MICROS, wins, "the imps its slice covers, no more");
            assertEquals(wins * PER_IMP_MICROS, ledger.spentTotalMicros(c0));
            assertEquals(5_000, ledger.ceilings(c0, ledger.currentEpochDay())[1], "no new slice without Kafka");
            // its next sync (every 250 ms) asks for more; the auctions above may all fall before it
            await(() -> node.runtime().sharedLimits().budgets().proposed() >= 2, "it asks for more");
            assertEquals(5_000, ledger.ceilings(c0, ledger.currentEpochDay())[1], "and gets no new slice");
            assertNull(auction(node, "after", null), "it stops bidding on the campaign");
            assertTrue(ledger.spentTotalMicros(c0) <= TOTAL_MICROS);
        }
    }

    @Test
    void aNodeThatStartsWithoutKafkaBidsOnNoBudgetedCampaignButOnOthers(@TempDir Path dataDir) throws Exception {
        String budgeted = config("        totalBudget: 0.1\n");
        try (MerlinServer node = node(budgeted, dataDir.resolve("a"), 1, "127.0.0.1:1", "down.", SLICE)) {
            assertNull(auction(node, "r0", null), "no ceiling read, no spend");
            assertEquals(0, node.runtime().stores().spend().spentTotalMicros(node.runtime().catalog().byId("c0")));
        }
        try (MerlinServer node = node(config(""), dataDir.resolve("b"), 1, "127.0.0.1:1", "down.", SLICE)) {
            assertNotNull(auction(node, "r0", null), "a campaign without a budget has nothing to share");
        }
    }
}
