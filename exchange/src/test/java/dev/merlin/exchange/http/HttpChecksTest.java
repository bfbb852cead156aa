package dev.merlin.exchange.http;

import static dev.merlin.exchange.http.LambdaFrontDoor.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.exchange.http.LambdaFrontDoor.Response;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.InvalidChunkExtensionException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link HttpChecks}: each refusal with its status, JSON message, counter and whether the connection carries on; a
 * request the codec could not parse is answered by the TYPE of the failure, whatever its message says.
 */
class HttpChecksTest {

    private LambdaFrontDoor door;

    @BeforeEach
    void open() {
        door = new LambdaFrontDoor(metrics -> RouteTable.builder(metrics)
                .path("/health").get((ctx, request) -> ok(ctx, "{\"status\":\"ok\"}"))
                .path("/echo").get((ctx, request) -> ok(ctx, "{\"uri\":\"" + request.uri() + "\"}"))
                .post((ctx, request) -> ok(ctx, "{\"bytes\":" + request.content().readableBytes() + "}"))
                .build());
    }

    @AfterEach
    void close() {
        door.close();
    }

    @AfterAll
    static void noLeaks() {
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    @Test
    void aRequestLineTooLongIs414AndCloses() {
        assertRefused(door.send("GET /health?" + "a".repeat(2000) + " HTTP/1.1\r\nHost: x\r\n\r\n"), 414,
                "request line is too long", "line_too_long");
        assertFalse(door.channel.isOpen());
    }

    @Test
    void headersTooLargeAre431AndClose() {
        assertRefused(door.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(4000) + "\r\n\r\n"), 431,
                "request headers are too large", "headers_too_large");
        assertFalse(door.channel.isOpen());
    }

    @Test
    void notHttpIs400AndCloses() {
        assertRefused(door.send("THIS IS NOT HTTP\r\n\r\n"), 400, "malformed HTTP request", "bad_http");
        assertFalse(door.channel.isOpen());
    }

    @Test
    void aChunkSizeThatIsNoNumberIs400AndCloses() {
        assertRefused(door.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), 400,
                "malformed HTTP request", "bad_http");
        assertFalse(door.channel.isOpen());
    }

    @Test
    void anHttp11RequestWithoutHostIs400AndTheConnectionCarriesOn() {
        assertRefused(door.send("GET /health HTTP/1.1\r\n\r\n"), 400, "needs a Host header", "no_host");
        assertTrue(door.channel.isOpen());
        assertEquals(200, door.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").status,
                "HTTP/1.0 needs no Host");
    }

    @Test
    void twoHostHeadersAre400AndClose() {
        assertRefused(door.send("GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400, "one Host header",
                "two_hosts");
        assertFalse(door.channel.isOpen());
    }

    @Test
    void aTargetThatIsNoPathIs400AndTheConnectionCarriesOn() {
        assertRefused(door.send("GET * HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "request target is not a path: *",
                "bad_target");
        assertTrue(door.channel.isOpen());
    }

    @Test
    void theAbsoluteFormIsRoutedByItsPathAndQuery() {
        Response r = door.send("GET HTTP://host.example:8080/echo?a=1 HTTP/1.1\r\nHost: host.example\r\n\r\n");
        assertEquals(200, r.status, r.body);
        assertEquals("{\"uri\":\"/echo?a=1\"}", r.body);
        assertEquals("/", HttpChecks.originForm("http://host"));
        assertEquals("/?a=1", HttpChecks.originForm("http://host?a=1"));
        String origin = "/echo?a=1";
        assertTrue(origin == HttpChecks.originForm(origin), "a path is returned as it is, not copied");
    }

    /** Every failure the codec reports, by type; the message is deliberately misleading. */
    static Stream<Arguments> decoderFailures() {
        String lie = "request headers are too large"; // a message that must not decide anything
        return Stream.of(
                Arguments.of(new TooLongHttpLineException(lie), 414, "line_too_long"),
                Arguments.of(new TooLongHttpHeaderException("request line is too long"), 431, "headers_too_large"),
                Arguments.of(new TooLongFrameException(lie), 413, "too_large"),
                Arguments.of(new InvalidChunkExtensionException(lie), 400, "bad_http"),
                Arguments.of(new NumberFormatException(lie), 400, "bad_http"),
                Arguments.of(new IllegalArgumentException(lie), 400, "bad_http"));
    }

    @ParameterizedTest
    @MethodSource("decoderFailures")
    void aDecoderFailureIsAnsweredByItsType(Exception cause, int status, String reason) {
        ExchangeMetrics metrics = new ExchangeMetrics();
        EmbeddedChannel channel = new EmbeddedChannel(new HttpChecks(metrics));
        FullHttpRequest failed = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad",
                Unpooled.buffer(0));
        failed.setDecoderResult(DecoderResult.failure(cause));
        channel.writeInbound(failed);
        FullHttpResponse response = channel.readOutbound();
        try {
            assertEquals(status, response.status().code());
            assertEquals("close", response.headers().get("connection"));
            assertTrue(response.content().toString(StandardCharsets.UTF_8).startsWith("{\"error\":"));
            assertEquals(1, metrics.httpErrors(status, reason));
        } finally {
            response.release();
        }
        assertEquals(0, failed.refCnt(), "the refused request is released");
        assertFalse(channel.isOpen());
        assertFalse(channel.finishAndReleaseAll(), "nothing passed the checks");
    }

    private void assertRefused(Response r, int status, String message, String reason) {
        assertEquals(status, r.status, r.body);
        assertEquals("application/json", r.headers.get("content-type"));
        assertTrue(r.body.startsWith("{\"error\":\"") && r.body.contains(message), r.body);
        assertEquals(1, door.metrics.httpErrors(status, reason));
    }
}
