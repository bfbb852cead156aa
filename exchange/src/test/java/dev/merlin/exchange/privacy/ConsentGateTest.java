package dev.merlin.exchange.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.iab.gpp.encoder.GppModel;
import com.iab.gpp.encoder.datatype.RangeEntry;
import com.iabtcf.decoder.TCString;
import dev.merlin.config.PrivacyConfig;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.InvalidRequestException;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.Regs;
import dev.merlin.protocol.model.User;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import java.util.Locale;
import java.util.Set;

class ConsentGateTest {

    private static final int VENDOR = 1_234;
    private static final PrivacyConfig CONFIG = PrivacyConfig.builder().vendorId(VENDOR).build();
    private static final PrivacyConfig ROLLED_OUT_IN_DEU_FRA =
            PrivacyConfig.builder().vendorId(VENDOR).personalizationCountries(List.of("DEU", "FRA")).build();

    /** Consent to purposes 1, 3, 4 and to Merlin (and Google, 755). */
    private static final String TCF_OK = ConsentStrings.tcf(List.of(1, 2, 3, 4), List.of(755, VENDOR));
    private static final String TCF_NO_PURPOSE_4 = ConsentStrings.tcf(List.of(1, 2, 3), List.of(VENDOR));
    private static final String TCF_OTHER_VENDOR = ConsentStrings.tcf(List.of(1, 3, 4), List.of(755));
    /** Every purpose and vendor consented, but the publisher forbids purpose 3 for Merlin. */
    private static final String TCF_RESTRICTED = ConsentStrings.tcf(List.of(1, 3, 4), List.of(VENDOR),
            List.of(new RangeEntry(3, 0, List.of(VENDOR))));

    /** GPP strings whose only section is TCF v2 (id 2): full consent, none at all, everything but Merlin. */
    private static final String GPP_TCF_OK = ConsentStrings.gppTcf(List.of(1, 2, 3, 4), List.of(755, VENDOR));
    private static final String GPP_TCF_NONE = ConsentStrings.gpp("tcfeuv2", "CmpId", 7);
    private static final String GPP_TCF_OTHER_VENDOR = ConsentStrings.gppTcf(List.of(1, 3, 4), List.of(755));

    /** Public example from the TCF tooling docs: purposes 1-3, vendors 2, 6, 8 (asserted below). */
    private static final String TCF_PUBLIC_EXAMPLE = "COvFyGBOvFyGBAbAAAENAPCAAOAAAAAAAAAAAEEUACCKAAA"
            + ".IFoEUQQgAIQwgIwQABAEAAAAOIAACAIAAAAQAIAgEAACEAAAAAgAQBAAAAAAAGBAAgAAAAAAAFAAECAAAgAAQARAEQAAAAAJAAIAAg"
            + "AAAYQEAAAQmAgBC3ZAYzUw";

    private final ConsentGate gate = new ConsentGate(CONFIG);

    @Test
    void builtTcfStringsSayWhatTheTestsAssume() {
        TCString ok = TCString.decode(TCF_OK);
        assertEquals(2, ok.getVersion());
        assertEquals(Set.of(1, 2, 3, 4), ok.getPurposesConsent().toSet());
        assertEquals(Set.of(755, VENDOR), ok.getVendorConsent().toSet());
        assertFalse(TCString.decode(TCF_NO_PURPOSE_4).getPurposesConsent().contains(4));
        assertFalse(TCString.decode(TCF_OTHER_VENDOR).getVendorConsent().contains(VENDOR));
        assertEquals(1, TCString.decode(TCF_RESTRICTED).getPublisherRestrictions().size());

        TCString example = TCString.decode(TCF_PUBLIC_EXAMPLE);
        assertEquals(Set.of(1, 2, 3), example.getPurposesConsent().toSet());
        assertEquals(Set.of(2, 6, 8), example.getVendorConsent().toSet());
    }

