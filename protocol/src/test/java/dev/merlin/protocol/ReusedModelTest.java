package dev.merlin.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Imp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Decoding into a reused {@link BidRequest} gives exactly what decoding into a new one gives: after any request
 * (valid or refused), the next one decoded into the same root equals its fresh decode, field by field, and the
 * refusals are the same.
 */
class ReusedModelTest {

    private static final ObjectMapper MAPPER = OpenRtbDatabind.mapper();

    private final BidRequestDecoder decoder = new BidRequestDecoder();

    /** Every ordered pair of corpus samples, in a seeded random order, through one reused root. */
    @Test
    void everyPairOfCorpusSamplesDecodesAsFresh() throws IOException {
        List<byte[]> samples = new ArrayList<>();
        for (String file : SharedSamples.requestFileNames()) {
            samples.add(SharedSamples.request(file));
        }
        List<int[]> pairs = new ArrayList<>();
        for (int a = 0; a < samples.size(); a++) {
            for (int b = 0; b < samples.size(); b++) {
                pairs.add(new int[] {a, b});
            }
        }
        Collections.shuffle(pairs, new Random(10));
        BidRequest reused = new BidRequest();
        int compared = 0;
        for (int[] pair : pairs) {
            decodeIgnoringRefusal(samples.get(pair[0]), reused);
            compared += compareWithFresh(samples.get(pair[1]), reused, pair);
        }
        assertTrue(compared > samples.size(), "valid samples were compared: " + compared);
    }

    @Test
    void aRichRequestThenAMinimalOneLeavesNothingBehind() throws Exception {
        BidRequest reused = new BidRequest();
        byte[] rich = SharedSamples.request("iab26spec-mobile-app.json");
        decoder.decode(rich, 0, rich.length, reused);
        byte[] minimal = bytes("{\"id\":\"m\",\"imp\":[{\"id\":\"1\",\"banner\":{}}]}");
        decoder.decode(minimal, 0, minimal.length, reused);
        BidRequest fresh = decoder.decode(minimal, 0, minimal.length);
        assertEquals(fresh, reused);
        assertEquals(MAPPER.valueToTree(fresh), MAPPER.valueToTree(reused));
        assertEquals(null, reused.app);
        assertEquals(null, reused.device);
        assertEquals(null, reused.bcat);
    }

    @Test
    void childObjectsAreReusedNotReallocated() throws Exception {
        byte[] json = SharedSamples.request("iab26spec-mobile-app.json");
        BidRequest reused = new BidRequest();
        decoder.decode(json, 0, json.length, reused);
        Imp imp = reused.imp.get(0);
        List<Imp> imps = reused.imp;
        decoder.decode(json, 0, json.length, reused);
        assertSame(imps, reused.imp);
        assertSame(imp, reused.imp.get(0));
        assertNotNull(reused.imp.get(0).banner);
    }

    @Test
    void refusalsAreTheSameIntoAReusedRoot() throws Exception {
        BidRequest reused = new BidRequest();
        byte[] rich = SharedSamples.request("iab26spec-mobile-app.json");
        byte[] bad = bytes("{\"id\":\"x\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":\"300\"}}]}");
        decoder.decode(rich, 0, rich.length, reused);
        InvalidRequestException fresh = assertThrows(InvalidRequestException.class,
                () -> decoder.decode(bad, 0, bad.length));
        InvalidRequestException intoReused = assertThrows(InvalidRequestException.class,
                () -> decoder.decode(bad, 0, bad.length, reused));
        assertEquals(fresh.reason(), intoReused.reason());
        assertEquals(fresh.path(), intoReused.path());
        assertEquals(fresh.getMessage(), intoReused.getMessage());
        decoder.decode(rich, 0, rich.length, reused);
        assertEquals(decoder.decode(rich, 0, rich.length), reused);
    }

    private void decodeIgnoringRefusal(byte[] json, BidRequest into) {
        try {
            decoder.decode(json, 0, json.length, into);
        } catch (InvalidRequestException e) {
            // a refused request leaves the root to the next decode, which the comparison checks
        }
    }

    private int compareWithFresh(byte[] json, BidRequest reused, int[] pair) {
        BidRequest fresh;
        try {
            fresh = decoder.decode(json, 0, json.length);
        } catch (InvalidRequestException expected) {
            InvalidRequestException again = assertThrows(InvalidRequestException.class,
                    () -> decoder.decode(json, 0, json.length, reused));
            assertEquals(expected.reason(), again.reason());
            assertEquals(expected.path(), again.path());
            assertEquals(expected.getMessage(), again.getMessage());
            return 0;
        }
        try {
            decoder.decode(json, 0, json.length, reused);
        } catch (InvalidRequestException e) {
            throw new AssertionError("pair " + pair[0] + "," + pair[1] + ": refused into a reused root", e);
        }
        String where = "samples " + pair[0] + " then " + pair[1];
        assertEquals(fresh, reused, where);
        JsonNode freshTree = MAPPER.valueToTree(fresh);
        JsonNode reusedTree = MAPPER.valueToTree(reused);
        assertEquals(freshTree, reusedTree, where);
        assertEquals(fresh.device == null ? null : fresh.device.atts,
                reused.device == null ? null : reused.device.atts, where);
        return 1;
    }

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
