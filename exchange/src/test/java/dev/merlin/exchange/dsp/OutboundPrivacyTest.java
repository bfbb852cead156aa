package dev.merlin.exchange.dsp;

import static dev.merlin.exchange.dsp.OutboundFixture.PUBLISHER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.merlin.exchange.privacy.PrivacyDecision;
import dev.merlin.exchange.privacy.RefusalReason;
import dev.merlin.protocol.BidRequestEncoder;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Data;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Eid;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.Segment;
import dev.merlin.protocol.model.Uid;
import dev.merlin.protocol.model.User;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Attacker-minded: for every refusal reason and both OpenRTB versions, none of the request's identifiers appears
 * anywhere in the bytes sent to a DSP (user id, buyeruid, every eid's id, IFA and hashed device ids, the full IP,
 * the precise lat/lon digits, audience segments, keywords), over every sample request and over a request that
 * hides them in every location the decoder knows (2.5 ext locations, ext objects, user.ext.prebid). The allowed
 * case keeps them (all but buyeruid).
 */
class OutboundPrivacyTest {

    /** Every identifier in its 2.6 and 2.5 locations and in ext objects, each value unique and searchable. */
    static final String LOADED = """
            {"id":"req-1","imp":[{"id":"1","banner":{"w":300,"h":250},"bidfloor":0.5}],
             "site":{"id":"s1","page":"https://news.example/a"},
             "device":{"ua":"Mozilla/5.0","ip":"203.0.113.77","ipv6":"2001:db8:abcd:12ff:1111:2222:3333:4444",
               "ifa":"IFA-SECRET-0001","didsha1":"DIDSHA1-SECRET","didmd5":"DIDMD5-SECRET",
               "dpidsha1":"DPIDSHA1-SECRET","dpidmd5":"DPIDMD5-SECRET","macsha1":"MACSHA1-SECRET",
               "macmd5":"MACMD5-SECRET","make":"Apple","os":"iOS",
               "geo":{"lat":35.689487,"lon":139.691706,"zip":"ZIP-SECRET-160","city":"Tokyo","country":"JPN",
                 "accuracy":5,"lastfix":7,"ext":{"precise":"GEOEXT-SECRET"}},
               "ext":{"atts":3,"ifv":"IFV-SECRET-0002"}},
             "user":{"id":"USER-ID-SECRET","buyeruid":"BUYERUID-SECRET","yob":1983,"gender":"F",
               "keywords":"KEYWORDS-SECRET","kwarray":["KWARRAY-SECRET"],"customdata":"CUSTOMDATA-SECRET",
               "geo":{"lat":-33.868820,"lon":151.209296,"zip":"ZIP-SECRET-2000"},
               "data":[{"id":"dmp","segment":[{"id":"SEGMENT-SECRET"}]}],"consent":"CONSENT-STRING",
               "eids":[{"source":"id5-sync.com","uids":[{"id":"EID-SECRET-26","atype":1}]}],
               "ext":{"eids":[{"source":"liveramp.com","uids":[{"id":"EID-SECRET-25"}]}],
                 "prebid":{"buyeruids":{"other":"PREBID-BUYERUID-SECRET"}},"tpid":"USEREXT-SECRET"}},
             "regs":{"gdpr":1,"ext":{"us_privacy":"1YNN"}},
             "source":{"tid":"t-1","ext":{"schain":{"complete":1,"ver":"1.0",
               "nodes":[{"asi":"ssp.example","sid":"p-1","hp":1}]}}}}
            """;

    private final OutboundFixture fixture = OutboundFixture.create();

    static Stream<Arguments> requestsReasonsAndVersions() {
        List<Arguments> cases = new ArrayList<>();
        List<String> names = new ArrayList<>(OutboundFixture.validSamples().toList());
        names.add("LOADED");
        for (String name : names) {
            for (RefusalReason reason : RefusalReason.values()) {
                cases.add(Arguments.of(name, reason, "2.6"));
                cases.add(Arguments.of(name, reason, "2.5"));
            }
        }
        return cases.stream();
    }

    private static BidRequest request(String name) {
        return "LOADED".equals(name) ? OutboundFixture.decode(LOADED)
                : OutboundFixture.decode(OutboundFixture.sample(name));
    }

