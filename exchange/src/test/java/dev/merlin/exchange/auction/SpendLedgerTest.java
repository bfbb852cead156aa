package dev.merlin.exchange.auction;

import static dev.merlin.exchange.auction.AuctionFixture.campaign;
import static dev.merlin.exchange.auction.AuctionFixture.config;
import static dev.merlin.exchange.auction.AuctionFixture.epochSeconds;
import static dev.merlin.exchange.auction.AuctionFixture.siteBanner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.auction.AuctionFixture.Auction;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Budgets, pacing and charge-once on a real ledger in a temporary data dir, with the clock passed in. Daily
 * budgets of 96 USD make the even-pacing line easy to read: 4 USD per hour, plus 15 minutes (1 USD) ahead.
 */
class SpendLedgerTest {

    private static final LocalDate DAY = LocalDate.of(2026, 6, 15);
    private static final long MIDNIGHT = epochSeconds("2026-06-15T00:00:00Z");
    private static final long MICROS = 1_000_000L;

    @TempDir
    Path dataDir;

    private final List<AutoCloseable> opened = new ArrayList<>();

    private final MerlinConfig config = config(0.15,
            campaign("even").bid(3).set("dailyBudget", "96").set("pacing", "even"),
            campaign("asap").bid(2.5).set("dailyBudget", "96").set("pacing", "asap"),
            campaign("total").bid(2).set("totalBudget", "50").set("pacing", "asap"),
            campaign("fallback").bid(1));

