package dev.merlin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.RecordComponent;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DspConfigTest {

    private static final String SELLERS = """
            sellers:
              - {id: ssp-1, name: SSP One, domain: ssp-one.com, type: INTERMEDIARY, tokens: [ssp-one-token-01]}
            exchange:
              currencyRates: {EUR: 1.08, JPY: 0.0067}
            regions:
              EEA: [DEU, FRA]
            """;

    private static final String KEYS = "encryptionKey: sIxwz7yw62yrfoLGt12lIHKuYrK_S5kLuApI2BQe7Ac=,"
            + " integrityKey: v3fsVcMBMMHYzRhi7SpM0sdqwzvAxM6KPTu9OtVod5I=";

    @Test
    void aDspBindsWithItsDefaults() {
        MerlinConfig config = twoDsps();
        DspConfig tokyo = config.dsps().get(0);
        assertEquals("2.6", tokyo.openrtb());
        assertEquals(List.of("USD"), tokyo.currencies(), "no currencies: the exchange's");
        assertTrue(tokyo.enabled());
        assertFalse(tokyo.gzip());
        assertEquals(1.0, tokyo.bidAdjustment());
        assertEquals(20, tokyo.health().breakerFailures());
        assertTrue(tokyo.traffic().countries().isEmpty());
        DspConfig berlin = config.dsps().get(1);
        assertTrue(berlin.isTls());
        assertEquals("EUR", berlin.floorCurrency());
        assertEquals(32, berlin.priceKeys().encryptionKeyBytes().length);
        assertEquals(5, berlin.health().breakerFailures());
        assertFalse(berlin.enabled());
        assertEquals("https://bid.berlin.example/gdpr/delete", berlin.deletionEndpoint());
        assertEquals(null, tokyo.deletionEndpoint(), "no deletion endpoint: the DSP is not told of erasures");
        assertEquals(1, tokyo.pipelining(), "one request per connection at a time unless the DSP says more");
        assertEquals(8, berlin.pipelining());
        assertEquals(8, berlin.withEndpoint("http://127.0.0.1:1/").pipelining(), "copies keep it");
        assertFalse(config.toString().contains("sIxwz7yw62"), "a logged config never shows a price key");
    }

    /** Tokyo with every default, Berlin with every value set. */
    private static MerlinConfig twoDsps() {
        return ConfigLoader.parse(SELLERS + """
            dsps:
              - {id: tokyo, name: Tokyo DSP, endpoint: 'http://127.0.0.1:9101/bid', region: JPN}
              - id: berlin
                name: Berlin DSP
                endpoint: https://bid.berlin.example/openrtb
                region: EEA
                seats: [seat-1]
                openrtb: "2.5"
                gzip: true
                maxQps: 50
                timeoutMs: 120
                connectTimeoutMs: 250
                maxInFlight: 32
                traffic: {countries: [DEU], mediaTypes: [banner], channels: [site], sellers: [ssp-1]}
                bidAdjustment: 0.9
                currencies: [EUR, USD]
                enabled: false
                priceKeys: {%s}
                health: {breakerFailures: 5}
                deletionEndpoint: https://bid.berlin.example/gdpr/delete
                privacy: {tcfVendorId: 77}
                usersync: {url: 'https://bid.berlin.example/sync?r={{redirect_url}}', type: iframe}
                pipelining: 8
            """.formatted(KEYS), "test");
    }

    @Test
    void aBuilderCopiesEveryValueAndItsUnsetValuesAreTheFilesDefaults() throws Exception {
        MerlinConfig config = twoDsps();
        DspConfig tokyo = config.dsps().get(0);
        DspConfig berlin = config.dsps().get(1);
        for (RecordComponent component : DspConfig.class.getRecordComponents()) {
            Object value = component.getAccessor().invoke(berlin);
            Object byDefault = component.getAccessor().invoke(tokyo);
            assertNotEquals(byDefault, value, component.getName() + ": the fixture sets every value");
        }
        assertEquals(berlin, berlin.toBuilder().build(), "a copy keeps every value");
        DspConfig moved = berlin.toBuilder().endpoint("http://127.0.0.1:1/").region("DEU").build();
        assertEquals("http://127.0.0.1:1/", moved.endpoint());
        assertEquals("DEU", moved.region());
        assertEquals(berlin, moved.toBuilder().endpoint(berlin.endpoint()).region(berlin.region()).build(),
                "nothing else changed");
        DspConfig built = DspConfig.builder().id("tokyo").name("Tokyo DSP").endpoint("http://127.0.0.1:9101/bid")
                .region("JPN").build().withDefaultCurrency("USD");
        assertEquals(tokyo, built, "what a builder leaves unset takes the default a file leaves unset takes");
        assertEquals(tokyo, DspConfig.of("tokyo", "Tokyo DSP", "http://127.0.0.1:9101/bid", "JPN")
                .withDefaultCurrency("USD"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{id: Tokyo, name: T, endpoint: 'http://a.example/', region: JPN}|dsps[0].id|expected 1-32",
        "{id: t, endpoint: 'http://a.example/', region: JPN}|dsps[0].name|missing",
        "{id: t, name: T, endpoint: 'ftp://a.example/', region: JPN}|dsps[0].endpoint|http:// or https://",
        "{id: t, name: T, endpoint: 'http://u:p@a.example/', region: JPN}|dsps[0].endpoint|user info",
        "{id: t, name: T, endpoint: 'not a url', region: JPN}|dsps[0].endpoint|not a URL",
        "{id: t, name: T, endpoint: 'http://a.example/', region: Japan}|dsps[0].region|alpha-3",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, openrtb: '3.0'}|dsps[0].openrtb|one of",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, maxQps: -1}|dsps[0].maxQps|0 to",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, timeoutMs: 0}|dsps[0].timeoutMs|1 to",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, pipelining: 0}|dsps[0].pipelining|1 to 64",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, usersync: {url: 'https://a.example/sync'}}"
                + "|dsps[0].usersync.url|no {{redirect_url}}",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, pipelining: 65}|dsps[0].pipelining|1 to 64",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, bidAdjustment: 0}|dsps[0].bidAdjustment|above 0",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, bidAdjustment: 11}|dsps[0].bidAdjustment|most 1 ",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, bidAdjustment: 1.01}|dsps[0].bidAdjustment|more"
            + " than the DSP pays",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, currencies: [KRW]}|dsps[0].currencies[0]|no rate",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, currencies: [EUR, EUR]}"
                + "|dsps[0].currencies[1]|twice",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, traffic: {mediaTypes: [popup]}}"
                + "|dsps[0].traffic.mediaTypes[0]|one of",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, traffic: {channels: [dooh]}}"
                + "|dsps[0].traffic.channels[0]|one of",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, traffic: {sellers: [nobody]}}"
                + "|dsps[0].traffic.sellers[0]|not configured",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, traffic: {countries: [jp]}}"
                + "|dsps[0].traffic.countries[0]|alpha-3",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, priceKeys: {encryptionKey: abc,"
                + " integrityKey: abc}}|dsps[0].priceKeys.encryptionKey|bytes",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, priceKeys: {encryptionKey: '***',"
                + " integrityKey: abc}}|dsps[0].priceKeys.encryptionKey|base64",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, health: {breakerErrorRate: 2}}"
                + "|dsps[0].health.breakerErrorRate|0.01 to 1",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, deletionEndpoint: 'ftp://a.example/x'}"
                + "|dsps[0].deletionEndpoint|http:// or https://",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, deletionEndpoint: 'http://u:p@a.example/'}"
                + "|dsps[0].deletionEndpoint|user info",
        "{id: t, name: T, endpoint: 'http://a.example/', region: JPN, deletionEndpoint: ' '}"
                + "|dsps[0].deletionEndpoint|missing",
    })
    void aBadDspNamesItsKeyPath(String dsp, String keyPath, String says) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(SELLERS + "dsps:\n  - " + dsp + "\n", "test"));
        assertEquals(keyPath, e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains(says), e.getMessage());
    }

    @Test
    void aSeatBelongsToOneDsp() {
        ConfigException shared = assertThrows(ConfigException.class, () -> ConfigLoader.parse(SELLERS + """
                dsps:
                  - {id: a, name: A, endpoint: 'http://a.example/', region: JPN, seats: [buyer-1, buyer-2]}
                  - {id: b, name: B, endpoint: 'http://b.example/', region: JPN, seats: [buyer-3, buyer-2]}
                """, "test"));
        assertEquals("dsps[1].seats[1]", shared.keyPath());
        assertTrue(shared.getMessage().contains("dsps[0] lists it already"), shared.getMessage());
    }

    @Test
    void dspIdsAreUniqueAndAnUnknownKeyIsRefused() {
        ConfigException twice = assertThrows(ConfigException.class, () -> ConfigLoader.parse(SELLERS + """
                dsps:
                  - {id: a, name: A, endpoint: 'http://a.example/', region: JPN}
                  - {id: a, name: B, endpoint: 'http://b.example/', region: JPN}
                """, "test"));
        assertEquals("dsps[1].id", twice.keyPath());
        ConfigException unknown = assertThrows(ConfigException.class, () -> ConfigLoader.parse(SELLERS + """
                dsps:
                  - {id: a, name: A, endpoint: 'http://a.example/', region: JPN, timeout: 100}
                """, "test"));
        assertTrue(unknown.getMessage().contains("timeout"), unknown.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "regions: {EEA: []}|regions.EEA|empty",
        "regions: {EEA: [de]}|regions.EEA[0]|alpha-3",
        "regions: {'9x': [DEU]}|regions.9x|starting with a letter",
        "auction: {defaultTmaxMs: 5000}|auction.defaultTmaxMs|20 to 1000",
        "auction: {responseMarginMs: 20}|auction.responseMarginMs|0 to 19",
        "auction: {schainDomain: 'https://merlin.example'}|auction.schainDomain|lower-case domain",
    })
    void badRegionsAndAuctionTimesNameTheirKeyPath(String yaml, String keyPath, String says) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml + "\n", "test"));
        assertEquals(keyPath, e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains(says), e.getMessage());
    }

    @Test
    void theRequestsTmaxIsDefaultedAndClamped() {
        AuctionConfig auction = ConfigLoader.parse("auction: {defaultTmaxMs: 150, minTmaxMs: 30, maxTmaxMs: 800}\n",
                "test").auction();
        assertEquals(150, auction.effectiveTmaxMs(null));
        assertEquals(150, auction.effectiveTmaxMs(0));
        assertEquals(150, auction.effectiveTmaxMs(-5));
        assertEquals(30, auction.effectiveTmaxMs(1));
        assertEquals(120, auction.effectiveTmaxMs(120));
        assertEquals(800, auction.effectiveTmaxMs(1_000_000));
    }

    @Test
    void residencyAndADspsPrivacyBind() {
        MerlinConfig config = ConfigLoader.parse(SELLERS + """
                privacy:
                  minSegmentUsers: 100
                  residency:
                    - {users: [EEA], dspRegions: [EEA, CHE]}
                    - {users: ['*'], dspRegions: [EEA, USA]}
                dsps:
                  - id: virginia
                    name: Virginia DSP
                    endpoint: 'http://127.0.0.1:9101/bid'
                    region: USA
                    privacy:
                      onDisallowed: skip
                      tcfVendorId: 755
                      transmitEids:
                        rules: [{allow: false, gppSid: [8]}, {allow: true, countries: [USA]}]
                      fetchBids: {allow: false}
                  - {id: tokyo, name: Tokyo DSP, endpoint: 'http://127.0.0.1:9102/bid', region: JPN}
                """, "test");
        assertEquals(100, config.privacy().minSegmentUsers());
        assertEquals(List.of("EEA", "CHE"), config.privacy().residency().get(0).dspRegions());
        DspPrivacy virginia = config.dsps().get(0).privacy();
        assertTrue(virginia.skipsWhenDisallowed());
        assertEquals(755, virginia.tcfVendorId());
        assertEquals(List.of(8), virginia.transmitEids().rules().get(0).gppSid());
        assertFalse(virginia.fetchBids().allow());
        assertTrue(virginia.transmitUfpd().allow(), "an activity left out is allowed");
        DspPrivacy tokyo = config.dsps().get(1).privacy();
        assertFalse(tokyo.skipsWhenDisallowed(), "contextual by default");
        assertEquals(null, tokyo.tcfVendorId());
        assertEquals(50, ConfigLoader.parse(SELLERS, "test").privacy().minSegmentUsers());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "privacy: {onDisallowed: drop}|dsps[0].privacy.onDisallowed|one of",
        "privacy: {tcfVendorId: 0}|dsps[0].privacy.tcfVendorId|1 to",
        "privacy: {fetchBids: {rules: [{countries: [DEU]}]}}|dsps[0].privacy.fetchBids.rules[0].allow|missing",
        "privacy: {transmitEids: {rules: [{allow: false, countries: [Germany]}]}}"
                + "|dsps[0].privacy.transmitEids.rules[0].countries[0]|alpha-3",
        "privacy: {transmitUfpd: {rules: [{allow: false, gppSid: [99]}]}}"
                + "|dsps[0].privacy.transmitUfpd.rules[0].gppSid[0]|1 to 64",
    })
    void aBadDspPrivacyNamesItsKeyPath(String privacy, String keyPath, String says) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(SELLERS
                + "dsps:\n  - {id: t, name: T, endpoint: 'http://a.example/', region: JPN, " + privacy + "}\n",
                "test"));
        assertEquals(keyPath, e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains(says), e.getMessage());
    }

    @Test
    void theHoldoutBindsWithGroupsAndDefaultsToNobody() {
        MerlinConfig config = ConfigLoader.parse(SELLERS + """
                privacy:
                  holdout: {share: 0.05, countries: [EEA, KOR]}
                """, "test");
        assertEquals(0.05, config.privacy().holdout().share());
        assertEquals(List.of("EEA", "KOR"), config.privacy().holdout().countries());
        HoldoutConfig none = ConfigLoader.parse(SELLERS, "test").privacy().holdout();
        assertEquals(0.0, none.share());
        assertEquals(List.of(), none.countries());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "privacy: {residency: [{users: [], dspRegions: [JPN]}]}|privacy.residency[0].users|empty",
        "privacy: {residency: [{users: [Europe], dspRegions: [JPN]}]}|privacy.residency[0].users[0]|alpha-3",
        "privacy: {residency: [{users: [JPN], dspRegions: [Mars]}]}|privacy.residency[0].dspRegions[0]|alpha-3",
        "privacy: {minSegmentUsers: 0}|privacy.minSegmentUsers|1 to",
        "privacy: {holdout: {share: 1.5}}|privacy.holdout.share|0 to 1",
        "privacy: {holdout: {share: -0.1}}|privacy.holdout.share|0 to 1",
        "privacy: {holdout: {share: 0.1, countries: [Korea]}}|privacy.holdout.countries[0]|alpha-3",
    })
    void badResidencyNamesItsKeyPath(String yaml, String keyPath, String says) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml + "\n", "test"));
        assertEquals(keyPath, e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains(says), e.getMessage());
    }
}
