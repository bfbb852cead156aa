package dev.merlin.exchange.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ActivityControl;
import dev.merlin.config.ActivityRule;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.DspConfig;
import dev.merlin.config.DspPrivacy;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.PrivacyConfig;
import dev.merlin.config.ResidencyRule;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.Regs;
import dev.merlin.protocol.model.User;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The outbound rules per DSP: residency by the user's region (groups, {@code *}, own country, unknown region),
 * activity controls with country and GPP conditions, the DSP's own TCF vendor consent and Special Feature 1.
 */
class OutboundRulesTest {

    private static final List<String> EEA = List.of("DEU", "FRA", "IRL", "NLD");

    private static DspConfig dsp(String id, String region, DspPrivacy privacy) {
        return DspConfig.builder().id(id).name(id).endpoint("http://127.0.0.1:9/bid").region(region).privacy(privacy)
                .build();
    }

    private static MerlinConfig config(List<ResidencyRule> residency, DspConfig... dsps) {
        MerlinConfig base = ConfigLoader.loadDefault();
        PrivacyConfig privacy = PrivacyConfig.builder().residency(residency).build();
        return base.toBuilder().regions(Map.of("EEA", EEA)).privacy(privacy).dsps(List.of(dsps)).build()
                .validate();
    }

    private static BidRequest request(String country) {
        BidRequest request = new BidRequest();
        request.device = new Device();
        request.device.geo = new Geo();
        request.device.geo.country = country;
        return request;
    }

    private static final List<ResidencyRule> EEA_STAYS = List.of(
            new ResidencyRule(List.of("EEA"), List.of("EEA", "CHE")),
            new ResidencyRule(List.of("*"), List.of("EEA", "USA", "JPN")));

    @Test
    void anEeaUsersDataGoesToDspsInTheEeaAndNotAbroad() {
        OutboundRules rules = new OutboundRules(config(EEA_STAYS, dsp("frankfurt", "DEU", null),
                dsp("virginia", "USA", null), dsp("eu-wide", "EEA", null), dsp("zurich", "CHE", null)));
        BidRequest german = request("DEU");
        assertSame(OutboundPolicy.FULL, rules.policy(PrivacyDecision.ALLOWED, german, 0));
        assertSame(OutboundPolicy.CONTEXTUAL, rules.policy(PrivacyDecision.ALLOWED, german, 1), "abroad: contextual");
        assertSame(OutboundPolicy.FULL, rules.policy(PrivacyDecision.ALLOWED, german, 2), "a group inside the EEA");
        assertSame(OutboundPolicy.FULL, rules.policy(PrivacyDecision.ALLOWED, german, 3), "a listed country");
        BidRequest japanese = request("JPN");
        assertSame(OutboundPolicy.FULL, rules.policy(PrivacyDecision.ALLOWED, japanese, 1), "the * rule");
        assertSame(OutboundPolicy.CONTEXTUAL, rules.policy(PrivacyDecision.ALLOWED, japanese, 3),
                "CHE is not in the * rule");
    }

    @Test
    void anUnknownRegionSendsPersonalDataNowhereAndAnUnnamedCountryOnlyAtHome() {
        List<ResidencyRule> eeaOnly = List.of(new ResidencyRule(List.of("EEA"), List.of("EEA")));
        OutboundRules rules = new OutboundRules(config(eeaOnly, dsp("frankfurt", "DEU", null),
                dsp("tokyo", "JPN", null)));
        assertSame(OutboundPolicy.CONTEXTUAL, rules.policy(PrivacyDecision.ALLOWED, request(null), 0));
        assertSame(OutboundPolicy.CONTEXTUAL, rules.policy(PrivacyDecision.ALLOWED, request("xx1"), 0),
                "a malformed country is unknown");
        assertSame(OutboundPolicy.FULL, rules.policy(PrivacyDecision.ALLOWED, request("JPN"), 1), "at home");
        assertSame(OutboundPolicy.CONTEXTUAL, rules.policy(PrivacyDecision.ALLOWED, request("JPN"), 0));
        assertSame(OutboundPolicy.CONTEXTUAL, rules.policy(PrivacyDecision.ALLOWED, request("USA"), 1),
                "named by no rule, not at home");
    }

