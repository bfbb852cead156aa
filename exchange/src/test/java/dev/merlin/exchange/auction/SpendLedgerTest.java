package dev.merlin.exchange.auction;

import static dev.merlin.exchange.auction.AuctionFixture.campaign;
import static dev.merlin.exchange.auction.AuctionFixture.config;
import static dev.merlin.exchange.auction.AuctionFixture.epochSeconds;
import static dev.merlin.exchange.auction.AuctionFixture.siteBanner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.auction.AuctionFixture.Auction;
import dev.merlin.exchange.auction.AuctionFixture.CampaignYaml;
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
    private static final long WINDOW = 86_400;

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
        SpendLedger ledger = new SpendLedger(catalog, dataDir, 10_000, WINDOW, nowEpochSeconds);
        opened.add(ledger);
        return ledger;
    }

    private static long at(String timeOfDay) {
        return MIDNIGHT + LocalTime.parse(timeOfDay).toSecondOfDay();
    }

    private static long usd(double amount) {
        return Math.round(amount * MICROS);
    }

    /** A notice that arrives as its auction ends. */
    private static SpendLedger.Charge charge(SpendLedger ledger, String requestId, String impId, Campaign campaign,
                                             long chargeMicros, long nowEpochSeconds) {
        return ledger.charge(requestId, impId, nowEpochSeconds, campaign, chargeMicros, nowEpochSeconds);
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
            assertEquals(SpendLedger.Charge.CHARGED, charge(ledger, "r1", "1", campaign, usd(spentUsd), MIDNIGHT));
        }
        assertEquals(expected, ledger.canSpend(campaign, at(askedAt)));
    }

    @Test
    void evenPacingExcludesACampaignAheadOfItsLineEarlyInTheDayAndAdmitsItLater() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        SpendLedger ledger = openLedger(catalog, MIDNIGHT);
        Auction auction = new Auction(config, catalog, ledger, FrequencyView.NONE);
        charge(ledger, "r1", "1", catalog.byId("even"), usd(30), at("01:00:00"));
        charge(ledger, "r2", "1", catalog.byId("asap"), usd(30), at("01:00:00"));
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
        charge(ledger, "r1", "1", catalog.byId("even"), usd(96), noon);
        assertEquals("asap", Auction.winningCampaign(auction.run(siteBanner(), null, 0, noon)));
        charge(ledger, "r2", "1", catalog.byId("asap"), usd(96), noon);
        assertEquals("total", Auction.winningCampaign(auction.run(siteBanner(), null, 0, noon)));
        charge(ledger, "r3", "1", catalog.byId("total"), usd(50), noon);
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
        ledger.charge("r1", "1", noon, catalog.byId("budgeted"), usd(0.994), noon);
        AuctionResult result = auction.run(AuctionFixture.siteBanners(3, 1), null, 0, noon);
        assertEquals("budgeted|budgeted|fallback", AuctionFixture.winnersByImp(result, 3));
    }

    @Test
    void dayRolloverResetsDailySpendAndKeepsTheTotal() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        SpendLedger ledger = openLedger(catalog, MIDNIGHT);
        Campaign asap = catalog.byId("asap");
        charge(ledger, "r1", "1", asap, usd(96), at("10:00:00"));
        assertFalse(ledger.canSpend(asap, at("23:59:59")));
        assertEquals(usd(96), ledger.spentTodayMicros(asap));

        long nextMidnight = MIDNIGHT + 86_400;
        assertTrue(ledger.canSpend(asap, nextMidnight));
        assertEquals(0, ledger.spentTodayMicros(asap));
        assertEquals(usd(96), ledger.spentTotalMicros(asap));
        assertEquals(usd(96), ledger.spentOnDayMicros(asap, DAY));
        assertEquals(0, ledger.spentOnDayMicros(asap, DAY.plusDays(1)));

        charge(ledger, "r2", "1", asap, usd(4), nextMidnight + 60);
        assertEquals(usd(4), ledger.spentTodayMicros(asap));
        assertEquals(usd(100), ledger.spentTotalMicros(asap));
        assertEquals(usd(4), ledger.spentOnDayMicros(asap, DAY.plusDays(1)));
    }

    @Test
    void evenPacingStartsAfreshAfterMidnight() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        SpendLedger ledger = openLedger(catalog, MIDNIGHT);
        Campaign even = catalog.byId("even");
        charge(ledger, "r1", "1", even, usd(95), at("23:00:00"));
        assertFalse(ledger.canSpend(even, at("23:00:01")));   // line at 23:00 is 93 USD
        assertTrue(ledger.canSpend(even, MIDNIGHT + 86_400));
    }

    @Test
    void duplicateNoticesChargeOnce() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        SpendLedger ledger = openLedger(catalog, MIDNIGHT);
        Campaign asap = catalog.byId("asap");
        long now = at("12:00:00");
        assertEquals(SpendLedger.Charge.CHARGED, charge(ledger, "req-1", "imp-1", asap, 2_000, now));
        assertEquals(SpendLedger.Charge.DUPLICATE, charge(ledger, "req-1", "imp-1", asap, 2_000, now));
        assertEquals(SpendLedger.Charge.DUPLICATE, charge(ledger, "req-1", "imp-1", asap, 9_999, now + 3_600));
        assertEquals(SpendLedger.Charge.DUPLICATE, charge(ledger, "req-1", "imp-1", catalog.byId("even"), 2_000,
                now));
        assertEquals(2_000, ledger.spentTotalMicros(asap));
        assertEquals(0, ledger.spentTotalMicros(catalog.byId("even")));

        // another impression of the same request, and the same imp id in another request, are new
        assertEquals(SpendLedger.Charge.CHARGED, charge(ledger, "req-1", "imp-2", asap, 2_000, now));
        assertEquals(SpendLedger.Charge.CHARGED, charge(ledger, "req-2", "imp-1", asap, 2_000, now));
        assertEquals(6_000, ledger.spentTotalMicros(asap));
        assertEquals(6_000, ledger.spentTodayMicros(asap));
    }

    @Test
    void restartKeepsSpendAndTheChargeOnceMemory() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        SpendLedger ledger = openLedger(catalog, MIDNIGHT);
        long morning = at("09:00:00");
        charge(ledger, "r1", "1", catalog.byId("asap"), usd(96), morning);
        charge(ledger, "r2", "1", catalog.byId("total"), usd(20), morning);
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
        assertEquals(SpendLedger.Charge.DUPLICATE, charge(reopened, "r1", "1", asap, usd(1), at("10:00:00")));
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
        charge(ledger, "r1", "1", catalog.byId("asap"), usd(7), at("09:00:00"));
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

    /**
     * The spend map is sized for a month of days per slot and grows past it: 100 campaigns that spend on 400 days
     * each (more keys than it was created for) keep every day's spend and their totals, across a reopen.
     */
    @Test
    void spendOnMoreDaysThanTheMapIsSizedForIsKept() {
        CampaignYaml[] yaml = new CampaignYaml[100];
        for (int c = 0; c < yaml.length; c++) {
            yaml[c] = campaign("c" + c).bid(3);
        }
        MerlinConfig many = config(0.15, yaml);
        CampaignCatalog catalog = new CampaignCatalog(many);
        int days = 400;
        assertTrue((long) yaml.length * days > catalog.slots().capacity() * (1L + SpendLedger.SPEND_DAYS_SIZED),
                "more keys than the map is created for");
        long day0 = AuctionFixture.NOW;
        try (SpendLedger ledger = new SpendLedger(catalog, dataDir, 100_000, WINDOW, day0)) {
            for (int d = 0; d < days; d++) {
                for (int c = 0; c < yaml.length; c++) {
                    assertEquals(SpendLedger.Charge.CHARGED, charge(ledger, "r" + c + "-" + d, "1",
                            catalog.byId("c" + c), 1_000 + d, day0 + d * 86_400L), "campaign " + c + " day " + d);
                }
            }
        }
        try (SpendLedger reopened = new SpendLedger(catalog, dataDir, 100_000, WINDOW, day0 + days * 86_400L)) {
            long total = 0;
            for (int d = 0; d < days; d++) {
                total += 1_000 + d;
            }
            LocalDate first = LocalDate.ofEpochDay(Math.floorDiv(day0, 86_400L));
            for (int c = 0; c < yaml.length; c++) {
                Campaign campaign = catalog.byId("c" + c);
                assertEquals(total, reopened.spentTotalMicros(campaign));
                assertEquals(1_000, reopened.spentOnDayMicros(campaign, first));
                assertEquals(1_000 + days - 1, reopened.spentOnDayMicros(campaign, first.plusDays(days - 1)));
            }
        }
    }

    /**
     * The charge-once map never forgot an impression: once full, every later notice was refused for ever. Now a
     * full map refuses (counted, never thrown) until the purge forgets impressions past the window.
     */
    @Test
    void aFullChargeOnceMapRecoversOnceThePurgeForgetsImpressionsPastTheWindow() {
        CampaignCatalog catalog = new CampaignCatalog(config(0.15, campaign("c0").bid(3)));
        Campaign c0 = catalog.byId("c0");
        long day0 = AuctionFixture.NOW;
        SpendLedger ledger = new SpendLedger(catalog, dataDir, 1_000, WINDOW, day0);
        opened.add(ledger);
        // Chronicle Map fills segment by segment: fill until 1,000 keys in a row are refused, i.e. every segment
        int charged = 0;
        int refused = 0;
        for (int key = 0, inARow = 0; inARow < 1_000; key++) {
            assertTrue(key < 1_000_000, "the charge-once map never filled");
            if (charge(ledger, "req-" + key, "1", c0, 1_000, day0) == SpendLedger.Charge.CHARGED) {
                charged++;
                inARow = 0;
            } else {
                refused++;
                inARow++;
            }
        }
        assertTrue(charged >= 1_000, "sized for 1,000, it held " + charged);
        assertEquals(refused, ledger.refusedFull(), "every refusal is counted");
        assertEquals(SpendLedger.Charge.REFUSED_FULL, charge(ledger, "another", "1", c0, 1_000, day0 + 60));
        assertEquals(refused + 1, ledger.refusedFull());
        assertEquals(charged * 1_000L, ledger.spentTotalMicros(c0));

        long weekLater = day0 + 7 * 86_400L;
        assertEquals(SpendLedger.Charge.REFUSED_FULL, charge(ledger, "brand-new", "1", c0, 1_000, weekLater),
                "full until the purge runs");
        assertEquals(charged, ledger.purgeExpired(weekLater));
        assertEquals(0, ledger.chargedImpressions());
        assertEquals(SpendLedger.Charge.CHARGED, charge(ledger, "brand-new-request", "1", c0, 1_000, weekLater));
        // what was forgotten cannot be charged again: its notices are a week late
        assertEquals(SpendLedger.Charge.EXPIRED, ledger.charge("req-0", "1", day0, c0, 1_000, weekLater));
        assertEquals((charged + 1) * 1_000L, ledger.spentTotalMicros(c0));
    }

    @Test
    void withinTheWindowARepeatedNoticeIsADuplicateAndAfterItExpiredNeverCharged() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        SpendLedger ledger = openLedger(catalog, MIDNIGHT);
        Campaign asap = catalog.byId("asap");
        long auction = at("12:00:00");
        assertEquals(SpendLedger.Charge.CHARGED, ledger.charge("r1", "1", auction, asap, 2_000, auction + 5));
        assertEquals(0, ledger.purgeExpired(auction + WINDOW), "the last second of the window");
        assertEquals(SpendLedger.Charge.DUPLICATE, ledger.charge("r1", "1", auction, asap, 2_000, auction + WINDOW));
        assertEquals(SpendLedger.Charge.EXPIRED, ledger.charge("r1", "1", auction, asap, 2_000,
                auction + WINDOW + 1));
        assertEquals(SpendLedger.Charge.EXPIRED, ledger.charge("r2", "1", auction, asap, 2_000,
                auction + WINDOW + 1), "a first notice that late is not charged either");
        assertEquals(0, ledger.purgeExpired(auction + WINDOW + SpendLedger.PURGE_SLACK_SECONDS),
                "a purge keeps the slack beyond the window");
        assertEquals(1, ledger.purgeExpired(auction + WINDOW + SpendLedger.PURGE_SLACK_SECONDS + 1));
        assertEquals(SpendLedger.Charge.EXPIRED, ledger.charge("r1", "1", auction, asap, 2_000,
                auction + 3 * WINDOW));
        assertEquals(2_000, ledger.spentTotalMicros(asap));
        // the day of the spend is the auction's, whose budget its commitment held against, not the notice's
        assertEquals(SpendLedger.Charge.CHARGED, ledger.charge("r3", "1", auction + 43_200 - 60, asap, 500,
                auction + 43_200 + 60));
        assertEquals(2_500, ledger.spentOnDayMicros(asap, DAY));
        assertEquals(0, ledger.spentOnDayMicros(asap, DAY.plusDays(1)));
    }

    @Test
    void restartKeepsWhatThePurgeForgotEvenWithTheClockSetBackOrAWiderWindow() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        SpendLedger ledger = openLedger(catalog, MIDNIGHT);
        Campaign asap = catalog.byId("asap");
        long auction = at("01:00:00");
        assertEquals(SpendLedger.Charge.CHARGED, ledger.charge("old", "1", auction, asap, 1_000, auction));
        assertEquals(SpendLedger.Charge.CHARGED, ledger.charge("recent", "1", auction + 7_200, asap, 1_000,
                auction + 7_200));
        long purgeTime = auction + WINDOW + SpendLedger.PURGE_SLACK_SECONDS + 3_600;
        assertEquals(1, ledger.purgeExpired(purgeTime));
        ledger.close();
        opened.remove(ledger);

        // restarted with its clock an hour behind and a window twice as wide: "old" is still not chargeable
        CampaignCatalog reloaded = new CampaignCatalog(config);
        Campaign sameAsap = reloaded.byId("asap");
        long restarted = purgeTime - 3_600;
        SpendLedger reopened = new SpendLedger(reloaded, dataDir, 10_000, 2 * WINDOW, restarted);
        opened.add(reopened);
        assertEquals(2_000, reopened.spentTotalMicros(sameAsap));
        assertEquals(SpendLedger.Charge.EXPIRED, reopened.charge("old", "1", auction, sameAsap, 1_000, restarted));
        assertEquals(SpendLedger.Charge.DUPLICATE, reopened.charge("recent", "1", auction + 7_200, sameAsap, 1_000,
                restarted), "the charge-once memory of the window survived the restart");
        assertEquals(2_000, reopened.spentTotalMicros(sameAsap));
    }

    @Test
    void aNegativeChargeIsRefusedAndRecordsNothing() {
        CampaignCatalog catalog = new CampaignCatalog(config);
        SpendLedger ledger = openLedger(catalog, MIDNIGHT);
        Campaign asap = catalog.byId("asap");
        assertThrows(IllegalArgumentException.class, () -> charge(ledger, "r1", "1", asap, -1, MIDNIGHT));
        assertEquals(0, ledger.spentTotalMicros(asap));
        assertEquals(SpendLedger.Charge.CHARGED, charge(ledger, "r1", "1", asap, 1, MIDNIGHT));
    }
}
