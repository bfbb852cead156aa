package dev.merlin.exchange.auction;

import static dev.merlin.exchange.auction.AuctionFixture.NOW;
import static dev.merlin.exchange.auction.AuctionFixture.campaign;
import static dev.merlin.exchange.auction.AuctionFixture.config;
import static dev.merlin.exchange.auction.AuctionFixture.siteBanner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.CampaignConfig;
import dev.merlin.config.ConfigException;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.Money;
import dev.merlin.exchange.auction.AuctionFixture.Auction;
import dev.merlin.exchange.catalogue.CatalogueEdits;
import dev.merlin.exchange.catalogue.LiveCatalogue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A catalogue swapped while the exchange runs: spend follows the campaign id into the new catalogue, an auction
 * holding the old one finishes on it, an invalid change changes nothing, and the admin API's changes outlive a
 * restart through the overlay file.
 */
class CatalogueSwapTest {

    private static final long MICROS = 1_000_000L;

    @TempDir
    Path dataDir;

    private final MerlinConfig config = config(0.0,
            campaign("capped").bid(3).set("totalBudget", "10").set("pacing", "asap"),
            campaign("other").bid(2),
            campaign("low").bid(1));
    private SpendLedger ledger;
    private LiveCatalogue live;

    @BeforeEach
    void open() {
        CampaignCatalog first = new CampaignCatalog(config);
        ledger = new SpendLedger(first, dataDir, 10_000, 86_400, NOW);
        live = new LiveCatalogue(first, dataDir, () -> NOW).connect(ledger, null);
    }

    @AfterEach
    void close() {
        live.close();
        ledger.close();
    }

    private CampaignCatalog patch(String campaignId, String json) {
        return live.change("test", "PATCH campaigns[id=" + campaignId + "]",
                advertisers -> CatalogueEdits.patchCampaign(advertisers, campaignId, json));
    }

    @Test
    void spendRecordedBeforeASwapIsChargedAgainstTheBudgetAfterIt() {
        Campaign before = live.current().byId("capped");
        assertEquals(SpendLedger.Charge.CHARGED,
                ledger.charge("r1", "1", NOW, before, 4 * MICROS, NOW));
        CampaignCatalog next = patch("capped", "{\"bid\": {\"amount\": 3.5}}");
        Campaign after = next.byId("capped");
        assertNotSame(before, after);
        assertEquals(before.slot(), after.slot());
        assertEquals(3_500_000L, after.bidMicros());
        assertEquals(4 * MICROS, ledger.spentTotalMicros(after));
        // 6 left of 10: a 7 commitment does not fit, a 6 one does
        assertFalse(ledger.reserve(after, 7 * MICROS, NOW));
        assertTrue(ledger.reserve(after, 6 * MICROS, NOW));
    }

    @Test
    void anExhaustedCampaignStaysExhaustedAfterAnUnrelatedChange() {
        Campaign capped = live.current().byId("capped");
        ledger.charge("r1", "1", NOW, capped, 10 * MICROS, NOW);
        assertFalse(ledger.canSpend(capped, NOW));
        CampaignCatalog next = patch("low", "{\"bid\": {\"amount\": 1.5}}");
        assertFalse(ledger.canSpend(next.byId("capped"), NOW));
        Auction auction = new Auction(next.config(), next, ledger, FrequencyView.NONE);
        assertEquals("other", Auction.winningCampaign(auction.run(siteBanner())));
    }

    @Test
    void anAuctionOnTheOldCatalogueFinishesOnItsBidsWhileNewOnesUseTheNew() {
        CampaignCatalog old = live.current();
        Auction inFlight = new Auction(config, old, ledger, FrequencyView.NONE);
        CampaignCatalog next = patch("capped", "{\"bid\": {\"amount\": 1.5}}");
        assertSame(next, live.current());
        assertEquals("capped", Auction.winningCampaign(inFlight.run(siteBanner())));
        Auction fresh = new Auction(next.config(), next, ledger, FrequencyView.NONE);
        assertEquals("other", Auction.winningCampaign(fresh.run(siteBanner())));
    }

