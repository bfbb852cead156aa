package dev.merlin.exchange.auction;

import static dev.merlin.exchange.auction.AuctionFixture.NOW;
import static dev.merlin.exchange.auction.AuctionFixture.campaign;
import static dev.merlin.exchange.auction.AuctionFixture.config;
import static dev.merlin.exchange.auction.AuctionFixture.siteBanner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.auction.AuctionFixture.Auction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Frequency caps on a real store in a temporary data dir: {@code capped} allows 3 impressions per user per hour
 * (the window opens at the first impression); {@code fallback} is uncapped and bids less.
 */
class FrequencyStoreTest {

    private static final long USER = 0x5EED_0001L;
    private static final long OTHER_USER = 0x5EED_0002L;

    @TempDir
    Path dataDir;

    private final List<AutoCloseable> opened = new ArrayList<>();

    private final MerlinConfig config = config(0.15,
            campaign("capped").bid(5).set("frequencyCap", "{impressions: 3, periodSeconds: 3600}"),
            campaign("daily-capped").bid(4).set("frequencyCap", "{impressions: 1, periodSeconds: 86400}"),
            campaign("fallback").bid(1));

    private final CampaignCatalog catalog = new CampaignCatalog(config);

    @AfterEach
    void closeAll() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
        opened.clear();
    }

    private FrequencyStore openStore() {
        FrequencyStore store = new FrequencyStore(dataDir, 10_000);
        opened.add(store);
        return store;
    }

    @ParameterizedTest(name = "impressions at +{0}, asked at +{1} -> count {2}, winner {3}")
    @CsvSource({
        "'',         60,   0, capped",
        "0,          60,   1, capped",
        "0|10,       60,   2, capped",
        "0|10|20,    60,   3, fallback",   // the cap is reached: excluded
        "0|10|20,    3599, 3, fallback",   // still inside the hour opened at +0
        "0|10|20,    3600, 0, capped",         // the window has ended
        "0|10|20,    7200, 0, capped",
        "0|1800|3599, 3600, 0, capped",        // the window is fixed from its first impression, not sliding
        "0|3600,     3601, 1, capped",         // an impression after the window opens a new one
        "0|3600|3610|3620, 3630, 3, fallback",
    })
    void capsCountImpressionsPerWindow(String impressionOffsets, long askedAt, int expectedCount,
                                       String expectedWinner) {
        FrequencyStore store = openStore();
        Campaign capped = catalog.byId("capped");
        if (!impressionOffsets.isEmpty()) {
            for (String offset : impressionOffsets.split("\\|")) {
                store.record(USER, capped, NOW + Long.parseLong(offset));
            }
        }
        // daily-capped has had its one impression of the day, so a capped-out "capped" falls to "fallback"
        store.record(USER, catalog.byId("daily-capped"), NOW - 1);
        assertEquals(expectedCount, store.impressions(USER, capped, NOW + askedAt));
        Auction auction = new Auction(config, catalog, SpendView.UNLIMITED, store);
        String winner = Auction.winningCampaign(auction.run(siteBanner(), null, USER, NOW + askedAt));
        assertEquals(expectedWinner, winner);
    }

    @Test
    void capsArePerUserAndPerCampaign() {
        FrequencyStore store = openStore();
        Campaign capped = catalog.byId("capped");
        Auction auction = new Auction(config, catalog, SpendView.UNLIMITED, store);
        for (int i = 0; i < 3; i++) {
            store.record(USER, capped, NOW + i);
        }
        assertEquals("daily-capped", Auction.winningCampaign(auction.run(siteBanner(), null, USER, NOW + 10)));
        assertEquals("capped", Auction.winningCampaign(auction.run(siteBanner(), null, OTHER_USER, NOW + 10)));
        assertEquals(0, store.impressions(USER, catalog.byId("daily-capped"), NOW + 10));
        assertEquals(0, store.impressions(OTHER_USER, capped, NOW + 10));

        store.record(USER, catalog.byId("daily-capped"), NOW + 20);
        assertEquals("fallback", Auction.winningCampaign(auction.run(siteBanner(), null, USER, NOW + 30)));
        // a day later both windows have ended
        assertEquals("capped", Auction.winningCampaign(auction.run(siteBanner(), null, USER, NOW + 86_400 + 20)));
    }

    @Test
    void recordingIgnoresUncappedCampaignsAndUnknownUsers() {
        FrequencyStore store = openStore();
        store.record(USER, catalog.byId("fallback"), NOW);
        store.record(0, catalog.byId("capped"), NOW);
        assertEquals(0, store.impressions(USER, catalog.byId("fallback"), NOW));
        assertEquals(0, store.impressions(0, catalog.byId("capped"), NOW));
    }

    /**
     * Taking back a win its loss notice released: only from the window that counted it, never below 0, and neither for
     * an uncapped campaign nor for an unknown user.
     */
    @ParameterizedTest(name = "impressions at +{0}, taken back for +{1} at +{2} -> {3}, count {4}")
    @CsvSource({
        "0|10,      10,   20,   true,  1",
        "0,         0,    3599, true,  0",
        "0,         0,    3600, false, 0",   // the window has ended: nothing to take back
        "0|3600,    10,   3610, false, 1",   // counted in the window that ended; the new one is another impression's
        "0|3600,    3600, 3610, true,  0",
        "'',        0,    10,   false, 0",   // nothing counted
    })
    void takingBackAWinLowersOnlyTheWindowThatCountedIt(String impressionOffsets, long auctionAt, long askedAt,
                                                        boolean expectedTaken, int expectedCount) {
        FrequencyStore store = openStore();
        Campaign capped = catalog.byId("capped");
        if (!impressionOffsets.isEmpty()) {
            for (String offset : impressionOffsets.split("\\|")) {
                store.record(USER, capped, NOW + Long.parseLong(offset));
            }
        }
        assertEquals(expectedTaken, store.takeBack(USER, capped, NOW + auctionAt, NOW + askedAt));
        assertEquals(expectedCount, store.impressions(USER, capped, NOW + askedAt));
        if (expectedCount == 0) {
            assertFalse(store.takeBack(USER, capped, NOW + auctionAt, NOW + askedAt), "never below 0");
            assertEquals(0, store.impressions(USER, capped, NOW + askedAt));
        }
        assertFalse(store.takeBack(0, capped, NOW, NOW + 1));
        assertFalse(store.takeBack(USER, catalog.byId("fallback"), NOW, NOW + 1));
    }

    @Test
    void restartKeepsFrequencyCounts() {
        FrequencyStore store = openStore();
        Campaign capped = catalog.byId("capped");
        store.record(USER, capped, NOW);
        store.record(USER, capped, NOW + 1);
        store.record(USER, capped, NOW + 2);
        store.record(OTHER_USER, capped, NOW);
        store.close();
        opened.remove(store);

        FrequencyStore reopened = openStore();
        CampaignCatalog reloaded = new CampaignCatalog(config);
        assertEquals(3, reopened.impressions(USER, reloaded.byId("capped"), NOW + 60));
        assertEquals(1, reopened.impressions(OTHER_USER, reloaded.byId("capped"), NOW + 60));
        Auction auction = new Auction(config, reloaded, SpendView.UNLIMITED, reopened);
        assertEquals("daily-capped", Auction.winningCampaign(auction.run(siteBanner(), null, USER, NOW + 60)));
        // and the window still ends an hour after its first impression
        assertEquals(0, reopened.impressions(USER, reloaded.byId("capped"), NOW + 3600));
    }
}
