package dev.merlin.exchange.auction;

import static dev.merlin.exchange.auction.AuctionFixture.campaign;
import static dev.merlin.exchange.auction.AuctionFixture.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.merlin.config.MerlinConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable slots: after a restart every campaign id has the slot it had, whatever was added or removed meanwhile, so
 * what the stores keep per slot (frequency counts) stays with its campaign; and the first catalogue publishes itself
 * even when the slot 0 belongs to a campaign it no longer names.
 */
class CampaignSlotsTest {

    @Test
    void aRestartGivesEveryIdItsSlotWhateverWasAddedOrRemoved(@TempDir Path dir) {
        Path file = dir.resolve("campaign-slots.txt");
        MerlinConfig first = config(0.0, campaign("a").bid(3), campaign("b").bid(2), campaign("c").bid(1));
        CampaignCatalog before = new CampaignCatalog(first, CampaignSlots.durable(file, 3));
        assertEquals(1, before.byId("b").slot());
        assertEquals(2, before.byId("c").slot());

        MerlinConfig second = config(0.0, campaign("c").bid(1), campaign("x y%2Fz").bid(2));
        CampaignCatalog after = new CampaignCatalog(second, CampaignSlots.durable(file, 2));
        assertEquals(2, after.byId("c").slot(), "c is first in the new config and keeps slot 2");
        assertEquals(3, after.byId("x y%2Fz").slot(), "a new id takes the next slot, whatever its characters");
        assertSame(after.byId("c"), after.slots().get(2), "the first catalogue published itself");
        assertNull(after.slots().get(0), "a, gone from the config, has no compiled form");

        CampaignCatalog third = new CampaignCatalog(second, CampaignSlots.durable(file, 2));
        assertEquals(3, third.byId("x y%2Fz").slot(), "read back as it was written");
        assertEquals(4, third.slots().size(), "nothing assigned twice");
    }

    @Test
    void aFileListingAnIdTwiceIsRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("campaign-slots.txt");
        Files.writeString(file, "a\nb\na\n");
        assertThrows(IllegalStateException.class, () -> CampaignSlots.durable(file, 1));
    }
}
