package dev.merlin.exchange.dsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.merlin.config.DspConfig;
import dev.merlin.exchange.http.RecordingLeakDetector;
import dev.merlin.exchange.transport.IoTransport;
import dev.merlin.exchange.transport.TestTransports;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link DspHttpClient} against small DSPs on loopback: answers good and bad, keep-alive, pipelining, the
 * deadline, size and in-flight bounds, gzip both ways and TLS. Every ending is checked to come once, on the loop,
 * outside {@code send}, with its body released, and no test may leak a buffer. All of it on each transport Merlin
 * can run on ({@code server.transport}): the client's connections take their loop's.
 */
@Timeout(60)
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"io_uring", "epoll", "nio"})
class DspHttpClientIT {

    private static final String JSON = "{\"id\":\"req-1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
            + "\"tmax\":120}";
    private static final String ANSWER = "{\"id\":\"req-1\",\"seatbid\":[{\"bid\":[{\"id\":\"b1\",\"impid\":\"1\","
            + "\"price\":1.5,\"crid\":\"c1\",\"adomain\":[\"a.example\"],\"adm\":\"<div/>\"}]}]}";
    private static final int MAX_RESPONSE_BYTES = 1 << 20;
    private static final long DEADLINE_MILLIS = 5_000;

    @Parameter
    String transportName;
    private IoTransport transport;

    private EventLoopGroup group;
    private EventLoop loop;
    private DspMetrics metrics;
    private Answers answers;
    private DspMetrics.ForDsp series;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private int clients;

    @BeforeEach
    void start() {
        transport = TestTransports.assumeAvailable(transportName);
        group = TestTransports.group(transport, 1);
        loop = group.next();
        metrics = new DspMetrics(new PrometheusRegistry());
        answers = new Answers(loop);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : toClose) {
            if (closeable instanceof DspHttpClient client) {
                // as the server does: every connection closed, its reads completed, before the loop stops
                assertTrue(client.closeConnections(DEADLINE_MILLIS), "the client's connections closed");
            } else {
                closeable.close();
            }
        }
        if (group != null) {
            TestTransports.shutDown(group);
        }
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    @Test
    void postsTheRequestAndDeliversTheAnswerOnTheLoop() throws Exception {
        assertEquals(transport, IoTransport.of(loop), "the loop runs the transport under test");
        assertEquals(transport.socketChannel(), DspHttpClient.channelTypeFor(loop));
        StubDsp dsp = stub(request -> request.respond(200, bytes(ANSWER), "content-type", "application/json"));
        DspHttpClient client = client(dsp.url("http"), false, 8);
        Object attachment = new Object();
        assertTrue(send(client, JSON, DEADLINE_MILLIS, attachment));
        Answers.Answer answer = answers.next();
        assertEnding(answer, DspOutcome.OK, 200);
        assertSame(attachment, answer.attachment());
        assertEquals(ANSWER, answer.body());
        assertEquals(0, answer.refCntAfterRelease());
        assertTrue(answer.latencyNanos() > 0);

        StubDsp.Request request = dsp.lastRequest();
        assertEquals("POST", request.method());
        assertEquals("/bid", request.uri());
        HttpHeaders headers = request.headers();
        assertEquals("127.0.0.1:" + dsp.port(), headers.get("host"));
        assertEquals("application/json", headers.get("content-type"));
        assertEquals("2.6", headers.get("x-openrtb-version"));
        assertEquals(Integer.toString(bytes(JSON).length), headers.get("content-length"));
        assertEquals("gzip", headers.get("accept-encoding"));
        assertNull(headers.get("content-encoding"));
        assertArrayEquals(bytes(JSON), request.body());

        assertEquals(1, series.requests());
        assertEquals(1, series.outcomes(DspOutcome.OK));
        assertEquals(1, series.latencyCount());
        assertEquals(0, series.inFlight());
        assertEquals(0, onLoop(client::inFlightOnThisLoop));
    }

    @Test
    void aKeptAliveConnectionCarriesTheNextCall() throws Exception {
        StubDsp dsp = stub(request -> request.respond(200, bytes(ANSWER)));
        DspHttpClient client = client(dsp.url("http"), false, 8);
        for (int i = 0; i < 3; i++) {
            assertTrue(send(client, JSON, DEADLINE_MILLIS, i));
            Answers.Answer answer = answers.next();
            assertEnding(answer, DspOutcome.OK, 200);
            assertEquals(i, answer.attachment());
        }
        assertEquals(1, dsp.accepted.get(), "three calls, one connection");
        assertEquals(3, dsp.requests.size());
        assertEquals(1, onLoop(client::openConnectionsOnThisLoop));
    }

