package dev.merlin.exchange.tracking;

import static dev.merlin.exchange.tracking.TrackingStores.SPORTS_FANS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.exchange.auction.Campaign;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TrackingService} lookups and erasure: after {@code erase} nothing held about the user is left. */
class TrackingServiceTest {

    private static final String APP = "sakura-tv-app";

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

    @Test
    void pixelsAndSourcesResolveToTheirAdvertisers() {
        assertEquals("kaze-sportswear", stores.tracking.pixelAdvertiser("px-kaze"));
        assertEquals(null, stores.tracking.pixelAdvertiser("px-unknown"));
        assertEquals(null, stores.tracking.pixelAdvertiser(null));
        assertEquals("sakura-tv-app", stores.tracking.sourceForKey("demo-sakura-app-key-0001").id());
        assertEquals(null, stores.tracking.sourceForKey("demo-sakura-app-key-0002"));
        assertEquals(null, stores.tracking.sourceForKey(null));
        assertTrue(stores.tracking.isConversion("purchase"));
        assertTrue(stores.tracking.isConversion("lead"));
        assertFalse(stores.tracking.isConversion("add_to_cart"));
    }

    @Test
    void eraseRemovesSegments() {
        stores.event(APP, "ifa-1", "video_like", "IAB17");
        stores.event(APP, "ifa-2", "video_like", "IAB17");
        assertTrue(stores.tracking.erase("ifa-1"), "something was held");
        assertFalse(stores.holds("ifa-1", SPORTS_FANS));
        assertEquals(List.of(), stores.segments.describe("ifa-1", stores.now));
        assertTrue(stores.holds("ifa-2", SPORTS_FANS), "only that user is erased");
        assertFalse(stores.tracking.erase("ifa-1"), "nothing is held any more");
        assertFalse(stores.tracking.erase("never-seen"));
    }

    @Test
    void eraseForgetsRuleCounts() {
        stores.event(APP, "ifa-1", "video_watch", "IAB17");
        stores.event(APP, "ifa-1", "video_watch", "IAB17");
        stores.tracking.erase("ifa-1");
        assertArrayEquals(new int[0], stores.event(APP, "ifa-1", "video_watch", "IAB17").segmentsJoined(),
                "the two watches before erasure no longer count");
        stores.event(APP, "ifa-1", "video_watch", "IAB17");
        assertFalse(stores.holds("ifa-1", SPORTS_FANS));
        stores.event(APP, "ifa-1", "video_watch", "IAB17");
        assertTrue(stores.holds("ifa-1", SPORTS_FANS), "three new watches");
    }

    @Test
    void eraseForgetsClicksAndImpressions() {
        Campaign kaze = stores.catalog.byId("kaze-sports-fans-apac");
        Campaign northwind = stores.catalog.byId("northwind-run-of-network");
        long user = TrackingStores.USER_HASH.hash("uid-1");
        stores.tracking.click(kaze, user, stores.now);
        stores.tracking.impression(kaze, user, stores.now);
        stores.tracking.click(northwind, user, stores.now);
        stores.tracking.erase("uid-1");
        stores.now += 60;
        assertEquals(Attribution.NoCredit.NO_TOUCH, stores.tracking.record("px-kaze", "kaze-sportswear", "uid-1",
                "purchase", null, 10, "USD", "o-1", stores.now, stores.now).conversion().missing());
        assertEquals(Attribution.NoCredit.NO_TOUCH, stores.tracking.record("px-northwind", "northwind-travel",
                "uid-1", "purchase", null, 10, "USD", "o-2", stores.now, stores.now).conversion().missing());
    }

    @Test
    void eraseForgetsFrequencyCounts() {
        Campaign kaze = stores.catalog.byId("kaze-sports-fans-apac");
        long user = TrackingStores.USER_HASH.hash("uid-1");
        stores.frequency.record(user, kaze, stores.now);
        stores.frequency.record(user, kaze, stores.now);
        assertEquals(2, stores.frequency.impressions(user, kaze, stores.now));
        stores.tracking.erase("uid-1");
        assertEquals(0, stores.frequency.impressions(user, kaze, stores.now));
    }
}