    @Test
    void aPausedCampaignStopsBiddingAlsoInAuctionsStillOnTheOldCatalogue() {
        CampaignCatalog old = live.current();
        Auction inFlight = new Auction(config, old, ledger, FrequencyView.NONE);
        CampaignCatalog next = patch("capped", "{\"status\": \"paused\"}");
        assertEquals("other", Auction.winningCampaign(inFlight.run(siteBanner())));
        Auction fresh = new Auction(next.config(), next, ledger, FrequencyView.NONE);
        assertEquals("other", Auction.winningCampaign(fresh.run(siteBanner())));
        // the paused campaign is still known for its notices, with its slot
        assertEquals(old.byId("capped").slot(), next.known("capped").slot());
        // resumed, it bids again
        CampaignCatalog resumed = patch("capped", "{\"status\": \"active\"}");
        Auction again = new Auction(resumed.config(), resumed, ledger, FrequencyView.NONE);
        assertEquals("capped", Auction.winningCampaign(again.run(siteBanner())));
    }

    @Test
    void aPauseStopsTheCampaignBeforeTheChangeIsBuilt() throws Exception {
        CampaignCatalog old = live.current();
        int slot = old.byId("capped").slot();
        CountDownLatch building = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            // a slow change ahead of it holds the catalogue thread, as a large catalogue's build does
            Future<CampaignCatalog> slow = callers.submit(() -> live.change("test", "slow", advertisers -> {
                building.countDown();
                await(release);
                return advertisers;
            }));
            assertTrue(building.await(10, TimeUnit.SECONDS));
            Future<CampaignCatalog> pause = callers.submit(() -> live.change("test",
                    "PATCH campaigns[id=capped]", List.of("capped"),
                    advertisers -> CatalogueEdits.patchCampaign(advertisers, "capped", "{\"status\": \"paused\"}")));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!old.slots().isStopped(slot) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertTrue(old.slots().isStopped(slot), "the pause holds the campaign before its change is built");
            assertFalse(pause.isDone());
            assertSame(old, live.current());
            Auction now = new Auction(config, old, ledger, FrequencyView.NONE);
            assertEquals("other", Auction.winningCampaign(now.run(siteBanner())));
            release.countDown();
            slow.get(10, TimeUnit.SECONDS);
            CampaignCatalog paused = pause.get(10, TimeUnit.SECONDS);
            assertFalse(CatalogueEdits.campaign(paused.config().advertisers(), "capped").isActive());
            assertTrue(paused.slots().isStopped(slot), "applied, the catalogue keeps it out");
            assertFalse(paused.slots().isStopped(paused.byId("other").slot()));
        } finally {
            release.countDown();
            callers.shutdownNow();
        }
    }

    @Test
    void aRefusedPauseLetsTheCampaignBidAgain() {
        CampaignCatalog before = live.current();
        int slot = before.byId("capped").slot();
        assertThrows(ConfigException.class, () -> live.change("test", "PUT advertisers[id=adv-capped]",
                List.of("capped"), advertisers -> {
                    assertTrue(before.slots().isStopped(slot), "held while the change is built");
                    throw new ConfigException("advertisers[0].campaigns[0].bid.amount", "must be positive");
                }));
        assertSame(before, live.current());
        assertFalse(before.slots().isStopped(slot));
        Auction auction = new Auction(config, before, ledger, FrequencyView.NONE);
        assertEquals("capped", Auction.winningCampaign(auction.run(siteBanner())));
    }

    @Test
    void onlyTheCampaignsAnAdvertisersChangePausesOrRemovesAreStoppedAhead() {
        List<AdvertiserConfig> advertisers = live.current().config().advertisers();
        AdvertiserConfig owner = CatalogueEdits.advertiser(advertisers, "adv-capped");
        assertEquals(List.of("capped"), CatalogueEdits.stoppedBy(advertisers, "adv-capped", null));
        assertEquals(List.of(), CatalogueEdits.stoppedBy(advertisers, "adv-capped", owner));
        assertEquals(List.of(), CatalogueEdits.stoppedBy(advertisers, "no-such-advertiser", null));
        CampaignConfig paused = CatalogueEdits.campaign(advertisers, "capped").withStatus("paused");
        assertEquals(List.of("capped"), CatalogueEdits.stoppedBy(advertisers, "adv-capped",
                owner.withCampaigns(List.of(paused))));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aRemovedCampaignKeepsItsSlotAndItsSpendWhenItReturns() {
        Campaign capped = live.current().byId("capped");
        ledger.charge("r1", "1", NOW, capped, 2 * MICROS, NOW);
        CampaignConfig config = CatalogueEdits.campaign(live.current().config().advertisers(), "capped");
        live.change("test", "DELETE campaigns[id=capped]",
                advertisers -> CatalogueEdits.deleteCampaign(advertisers, "capped"));
        assertEquals(null, live.current().byId("capped"));
        assertEquals(capped.slot(), live.current().known("capped").slot());
        CampaignCatalog back = live.change("test", "PUT campaigns[id=capped]",
                advertisers -> CatalogueEdits.putCampaign(advertisers, "capped", config, "adv-capped"));
        assertEquals(capped.slot(), back.byId("capped").slot());
        assertEquals(2 * MICROS, ledger.spentTotalMicros(back.byId("capped")));
    }

    @Test
    void aNewCampaignTakesANewSlotAndStartsFromItsStoredSpend() {
        CampaignConfig template = CatalogueEdits.campaign(live.current().config().advertisers(), "low");
        CampaignCatalog next = live.change("test", "PUT campaigns[id=fresh]",
                advertisers -> CatalogueEdits.putCampaign(advertisers, "fresh", template.withId("fresh")
                        .withBid(new Money(5.0, null)), "adv-low"));
        Campaign fresh = next.byId("fresh");
        assertEquals(3, fresh.slot());
        assertEquals(0, ledger.spentTotalMicros(fresh));
        Auction auction = new Auction(next.config(), next, ledger, FrequencyView.NONE);
        assertEquals("fresh", Auction.winningCampaign(auction.run(siteBanner())));
    }

    @Test
    void anInvalidChangeNamesTheKeyPathByIdAndChangesNothing() {
        CampaignCatalog before = live.current();
        ConfigException e = assertThrows(ConfigException.class,
                () -> patch("other", "{\"bid\": {\"amount\": -1}}"));
        assertEquals("advertisers[id=adv-other].campaigns[id=other].bid.amount", e.keyPath());
        assertSame(before, live.current());
        assertEquals(1, live.refused());
        assertEquals(0, live.applied());
        assertThrows(CatalogueEdits.NotFoundException.class, () -> patch("nope", "{\"status\": \"paused\"}"));
        assertSame(before, live.current());
    }

    @Test
    void theAdminApisChangesOutliveARestartThroughTheOverlay() throws Exception {
        patch("low", "{\"bid\": {\"amount\": 9}, \"status\": \"paused\"}");
        assertTrue(Files.isRegularFile(dataDir.resolve(LiveCatalogue.OVERLAY_FILE)));
        MerlinConfig restarted = LiveCatalogue.withOverlay(config.withDataDir(dataDir.toString()));
        List<AdvertiserConfig> advertisers = restarted.advertisers();
        CampaignConfig low = CatalogueEdits.campaign(advertisers, "low");
        assertEquals(9.0, low.bid().amount());
        assertFalse(low.isActive());
        CampaignCatalog catalog = new CampaignCatalog(restarted);
        assertEquals(2, catalog.size()); // paused: compiled, not auctioned
        assertEquals("low", catalog.byId("low").id());
    }

    @Test
    void theOverlayHoldingTheReportTokensIsReadableByMerlinsAccountAlone() throws Exception {
        Path overlay = dataDir.resolve(LiveCatalogue.OVERLAY_FILE);
        Assumptions.assumeTrue(overlay.getFileSystem().supportedFileAttributeViews().contains("posix"),
                "not a POSIX file system: no permissions to check");
        patch("low", "{\"status\": \"paused\"}");
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(overlay));
        // an overlay left readable by an earlier version is made owner-only at the next start, and at the next change
        Files.setPosixFilePermissions(overlay, PosixFilePermissions.fromString("rw-r--r--"));
        LiveCatalogue.withOverlay(config.withDataDir(dataDir.toString()));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(overlay));
        Files.setPosixFilePermissions(overlay, PosixFilePermissions.fromString("rw-r--r--"));
        patch("low", "{\"status\": \"active\"}");
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(overlay));
        assertFalse(Files.exists(dataDir.resolve(LiveCatalogue.OVERLAY_FILE + ".tmp")), "no temporary file left");
    }

    @Test
    void anOverlayTheConfigNoLongerAcceptsStopsTheStartUpNamingTheFile() throws Exception {
        patch("low", "{\"bid\": {\"amount\": 9}}");
        String overlay = Files.readString(dataDir.resolve(LiveCatalogue.OVERLAY_FILE));
        Files.writeString(dataDir.resolve(LiveCatalogue.OVERLAY_FILE), overlay.replace("\"amount\":9.0",
                "\"amount\":-9.0"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> LiveCatalogue.withOverlay(config.withDataDir(dataDir.toString())));
        assertTrue(e.getMessage().contains(LiveCatalogue.OVERLAY_FILE), e.getMessage());
        assertTrue(e.keyPath().endsWith(".bid.amount"), e.keyPath());
    }
}
