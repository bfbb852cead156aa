package dev.merlin.exchange.auction;

import static dev.merlin.exchange.auction.AuctionFixture.NOW;
import static dev.merlin.exchange.auction.AuctionFixture.campaign;
import static dev.merlin.exchange.auction.AuctionFixture.config;
import static dev.merlin.exchange.auction.AuctionFixture.deals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.merlin.exchange.auction.AuctionFixture.Auction;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.config.MerlinConfig;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import com.sun.management.ThreadMXBean;

/**
 * The auction's steady state allocates nothing, on a request that takes every per-request path: several imps
 * (caps and budgets counted across them, a budget that runs out and re-runs an imp's auction), a fixed-price deal
 * with {@code wadomain}, a video imp with {@code rqddurs} and {@code mincpmpersec}, and {@code bseat}. Measured with
 * the JVM's per-thread allocation counter; the JMH figure ({@code AuctionBenchmark}, {@code -prof gc}) belongs in
 * {@code bench}.
 */
class AuctionEngineAllocationTest {

    private static final int WARMUP = 100_000;
    private static final int MEASURED = 50_000;
    private static final int ROUNDS = 5;

    /** Every campaign has spent 1000 micros today and in total; wins commit, and are cleared before each run. */
    private static final CommittingSpendView SPENT = new CommittingSpendView(1_000);

