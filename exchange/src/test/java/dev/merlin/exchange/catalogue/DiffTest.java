package dev.merlin.exchange.catalogue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.ConfigLoader;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a CATALOGUE_CHANGE event says before and after: the named part, never a report token, bounded in size. */
class DiffTest {

    private static final List<AdvertiserConfig> DEMO = ConfigLoader.loadDefault().advertisers();

    @Test
    void aCampaignChangeLogsThatCampaign() {
        String json = Diff.of("PATCH campaigns[id=northwind-run-of-network]", DEMO);
        assertTrue(json.startsWith("{\"id\":\"northwind-run-of-network\""), json);
        assertEquals("null", Diff.of("DELETE campaigns[id=nobody]", DEMO));
    }

    @Test
    void anAdvertiserChangeLogsItWithoutItsReportToken() {
        String json = Diff.of("PUT advertisers[id=kaze-sportswear]", DEMO);
        assertTrue(json.contains("\"id\":\"kaze-sportswear\""), json);
        assertFalse(json.contains("demo-kaze-report-token"), json);
    }

    @Test
    void aReloadLogsCountsAndAnOversizedPartOnlyItsSize() {
        assertTrue(Diff.of("reload", DEMO).startsWith("{\"advertisers\":" + DEMO.size() + ",\"campaigns\":"));
        String big = Diff.of("PUT advertisers[id=kaze-sportswear]", DEMO);
        if (big.length() > Diff.MAX_LOGGED_CHARS) {
            assertEquals("{\"omittedChars\":" + big.length() + "}",
                    Diff.bounded("PUT advertisers[id=kaze-sportswear]", DEMO));
        } else {
            assertEquals(big, Diff.bounded("PUT advertisers[id=kaze-sportswear]", DEMO));
        }
        List<AdvertiserConfig> many = List.of(DEMO.get(0).withCampaigns(Collections.nCopies(40,
                DEMO.get(0).campaigns().get(0))));
        String bounded = Diff.bounded("PUT advertisers[id=" + DEMO.get(0).id() + "]", many);
        assertTrue(bounded.startsWith("{\"omittedChars\":"), bounded);
    }
}