    @ParameterizedTest(name = "{0}, {1}, {2}")
    @MethodSource("requestsReasonsAndVersions")
    void refusedRequestCarriesNoIdentifier(String name, RefusalReason reason, String version) {
        BidRequest in = request(name);
        List<String> secrets = secrets(in);
        byte[] bytes = fixture.encode(in, PUBLISHER, PrivacyDecision.refused(reason),
                OutboundFixture.dsp(version, List.of("USD"), List.of()));
        if (bytes == null) {
            return;
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        for (String secret : secrets) {
            assertFalse(text.contains(secret), () -> "\"" + secret + "\" leaked for " + reason + ": " + text);
        }
        JsonNode tree = OutboundFixture.tree(bytes);
        JsonNode user = tree.path("user");
        for (String field : List.of("id", "buyeruid", "eids", "data", "keywords", "kwarray", "yob", "gender",
                "customdata")) {
            assertFalse(user.has(field), "user." + field + " for " + reason);
        }
        JsonNode userExt = user.path("ext");
        userExt.fieldNames().forEachRemaining(f -> assertEquals("consent", f, "user.ext." + f + " for " + reason));
        JsonNode device = tree.path("device");
        for (String field : List.of("ifa", "didsha1", "didmd5", "dpidsha1", "dpidmd5", "macsha1", "macmd5")) {
            assertFalse(device.has(field), "device." + field + " for " + reason);
        }
        device.path("ext").fieldNames().forEachRemaining(f -> assertEquals("atts", f, "device.ext." + f));
        if (device.has("ip")) {
            assertTrue(device.get("ip").asText().endsWith(".0"), device.get("ip").asText());
        }
        assertCoarse(device.path("geo"));
        assertCoarse(user.path("geo"));
        assertEquals(in.user == null ? null : in.user.consent, consent(tree, "2.5".equals(version)),
                "the consent string itself still goes: the DSP must see what refuses it");
    }

    @ParameterizedTest(name = "{0}, {2}")
    @MethodSource("requestsReasonsAndVersions")
    void allowedRequestKeepsIdentifiers(String name, RefusalReason unused, String version) {
        if (unused != RefusalReason.COPPA) {
            return;
        }
        BidRequest in = request(name);
        List<String> secrets = secrets(in);
        byte[] bytes = fixture.encode(in, PUBLISHER, PrivacyDecision.ALLOWED,
                OutboundFixture.dsp(version, List.of("USD"), List.of()));
        if (bytes == null) {
            return;
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        for (String secret : secrets) {
            if (in.user != null && secret.equals(in.user.buyeruid) || secret.equals("PREBID-BUYERUID-SECRET")) {
                assertFalse(text.contains(secret), "buyeruid never leaves, nor Prebid's buyeruids");
            } else if (in.user != null && secret.equals(in.user.id)) {
                assertFalse(text.contains(secret), "the seller's user id never leaves: each DSP gets a pairwise id");
            } else if (secret.equals("EID-SECRET-25")) {
                assertFalse(text.contains(secret), "2.6 user.eids win over 2.5 user.ext.eids, as the decoder reads");
            } else {
                assertTrue(text.contains(secret), () -> "\"" + secret + "\" lost although allowed: " + text);
            }
        }
    }

    @Test
    void loadedRequestKeepsItsContextWhenRefused() {
        BidRequest in = OutboundFixture.decode(LOADED);
        byte[] bytes = fixture.encode(in, PUBLISHER, PrivacyDecision.refused(RefusalReason.GDPR_NO_CONSENT_STRING),
                OutboundFixture.dsp("2.6", List.of("USD"), List.of()));
        JsonNode tree = OutboundFixture.tree(bytes);
        JsonNode device = tree.get("device");
        assertEquals("203.0.113.0", device.get("ip").asText());
        assertEquals("2001:db8:abcd:1200::", device.get("ipv6").asText());
        assertEquals(35.69, device.get("geo").get("lat").asDouble());
        assertEquals(139.69, device.get("geo").get("lon").asDouble());
        assertEquals("Tokyo", device.get("geo").get("city").asText());
        assertEquals("JPN", device.get("geo").get("country").asText());
        assertEquals(3, device.get("ext").get("atts").asInt());
        assertEquals("Apple", device.get("make").asText());
        assertEquals(-33.87, tree.get("user").get("geo").get("lat").asDouble());
        assertEquals(151.21, tree.get("user").get("geo").get("lon").asDouble());
        assertEquals("CONSENT-STRING", tree.get("user").get("consent").asText());
        assertEquals(1, tree.get("regs").get("gdpr").asInt());
        assertEquals("1YNN", tree.get("regs").get("us_privacy").asText());
    }

    @Test
    void malformedIpsAreDroppedNotPassed() {
        BidRequest in = OutboundFixture.decode(LOADED);
        in.device.ip = "203.0.113.077";
        in.device.ipv6 = "2001:db8::1%eth0";
        byte[] bytes = fixture.encode(in, PUBLISHER, PrivacyDecision.refused(RefusalReason.LMT),
                OutboundFixture.dsp("2.6", List.of("USD"), List.of()));
        JsonNode device = OutboundFixture.tree(bytes).get("device");
        assertNull(device.get("ip"));
        assertNull(device.get("ipv6"));
        assertNotNull(device.get("ua"));
    }

    private static void assertCoarse(JsonNode geo) {
        if (geo.isMissingNode()) {
            return;
        }
        for (String field : List.of("zip", "accuracy", "lastfix", "ext")) {
            assertFalse(geo.has(field), "geo." + field);
        }
        for (String field : List.of("lat", "lon")) {
            if (geo.has(field)) {
                double value = geo.get(field).asDouble();
                assertEquals(Math.round(value * 100) / 100.0, value, 1e-9, field + " has more than 2 decimals");
            }
        }
    }

    private static String consent(JsonNode tree, boolean ortb25) {
        JsonNode node = ortb25 ? tree.path("user").path("ext").get("consent") : tree.path("user").get("consent");
        return node == null ? null : node.asText();
    }

    /**
     * The request's identifying values: ids, eids, device ids, the full IPs, precise coordinates, audience data;
     * except a value that also appears outside {@code user} and {@code device} (a sample whose {@code customdata}
     * is {@code "data1"}, the filler of all its ext objects), which is context wherever it is.
     */
    static List<String> secrets(BidRequest in) {
        List<String> secrets = candidates(in);
        User user = in.user;
        Device device = in.device;
        in.user = null;
        in.device = null;
        String context = new String(new BidRequestEncoder().encode(in), StandardCharsets.UTF_8);
        in.user = user;
        in.device = device;
        secrets.removeIf(context::contains);
        return secrets;
    }

    private static List<String> candidates(BidRequest in) {
        List<String> secrets = new ArrayList<>();
        User user = in.user;
        if (user != null) {
            add(secrets, user.id);
            add(secrets, user.buyeruid);
            add(secrets, user.keywords);
            add(secrets, user.customdata);
            if (user.kwarray != null) {
                user.kwarray.forEach(k -> add(secrets, k));
            }
            if (user.eids != null) {
                for (Eid eid : user.eids) {
                    for (Uid uid : eid.uids == null ? List.<Uid>of() : eid.uids) {
                        add(secrets, uid.id);
                    }
                }
            }
            if (user.data != null) {
                for (Data data : user.data) {
                    for (Segment segment : data.segment == null ? List.<Segment>of() : data.segment) {
                        add(secrets, segment.id);
                        add(secrets, segment.value);
                    }
                }
            }
            addGeo(secrets, user.geo);
            if (user.ext != null) {
                for (String s : List.of("EID-SECRET-25", "PREBID-BUYERUID-SECRET", "USEREXT-SECRET")) {
                    if (user.ext.json().contains(s)) {
                        secrets.add(s);
                    }
                }
            }
        }
        Device device = in.device;
        if (device != null) {
            for (String id : new String[] {device.ifa, device.didsha1, device.didmd5, device.dpidsha1,
                    device.dpidmd5, device.macsha1, device.macmd5}) {
                add(secrets, id);
            }
            if (device.ip != null && !device.ip.endsWith(".0")) {
                secrets.add(device.ip);
            }
            if (device.ipv6 != null) {
                secrets.add(device.ipv6);
            }
            addGeo(secrets, device.geo);
            if (device.ext != null && device.ext.json().contains("IFV-SECRET-0002")) {
                secrets.add("IFV-SECRET-0002");
            }
        }
        return secrets;
    }

    private static void addGeo(List<String> secrets, Geo geo) {
        if (geo == null) {
            return;
        }
        for (Double coordinate : new Double[] {geo.lat, geo.lon}) {
            if (coordinate != null && Math.round(coordinate * 100) / 100.0 != coordinate) {
                secrets.add(BigDecimal.valueOf(coordinate).stripTrailingZeros().toPlainString());
            }
        }
        add(secrets, geo.zip);
    }

    /** Values short enough to appear by chance elsewhere (a 2-digit segment id) are not searched for. */
    private static void add(List<String> secrets, String value) {
        if (value != null && value.length() >= 5) {
            secrets.add(value);
        }
    }
}
