package dev.merlin.exchange.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.merlin.config.DspConfig;
import dev.merlin.config.DspPriceKeys;
import dev.merlin.exchange.auction.ExternalBid;
import dev.merlin.exchange.auction.PriceCrypto;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.transport.TestTransports;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The notifier against a real HTTP server on 127.0.0.1 (the JDK's): the URL it calls with its macros filled in,
 * retries of 5xx and network errors up to the bound, no retry of a 4xx, a full queue counted, a drain on close,
 * encrypted prices that decrypt to the clearing price, and URLs and macro values that try to add a header or a request.
 * All of it on each transport Merlin can run on ({@code server.transport}): the notifier's loop takes it.
 */
@Timeout(60)
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"io_uring", "epoll", "nio"})
class DspNotifierTest {

    private static final long NOW = 1_781_524_800L;
    private static final byte[] E_KEY = new byte[32];
    private static final byte[] I_KEY = new byte[32];

    static {
        for (int i = 0; i < 32; i++) {
            E_KEY[i] = (byte) (i * 7 + 1);
            I_KEY[i] = (byte) (i * 13 + 5);
        }
    }

    @Parameter
    String transportName;

    private HttpServer server;
    private final Queue<String> calls = new ConcurrentLinkedQueue<>();
    private final Queue<String> headerLines = new ConcurrentLinkedQueue<>();
    private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
    private volatile int status = 204;
    private volatile int bodyBytes;
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private final ExchangeMetrics metrics = new ExchangeMetrics();
    private DspNotifier notifier;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::answer);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    private void answer(HttpExchange exchange) throws IOException {
        try {
            gate.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        clientPorts.add(exchange.getRemoteAddress().getPort());
        exchange.getRequestHeaders().forEach((name, values) -> values.forEach(v -> headerLines.add(name + ": " + v)));
        calls.add(exchange.getRequestURI().getRawPath() + "?" + exchange.getRequestURI().getRawQuery());
        int length = bodyBytes;
        exchange.sendResponseHeaders(status, length == 0 ? -1 : length);
        if (length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(new byte[length]);
            } catch (IOException e) {
                // the notifier cut the body short, as it should
            }
        }
        exchange.close();
    }

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.close();
        }
        gate.countDown();
        server.stop(0);
    }

    private String url(String pathAndQuery) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + pathAndQuery;
    }

    private DspNotifier notifier(DspNotifier.Settings settings, DspConfig... dsps) {
        notifier = new DspNotifier(List.of(dsps), settings, metrics, TestTransports.assumeAvailable(transportName));
        return notifier;
    }

    private static DspNotifier.Settings settings(int queue, int inFlight, int attempts) {
        return settings(queue, inFlight, attempts, 8);
    }

    private static DspNotifier.Settings settings(int queue, int inFlight, int attempts, int pipelinedLosses) {
        return new DspNotifier.Settings(queue, inFlight, attempts, Duration.ofMillis(20), Duration.ofSeconds(2),
                Duration.ofSeconds(10), pipelinedLosses);
    }

    /** A DSP whose endpoint is the test server: its notices there go out under Merlin's address policy. */
    private DspConfig plainDsp() {
        return dspAt(server.getAddress().getPort());
    }

    /** A DSP whose endpoint is on {@code port} of 127.0.0.1, where its notices may go. */
    private static DspConfig dspAt(int port) {
        return DspConfig.of("tokyo-dsp", "Tokyo", "http://127.0.0.1:" + port + "/bid", "JPN");
    }

    private DspConfig keyedDsp() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        DspConfig d = plainDsp();
        return DspConfig.builder().id("keyed-dsp").name("Keyed").endpoint(d.endpoint()).region("JPN")
                .priceKeys(new DspPriceKeys(b64.encodeToString(E_KEY), b64.encodeToString(I_KEY))).build();
    }

    private static DspWin win(String nurl, String burl, String lurl, int dspIndex) {
        return new DspWin(dspIndex, dspIndex == 1 ? "keyed-dsp" : "tokyo-dsp", NOW, 1_234_500, "JPY", 8_270,
                "bid 1", "imp/1", "seat&9", "ad=7", nurl, burl, lurl, false, false, null);
    }

    /** Waits up to 20 s for {@code condition}; fails naming {@code what} when it does not come. */
    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting for " + what);
            }
            Thread.yield();
        }
    }

    private long count(int dsp, DspNotifier.Kind kind, DspNotifier.Outcome outcome) {
        return notifier.count(dsp, kind, outcome);
    }

    @Test
    void aBillCallsTheBurlWithEveryMacroFilledAndUrlEncoded() {
        notifier(settings(64, 4, 3), plainDsp());
        String burl = url("/b?p=${AUCTION_PRICE}&a=${AUCTION_ID}&bid=${AUCTION_BID_ID}&imp=${AUCTION_IMP_ID}"
                + "&seat=${AUCTION_SEAT_ID}&ad=${AUCTION_AD_ID}&cur=${AUCTION_CURRENCY}&l=${AUCTION_LOSS}"
                + "&m=${AUCTION_MIN_TO_WIN}&other=${DSP_OWN}&open=${AUCTION_PRICE");
        assertTrue(notifier.bill(win(null, burl, null, 0), "req 1", 0x18f3L));
        await(() -> count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT) == 1, "the bill sent");
        assertEquals(List.of("/b?p=1.2345&a=req%201&bid=bid%201&imp=imp%2F1&seat=seat%269&ad=ad%3D7&cur=JPY&l=&m="
                + "&other=$%7BDSP_OWN%7D&open=$%7BAUCTION_PRICE"), List.copyOf(calls), "unknown macros stay");
    }

    @Test
    void aWinCallsTheNurlAndALossTheLurlWithItsReasonAndMinimumToWinButNoPrice() {
        notifier(settings(64, 4, 3), plainDsp());
        assertTrue(notifier.win(win(url("/n?p=${AUCTION_PRICE}"), null, null, 0), "r", 1));
        await(() -> count(0, DspNotifier.Kind.WIN, DspNotifier.Outcome.SENT) == 1, "the win sent");
        ExternalBid loser = NoticePipeliningTest.loser();
        loser.bid.id = "b2";
        loser.minToWinMicros = 2_010_000;
        assertTrue(notifier.loss(0, url("/l?l=${AUCTION_LOSS}&m=${AUCTION_MIN_TO_WIN}&p=${AUCTION_PRICE}"
                + "&b=${AUCTION_BID_ID}&c=${AUCTION_CURRENCY}"), loser, "r", 1, NOW));
        await(() -> count(0, DspNotifier.Kind.LOSS, DspNotifier.Outcome.SENT) == 1, "the loss sent");
        assertEquals(List.of("/n?p=1.2345", "/l?l=102&m=2.01&p=&b=b2&c=USD"), List.copyOf(calls));
    }

    @Test
    void anEncryptedPriceDecryptsToTheClearingPriceWithTheDspsKeys() {
        notifier(settings(64, 4, 3), plainDsp(), keyedDsp());
        assertTrue(notifier.bill(win(null, url("/b?p=${AUCTION_PRICE}&e=${AUCTION_PRICE:ENC}"), null, 1), "r",
                0x18f3L));
        await(() -> count(1, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT) == 1, "the bill sent");
        Map<String, String> query = query(calls.peek());
        assertEquals(38, query.get("p").length(), query.toString());
        PriceCrypto crypto = new PriceCrypto(E_KEY, I_KEY);
        assertEquals(1_234_500, crypto.decrypt(query.get("p")));
        assertEquals(1_234_500, crypto.decrypt(query.get("e")));
    }

    private static Map<String, String> query(String call) {
        return List.of(call.substring(call.indexOf('?') + 1).split("&")).stream()
                .collect(Collectors.toMap(p -> p.substring(0, p.indexOf('=')), p -> p.substring(p.indexOf('=') + 1)));
    }

    @Test
    void aWinIsSentToItsDspByIdWhateverIndexItWasRecordedUnderAndNotAtAllWhenTheDspIsGone() {
        notifier(settings(64, 4, 3), keyedDsp(), plainDsp());
        DspWin recordedAsFirst = win(null, url("/b?p=${AUCTION_PRICE}"), null, 0);
        assertTrue(notifier.bill(recordedAsFirst, "r", 1), "tokyo-dsp is now the second DSP");
        await(() -> count(1, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT) == 1, "sent as tokyo-dsp");
        assertEquals(List.of("/b?p=1.2345"), List.copyOf(calls), "in the clear: tokyo-dsp has no price keys");
        DspWin gone = new DspWin(0, "gone-dsp", NOW, 1, "USD", 1, "b", "1", null, null, null, url("/b"), null, false,
                false, null);
        assertFalse(notifier.bill(gone, "r", 1));
        assertEquals(1, notifier.unknownDsps());
    }

    @Test
    void aServerErrorIsRetriedUpToTheBoundThenGivenUpAndCounted() {
        status = 503;
        notifier(settings(64, 4, 3), plainDsp());
        notifier.bill(win(null, url("/b"), null, 0), "r", 1);
        await(() -> count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.FAILED) == 1, "given up");
        assertEquals(3, calls.size(), "three calls in all");
        assertEquals(2, count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.RETRIED));
        assertEquals(0, count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT));
    }

    @Test
    void aClientErrorIsNotRetried() {
        status = 404;
        notifier(settings(64, 4, 3), plainDsp());
        notifier.bill(win(null, url("/b"), null, 0), "r", 1);
        await(() -> count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.FAILED) == 1, "failed");
        assertEquals(1, calls.size());
        assertEquals(0, count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.RETRIED));
    }

    @Test
    void aNoticeToAnAddressInsideMerlinsNetworkIsNeverCalledNorRetried() throws IOException {
        // another loopback port than the DSP's endpoint: Merlin's own, say, or a neighbour's admin port
        try (ServerSocket inside = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            inside.setSoTimeout(500);
            notifier(settings(64, 4, 3), plainDsp());
            String port = Integer.toString(inside.getLocalPort());
            String[] targets = {"http://127.0.0.1:" + port + "/b", "http://localhost:" + port + "/b",
                "http://2130706433:" + port + "/b", "http://[::1]:" + port + "/b", "http://169.254.169.254/latest/",
                "http://10.0.0.1/admin", "http://192.168.1.1/", "http://0.0.0.0:" + port + "/b"};
            for (String target : targets) {
                assertTrue(notifier.bill(win(null, target, null, 0), "r", 1), target);
            }
            await(() -> count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.INVALID) == targets.length,
                    "every one refused");
            assertThrows(SocketTimeoutException.class, inside::accept, "no connection reached the port");
            assertEquals(0, count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.RETRIED), "a refusal is final");
            assertEquals(0, count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT));
            assertTrue(notifier.bill(win(null, url("/b"), null, 0), "r", 1));
            await(() -> count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT) == 1,
                    "the DSP's own endpoint origin is called, private as it is");
        }
    }

    @Test
    void aRefusedConnectionIsRetriedThenCountedFailed() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        notifier(settings(64, 4, 2), dspAt(closedPort));
        notifier.bill(win(null, "http://127.0.0.1:" + closedPort + "/b", null, 0), "r", 1);
        await(() -> count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.FAILED) == 1, "failed");
        assertEquals(1, count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.RETRIED));
    }

    @Test
    void aLargeAnswerIsCutAfterAFewKilobytesAndCountsAsSent() {
        status = 200;
        bodyBytes = 4 * 1024 * 1024;
        notifier(settings(64, 4, 3), plainDsp());
        notifier.bill(win(null, url("/b"), null, 0), "r", 1);
        await(() -> count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT) == 1, "sent");
        assertEquals(0, count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.RETRIED));
    }

    @Test
    void neitherTheDspsUrlNorAMacroValueCanAddAHeaderOrARequestToTheCall() {
        notifier(settings(64, 4, 3), plainDsp());
        // a raw line break in the DSP's own URL, and one in a value Merlin fills in (the request id is the seller's)
        assertTrue(notifier.bill(win(null, url("/b?x=1\r\nX-Injected: 1\r\n\r\nGET /smuggled HTTP/1.1")
                + "&a=${AUCTION_ID}", null, 0), "r\r\nX-Injected: 2", 1));
        await(() -> count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT) == 1, "the bill sent");
        assertEquals(List.of("/b?x=1%0D%0AX-Injected:%201%0D%0A%0D%0AGET%20/smuggled%20HTTP/1.1"
                + "&a=r%0D%0AX-Injected%3A%202"), List.copyOf(calls), "every line break percent-encoded");
        assertTrue(headerLines.stream().noneMatch(h -> h.toLowerCase(Locale.ROOT).startsWith("x-injected")),
                headerLines.toString());
        assertEquals(1, calls.size(), "one request, none smuggled");
        assertTrue(headerLines.contains("Host: 127.0.0.1:" + server.getAddress().getPort()), headerLines.toString());
    }

    @Test
    void urlsMerlinDoesNotCallAreCountedInvalidAndNotCalled() {
        notifier(settings(64, 4, 3), plainDsp());
        String tooLong = url("/b?x=" + "y".repeat(DspNotifier.MAX_URL_CHARS));
        for (String bad : new String[] {"ftp://127.0.0.1/b", "javascript:alert(1)", "/relative", "http://", tooLong,
            "http://[oops/b"}) {
            assertTrue(notifier.bill(win(null, bad, null, 0), "r", 1), bad);
        }
        assertFalse(notifier.bill(win(null, null, null, 0), "r", 1), "no burl: nothing to queue");
        await(() -> count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.INVALID) == 6, "all invalid");
        assertEquals(0, calls.size());
    }

    @Test
    void aFullQueueDropsAndCountsWhatDoesNotFitAndSendsTheRest() {
        gate = new CountDownLatch(1);
        notifier(settings(2, 1, 1), plainDsp());
        assertTrue(notifier.bill(win(null, url("/1"), null, 0), "r", 1));
        assertTrue(notifier.bill(win(null, url("/2"), null, 0), "r", 1));
        assertFalse(notifier.bill(win(null, url("/3"), null, 0), "r", 1), "the pool of two is taken");
        assertEquals(1, count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.DROPPED));
        gate.countDown();
        await(() -> count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT) == 2, "both sent");
        assertTrue(notifier.bill(win(null, url("/4"), null, 0), "r", 1), "slots return to the pool");
        await(() -> count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT) == 3, "the fourth sent");
    }

    @Test
    void closeDrainsEveryAcceptedNoticeIncludingRetriesAndRefusesNewOnes() {
        AtomicInteger served = new AtomicInteger();
        server.removeContext("/");
        server.createContext("/", exchange -> {
            // every first call of a path fails: close must wait for the retry too
            int n = served.incrementAndGet();
            calls.add(exchange.getRequestURI().getPath());
            exchange.sendResponseHeaders(n % 2 == 1 && n <= 10 ? 502 : 204, -1);
            exchange.close();
        });
        notifier(settings(64, 2, 3), plainDsp());
        for (int i = 0; i < 20; i++) {
            assertTrue(notifier.bill(win(null, url("/" + i), null, 0), "r", 1));
        }
        notifier.close();
        assertEquals(20, count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT), "all sent before close returned");
        assertEquals(0, count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.DROPPED));
        assertFalse(notifier.bill(win(null, url("/late"), null, 0), "r", 1), "closed");
        assertEquals(1, count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.DROPPED));
    }

    @Test
    void aCallThatEndsFreesItsRoomAtOnceNotAtTheNextPass() {
        // one call at a time and a pass every 3 s: twenty notices would take a minute if each waited for a pass
        notifier(new DspNotifier.Settings(64, 1, 3, Duration.ofMillis(20), Duration.ofSeconds(2),
                Duration.ofSeconds(10), 8, Duration.ofSeconds(3)), plainDsp());
        long queuedAt = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            assertTrue(notifier.bill(win(null, url("/b" + i), null, 0), "r", 1));
        }
        await(() -> count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT) == 20, "all twenty sent");
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - queuedAt);
        assertTrue(tookMillis < 6_000, "sent in " + tookMillis + " ms: the first pass, then one call after another");
        assertEquals(1, clientPorts.size(), "one after another on one kept connection: " + clientPorts);
    }

    @Test
    void aDrainOutOfTimeCountsWhatIsUnderWayDroppedOnceEvenWhenItsConnectionEndsItLater() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            CountDownLatch asked = new CountDownLatch(1);
            Thread acceptor = new Thread(() -> readAndHold(silent, asked), "read-and-hold-server");
            acceptor.setDaemon(true);
            acceptor.start();
            // one attempt: were the closing connection's end counted too, it would count as failed
            notifier(new DspNotifier.Settings(64, 4, 1, Duration.ofMillis(20), Duration.ofSeconds(30),
                    Duration.ofMillis(200), 8), dspAt(silent.getLocalPort()));
            notifier.bill(win(null, "http://127.0.0.1:" + silent.getLocalPort() + "/b", null, 0), "r", 1);
            assertTrue(asked.await(20, TimeUnit.SECONDS), "the call reached the server");
            notifier.close();
            assertEquals(1, count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.DROPPED), "dropped by the drain");
            assertEquals(0, count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.FAILED), "and not failed as well");
            assertEquals(0, count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT));
        }
    }

    @Test
    void theNotifierAddsOneThreadItsLoop() {
        long before = noticeThreads();
        notifier(settings(64, 4, 3), plainDsp());
        notifier.bill(win(null, url("/b"), null, 0), "r", 1);
        await(() -> count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT) == 1, "sent");
        assertEquals(before + 1, noticeThreads(), "the passes and the calls share the transport's loop");
        assertEquals(TestTransports.assumeAvailable(transportName), notifier.loopTransport());
    }

    private static long noticeThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("merlin-dsp-notices")).count();
    }

    @Test
    void theCountsAreExposedPerDspKindAndOutcome() throws IOException {
        notifier(settings(64, 4, 3), plainDsp());
        notifier.bill(win(null, url("/b"), null, 0), "r", 1);
        await(() -> count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT) == 1, "sent");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.writeTo(out);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains(
                "merlin_dsp_notices_total{dsp=\"tokyo-dsp\",kind=\"bill\",outcome=\"sent\"} 1.0"), out.toString());
    }

    @Test
    void noticesOneAfterAnotherShareOneKeptAliveConnection() {
        notifier(settings(64, 4, 3), plainDsp());
        for (int i = 0; i < 10; i++) {
            int sent = i + 1;
            notifier.bill(win(null, url("/b" + i), null, 0), "r", 1);
            await(() -> count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT) == sent, "sent " + sent);
        }
        assertEquals(10, calls.size());
        assertEquals(1, clientPorts.size(), "one connection for ten notices in a row: " + clientPorts);
    }

    @Test
    void aServerThatNeverAnswersTimesOutIsRetriedThenCountedFailed() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> readAndHold(silent, new CountDownLatch(1)), "silent-server");
            acceptor.setDaemon(true);
            acceptor.start();
            notifier = new DspNotifier(List.of(dspAt(silent.getLocalPort())), new DspNotifier.Settings(64, 4, 2,
                    Duration.ofMillis(20),
                    Duration.ofMillis(200), Duration.ofSeconds(5), 8), metrics,
                    TestTransports.assumeAvailable(transportName));
            notifier.bill(win(null, "http://127.0.0.1:" + silent.getLocalPort() + "/b", null, 0), "r", 1);
            await(() -> count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.FAILED) == 1, "failed");
            assertEquals(1, count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.RETRIED));
            assertEquals(0, count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT));
        }
    }

    @Test
    void anAnswerThatIsNotHttpIsAFailureNotASend() throws IOException {
        try (ServerSocket garbage = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> answerGarbage(garbage), "garbage-server");
            acceptor.setDaemon(true);
            acceptor.start();
            notifier(settings(64, 4, 2), dspAt(garbage.getLocalPort()));
            notifier.bill(win(null, "http://127.0.0.1:" + garbage.getLocalPort() + "/b", null, 0), "r", 1);
            await(() -> count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.FAILED) == 1, "failed");
            assertEquals(0, count(0, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT));
        }
    }

    /** Accepts connections, reads what each sends (counting {@code asked} down), and never answers. */
    private static void readAndHold(ServerSocket server, CountDownLatch asked) {
        List<Socket> held = new ArrayList<>();
        try {
            while (true) {
                Socket socket = server.accept();
                held.add(socket);
                if (socket.getInputStream().read(new byte[512]) > 0) {
                    asked.countDown();
                }
            }
        } catch (IOException closed) {
            for (Socket socket : held) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    /** Answers every connection with bytes that are not HTTP, then closes it. */
    private static void answerGarbage(ServerSocket server) {
        try {
            while (true) {
                try (Socket socket = server.accept()) {
                    socket.getOutputStream().write("SMTP ready\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    socket.getInputStream().read(new byte[512]);
                }
            }
        } catch (IOException closed) {
            // the test closed the server
        }
    }
}