    @Test
    void gppTcfSectionIsReadAsTheTcStringItCarries() {
        GppSignal ok = GppSignal.decode(GPP_TCF_OK);
        assertEquals(1L << 2, ok.presentSections);
        TCString section = TCString.decode(ok.tcfEuConsent);
        assertEquals(2, section.getVersion());
        assertEquals(Set.of(1, 2, 3, 4), section.getPurposesConsent().toSet());
        assertEquals(Set.of(755, VENDOR), section.getVendorConsent().toSet());
        assertTrue(TCString.decode(GppSignal.decode(GPP_TCF_NONE).tcfEuConsent).getVendorConsent().isEmpty());
        assertNull(GppSignal.decode(ConsentStrings.gpp("usnat", "SaleOptOut", 2)).tcfEuConsent);
        assertNull(GppSignal.INVALID.tcfEuConsent);
    }

    @SuppressWarnings("checkstyle:MethodLength") // a table of cases, one per line
    static Stream<Arguments> rules() {
        String gppUsNatSaleOptOut = ConsentStrings.gpp("usnat", "SaleOptOut", 1);
        return Stream.of(
                Arguments.of("no signals at all", signals(null, null, null, null, null, null), null),
                Arguments.of("coppa=0 and gdpr=0", signals(0, 0, null, null, null, null), null),
                Arguments.of("coppa=1", signals(1, null, null, null, null, null), RefusalReason.COPPA),
                Arguments.of("coppa beats valid consent", signals(1, 1, TCF_OK, "1NNN", null, null),
                        RefusalReason.COPPA),
                Arguments.of("gdpr=1 without consent string", signals(null, 1, null, null, null, null),
                        RefusalReason.GDPR_NO_CONSENT_STRING),
                Arguments.of("gdpr=1 with blank consent string", signals(null, 1, " ", null, null, null),
                        RefusalReason.GDPR_NO_CONSENT_STRING),
                Arguments.of("gdpr=1, garbage consent", signals(null, 1, "some-consent-string", null, null, null),
                        RefusalReason.GDPR_INVALID_CONSENT),
                Arguments.of("gdpr=1, not base64", signals(null, 1, "C!!!", null, null, null),
                        RefusalReason.GDPR_INVALID_CONSENT),
                Arguments.of("gdpr=1, truncated", signals(null, 1, TCF_OK.substring(0, 12), null, null, null),
                        RefusalReason.GDPR_INVALID_CONSENT),
                Arguments.of("gdpr=1, TCF v1 string", signals(null, 1, "BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA",
                        null, null, null), RefusalReason.GDPR_INVALID_CONSENT),
                Arguments.of("gdpr=1, purpose 4 missing", signals(null, 1, TCF_NO_PURPOSE_4, null, null, null),
                        RefusalReason.GDPR_PURPOSE_NOT_CONSENTED),
                Arguments.of("gdpr=1, publisher restricts purpose 3",
                        signals(null, 1, TCF_RESTRICTED, null, null, null), RefusalReason.GDPR_PURPOSE_NOT_CONSENTED),
                Arguments.of("gdpr=1, public example lacks purpose 4",
                        signals(null, 1, TCF_PUBLIC_EXAMPLE, null, null, null),
                        RefusalReason.GDPR_PURPOSE_NOT_CONSENTED),
                Arguments.of("gdpr=1, Merlin not consented", signals(null, 1, TCF_OTHER_VENDOR, null, null, null),
                        RefusalReason.GDPR_VENDOR_NOT_CONSENTED),
                Arguments.of("gdpr=1, full consent", signals(null, 1, TCF_OK, null, null, null), null),
                Arguments.of("gdpr=0 ignores a bad consent string", signals(null, 0, "garbage", null, null, null),
                        null),
                Arguments.of("gpp_sid 2: GDPR applies, GPP TCF section consents to nothing",
                        signals(null, null, null, null, GPP_TCF_NONE, List.of(2)),
                        RefusalReason.GDPR_PURPOSE_NOT_CONSENTED),
                Arguments.of("gpp_sid 2: GDPR applies, full consent in the GPP TCF section",
                        signals(null, null, null, null, GPP_TCF_OK, List.of(2)), null),
                Arguments.of("gpp_sid 2 without any consent", signals(null, null, null, null, null, List.of(2)),
                        RefusalReason.GDPR_NO_CONSENT_STRING),
                Arguments.of("gpp_sid 2, GPP string has no TCF section",
                        signals(null, null, null, null, ConsentStrings.gppUspV1('N'), List.of(6, 2)),
                        RefusalReason.GDPR_NO_CONSENT_STRING),
                Arguments.of("gpp_sid 2, GPP string does not decode", signals(null, null, null, null, "gppString",
                        List.of(2)), RefusalReason.GPP_INVALID),
                Arguments.of("gpp_sid 2, GPP TCF section lacks Merlin",
                        signals(null, null, null, null, GPP_TCF_OTHER_VENDOR, List.of(2)),
                        RefusalReason.GDPR_VENDOR_NOT_CONSENTED),
                Arguments.of("gdpr=0 wins over gpp_sid 2", signals(null, 0, null, null, GPP_TCF_NONE, List.of(2)),
                        null),
                Arguments.of("gdpr=1, full consent only in the GPP TCF section",
                        signals(null, 1, null, null, GPP_TCF_OK, List.of(2)), null),
                Arguments.of("gdpr=1, full consent only in the GPP TCF section, no gpp_sid",
                        signals(null, 1, null, null, GPP_TCF_OK, null), null),
                Arguments.of("gdpr=1, no consent in the GPP TCF section",
                        signals(null, 1, null, null, GPP_TCF_NONE, null), RefusalReason.GDPR_PURPOSE_NOT_CONSENTED),
                Arguments.of("gdpr=1, user.consent comes first: refuses though the GPP TCF section consents",
                        signals(null, 1, TCF_OTHER_VENDOR, null, GPP_TCF_OK, List.of(2)),
                        RefusalReason.GDPR_VENDOR_NOT_CONSENTED),
                Arguments.of("gdpr=1, user.consent comes first: allows though the GPP TCF section refuses",
                        signals(null, 1, TCF_OK, null, GPP_TCF_NONE, List.of(2)), null),
                Arguments.of("us_privacy opted out", signals(null, null, null, "1YYN", null, null),
                        RefusalReason.US_PRIVACY_OPT_OUT),
                Arguments.of("us_privacy opted out, lower case", signals(null, null, null, "1yyn", null, null),
                        RefusalReason.US_PRIVACY_OPT_OUT),
                Arguments.of("us_privacy not opted out", signals(null, null, null, "1YNN", null, null), null),
                Arguments.of("us_privacy not applicable", signals(null, null, null, "1---", null, null), null),
                Arguments.of("us_privacy malformed: no signal", signals(null, null, null, "{invalid}", null, null),
                        null),
                Arguments.of("us_privacy wrong version: no signal", signals(null, null, null, "2YYN", null, null),
                        null),
                Arguments.of("us_privacy bad letter: no signal", signals(null, null, null, "1YXN", null, null),
                        null),
                Arguments.of("valid TCF, then us_privacy opt-out", signals(null, 1, TCF_OK, "1YYY", null, null),
                        RefusalReason.US_PRIVACY_OPT_OUT),
                Arguments.of("gpp uspv1 opted out", signals(null, null, null, null, ConsentStrings.gppUspV1('Y'),
                        null), RefusalReason.GPP_OPT_OUT),
                Arguments.of("gpp uspv1 not opted out", signals(null, null, null, null, ConsentStrings.gppUspV1('N'),
                        null), null),
                Arguments.of("gpp usnat sale opt-out", signals(null, null, null, null, gppUsNatSaleOptOut, null),
                        RefusalReason.GPP_OPT_OUT),
                Arguments.of("gpp usnat sale opt-out, listed in gpp_sid",
                        signals(null, null, null, null, gppUsNatSaleOptOut, List.of(7)), RefusalReason.GPP_OPT_OUT),
                Arguments.of("gpp usnat sale opt-out, gpp_sid names another section",
                        signals(null, null, null, null, gppUsNatSaleOptOut, List.of(8)), null),
                Arguments.of("gpp usnat did not opt out", signals(null, null, null, null,
                        ConsentStrings.gpp("usnat", "SaleOptOut", 2, "SharingOptOut", 2,
                                "TargetedAdvertisingOptOut", 2), null), null),
                Arguments.of("gpp usnat all n/a", signals(null, null, null, null, ConsentStrings.gpp("usnat"), null),
                        null),
                Arguments.of("gpp usnat sharing opt-out", signals(null, null, null, null,
                        ConsentStrings.gpp("usnat", "SharingOptOut", 1), null), RefusalReason.GPP_OPT_OUT),
                Arguments.of("gpp usnat targeted advertising opt-out", signals(null, null, null, null,
                        ConsentStrings.gpp("usnat", "TargetedAdvertisingOptOut", 1), null), RefusalReason.GPP_OPT_OUT),
                Arguments.of("gpp usnat GPC", signals(null, null, null, null,
                        ConsentStrings.gpp("usnat", "GpcSegmentIncluded", true, "Gpc", true), null),
                        RefusalReason.GPP_OPT_OUT),
                Arguments.of("gpp usnat known child", signals(null, null, null, null,
                        ConsentStrings.gpp("usnat", "KnownChildSensitiveDataConsents", List.of(1, 0, 0)), null),
                        RefusalReason.GPP_OPT_OUT),
                Arguments.of("gpp usca sharing opt-out", signals(null, null, null, null,
                        ConsentStrings.gpp("usca", "SharingOptOut", 1), null), RefusalReason.GPP_OPT_OUT),
                Arguments.of("gpp usva targeted advertising opt-out", signals(null, null, null, null,
                        ConsentStrings.gpp("usva", "TargetedAdvertisingOptOut", 1), null), RefusalReason.GPP_OPT_OUT),
                Arguments.of("gpp usva known child (single value)", signals(null, null, null, null,
                        ConsentStrings.gpp("usva", "KnownChildSensitiveDataConsents", 2), null),
                        RefusalReason.GPP_OPT_OUT),
                Arguments.of("gpp tcfeuv2 only: consent framework, no opt-out", signals(null, null, null, null,
                        ConsentStrings.gpp("tcfeuv2", "CmpId", 7), null), null),
                Arguments.of("gpp not a GPP string", signals(null, null, null, null, "gppString", null),
                        RefusalReason.GPP_INVALID),
                Arguments.of("gpp header names a section it lacks", signals(null, null, null, null, "DBABLA", null),
                        RefusalReason.GPP_INVALID),
                Arguments.of("gpp section garbage", signals(null, null, null, null, "DBABLA~%%%%", null),
                        RefusalReason.GPP_INVALID),
                Arguments.of("gpp invalid even when gpp_sid names nothing present",
                        signals(null, null, null, null, "gppString", List.of(7)), RefusalReason.GPP_INVALID),
                Arguments.of("gpp blank: no signal", signals(null, null, null, null, "", null), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void decidesByRule(String name, ConsentSignals signals, RefusalReason expected) {
        PrivacyDecision decision = gate.decide(signals);
        assertSame(expected, decision.reason(), name);
        assertEquals(expected == null, decision.mayUsePersonalData(), name);
        assertSame(expected == null ? PrivacyDecision.ALLOWED : PrivacyDecision.refused(expected), decision);
    }

    @Test
    void userOptOutComesAfterCoppaAndBeforeEverythingElse() {
        ConsentSignals clean = signals(null, 1, TCF_OK, "1NNN", null, null);
        assertNull(gate.decide(clean).reason());
        assertSame(RefusalReason.USER_OPT_OUT, gate.decide(clean.withOptedOut(true)).reason());
        assertSame(RefusalReason.COPPA, gate.decide(signals(1, null, null, null, null, null).withOptedOut(true))
                .reason());
        ConsentSignals lmtAndOptedOut = new ConsentSignals(null, null, null, null, null, null, null, true, true);
        assertSame(RefusalReason.USER_OPT_OUT, gate.decide(lmtAndOptedOut).reason());
    }

    @Test
    void limitAdTrackingComesBeforeGdpr() {
        ConsentSignals lmt = new ConsentSignals(null, 1, null, null, null, null, null, true, false);
        assertSame(RefusalReason.LMT, gate.decide(lmt).reason());
    }

    @Test
    void gdprComesBeforeUsPrivacyAndGpp() {
        assertSame(RefusalReason.GDPR_VENDOR_NOT_CONSENTED,
                gate.decide(signals(null, 1, TCF_OTHER_VENDOR, "1YYN", "gppString", null)).reason());
        assertSame(RefusalReason.US_PRIVACY_OPT_OUT,
                gate.decide(signals(null, null, null, "1YYN", "gppString", null)).reason());
    }

    @Test
    void gppTcfConsentStillMeetsTheGppOptOutRule() {
        GppModel model = new GppModel(GPP_TCF_OK);
        model.setFieldValue("usnat", "SaleOptOut", 1);
        String tcfAndUsNatOptOut = model.encode();
        assertSame(RefusalReason.GPP_OPT_OUT,
                gate.decide(signals(null, null, null, null, tcfAndUsNatOptOut, List.of(2, 7))).reason());
        assertTrue(gate.decide(signals(null, null, null, null, tcfAndUsNatOptOut, List.of(2))).mayUsePersonalData());
    }

    @Test
    void gppTcfSectionIsJudgedByTheConfiguredPurposesAndVendor() {
        String purposes13Vendor8 = ConsentStrings.gppTcf(List.of(1, 3), List.of(8));
        ConsentGate merlinIsVendor8 =
                new ConsentGate(PrivacyConfig.builder().vendorId(8).requiredPurposes(List.of(1, 3)).build());
        assertTrue(merlinIsVendor8.decide(signals(null, null, null, null, purposes13Vendor8, List.of(2)))
                .mayUsePersonalData());
        ConsentGate merlinIsVendor9 =
                new ConsentGate(PrivacyConfig.builder().vendorId(9).requiredPurposes(List.of(1, 3)).build());
        assertSame(RefusalReason.GDPR_VENDOR_NOT_CONSENTED,
                merlinIsVendor9.decide(signals(null, null, null, null, purposes13Vendor8, List.of(2))).reason());
        // the default purposes (1, 3, 4) are not all there
        assertSame(RefusalReason.GDPR_PURPOSE_NOT_CONSENTED, new ConsentGate(PrivacyConfig.builder().vendorId(8)
                .build()).decide(signals(null, null, null, null, purposes13Vendor8, List.of(2))).reason());
    }

    @Test
    void requiredPurposesAndVendorComeFromConfig() {
        ConsentGate merlinIsVendor8 =
                new ConsentGate(PrivacyConfig.builder().vendorId(8).requiredPurposes(List.of(1, 3)).build());
        assertTrue(merlinIsVendor8.decide(signals(null, 1, TCF_PUBLIC_EXAMPLE, null, null, null))
                .mayUsePersonalData());
        ConsentGate merlinIsVendor9 =
                new ConsentGate(PrivacyConfig.builder().vendorId(9).requiredPurposes(List.of(1, 3)).build());
        assertSame(RefusalReason.GDPR_VENDOR_NOT_CONSENTED,
                merlinIsVendor9.decide(signals(null, 1, TCF_PUBLIC_EXAMPLE, null, null, null)).reason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"DEU", "deu", "FRA"})
    void rolledOutCountriesAreAllowed(String country) {
        ConsentGate regional = new ConsentGate(ROLLED_OUT_IN_DEU_FRA);
        assertTrue(regional.decide(signals(null, null, null, null, null, null).withCountry(country))
                .mayUsePersonalData());
    }

    @Test
    void otherOrUnknownCountriesAreNotRolledOut() {
        ConsentGate regional = new ConsentGate(ROLLED_OUT_IN_DEU_FRA);
        ConsentSignals none = signals(null, null, null, null, null, null);
        assertSame(RefusalReason.REGION_NOT_ROLLED_OUT, regional.decide(none.withCountry("USA")).reason());
        assertSame(RefusalReason.REGION_NOT_ROLLED_OUT, regional.decide(none).reason());
        // an empty list means everywhere, including an unknown country
        assertTrue(gate.decide(none).mayUsePersonalData());
    }

    @Test
    void bidRequestReadsTheSameFieldsAsTheSignals() {
        BidRequest request = new BidRequest();
        assertTrue(gate.decide(request).mayUsePersonalData(), "a request with no regs, user or device");
        request.regs = new Regs();
        request.user = new User();
        request.device = new Device();
        request.regs.gdpr = 1;
        assertSame(RefusalReason.GDPR_NO_CONSENT_STRING, gate.decide(request).reason());
        request.user.consent = TCF_OK;
        assertTrue(gate.decide(request).mayUsePersonalData());
        assertSame(RefusalReason.USER_OPT_OUT, gate.decide(request, true).reason());
        request.device.lmt = 1;
        assertSame(RefusalReason.LMT, gate.decide(request).reason());
        assertSame(RefusalReason.LMT, gate.decide(ConsentSignals.fromBidRequest(request)).reason());
        request.device.lmt = 0;
        request.regs.gpp = ConsentStrings.gpp("usnat", "SaleOptOut", 1);
        request.regs.gpp_sid = List.of(7);
        assertSame(RefusalReason.GPP_OPT_OUT, gate.decide(request).reason());
        assertSame(RefusalReason.GPP_OPT_OUT, gate.decide(ConsentSignals.fromBidRequest(request)).reason());
        request.regs.gpp_sid = List.of(6);
        assertTrue(gate.decide(request).mayUsePersonalData());
    }

    /** iOS App Tracking Transparency: only 3 (authorized) lets the app track; absent means not iOS 14+, no signal. */
    @ParameterizedTest(name = "atts={0} -> {1}")
    @CsvSource(nullValues = {"ABSENT", "ALLOWED"}, value = {
            "0, LMT", "1, LMT", "2, LMT", "3, ALLOWED", "ABSENT, ALLOWED",
            // not a status iOS defines: not known to allow tracking, so the gate fails closed
            "4, LMT", "-1, LMT"})
    void attStatusOtherThanAuthorizedLimitsAdTracking(Integer atts, RefusalReason expected) {
        BidRequest request = new BidRequest();
        request.device = new Device();
        request.device.atts = atts;
        assertSame(expected, gate.decide(request).reason());
        assertSame(expected, gate.decide(ConsentSignals.fromBidRequest(request)).reason());
        request.device.lmt = 1;
        assertSame(RefusalReason.LMT, gate.decide(request).reason(), "authorized ATT does not lift lmt=1");
    }

    @Test
    void attDeniedInDeviceExtRefusesPersonalData() throws InvalidRequestException {
        String head = "{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
                + "\"app\":{\"bundle\":\"jp.example.headlines\"},\"user\":{\"buyeruid\":\"merlin-uid-1\"},"
                + "\"device\":{\"os\":\"ios\",\"ifa\":\"00000000-0000-0000-0000-000000000000\","
                + "\"geo\":{\"country\":\"JPN\"},";
        BidRequest denied = decode(head + "\"ext\":{\"atts\":2}}}");
        assertSame(RefusalReason.LMT, gate.decide(denied).reason());
        BidRequest authorized = decode(head + "\"ext\":{\"atts\":3}}}");
        assertTrue(gate.decide(authorized).mayUsePersonalData());
    }

    /** Prebid Server sends GPP to OpenRTB 2.5 bidders in regs.ext; the decoder moves it where the gate reads it. */
    @Test
    void gppInTheOpenRtb25LocationIsRead() throws InvalidRequestException {
        String gpp = ConsentStrings.gpp("usnat", "SaleOptOut", 1);
        BidRequest request = decode("{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
                + "\"site\":{\"domain\":\"example.com\"},\"user\":{\"buyeruid\":\"merlin-uid-1\"},"
                + "\"regs\":{\"ext\":{\"gpp\":\"" + gpp + "\",\"gpp_sid\":[7]}}}");
        assertSame(RefusalReason.GPP_OPT_OUT, gate.decide(request).reason());
        assertSame(RefusalReason.GPP_OPT_OUT, gate.decide(ConsentSignals.fromBidRequest(request)).reason());
        // the moved gpp_sid counts: naming another section leaves the usnat opt-out out of scope
        request.regs.gpp_sid = List.of(8);
        assertTrue(gate.decide(request).mayUsePersonalData());
    }

    @Test
    void bidRequestCountryIsDeviceGeoThenUserGeo() {
        ConsentGate regional = new ConsentGate(ROLLED_OUT_IN_DEU_FRA);
        BidRequest request = new BidRequest();
        request.user = new User();
        request.user.geo = new Geo();
        request.user.geo.country = "FRA";
        assertTrue(regional.decide(request).mayUsePersonalData());
        request.device = new Device();
        request.device.geo = new Geo();
        request.device.geo.country = "USA";
        assertSame(RefusalReason.REGION_NOT_ROLLED_OUT, regional.decide(request).reason());
        assertEquals("USA", ConsentSignals.fromBidRequest(request).country());
    }

    @Test
    void eachConsentStringIsDecodedOnce() {
        ConsentSignals tcf = signals(null, 1, TCF_OK, null, null, null);
        ConsentSignals gpp = signals(null, null, null, null, ConsentStrings.gppUspV1('N'), List.of(6));
        for (int i = 0; i < 10; i++) {
            gate.decide(tcf);
            gate.decide(gpp);
            gate.decide(signals(null, null, null, null, gpp.gpp(), List.of(7)));
        }
        assertEquals(2, gate.decodedStrings());
        // a different instance with the same text is a hit too: requests never share String instances
        gate.decide(signals(null, 1, new String(TCF_OK.toCharArray()), null, null, null));
        assertEquals(2, gate.decodedStrings());
    }

    @Test
    void gppTcfSectionIsDecodedOnce() {
        for (int i = 0; i < 10; i++) {
            assertTrue(gate.decide(signals(null, 1, null, null, new String(GPP_TCF_OK.toCharArray()), List.of(2)))
                    .mayUsePersonalData());
        }
        assertEquals(2, gate.decodedStrings(), "the GPP string and its TCF section, once each");
    }

    @Test
    void cacheStaysBoundedAndCorrectWhenStringsCollide() {
        ConsentGate tiny = new ConsentGate(CONFIG, 1);
        for (int i = 0; i < 3; i++) {
            assertTrue(tiny.decide(signals(null, 1, TCF_OK, null, null, null)).mayUsePersonalData());
            assertSame(RefusalReason.GDPR_VENDOR_NOT_CONSENTED,
                    tiny.decide(signals(null, 1, TCF_OTHER_VENDOR, null, null, null)).reason());
        }
        assertEquals(6, tiny.decodedStrings(), "one slot: each string evicts the other");
    }

    @Test
    void labelsAreLowerCaseNames() {
        assertEquals("gdpr_no_consent_string", RefusalReason.GDPR_NO_CONSENT_STRING.label());
        assertEquals("coppa", RefusalReason.COPPA.label());
        for (RefusalReason reason : RefusalReason.values()) {
            assertEquals(reason.name().toLowerCase(Locale.ROOT), reason.label());
            assertSame(reason, PrivacyDecision.refused(reason).reason());
        }
        assertNull(PrivacyDecision.ALLOWED.reason());
    }

    private static BidRequest decode(String json) throws InvalidRequestException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return new BidRequestDecoder().decode(bytes, 0, bytes.length);
    }

    private static ConsentSignals signals(Integer coppa, Integer gdpr, String consent, String usPrivacy, String gpp,
                                          List<Integer> gppSid) {
        return new ConsentSignals(coppa, gdpr, consent, usPrivacy, gpp, gppSid, null, false, false);
    }
}
