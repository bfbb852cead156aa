package dev.merlin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Campaign, tracking and privacy errors name the key path, the value and what is allowed. */
class CampaignConfigTest {

    private static final String CREATIVE = "      creatives:\n        - {id: cr1, format: banner, w: 300, h: 250,"
            + " markup: '<a/>', landingPage: 'https://lp.example'}\n";
    private static final String CAMPAIGN = "advertisers[0].campaigns[0].";

    /** A one-campaign config; an extra with its own bid replaces the default one (a key may appear once). */
    private static String config(String campaignExtra, String creatives, String rest) {
        String bid = campaignExtra.contains("bid:") ? "" : "      bid: {amount: 1.5, currency: USD}\n";
        return "segments:\n  - {id: 1, name: fans}\n"
                + "advertisers:\n  - id: a1\n    campaigns:\n"
                + "    - id: c1\n" + bid + campaignExtra + creatives + rest;
    }

    @Test
    void demoConfigIsValidAndBelievable() {
        MerlinConfig demo = ConfigLoader.loadDefault();
        assertTrue(demo.advertisers().size() >= 12, "a dozen advertisers");
        long eastAsia = demo.advertisers().stream().flatMap(a -> a.campaigns().stream())
                .filter(c -> c.targeting().countries().stream().anyMatch(
                        k -> k.equals("JPN") || k.equals("KOR") || k.equals("TWN") || k.equals("HKG")))
                .count();
        assertTrue(eastAsia >= 4, "several campaigns in Japan, Korea, Taiwan, Hong Kong: " + eastAsia);
        assertTrue(demo.tracking().segmentRules().size() >= 5);
    }

