package dev.merlin.exchange.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.merlin.config.ActivityControl;
import dev.merlin.config.ActivityRule;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.DspConfig;
import dev.merlin.config.DspPrivacy;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.PrivacyConfig;
import dev.merlin.config.ResidencyRule;
import dev.merlin.exchange.auction.UserKeys;
import dev.merlin.exchange.privacy.AudienceSegments;
import dev.merlin.exchange.privacy.DataCategories;
import dev.merlin.exchange.privacy.OutboundPolicy;
import dev.merlin.exchange.privacy.OutboundRules;
import dev.merlin.exchange.privacy.OutboundUser;
import dev.merlin.exchange.privacy.PairwiseIds;
import dev.merlin.exchange.privacy.PrivacyDecision;
import dev.merlin.exchange.privacy.RefusalReason;
import dev.merlin.exchange.privacy.SegmentSizes;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.model.BidRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

/**
 * The outbound shaping as a property, over generated requests (ids, eids, audience data, full and partial IPs,
 * precise and coarse geo, countries in and out of the EEA or unknown, GDPR and GPP signals), generated DSPs (region,
 * OpenRTB version, activity controls), residency rule sets and consent decisions:
 * <ol>
 *   <li>no request carries a category of personal data its policy forbids, read back from the bytes written;</li>
 *   <li>what the writer says it wrote ({@code categoriesWritten}, what the data-flow ledger counts) is exactly what
 *       the bytes carry;</li>
 *   <li>a refused consent decision, or a DSP region residency does not allow for the user's region (checked against
 *       a table written here, not the rules' code), sends nothing personal;</li>
 *   <li>the seller's own user id and {@code buyeruid} never leave.</li>
 * </ol>
 */
class OutboundShapingPropertyTest {

    private static final List<String> EEA = List.of("DEU", "FRA", "IRL");
    private static final List<String> COUNTRIES = List.of("DEU", "FRA", "USA", "JPN", "", "xx1");
    private static final List<String> DSP_REGIONS = List.of("DEU", "USA", "JPN", "EEA");
    private static final List<List<ResidencyRule>> RESIDENCIES = List.of(
            List.of(),
            List.of(new ResidencyRule(List.of("EEA"), List.of("EEA")),
                    new ResidencyRule(List.of("*"), List.of("EEA", "USA", "JPN"))),
            List.of(new ResidencyRule(List.of("EEA"), List.of("EEA"))));
    private static final List<ActivityControl> CONTROLS = List.of(
            ActivityControl.allowed(),
            new ActivityControl(false, null),
            new ActivityControl(true, List.of(new ActivityRule(false, List.of("EEA"), null))),
            new ActivityControl(true, List.of(new ActivityRule(false, null, List.of(8)))));
    private static final PairwiseIds PAIRWISE = PairwiseIds.of("property test key of 32 bytes...".getBytes(
            StandardCharsets.US_ASCII));

    private final OutboundFixture fixture = OutboundFixture.create();
    private final BidRequestDecoder decoder = new BidRequestDecoder();
    private final OutboundUser merlin = new OutboundUser();
    /** Merlin's segments for the user: 5 holds 100 users, 9 holds 10, under the floor of 50. */
    private static final AudienceSegments MERLIN_SEGMENTS = new AudienceSegments() {
        @Override
        public int size() {
            return 2;
        }

        @Override
        public int get(int index) {
            return index == 0 ? 5 : 9;
        }
    };
    private static final SegmentSizes CENSUS = id -> id == 5 ? 100 : 10;
    private final ByteBuf out = Unpooled.buffer(4096);

    /** One generated case. */
    record Case(String requestJson, String country, int dspRegion, int residency, boolean is25,
                ActivityControl ufpd, ActivityControl eids, ActivityControl geo, boolean refused) {
    }

