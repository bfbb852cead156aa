package dev.merlin.exchange.tracking;

import static dev.merlin.exchange.tracking.TrackingStores.DAY;
import static dev.merlin.exchange.tracking.TrackingStores.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.CampaignCatalog;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Last-touch attribution through {@link TrackingService}: the last click within 7 days beats any impression, else
 * the last impression within 1 day; another advertiser's touches never count; an order id is credited once; the
 * credited campaign's statistics get the conversion and its value in exchange-currency micros.
 */
class AttributionTest {

    private static final String KAZE = "kaze-sportswear";
    private static final int CLICK_WINDOW = 7 * DAY;
    private static final int VIEW_WINDOW = DAY;
    private static final String USER = "uid-0123456789abcdef";

    @TempDir
    Path dataDir;
    private TrackingStores stores;
    private Campaign kazeFans;
    private Campaign kazeContext;
    private Campaign northwind;
    private long userHash;

    @BeforeEach
    void open() {
        stores = new TrackingStores(dataDir);
        kazeFans = stores.catalog.byId("kaze-sports-fans-apac");
        kazeContext = stores.catalog.byId("kaze-sports-context-global");
        northwind = stores.catalog.byId("northwind-run-of-network");
        userHash = TrackingStores.USER_HASH.hash(USER);
    }

    @AfterEach
    void close() {
        if (stores != null) {
            stores.close();
        }
    }

    @Test
    void theLastClickWithinTheClickWindowWinsOverALaterImpression() {
        stores.tracking.click(kazeContext, userHash, stores.now);
        stores.now += 3 * DAY;
        stores.tracking.impression(kazeFans, userHash, stores.now);
        stores.now += 3_600;
        Attribution.Outcome outcome = purchase(USER, "o-1", 40);
        assertTrue(outcome.isCredited(), String.valueOf(outcome));
        assertEquals(kazeContext, outcome.credit().campaign());
        assertTrue(outcome.credit().isClick());
        assertEquals(T0, outcome.credit().touchEpochSeconds());
    }

    @Test
    void ofTwoClicksTheLaterIsCredited() {
        stores.tracking.click(kazeContext, userHash, stores.now);
        stores.now += 60;
        stores.tracking.click(kazeFans, userHash, stores.now);
        stores.now += 60;
        assertEquals(kazeFans, purchase(USER, "o-1", 10).credit().campaign());
    }

    @Test
    void aClickIsCreditedUpToTheLastSecondOfTheClickWindow() {
        stores.tracking.click(kazeFans, userHash, stores.now);
        stores.now = T0 + CLICK_WINDOW;
        assertTrue(purchase(USER, "o-1", 10).credit().isClick());
        stores.now = T0 + CLICK_WINDOW + 1;
        assertEquals(Attribution.NoCredit.NO_TOUCH, purchase(USER, "o-2", 10).missing());
    }

    @Test
    void withoutAClickTheLastImpressionWithinTheViewWindowIsCredited() {
        stores.tracking.impression(kazeContext, userHash, stores.now);
        stores.now += 600;
        stores.tracking.impression(kazeFans, userHash, stores.now);
        long viewedAt = stores.now;
        stores.now = viewedAt + VIEW_WINDOW;
        Attribution.Outcome outcome = purchase(USER, "o-1", 10);
        assertEquals(kazeFans, outcome.credit().campaign());
        assertFalse(outcome.credit().isClick());
        assertEquals(viewedAt, outcome.credit().touchEpochSeconds());
    }

    @Test
    void aClickOutsideItsWindowFallsBackToAnImpressionInsideItsWindow() {
        stores.tracking.click(kazeContext, userHash, stores.now);
        stores.now = T0 + CLICK_WINDOW;
        stores.tracking.impression(kazeFans, userHash, stores.now);
        stores.now += 1_000;
        Attribution.Outcome outcome = purchase(USER, "o-1", 10);
        assertEquals(kazeFans, outcome.credit().campaign());
        assertFalse(outcome.credit().isClick());
    }

    @Test
    void outsideBothWindowsThereIsNoCredit() {
        stores.tracking.click(kazeContext, userHash, stores.now);
        stores.tracking.impression(kazeFans, userHash, stores.now);
        stores.now = T0 + CLICK_WINDOW + 1;
        Attribution.Outcome outcome = purchase(USER, "o-1", 10);
        assertFalse(outcome.isCredited());
        assertEquals(Attribution.NoCredit.NO_TOUCH, outcome.missing());
        assertStats(kazeFans, 0, 0);
        assertStats(kazeContext, 0, 0);
    }