    @Test
    void withoutResidencyRulesOnlyConsentDecides() {
        OutboundRules rules = new OutboundRules(config(List.of(), dsp("virginia", "USA", null)));
        assertSame(OutboundPolicy.FULL, rules.policy(PrivacyDecision.ALLOWED, request(null), 0));
        assertSame(OutboundPolicy.CONTEXTUAL,
                rules.policy(PrivacyDecision.refused(RefusalReason.COPPA), request("USA"), 0));
    }

    @Test
    void aDspAskingToBeSkippedIsNotCalledWhenItsRegionMayNotHaveTheDataButIsWhenNothingPersonalWouldGo() {
        DspPrivacy skip = new DspPrivacy("skip", null, null, null, null, null, null);
        OutboundRules rules = new OutboundRules(config(EEA_STAYS, dsp("virginia", "USA", skip)));
        assertEquals(OutboundRules.SKIP_RESIDENCY, rules.verdict(PrivacyDecision.ALLOWED, request("FRA"), 0));
        assertEquals(OutboundRules.CALL,
                rules.verdict(PrivacyDecision.refused(RefusalReason.GDPR_NO_CONSENT_STRING), request("FRA"), 0));
        assertEquals(OutboundRules.CALL, rules.verdict(PrivacyDecision.ALLOWED, request("JPN"), 0));
    }

    @Test
    void activityControlsMatchByCountryAndGppSectionFirstRuleWinning() {
        ActivityControl noEidsInCalifornia = new ActivityControl(true, List.of(
                new ActivityRule(false, List.of(), List.of(8)),
                new ActivityRule(true, List.of("USA"), List.of())));
        ActivityControl noUfpdInEea = new ActivityControl(true, List.of(new ActivityRule(false, List.of("EEA"),
                null)));
        ActivityControl noGeo = new ActivityControl(false, null);
        ActivityControl noBidsFromFrance = new ActivityControl(true, List.of(new ActivityRule(false,
                List.of("FRA"), null)));
        DspPrivacy privacy = new DspPrivacy(null, null, noUfpdInEea, noEidsInCalifornia, noGeo, null,
                noBidsFromFrance);
        OutboundRules rules = new OutboundRules(config(List.of(), dsp("dsp", "USA", privacy)));
        BidRequest californian = request("USA");
        californian.regs = new Regs();
        californian.regs.gpp_sid = List.of(8);
        int geoAndIp = DataCategories.PRECISE_GEO | DataCategories.IP;
        assertEquals(DataCategories.ALL & ~DataCategories.EIDS & ~geoAndIp,
                rules.policy(PrivacyDecision.ALLOWED, californian, 0).categories());
        assertEquals(DataCategories.ALL & ~geoAndIp,
                rules.policy(PrivacyDecision.ALLOWED, request("USA"), 0).categories());
        assertEquals(DataCategories.EIDS, rules.policy(PrivacyDecision.ALLOWED, request("DEU"), 0).categories());
        assertEquals(OutboundRules.SKIP_ACTIVITY, rules.verdict(PrivacyDecision.ALLOWED, request("FRA"), 0));
        assertEquals(OutboundRules.SKIP_ACTIVITY,
                rules.verdict(PrivacyDecision.refused(RefusalReason.COPPA), request("FRA"), 0),
                "fetchBids refuses whatever the consent");
        assertEquals(OutboundRules.CALL, rules.verdict(PrivacyDecision.ALLOWED, request("DEU"), 0));
        // a seller's alpha-2 or lower-case code names the same country: the rules against it still hold
        for (String french : List.of("FR", "fr", "fra", "Fra")) {
            assertEquals(OutboundRules.SKIP_ACTIVITY, rules.verdict(PrivacyDecision.ALLOWED, request(french), 0),
                    french);
        }
        for (String german : List.of("DE", "de", "deu")) {
            assertEquals(DataCategories.EIDS, rules.policy(PrivacyDecision.ALLOWED, request(german), 0).categories(),
                    german);
        }
    }