    @Test
    void aMultiImpAuctionOverEveryRuleAllocatesNothing() {
        ThreadMXBean threads = threadBean();
        Auction auction = new Auction(config(0,
                campaign("capped").bid(6).set("frequencyCap", "{impressions: 1, periodSeconds: 3600}"),
                // 10500 micros a day, 1000 spent: three imps at 3.00 CPM first price; 500 left does not cover a
                // fourth, so that imp's auction runs again without it
                campaign("budgeted").bid(3).set("dailyBudget", "0.0105").set("pacing", "asap"),
                campaign("fallback").bid(1).targeting("{domains: {allow: [example, other.example]}}"),
                campaign("never-here").bid(8).targeting("{domains: {deny: [p.example]}}"),
                campaign("blocked").bid(9),
                campaign("deal").advertiser("agency-one", "Agency1").bid(5).targeting(deals("DEAL-A")),
                campaign("spots").bid(4)
                        .creative("id: spot-20s, format: video, durationSeconds: 20, mimes: [video/mp4]")
                        .creative("id: spot-30s, format: video, durationSeconds: 30, mimes: [video/mp4]")),
                SPENT, (userHash, campaign, now) -> 0);
        BidRequest request = AuctionFixture.request("{\"id\":\"r\",\"at\":1,\"bseat\":[\"seat-blocked\"],"
                + "\"site\":{\"domain\":\"www.cdn.p.example\"},\"imp\":["
                + "{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}},"
                + "{\"id\":\"2\",\"banner\":{\"w\":300,\"h\":250}},"
                + "{\"id\":\"3\",\"banner\":{\"w\":300,\"h\":250}},"
                + "{\"id\":\"4\",\"banner\":{\"w\":300,\"h\":250}},"
                + "{\"id\":\"5\",\"banner\":{\"w\":300,\"h\":250}},"
                + "{\"id\":\"6\",\"banner\":{\"w\":300,\"h\":250},\"pmp\":{\"private_auction\":1,\"deals\":["
                + "{\"id\":\"DEAL-A\",\"at\":3,\"bidfloor\":2,\"wadomain\":[\"deal.example\"]}]}},"
                + "{\"id\":\"7\",\"video\":{\"mimes\":[\"video/mp4\"],\"rqddurs\":[15,30],\"mincpmpersec\":0.1}}]}");
        String expected = "capped|budgeted|budgeted|budgeted|fallback|deal|spots";
        SPENT.clear();
        assertEquals(expected, AuctionFixture.winnersByImp(auction.run(request, null, 42, NOW), 7));

        for (int i = 0; i < WARMUP; i++) {
            SPENT.clear();
            auction.run(request, null, 42, NOW);
        }
        long probe = allocatedBytes(threads);
        long counterCost = allocatedBytes(threads) - probe;
        // a round may catch a one-off (a JIT transition); an allocation per auction would show in every round
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS && fewest > 0; round++) {
            long before = allocatedBytes(threads);
            int wins = 0;
            for (int i = 0; i < MEASURED; i++) {
                SPENT.clear();
                wins += auction.run(request, null, 42, NOW).count();
            }
            fewest = Math.min(fewest, allocatedBytes(threads) - before - counterCost);
            assertEquals(7 * MEASURED, wins);
        }
        assertEquals(expected, AuctionFixture.winnersByImp(auction.result, 7));
        // one allocation per auction would be >= 16 bytes per auction, 800 kB per round
        assertEquals(0.0, (double) fewest / MEASURED, 0.01, "bytes per auction: " + fewest + " in the best round");
    }

    /**
     * The real ledger's side of the hot path: each win reserved against spend and open commitments under the
     * campaign's lock (then cancelled, as a loss notice would release it), allocates nothing either; nor when the node
     * shares budgets with others and checks its granted ceilings too.
     */
    @ParameterizedTest(name = "sharing budgets: {0}")
    @ValueSource(booleans = {false, true})
    void committingWinsInTheRealLedgerAllocatesNothing(boolean isSharingBudgets, @TempDir Path dataDir) {
        ThreadMXBean threads = threadBean();
        MerlinConfig config = config(0,
                campaign("budgeted").bid(3).set("dailyBudget", "0.0105").set("totalBudget", "1").set("pacing", "asap"),
                campaign("fallback").bid(1));
        CampaignCatalog catalog = new CampaignCatalog(config);
        try (SpendLedger ledger = new SpendLedger(catalog, dataDir, 1_000, 86_400, NOW)) {
            if (isSharingBudgets) {
                ledger.shareBudgets();
                ledger.grant(catalog.byId("budgeted"), Math.floorDiv(NOW, 86_400L), 9_000, 9_000);
            }
            Auction auction = new Auction(config, catalog, ledger, FrequencyView.NONE);
            BidRequest request = AuctionFixture.siteBanners(4, 1);
            // 10500 micros: three imps at 3000, the fourth goes to the fallback
            assertEquals("budgeted|budgeted|budgeted|fallback",
                    AuctionFixture.winnersByImp(runAndRelease(auction, ledger, request), 4));
            for (int i = 0; i < WARMUP; i++) {
                runAndRelease(auction, ledger, request);
            }
            long fewest = Long.MAX_VALUE;
            for (int round = 0; round < ROUNDS && fewest > 0; round++) {
                long before = allocatedBytes(threads);
                int wins = 0;
                for (int i = 0; i < MEASURED; i++) {
                    wins += runAndRelease(auction, ledger, request).count();
                }
                fewest = Math.min(fewest, allocatedBytes(threads) - before);
                assertEquals(4 * MEASURED, wins);
            }
            assertEquals(0, ledger.committedTotalMicros(catalog.byId("budgeted")));
            assertEquals(0.0, (double) fewest / MEASURED, 0.01, "bytes per auction: " + fewest + " in the best round");
        }
    }

    private static AuctionResult runAndRelease(Auction auction, SpendLedger ledger, BidRequest request) {
        AuctionResult result = auction.run(request, null, 0, NOW);
        for (int i = 0; i < result.count(); i++) {
            ledger.cancel(result.campaign(i), result.chargeMicros(i) / 1000L, NOW);
        }
        return result;
    }

    private static ThreadMXBean threadBean() {
        Object bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof ThreadMXBean, "needs HotSpot's per-thread allocation counter");
        ThreadMXBean threads = (ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        return threads;
    }

    private static long allocatedBytes(ThreadMXBean threads) {
        return threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
