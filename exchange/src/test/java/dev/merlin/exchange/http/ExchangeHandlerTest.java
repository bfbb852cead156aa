package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.MerlinConfig;
import dev.merlin.config.RequestLimitsConfig;
import dev.merlin.config.ServerConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.DemoSeller;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.protocol.ErrorReason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP front door on an {@link EmbeddedChannel}: raw request bytes in, every status out, nothing leaked. */
class ExchangeHandlerTest {

    private static final String VALID = "{\"id\":\"r1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
            + "\"site\":{\"domain\":\"news.example\"}}";
    private static final int MAX_BODY = 4096;

    private final List<ByteBuf> sentBuffers = new ArrayList<>();
    private ExchangeMetrics metrics;
    private EmbeddedChannel channel;

    @TempDir
    Path dataDir;
    private ExchangeRuntime runtime;

    @BeforeEach
    void open() {
        MerlinConfig config = new MerlinConfig(ServerConfig.builder().port(0).ioThreads(1).maxBodyBytes(MAX_BODY)
                .maxInitialLineBytes(1024).maxHeaderBytes(2048).idleTimeoutSeconds(60).build(),
                RequestLimitsConfig.defaults(), dataDir.toString())
                .withStores(StoresConfig.small(10_000L));
        config = DemoSeller.with(config).validate();
        metrics = new ExchangeMetrics();
        runtime = ExchangeRuntime.open(config, metrics);
        channel = new EmbeddedChannel();
        runtime.newPipeline().configure(channel.pipeline());
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        runtime.close();
        for (ByteBuf buf : sentBuffers) {
            assertEquals(0, buf.refCnt(), "a request buffer written into the channel was not released");
        }
    }

