package dev.merlin.exchange.dsp;

import static dev.merlin.exchange.dsp.OutboundFixture.CURRENCIES;
import static dev.merlin.exchange.dsp.OutboundFixture.PUBLISHER;
import static dev.merlin.exchange.dsp.OutboundFixture.TMAX_MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.merlin.config.DspConfig;
import dev.merlin.exchange.privacy.PrivacyDecision;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Deal;
import dev.merlin.protocol.model.Imp;
import dev.merlin.protocol.model.Regs;
import dev.merlin.protocol.model.SupplyChain;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every valid public sample request, encoded for an OpenRTB 2.6 and a 2.5 DSP bidding in EUR, read back by Jackson
 * databind: the same imps (those whose floor currency converts), floors converted and never lower, {@code cur},
 * {@code tmax}, the schain with Merlin's node last, consent, privacy strings and eids in the version's location and
 * nowhere else, and the context (site, app, device, imp media, ext objects) unchanged.
 */
class OutboundCorpusTest {

    private final OutboundFixture fixture = OutboundFixture.create();

    static Stream<Arguments> samplesAndVersions() {
        return OutboundFixture.validSamples().flatMap(name -> Stream.of(Arguments.of(name, "2.6"),
                Arguments.of(name, "2.5")));
    }

    @ParameterizedTest(name = "{0} for a {1} DSP")
    @MethodSource("samplesAndVersions")
    void sampleEncodesForTheDsp(String name, String version) {
        BidRequest in = OutboundFixture.decode(OutboundFixture.sample(name));
        DspConfig dsp = OutboundFixture.dsp(version, List.of("EUR"), List.of());
        byte[] bytes = fixture.encode(in, PUBLISHER, PrivacyDecision.ALLOWED, dsp);
        List<Imp> expectedImps = convertibleImps(in);
        if (expectedImps.isEmpty()) {
            assertNull(bytes, "no imp converts, so the DSP must not be called");
            return;
        }
        assertNotNull(bytes);
        BidRequest out = OutboundFixture.databind(bytes);
        JsonNode tree = OutboundFixture.tree(bytes);
        assertEquals(in.id, out.id);
        assertEquals(TMAX_MS, out.tmax);
        assertEquals(List.of("EUR"), out.cur);
        assertEquals(in.test, out.test);
        assertEquals(in.site, out.site);
        assertEquals(in.app, out.app);
        assertEquals(in.dooh, out.dooh);
        if (in.device != null) {
            in.device.atts = null;
        }
        assertEquals(in.device, out.device, "the allowed case passes the device as it came");
        assertEquals(in.ext, out.ext);
        assertImps(expectedImps, out.imp);
        assertSupplyChain(in, tree, "2.5".equals(version));
        assertRegs(in.regs, tree, "2.5".equals(version));
        assertUser(in, tree, "2.5".equals(version));
    }

    private static List<Imp> convertibleImps(BidRequest in) {
        List<Imp> imps = new ArrayList<>();
        for (Imp imp : in.imp) {
            boolean known = imp.bidfloorcur == null || CURRENCIES.isKnown(imp.bidfloorcur);
            if (imp.pmp != null && imp.pmp.deals != null) {
                for (Deal deal : imp.pmp.deals) {
                    known &= deal.bidfloorcur == null || CURRENCIES.isKnown(deal.bidfloorcur);
                }
            }
            if (known) {
                imps.add(imp);
            }
        }
        return imps;
    }

