package dev.merlin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A campaign's deals name the configured sellers they were agreed with: a deal id is the seller's own name for the
 * deal, so one bound to no seller, or to a seller the config does not have, is refused naming the key path.
 */
class DealConfigTest {

    private static final String TARGETING = "advertisers[0].campaigns[0].targeting.";

    /** Two sellers and one deal campaign whose targeting is {@code targeting} (a YAML flow map). */
    private static String config(String targeting) {
        return "sellers:\n"
                + "  - {id: ssp-one, name: SSP One, domain: ssp-one.example, type: INTERMEDIARY,"
                + " tokens: [ssp-one-token-0001]}\n"
                + "  - {id: news-direct, name: News, domain: news.example, type: PUBLISHER,"
                + " tokens: [news-direct-token-01]}\n"
                + "advertisers:\n  - id: agency\n    seat: Agency1\n    campaigns:\n"
                + "    - id: deal-campaign\n      bid: {amount: 5, currency: USD}\n"
                + "      targeting: " + targeting + "\n"
                + "      creatives:\n        - {id: cr1, format: banner, w: 300, h: 250, markup: '<a/>',"
                + " landingPage: 'https://lp.example'}\n";
    }

    @Test
    void aDealLoadsWithTheSellersItWasAgreedWith() {
        MerlinConfig config = ConfigLoader.parse(config("{deals: [{id: AB-1, sellers: [ssp-one, news-direct]},"
                + " {id: AB-2, sellers: [news-direct]}]}"), "test");
        List<DealConfig> deals = config.advertisers().get(0).campaigns().get(0).targeting().deals();
        assertEquals(List.of(new DealConfig("AB-1", List.of("ssp-one", "news-direct")),
                new DealConfig("AB-2", List.of("news-direct"))), deals);
    }

    @Test
    void theDemoDealIsDemoSspsOnly() {
        MerlinConfig demo = ConfigLoader.loadDefault();
        DealConfig deal = demo.advertisers().stream().flatMap(a -> a.campaigns().stream())
                .filter(c -> c.id().equals("agency-one-foobar-deal")).findFirst().orElseThrow()
                .targeting().deals().get(0);
        assertEquals(new DealConfig("AB-Agency1-0001", List.of("demo-ssp")), deal);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "unknown seller | {deals: [{id: AB-1, sellers: [ssp-one, ssp-nobody]}]} | deals[0].sellers[1] | ssp-nobody",
        "no sellers     | {deals: [{id: AB-1}]}                                | deals[0].sellers    | AB-1",
        "empty sellers  | {deals: [{id: AB-1, sellers: []}]}                   | deals[0].sellers    | AB-1",
        "no id          | {deals: [{sellers: [ssp-one]}]}                      | deals[0].id         | missing",
        "repeated id    | '{deals: [{id: AB-1, sellers: [ssp-one]}, {id: AB-1, sellers: [news-direct]}]}'"
            + "                                                                | deals[1].id         | deals[0]",
        "bare id        | {deals: [AB-1]}                                      | deals[0]            | expected",
        "old dealIds    | {dealIds: [AB-1]}                                    | dealIds             | deals",
    })
    void aDealBoundToNoConfiguredSellerIsRefusedNamingThePath(String name, String targeting, String keyPath,
                                                              String mentioned) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(config(targeting), "test"));
        assertEquals(TARGETING + keyPath, e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains(mentioned), e.getMessage());
    }

    @Test
    void anUnknownSellerErrorListsTheConfiguredOnes() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                config("{deals: [{id: AB-1, sellers: [harbour-news]}]}"), "test"));
        assertTrue(e.getMessage().contains("[news-direct, ssp-one]"), e.getMessage());
    }
}
