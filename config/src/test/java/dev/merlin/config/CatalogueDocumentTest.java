package dev.merlin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The catalogue as the admin API reads and writes it: advertisers written as JSON read back equal, a campaign or
 * advertiser body is bound as its YAML item is (errors with the key path), and a PATCH changes only bid, budgets and
 * status.
 */
class CatalogueDocumentTest {

    private static final MerlinConfig DEMO = ConfigLoader.loadDefault();

    @Test
    void theDemoAdvertisersReadBackEqualFromTheirJson() {
        String json = ConfigLoader.writeAdvertisers(DEMO.advertisers());
        List<AdvertiserConfig> back = ConfigLoader.parseAdvertisers(json, "overlay");
        assertEquals(DEMO.advertisers(), back);
        assertEquals(DEMO.advertisers(), DEMO.withAdvertisers(DEMO.segments(), back).validate().advertisers());
    }

    @Test
    void aPatchChangesBidBudgetsAndStatusOnly() {
        CampaignConfig base = DEMO.advertisers().get(0).campaigns().get(0);
        CampaignConfig patched = ConfigLoader.patchCampaign(base,
                "{\"bid\": {\"amount\": 4}, \"totalBudget\": null, \"status\": \"paused\"}", "body");
        assertEquals(4.0, patched.bid().amount());
        assertNull(patched.totalBudget());
        assertFalse(patched.isActive());
        assertEquals(base.targeting(), patched.targeting());
        assertEquals(base.creatives(), patched.creatives());
        assertEquals(base.dailyBudget(), patched.dailyBudget());
        assertTrue(base.isActive(), "the base is unchanged");
    }

    @Test
    void aPatchOfAnotherKeyOrTheWrongShapeIsRefusedWithItsPath() {
        CampaignConfig base = DEMO.advertisers().get(0).campaigns().get(0);
        ConfigException other = assertThrows(ConfigException.class,
                () -> ConfigLoader.patchCampaign(base, "{\"targeting\": {}}", "body"));
        assertEquals("targeting", other.keyPath());
        ConfigException type = assertThrows(ConfigException.class,
                () -> ConfigLoader.patchCampaign(base, "{\"bid\": \"cheap\"}", "body"));
        assertEquals("bid", type.keyPath(), type.getMessage());
        ConfigException notObject = assertThrows(ConfigException.class,
                () -> ConfigLoader.patchCampaign(base, "[1]", "body"));
        assertEquals("", notObject.keyPath());
        ConfigException twice = assertThrows(ConfigException.class,
                () -> ConfigLoader.patchCampaign(base, "{\"status\": \"paused\", \"status\": \"active\"}", "body"));
        assertTrue(twice.getMessage().contains("status"), twice.getMessage());
    }

    @Test
    void aCampaignBodyIsBoundAsItsYamlItemIs() {
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> ConfigLoader.parseCampaign("{\"id\": \"c1\", \"bidd\": 1}", "body"));
        assertEquals("bidd", unknown.keyPath(), unknown.getMessage());
        ConfigException broken = assertThrows(ConfigException.class,
                () -> ConfigLoader.parseAdvertiser("{\"id\": ", "body"));
        assertTrue(broken.getMessage().contains("cannot parse body"), broken.getMessage());
        CampaignConfig campaign = ConfigLoader.parseCampaign("{\"bid\": {\"amount\": 2}}", "body");
        assertEquals("active", campaign.status());
        assertEquals("c9", campaign.withId("c9").id());
    }
}
