package dev.merlin.exchange.tracking;

import static dev.merlin.exchange.tracking.TrackingStores.DAY;
import static dev.merlin.exchange.tracking.TrackingStores.K_DRAMA_FANS;
import static dev.merlin.exchange.tracking.TrackingStores.NEWS_READERS;
import static dev.merlin.exchange.tracking.TrackingStores.RECENT_PURCHASERS;
import static dev.merlin.exchange.tracking.TrackingStores.SPORTS_FANS;
import static dev.merlin.exchange.tracking.TrackingStores.T0;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.exchange.segments.SegmentEntry;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each kind of segment rule of the demo config, through {@link TrackingService#record}: event name, source (one id
 * or {@code *}), category parent/child, minimum value, "at least N times within a window", and time to live.
 * Real Chronicle files under a temporary dir; the clock is moved by hand.
 */
class SegmentRulesTest {

    private static final String APP = "sakura-tv-app";
    private static final String OTHER_APP = "pixel-quest-app";
    private static final int WATCH_WINDOW = 7 * DAY;
    private static final int SPORTS_TTL = 30 * DAY;

    @TempDir
    Path dataDir;
    private TrackingStores stores;

    @BeforeEach
    void open() {
        stores = new TrackingStores(dataDir);
    }

    @AfterEach
    void close() {
        stores.close();
    }

    // ---------------------------------------------------------------- event name

    @Test
    void anEventNoRuleNamesJoinsNothing() {
        assertArrayEquals(new int[0], stores.event(APP, "ifa-1", "app_close", "IAB17").segmentsJoined());
        assertArrayEquals(new int[0], stores.event(APP, "ifa-1", "VIDEO_LIKE", "IAB17").segmentsJoined(),
                "event names are matched exactly");
        assertEquals(0, stores.segments.size());
    }

    @Test
    void oneMatchingEventOfAMinCountOneRuleJoinsAtOnce() {
        assertArrayEquals(new int[] {SPORTS_FANS}, stores.event(APP, "ifa-1", "video_like", "IAB17").segmentsJoined());
        assertTrue(stores.holds("ifa-1", SPORTS_FANS));
        assertArrayEquals(new int[] {SPORTS_FANS}, stores.event(APP, "ifa-2", "share", "IAB17").segmentsJoined(),
                "the rule lists two events; either one joins");
    }

    // ---------------------------------------------------------------- source

    @Test
    void aRuleForOneSourceIgnoresTheSameActivityFromAnotherSource() {
        for (int i = 0; i < 5; i++) {
            stores.event(OTHER_APP, "ifa-1", "video_watch", "IAB17");
            stores.event("px-kaze", "ifa-1", "video_watch", "IAB17");
        }
        assertFalse(stores.holds("ifa-1", SPORTS_FANS), "sports-video-watchers counts sakura-tv-app only");
    }

    @ParameterizedTest
    @CsvSource({"sakura-tv-app", "pixel-quest-app", "px-harbour", "px-kaze"})
    void aStarRuleMatchesEverySource(String source) {
        assertArrayEquals(new int[] {SPORTS_FANS}, stores.event(source, "u-" + source, "video_like", "IAB17")
                .segmentsJoined());
    }

    // ---------------------------------------------------------------- category

    @ParameterizedTest
    @CsvSource({"IAB17, true", "IAB17-40, true", "IAB17-1, true", "IAB171, false", "IAB1, false", "IAB1-7, false",
            "iab17, false", "IAB7-17, false"})
    void aCategoryRuleMatchesTheCategoryAndItsChildrenOnly(String category, boolean joins) {
        stores.event(APP, "ifa-1", "video_like", category);
        assertEquals(joins, stores.holds("ifa-1", SPORTS_FANS), category);
    }

    @Test
    void aCategoryRuleIgnoresAnEventWithoutCategory() {
        stores.event(APP, "ifa-1", "video_like", null);
        assertFalse(stores.holds("ifa-1", SPORTS_FANS));
    }