    @AfterEach
    void closeAll() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
        opened.clear();
    }

    private SpendLedger openLedger(CampaignCatalog catalog, long nowEpochSeconds) {
        SpendLedger ledger = new SpendLedger(catalog, dataDir, 10_000, nowEpochSeconds);
        opened.add(ledger);
        return ledger;
    }

    private static long at(String timeOfDay) {
        return MIDNIGHT + LocalTime.parse(timeOfDay).toSecondOfDay();
    }

    private static long usd(double amount) {
        return Math.round(amount * MICROS);
    }

    @ParameterizedTest(name = "{0}: spent {1} USD, asked at {2} -> {3}")
    @CsvSource({
        // even: the line at time t is 96 x (t + 15 min) / 24 h
        "even, 0,     00:00:00, true",
        "even, 1.00,  00:00:00, true",    // 15 minutes ahead: 1 USD
        "even, 1.01,  00:00:00, false",
        "even, 25.00, 06:00:00, true",    // 96 x 6.25 / 24 = 25 exactly
        "even, 25.01, 06:00:00, false",
        "even, 25.01, 07:00:00, true",    // later the same day it may spend again
        "even, 49.00, 12:00:00, true",
        "even, 50.00, 12:00:00, false",
        "even, 95.99, 23:50:00, true",
        "even, 96.00, 23:59:59, false",   // the daily budget, whatever the time
        "asap, 50.00, 06:00:00, true",
        "asap, 95.99, 00:10:00, true",
        "asap, 96.00, 12:00:00, false",
        "asap, 200.0, 12:00:00, false",
        "total, 49.99, 12:00:00, true",
        "total, 50.00, 12:00:00, false",
        "fallback, 10000, 00:00:01, true",
    })
    void budgetsAndPacing(String campaignId, double spentUsd, String askedAt, boolean expected) {
        CampaignCatalog catalog = new CampaignCatalog(config);
        SpendLedger ledger = openLedger(catalog, MIDNIGHT);
        Campaign campaign = catalog.byId(campaignId);
        if (spentUsd > 0) {
            assertEquals(SpendLedger.Charge.CHARGED, ledger.charge("r1", "1", campaign, usd(spentUsd), MIDNIGHT));
        }
        assertEquals(expected, ledger.canSpend(campaign, at(askedAt)));
    }

    @Test
    void evenPacingExcludesACampaignAheadOfItsLineEarlyInTheDayAndAdmitsItLater() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        SpendLedger ledger = openLedger(catalog, MIDNIGHT);
        Auction auction = new Auction(config, catalog, ledger, FrequencyView.NONE);
        ledger.charge("r1", "1", catalog.byId("even"), usd(30), at("01:00:00"));
        ledger.charge("r2", "1", catalog.byId("asap"), usd(30), at("01:00:00"));
        // at 06:00 the line is 25 USD: even (bid 3) is out, asap (2.50) is not paced
        assertEquals("asap", Auction.winningCampaign(auction.run(siteBanner(), null, 0, at("06:00:00"))));
        // at 07:00 the line is 29 USD, at 07:15 30 USD: even is back
        assertEquals("asap", Auction.winningCampaign(auction.run(siteBanner(), null, 0, at("07:00:00"))));
        assertEquals("even", Auction.winningCampaign(auction.run(siteBanner(), null, 0, at("07:15:00"))));
    }

    @Test
    void exhaustedDailyAndTotalBudgetsDropOutOfTheAuction() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        SpendLedger ledger = openLedger(catalog, MIDNIGHT);
        Auction auction = new Auction(config, catalog, ledger, FrequencyView.NONE);
        long noon = at("12:00:00");
        assertEquals("even", Auction.winningCampaign(auction.run(siteBanner(), null, 0, noon)));
        ledger.charge("r1", "1", catalog.byId("even"), usd(96), noon);
        assertEquals("asap", Auction.winningCampaign(auction.run(siteBanner(), null, 0, noon)));
        ledger.charge("r2", "1", catalog.byId("asap"), usd(96), noon);
        assertEquals("total", Auction.winningCampaign(auction.run(siteBanner(), null, 0, noon)));
        ledger.charge("r3", "1", catalog.byId("total"), usd(50), noon);
        AuctionResult result = auction.run(siteBanner(), null, 0, noon);
        assertEquals("fallback", Auction.winningCampaign(result));

        // the next day the daily budgets are fresh; the total budget is not
        long nextDay = noon + 86_400;
        assertEquals("even", Auction.winningCampaign(auction.run(siteBanner(), null, 0, nextDay)));
        assertFalse(ledger.canSpend(catalog.byId("total"), nextDay));
        assertTrue(ledger.canSpend(catalog.byId("asap"), nextDay));
    }

    @Test
    void theImpsOfOneRequestStayWithinWhatTheLedgerHasLeft() {
        MerlinConfig config = config(0,
                campaign("budgeted").bid(3).set("dailyBudget", "1").set("pacing", "asap"),
                campaign("fallback").bid(1));
        CampaignCatalog catalog = new CampaignCatalog(config);
        SpendLedger ledger = openLedger(catalog, MIDNIGHT);
        Auction auction = new Auction(config, catalog, ledger, FrequencyView.NONE);
        long noon = at("12:00:00");
        // 1 USD a day, 0.994 spent: 6000 micros left, two imps at the first price 3.00 CPM (3000 micros each)
        ledger.charge("r1", "1", catalog.byId("budgeted"), usd(0.994), noon);
        AuctionResult result = auction.run(AuctionFixture.siteBanners(3, 1), null, 0, noon);
        assertEquals("budgeted|budgeted|fallback", AuctionFixture.winnersByImp(result, 3));
    }

    @Test
    void dayRolloverResetsDailySpendAndKeepsTheTotal() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        SpendLedger ledger = openLedger(catalog, MIDNIGHT);
        Campaign asap = catalog.byId("asap");
        ledger.charge("r1", "1", asap, usd(96), at("10:00:00"));
        assertFalse(ledger.canSpend(asap, at("23:59:59")));
        assertEquals(usd(96), ledger.spentTodayMicros(asap));

        long nextMidnight = MIDNIGHT + 86_400;
        assertTrue(ledger.canSpend(asap, nextMidnight));
        assertEquals(0, ledger.spentTodayMicros(asap));
        assertEquals(usd(96), ledger.spentTotalMicros(asap));
        assertEquals(usd(96), ledger.spentOnDayMicros(asap, DAY));
        assertEquals(0, ledger.spentOnDayMicros(asap, DAY.plusDays(1)));

        ledger.charge("r2", "1", asap, usd(4), nextMidnight + 60);
        assertEquals(usd(4), ledger.spentTodayMicros(asap));
        assertEquals(usd(100), ledger.spentTotalMicros(asap));
        assertEquals(usd(4), ledger.spentOnDayMicros(asap, DAY.plusDays(1)));
    }

    @Test
    void evenPacingStartsAfreshAfterMidnight() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        SpendLedger ledger = openLedger(catalog, MIDNIGHT);
        Campaign even = catalog.byId("even");
        ledger.charge("r1", "1", even, usd(95), at("23:00:00"));
        assertFalse(ledger.canSpend(even, at("23:00:01")));   // line at 23:00 is 93 USD
        assertTrue(ledger.canSpend(even, MIDNIGHT + 86_400));
    }

    @Test
    void duplicateNoticesChargeOnce() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        SpendLedger ledger = openLedger(catalog, MIDNIGHT);
        Campaign asap = catalog.byId("asap");
        long now = at("12:00:00");
        assertEquals(SpendLedger.Charge.CHARGED, ledger.charge("req-1", "imp-1", asap, 2_000, now));
        assertEquals(SpendLedger.Charge.DUPLICATE, ledger.charge("req-1", "imp-1", asap, 2_000, now));
        assertEquals(SpendLedger.Charge.DUPLICATE, ledger.charge("req-1", "imp-1", asap, 9_999, now + 3_600));
        assertEquals(SpendLedger.Charge.DUPLICATE, ledger.charge("req-1", "imp-1", catalog.byId("even"), 2_000,
                now));
        assertEquals(2_000, ledger.spentTotalMicros(asap));
        assertEquals(0, ledger.spentTotalMicros(catalog.byId("even")));

        // another impression of the same request, and the same imp id in another request, are new
        assertEquals(SpendLedger.Charge.CHARGED, ledger.charge("req-1", "imp-2", asap, 2_000, now));
        assertEquals(SpendLedger.Charge.CHARGED, ledger.charge("req-2", "imp-1", asap, 2_000, now));
        assertEquals(6_000, ledger.spentTotalMicros(asap));
        assertEquals(6_000, ledger.spentTodayMicros(asap));
    }

    @Test
    void restartKeepsSpendAndTheChargeOnceMemory() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        SpendLedger ledger = openLedger(catalog, MIDNIGHT);
        long morning = at("09:00:00");
        ledger.charge("r1", "1", catalog.byId("asap"), usd(96), morning);
        ledger.charge("r2", "1", catalog.byId("total"), usd(20), morning);
        ledger.close();
        opened.remove(ledger);

        // same day, a fresh catalog (as after a process restart)
        CampaignCatalog reloaded = new CampaignCatalog(config);
        SpendLedger reopened = openLedger(reloaded, at("10:00:00"));
        Campaign asap = reloaded.byId("asap");
        assertEquals(usd(96), reopened.spentTodayMicros(asap));
        assertEquals(usd(96), reopened.spentTotalMicros(asap));
        assertEquals(usd(20), reopened.spentTotalMicros(reloaded.byId("total")));
        assertFalse(reopened.canSpend(asap, at("10:00:00")));
        assertEquals(SpendLedger.Charge.DUPLICATE, reopened.charge("r1", "1", asap, usd(1), at("10:00:00")));
        assertEquals(usd(96), reopened.spentTotalMicros(asap));
        reopened.close();
        opened.remove(reopened);

        // the next day: daily spend is new, totals are kept
        CampaignCatalog nextCatalog = new CampaignCatalog(config);
        SpendLedger nextDay = openLedger(nextCatalog, MIDNIGHT + 86_400 + 60);
        assertEquals(0, nextDay.spentTodayMicros(nextCatalog.byId("asap")));
        assertEquals(usd(96), nextDay.spentTotalMicros(nextCatalog.byId("asap")));
        assertEquals(usd(20), nextDay.spentTotalMicros(nextCatalog.byId("total")));
        assertEquals(usd(96), nextDay.spentOnDayMicros(nextCatalog.byId("asap"), DAY));
        assertTrue(nextDay.canSpend(nextCatalog.byId("asap"), MIDNIGHT + 86_400 + 60));
    }

    @Test
    void restartWithReorderedCampaignsKeepsSpendPerCampaignId() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        SpendLedger ledger = openLedger(catalog, MIDNIGHT);
        ledger.charge("r1", "1", catalog.byId("asap"), usd(7), at("09:00:00"));
        ledger.close();
        opened.remove(ledger);

        MerlinConfig reordered = config(0.15,
                campaign("fallback").bid(1),
                campaign("asap").bid(2.5).set("dailyBudget", "96").set("pacing", "asap"),
                campaign("even").bid(3).set("dailyBudget", "96").set("pacing", "even"));
        CampaignCatalog reloaded = new CampaignCatalog(reordered);
        SpendLedger reopened = openLedger(reloaded, at("10:00:00"));
        assertEquals(usd(7), reopened.spentTotalMicros(reloaded.byId("asap")));
        assertEquals(usd(7), reopened.spentTodayMicros(reloaded.byId("asap")));
        assertEquals(0, reopened.spentTotalMicros(reloaded.byId("fallback")));
        assertEquals(0, reopened.spentTotalMicros(reloaded.byId("even")));
    }
}
