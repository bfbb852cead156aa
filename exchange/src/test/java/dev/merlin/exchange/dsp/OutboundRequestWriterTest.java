package dev.merlin.exchange.dsp;

import static dev.merlin.exchange.dsp.OutboundFixture.PUBLISHER;
import static dev.merlin.exchange.dsp.OutboundFixture.SSP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.merlin.config.DspConfig;
import dev.merlin.exchange.privacy.PrivacyDecision;
import dev.merlin.protocol.model.BidRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Floors, media filtering, the supply chain and 2.5/2.6 placement of one outbound request, field by field. */
class OutboundRequestWriterTest {

    private final OutboundFixture fixture = OutboundFixture.create();

    private static String request(String imps, String extra) {
        return "{\"id\":\"r-9\",\"imp\":[" + imps + "],\"site\":{\"id\":\"s\",\"page\":\"https://p.example\"},"
                + "\"test\":1" + extra + "}";
    }

    private JsonNode encode(String json, DspConfig dsp) {
        byte[] bytes = fixture.encode(OutboundFixture.decode(json), PUBLISHER, PrivacyDecision.ALLOWED, dsp);
        assertNotNull(bytes, "written");
        return OutboundFixture.tree(bytes);
    }

    @ParameterizedTest(name = "{0} {1} for a {2} DSP is {3}")
    @CsvSource({
        "1.0,      EUR, USD, 1.08",        // 1 EUR = 1.08 USD
        "0.015,    USD, EUR, 0.0139",      // 0.01388.. rounded up to 4 decimals, never down
        "1.0,      EUR, JPY, 161.2",       // 161.1940.. JPY rounded up to 2 decimals (0 minor units + 2)
        "1.234567, USD, USD, 1.234567",    // the DSP's own currency: exactly as given
        "2,        GBP, EUR, 2.3519",      // 2.54 USD = 2.35185.. EUR
        "0,        EUR, USD, 0",
    })
    void floorIsConvertedAndRoundedUp(String floor, String from, String to, String expected) {
        JsonNode tree = encode(request("{\"id\":\"1\",\"banner\":{\"w\":1,\"h\":1},\"bidfloor\":" + floor
                + ",\"bidfloorcur\":\"" + from + "\"}", ""), OutboundFixture.dsp("2.6", List.of(to), List.of()));
        JsonNode imp = tree.get("imp").get(0);
        assertEquals(expected, imp.get("bidfloor").asText());
        assertEquals(to, imp.get("bidfloorcur").asText());
        assertEquals(List.of(to).toString(), tree.get("cur").toString().replace("\"", ""));
    }

    @Test
    void everyFloorOfImpAndDealsIsConverted() {
        String imp = "{\"id\":\"1\",\"video\":{\"mimes\":[\"video/mp4\"],\"mincpmpersec\":0.5,"
                + "\"durfloors\":[{\"mindur\":1,\"maxdur\":15,\"bidfloor\":1.0}]},\"bidfloor\":2,"
                + "\"bidfloorcur\":\"EUR\",\"pmp\":{\"deals\":[{\"id\":\"d1\",\"bidfloor\":3,\"bidfloorcur\":\"GBP\","
                + "\"mincpmpersec\":0.1,\"durfloors\":[{\"bidfloor\":10}]},{\"id\":\"d2\",\"bidfloor\":4},"
                + "{\"id\":\"d3\"}]}}";
        JsonNode out = encode(request(imp, ""), OutboundFixture.dsp("2.6", List.of("USD"), List.of()))
                .get("imp").get(0);
        assertEquals("0.54", out.get("video").get("mincpmpersec").asText());
        assertEquals("1.08", out.get("video").get("durfloors").get(0).get("bidfloor").asText());
        assertEquals("2.16", out.get("bidfloor").asText());
        JsonNode deals = out.get("pmp").get("deals");
        assertEquals("3.81", deals.get(0).get("bidfloor").asText());
        assertEquals("USD", deals.get(0).get("bidfloorcur").asText());
        assertEquals("0.127", deals.get(0).get("mincpmpersec").asText());
        assertEquals("12.7", deals.get(0).get("durfloors").get(0).get("bidfloor").asText());
        assertEquals("4.0", deals.get(1).get("bidfloor").asText(), "no bidfloorcur: USD, the DSP's own");
        assertEquals("USD", deals.get(1).get("bidfloorcur").asText());
        assertNull(deals.get(2).get("bidfloorcur"), "a deal without floors gets no currency");
    }