    @Test
    void aRuleWithoutCategoryMatchesAnyCategoryOrNone() {
        stores.event("px-seoulbeauty", "u-1", "add_to_cart", null);
        stores.event("px-seoulbeauty", "u-2", "view_content", "IAB18-1");
        assertTrue(stores.holds("u-1", 103));
        assertTrue(stores.holds("u-2", 103));
    }

    @Test
    void oneEventCountsTowardsEveryRuleItMatchesSeparately() {
        stores.event(APP, "ifa-1", "video_watch", "IAB1-7");
        stores.event(APP, "ifa-1", "video_watch", "IAB17");
        assertFalse(stores.holds("ifa-1", K_DRAMA_FANS), "one k-drama watch is not two");
        assertArrayEquals(new int[] {K_DRAMA_FANS}, stores.event(APP, "ifa-1", "video_watch", "IAB1-7")
                .segmentsJoined());
        assertFalse(stores.holds("ifa-1", SPORTS_FANS), "k-drama watches do not count as sports");
    }

    // ---------------------------------------------------------------- minimum value

    @Test
    void aMinValueRuleJoinsAtTheMinimumAndAboveOnly() {
        record(APP, "u-low", "checkout", 99.99);
        record(APP, "u-zero", "checkout", 0);
        record(APP, "u-exact", "checkout", 100);
        record(APP, "u-high", "checkout", 250.5);
        assertFalse(stores.holds("u-low", NEWS_READERS));
        assertFalse(stores.holds("u-zero", NEWS_READERS));
        assertTrue(stores.holds("u-exact", NEWS_READERS));
        assertTrue(stores.holds("u-high", NEWS_READERS));
    }

    // ---------------------------------------------------------------- at least N times within a window

    @Test
    void twoWatchesWithinTheWindowDoNotJoinAndTheThirdDoes() {
        assertArrayEquals(new int[0], stores.event(APP, "ifa-1", "video_watch", "IAB17-40").segmentsJoined());
        stores.now += DAY;
        assertArrayEquals(new int[0], stores.event(APP, "ifa-1", "video_watch", "IAB17-40").segmentsJoined());
        assertFalse(stores.holds("ifa-1", SPORTS_FANS));
        stores.now += WATCH_WINDOW - DAY - 1; // the last second of the window the first watch opened
        assertArrayEquals(new int[] {SPORTS_FANS}, stores.event(APP, "ifa-1", "video_watch", "IAB17-40")
                .segmentsJoined());
        assertTrue(stores.holds("ifa-1", SPORTS_FANS));
    }

    @Test
    void watchesAfterTheWindowStartANewCount() {
        stores.event(APP, "ifa-1", "video_watch", "IAB17");
        stores.event(APP, "ifa-1", "video_watch", "IAB17");
        stores.now = T0 + WATCH_WINDOW; // the window the first watch opened has closed
        assertArrayEquals(new int[0], stores.event(APP, "ifa-1", "video_watch", "IAB17").segmentsJoined(),
                "the count restarts at 1");
        stores.now += 10;
        assertArrayEquals(new int[0], stores.event(APP, "ifa-1", "video_watch", "IAB17").segmentsJoined(), "2");
        assertFalse(stores.holds("ifa-1", SPORTS_FANS));
        stores.now += 10;
        assertArrayEquals(new int[] {SPORTS_FANS}, stores.event(APP, "ifa-1", "video_watch", "IAB17")
                .segmentsJoined(), "3 in the new window");
    }

    /**
     * sports-video-watchers: 3 video_watch (IAB17) within 7 days. A batch brings three watches 10 days apart (all
     * within the 30-day acceptance): no 7-day window holds three of them, though all arrive at once.
     */
    @Test
    void threeWatchesTenDaysApartArrivingTogetherDoNotMakeASportsFan() {
        for (long at : new long[] {T0 - 20L * DAY, T0 - 10L * DAY, T0}) {
            stores.tracking.record(APP, "sakura-streaming", "ifa-1", "video_watch", "IAB17", 0, null, null, at, T0);
        }
        assertFalse(stores.holds("ifa-1", SPORTS_FANS), "the rule counts when the watches happened");
    }

