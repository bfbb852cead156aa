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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
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
    void anAuctionOnTheOldCatalogueFinishesOnItWhileNewOnesUseTheNew() {
        CampaignCatalog old = live.current();
        Auction inFlight = new Auction(config, old, ledger, FrequencyView.NONE);
        CampaignCatalog next = patch("capped", "{\"status\": \"paused\"}");
        assertSame(next, live.current());
        assertEquals("capped", Auction.winningCampaign(inFlight.run(siteBanner())));
        Auction fresh = new Auction(next.config(), next, ledger, FrequencyView.NONE);
        assertEquals("other", Auction.winningCampaign(fresh.run(siteBanner())));
        // the paused campaign is still known for its notices, with its slot
        assertEquals(old.byId("capped").slot(), next.known("capped").slot());
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