    @Property(tries = 1_000_000, shrinking = ShrinkingMode.OFF)
    void noRequestCarriesWhatItsPolicyForbidsAndTheLedgerCountsWhatItCarries(@ForAll("cases") Case c)
            throws Exception {
        DspConfig dsp = DspConfig.builder().id("dsp-" + c.dspRegion()).name("DSP").endpoint("http://127.0.0.1:9/bid")
                .region(DSP_REGIONS.get(c.dspRegion())).openrtb(c.is25() ? "2.5" : "2.6").currencies(List.of("USD"))
                .privacy(new DspPrivacy(null, null, c.ufpd(), c.eids(), c.geo(), null, null)).build();
        OutboundRules rules = RULES.get(c.residency() * 10 + c.dspRegion(), dsp);
        byte[] json = c.requestJson().getBytes(StandardCharsets.UTF_8);
        BidRequest request = decoder.decode(json, 0, json.length);
        PrivacyDecision decision = c.refused() ? PrivacyDecision.refused(RefusalReason.GDPR_PURPOSE_NOT_CONSENTED)
                : PrivacyDecision.ALLOWED;
        OutboundPolicy policy = rules.policy(decision, request, 0);
        OutboundUser merlin = this.merlin.clear();
        // the bid path's user key: the seller's buyeruid or user.id, else the IFA (a request may have no user)
        String userKey = UserKeys.select(request);
        if (policy.sharesIdentifiers() && userKey != null) {
            merlin.pairwiseId(PAIRWISE, dsp.id(), userKey);
        }
        if (policy.sharesAudienceData()) {
            merlin.segments(MERLIN_SEGMENTS, CENSUS, 50);
        }
        out.clear();
        fixture.writer.write(request, OutboundFixture.PUBLISHER, policy, merlin, dsp, OutboundFixture.TMAX_MS, out);
        String text = out.toString(StandardCharsets.UTF_8);
        int carried = carried(OutboundFixture.tree(text.getBytes(StandardCharsets.UTF_8)), request);
        assertEquals(0, carried & ~policy.categories(), () -> "forbidden " + DataCategories.label(carried
                & ~policy.categories()) + " under " + policy + ": " + text);
        assertEquals(carried, fixture.writer.categoriesWritten(), () -> "the ledger would count "
                + DataCategories.label(fixture.writer.categoriesWritten()) + " for " + text);
        if (c.refused() || !residencyAllows(c.residency(), c.country(), DSP_REGIONS.get(c.dspRegion()))) {
            assertEquals(DataCategories.NONE, carried, () -> "personal data left: " + text);
        }
        assertFalse(text.contains("\"merlin\",\"name\":\"Merlin\",\"segment\":[{\"id\":\"9\"}"), text);
        assertFalse(text.contains("{\"id\":\"9\"}"), () -> "segment 9 is under the floor: " + text);
        assertFalse(text.contains("SELLER-UID"), text);
        assertFalse(text.contains("BUYERUID"), text);
    }

    /** The residency table of {@link #RESIDENCIES}, written out: whether the user's data may reach the DSP. */
    private static boolean residencyAllows(int residency, String country, String dspRegion) {
        if (residency == 0) {
            return true;
        }
        if (country == null) {
            return false;
        }
        if (dspRegion.equals(country)) {
            return true;
        }
        boolean userInEea = EEA.contains(country);
        boolean dspInEea = dspRegion.equals("EEA") || EEA.contains(dspRegion);
        if (residency == 1) {
            return userInEea ? dspInEea : dspInEea || dspRegion.equals("USA") || dspRegion.equals("JPN");
        }
        return userInEea && dspInEea;
    }

    /** The categories of personal data the written JSON carries, read from the bytes alone. */
    private static int carried(JsonNode tree, BidRequest in) {
        int categories = DataCategories.NONE;
        JsonNode user = tree.path("user");
        JsonNode device = tree.path("device");
        if (user.has("id")) {
            categories |= DataCategories.IDS;
        }
        for (String field : List.of("ifa", "didsha1", "didmd5", "dpidsha1", "dpidmd5", "macsha1", "macmd5")) {
            if (device.has(field)) {
                categories |= DataCategories.IDS;
            }
        }
        if (user.path("eids").size() > 0 || user.path("ext").path("eids").size() > 0) {
            categories |= DataCategories.EIDS;
        }
        for (String field : List.of("data", "keywords", "kwarray", "yob", "gender", "customdata")) {
            if (user.has(field)) {
                categories |= DataCategories.SEGMENTS;
            }
        }
        if (in.device != null && (in.device.ip != null && in.device.ip.equals(device.path("ip").asText(null))
                || in.device.ipv6 != null && in.device.ipv6.equals(device.path("ipv6").asText(null)))) {
            categories |= DataCategories.IP;
        }
        if (isPrecise(device.path("geo")) || isPrecise(user.path("geo"))) {
            categories |= DataCategories.PRECISE_GEO;
        }
        return categories;
    }

    private static boolean isPrecise(JsonNode geo) {
        if (geo.has("zip") || geo.has("accuracy") || geo.has("lastfix")) {
            return true;
        }
        for (String field : List.of("lat", "lon")) {
            JsonNode value = geo.get(field);
            if (value != null && value.decimalValue().stripTrailingZeros().scale() > 2) {
                return true;
            }
        }
        return false;
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<String> country = Arbitraries.of(COUNTRIES);
        Arbitrary<String> request = Combinators.combine(country, Arbitraries.integers().between(0, 1 << 16),
                Arbitraries.integers().between(1, 254), Arbitraries.integers().between(0, 999_999),
                Arbitraries.integers().between(0, 2)).as(OutboundShapingPropertyTest::requestJson);
        return Combinators.combine(request, Arbitraries.integers().between(0, DSP_REGIONS.size() - 1),
                Arbitraries.integers().between(0, RESIDENCIES.size() - 1), Arbitraries.of(true, false),
                Arbitraries.of(CONTROLS), Arbitraries.of(CONTROLS), Arbitraries.of(CONTROLS),
                Arbitraries.of(false, false, false, true))
                .as((json, region, residency, is25, ufpd, eids, geo, refused) -> new Case(json,
                        countryOf(json), region, residency, is25, ufpd, eids, geo, refused));
    }