    /** Three watches within 3 hours, straddling the end of a fixed window a first watch would have opened. */
    @Test
    void threeWatchesWithinHoursMakeASportsFanWhateverCameBefore() {
        for (long at : new long[] {T0, T0 + 7 * DAY - 3_600, T0 + 7 * DAY + 3_600, T0 + 7 * DAY + 7_200}) {
            stores.now = at;
            stores.event(APP, "ifa-1", "video_watch", "IAB17");
        }
        assertTrue(stores.holds("ifa-1", SPORTS_FANS), "the last three watches are within 3 hours (a sliding window)");
    }

    /** A late batch: two watches sent now, the third (happened between them) sent afterwards. */
    @Test
    void aLateWatchBetweenTwoOthersCompletesTheCount() {
        stores.now = T0 + 6 * DAY;
        stores.tracking.record(APP, "sakura-streaming", "ifa-1", "video_watch", "IAB17", 0, null, null, T0,
                stores.now);
        stores.tracking.record(APP, "sakura-streaming", "ifa-1", "video_watch", "IAB17", 0, null, null,
                T0 + 6 * DAY, stores.now);
        assertFalse(stores.holds("ifa-1", SPORTS_FANS));
        stores.tracking.record(APP, "sakura-streaming", "ifa-1", "video_watch", "IAB17", 0, null, null,
                T0 + 3 * DAY, stores.now);
        assertTrue(stores.holds("ifa-1", SPORTS_FANS), "three watches within 6 days, whatever order they came in");
    }

    @Test
    void countsArePerUser() {
        stores.event(APP, "ifa-1", "video_watch", "IAB17");
        stores.event(APP, "ifa-1", "video_watch", "IAB17");
        stores.event(APP, "ifa-2", "video_watch", "IAB17");
        assertFalse(stores.holds("ifa-2", SPORTS_FANS));
        assertFalse(stores.holds("ifa-1", SPORTS_FANS));
        stores.event(APP, "ifa-1", "video_watch", "IAB17");
        assertTrue(stores.holds("ifa-1", SPORTS_FANS));
        assertFalse(stores.holds("ifa-2", SPORTS_FANS));
    }

    @Test
    void eventsThatDoNotMatchTheRuleDoNotCountTowardsIt() {
        stores.event(APP, "ifa-1", "video_watch", "IAB17");
        stores.event(APP, "ifa-1", "video_watch", "IAB1"); // wrong category
        stores.event(OTHER_APP, "ifa-1", "video_watch", "IAB17"); // wrong source
        stores.event(APP, "ifa-1", "video_watch", "IAB17");
        assertFalse(stores.holds("ifa-1", SPORTS_FANS), "only two matching watches so far");
        stores.event(APP, "ifa-1", "video_watch", "IAB17");
        assertTrue(stores.holds("ifa-1", SPORTS_FANS));
    }

    @Test
    void pixelPageReadersNeedTwoViewsWithinOneDay() {
        stores.event("px-kaze", "uid-1", "page_view", "IAB17");
        stores.now += DAY;
        stores.event("px-kaze", "uid-1", "view_content", "IAB17-2");
        assertFalse(stores.holds("uid-1", SPORTS_FANS), "a day apart: two windows of one view each");
        stores.now += 60;
        stores.event("px-kaze", "uid-1", "page_view", "IAB17");
        assertTrue(stores.holds("uid-1", SPORTS_FANS));
    }

    // ---------------------------------------------------------------- time to live