    @Test
    void impsAreFilteredToTheDspMediaTypes() {
        String imps = "{\"id\":\"both\",\"banner\":{\"w\":300,\"h\":250},\"video\":{\"mimes\":[\"video/mp4\"]}},"
                + "{\"id\":\"video\",\"video\":{\"mimes\":[\"video/mp4\"]}},"
                + "{\"id\":\"native\",\"native\":{\"request\":\"{}\"}}";
        JsonNode out = encode(request(imps, ""), OutboundFixture.dsp("2.6", List.of("USD"), List.of("banner")));
        assertEquals(1, out.get("imp").size());
        JsonNode imp = out.get("imp").get(0);
        assertEquals("both", imp.get("id").asText());
        assertNotNull(imp.get("banner"));
        assertNull(imp.get("video"), "the DSP does not take video: the video object stays home");
        BidRequest in = OutboundFixture.decode(request(imps, ""));
        DspConfig bannerOnly = OutboundFixture.dsp("2.6", List.of("USD"), List.of("banner"));
        assertTrue(fixture.writer.sendsImp(in.imp.get(0), bannerOnly));
        assertFalse(fixture.writer.sendsImp(in.imp.get(1), bannerOnly), "a bid for it would be for an unsent imp");
        assertFalse(fixture.writer.sendsImp(in.imp.get(2), bannerOnly));

        JsonNode videoAndNative = encode(request(imps, ""),
                OutboundFixture.dsp("2.6", List.of("USD"), List.of("video", "native")));
        assertEquals(3, videoAndNative.get("imp").size());
        assertNull(videoAndNative.get("imp").get(0).get("banner"));
        assertNotNull(videoAndNative.get("imp").get(2).get("native"));
    }

    @Test
    void noImpForTheDspWritesNothing() {
        BidRequest in = OutboundFixture.decode(request("{\"id\":\"1\",\"video\":{\"mimes\":[\"video/mp4\"]}},"
                + "{\"id\":\"2\",\"banner\":{\"w\":1,\"h\":1},\"bidfloor\":1,\"bidfloorcur\":\"XYZ\"}", ""));
        ByteBuf out = Unpooled.buffer();
        try {
            out.writeBytes("prefix".getBytes(StandardCharsets.UTF_8));
            assertEquals(OutboundRequestWriter.Outcome.NO_IMPS, fixture.writer.write(in, PUBLISHER,
                    PrivacyDecision.ALLOWED, OutboundFixture.dsp("2.6", List.of("USD"), List.of("banner")), 50, out));
            assertEquals(6, out.writerIndex(), "a banner imp whose floor currency is unknown is not sent either");
        } finally {
            out.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "'\"bidfloor\":1e300,\"bidfloorcur\":\"EUR\"'",
        "'\"bidfloor\":1e300'",
        "'\"bidfloor\":1000000000,\"bidfloorcur\":\"JPY\"'",
        "'\"bidfloorcur\":\"EUR\",\"pmp\":{\"deals\":[{\"id\":\"d\",\"bidfloor\":1.7e308,\"bidfloorcur\":\"GBP\"}]}'",
    })
    @Timeout(10)
    void hostileFloorIsNotSentAndNeverHangs(String floorFields) {
        BidRequest in = OutboundFixture.decode(request("{\"id\":\"1\",\"banner\":{\"w\":1,\"h\":1}," + floorFields
                + "}", ""));
        assertNull(fixture.encode(in, PUBLISHER, PrivacyDecision.ALLOWED,
                OutboundFixture.dsp("2.6", List.of("USD"), List.of())), "no DSP takes a floor no bid clears");
    }

    @Test
    void supplyChainIsStartedOrExtended() {
        DspConfig dsp = OutboundFixture.dsp("2.6", List.of("USD"), List.of());
        String imp = "{\"id\":\"1\",\"banner\":{\"w\":1,\"h\":1}}";
        BidRequest none = OutboundFixture.decode(request(imp, ""));
        JsonNode forPublisher = OutboundFixture.tree(fixture.encode(none, PUBLISHER, PrivacyDecision.ALLOWED, dsp))
                .get("source").get("schain");
        assertEquals(1, forPublisher.get("complete").asInt(), "a publisher's own request: Merlin's node is all");
        assertEquals("1.0", forPublisher.get("ver").asText());
        assertEquals("{\"asi\":\"merlin.example\",\"sid\":\"pub-7\",\"rid\":\"r-9\",\"hp\":1}",
                forPublisher.get("nodes").get(0).toString());
        JsonNode forSsp = OutboundFixture.tree(fixture.encode(none, SSP, PrivacyDecision.ALLOWED, dsp))
                .get("source").get("schain");
        assertEquals(0, forSsp.get("complete").asInt(), "an intermediary's upstream cannot be vouched for");

        BidRequest chained = OutboundFixture.decode(request(imp, ",\"source\":{\"tid\":\"t\",\"ext\":{\"x\":1,"
                + "\"schain\":{\"complete\":1,\"ver\":\"1.0\",\"nodes\":[{\"asi\":\"a.example\",\"sid\":\"1\","
                + "\"hp\":1},{\"asi\":\"b.example\",\"sid\":\"2\",\"hp\":1}]}}}"));
        JsonNode source = OutboundFixture.tree(fixture.encode(chained, SSP, PrivacyDecision.ALLOWED, dsp))
                .get("source");
        JsonNode chain = source.get("schain");
        assertEquals(1, chain.get("complete").asInt());
        assertEquals(3, chain.get("nodes").size());
        assertEquals("b.example", chain.get("nodes").get(1).get("asi").asText());
        assertEquals("ssp-3", chain.get("nodes").get(2).get("sid").asText());
        assertEquals("{\"x\":1}", source.get("ext").toString(), "2.5's ext.schain moved, the rest of ext kept");
    }