    /** A request whose optional parts are switched on and off by the bits of {@code mask}. */
    private static String requestJson(String country, int mask, int octet, int fraction, int gdpr) {
        StringBuilder json = new StringBuilder("{\"id\":\"r1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,"
                + "\"h\":250}}],\"site\":{\"id\":\"s1\",\"page\":\"https://news.example/a\"}");
        if ((mask & 1) != 0) {
            json.append(",\"device\":{\"ua\":\"UA\"");
            if ((mask & 2) != 0) {
                json.append(",\"ip\":\"198.51.100.").append(octet).append('"');
            }
            if ((mask & 4) != 0) {
                json.append(",\"ipv6\":\"2001:db8:abcd:12ff:").append(Integer.toHexString(octet)).append("::1\"");
            }
            if ((mask & 8) != 0) {
                json.append(",\"ifa\":\"IFA-").append(octet).append("\",\"didsha1\":\"D").append(octet).append('"');
            }
            json.append(",\"geo\":{\"country\":\"").append(country).append('"');
            appendCoordinates(json, mask, fraction);
            if ((mask & 32) != 0) {
                json.append(",\"zip\":\"10115\"");
            }
            json.append("}}");
        }
        if ((mask & 64) != 0) {
            json.append(",\"user\":{\"id\":\"SELLER-UID-").append(octet).append("\",\"buyeruid\":\"BUYERUID-1\"");
            if ((mask & 128) != 0) {
                json.append(",\"eids\":[{\"source\":\"id5-sync.com\",\"uids\":[{\"id\":\"E").append(octet)
                        .append("\"}]}]");
            }
            if ((mask & 256) != 0) {
                json.append(",\"data\":[{\"id\":\"dmp\",\"segment\":[{\"id\":\"s").append(octet).append("\"}]}]");
            }
            if ((mask & 512) != 0) {
                json.append(",\"yob\":1980,\"keywords\":\"k\"");
            }
            if ((mask & 1024) != 0) {
                json.append(",\"geo\":{\"lat\":1.5,\"lon\":2.25,\"accuracy\":5}");
            }
            json.append('}');
        }
        json.append(",\"regs\":{\"coppa\":0");
        if (gdpr < 2) {
            json.append(",\"gdpr\":").append(gdpr);
        }
        if ((mask & 2048) != 0) {
            json.append(",\"gpp_sid\":[").append((mask & 4096) != 0 ? 8 : 7).append(']');
        }
        return json.append("}}").toString();
    }

    private static void appendCoordinates(StringBuilder json, int mask, int fraction) {
        if ((mask & 16) == 0) {
            return;
        }
        // precise (6 decimals) or already coarse (2): only the first is precise geo
        String decimals = (mask & 8192) != 0 ? String.format(Locale.ROOT, "%06d", fraction)
                : String.format(Locale.ROOT, "%02d", fraction % 100);
        json.append(",\"lat\":52.").append(decimals).append(",\"lon\":13.").append(decimals);
    }

    /** The user's country as the generated request states it: a valid device country, else USA under GPP 7 or 8. */
    private static String countryOf(String json) {
        int at = json.indexOf("\"country\":\"");
        String country = at < 0 ? null : json.substring(at + 11, json.indexOf('"', at + 11));
        if (country != null && Set.of("DEU", "FRA", "USA", "JPN").contains(country)) {
            return country;
        }
        return json.contains("\"gpp_sid\":[") ? "USA" : null;
    }

    /** One set of rules per residency rule set and DSP region, built once. */
    private static final RulesCache RULES = new RulesCache();

    /** The rules for a residency rule set and one DSP; built on first use (start-up work). */
    private static final class RulesCache {
        private final Map<String, OutboundRules> built = new ConcurrentHashMap<>();
        private final MerlinConfig base = ConfigLoader.loadDefault();

        OutboundRules get(int key, DspConfig dsp) {
            String cacheKey = key + "|" + dsp.openrtb() + "|" + System.identityHashCode(dsp.privacy().transmitUfpd())
                    + "|" + System.identityHashCode(dsp.privacy().transmitEids()) + "|"
                    + System.identityHashCode(dsp.privacy().transmitPreciseGeo());
            return built.computeIfAbsent(cacheKey, k -> new OutboundRules(base.toBuilder()
                    .regions(Map.of("EEA", EEA))
                    .privacy(PrivacyConfig.builder().personalizationCountries(List.of())
                            .residency(RESIDENCIES.get(key / 10)).build())
                    .dsps(List.of(dsp)).build().validate()));
        }
    }
}