    private static void assertImps(List<Imp> expected, List<Imp> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            Imp want = expected.get(i);
            Imp got = actual.get(i);
            assertEquals(want.id, got.id);
            assertEquals(want.banner, got.banner);
            assertEquals(want.nativeAd, got.nativeAd);
            assertEquals(want.ext, got.ext);
            assertEquals(want.tagid, got.tagid);
            assertEquals(want.secure, got.secure);
            assertEquals("EUR", got.bidfloorcur);
            assertFloor(want.bidfloor, want.bidfloorcur, got.bidfloor);
            if (want.video != null) {
                assertFloor(want.video.mincpmpersec, want.bidfloorcur, got.video.mincpmpersec);
                assertEquals(want.video.mimes, got.video.mimes);
                assertEquals(want.video.protocols, got.video.protocols);
            }
            List<Deal> deals = want.pmp == null ? null : want.pmp.deals;
            for (int d = 0; deals != null && d < deals.size(); d++) {
                Deal wantDeal = deals.get(d);
                Deal gotDeal = got.pmp.deals.get(d);
                assertEquals(wantDeal.id, gotDeal.id);
                assertEquals(wantDeal.wseat, gotDeal.wseat);
                assertFloor(wantDeal.bidfloor, wantDeal.bidfloorcur, gotDeal.bidfloor);
                if (wantDeal.bidfloor != null) {
                    assertEquals("EUR", gotDeal.bidfloorcur);
                }
            }
        }
    }

    /** The converted floor is never below the original and at most one precision step (0.0001 EUR) above it. */
    static void assertFloor(Double original, String currency, Double converted) {
        if (original == null) {
            assertNull(converted);
            return;
        }
        assertNotNull(converted);
        String from = currency == null ? "USD" : currency;
        long originalMicros = CURRENCIES.toMicros(original, from);
        long convertedMicros = CURRENCIES.toMicros(converted, "EUR");
        assertTrue(convertedMicros >= originalMicros, original + " " + from + " became " + converted + " EUR");
        assertTrue(convertedMicros <= originalMicros + 2 + 100 * 1.08, original + " " + from + " became "
                + converted + " EUR, more than one step above");
    }

    private static void assertSupplyChain(BidRequest in, JsonNode tree, boolean ortb25) {
        JsonNode source = tree.get("source");
        JsonNode chain = ortb25 ? source.path("ext").get("schain") : source.get("schain");
        assertNotNull(chain, "schain in the version's location");
        assertTrue(ortb25 ? source.get("schain") == null : source.path("ext").get("schain") == null,
                "schain only in the version's location");
        SupplyChain incoming = in.source == null ? null : in.source.schain;
        int incomingNodes = incoming == null || incoming.nodes == null ? 0 : incoming.nodes.size();
        JsonNode nodes = chain.get("nodes");
        assertEquals(incomingNodes + 1, nodes.size());
        for (int i = 0; i < incomingNodes; i++) {
            assertEquals(incoming.nodes.get(i).asi, nodes.get(i).path("asi").asText(null));
            assertEquals(incoming.nodes.get(i).sid, nodes.get(i).path("sid").asText(null));
        }
        JsonNode merlin = nodes.get(incomingNodes);
        assertEquals("merlin.example", merlin.get("asi").asText());
        assertEquals(PUBLISHER.id(), merlin.get("sid").asText());
        assertEquals(1, merlin.get("hp").asInt());
        assertEquals(in.id, merlin.get("rid").asText());
        int complete = incoming == null ? 1 : Objects.requireNonNullElse(incoming.complete, 0);
        assertEquals(complete, chain.get("complete").asInt());
        assertEquals(incoming == null || incoming.ver == null ? "1.0" : incoming.ver, chain.get("ver").asText());
        if (in.source != null) {
            assertEquals(in.source.tid, source.path("tid").asText(null));
        }
    }

    private static void assertRegs(Regs regs, JsonNode tree, boolean ortb25) {
        JsonNode out = tree.get("regs");
        if (regs == null) {
            assertNull(out);
            return;
        }
        assertEquals(regs.coppa == null ? null : regs.coppa.toString(), text(out.get("coppa")));
        JsonNode here = ortb25 ? out.path("ext") : out;
        JsonNode notThere = ortb25 ? out : out.path("ext");
        assertEquals(regs.gdpr == null ? null : regs.gdpr.toString(), text(here.get("gdpr")));
        assertEquals(regs.us_privacy, text(here.get("us_privacy")));
        assertEquals(regs.gpp, text(here.get("gpp")));
        assertEquals(regs.gpp_sid == null ? null : regs.gpp_sid.toString().replace(" ", ""),
                here.get("gpp_sid") == null ? null : here.get("gpp_sid").toString());
        for (String moved : List.of("gdpr", "us_privacy", "gpp", "gpp_sid")) {
            assertNull(notThere.get(moved), moved + " only in the version's location");
        }
    }

    private static void assertUser(BidRequest in, JsonNode tree, boolean ortb25) {
        JsonNode user = tree.get("user");
        if (in.user == null) {
            assertNull(user);
            return;
        }
        JsonNode here = ortb25 ? user.path("ext") : user;
        JsonNode notThere = ortb25 ? user : user.path("ext");
        assertEquals(in.user.consent, text(here.get("consent")));
        assertNull(notThere.get("consent"), "consent only in the version's location");
        assertNull(notThere.get("eids"), "eids only in the version's location");
        assertEquals(in.user.eids == null ? 0 : in.user.eids.size(), here.path("eids").size());
        assertNull(user.get("id"), "the seller's user id never leaves; with no pairwise id given, none goes");
        assertFalse(user.has("buyeruid"), "buyeruid belongs to whichever DSP the seller synced with");
        assertEquals(in.user.data == null ? 0 : in.user.data.size(), user.path("data").size());
    }

    private static String text(JsonNode node) {
        return node == null ? null : node.isTextual() ? node.asText() : node.toString();
    }
}