    @ParameterizedTest
    @CsvSource(value = {"DE, DEU", "de, DEU", "deu, DEU", "JP, JPN", "USA, USA", "XX, ", "xx1, ", "D, ", "DEUT, ",
        "'', "}, nullValues = "")
    void aCountryIsReadAsAlpha3WhateverCaseOrAlpha2ItCameIn(String sent, String read) {
        assertEquals(read, OutboundRules.userCountry(request(sent)), sent);
    }

    @Test
    void underGdprADspWithAVendorIdNeedsItsOwnConsentAndSpecialFeatureOneForPreciseGeo() {
        DspPrivacy vendor77 = new DspPrivacy(null, 77, null, null, null, null, null);
        DspPrivacy vendor88 = new DspPrivacy(null, 88, null, null, null, null, null);
        OutboundRules rules = new OutboundRules(config(List.of(), dsp("a", "DEU", vendor77),
                dsp("b", "DEU", vendor88), dsp("c", "DEU", null)));
        BidRequest request = request("DEU");
        request.regs = new Regs();
        request.regs.gdpr = 1;
        request.user = new User();
        request.user.consent = consent(List.of(77), false);
        assertSame(OutboundPolicy.of(DataCategories.ALL & ~(DataCategories.PRECISE_GEO | DataCategories.IP)),
                rules.policy(PrivacyDecision.ALLOWED, request, 0), "vendor consent, no Special Feature 1");
        assertSame(OutboundPolicy.CONTEXTUAL, rules.policy(PrivacyDecision.ALLOWED, request, 1), "no consent for 88");
        assertSame(OutboundPolicy.FULL, rules.policy(PrivacyDecision.ALLOWED, request, 2), "no vendor id: Merlin's");
        request.user.consent = consent(List.of(77, 88), true);
        assertSame(OutboundPolicy.FULL, rules.policy(PrivacyDecision.ALLOWED, request, 0));
        assertSame(OutboundPolicy.FULL, rules.policy(PrivacyDecision.ALLOWED, request, 1));
        request.user.consent = "not a consent string";
        assertSame(OutboundPolicy.CONTEXTUAL, rules.policy(PrivacyDecision.ALLOWED, request, 0));
        request.regs.gdpr = 0;
        assertSame(OutboundPolicy.FULL, rules.policy(PrivacyDecision.ALLOWED, request, 0), "TCF does not apply");
    }

    @Test
    void theUsersCountryComesFromTheDeviceThenTheUserThenAUsGppSection() {
        BidRequest request = request(null);
        assertNull(OutboundRules.userCountry(request));
        request.user = new User();
        request.user.geo = new Geo();
        request.user.geo.country = "JPN";
        assertEquals("JPN", OutboundRules.userCountry(request));
        request.device.geo.country = "DEU";
        assertEquals("DEU", OutboundRules.userCountry(request));
        BidRequest us = request(null);
        us.regs = new Regs();
        us.regs.gpp_sid = List.of(2, 7);
        assertEquals("USA", OutboundRules.userCountry(us));
    }

