package dev.merlin.exchange.auction;

import static dev.merlin.exchange.auction.AuctionFixture.campaign;
import static dev.merlin.exchange.auction.AuctionFixture.config;
import static dev.merlin.exchange.auction.AuctionFixture.epochSeconds;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.MerlinConfig;
import java.nio.file.Path;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ledger of a node that shares budgets ({@link SpendLedger#shareBudgets}) spends only within the ceilings it was
 * granted, for the day and in total, besides its budgets: the local half of the cluster's bound (the other half is
 * {@code BudgetLogTest}). This is also what a node does while Kafka is down: it spends what it holds, then stops.
 */
class SpendLedgerCeilingsTest {

    private static final long NOON = epochSeconds("2026-06-15T12:00:00Z");
    private static final long DAY = Math.floorDiv(NOON, 86_400L);

    @TempDir
    Path dataDir;

    private final MerlinConfig config = config(0.15,
            campaign("both").bid(3).set("dailyBudget", "10").set("totalBudget", "50").set("pacing", "asap"),
            campaign("free").bid(1));

    @Test
    void aNodeOnItsOwnIsNotLimitedByCeilingsAndASharingNodeSpendsNothingBeforeAGrant() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        Campaign both = catalog.byId("both");
        try (SpendLedger alone = new SpendLedger(catalog, dataDir.resolve("a"), 1_000, 86_400, NOON)) {
            assertFalse(alone.isSharingBudgets());
            assertTrue(alone.canSpend(both, NOON));
            assertTrue(alone.reserve(both, 9_000_000, NOON), "a node on its own spends up to its budgets");
        }
        try (SpendLedger shared = new SpendLedger(catalog, dataDir.resolve("b"), 1_000, 86_400, NOON)) {
            shared.shareBudgets();
            assertFalse(shared.canSpend(both, NOON), "no ceiling granted yet");
            assertFalse(shared.reserve(both, 1, NOON));
            Campaign free = catalog.byId("free");
            assertTrue(shared.canSpend(free, NOON) && shared.reserve(free, 1_000_000, NOON),
                    "a campaign without budgets has nothing to share");
        }
    }

    @Test
    void reservationsAndUncommittedChargesStayWithinTheGrantedCeilings() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        Campaign both = catalog.byId("both");
        try (SpendLedger ledger = new SpendLedger(catalog, dataDir, 1_000, 86_400, NOON)) {
            ledger.shareBudgets();
            ledger.grant(both, DAY, 3_000, 2_500);
            assertTrue(ledger.canSpend(both, NOON));
            assertTrue(ledger.reserve(both, 2_000, NOON));
            assertFalse(ledger.reserve(both, 501, NOON), "the total ceiling (2,500) binds");
            assertTrue(ledger.reserve(both, 500, NOON));
            assertFalse(ledger.canSpend(both, NOON), "at its ceiling the node stops bidding");
            // a bill for an imp with no commitment (released by a loss notice) charges only within the ceiling
            ledger.grant(both, DAY, 3_000, 3_000);
            SpendLedger.Settled settled = ledger.settle("a1", "1", NOON, both, 2_000, NOON);
            assertEquals(500, settled.chargedMicros(), "what is left under the ceiling, not under the budget");
            ledger.grant(both, DAY, 1_000, 50_000_000);
            assertFalse(ledger.reserve(both, 1, NOON), "the day ceiling binds too");
            ledger.grant(both, DAY - 1, 10_000_000, 50_000_000);
            assertFalse(ledger.reserve(both, 1, NOON), "yesterday's day ceiling is no ceiling today");
        }
    }

    /**
     * A bill after its loss, past midnight and before the new day's grant: it charges only what the day's ceiling
     * leaves beside the node's spend and the day's commitments still open, so the node's spend of the day stays
     * within what the budget log granted it for that day, whichever bill comes first.
     */
    @Test
    void aPastDaysBillAfterALossStaysWithinThatDaysCeiling() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        Campaign both = catalog.byId("both");
        try (SpendLedger ledger = new SpendLedger(catalog, dataDir, 1_000, 86_400, NOON)) {
            ledger.shareBudgets();
            ledger.grant(both, DAY, 500_000, 2_000_000);
            assertTrue(ledger.reserve(both, 200_000, NOON));
            assertTrue(ledger.recordCommitment("a1", "1", both, 200_000, NOON));
            assertTrue(ledger.release("a1", "1"));
            assertTrue(ledger.reserve(both, 450_000, NOON));
            assertTrue(ledger.recordCommitment("a2", "1", both, 450_000, NOON));
            long nextDay = NOON + 86_400;
            assertEquals(50_000, ledger.settle("a1", "1", NOON, both, 200_000, nextDay).chargedMicros(),
                    "the day's ceiling of 500,000 holds 450,000 still committed to a2");
            assertEquals(450_000, ledger.settle("a2", "1", NOON, both, 450_000, nextDay).chargedMicros());
            assertEquals(500_000, ledger.spentOnDayMicros(both, LocalDate.ofEpochDay(DAY)));
        }
    }

    @Test
    void aProposalThatLowersTheCeilingHoldsAtOnceAndOneThatRaisesItWaitsForTheGrant() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        Campaign both = catalog.byId("both");
        try (SpendLedger ledger = new SpendLedger(catalog, dataDir, 1_000, 86_400, NOON)) {
            ledger.shareBudgets();
            ledger.grant(both, DAY, 5_000_000, 5_000_000);
            assertTrue(ledger.reserve(both, 1_000_000, NOON));
            SpendLedger.Proposal lower = ledger.propose(both, 500_000, 2_500_000);
            assertEquals(new SpendLedger.Proposal(DAY, 1_000_000, 1_000_000, 1_500_000, 3_500_000), lower);
            assertArrayEquals(new long[] {1_500_000, 3_500_000}, ledger.ceilings(both, DAY),
                    "lower ceilings hold before the log has them");
            assertFalse(ledger.reserve(both, 600_000, NOON));
            SpendLedger.Proposal higher = ledger.propose(both, 9_500_000, 60_000_000);
            assertEquals(10_000_000, higher.dayCeilingMicros(), "at most the daily budget");
            assertEquals(50_000_000, higher.totalCeilingMicros(), "at most the total budget");
            assertArrayEquals(new long[] {1_500_000, 3_500_000}, ledger.ceilings(both, DAY),
                    "higher ones wait for the grant");
        }
    }
}