    @AfterAll
    static void noLeaks() {
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    @Test
    void validRequestIsAnsweredNoBidAndConnectionStaysOpen() {
        Response r = send(post(VALID, "application/json"));
        assertEquals(204, r.status);
        assertEquals("2.6", r.headers.get("x-openrtb-version"));
        assertTrue(channel.isOpen());
        assertEquals(1, metrics.bidRequestsAccepted());
    }

    @Test
    void invalidRequestGets400NamingThePathAndTheConnectionCarriesOn() {
        String body = "{\"id\":\"r1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":\"300\",\"h\":250}}]}";
        Response r = send(post(body, "application/json"));
        assertEquals(400, r.status);
        assertEquals("application/json", r.headers.get("content-type"));
        assertTrue(r.body.contains("\"path\":\"imp[0].banner.w\""), r.body);
        assertTrue(r.body.contains("must be an integer"), r.body);
        assertEquals(1, metrics.bidRequestsRejected(ErrorReason.WRONG_TYPE));
        assertTrue(channel.isOpen());
        assertEquals(204, send(post(VALID, "application/json")).status, "the next request on the connection");
    }

    @Test
    void notJsonTruncatedAndInvalidUtf8AreRejected() {
        assertEquals(400, send(post("hello", "application/json")).status);
        assertEquals(400, send(post("{\"id\":\"r1\",\"imp\":[{\"id\"", "application/json")).status);
        byte[] badUtf8 = "{\"id\":\"r\u00e9\",\"imp\":[{\"id\":\"1\",\"banner\":{}}]}"
                .getBytes(StandardCharsets.ISO_8859_1);
        Response r = send(post(badUtf8, "application/json", null));
        assertEquals(400, r.status);
        assertEquals(1, metrics.bidRequestsRejected(ErrorReason.INVALID_UTF8), r.body);
        assertEquals(2, metrics.bidRequestsRejected(ErrorReason.MALFORMED_JSON));
        assertTrue(channel.isOpen());
    }

    @Test
    void emptyBodyIs400() {
        Response r = send(post("", "application/json"));
        assertEquals(400, r.status);
        assertTrue(r.body.contains("empty body"), r.body);
    }

    @Test
    void gzipBodyIsDecompressed() throws IOException {
        byte[] gz = gzip(VALID.getBytes(StandardCharsets.UTF_8));
        assertEquals(204, send(post(gz, "application/json", "gzip")).status);
        assertEquals(1, metrics.bidRequestsAccepted());
    }

    @Test
    void corruptGzipIs400AndCloses() {
        Response r = send(post(VALID.getBytes(StandardCharsets.UTF_8), "application/json", "gzip"));
        assertEquals(400, r.status);
        assertTrue(r.body.contains("gzip"), r.body);
        assertFalse(channel.isOpen());
    }

    @Test
    void unknownContentEncodingIs415() {
        Response r = send(post(VALID.getBytes(StandardCharsets.UTF_8), "application/json", "compress"));
        assertEquals(415, r.status);
        assertTrue(channel.isOpen());
    }

    @Test
    void bodyOverTheLimitIs413AndTheConnectionCarriesOn() {
        String big = "{\"id\":\"" + "x".repeat(MAX_BODY) + "\"}";
        Response r = send(post(big, "application/json"));
        assertEquals(413, r.status);
        assertTrue(r.body.contains("larger than " + MAX_BODY), r.body);
        assertTrue(channel.isOpen(), "declared length over the limit: the body is skipped, keep-alive holds");
        assertEquals(204, send(post(VALID, "application/json")).status);
    }

    @Test
    void gzipBombIsRefusedWith413() throws IOException {
        byte[] bomb = gzip(new byte[MAX_BODY * 64]);
        Response r = send(post(bomb, "application/json", "gzip"));
        assertEquals(413, r.status);
    }

    @Test
    void wrongContentTypeIs415() {
        Response r = send(post(VALID, "application/x-www-form-urlencoded"));
        assertEquals(415, r.status);
        assertEquals(415, send(post(VALID, "application/json; charset=iso-8859-1")).status);
        assertEquals(204, send(post(VALID, "application/json; charset=UTF-8")).status);
        assertEquals(204, send(post(VALID, "text/plain")).status, "Prebid.js sends text/plain");
        assertEquals(204, send(post(VALID, null)).status, "no content type: JSON assumed");
    }

    @Test
    void wrongMethodIs405WithAllow() {
        Response r = send(raw("GET /openrtb2/auction HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(405, r.status);
        assertEquals("POST", r.headers.get("allow"));
        assertEquals(405, send(raw("POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")).status);
    }

    @Test
    void unknownPathIs404() {
        Response r = send(raw("GET /openrtb2/nope HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(404, r.status);
        assertTrue(r.body.contains("/openrtb2/nope"), r.body);
        assertTrue(channel.isOpen());
    }

    @Test
    void healthAndStatus() {
        Response health = send(raw("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(200, health.status);
        assertEquals("{\"status\":\"ok\"}", health.body);
        assertEquals(200, send(raw("GET /status HTTP/1.1\r\nHost: x\r\n\r\n")).status);
    }

    @Test
    void metricsCountRejectionsByReason() {
        send(post("{\"id\":\"r1\",\"imp\":[]}", "application/json"));
        Response r = send(raw("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(200, r.status);
        assertTrue(r.body.contains("merlin_bid_requests_rejected_total{reason=\"missing_field\"} 1.0"), r.body);
    }

    @Test
    void malformedHttpIs400AndCloses() {
        Response r = send(raw("THIS IS NOT HTTP\r\n\r\n"));
        assertEquals(400, r.status);
        assertFalse(channel.isOpen());
    }

    @Test
    void tooLongRequestLineIs414() {
        Response r = send(raw("GET /health?" + "a".repeat(2000) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(414, r.status);
        assertFalse(channel.isOpen());
    }

    @Test
    void tooLargeHeadersAre431() {
        Response r = send(raw("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(4000) + "\r\n\r\n"));
        assertEquals(431, r.status);
        assertFalse(channel.isOpen());
    }

    @Test
    void connectionCloseIsHonoured() {
        Response r = send(raw("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        assertEquals(200, r.status);
        assertFalse(channel.isOpen());
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() {
        byte[] two = (new String(post(VALID, "application/json"), StandardCharsets.ISO_8859_1)
                + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        String out = exchange(two);
        int first = out.indexOf("HTTP/1.1 204");
        int second = out.indexOf("HTTP/1.1 404");
        assertTrue(first >= 0 && second > first, out);
    }

    @Test
    void headIsAnsweredLikeGetWhereGetOnlyReads() {
        Response px = Response.parse(exchange(raw("HEAD /px?pid=px-kaze&ev=page_view HTTP/1.1\r\nHost: x\r\n\r\n")),
                true);
        assertEquals(200, px.status);
        assertEquals("image/gif", px.headers.get("content-type"));
        assertEquals("43", px.headers.get("content-length"), "HEAD carries GET's headers");
        assertEquals("", px.body, "and no body");
        Response metricsHead = Response.parse(exchange(raw("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n")), true);
        assertEquals(200, metricsHead.status);
        assertEquals("", metricsHead.body);
        String text = send(raw("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")).body;
        List<String> pixelLines = text.lines().filter(l -> l.startsWith("merlin_activity_total")
                && l.contains("source=\"pixel\"")).toList();
        assertEquals(List.of("merlin_activity_total{outcome=\"head\",source=\"pixel\"} 1.0"), pixelLines,
                "HEAD /px is counted as a HEAD and nothing else: no hit recorded or refused");
        Response win = Response.parse(exchange(raw("HEAD /win?rid=r HTTP/1.1\r\nHost: x\r\n\r\n")), true);
        assertEquals(405, win.status, "a notice's GET charges: HEAD must not");
        assertEquals("GET, POST", win.headers.get("allow"));
        assertTrue(channel.isOpen());
    }

    @Test
    void aMalformedEscapeInTheQueryIs400AndTheConnectionCarriesOn() {
        for (String uri : new String[] {"/win?rid=%zz", "/bill?rid=1&price=%", "/loss?rid=%E0%A4%A", "/click?c=%zz"}) {
            Response r = send(raw("GET " + uri + " HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertEquals(400, r.status, uri + ": " + r.body);
            assertTrue(r.body.contains("malformed query string"), r.body);
            assertTrue(channel.isOpen(), uri + " closed the connection");
        }
        assertEquals(200, send(raw("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")).status);
        assertTrue(send(raw("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")).body
                .contains("merlin_http_errors_total{cause=\"bad_query\",status=\"400\"} 4.0"));
    }

    @Test
    void anHttp11RequestWithoutHostIs400AndHttp10NeedsNone() {
        Response none = send(raw("GET /health HTTP/1.1\r\n\r\n"));
        assertEquals(400, none.status);
        assertTrue(none.body.contains("Host"), none.body);
        assertTrue(channel.isOpen());
        assertEquals(200, send(raw("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")).status);
    }

    @Test
    void theAbsoluteFormOfTheTargetIsRouted() {
        Response health = send(raw("GET http://127.0.0.1:8080/health HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"));
        assertEquals(200, health.status, health.body);
        byte[] auction = (new String(post(VALID, "application/json"), StandardCharsets.ISO_8859_1)
                .replace("POST /openrtb2/auction", "POST HTTPS://ssp.example/openrtb2/auction"))
                .getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(204, send(auction).status);
        Response asterisk = send(raw("GET * HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(400, asterisk.status, asterisk.body);
        assertEquals("/", HttpChecks.originForm("http://host"));
        assertEquals("/?a=1", HttpChecks.originForm("http://host?a=1"));
        assertEquals("/px?a=1", HttpChecks.originForm("http://host:80/px?a=1"));
    }

    @Test
    void expectContinueWithABodyOverTheLimitGetsOurJson413AndTheConnectionCloses() {
        Response r = send(raw("POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\n" + DemoSeller.HEADER
                + "Content-Type: application/json\r\n"
                + "Expect: 100-continue\r\nContent-Length: 10000000\r\n\r\n"));
        assertEquals(413, r.status);
        assertEquals("application/json", r.headers.get("content-type"), "the 413 must say why: " + r.headers);
        assertEquals("close", r.headers.get("connection"));
        assertTrue(r.body.contains("larger than " + MAX_BODY), r.body);
        assertFalse(channel.isOpen(), "a client may send the refused body anyway: nothing after it can be trusted");
        assertEquals(1, metrics.httpErrors(413, "body_too_large"));
    }

    @Test
    void aBodyInvitedWithin100ContinueIsAnswered() {
        Response continued = send(raw("POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\n" + DemoSeller.HEADER
                + "Content-Type: application/json"
                + "\r\nExpect: 100-continue\r\nContent-Length: " + VALID.length() + "\r\n\r\n"));
        assertEquals(100, continued.status, "a body within the limit is invited");
        assertEquals(204, send(raw(VALID)).status);
        assertTrue(channel.isOpen());
    }

    /**
     * Smuggling: a client that sends the body although its expectation was refused must not have that body run as
     * requests of its own (it failed before the fix: the erasure below was answered 200).
     */
    @Test
    void aBodySentAfterARefused100ContinueIsNeverRunAsARequest() {
        String smuggled = "DELETE /privacy/users/u-victim HTTP/1.1\r\nHost: x\r\nCookie: uid=u-victim\r\n\r\n"
                + "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
        String padded = smuggled + " ".repeat(MAX_BODY + 1 - smuggled.length());
        String answers = exchange(raw("POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\n" + DemoSeller.HEADER
                + "Content-Type: application/json"
                + "\r\nExpect: 100-continue\r\nContent-Length: " + padded.length() + "\r\n\r\n" + padded));
        assertEquals(1, count(answers, "HTTP/1.1 "), answers);
        assertTrue(answers.startsWith("HTTP/1.1 413 "), answers);
        assertFalse(channel.isOpen());
    }

    /** The same for an expectation the server does not know: 417 (JSON, counted), close, the body is never run. */
    @Test
    void aBodySentAfterAnUnknownExpectationIsNeverRunAsARequest() {
        String smuggled = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
        String answers = exchange(raw("POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\n" + DemoSeller.HEADER
                + "Content-Type: application/json"
                + "\r\nExpect: 200-ok\r\nContent-Length: " + smuggled.length() + "\r\n\r\n" + smuggled));
        assertEquals(1, count(answers, "HTTP/1.1 "), answers);
        Response r = Response.parse(answers);
        assertEquals(417, r.status);
        assertEquals("application/json", r.headers.get("content-type"));
        assertEquals("close", r.headers.get("connection"));
        assertFalse(channel.isOpen());
        assertEquals(1, metrics.httpErrors(417, "expectation_failed"));
    }

    /** RFC 9112 §3.2: two Host headers are a 400 (it failed before: the request was routed by the first). */
    @Test
    void twoHostHeadersAre400AndClose() {
        Response r = send(raw("GET /health HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n"));
        assertEquals(400, r.status, r.body);
        assertTrue(r.body.contains("one Host header"), r.body);
        assertFalse(channel.isOpen());
        assertEquals(1, metrics.httpErrors(400, "two_hosts"));
    }

    /** A pixel always answers its GIF, even to a malformed escape or a POST (both were JSON errors before). */
    @Test
    void aPixelHitTheFrontDoorRefusesStillGetsTheGifCountedByReason() {
        byte[] gif = PixelEndpoint.gif();
        for (String request : new String[] {"GET /px?pid=%g1 HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /px?pid=px-kaze&ev=%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n",
                "POST /px?pid=px-kaze HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"}) {
            ByteBuf in = Unpooled.wrappedBuffer(raw(request));
            sentBuffers.add(in);
            channel.writeInbound(in);
            channel.runPendingTasks();
            ByteBuf out = Unpooled.buffer();
            ByteBuf chunk;
            while ((chunk = channel.readOutbound()) != null) {
                out.writeBytes(chunk);
                chunk.release();
            }
            String text = out.toString(StandardCharsets.ISO_8859_1);
            out.release();
            int headEnd = text.indexOf("\r\n\r\n");
            String head = text.substring(0, headEnd).toLowerCase(Locale.ROOT);
            assertTrue(head.startsWith("http/1.1 200 "), request + head);
            assertTrue(head.contains("content-type: image/gif"), head);
            assertTrue(head.contains("content-length: 43"), head);
            assertTrue(head.contains("no-store"), head);
            assertEquals(new String(gif, StandardCharsets.ISO_8859_1), text.substring(headEnd + 4));
            assertTrue(channel.isOpen());
        }
        assertEquals(2, metrics.activityCount("pixel", "bad_query"));
        assertEquals(1, metrics.activityCount("pixel", "method"));
    }

    /** A privacy path naming no user is a 404 counted by its own reason (it was counted nowhere before). */
    @Test
    void aPrivacyPathNamingNoUserIs404Counted() {
        assertEquals(404, send(raw("GET /privacy/users/ HTTP/1.1\r\nHost: x\r\n\r\n")).status);
        assertEquals(404, send(raw("DELETE /privacy/users/a/b HTTP/1.1\r\nHost: x\r\n\r\n")).status);
        assertEquals(2, metrics.httpErrors(404, "privacy_user_path"));
        assertTrue(channel.isOpen());
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    /** An erasure whose record the event log cannot take is a 503 to repeat, not a 200 that exports would belie. */
    @Test
    void anErasureTheEventLogCannotRecordIs503AndRepeatable() {
        String uid = runtime.uidCookies().issue();
        String erase = "DELETE /privacy/users/" + uid + " HTTP/1.1\r\nHost: x\r\nCookie: uid=" + uid + "\r\n\r\n";
        Response first = send(raw(erase));
        assertEquals(200, first.status, first.body);
        runtime.stores().events().close(); // as during shutdown: the log takes nothing more
        Response refused = send(raw(erase));
        assertEquals(503, refused.status, refused.body);
        assertEquals("1", refused.headers.get("retry-after"));
        assertTrue(refused.body.contains("repeat the request"), refused.body);
        Response optOut = send(raw("GET /optout HTTP/1.1\r\nHost: x\r\nCookie: uid=" + uid + "\r\n\r\n"));
        assertEquals(503, optOut.status, optOut.body);
        assertTrue(channel.isOpen());
    }

    // --- plumbing ---

    private static byte[] post(String body, String contentType) {
        return post(body.getBytes(StandardCharsets.UTF_8), contentType, null);
    }

    private static byte[] post(byte[] body, String contentType, String contentEncoding) {
        StringBuilder head = new StringBuilder("POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\n" + DemoSeller.HEADER);
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        if (contentEncoding != null) {
            head.append("Content-Encoding: ").append(contentEncoding).append("\r\n");
        }
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static byte[] raw(String request) {
        return request.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private Response send(byte[] request) {
        return Response.parse(exchange(request));
    }

    private String exchange(byte[] request) {
        ByteBuf in = Unpooled.wrappedBuffer(request);
        sentBuffers.add(in);
        channel.writeInbound(in);
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        ByteBuf chunk;
        while ((chunk = channel.readOutbound()) != null) {
            out.append(chunk.toString(StandardCharsets.UTF_8));
            chunk.release();
        }
        assertNotNull(out, "no response");
        return out.toString();
    }

    private static final class Response {
        int status;
        final Map<String, String> headers = new LinkedHashMap<>();
        String body;

        static Response parse(String text) {
            return parse(text, false);
        }

        /** A response to HEAD carries GET's content-length and no body. */
        static Response parse(String text, boolean head) {
            Response r = new Response();
            int headEnd = text.indexOf("\r\n\r\n");
            assertTrue(headEnd > 0, "no complete response: " + text);
            String[] lines = text.substring(0, headEnd).split("\r\n");
            r.status = Integer.parseInt(lines[0].split(" ")[1]);
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                r.headers.put(lines[i].substring(0, colon).toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            r.body = text.substring(headEnd + 4);
            String length = r.headers.get("content-length");
            if (length != null && !head) {
                assertEquals(Integer.parseInt(length), r.body.getBytes(StandardCharsets.UTF_8).length,
                        "content-length must match the body: " + text);
            }
            return r;
        }
    }
}