    @Test
    void aSyncNeedsConsentTheDspsSyncUserControlAndUnderGdprItsOwnVendorConsent() {
        ActivityControl noSyncInCalifornia = new ActivityControl(true, List.of(new ActivityRule(false, null,
                List.of(8))));
        OutboundRules rules = new OutboundRules(config(List.of(),
                dsp("a", "USA", new DspPrivacy(null, null, null, null, null, noSyncInCalifornia, null)),
                dsp("b", "DEU", new DspPrivacy(null, 77, null, null, null, null, null))));
        ConsentSignals plain = new ConsentSignals(null, null, null, null, null, null, null, false, false);
        ConsentSignals californian = new ConsentSignals(null, null, null, null, null, List.of(8), null, false, false);
        assertTrue(rules.maySync(PrivacyDecision.ALLOWED, plain, 0));
        assertFalse(rules.maySync(PrivacyDecision.ALLOWED, californian, 0), "syncUser refuses GPP section 8");
        assertFalse(rules.maySync(PrivacyDecision.refused(RefusalReason.COPPA), plain, 0), "never for a child");
        ConsentSignals without77 = new ConsentSignals(null, 1, consent(List.of(88), false), null, null, null, null,
                false, false);
        ConsentSignals with77 = new ConsentSignals(null, 1, consent(List.of(77), false), null, null, null, null,
                false, false);
        assertFalse(rules.maySync(PrivacyDecision.ALLOWED, without77, 1), "GDPR without vendor 77's consent");
        assertTrue(rules.maySync(PrivacyDecision.ALLOWED, with77, 1));
        assertTrue(rules.maySync(PrivacyDecision.ALLOWED, without77, 0), "a DSP without a vendor id: Merlin's");
    }

    /**
     * A child by any signal (COPPA, or a GPP US section's known-child flag, in a bid request or in a sync's
     * parameters): Merlin's own gate refuses, so no DSP receives anything personal and no DSP may sync, whatever its
     * residency, activity controls or vendor consent would allow.
     */
    @Test
    void aChildSignalSendsNothingPersonalToAnyDspAndSyncsNothing() {
        OutboundRules rules = new OutboundRules(config(List.of(), dsp("home", "USA", null),
                dsp("vendor", "USA", new DspPrivacy(null, 77, null, null, null, null, null))));
        ConsentGate gate = new ConsentGate(PrivacyConfig.defaults());
        String knownChild = ConsentStrings.gpp("usnat", "KnownChildSensitiveDataConsents", List.of(1, 0, 0));
        String knownChildVa = ConsentStrings.gpp("usva", "KnownChildSensitiveDataConsents", 2);
        BidRequest coppa = request("USA");
        coppa.regs = new Regs();
        coppa.regs.coppa = 1;
        for (BidRequest child : List.of(coppa, gppChild(knownChild, 7), gppChild(knownChildVa, 9))) {
            PrivacyDecision decision = gate.decide(child, "a user key");
            assertFalse(decision.mayUsePersonalData(), decision.toString());
            for (int dsp = 0; dsp < 2; dsp++) {
                assertSame(OutboundPolicy.CONTEXTUAL, rules.policy(decision, child, dsp));
            }
        }
        for (ConsentSignals child : List.of(
                new ConsentSignals(1, null, null, null, null, null, "USA", false, false),
                new ConsentSignals(null, null, null, null, knownChild, List.of(7), "USA", false, false),
                new ConsentSignals(null, null, null, null, knownChildVa, null, "USA", false, false))) {
            PrivacyDecision decision = gate.decide(child);
            for (int dsp = 0; dsp < 2; dsp++) {
                assertFalse(rules.maySync(decision, child, dsp), "no sync for a child: " + decision);
            }
        }
    }

    private static BidRequest gppChild(String gpp, int section) {
        BidRequest request = request("USA");
        request.regs = new Regs();
        request.regs.gpp = gpp;
        request.regs.gpp_sid = List.of(section);
        return request;
    }

    /** A TCF v2 string consenting purposes 1-4 and the given vendors, with Special Feature 1 or not. */
    private static String consent(List<Integer> vendors, boolean preciseGeo) {
        return ConsentStrings.tcfWithFeatures(List.of(1, 2, 3, 4), vendors, preciseGeo ? List.of(1) : List.of());
    }
}
