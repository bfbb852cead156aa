package dev.merlin.protocol;

import static dev.merlin.protocol.BidResponseSamplesTest.TREES;
import static dev.merlin.protocol.BidResponseSamplesTest.extValues;
import static dev.merlin.protocol.BidResponseSamplesTest.name;
import static dev.merlin.protocol.BidResponseSamplesTest.samples;
import static dev.merlin.protocol.BidResponseSamplesTest.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.merlin.protocol.model.Banner;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Format;
import dev.merlin.protocol.model.Imp;
import dev.merlin.protocol.model.Native;
import dev.merlin.protocol.model.RawJson;
import dev.merlin.protocol.model.Regs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import java.io.UncheckedIOException;

class BidRequestEncoderTest {

    /** Fewer request samples than this round-tripping means the model or the encoder lost coverage. */
    private static final int MIN_ROUND_TRIPS = 55;

    private final BidRequestEncoder encoder = new BidRequestEncoder();

    static List<Path> requestSamples() {
        return samples("requests").toList();
    }

    /** The samples databind reads as a BidRequest; the others are counted by {@link #enoughOfTheCorpusRoundTrips}. */
    static List<Path> readableRequestSamples() {
        return requestSamples().stream().filter(file -> readOrNull(file) != null).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readableRequestSamples")
    void sampleRoundTripsThroughEncoder(Path file) throws IOException {
        BidRequest first = readOrNull(file);

        byte[] encoded = encoder.encode(first);

        JsonNode encodedTree = TREES.readTree(encoded);
        assertTrue(encodedTree.isObject(), "encoded request is a JSON object");
        BidRequest second = OpenRtbDatabind.mapper().readValue(encoded, BidRequest.class);
        assertEquals(first, second, () -> "round trip changed the model; encoded: " + utf8(encoded));
        assertEquals(extValues(TREES.readTree(file.toFile())), extValues(encodedTree), "ext values by path");
    }

    @Test
    void enoughOfTheCorpusRoundTrips() throws IOException {
        Map<String, String> unreadable = new TreeMap<>();
        int roundTrips = 0;
        for (Path file : requestSamples()) {
            BidRequest first;
            try {
                first = OpenRtbDatabind.mapper().readValue(file.toFile(), BidRequest.class);
            } catch (JsonProcessingException e) {
                unreadable.put(name(file), e.getOriginalMessage());
                continue;
            }
            if (first == null) {
                unreadable.put(name(file), "JSON null");
                continue;
            }
            BidRequest second = OpenRtbDatabind.mapper().readValue(encoder.encode(first), BidRequest.class);
            assertEquals(first, second, () -> name(file) + " changed in the round trip");
            roundTrips++;
        }
        int total = requestSamples().size();
        assertEquals(total, roundTrips + unreadable.size());
        assertTrue(roundTrips >= MIN_ROUND_TRIPS,
                "only " + roundTrips + " of " + total + " samples round-trip; unreadable: " + unreadable);
    }

    @Test
    void nativeIsWrittenUnderItsSpecKey() throws IOException {
        Native nativeAd = new Native();
        nativeAd.request = "{\"native\":{\"ver\":\"1.2\",\"assets\":[]}}";
        nativeAd.ver = "1.2";
        Imp imp = new Imp();
        imp.id = "1";
        imp.nativeAd = nativeAd;
        imp.bidfloor = 0.5;
        BidRequest request = new BidRequest();
        request.id = "req-1";
        request.imp = List.of(imp);

        JsonNode tree = TREES.readTree(encoder.encode(request));

        JsonNode encodedImp = tree.path("imp").path(0);
        assertTrue(encodedImp.has("native"), () -> "imp: " + encodedImp);
        assertFalse(encodedImp.has("nativeAd"), () -> "imp: " + encodedImp);
        assertEquals(nativeAd.request, encodedImp.path("native").path("request").asText());
        assertEquals("1.2", encodedImp.path("native").path("ver").asText());
        BidRequest back = OpenRtbDatabind.mapper().treeToValue(tree, BidRequest.class);
        assertNotNull(back.imp.get(0).nativeAd);
        assertEquals(request, back);
    }

    @Test
    void writesOnlyPresentFieldsInSpecOrder() {
        Format format = new Format();
        format.w = 300;
        format.h = 250;
        Banner banner = new Banner();
        banner.format = List.of(format);
        banner.battr = new ArrayList<>();
        Imp imp = new Imp();
        imp.id = "1";
        imp.banner = banner;
        imp.ext = RawJson.of("{ \"gpid\" : \"/home\" }");
        Regs regs = new Regs();
        regs.gdpr = 1;
        regs.gpp_sid = List.of(2, 6);
        BidRequest request = new BidRequest();
        request.regs = regs;
        request.tmax = 120;
        request.imp = List.of(imp);
        request.id = "r";
        request.cur = List.of("USD");

        String json = utf8(encoder.encode(request));

        assertEquals("{\"id\":\"r\","
                + "\"imp\":[{\"id\":\"1\",\"banner\":{\"format\":[{\"w\":300,\"h\":250}],\"battr\":[]},"
                + "\"ext\":{ \"gpid\" : \"/home\" }}],\"tmax\":120,\"cur\":[\"USD\"],"
                + "\"regs\":{\"gdpr\":1,\"gpp_sid\":[2,6]}}", json);
    }

    @Test
    void nullListElementsKeepTheirPlace() throws IOException {
        BidRequest request = OpenRtbDatabind.mapper().readValue(
                "{\"id\":\"r\",\"imp\":[null,{\"id\":\"1\"}],\"bcat\":[\"IAB1\",null]}", BidRequest.class);

        String json = utf8(encoder.encode(request));

        assertEquals("{\"id\":\"r\",\"imp\":[null,{\"id\":\"1\"}],\"bcat\":[\"IAB1\",null]}", json);
    }

    /** {@code Device.atts} is read from {@code device.ext.atts}; it is no JSON field, and ext carries the value. */
    @Test
    void attsStaysInDeviceExtAndIsNeverWrittenOnItsOwn() throws Exception {
        String ext = "{ \"atts\" : 2, \"ifv\" : \"A1B2\" }";
        byte[] json = ("{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"banner\":{}}],\"app\":{\"bundle\":\"b\"},"
                + "\"device\":{\"os\":\"ios\",\"ext\":" + ext + "}}").getBytes(StandardCharsets.UTF_8);
        BidRequest decoded = new BidRequestDecoder().decode(json, 0, json.length);
        assertEquals(2, decoded.device.atts);

        byte[] encoded = encoder.encode(decoded);
        assertTrue(utf8(encoded).contains("\"ext\":" + ext), () -> "ext byte for byte: " + utf8(encoded));
        JsonNode device = TREES.readTree(encoded).path("device");
        assertFalse(device.has("atts"), () -> "device: " + device);
        assertEquals(decoded, new BidRequestDecoder().decode(encoded, 0, encoded.length));

        JsonNode bound = TREES.readTree(OpenRtbDatabind.mapper().writeValueAsString(decoded.device));
        assertFalse(bound.has("atts"), () -> "databind wrote: " + bound);
        assertEquals(2, bound.path("ext").path("atts").asInt());
        Device read = OpenRtbDatabind.mapper().readValue("{\"atts\":1,\"ext\":{\"atts\":2}}", Device.class);
        assertNull(read.atts, "databind binds no top-level atts");
        assertEquals("{\"atts\":2}", read.ext.json());
    }

    /** The sample as a model, or null when it is not JSON, has values of the wrong type, or is JSON null. */
    private static BidRequest readOrNull(Path file) {
        try {
            return OpenRtbDatabind.mapper().readValue(file.toFile(), BidRequest.class);
        } catch (JsonProcessingException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
