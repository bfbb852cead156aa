package dev.merlin.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Imp;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every public sample request in {@code ../shared/openrtb-samples/requests} (see its SOURCES.md) through
 * {@link BidRequestDecoder}.
 *
 * <p>Each file is classified in {@link #EXPECTED}: either valid, in which case it must survive decode, encode and
 * decode unchanged, or invalid with the exact reason and path. A file added to the folder fails the build until it
 * is classified here.
 */
class SampleCorpusTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a sample must come out; {@code reason} is null for a valid sample. */
    record Expected(ErrorReason reason, String path) {
        static final Expected VALID = new Expected(null, null);

        boolean isValid() {
            return reason == null;
        }
    }

    private static final Map<String, Expected> EXPECTED = new LinkedHashMap<>();

    private static void valid(String file) {
        EXPECTED.put(file, Expected.VALID);
    }

    private static void invalid(String file, ErrorReason reason, String path) {
        EXPECTED.put(file, new Expected(reason, path));
    }

    static {
        valid("bsm-breq-banner.json");
        valid("bsm-breq-exp.json");
        valid("bsm-breq-native.json");
        valid("bsm-breq-video.json");
        valid("iab26impl-dooh-banner.json");
        valid("iab26impl-dooh-video.json");
        // "BidRequest" label, "..." ellipses, a curly quote and trailing commas
        invalid("iab26impl-structured-pod-pseudojson.json", ErrorReason.MALFORMED_JSON, null);
        valid("iab26spec-expandable-creative.json");
        valid("iab26spec-mobile-app.json");
        valid("iab26spec-pmp-direct-deal.json");
        valid("iab26spec-simple-banner.json");
        valid("iab26spec-video.json");
        // the only imp has nothing but an id
        invalid("iabext-dsa-transparency.json", ErrorReason.NO_MEDIA_TYPE, "imp[0]");
        // not JSON (trailing commas from line 35 on), but "site": {"cattax": "7"} on line 13 comes first: a string
        // where the spec has an integer; the decoder reports the first problem in document order
        invalid("iabext-pla-native-object.json", ErrorReason.WRONG_TYPE, "site.cattax");
        valid("iabproto-full-native-object.json");
        valid("iabproto-full-native-string-root.json");
        valid("iabproto-short.json");
        valid("mechiru-2.5-mobile.json");
        valid("mxmcherry-2.5-native-ad.json");
        valid("mxmcherry-2.6-video.json");
        valid("pbsgo-app-ios140-no-ifa.json");
        valid("pbsgo-audiencenetwork-rwdd-video.json");
        valid("pbsgo-device-sua.json");
        valid("pbsgo-dooh.json");
        valid("pbsgo-eskimi-bcat-badv-bapp.json");
        valid("pbsgo-gamoshi-banner-native-audio.json");
        valid("pbsgo-gdpr-gpp-conflict.json");
        valid("pbsgo-improvedigital-audio.json");
        valid("pbsgo-interstitial-no-size.json");
        invalid("pbsgo-invalid-banner-w-negative.json", ErrorReason.OUT_OF_RANGE, "imp[0].banner.w");
        invalid("pbsgo-invalid-deal-no-id.json", ErrorReason.MISSING_FIELD, "imp[0].pmp.deals[0].id");
        invalid("pbsgo-invalid-empty-object.json", ErrorReason.MISSING_FIELD, "id");
        invalid("pbsgo-invalid-imp-empty-array.json", ErrorReason.MISSING_FIELD, "imp");
        invalid("pbsgo-invalid-imp-id-duplicates.json", ErrorReason.DUPLICATE_IMP_ID, "imp[1].id");
        invalid("pbsgo-invalid-imp-no-type.json", ErrorReason.NO_MEDIA_TYPE, "imp[0]");
        invalid("pbsgo-invalid-json-missing-comma.json", ErrorReason.MALFORMED_JSON, null);
        // {"imp": [{},], ...}: the syntax error comes before anything could be validated
        invalid("pbsgo-invalid-json-trailing-comma.json", ErrorReason.MALFORMED_JSON, null);
        invalid("pbsgo-invalid-malformed-string.json", ErrorReason.NOT_AN_OBJECT, "");
        // Prebid policy; OpenRTB only recommends one of site/app/dooh
        valid("pbsgo-invalid-no-site-app-dooh.json");
        invalid("pbsgo-invalid-null.json", ErrorReason.NOT_AN_OBJECT, "");
        invalid("pbsgo-invalid-only-request-id.json", ErrorReason.MISSING_FIELD, "imp");
        invalid("pbsgo-invalid-regs-gdpr-2.json", ErrorReason.OUT_OF_RANGE, "regs.gdpr");
        invalid("pbsgo-invalid-site-app-both.json", ErrorReason.CONFLICTING_FIELDS, "app");
        // {"id": "req-id", "tmax": -2}: the range is checked as tmax is read, before the missing imp is noticed
        invalid("pbsgo-invalid-tmax-negative.json", ErrorReason.OUT_OF_RANGE, "tmax");
        invalid("pbsgo-invalid-user-ext-consent-int.json", ErrorReason.WRONG_TYPE, "user.ext.consent");
        // Prebid policy; Merlin does not require video.mimes
        valid("pbsgo-invalid-video-mimes-empty.json");
        valid("pbsgo-ix-structured-pod.json");
        valid("pbsgo-madvertise-app-banner-eur.json");
        // both site and app (banner/video/native nulls are fine)
        invalid("pbsgo-mediasquare-multi-format.json", ErrorReason.CONFLICTING_FIELDS, "app");
        valid("pbsgo-native-with-video-asset.json");
        valid("pbsgo-ortb25-ext-locations.json");
        valid("pbsgo-ortb26-fields-with-25-ext.json");
        valid("pbsgo-rtbstack-5-imps.json");
        valid("pbsgo-skadn.json");
        valid("pbsgo-smaato-dooh-banner.json");
        valid("pbsgo-smaato-native-coppa-gpp.json");
        valid("pbsgo-source-schain.json");
        valid("pbsgo-thetradedesk-video-schain-eids.json");
        valid("pbsgo-us-privacy-invalid-value.json");
        valid("pbsgo-vox-video-pln.json");
        valid("pbsgo-yieldmo-coppa-gpp-eur.json");
        valid("pbsgo-zentotem-app-banner-rub.json");
        valid("pbsjava-51d-sample-schain.json");
        valid("pbsjava-amp-stored-request.json");
        valid("pbsjava-floors-request.json");
        valid("pbsjava-generic-gpp-sid-dsa.json");
        valid("pbsjava-huaweiads-app-banner-chn.json");
        valid("pbsjava-huaweiads-native-deu.json");
        valid("pbsjava-multibid-video-consent.json");
        valid("pbsjava-optable-sample-eids.json");
        // json-unit template: "tmax": "${json-unit.any-number}" is the first typed field with the wrong type
        // (the placeholder in imp[0].ext.tid is inside ext, which is not typed)
        invalid("pbsjava-outgoing-with-placeholders.json", ErrorReason.WRONG_TYPE, "tmax");
        valid("pbsjava-startio-app-video.json");
        valid("pbsjava-taboola-banner-native.json");
    }

    static List<String> samples() {
        return SharedSamples.requestFileNames();
    }

    @Test
    void folderHoldsExactlyTheClassifiedSamples() {
        Set<String> inFolder = new TreeSet<>(samples());
        Set<String> unclassified = new TreeSet<>(inFolder);
        unclassified.removeAll(EXPECTED.keySet());
        Set<String> missing = new TreeSet<>(EXPECTED.keySet());
        missing.removeAll(inFolder);
        assertTrue(unclassified.isEmpty() && missing.isEmpty(),
                "classify new samples in SampleCorpusTest.EXPECTED: " + unclassified + "; gone from the folder: "
                        + missing);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void decodesAsClassified(String file) throws IOException {
        Expected expected = EXPECTED.get(file);
        assertNotNull(expected, file + " is not classified in SampleCorpusTest.EXPECTED");
        byte[] json = SharedSamples.request(file);
        BidRequestDecoder decoder = new BidRequestDecoder();
        if (expected.isValid()) {
            BidRequest first = decodeValid(decoder, json, file);
            byte[] encoded = new BidRequestEncoder().encode(first);
            BidRequest second = decodeValid(decoder, encoded, file + " re-encoded");
            assertEquals(first, second, file + ": decode -> encode -> decode changed the request");
            assertArrayEquals(encoded, new BidRequestEncoder().encode(second),
                    file + ": encoding the same request twice gave different bytes");
        } else {
            try {
                decoder.decode(json, 0, json.length);
                fail(file + " should be refused with " + expected.reason() + " at '" + expected.path()
                        + "' but was accepted");
            } catch (InvalidRequestException e) {
                assertEquals(expected.reason(), e.reason(), file + " reason (path was '" + e.path() + "')");
                if (expected.path() != null) {
                    assertEquals(expected.path(), e.path(), file + " path");
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // spot checks of decoded values

    @Test
    void specSimpleBanner() throws IOException {
        BidRequest r = decode("iab26spec-simple-banner.json");
        assertEquals("80ce30c53c16e6ede735f123ef6e32361bfc7b22", r.id);
        assertEquals(0.03, r.imp.get(0).bidfloor);
        assertEquals(300, r.imp.get(0).banner.w);
        assertEquals(250, r.imp.get(0).banner.h);
        assertEquals(1, r.at);
        assertEquals(List.of("USD"), r.cur);
        assertEquals("8953", r.site.publisher.id);
        assertEquals("55816b39711f9b5acf3b90e313ed29e51665623f", r.user.id);
    }

    @Test
    void ortb25ExtLocationsAreUpconverted() throws IOException {
        BidRequest r = decode("pbsgo-ortb25-ext-locations.json");
        assertEquals(1, r.regs.gdpr);
        assertEquals("1YYY", r.regs.us_privacy);
        assertEquals("some-consent-string", r.user.consent);
        assertEquals(1, r.user.eids.size());
        assertEquals("source", r.user.eids.get(0).source);
        assertEquals(2, r.user.eids.get(0).uids.size(), "duplicate uids are kept as sent");
        assertEquals(1, r.user.eids.get(0).uids.get(1).atype);
        assertEquals(1, r.source.schain.complete);
        assertEquals("2.0", r.source.schain.ver);
        assertEquals(1, r.source.schain.nodes.size());
        assertEquals("whatever.com", r.source.schain.nodes.get(0).asi);
        assertEquals("123-456-7890", r.source.schain.nodes.get(0).rid);
        assertEquals(1, r.source.schain.nodes.get(0).hp);
        assertTrue(r.regs.ext.json().contains("us_privacy"), "regs.ext is kept intact");
        assertTrue(r.user.ext.json().contains("some-consent-string"), "user.ext is kept intact");
    }

    @Test
    void ortb26FieldsBesideThe25ExtLocations() throws IOException {
        BidRequest r = decode("pbsgo-ortb26-fields-with-25-ext.json");
        assertEquals(20, r.cattax);
        assertEquals(List.of("any-acat"), r.acat);
        assertEquals(10, r.imp.get(0).refresh.count);
        assertEquals(1, r.regs.gdpr);
        assertEquals("some-consent-string", r.user.consent);
        assertEquals("whatever.com", r.source.schain.nodes.get(0).asi);
    }

    @Test
    void schainIn26Location() throws IOException {
        BidRequest r = decode("pbsgo-source-schain.json");
        assertEquals(1, r.source.fd);
        assertEquals("abc123", r.source.tid);
        assertEquals("tag_placement", r.source.pchain);
        assertEquals("ver", r.source.schain.ver);
        assertEquals(1, r.source.schain.nodes.size());
        assertEquals("asi", r.source.schain.nodes.get(0).asi);
        assertEquals("rid", r.source.schain.nodes.get(0).rid);
    }

    @Test
    void schainIn25LocationWithIdNotTheFirstKey() throws IOException {
        BidRequest r = decode("pbsjava-51d-sample-schain.json");
        assertEquals("fc4670ce-4985-4316-a245-b43c885dc37a", r.id);
        assertEquals(1700, r.tmax);
        assertEquals(1, r.test);
        assertEquals(1, r.source.schain.nodes.size());
        assertEquals("example.com", r.source.schain.nodes.get(0).asi);
        assertEquals("1234", r.source.schain.nodes.get(0).sid);
        assertEquals("1.0", r.source.schain.ver);
        assertNotNull(r.user, "an empty user {} is present, not absent");
        assertEquals(0.01, r.imp.get(0).bidfloor);
    }

    @Test
    void eidsIn25LocationWithOneUidWithoutAtype() throws IOException {
        BidRequest r = decode("pbsjava-optable-sample-eids.json");
        assertEquals(6, r.user.eids.size());
        assertEquals("growthcode.io", r.user.eids.get(0).source);
        assertEquals(1, r.user.eids.get(0).uids.get(0).atype);
        assertEquals("adnxs.com", r.user.eids.get(5).source);
        assertEquals("d4fd63f0f4f7ce0d128348cb145c7e0f", r.user.eids.get(5).uids.get(0).id);
        assertNull(r.user.eids.get(5).uids.get(0).atype);
    }

    @Test
    void nativeRequestAsObjectMatchesTheStringForm() throws IOException {
        Imp asObject = decode("iabproto-full-native-object.json").imp.get(2);
        Imp asString = decode("iabproto-full-native-string-root.json").imp.get(2);
        JsonNode fromObject = JSON.readTree(asObject.nativeAd.request);
        JsonNode fromString = JSON.readTree(asString.nativeAd.request);
        assertEquals(2, fromObject.get("layout").asInt());
        assertEquals(fromString.get("native"), fromObject, "same native request, two transports");

        BidRequest shortForm = decode("iabproto-short.json");
        assertEquals(4, JSON.readTree(shortForm.imp.get(0).nativeAd.request).get("adunit").asInt());
        assertEquals(100.0, shortForm.imp.get(0).bidfloor);
    }

    @Test
    void unknownVideoFieldApisIsIgnoredWhileApiIsRead() throws IOException {
        BidRequest spec = decode("iab26spec-video.json");
        assertEquals(120, spec.tmax);
        assertEquals(640, spec.imp.get(0).video.w);
        assertNull(spec.imp.get(0).video.api, "\"apis\" is not a Video field");
        BidRequest fixed = decode("mxmcherry-2.6-video.json");
        assertEquals(List.of(1, 2), fixed.imp.get(0).video.api);
    }

    @Test
    void legacyVideoRequestWithPostRollStartDelay() throws IOException {
        BidRequest r = decode("bsm-breq-video.json");
        assertEquals(3, r.imp.size());
        assertEquals(-2, r.imp.get(2).video.startdelay);
        assertEquals(2.0, r.imp.get(2).bidfloor);
    }

    @Test
    void directDealsWithIntegerAndDecimalFloors() throws IOException {
        BidRequest r = decode("iab26spec-pmp-direct-deal.json");
        assertEquals(1, r.imp.get(0).pmp.private_auction);
        assertEquals(2, r.imp.get(0).pmp.deals.size());
        assertEquals("AB-Agency1-0001", r.imp.get(0).pmp.deals.get(0).id);
        assertEquals(2.5, r.imp.get(0).pmp.deals.get(0).bidfloor);
        assertEquals(2.0, r.imp.get(0).pmp.deals.get(1).bidfloor);
        assertEquals(List.of("Agency2"), r.imp.get(0).pmp.deals.get(1).wseat);
    }

    @Test
    void doohBanner() throws IOException {
        BidRequest r = decode("iab26impl-dooh-banner.json");
        assertEquals("15790", r.dooh.id);
        assertEquals("Global", r.dooh.publisher.name);
        assertEquals(14.2, r.imp.get(0).qty.multiplier);
        assertEquals("GBP", r.imp.get(0).bidfloorcur);
        assertEquals(3, r.imp.get(0).pmp.deals.size());
        assertNull(r.site);
    }

    @Test
    void emptyIfaAndEmptyDeliveryAreKeptNotDropped() throws IOException {
        assertEquals("", decode("pbsgo-app-ios140-no-ifa.json").device.ifa);
        assertEquals(List.of(), decode("pbsjava-startio-app-video.json").imp.get(0).video.delivery);
    }

    @Test
    void regsCoppaAndGppInExtAreNotMovedButGdprIs() throws IOException {
        BidRequest r = decode("pbsgo-smaato-native-coppa-gpp.json");
        assertEquals(1, r.regs.coppa);
        assertEquals(1, r.regs.gdpr);
        assertEquals("uspConsentString", r.regs.us_privacy);
        assertEquals(0.00123, r.imp.get(0).bidfloor);
    }

    @Test
    void deviceDntTwoIsAccepted() throws IOException {
        BidRequest r = decode("pbsjava-multibid-video-consent.json");
        assertEquals(2, r.device.dnt);
        assertEquals(4.2, r.device.pxratio);
        assertEquals("CPBCa-mPBCa-mAAAAAENA0CAAEAAAAAAACiQAaQAwAAgAgABoAAAAAA", r.user.consent);
        assertEquals(0, r.regs.gdpr);
        assertEquals("1YNN", r.regs.us_privacy);
    }

    @Test
    void fiveBannerImps() throws IOException {
        assertEquals(5, decode("pbsgo-rtbstack-5-imps.json").imp.size());
    }

    private static BidRequest decode(String file) throws IOException {
        assertTrue(EXPECTED.getOrDefault(file, new Expected(ErrorReason.MALFORMED_JSON, null)).isValid(),
                file + " is not classified as valid");
        return decodeValid(new BidRequestDecoder(), SharedSamples.request(file), file);
    }

    private static BidRequest decodeValid(BidRequestDecoder decoder, byte[] json, String what) {
        try {
            BidRequest request = decoder.decode(json, 0, json.length);
            assertNotNull(request, "decode never returns null");
            return request;
        } catch (InvalidRequestException e) {
            return fail(what + " should decode but was refused: " + e.reason() + " at '" + e.path() + "': "
                    + e.getMessage());
        }
    }
}