    @Test
    void ortb25PlacesSignalsUnderExtKeepingTheRest() {
        String json = request("{\"id\":\"1\",\"banner\":{\"w\":1,\"h\":1}}", ",\"user\":{\"consent\":\"C\","
                + "\"eids\":[{\"source\":\"s.example\",\"uids\":[{\"id\":\"u\"}]}],\"ext\":{\"keep\":true}},"
                + "\"regs\":{\"coppa\":0,\"gdpr\":1,\"us_privacy\":\"1YNN\",\"gpp\":\"G\",\"gpp_sid\":[2],"
                + "\"ext\":{\"dsa\":{\"required\":1}}},\"source\":{\"schain\":{\"complete\":0,\"nodes\":[]}}");
        JsonNode out = encode(json, OutboundFixture.dsp("2.5", List.of("USD"), List.of()));
        assertEquals("{\"coppa\":0,\"ext\":{\"dsa\":{\"required\":1},\"gdpr\":1,\"us_privacy\":\"1YNN\",\"gpp\":\"G\","
                + "\"gpp_sid\":[2]}}", out.get("regs").toString());
        assertEquals("{\"ext\":{\"keep\":true,\"consent\":\"C\",\"eids\":[{\"source\":\"s.example\",\"uids\":"
                + "[{\"id\":\"u\"}]}]}}", out.get("user").toString());
        assertNull(out.get("source").get("schain"));
        assertEquals(1, out.get("source").get("ext").get("schain").get("nodes").size());

        JsonNode out26 = encode(json, OutboundFixture.dsp("2.6", List.of("USD"), List.of()));
        assertEquals("{\"coppa\":0,\"gdpr\":1,\"us_privacy\":\"1YNN\",\"gpp\":\"G\",\"gpp_sid\":[2],"
                + "\"ext\":{\"dsa\":{\"required\":1}}}", out26.get("regs").toString());
        assertEquals("C", out26.get("user").get("consent").asText());
        assertEquals("{\"keep\":true}", out26.get("user").get("ext").toString());
        assertEquals(1, out26.get("test").asInt());
        assertEquals("r-9", out26.get("id").asText());
    }

    @Test
    void requestsFollowEachOtherInOneBufferAndAFailureLeavesItUnchanged() {
        BidRequest in = OutboundFixture.decode(request("{\"id\":\"1\",\"banner\":{\"w\":1,\"h\":1}}", ""));
        DspConfig dsp = OutboundFixture.dsp("2.6", List.of("USD"), List.of());
        ByteBuf small = Unpooled.buffer(8, 64);
        try {
            small.writeByte('x');
            assertThrows(IndexOutOfBoundsException.class,
                    () -> fixture.writer.write(in, PUBLISHER, PrivacyDecision.ALLOWED, dsp, 50, small));
            assertEquals(1, small.writerIndex(), "a failed write leaves the buffer as it was");
        } finally {
            small.release();
        }
        ByteBuf out = Unpooled.buffer();
        try {
            fixture.writer.write(in, PUBLISHER, PrivacyDecision.ALLOWED, dsp, 50, out);
            int first = out.writerIndex();
            fixture.writer.write(in, PUBLISHER, PrivacyDecision.ALLOWED, dsp, 60, out);
            byte[] second = new byte[out.writerIndex() - first];
            out.getBytes(first, second);
            assertEquals('{', second[0], "no separator between documents");
            assertEquals(60, OutboundFixture.tree(second).get("tmax").asInt());
            assertEquals(first, second.length);
            assertFalse(new String(second, StandardCharsets.UTF_8).contains("\"tmax\":50"));
            assertTrue(OutboundFixture.tree(second).get("imp").isArray());
        } finally {
            out.release();
        }
    }
}