    @Test
    void membershipLastsTheRulesTtlFromTheQualifyingEvent() {
        stores.event(APP, "ifa-1", "video_like", "IAB17");
        List<SegmentEntry> held = stores.segments.describe("ifa-1", stores.now);
        assertEquals(List.of(new SegmentEntry(SPORTS_FANS, T0 + SPORTS_TTL)), held);
        assertTrue(stores.holdsAt("ifa-1", SPORTS_FANS, T0 + SPORTS_TTL - 1));
        assertFalse(stores.holdsAt("ifa-1", SPORTS_FANS, T0 + SPORTS_TTL + 1), "expired on its own");
    }

    @Test
    void eachRuleHasItsOwnTtl() {
        stores.event("px-kaze", "uid-1", "page_view", "IAB17");
        stores.event("px-kaze", "uid-1", "page_view", "IAB17");
        record("px-kaze", "uid-1", "purchase", 20);
        int readersTtl = 14 * DAY;
        int buyersTtl = 7 * DAY;
        assertTrue(stores.holdsAt("uid-1", RECENT_PURCHASERS, T0 + buyersTtl - 1));
        assertFalse(stores.holdsAt("uid-1", RECENT_PURCHASERS, T0 + buyersTtl + 1));
        assertTrue(stores.holdsAt("uid-1", SPORTS_FANS, T0 + buyersTtl + 1));
        assertFalse(stores.holdsAt("uid-1", SPORTS_FANS, T0 + readersTtl + 1));
    }

    @Test
    void aLaterQualifyingEventRenewsMembership() {
        stores.event(APP, "ifa-1", "video_like", "IAB17");
        stores.now = T0 + 20L * DAY;
        stores.event(APP, "ifa-1", "share", "IAB17");
        assertTrue(stores.holdsAt("ifa-1", SPORTS_FANS, T0 + SPORTS_TTL + 1), "renewed from day 20");
        assertFalse(stores.holdsAt("ifa-1", SPORTS_FANS, T0 + 20L * DAY + SPORTS_TTL + 1));
    }

    @Test
    void membershipCountsFromWhenTheEventHappenedNotWhenItArrived() {
        long happened = T0 - 10L * DAY;
        stores.tracking.record(APP, "sakura-streaming", "ifa-1", "video_like", "IAB17", 0, null, null, happened,
                stores.now);
        assertEquals(List.of(new SegmentEntry(SPORTS_FANS, happened + SPORTS_TTL)),
                stores.segments.describe("ifa-1", stores.now));
    }

    @Test
    void anEventOlderThanTheTtlJoinsNothing() {
        long happened = T0 - SPORTS_TTL - 1;
        int[] joined = stores.tracking.record(APP, "sakura-streaming", "ifa-1", "video_like", "IAB17", 0, null, null,
                happened, stores.now).segmentsJoined();
        assertArrayEquals(new int[0], joined);
        assertEquals(0, stores.segments.size());
    }

    @Test
    void anEventStampedInTheFutureLastsNoLongerThanTheTtlFromNow() {
        stores.tracking.record(APP, "sakura-streaming", "ifa-1", "video_like", "IAB17", 0, null, null,
                T0 + 3_000, stores.now);
        assertEquals(List.of(new SegmentEntry(SPORTS_FANS, T0 + SPORTS_TTL)),
                stores.segments.describe("ifa-1", stores.now));
    }

    @Test
    void rulesSurviveARestartOfTheStores() {
        stores.event(APP, "ifa-1", "video_watch", "IAB17");
        stores.event(APP, "ifa-1", "video_watch", "IAB17");
        stores.close();
        stores = new TrackingStores(dataDir);
        stores.event(APP, "ifa-1", "video_watch", "IAB17");
        assertTrue(stores.holds("ifa-1", SPORTS_FANS), "the count is off-heap and persisted");
    }

    private void record(String source, String user, String event, double value) {
        stores.tracking.record(source, stores.advertiserOf(source), user, event, null, value, "USD", null, stores.now,
                stores.now);
    }
}