    @Test
    void aMinimalCampaignLoads() {
        MerlinConfig config = ConfigLoader.parse(config("", CREATIVE, ""), "test");
        CampaignConfig campaign = config.advertisers().get(0).campaigns().get(0);
        assertEquals("asap", campaign.pacing(), "no daily budget: asap");
        assertEquals(1_500_000L, campaign.bid().toMicros(config.exchange()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "unknown currency | '      bid: {amount: 1, currency: XYZ}\n'                   | bid.currency        | XYZ",
        "even, no daily | '      pacing: even\n' | pacing | dailyBudget",
        "unknown segment | '      targeting: {segments: {anyOf: [nobody]}}\n' | targeting.segments.anyOf | nobody",
        "end before start | '      start: 2026-12-01\n      end: 2026-11-01\n' | end | 2026-11-01",
        "bad date | '      start: tomorrow\n' | start | tomorrow",
        "negative budget  | '      dailyBudget: -5\n'                                   | dailyBudget         | -5",
        "bad pacing       | '      pacing: fast\n'                                      | pacing              | asap",
        "absurd daily     | '      dailyBudget: 1e300\n'                  | dailyBudget            | 1000000000",
        "absurd total     | '      totalBudget: 1e10\n'                   | totalBudget            | 1000000000",
        "infinite total   | '      totalBudget: Infinity\n'               | totalBudget            | Infinity",
        "NaN daily        | '      dailyBudget: NaN\n'                    | dailyBudget            | NaN",
        "empty country    | '      targeting: {countries: [JPN, ~]}\n'    | targeting.countries[1] | empty",
        "lower-case country | '      targeting: {countries: [JPN, us]}\n' | targeting.countries[1] | us",
        "alpha-2 country  | '      targeting: {countries: [US]}\n'        | targeting.countries[0] | alpha-3",
        "empty segment    | '      targeting: {segments: {anyOf: [~]}}\n' | targeting.segments.anyOf[0] | empty",
        "empty deny       | '      targeting: {domains: {deny: [~]}}\n'   | targeting.domains.deny[0] | empty",
        "bad status       | '      status: stopped\n'                    | status                 | paused",
    })
    void campaignErrorsNameThePath(String name, String extra, String keyPath, String mentioned) {
        String yaml = config(extra.replace("\\n", "\n"), CREATIVE, "");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "test"));
        assertEquals(CAMPAIGN + keyPath, e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains(mentioned), e.getMessage());
    }

    @Test
    void anEmptyCreativeOrAttributeIsRefused() {
        ConfigException empty = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(config("", "      creatives: [~]\n", ""), "test"));
        assertEquals(CAMPAIGN + "creatives[0]", empty.keyPath(), empty.getMessage());
        String creatives = "      creatives:\n        - {id: cr1, format: banner, w: 300, h: 250, markup: '<a/>',"
                + " landingPage: 'https://x', attr: [~]}\n";
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(config("", creatives, ""), "test"));
        assertEquals(CAMPAIGN + "creatives[0].attr[0]", e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains("value is empty; expected an integer"), e.getMessage());
    }

    @Test
    void aFractionalBannerWidthIsRefusedNotTruncated() {
        String creatives = "      creatives:\n        - {id: cr1, format: banner, w: 300.5, h: 250, markup: '<a/>',"
                + " landingPage: 'https://x'}\n";
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(config("", creatives, ""), "test"));
        assertEquals(CAMPAIGN + "creatives[0].w", e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains("value 300.5 is not allowed; expected an integer"), e.getMessage());
    }

    /** The binder read markup: *m as the markup "m"; an alias is refused where it stands. */
    @Test
    void aMarkupAliasIsRefusedNotReplacedByItsAnchorName() {
        String creatives = "      creatives:\n"
                + "        - {id: cr1, format: banner, w: 300, h: 250,"
                + " markup: &m '<img src=\"https://cdn.example/a.png\">', landingPage: 'https://x'}\n"
                + "        - {id: cr2, format: banner, w: 728, h: 90, markup: *m, landingPage: 'https://x'}\n";
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(config("", creatives, ""), "test"));
        assertEquals(CAMPAIGN + "creatives[1].markup", e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains("alias *m"), e.getMessage());
    }

    @Test
    void aBannerWithoutSizeIsRefused() {
        String creatives = "      creatives:\n"
                + "        - {id: cr1, format: banner, markup: '<a/>', landingPage: 'https://x'}\n";
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(config("", creatives, ""), "test"));
        assertEquals("advertisers[0].campaigns[0].creatives[0].w", e.keyPath());
    }

    @Test
    void trackingRefersToKnownAdvertisersAndSegments() {
        ConfigException pixel = assertThrows(ConfigException.class, () -> ConfigLoader.parse(config("", CREATIVE,
                "tracking:\n  pixels:\n    - {id: px1, advertiser: nobody}\n"), "test"));
        assertEquals("tracking.pixels[0].advertiser", pixel.keyPath());
        assertTrue(pixel.getMessage().contains("a1"), pixel.getMessage());
        ConfigException rule = assertThrows(ConfigException.class, () -> ConfigLoader.parse(config("", CREATIVE,
                "tracking:\n  segmentRules:\n    - {id: r1, events: [video_watch], segment: strangers}\n"), "test"));
        assertEquals("tracking.segmentRules[0].segment", rule.keyPath());
    }

    @Test
    void privacyCountriesAreAlpha3() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                "privacy:\n  personalizationCountries: [JP]\n", "test"));
        assertEquals("privacy.personalizationCountries[0]", e.keyPath());
    }

    @Test
    void duplicateCampaignIdsAreRefused() {
        String yaml = "advertisers:\n"
                + "  - id: a1\n    campaigns:\n    - id: c1\n      bid: {amount: 1}\n" + CREATIVE
                + "  - id: a2\n    campaigns:\n    - id: c1\n      bid: {amount: 1}\n" + CREATIVE;
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "test"));
        assertEquals("advertisers[1].campaigns[0].id", e.keyPath());
    }

    /** Micros are longs: 1e300 used to saturate at Long.MAX_VALUE, which reads as "no budget" downstream. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "absurd bid            | 1e300      | USD | 1.0E300 is not allowed; expected a number from 0 to 1000000000",
        "NaN bid               | NaN        | USD | NaN is not allowed; expected a number from 0 to 1000000000",
        "above the bound       | 1000000001 | USD | 1.000000001E9 is not allowed",
        "bound after the rate  | 400000000  | KWD | 400000000 KWD is 1300000000 USD; expected at most 1000000000 USD",
    })
    void bidsAreBoundedInTheirCurrencyAndInTheExchangeCurrency(String name, String amount, String currency,
                                                               String message) {
        String yaml = "exchange: {currencyRates: {KWD: 3.25}}\n"
                + "advertisers:\n  - id: a1\n    campaigns:\n"
                + "    - id: c1\n      bid: {amount: " + amount + ", currency: " + currency + "}\n" + CREATIVE;
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "test"));
        assertEquals(CAMPAIGN + "bid.amount", e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void theLargestBidAndBudgetsLoadWithoutSaturatingMicros() {
        MerlinConfig config = ConfigLoader.parse("advertisers:\n  - id: a1\n    campaigns:\n"
                + "    - id: c1\n      bid: {amount: 1000000000}\n"
                + "      dailyBudget: 1000000000\n      totalBudget: 1000000000\n" + CREATIVE, "test");
        CampaignConfig campaign = config.advertisers().get(0).campaigns().get(0);
        assertEquals(1_000_000_000_000_000L, campaign.bid().toMicros(config.exchange()));
        assertEquals(Money.MAX_AMOUNT, campaign.dailyBudget());
    }

    private static String twoAdvertisers(String firstId, String firstExtra, String secondId, String secondExtra,
                                         String rest) {
        return "advertisers:\n"
                + "  - id: " + firstId + "\n" + firstExtra + "    campaigns:\n    - id: c1\n      bid: {amount: 1}\n"
                + CREATIVE
                + "  - id: " + secondId + "\n" + secondExtra + "    campaigns:\n    - id: c2\n      bid: {amount: 1}\n"
                + CREATIVE + rest;
    }

    @Test
    void duplicateAdvertiserIdsAreRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(twoAdvertisers("a1", "", "a1", "", ""), "test"));
        assertEquals("advertisers[1].id", e.keyPath());
        assertTrue(e.getMessage().contains("a1") && e.getMessage().contains("advertisers[0]"), e.getMessage());
    }

    /** A report token opens reports: shared with the admin, another advertiser or an app, it opens too much. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "same as the admin token  | 'admin-token-0123456789' | ''                        | ''                       "
                + "| advertisers[0].reportToken | tracking.adminToken",
        "two advertisers share it | 'shared-token-0123456789'| 'shared-token-0123456789' | ''                       "
                + "| advertisers[1].reportToken | advertisers[0].reportToken",
        "same as an app's API key | ''                       | 'app-key-0123456789abc'   | ''                       "
                + "| advertisers[1].reportToken | tracking.eventSources[0].apiKey",
        "admin token is an API key| ''                       | ''                        | 'app-key-0123456789abc'  "
                + "| tracking.eventSources[0].apiKey | tracking.adminToken",
    })
    void aTokenOpensOneThingOnly(String name, String firstToken, String secondToken, String adminToken,
                                 String keyPath, String other) {
        String admin = adminToken.isEmpty() ? "admin-token-0123456789" : adminToken;
        String yaml = twoAdvertisers("a1", firstToken.isEmpty() ? "" : "    reportToken: " + firstToken + "\n",
                "a2", secondToken.isEmpty() ? "" : "    reportToken: " + secondToken + "\n",
                "tracking:\n  adminToken: " + admin + "\n"
                        + "  eventSources:\n    - {id: app, apiKey: app-key-0123456789abc, advertiser: a2}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "test"));
        assertEquals(keyPath, e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains(other), e.getMessage());
        assertTrue(!e.getMessage().contains("0123456789"), "a token stays out of the message: " + e.getMessage());
    }

    /** A bearer token longer than any Merlin accepts is refused unread, so none may be configured. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "a report token | report | advertisers[0].reportToken",
        "the admin token | admin | tracking.adminToken",
        "an app's API key | app | tracking.eventSources[0].apiKey",
    })
    void aTokenLongerThan256CharactersIsRefused(String name, String which, String keyPath) {
        String tooLong = "t".repeat(TrackingConfig.MAX_TOKEN_CHARS + 1);
        // the other tokens are as long as allowed, and load
        String report = "report".equals(which) ? tooLong : "r".repeat(TrackingConfig.MAX_TOKEN_CHARS);
        String admin = "admin".equals(which) ? tooLong : "admin-token-0123456789";
        String app = "app".equals(which) ? tooLong : "a".repeat(TrackingConfig.MAX_TOKEN_CHARS);
        String yaml = twoAdvertisers("a1", "    reportToken: " + report + "\n", "a2", "",
                "tracking:\n  adminToken: " + admin + "\n"
                        + "  eventSources:\n    - {id: app, apiKey: " + app + ", advertiser: a2}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "test"));
        assertEquals(keyPath, e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains("longer than 256"), e.getMessage());
    }

    @Test
    void distinctTokensLoad() {
        MerlinConfig config = ConfigLoader.parse(twoAdvertisers("a1", "    reportToken: a1-token-0123456789\n",
                "a2", "    reportToken: a2-token-0123456789\n", "tracking:\n  adminToken: admin-token-0123456789\n"),
                "test");
        assertEquals("a2-token-0123456789", config.advertisers().get(1).reportToken());
    }
}
