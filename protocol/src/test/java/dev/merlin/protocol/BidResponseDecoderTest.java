package dev.merlin.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.merlin.protocol.model.Bid;
import dev.merlin.protocol.model.BidResponse;
import dev.merlin.protocol.model.RawJson;
import dev.merlin.protocol.model.SeatBid;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The streaming decoder of DSP answers: the public samples decode to what databind reads, the reused root gives what a
 * fresh one gives, and every hostile shape (too large, too deep, too many, too long, truncated, wrong types, random
 * bytes) ends in the one typed {@link InvalidBidResponseException} with its reason, never anything else.
 */
class BidResponseDecoderTest {

    private static final String TYPICAL = "{\"id\":\"req-1\",\"cur\":\"USD\",\"seatbid\":[{\"seat\":\"s1\",\"bid\":["
            + "{\"id\":\"b1\",\"impid\":\"1\",\"price\":1.25,\"adm\":\"<div>ad</div>\",\"adomain\":[\"shop.example\"],"
            + "\"crid\":\"cr-1\",\"w\":300,\"h\":250,\"mtype\":1,\"cat\":[\"IAB1\"],\"attr\":[1,2],\"apis\":[3],"
            + "\"ext\":{\"dsa\":{\"behalf\":\"x\",\"n\":[1,2.50]}}},"
            + "{\"id\":\"b2\",\"impid\":\"2\",\"price\":2,\"nurl\":\"https://dsp.example/win?p=${AUCTION_PRICE}\","
            + "\"crid\":\"cr-2\",\"dealid\":\"deal-9\",\"unknown\":{\"a\":[1,{\"b\":null}]}}]}],"
            + "\"ext\":{}}";

    private final BidResponseDecoder decoder = new BidResponseDecoder();

    static Stream<Path> typedResponses() {
        return BidResponseSamplesTest.typedResponses();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("typedResponses")
    void sampleDecodesAsDatabindReadsIt(Path file) throws Exception {
        byte[] json = Files.readAllBytes(file);
        BidResponse expected = OpenRtbDatabind.mapper().readValue(json, BidResponse.class);

        BidResponse decoded = decoder.decode(json, 0, json.length);

        assertEquals(expected, decoded);
        BidResponse reused = new BidResponse();
        decoder.decode(typical(), 0, typical().length, reused);
        decoder.decode(json, 0, json.length, reused);
        assertEquals(expected, reused, "decoded into a root that held another answer");
        assertEquals(expected, new BidResponseDecoder(BidResponseLimits.defaults(), false).decode(json, 0,
                json.length), "with a new parser per document");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"iab26impl-resp-dooh-video.json", "iabext-pla-resp.json"})
    void nonJsonSampleIsMalformed(String name) throws IOException {
        byte[] json = Files.readAllBytes(BidResponseSamplesTest.samplesDir().resolve("responses").resolve(name));
        assertEquals(BidResponseError.MALFORMED_JSON, refusal(json).reason());
    }

    @Test
    void admAsAnObjectIsAWrongType() throws IOException {
        byte[] json = Files.readAllBytes(BidResponseSamplesTest.samplesDir().resolve("responses")
                .resolve("iabproto-resp-full.json"));
        InvalidBidResponseException e = refusal(json);
        assertEquals(BidResponseError.WRONG_TYPE, e.reason());
        assertTrue(e.path().endsWith(".adm"), e.path());
    }

    @Test
    void typicalAnswerHasEveryField() throws Exception {
        BidResponse response = decoder.decode(typical(), 0, typical().length);
        assertEquals("req-1", response.id);
        assertEquals("USD", response.cur);
        SeatBid seat = response.seatbid.get(0);
        assertEquals("s1", seat.seat);
        Bid first = seat.bid.get(0);
        assertEquals(1.25, first.price);
        assertEquals(List.of("shop.example"), first.adomain);
        assertEquals(List.of(1, 2), first.attr);
        assertEquals(List.of(3), first.apis);
        assertEquals(300, first.w);
        assertEquals(1, first.mtype);
        assertEquals(RawJson.of("{\"dsa\":{\"behalf\":\"x\",\"n\":[1,2.50]}}"), first.ext);
        Bid second = seat.bid.get(1);
        assertEquals(2.0, second.price);
        assertEquals("deal-9", second.dealid);
        assertNull(second.adm);
        assertEquals(OpenRtbDatabind.mapper().readValue(typical(), BidResponse.class), response);
    }