    @Test
    void anImpressionOneSecondPastTheViewWindowIsNotCredited() {
        stores.tracking.impression(kazeFans, userHash, stores.now);
        stores.now = T0 + VIEW_WINDOW + 1;
        assertEquals(Attribution.NoCredit.NO_TOUCH, purchase(USER, "o-1", 10).missing());
    }

    @Test
    void aClickOnAnotherAdvertisersCampaignIsNotCredited() {
        stores.tracking.click(northwind, userHash, stores.now);
        stores.tracking.impression(northwind, userHash, stores.now);
        stores.now += 60;
        assertEquals(Attribution.NoCredit.NO_TOUCH, purchase(USER, "o-1", 10).missing());
        assertStats(northwind, 0, 0);
    }

    @Test
    void anotherUsersClickIsNotCredited() {
        stores.tracking.click(kazeFans, TrackingStores.USER_HASH.hash("someone-else"), stores.now);
        assertEquals(Attribution.NoCredit.NO_TOUCH, purchase(USER, "o-1", 10).missing());
    }

    @Test
    void aNonConversionEventIsNotAttributed() {
        stores.tracking.click(kazeFans, userHash, stores.now);
        TrackingService.Recorded recorded = stores.tracking.record("px-kaze", KAZE, USER, "add_to_cart", null, 99,
                "USD", "o-1", stores.now, stores.now);
        assertNull(recorded.conversion());
        assertStats(kazeFans, 0, 0);
    }

    @Test
    void theSameOrderIdIsCreditedOnceAndCountedOnce() {
        stores.tracking.click(kazeFans, userHash, stores.now);
        assertTrue(purchase(USER, "o-1", 25).isCredited());
        stores.now += 5;
        Attribution.Outcome again = purchase(USER, "o-1", 25);
        assertFalse(again.isCredited());
        assertEquals(Attribution.NoCredit.DUPLICATE, again.missing());
        assertStats(kazeFans, 1, 25_000_000L);
        assertTrue(purchase(USER, "o-2", 5).isCredited(), "another order is another conversion");
        assertStats(kazeFans, 2, 30_000_000L);
    }

    @Test
    void conversionsWithoutOrderIdAreEachCredited() {
        stores.tracking.click(kazeFans, userHash, stores.now);
        assertTrue(purchase(USER, null, 1).isCredited());
        assertTrue(purchase(USER, null, 1).isCredited());
        assertStats(kazeFans, 2, 2_000_000L);
    }

    @Test
    void theSameOrderIdOfTwoAdvertisersIsTwoConversions() {
        stores.tracking.click(kazeFans, userHash, stores.now);
        stores.tracking.click(northwind, userHash, stores.now);
        assertTrue(purchase(USER, "o-1", 10).isCredited());
        Attribution.Outcome northwindSale = stores.tracking.record("px-northwind", "northwind-travel", USER,
                "purchase", null, 10, "USD", "o-1", stores.now, stores.now).conversion();
        assertTrue(northwindSale.isCredited(), String.valueOf(northwindSale));
        assertEquals(northwind, northwindSale.credit().campaign());
    }

    @Test
    void conversionValueIsCountedInExchangeCurrencyMicros() {
        stores.tracking.click(kazeFans, userHash, stores.now);
        stores.tracking.record("px-kaze", KAZE, USER, "purchase", null, 12.5, null, "o-usd", stores.now, stores.now);
        assertStats(kazeFans, 1, 12_500_000L);
        // 4,500 JPY at 0.0067 USD = 30.15 USD
        stores.tracking.record("px-kaze", KAZE, USER, "purchase", null, 4_500, "JPY", "o-jpy", stores.now,
                stores.now);
        assertStats(kazeFans, 2, 12_500_000L + 30_150_000L);
        // a lead without value counts as a conversion worth nothing
        stores.tracking.record("px-kaze", KAZE, USER, "lead", null, 0, null, "o-lead", stores.now, stores.now);
        assertStats(kazeFans, 3, 42_650_000L);
    }

    @Test
    void clicksAndImpressionsAreCountedPerCampaignAndDayEvenWithoutAUser() {
        stores.tracking.impression(kazeFans, 0, stores.now);
        stores.tracking.impression(kazeFans, userHash, stores.now);
        stores.tracking.click(kazeFans, 0, stores.now);
        stores.tracking.impression(kazeFans, userHash, stores.now + DAY);
        LocalDate today = LocalDate.ofEpochDay(T0 / DAY);
        assertEquals(2, stores.stats.get(kazeFans.id(), CampaignStats.Metric.IMPRESSIONS, today));
        assertEquals(1, stores.stats.get(kazeFans.id(), CampaignStats.Metric.CLICKS, today));
        assertEquals(1, stores.stats.get(kazeFans.id(), CampaignStats.Metric.IMPRESSIONS, today.plusDays(1)));
        assertEquals(0, stores.stats.get(kazeContext.id(), CampaignStats.Metric.IMPRESSIONS, today));
    }