    @Test
    void callsAtOnceEachGetTheirOwnConnectionAndAnswer() throws Exception {
        StubDsp dsp = stub(request -> request.respond(200, request.body()));
        DspHttpClient client = client(dsp.url("http"), false, 8);
        boolean[] sent = loop.submit(() -> {
            boolean[] results = new boolean[5];
            for (int i = 0; i < 5; i++) {
                results[i] = client.send(loop, body("{\"id\":\"" + i + "\"}"), Integer.toString(i),
                        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS), answers, i);
            }
            return results;
        }).get(10, TimeUnit.SECONDS);
        assertArrayEquals(new boolean[] {true, true, true, true, true}, sent);
        for (int i = 0; i < 5; i++) {
            Answers.Answer answer = answers.next();
            assertEnding(answer, DspOutcome.OK, 200);
            assertEquals("{\"id\":\"" + answer.attachment() + "\"}", answer.body(), "each call its own answer");
        }
        assertEquals(5, dsp.accepted.get());
        assertEquals(5, onLoop(client::openConnectionsOnThisLoop));
    }

    @Test
    void connectionCloseInTheAnswerClosesTheConnection() throws Exception {
        StubDsp dsp = stub(request -> request.respond(200, bytes(ANSWER), "connection", "close"));
        DspHttpClient client = client(dsp.url("http"), false, 8);
        for (int i = 0; i < 2; i++) {
            assertTrue(send(client, JSON, DEADLINE_MILLIS, i));
            assertEnding(answers.next(), DspOutcome.OK, 200);
        }
        assertEquals(2, dsp.accepted.get());
        await(() -> dsp.closed.get() == 2, "both connections closed");
    }

    @Test
    void aKeptAliveConnectionTheDspClosedIsRetriedOnceOnANewOne() throws Exception {
        StubDsp dsp = stub(request -> {
            if (request.numberOnConnection() == 2) {
                request.ctx().close();
            } else {
                request.respond(200, bytes(ANSWER));
            }
        });
        DspHttpClient client = client(dsp.url("http"), false, 8);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, 1));
        assertEnding(answers.next(), DspOutcome.OK, 200);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, 2));
        Answers.Answer answer = answers.next();
        assertEnding(answer, DspOutcome.OK, 200);
        assertEquals(2, answer.attachment());
        assertEquals(2, dsp.accepted.get());
        assertEquals(3, dsp.requests.size(), "the second request went twice");
    }

    @Test
    void aFreshConnectionClosedBeforeAnyAnswerIsAReset() throws Exception {
        StubDsp dsp = stub(request -> request.ctx().close());
        DspHttpClient client = client(dsp.url("http"), false, 8);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        assertEnding(answers.next(), DspOutcome.RESET, 0);
        assertEquals(1, dsp.requests.size(), "no retry on a fresh connection");
    }

    @Test
    void status204IsANoBid() throws Exception {
        StubDsp dsp = stub(request -> request.respond(204, new byte[0]));
        DspHttpClient client = client(dsp.url("http"), false, 8);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        Answers.Answer answer = answers.next();
        assertEnding(answer, DspOutcome.NO_BID, 204);
        assertNull(answer.body());
        assertEquals(1, series.outcomes(DspOutcome.NO_BID));
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        assertEnding(answers.next(), DspOutcome.NO_BID, 204);
        assertEquals(1, dsp.accepted.get(), "a 204 keeps the connection");
    }

    @Test
    void anEmptyOkIsOkWithNoBody() throws Exception {
        StubDsp dsp = stub(request -> request.respond(200, new byte[0]));
        DspHttpClient client = client(dsp.url("http"), false, 8);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        Answers.Answer answer = answers.next();
        assertEnding(answer, DspOutcome.OK, 200);
        assertNull(answer.body());
    }

    @Test
    void anInformationalAnswerIsSkippedForTheRealOne() throws Exception {
        StubDsp dsp = stub(request -> request.raw("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: "
                + ANSWER.length() + "\r\n\r\n" + ANSWER));
        DspHttpClient client = client(dsp.url("http"), false, 8);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        Answers.Answer answer = answers.next();
        assertEnding(answer, DspOutcome.OK, 200);
        assertEquals(ANSWER, answer.body());
    }

    @Test
    void status5xxIsAServerErrorAnd4xxAnHttpError() throws Exception {
        StubDsp dsp = stub(request -> request.respond(503, bytes("{\"error\":\"busy\"}")));
        DspHttpClient client = client(dsp.url("http"), false, 8);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        Answers.Answer answer = answers.next();
        assertEnding(answer, DspOutcome.SERVER_ERROR, 503);
        assertNull(answer.body(), "an error's body is not handed on");
        dsp.behaviour(request -> request.respond(400, bytes("bad")));
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        assertEnding(answers.next(), DspOutcome.HTTP_ERROR, 400);
        assertEquals(1, series.outcomes(DspOutcome.SERVER_ERROR));
        assertEquals(1, series.outcomes(DspOutcome.HTTP_ERROR));
    }

    @Test
    void aGarbageStatusLineIsABadResponseAndClosesTheConnection() throws Exception {
        StubDsp dsp = stub(request -> request.raw("HELLO THERE\r\nthis is not http\r\n\r\n"));
        DspHttpClient client = client(dsp.url("http"), false, 8);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        assertEnding(answers.next(), DspOutcome.BAD_RESPONSE, 0);
        await(() -> dsp.closed.get() == 1, "the connection closed");
        assertEquals(0, onLoop(client::openConnectionsOnThisLoop));
    }

    @Test
    void aDspThatNeverAnswersTimesOutAtTheDeadlineAndItsLateAnswerGoesNowhere() throws Exception {
        AtomicReference<StubDsp.Request> held = new AtomicReference<>();
        StubDsp dsp = stub(held::set);
        DspHttpClient client = client(dsp.url("http"), false, 8);
        long sentAt = System.nanoTime();
        assertTrue(send(client, JSON, 300, "late"));
        Answers.Answer answer = answers.next();
        long waitedNanos = System.nanoTime() - sentAt;
        assertEnding(answer, DspOutcome.TIMEOUT, 0);
        assertEquals("late", answer.attachment());
        assertTrue(waitedNanos >= TimeUnit.MILLISECONDS.toNanos(300), "ended after " + waitedNanos + " ns");
        assertTrue(answer.latencyNanos() >= TimeUnit.MILLISECONDS.toNanos(290), "latency " + answer.latencyNanos());
        await(() -> dsp.closed.get() == 1, "the client closed the connection");

        ChannelFuture late = held.get().ctx().writeAndFlush(
                ByteBufAllocator.DEFAULT.buffer().writeBytes(bytes("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")));
        late.await(10, TimeUnit.SECONDS);
        assertFalse(late.isSuccess(), "the late answer has no connection to go to");
        assertEquals(0, answers.pending(), "one ending only");
        assertEquals(1, series.outcomes(DspOutcome.TIMEOUT));
        assertEquals(0, series.inFlight());
    }

    @Test
    void theDspsTimeoutCapsALaterDeadline() throws Exception {
        StubDsp dsp = stub(request -> { });
        DspConfig config = DspConfig.builder().id("capped-dsp").name("Capped DSP").endpoint(dsp.url("http"))
                .region("JPN").timeoutMs(300).build();
        DspHealth health = DspHealth.of(config);
        series = metrics.dsp(config.id(), health);
        DspHttpClient client = new DspHttpClient(config, MAX_RESPONSE_BYTES, null, health, series);
        toClose.add(0, client);
        assertTrue(send(client, JSON, 60_000, null));
        Answers.Answer answer = answers.next();
        assertEnding(answer, DspOutcome.TIMEOUT, 0);
        assertTrue(answer.latencyNanos() >= TimeUnit.MILLISECONDS.toNanos(290)
                && answer.latencyNanos() < TimeUnit.SECONDS.toNanos(10), "latency " + answer.latencyNanos());
    }

    @Test
    void aDeadlineAlreadyPassedEndsWithATimeoutOnTheNextTurn() throws Exception {
        StubDsp dsp = stub(request -> request.respond(200, bytes(ANSWER)));
        DspHttpClient client = client(dsp.url("http"), false, 8);
        assertTrue(send(client, JSON, -1, null));
        assertEnding(answers.next(), DspOutcome.TIMEOUT, 0);
        assertEquals(0, dsp.accepted.get(), "nothing is sent once the deadline has passed");
        assertEquals(0, onLoop(client::openConnectionsOnThisLoop));
        // the next call with time left goes out as usual
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        assertEnding(answers.next(), DspOutcome.OK, 200);
        assertEquals(1, dsp.accepted.get());
    }

    @Test
    void aConnectionClosedMidAnswerIsAReset() throws Exception {
        StubDsp dsp = stub(request -> {
            request.raw("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"id\":");
            request.ctx().close();
        });
        DspHttpClient client = client(dsp.url("http"), false, 8);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        Answers.Answer answer = answers.next();
        assertEnding(answer, DspOutcome.RESET, 200);
        assertNull(answer.body(), "a part of an answer is dropped");
    }

    @Test
    void anAnswerDeclaredTooLargeIsRefusedAndTheConnectionClosed() throws Exception {
        byte[] huge = new byte[10 << 20];
        Arrays.fill(huge, (byte) ' ');
        StubDsp dsp = stub(request -> request.respond(200, huge));
        DspHttpClient client = client(dsp.url("http"), false, 8);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        Answers.Answer answer = answers.next();
        assertEnding(answer, DspOutcome.TOO_LARGE, 200);
        assertNull(answer.body());
        await(() -> dsp.closed.get() == 1, "the connection closed");
        assertEquals(1, series.outcomes(DspOutcome.TOO_LARGE));
    }

    @Test
    void aChunkedAnswerGrowingTooLargeIsRefusedAndTheConnectionClosed() throws Exception {
        String chunk = " ".repeat(64 << 10);
        StubDsp dsp = stub(request -> {
            request.raw("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
            for (int i = 0; i < 160; i++) {
                request.raw(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
            }
            request.raw("0\r\n\r\n");
        });
        DspHttpClient client = client(dsp.url("http"), false, 8);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        assertEnding(answers.next(), DspOutcome.TOO_LARGE, 200);
        await(() -> dsp.closed.get() == 1, "the connection closed");
    }

    @Test
    void aGzipBombIsRefused() throws Exception {
        byte[] bomb = StubDsp.gzip(new byte[10 << 20]);
        StubDsp dsp = stub(request -> request.respond(200, bomb, "content-encoding", "gzip"));
        DspHttpClient client = client(dsp.url("http"), false, 8);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        Answers.Answer answer = answers.next();
        assertEquals(DspOutcome.TOO_LARGE, answer.outcome());
        assertNull(answer.body());
        await(() -> dsp.closed.get() == 1, "the connection closed");
    }

    @Test
    void aSecondAnswerToOneRequestIsNeverTakenForTheNextCall() throws Exception {
        StubDsp dsp = stub(request -> {
            if (request.numberOnConnection() == 1) {
                request.raw("HTTP/1.1 200 OK\r\ncontent-length: " + ANSWER.length() + "\r\n\r\n" + ANSWER
                        + "HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n\"forged\"");
            } else {
                request.respond(200, bytes(ANSWER));
            }
        });
        DspHttpClient client = client(dsp.url("http"), false, 8);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, 1));
        assertEquals(ANSWER, answers.next().body());
        await(() -> dsp.closed.get() == 1, "the connection that answered twice closed");
        assertTrue(send(client, JSON, DEADLINE_MILLIS, 2));
        Answers.Answer answer = answers.next();
        assertEnding(answer, DspOutcome.OK, 200);
        assertEquals(ANSWER, answer.body());
        assertEquals(2, dsp.accepted.get());
    }

    @Test
    void aCorruptGzipAnswerOrAnEncodingNotOfferedIsABadResponse() throws Exception {
        byte[] corrupt = StubDsp.gzip(bytes(ANSWER));
        corrupt[corrupt.length - 5] ^= 1;
        StubDsp dsp = stub(request -> request.respond(200, corrupt, "content-encoding", "gzip"));
        DspHttpClient client = client(dsp.url("http"), false, 8);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        assertEnding(answers.next(), DspOutcome.BAD_RESPONSE, 200);
        dsp.behaviour(request -> request.respond(200, bytes(ANSWER), "content-encoding", "br"));
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        assertEnding(answers.next(), DspOutcome.BAD_RESPONSE, 200);
        await(() -> dsp.closed.get() == 2, "both connections closed");
    }

    @Test
    void aConnectThatHangsEndsAtTheConnectTimeout() throws Exception {
        // a listener that never accepts, its queue filled: the kernel drops further SYNs, so a connect hangs
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    Socket filler = new Socket();
                    try {
                        filler.connect(full.getLocalSocketAddress(), 200);
                        fillers.add(filler);
                    } catch (IOException queueFull) {
                        filler.close();
                        break;
                    }
                }
                DspConfig dsp = DspConfig.builder().id("hanging").name("Hanging DSP")
                        .endpoint("http://127.0.0.1:" + full.getLocalPort() + "/bid").region("JPN").timeoutMs(60_000)
                        .connectTimeoutMs(200).maxInFlight(8).build();
                DspHealth health = DspHealth.of(dsp);
                series = metrics.dsp(dsp.id(), health);
                DspHttpClient client = new DspHttpClient(dsp, MAX_RESPONSE_BYTES, null, health, series);
                toClose.add(0, client);
                assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
                Answers.Answer answer = answers.next();
                assertEnding(answer, DspOutcome.CONNECT_FAILED, 0);
                assertTrue(answer.latencyNanos() >= TimeUnit.MILLISECONDS.toNanos(190)
                        && answer.latencyNanos() < TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS),
                        "ended after " + answer.latencyNanos() + " ns");
            } finally {
                for (Socket filler : fillers) {
                    filler.close();
                }
            }
        }
    }

    @Test
    void aClosedPortIsAConnectFailure() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        DspHttpClient client = client("http://127.0.0.1:" + port + "/bid", false, 8);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, "refused"));
        Answers.Answer answer = answers.next();
        assertEnding(answer, DspOutcome.CONNECT_FAILED, 0);
        assertEquals("refused", answer.attachment());
        assertEquals(0, onLoop(client::openConnectionsOnThisLoop));
        assertEquals(1, series.outcomes(DspOutcome.CONNECT_FAILED));
    }

    @Test
    void callsOverTheInFlightBoundAreRefusedAtOnce() throws Exception {
        StubDsp dsp = stub(request -> { });
        DspHttpClient client = client(dsp.url("http"), false, 2);
        boolean[] sent = loop.submit(() -> {
            boolean[] results = new boolean[3];
            for (int i = 0; i < 3; i++) {
                results[i] = client.send(loop, body(JSON), null,
                        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300), answers, i);
            }
            return results;
        }).get(10, TimeUnit.SECONDS);
        assertArrayEquals(new boolean[] {true, true, false}, sent);
        assertEquals(1, series.outcomes(DspOutcome.REFUSED_IN_FLIGHT));
        assertEquals(2, series.requests());
        assertEnding(answers.next(), DspOutcome.TIMEOUT, 0);
        assertEnding(answers.next(), DspOutcome.TIMEOUT, 0);
        assertEquals(0, answers.pending(), "the refused call has no callback");
        assertEquals(0, onLoop(client::inFlightOnThisLoop));
        dsp.behaviour(request -> request.respond(204, new byte[0]));
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null), "room again once the calls ended");
        assertEnding(answers.next(), DspOutcome.NO_BID, 204);
    }

    @Test
    void aGzipRequestCarriesTheSameJson() throws Exception {
        StubDsp dsp = stub(request -> request.respond(204, new byte[0]));
        DspHttpClient client = client(dsp.url("http"), true, 8);
        for (int i = 0; i < 2; i++) {
            assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
            assertEnding(answers.next(), DspOutcome.NO_BID, 204);
            StubDsp.Request request = dsp.lastRequest();
            assertEquals("gzip", request.headers().get("content-encoding"));
            assertEquals(Integer.toString(request.body().length), request.headers().get("content-length"));
            assertArrayEquals(bytes(JSON), gunzip(request.body()), "the deflater is reused per loop");
        }
    }

    @Test
    void aGzipAnswerIsDecompressed() throws Exception {
        StubDsp dsp = stub(request -> request.respond(200, StubDsp.gzip(bytes(ANSWER)), "content-encoding", "gzip"));
        DspHttpClient client = client(dsp.url("http"), false, 8);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        Answers.Answer answer = answers.next();
        assertEnding(answer, DspOutcome.OK, 200);
        assertEquals(ANSWER, answer.body());
    }

    @TempDir
    static Path certificates;
    private static SelfSignedCert loopbackCert;

    private static SelfSignedCert loopbackCert() throws Exception {
        if (loopbackCert == null) {
            loopbackCert = SelfSignedCert.create(certificates);
        }
        return loopbackCert;
    }

    @Test
    void tlsWithATrustedSelfSignedCertificate() throws Exception {
        SelfSignedCert cert = loopbackCert();
        SslContext serverTls = SslContextBuilder.forServer(cert.key(), cert.certificate()).build();
        StubDsp dsp = stubTls(request -> request.respond(200, bytes(ANSWER)), serverTls);
        SslContext clientTls = SslContextBuilder.forClient().trustManager(cert.certificate()).build();
        DspHttpClient client = client(dsp.url("https"), false, 8, clientTls);
        for (int i = 0; i < 2; i++) {
            assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
            Answers.Answer answer = answers.next();
            assertEnding(answer, DspOutcome.OK, 200);
            assertEquals(ANSWER, answer.body());
        }
        assertEquals(1, dsp.accepted.get());
        assertArrayEquals(bytes(JSON), dsp.lastRequest().body());
    }

    @Test
    void pipelinedCallsOverTlsShareOneConnection() throws Exception {
        SelfSignedCert cert = loopbackCert();
        SslContext serverTls = SslContextBuilder.forServer(cert.key(), cert.certificate()).build();
        StubDsp dsp = stubTls(request -> request.respond(200, request.body()), serverTls);
        SslContext clientTls = SslContextBuilder.forClient().trustManager(cert.certificate()).build();
        DspHttpClient client = pipelinedClient(dsp.url("https"), 3, clientTls);
        sendInOneTurn(client, DEADLINE_MILLIS, DEADLINE_MILLIS, DEADLINE_MILLIS);
        assertOwnAnswers(3);
        assertEquals(1, dsp.accepted.get());
    }

    @Test
    void tlsWithACertificateForAnotherHostFailsToConnect() throws Exception {
        SelfSignedCert cert = SelfSignedCert.create(certificates, "dsp.example", "dns:dsp.example");
        SslContext serverTls = SslContextBuilder.forServer(cert.key(), cert.certificate()).build();
        StubDsp dsp = stubTls(request -> request.respond(200, bytes(ANSWER)), serverTls);
        SslContext clientTls = SslContextBuilder.forClient().trustManager(cert.certificate()).build();
        DspHttpClient client = client(dsp.url("https"), false, 8, clientTls);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        assertEnding(answers.next(), DspOutcome.CONNECT_FAILED, 0);
        assertEquals(0, dsp.requests.size(), "a trusted certificate for another name is not this DSP");
    }

    @Test
    void tlsWithAnUntrustedCertificateFailsToConnect() throws Exception {
        SelfSignedCert cert = loopbackCert();
        SslContext serverTls = SslContextBuilder.forServer(cert.key(), cert.certificate()).build();
        StubDsp dsp = stubTls(request -> request.respond(200, bytes(ANSWER)), serverTls);
        DspHttpClient client = client(dsp.url("https"), false, 8, null);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        assertEnding(answers.next(), DspOutcome.CONNECT_FAILED, 0);
        assertEquals(0, dsp.requests.size(), "nothing was sent to an unverified peer");
    }

    @Test
    void pipelinedCallsSentInOneTurnShareOneConnectionAndGetTheirOwnAnswersInOrder() throws Exception {
        StubDsp dsp = stub(request -> request.respond(200, request.body()));
        DspHttpClient client = pipelinedClient(dsp.url("http"), 4);
        sendInOneTurn(client, DEADLINE_MILLIS, DEADLINE_MILLIS, DEADLINE_MILLIS, DEADLINE_MILLIS);
        assertOwnAnswers(4, "each call its own answer");
        assertEquals(1, dsp.accepted.get(), "four calls in one turn, one connection");
        List<StubDsp.Request> requests = new ArrayList<>(dsp.requests);
        assertEquals(4, requests.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(i + 1, requests.get(i).numberOnConnection());
            assertEquals(idJson(i), new String(requests.get(i).body(), StandardCharsets.UTF_8), "in send order");
        }
        assertEquals(1, onLoop(client::openConnectionsOnThisLoop));
        assertTrue(send(client, JSON, DEADLINE_MILLIS, "next"));
        assertEnding(answers.next(), DspOutcome.OK, 200);
        assertEquals(1, dsp.accepted.get(), "kept alive for the next call");
        assertEquals(5, series.outcomes(DspOutcome.OK));
    }

    @Test
    void callsBeyondThePipeliningOpenAnotherConnection() throws Exception {
        StubDsp dsp = stub(request -> request.respond(200, request.body()));
        DspHttpClient client = pipelinedClient(dsp.url("http"), 2);
        sendInOneTurn(client, DEADLINE_MILLIS, DEADLINE_MILLIS, DEADLINE_MILLIS, DEADLINE_MILLIS, DEADLINE_MILLIS);
        assertOwnAnswers(5);
        assertEquals(3, dsp.accepted.get(), "five calls, at most two on a connection");
    }

    @Test
    void aPipelinedCallThatTimesOutHasItsLateAnswerDroppedWhileTheCallsBehindGetTheirs() throws Exception {
        List<StubDsp.Request> held = new CopyOnWriteArrayList<>();
        StubDsp dsp = stub(held::add);
        DspHttpClient client = pipelinedClient(dsp.url("http"), 3);
        sendInOneTurn(client, 300, DEADLINE_MILLIS, DEADLINE_MILLIS);
        Answers.Answer timedOut = answers.next();
        assertEnding(timedOut, DspOutcome.TIMEOUT, 0);
        assertEquals(0, timedOut.attachment());
        await(() -> held.size() == 3, "the three requests at the DSP");
        for (StubDsp.Request request : held) {
            request.respond(200, request.body());
        }
        for (int i = 1; i < 3; i++) {
            Answers.Answer answer = answers.next();
            assertEnding(answer, DspOutcome.OK, 200);
            assertEquals(i, answer.attachment());
            assertEquals(idJson(i), answer.body(), "never the timed-out call's answer");
        }
        await(() -> dsp.closed.get() == 1, "a connection that timed out a call closes once its calls ended");
        assertEquals(0, answers.pending(), "one ending per call");
        assertEquals(1, series.outcomes(DspOutcome.TIMEOUT));
        assertEquals(0, series.inFlight());
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        await(() -> held.size() == 4, "the next call's request");
        held.get(3).respond(200, bytes(ANSWER));
        assertEnding(answers.next(), DspOutcome.OK, 200);
        assertEquals(2, dsp.accepted.get(), "the next call on a new connection");
    }

    @Test
    void aConnectionWhoseCallsAllTimedOutCloses() throws Exception {
        StubDsp dsp = stub(request -> { });
        DspHttpClient client = pipelinedClient(dsp.url("http"), 4);
        sendInOneTurn(client, 300, 300);
        assertEnding(answers.next(), DspOutcome.TIMEOUT, 0);
        assertEnding(answers.next(), DspOutcome.TIMEOUT, 0);
        await(() -> dsp.closed.get() == 1, "the client closed the connection");
        assertEquals(0, onLoop(client::openConnectionsOnThisLoop));
        assertEquals(1, dsp.accepted.get());
    }

    @Test
    void aConnectionClosedAfterSeveralAnswersSendsTheCallsBehindOnceMoreAndKeepsPipelining() throws Exception {
        // a per-connection request limit: the first connection's second answer says close
        AtomicReference<Object> firstConnection = new AtomicReference<>();
        StubDsp dsp = stub(request -> {
            firstConnection.compareAndSet(null, request.ctx().channel());
            boolean isLimit = request.numberOnConnection() == 2 && firstConnection.get() == request.ctx().channel();
            request.respond(200, request.body(), "connection", isLimit ? "close" : "keep-alive");
        });
        DspHttpClient client = pipelinedClient(dsp.url("http"), 3);
        sendInOneTurn(client, DEADLINE_MILLIS, DEADLINE_MILLIS, DEADLINE_MILLIS);
        assertOwnAnswers(3);
        assertEquals(2, dsp.accepted.get(), "the third call went once more, on a new connection");
        sendInOneTurn(client, DEADLINE_MILLIS, DEADLINE_MILLIS, DEADLINE_MILLIS);
        for (int i = 0; i < 3; i++) {
            assertEnding(answers.next(), DspOutcome.OK, 200);
        }
        assertEquals(2, dsp.accepted.get(), "still pipelined: the next three share the second connection");
    }

    @Test
    void aDspThatClosesAfterEachAnswerGetsAConnectionPerCallFromThen() throws Exception {
        StubDsp dsp = stub(request -> request.respond(200, request.body(), "connection", "close"));
        DspHttpClient client = pipelinedClient(dsp.url("http"), 3);
        sendInOneTurn(client, DEADLINE_MILLIS, DEADLINE_MILLIS, DEADLINE_MILLIS);
        assertOwnAnswers(3, "each call answered, none lost to a reset");
        assertEquals(3, dsp.accepted.get(), "the two calls behind the first went once more, each on its own");
        sendInOneTurn(client, DEADLINE_MILLIS, DEADLINE_MILLIS);
        assertEnding(answers.next(), DspOutcome.OK, 200);
        assertEnding(answers.next(), DspOutcome.OK, 200);
        assertEquals(5, dsp.accepted.get(), "one connection per call from then on");
        assertEquals(0, series.outcomes(DspOutcome.RESET));
    }

    @Test
    void aGarbageAnswerEndsTheHeadAsBadAndTheCallsBehindGoOnceMore() throws Exception {
        StubDsp dsp = firstRequestThenEcho(request -> request.raw("HELLO THERE\r\nthis is not http\r\n\r\n"));
        assertCallsBehindGoAgain(dsp, DspOutcome.BAD_RESPONSE, 0);
    }

    @Test
    void aFreshConnectionClosedBeforeAnyAnswerResetsTheHeadAndSendsTheCallsBehindOnceMore() throws Exception {
        StubDsp dsp = firstRequestThenEcho(request -> request.ctx().close());
        assertCallsBehindGoAgain(dsp, DspOutcome.RESET, 0);
    }

    @Test
    void callsBehindThatAlreadyWentTwiceEndAsResets() throws Exception {
        StubDsp dsp = stub(request -> request.ctx().close());
        DspHttpClient client = pipelinedClient(dsp.url("http"), 3);
        sendInOneTurn(client, DEADLINE_MILLIS, DEADLINE_MILLIS, DEADLINE_MILLIS);
        for (int i = 0; i < 3; i++) {
            assertEnding(answers.next(), DspOutcome.RESET, 0);
        }
        await(() -> dsp.closed.get() == dsp.accepted.get(), "every connection closed");
        assertTrue(dsp.accepted.get() <= 3, "each call goes at most twice: " + dsp.accepted.get() + " connections");
        assertEquals(0, onLoop(client::openConnectionsOnThisLoop));
        assertEquals(0, answers.pending());
    }

    @Test
    void callsWithTheSameRequestIdNeverShareAPipelinedConnection() throws Exception {
        StubDsp dsp = stub(request -> request.respond(200, request.body()));
        DspHttpClient client = pipelinedClient(dsp.url("http"), 4);
        long d = DEADLINE_MILLIS;
        sendInOneTurn(client, new String[] {"seller-7", "seller-7", "seller-8", "seller-8"}, d, d, d, d);
        assertOwnAnswers(4);
        // 7 | 7, 8 | 8: an answer one step out of order on a connection would carry another id, and be refused
        assertEquals(3, dsp.accepted.get(), "a call joins no connection carrying its request id");
        sendInOneTurn(client, DEADLINE_MILLIS, DEADLINE_MILLIS, DEADLINE_MILLIS);
        for (int i = 0; i < 3; i++) {
            assertEnding(answers.next(), DspOutcome.OK, 200);
        }
        assertEquals(3, dsp.accepted.get(), "three different ids share one connection again");
    }

    @Test
    void answersOutOfStepCloseTheConnectionAndTheCallsBehindGoOnceMoreForTheirOwn() throws Exception {
        // the first connection answers its first request twice: from then on, each answer is its neighbour's
        AtomicReference<Object> firstConnection = new AtomicReference<>();
        StubDsp dsp = stub(request -> {
            firstConnection.compareAndSet(null, request.ctx().channel());
            request.respond(200, request.body());
            if (request.numberOnConnection() == 1 && firstConnection.get() == request.ctx().channel()) {
                request.raw("HTTP/1.1 200 OK\r\ncontent-length: " + request.body().length + "\r\n\r\n"
                        + new String(request.body(), StandardCharsets.UTF_8));
            }
        });
        DspHttpClient client = pipelinedClient(dsp.url("http"), 4);
        sendInOneTurn(client, DEADLINE_MILLIS, DEADLINE_MILLIS, DEADLINE_MILLIS, DEADLINE_MILLIS);
        Answers.Answer first = answers.next();
        assertEnding(first, DspOutcome.OK, 200);
        assertEquals(idJson(0), first.body());
        Answers.Answer second = answers.next();
        assertEquals(1, second.attachment());
        assertEnding(second, DspOutcome.OK, 200);
        assertEquals(idJson(0), second.body(), "the duplicate: its id shows it is not call 1's (the auction refuses"
                + " it), and the connection closes");
        for (int i = 2; i < 4; i++) {
            Answers.Answer answer = answers.next();
            assertEnding(answer, DspOutcome.OK, 200);
            assertEquals(i, answer.attachment());
            assertEquals(idJson(i), answer.body(), "its own answer, from a new connection, never a neighbour's");
        }
        assertEquals(2, dsp.accepted.get(), "the two calls behind went once more, on one new connection");
        await(() -> dsp.closed.get() == 1, "the connection out of step closed");
        assertEquals(0, series.outcomes(DspOutcome.RESET));
        assertEquals(0, answers.pending());
        assertEquals(0, series.inFlight());
    }

    @Test
    void aDspWhoseAnswersNeverEchoTheirIdsKeepsItsPipelinedConnection() throws Exception {
        // its bids are refused (response_id_mismatch) by the auction, but a wrong id from the first answer on is
        // the DSP's own doing, not answers out of step: closing would only churn connections
        StubDsp dsp = stub(request -> request.respond(200, bytes("{\"id\":\"not-the-request\"}")));
        DspHttpClient client = pipelinedClient(dsp.url("http"), 4);
        sendInOneTurn(client, DEADLINE_MILLIS, DEADLINE_MILLIS, DEADLINE_MILLIS, DEADLINE_MILLIS);
        for (int i = 0; i < 4; i++) {
            assertEnding(answers.next(), DspOutcome.OK, 200);
        }
        sendInOneTurn(client, DEADLINE_MILLIS, DEADLINE_MILLIS, DEADLINE_MILLIS);
        for (int i = 0; i < 3; i++) {
            assertEnding(answers.next(), DspOutcome.OK, 200);
        }
        assertEquals(1, dsp.accepted.get(), "seven calls, one connection, never closed as out of step");
        assertEquals(0, dsp.closed.get());
    }

    /** A stub that treats the first request it reads with {@code first} and echoes every other one's body. */
    private StubDsp firstRequestThenEcho(StubDsp.Behaviour first) throws InterruptedException {
        AtomicBoolean isFirst = new AtomicBoolean(true);
        return stub(request -> {
            if (isFirst.getAndSet(false)) {
                first.answer(request);
            } else {
                request.respond(200, request.body());
            }
        });
    }

    /** Three calls on one connection: the head ends as {@code head}, the two behind go again and are answered. */
    private void assertCallsBehindGoAgain(StubDsp dsp, DspOutcome head, int headStatus) throws Exception {
        DspHttpClient client = pipelinedClient(dsp.url("http"), 3);
        sendInOneTurn(client, DEADLINE_MILLIS, DEADLINE_MILLIS, DEADLINE_MILLIS);
        Answers.Answer first = answers.next();
        assertEquals(0, first.attachment());
        assertEnding(first, head, headStatus);
        if (head == DspOutcome.OK) {
            assertEquals(idJson(0), first.body());
        }
        for (int i = 1; i < 3; i++) {
            Answers.Answer answer = answers.next();
            assertEnding(answer, DspOutcome.OK, 200);
            assertEquals(i, answer.attachment());
            assertEquals(idJson(i), answer.body(), "its own answer, from the new connection");
        }
        assertEquals(2, dsp.accepted.get(), "the two calls behind share one new connection");
        assertEquals(0, answers.pending());
        assertEquals(0, series.inFlight());
    }

    private DspHttpClient pipelinedClient(String url, int pipelining) {
        return pipelinedClient(url, pipelining, null);
    }

    private DspHttpClient pipelinedClient(String url, int pipelining, SslContext tls) {
        return client(url, false, 64, tls, pipelining);
    }

    /**
     * Sends one call per deadline in one task on the loop, so in one turn; call i has body {@code {"id":"i"}},
     * request id i and attachment i.
     */
    private void sendInOneTurn(DspHttpClient client, long... deadlineMillis) throws Exception {
        String[] ids = new String[deadlineMillis.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Integer.toString(i);
        }
        sendInOneTurn(client, ids, deadlineMillis);
    }

    /** As {@link #sendInOneTurn(DspHttpClient, long...)}, call i naming request id {@code requestIds[i]}. */
    private void sendInOneTurn(DspHttpClient client, String[] requestIds, long... deadlineMillis) throws Exception {
        boolean isEverySent = loop.submit(() -> {
            boolean isSent = true;
            for (int i = 0; i < deadlineMillis.length; i++) {
                isSent &= client.send(loop, body(idJson(i)), requestIds[i],
                        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMillis[i]), answers, i);
            }
            return isSent;
        }).get(10, TimeUnit.SECONDS);
        assertTrue(isEverySent);
    }

    /** The next {@code count} endings are OK, each carrying its own call's answer ({@code {"id":"i"}}). */
    private void assertOwnAnswers(int count, String... why) throws InterruptedException {
        for (int i = 0; i < count; i++) {
            Answers.Answer answer = answers.next();
            assertEnding(answer, DspOutcome.OK, 200);
            assertEquals(idJson(answer.attachment()), answer.body(), why.length > 0 ? why[0] : "its own answer");
        }
    }

    private static String idJson(Object id) {
        return "{\"id\":\"" + id + "\"}";
    }

    @Test
    void closeClosesTheIdleConnections() throws Exception {
        StubDsp dsp = stub(request -> request.respond(204, new byte[0]));
        DspHttpClient client = client(dsp.url("http"), false, 8);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, null));
        assertEnding(answers.next(), DspOutcome.NO_BID, 204);
        client.close();
        await(() -> dsp.closed.get() == 1, "the idle connection closed");
    }

    @Test
    void closeConnectionsClosesTheBusyConnectionsTooAndWaitsForThem() throws Exception {
        // the first call is answered; the two after it are held, one on the kept-alive connection, one on a new one
        AtomicInteger received = new AtomicInteger();
        StubDsp dsp = stub(request -> {
            if (received.getAndIncrement() == 0) {
                request.respond(204, new byte[0]);
            }
        });
        DspHttpClient client = client(dsp.url("http"), false, 8);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, "answered"));
        assertEnding(answers.next(), DspOutcome.NO_BID, 204);
        assertTrue(send(client, JSON, DEADLINE_MILLIS, "held-1"));
        assertTrue(send(client, JSON, DEADLINE_MILLIS, "held-2"));
        await(() -> received.get() == 3, "the DSP got the held calls");
        assertEquals(2, onLoop(client::openConnectionsOnThisLoop));

        long start = System.nanoTime();
        assertTrue(client.closeConnections(DEADLINE_MILLIS), "every connection closed within the wait");
        // each held call ends as its connection closes, long before its deadline, and goes nowhere again
        // (the one on the kept-alive connection would otherwise be sent once more on a new connection)
        List<String> ended = List.of((String) answers.next().attachment(), (String) answers.next().attachment());
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS), "ended before the"
                + " deadline");
        assertEquals(List.of("held-1", "held-2"), ended.stream().sorted().toList());
        assertEquals(2, series.outcomes(DspOutcome.RESET));
        assertEquals(0, onLoop(client::openConnectionsOnThisLoop));
        assertEquals(3, received.get(), "nothing sent again");
        await(() -> dsp.closed.get() == 2, "the DSP saw both connections close");

        assertTrue(send(client, JSON, DEADLINE_MILLIS, "after"), "a call after it is taken");
        Answers.Answer after = answers.next();
        assertEnding(after, DspOutcome.RESET, 0);
        assertEquals("after", after.attachment());
        assertEquals(3, received.get(), "and nothing dialled for it");
    }

    @Test
    void sendingOffTheLoopIsRefused() throws Exception {
        StubDsp dsp = stub(request -> request.respond(204, new byte[0]));
        DspHttpClient client = client(dsp.url("http"), false, 8);
        ByteBuf body = body(JSON);
        try {
            client.send(loop, body, null, System.nanoTime(), answers, null);
            fail("sent off the loop");
        } catch (IllegalStateException expected) {
            assertEquals(0, body.refCnt(), "the body is released");
        }
    }

    private void assertEnding(Answers.Answer answer, DspOutcome outcome, int status) {
        assertEquals(outcome, answer.outcome());
        assertEquals(status, answer.status());
        assertTrue(answer.isOnLoop(), "ended on the loop");
        assertFalse(answer.isInsideSend(), "ended outside send");
        if (answer.body() != null) {
            assertEquals(0, answer.refCntAfterRelease());
        }
    }

    private StubDsp stub(StubDsp.Behaviour behaviour) throws InterruptedException {
        StubDsp dsp = StubDsp.start(behaviour);
        toClose.add(dsp);
        return dsp;
    }

    private StubDsp stubTls(StubDsp.Behaviour behaviour, SslContext tls) throws InterruptedException {
        StubDsp dsp = StubDsp.startTls(behaviour, tls);
        toClose.add(dsp);
        return dsp;
    }

    private DspHttpClient client(String url, boolean gzip, int maxInFlight) {
        return client(url, gzip, maxInFlight, null);
    }

    private DspHttpClient client(String url, boolean gzip, int maxInFlight, SslContext tls) {
        return client(url, gzip, maxInFlight, tls, 1);
    }

    private DspHttpClient client(String url, boolean gzip, int maxInFlight, SslContext tls, int pipelining) {
        // the deadline each test passes governs: a cold JVM's first TLS call can take seconds on a busy machine
        DspConfig dsp = DspConfig.builder().id("test-dsp-" + ++clients).name("Test DSP").endpoint(url).region("JPN")
                .openrtb("2.6").gzip(gzip).timeoutMs(60_000).connectTimeoutMs(1000).maxInFlight(maxInFlight).build()
                .withPipelining(pipelining);
        DspHealth health = DspHealth.of(dsp);
        series = metrics.dsp(dsp.id(), health);
        DspHttpClient client = new DspHttpClient(dsp, MAX_RESPONSE_BYTES, tls, health, series);
        toClose.add(0, client);
        return client;
    }

    private boolean send(DspHttpClient client, String json, long deadlineMillis, Object attachment)
            throws Exception {
        return loop.submit(() -> {
            answers.isInsideSend = true;
            try {
                return client.send(loop, body(json), null,
                        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMillis), answers, attachment);
            } finally {
                answers.isInsideSend = false;
            }
        }).get(10, TimeUnit.SECONDS);
    }

    private int onLoop(IntSupplier read) throws Exception {
        return loop.submit(read::getAsInt).get(10, TimeUnit.SECONDS);
    }

    private static ByteBuf body(String json) {
        ByteBuf body = ByteBufAllocator.DEFAULT.buffer();
        body.writeCharSequence(json, StandardCharsets.UTF_8);
        return body;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] gunzip(byte[] gzipped) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            return in.readAllBytes();
        }
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting for " + what);
            }
            Thread.yield();
        }
    }
}