    @Test
    void reusedRootKeepsItsObjectsAndNothingOfTheLastAnswer() throws Exception {
        BidResponse reused = new BidResponse();
        decoder.decode(typical(), 0, typical().length, reused);
        Bid firstBid = reused.seatbid.get(0).bid.get(0);
        byte[] small = utf8("{\"id\":\"r2\",\"seatbid\":[{\"bid\":[{\"id\":\"x\",\"impid\":\"1\",\"price\":0.5}]}]}");

        decoder.decode(small, 0, small.length, reused);

        assertSame(firstBid, reused.seatbid.get(0).bid.get(0), "the bid object is reused");
        assertEquals(decoder.decode(small, 0, small.length), reused);
        assertNull(reused.cur);
        assertNull(reused.seatbid.get(0).bid.get(0).adomain);
    }

    @Test
    void decodesAfterAFailure() throws Exception {
        BidResponse reused = new BidResponse();
        byte[] broken = utf8("{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"price\":");
        assertThrows(InvalidBidResponseException.class, () -> decoder.decode(broken, 0, broken.length, reused));
        decoder.decode(typical(), 0, typical().length, reused);
        assertEquals(decoder.decode(typical(), 0, typical().length), reused);
    }

    @Test
    void decodesAtAnOffset() throws Exception {
        byte[] inner = typical();
        byte[] framed = new byte[inner.length + 10];
        System.arraycopy(inner, 0, framed, 7, inner.length);
        assertEquals(decoder.decode(inner, 0, inner.length), decoder.decode(framed, 7, inner.length));
    }

    @Test
    void bodyLargerThanTheLimitIsTooLarge() {
        BidResponseDecoder small = new BidResponseDecoder(BidResponseLimits.withMaxBodyBytes(100));
        byte[] json = typical();
        assertEquals(BidResponseError.TOO_LARGE, refusal(small, json).reason());
    }

    @Test
    void tenMegabyteAdmIsRefused() {
        String huge = "x".repeat(10 * 1024 * 1024);
        byte[] json = utf8("{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"impid\":\"1\",\"price\":1,\"adm\":\""
                + huge + "\"}]}]}");
        assertEquals(BidResponseError.TOO_LARGE, refusal(json).reason(), "over the default body limit");

        BidResponseLimits d = BidResponseLimits.defaults();
        BidResponseDecoder roomy = new BidResponseDecoder(new BidResponseLimits(json.length, d.maxDepth(),
                d.maxSeatBids(), d.maxBidsPerSeat(), d.maxStringLength(), d.maxAdmLength(), d.maxListLength()));
        InvalidBidResponseException e = refusal(roomy, json);
        assertEquals(BidResponseError.ADM_TOO_LONG, e.reason(), "stopped by the adm limit within the body limit");
        assertEquals("seatbid[0].bid[0].adm", e.path());
    }

    @ParameterizedTest
    @CsvSource({"adomain, '\"a.example\"'", "cat, '\"IAB1\"'", "attr, 1", "apis, 2"})
    void anArrayOfABidLongerThanItsLimitIsRefusedAndOneAtItsLimitIsRead(String field, String value) throws Exception {
        int limit = BidResponseLimits.defaults().maxListLength();
        String atLimit = String.join(",", Collections.nCopies(limit, value));
        String bid = "{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"impid\":\"1\",\"price\":1,\""
                + field + "\":[";
        byte[] read = utf8(bid + atLimit + "]}]}]}");
        assertEquals(limit, listOf(decoder.decode(read, 0, read.length), field).size());
        InvalidBidResponseException e = refusal(utf8(bid + atLimit + "," + value + "]}]}]}"));
        assertEquals(BidResponseError.TOO_MANY_VALUES, e.reason());
        assertEquals("seatbid[0].bid[0]." + field, e.path());
        assertTrue(e.getMessage().contains((limit + 1) + " entries, more than " + limit), e.getMessage());
    }

    private static List<?> listOf(BidResponse response, String field) {
        Bid bid = response.seatbid.get(0).bid.get(0);
        switch (field) {
            case "adomain": return bid.adomain;
            case "cat": return bid.cat;
            case "attr": return bid.attr;
            default: return bid.apis;
        }
    }

    @Test
    void admJustOverItsLimitIsTooLongAndAtItsLimitIsRead() throws Exception {
        int max = BidResponseLimits.DEFAULT_MAX_ADM_LENGTH;
        byte[] atLimit = withAdm("y".repeat(max));
        assertEquals(max, decoder.decode(atLimit, 0, atLimit.length).seatbid.get(0).bid.get(0).adm.length());
        byte[] over = withAdm("y".repeat(max + 1));
        assertEquals(BidResponseError.ADM_TOO_LONG, refusal(over).reason());
    }