    @Test
    void aClickWithoutAUserIsNotATouch() {
        stores.tracking.click(kazeFans, 0, stores.now);
        assertEquals(Attribution.NoCredit.NO_TOUCH, purchase(USER, "o-1", 10).missing());
    }

    /** A purchase that happened at T0 but arrives (server to server) two hours later. */
    @Test
    void aClickAfterThePurchaseIsNotCreditedForIt() {
        stores.tracking.click(kazeFans, userHash, T0 + 3_600); // one hour after the purchase
        Attribution.Outcome outcome = stores.tracking.record("px-kaze", KAZE, USER, "purchase", null, 50, "USD",
                "o-late", T0, T0 + 7_200).conversion();
        assertEquals(Attribution.NoCredit.NO_TOUCH, outcome.missing(), String.valueOf(outcome));
    }

    /** A purchase made 6 days after the click (inside the 7-day window), reported 2 days late. */
    @Test
    void aLateReportedPurchaseInsideTheClickWindowIsCredited() {
        stores.tracking.click(kazeFans, userHash, T0);
        long purchasedAt = T0 + 6 * DAY;
        Attribution.Outcome outcome = stores.tracking.record("px-kaze", KAZE, USER, "purchase", null, 50, "USD",
                "o-late", purchasedAt, purchasedAt + 2 * DAY).conversion();
        assertTrue(outcome.isCredited(), String.valueOf(outcome));
        assertEquals(kazeFans, outcome.credit().campaign());
    }

    /** A restart with the advertisers in another order (Northwind moved to the front). */
    @Test
    void aClickOnKazeIsNotCreditedToNorthwindAfterARestartWithAdvertisersReordered() {
        stores.tracking.click(kazeContext, userHash, T0);
        stores.close();
        stores = null;
        MerlinConfig demo = TrackingStores.demoConfig(dataDir);
        List<AdvertiserConfig> reordered = new ArrayList<>(demo.advertisers());
        AdvertiserConfig moved = reordered.stream().filter(a -> a.id().equals("northwind-travel")).findFirst()
                .orElseThrow();
        reordered.remove(moved);
        reordered.add(0, moved);
        MerlinConfig config = demo.withAdvertisers(demo.segments(), reordered).validate();
        CampaignCatalog catalog = new CampaignCatalog(config);
        try (Attribution attribution = new Attribution(catalog, config.tracking().attribution(), dataDir, 10_000L)) {
            Attribution.Outcome northwindSale = attribution.attribute(userHash, "northwind-travel", "o-1", T0 + 60);
            Attribution.Outcome kazeSale = attribution.attribute(userHash, KAZE, "o-2", T0 + 60);
            assertFalse(northwindSale.isCredited(), "Northwind credited for a click on Kaze's ad");
            assertTrue(kazeSale.isCredited(), "Kaze's own click lost over the restart: " + kazeSale);
            assertEquals(catalog.byId(kazeContext.id()), kazeSale.credit().campaign());
        }
    }

    /** An order first reported with no touch, re-fired (thank-you page reloaded) after a later click. */
    @Test
    void anOrderSeenBeforeAnyClickIsNotCreditedWhenReFiredAfterOne() {
        assertEquals(Attribution.NoCredit.NO_TOUCH, purchase(USER, "o-100", 80).missing());
        stores.now += 60;
        stores.tracking.click(kazeFans, userHash, stores.now);
        stores.now += 60;
        assertEquals(Attribution.NoCredit.DUPLICATE, purchase(USER, "o-100", 80).missing());
        assertStats(kazeFans, 0, 0);
    }

    private Attribution.Outcome purchase(String user, String orderId, double valueUsd) {
        return stores.tracking.record("px-kaze", KAZE, user, "purchase", null, valueUsd, "USD", orderId, stores.now,
                stores.now).conversion();
    }

    private void assertStats(Campaign campaign, long conversions, long valueMicros) {
        LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(stores.now, DAY));
        assertEquals(conversions, stores.stats.get(campaign.id(), CampaignStats.Metric.CONVERSIONS, day),
                campaign.id() + " conversions");
        assertEquals(valueMicros, stores.stats.get(campaign.id(), CampaignStats.Metric.CONVERSION_VALUE_MICROS, day),
                campaign.id() + " conversion value");
    }
}
