package dev.merlin.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.BidResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * JSON between systems is UTF-8 (RFC 8259): both decoders read every body as UTF-8, so a body in UTF-16 or UTF-32
 * (which Jackson's bootstrapper would otherwise decode, with byte offsets that no longer fit the raw {@code ext} text)
 * fails with the typed error, never an exception of another type; a leading UTF-8 byte order mark is skipped.
 */
class NonUtf8InputTest {

    private static final String REQUEST = "{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
            + "\"site\":{\"id\":\"s\"},\"ext\":{\"a\":1}}";
    private static final String RESPONSE = "{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"impid\":\"1\","
            + "\"price\":1,\"ext\":{\"x\":[1]}}]}],\"ext\":{\"a\":1}}";

    @ParameterizedTest
    @ValueSource(strings = {"UTF-16BE", "UTF-16LE", "UTF-16", "UTF-32BE", "UTF-32LE"})
    void requestInAnotherEncodingIsRefusedTyped(String charset) {
        byte[] body = REQUEST.getBytes(Charset.forName(charset));
        for (boolean reuse : new boolean[] {true, false}) {
            BidRequestDecoder decoder = new BidRequestDecoder(DecodeLimits.defaults(), reuse);
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> decoder.decode(body, 0, body.length));
            assertTrue(Set.of(ErrorReason.MALFORMED_JSON, ErrorReason.INVALID_UTF8).contains(e.reason()),
                    e.reason() + ": " + e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"UTF-16BE", "UTF-16LE", "UTF-16", "UTF-32BE", "UTF-32LE"})
    void answerInAnotherEncodingIsRefusedTyped(String charset) {
        byte[] body = RESPONSE.getBytes(Charset.forName(charset));
        for (boolean reuse : new boolean[] {true, false}) {
            BidResponseDecoder decoder = new BidResponseDecoder(BidResponseLimits.defaults(), reuse);
            InvalidBidResponseException e = assertThrows(InvalidBidResponseException.class,
                    () -> decoder.decode(body, 0, body.length));
            assertTrue(Set.of(BidResponseError.MALFORMED_JSON, BidResponseError.INVALID_UTF8).contains(e.reason()),
                    e.reason() + ": " + e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void utf8ByteOrderMarkIsSkipped(boolean reuse) throws Exception {
        byte[] plainRequest = REQUEST.getBytes(StandardCharsets.UTF_8);
        byte[] markedRequest = ("\uFEFF" + REQUEST).getBytes(StandardCharsets.UTF_8);
        BidRequestDecoder requests = new BidRequestDecoder(DecodeLimits.defaults(), reuse);
        BidRequest expected = requests.decode(plainRequest, 0, plainRequest.length);
        assertEquals(expected, requests.decode(markedRequest, 0, markedRequest.length));
        assertEquals("{\"a\":1}", requests.decode(markedRequest, 0, markedRequest.length).ext.json());

        byte[] plainAnswer = RESPONSE.getBytes(StandardCharsets.UTF_8);
        byte[] markedAnswer = ("\uFEFF" + RESPONSE).getBytes(StandardCharsets.UTF_8);
        BidResponseDecoder answers = new BidResponseDecoder(BidResponseLimits.defaults(), reuse);
        BidResponse answer = answers.decode(markedAnswer, 0, markedAnswer.length);
        assertEquals(answers.decode(plainAnswer, 0, plainAnswer.length), answer);
        assertEquals("{\"x\":[1]}", answer.seatbid.get(0).bid.get(0).ext.json());
    }
}