    @Test
    void otherStringsHaveTheGeneralLimit() {
        String longUrl = "https://dsp.example/" + "u".repeat(BidResponseLimits.defaults().maxStringLength());
        byte[] json = utf8("{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"impid\":\"1\",\"price\":1,"
                + "\"nurl\":\"" + longUrl + "\"}]}]}");
        InvalidBidResponseException e = refusal(json);
        assertEquals(BidResponseError.STRING_TOO_LONG, e.reason());
        assertEquals("seatbid[0].bid[0].nurl", e.path());
        byte[] longer = utf8("{\"id\":\"" + "i".repeat(100_000) + "\"}");
        assertEquals(BidResponseError.STRING_TOO_LONG, refusal(longer).reason(), "past Jackson's own limit too");
        byte[] longKey = utf8("{\"" + "k".repeat(100_000) + "\":1}");
        assertEquals(BidResponseError.STRING_TOO_LONG, refusal(longKey).reason(), "a key");
    }

    @Test
    void tooManySeatBidsOrBids() {
        BidResponseLimits d = BidResponseLimits.defaults();
        StringBuilder seats = new StringBuilder("{\"id\":\"r\",\"seatbid\":[");
        for (int i = 0; i <= d.maxSeatBids(); i++) {
            seats.append(i == 0 ? "" : ",").append("{\"bid\":[]}");
        }
        assertEquals(BidResponseError.TOO_MANY_SEATBIDS, refusal(utf8(seats + "]}")).reason());

        StringBuilder bids = new StringBuilder("{\"id\":\"r\",\"seatbid\":[{\"bid\":[");
        for (int i = 0; i <= d.maxBidsPerSeat(); i++) {
            bids.append(i == 0 ? "" : ",").append("{\"id\":\"b").append(i).append("\",\"impid\":\"1\",\"price\":1}");
        }
        InvalidBidResponseException e = refusal(utf8(bids + "]}]}"));
        assertEquals(BidResponseError.TOO_MANY_BIDS, e.reason());
        assertEquals("seatbid[0].bid[" + d.maxBidsPerSeat() + "]", e.path(), "the first bid too many");
    }

    @Test
    void exactlyTheLimitsAreAccepted() throws Exception {
        BidResponseLimits d = BidResponseLimits.defaults();
        StringBuilder bids = new StringBuilder("{\"id\":\"r\",\"seatbid\":[{\"bid\":[");
        for (int i = 0; i < d.maxBidsPerSeat(); i++) {
            bids.append(i == 0 ? "" : ",").append("{\"id\":\"b").append(i).append("\",\"impid\":\"1\",\"price\":1}");
        }
        byte[] json = utf8(bids + "]}]}");
        assertEquals(d.maxBidsPerSeat(), decoder.decode(json, 0, json.length).seatbid.get(0).bid.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext", "unknown"})
    void deepNestingIsTooDeep(String field) {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        byte[] json = utf8("{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"" + field + "\":{\"a\":" + deep
                + "}}]}]}");
        assertEquals(BidResponseError.TOO_DEEP, refusal(json).reason());
        byte[] objects = utf8("{\"x\":" + "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000) + "}");
        assertEquals(BidResponseError.TOO_DEEP, refusal(objects).reason());
    }

    @Test
    void everyTruncationIsMalformed() {
        byte[] json = typical();
        for (int length = 1; length < json.length; length++) {
            InvalidBidResponseException e = refusal(json, length);
            assertEquals(BidResponseError.MALFORMED_JSON, e.reason(), "cut at " + length);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"impid\":\"1\",\"price\":\"1.5\"}]}]}",
        "{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"impid\":1,\"price\":1.5}]}]}",
        "{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"impid\":\"1\",\"price\":1,\"w\":300.5}]}]}",
        "{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"impid\":\"1\",\"price\":1,\"adomain\":\"a.com\"}]}]}",
        "{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"impid\":\"1\",\"price\":1,\"attr\":[\"1\"]}]}]}",
        "{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"impid\":\"1\",\"price\":1,\"adm\":true}]}]}",
        "{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"impid\":\"1\",\"price\":1,\"ext\":[]}]}]}",
        "{\"id\":\"r\",\"seatbid\":[{\"bid\":[7]}]}",
        "{\"id\":\"r\",\"seatbid\":[{\"bid\":{}}]}",
        "{\"id\":\"r\",\"seatbid\":{}}",
        "{\"id\":\"r\",\"seatbid\":[null]}",
        "{\"id\":7}",
        "{\"id\":\"r\",\"nbr\":\"2\"}",
        "{\"id\":\"r\",\"cur\":[\"USD\"]}",
        "{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"impid\":\"1\",\"price\":1,\"w\":4294967296}]}]}",
    })
    void wrongTypeIsRefused(String json) { // an integer beyond int is a type error, as in the request decoder
        assertEquals(BidResponseError.WRONG_TYPE, refusal(utf8(json)).reason(), json);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"impid\":\"1\",\"price\":1e400}]}]}",
    })
    void numberBeyondItsFieldIsOutOfRange(String json) {
        assertEquals(BidResponseError.OUT_OF_RANGE, refusal(utf8(json)).reason(), json);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "null", "\"x\"", "42", "true"})
    void rootThatIsNotAnObject(String json) {
        assertEquals(BidResponseError.NOT_AN_OBJECT, refusal(utf8(json)).reason());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "   ", "{}{}", "{\"id\":\"r\"} x", "{\"id\":'r'}", "{\"id\":\"r\",}", "{\"price\":NaN}"})
    void notJsonIsMalformed(String json) {
        assertEquals(BidResponseError.MALFORMED_JSON, refusal(utf8(json)).reason(), json);
    }

    @Test
    void duplicateKeysAreRefusedAtAnyLevel() {
        byte[] atBid = utf8("{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"price\":1,\"price\":90}]}]}");
        InvalidBidResponseException e = refusal(atBid);
        assertEquals(BidResponseError.DUPLICATE_KEY, e.reason());
        assertEquals("seatbid[0].bid[0].price", e.path());
        byte[] inExt = utf8("{\"id\":\"r\",\"ext\":{\"a\":1,\"a\":2}}");
        assertEquals(BidResponseError.DUPLICATE_KEY, refusal(inExt).reason());
        byte[] atRoot = utf8("{\"id\":\"r\",\"id\":\"other\"}");
        assertEquals(BidResponseError.DUPLICATE_KEY, refusal(atRoot).reason());
    }

    @Test
    void invalidUtf8IsRefused() {
        byte[] json = utf8("{\"id\":\"r\",\"bidid\":\"ab\"}");
        json[json.length - 3] = (byte) 0xC3; // a lead byte followed by an ASCII byte
        assertEquals(BidResponseError.INVALID_UTF8, refusal(json).reason());
    }

    @Test
    void randomBytesAndMutatedAnswersGiveOnlyTheTypedError() throws Exception {
        Random random = new Random(11);
        List<byte[]> seeds = new ArrayList<>();
        seeds.add(typical());
        for (Path file : BidResponseSamplesTest.samples("responses").toList()) {
            seeds.add(Files.readAllBytes(file));
        }
        BidResponse reused = new BidResponse();
        for (int i = 0; i < 20_000; i++) {
            byte[] input;
            if (i % 4 == 0) {
                input = new byte[random.nextInt(200)];
                random.nextBytes(input);
            } else {
                input = mutate(seeds.get(random.nextInt(seeds.size())), random);
            }
            decodeExpectingOnlyTypedErrors(input, reused);
        }
    }

    private void decodeExpectingOnlyTypedErrors(byte[] input, BidResponse reused) {
        BidResponse fresh;
        try {
            fresh = decoder.decode(input, 0, input.length);
        } catch (InvalidBidResponseException e) {
            assertNotNull(e.reason());
            assertNotNull(e.path());
            return;
        } catch (Throwable t) {
            throw new AssertionError("untyped failure on " + new String(input, StandardCharsets.ISO_8859_1), t);
        }
        try {
            decoder.decode(input, 0, input.length, reused);
        } catch (Throwable t) {
            fail("reused decode failed where the fresh one did not: " + t);
        }
        assertEquals(fresh, reused);
    }

    private static byte[] mutate(byte[] seed, Random random) {
        byte[] out = seed.clone();
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = random.nextInt(out.length);
            switch (random.nextInt(4)) {
                case 0: out[at] = (byte) random.nextInt(256); break;
                case 1: out[at] = (byte) "{}[]\",:0-.e\\".charAt(random.nextInt(12)); break;
                case 2: out = Arrays.copyOf(out, at); break;
                default:
                    byte[] longer = new byte[out.length + 1];
                    System.arraycopy(out, 0, longer, 0, at);
                    longer[at] = (byte) "{[\"".charAt(random.nextInt(3));
                    System.arraycopy(out, at, longer, at + 1, out.length - at);
                    out = longer;
            }
            if (out.length == 0) {
                break;
            }
        }
        return out;
    }

    private InvalidBidResponseException refusal(byte[] json) {
        return refusal(decoder, json);
    }

    private InvalidBidResponseException refusal(byte[] json, int length) {
        return assertThrows(InvalidBidResponseException.class, () -> decoder.decode(json, 0, length));
    }

    private static InvalidBidResponseException refusal(BidResponseDecoder decoder, byte[] json) {
        return assertThrows(InvalidBidResponseException.class, () -> decoder.decode(json, 0, json.length));
    }

    private static byte[] withAdm(String adm) {
        return utf8("{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"impid\":\"1\",\"price\":1,\"adm\":\""
                + adm + "\"}]}]}");
    }

    private static byte[] typical() {
        return utf8(TYPICAL);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
