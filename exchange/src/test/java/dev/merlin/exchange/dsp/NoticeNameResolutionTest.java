package dev.merlin.exchange.dsp;

import static dev.merlin.exchange.dsp.DspNotifierTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.merlin.config.DspConfig;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.transport.TestTransports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the notice loop finds the address of a notice URL's host: names through Netty's asynchronous resolver, asked of
 * a real name server on 127.0.0.1 ({@link StubNameServer}), so one DSP's name server slow to answer delays no other
 * DSP's notice; the address a name gives is checked before any connection (a DSP's name pointed inside Merlin's
 * network is refused); and a host that ends in a number is refused without asking anyone. On each transport.
 */
@Timeout(60)
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"io_uring", "epoll", "nio"})
class NoticeNameResolutionTest {

    private static final DspNotifier.Settings SETTINGS = new DspNotifier.Settings(64, 8, 2, Duration.ofMillis(20),
            Duration.ofSeconds(10), Duration.ofSeconds(10), 8, DspNotifier.Settings.DEFAULT_PASS_INTERVAL);

    @Parameter
    String transportName;

    private final ExchangeMetrics metrics = new ExchangeMetrics();
    private final Queue<String> tokyoCalls = new ConcurrentLinkedQueue<>();
    private final Queue<String> ohioCalls = new ConcurrentLinkedQueue<>();
    private final Set<Integer> tokyoClientPorts = ConcurrentHashMap.newKeySet();
    private StubNameServer names;
    private HttpServer tokyo;
    private HttpServer ohio;
    private DspNotifier notifier;

    @BeforeEach
    void start() throws Exception {
        names = new StubNameServer();
        tokyo = dspServer(tokyoCalls);
        tokyo.createContext("/loss", exchange -> {
            tokyoClientPorts.add(exchange.getRemoteAddress().getPort());
            tokyoCalls.add(exchange.getRequestURI().getRawPath());
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        ohio = dspServer(ohioCalls);
    }

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.close();
        }
        names.close();
        tokyo.stop(0);
        ohio.stop(0);
    }

    private static HttpServer dspServer(Queue<String> calls) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            calls.add(exchange.getRequestURI().getRawPath());
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        return server;
    }

    /** Two DSPs whose endpoints are the two servers on 127.0.0.1: DSP 0 Tokyo, DSP 1 Ohio. */
    private void notifier() {
        List<DspConfig> dsps = List.of(
                DspConfig.of("tokyo-dsp", "Tokyo", "http://127.0.0.1:" + port(tokyo) + "/bid", "JPN"),
                DspConfig.of("ohio-dsp", "Ohio", "http://127.0.0.1:" + port(ohio) + "/bid", "USA"));
        notifier = new DspNotifier(dsps, SETTINGS, metrics, TestTransports.assumeAvailable(transportName),
                NoticeAddresses.of(dsps), names.asOnlyServer());
    }

    private static int port(HttpServer server) {
        return server.getAddress().getPort();
    }

    private static DspWin win(int dsp, String burl) {
        return new DspWin(dsp, dsp == 0 ? "tokyo-dsp" : "ohio-dsp", 1_781_524_800L, 1_234_500, "USD", 8_270, "bid 1",
                "imp-1", "seat-9", "ad-7", null, burl, null, false, false, null);
    }

    private long count(int dsp, DspNotifier.Outcome outcome) {
        return notifier.count(dsp, DspNotifier.Kind.BILL, outcome);
    }

    @Test
    void aNameServerSlowToAnswerForOneDspsHostDelaysNoOtherDspsNotice() throws Exception {
        // both names lead to their own DSP's endpoint, where notices may go; Tokyo's answer waits until released
        names.hold("notices.tokyo-dsp.test", "127.0.0.1").answer("notices.ohio-dsp.test", "127.0.0.1");
        notifier();
        assertTrue(notifier.bill(win(0, "http://notices.tokyo-dsp.test:" + port(tokyo) + "/tokyo-bill"), "r1", 1));
        await(() -> names.wasAsked("notices.tokyo-dsp.test"), "Tokyo's name asked first");
        assertTrue(notifier.bill(win(1, "http://notices.ohio-dsp.test:" + port(ohio) + "/ohio-bill"), "r2", 2));

        await(() -> count(1, DspNotifier.Outcome.SENT) == 1, "Ohio's bill sent while Tokyo's name is unanswered");
        assertEquals(List.of("/ohio-bill"), List.copyOf(ohioCalls));
        assertTrue(tokyoCalls.isEmpty(), "Tokyo's bill waits for its name alone");
        assertEquals(0, count(0, DspNotifier.Outcome.SENT) + count(0, DspNotifier.Outcome.FAILED)
                + count(0, DspNotifier.Outcome.RETRIED));

        names.release("notices.tokyo-dsp.test");
        await(() -> count(0, DspNotifier.Outcome.SENT) == 1, "Tokyo's bill sent once its name is answered");
        assertEquals(List.of("/tokyo-bill"), List.copyOf(tokyoCalls));
        assertEquals(0, count(0, DspNotifier.Outcome.RETRIED) + count(1, DspNotifier.Outcome.RETRIED));
    }

    @Test
    void lossesWaitingForTheSameNameShareOneLookupAndOneConnection() throws Exception {
        names.hold("losses.tokyo-dsp.test", "127.0.0.1");
        notifier();
        String lurl = "http://losses.tokyo-dsp.test:" + port(tokyo) + "/loss/";
        for (int n = 0; n < 4; n++) {
            DspWin win = new DspWin(0, "tokyo-dsp", 1_781_524_800L, 0, "USD", 0, "bid-" + n, "imp-1", "seat-9",
                    "ad-7", null, null, lurl + n, false, false, null);
            assertTrue(notifier.lostAtSeller(win, "r" + n, n, 102));
        }
        await(() -> names.wasAsked("losses.tokyo-dsp.test"), "the name asked");
        names.release("losses.tokyo-dsp.test");
        await(() -> notifier.count(0, DspNotifier.Kind.LOSS, DspNotifier.Outcome.SENT) == 4, "every loss sent");
        assertEquals(1, tokyoClientPorts.size(), "pipelined on one connection: " + tokyoClientPorts);
        assertTrue(names.asked().stream().filter(n -> n.equals("losses.tokyo-dsp.test")).count() <= 2,
                "one lookup (an A and an AAAA query at most): " + names.asked());
    }

    @Test
    void aDspsNameThatResolvesInsideMerlinsNetworkIsRefusedAndNeverDialled() throws Exception {
        try (ServerSocket inside = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            inside.setSoTimeout(500);
            names.answer("rebound.ohio-dsp.test", "127.0.0.1")
                    .answer("metadata.ohio-dsp.test", "169.254.169.254")
                    .answer("office.ohio-dsp.test", "10.1.2.3")
                    .answer("tokyo-endpoint.ohio-dsp.test", "127.0.0.1");
            notifier();
            String[] refused = {"http://rebound.ohio-dsp.test:" + inside.getLocalPort() + "/b",
                "http://metadata.ohio-dsp.test/latest/meta-data/", "http://office.ohio-dsp.test/admin",
                // Tokyo's endpoint address and port, under Ohio's name: one DSP's endpoint is no other's target
                "http://tokyo-endpoint.ohio-dsp.test:" + port(tokyo) + "/b"};
            for (String burl : refused) {
                assertTrue(notifier.bill(win(1, burl), "r", 1), burl);
            }
            await(() -> count(1, DspNotifier.Outcome.INVALID) == refused.length, "every one refused");
            assertThrows(SocketTimeoutException.class, inside::accept, "no connection reached the port");
            assertTrue(tokyoCalls.isEmpty(), tokyoCalls.toString());
            assertEquals(0, count(1, DspNotifier.Outcome.RETRIED) + count(1, DspNotifier.Outcome.SENT),
                    "a refusal is final");
            assertTrue(names.wasAsked("rebound.ohio-dsp.test") && names.wasAsked("office.ohio-dsp.test"),
                    "refused for what the names resolved to: " + names.asked());
        }
    }

    @Test
    void aHostThatEndsInANumberIsRefusedWithoutAskingANameServer() {
        notifier();
        // each one a host java.net.URI accepts (it gives no host for 127.1 or 0x7f.1, which are refused before this)
        String[] refused = {"http://2130706433:" + port(tokyo) + "/b", "http://0X7F000001:" + port(tokyo) + "/b",
            "http://0177.0.0.1:" + port(tokyo) + "/b"};
        for (String burl : refused) {
            assertTrue(notifier.bill(win(0, burl), "r", 1), burl);
        }
        await(() -> count(0, DspNotifier.Outcome.INVALID) == refused.length, "every one refused");
        assertEquals(List.of(), names.asked());
        assertTrue(tokyoCalls.isEmpty(), tokyoCalls.toString());
    }

    @Test
    void anAnswerIsKeptAtMostThirtySecondsWhateverTtlTheDspsNameServerGives() {
        // Netty's default keeps an answer for its TTL, up to years: a DSP naming a new host per notice would grow it
        NoticeTransport.Ended ignored = (notice, status, failure) -> { };
        try (NoticeTransport transport = new NoticeTransport(TestTransports.assumeAvailable(transportName),
                Duration.ofSeconds(1), 8, NoticeAddresses.ANY, names.asOnlyServer(), ignored)) {
            assertEquals(30, transport.maxCachedTtlSeconds());
        }
    }

    @Test
    void aHostNameThatCannotBeAskedIsRefusedNotRetried() {
        notifier();
        // a label of 64 characters: no name server could be asked for it
        assertTrue(notifier.bill(win(0, "http://" + "a".repeat(64) + ".tokyo-dsp.test:" + port(tokyo) + "/b"), "r",
                1));
        await(() -> count(0, DspNotifier.Outcome.INVALID) == 1, "refused");
        assertEquals(0, count(0, DspNotifier.Outcome.RETRIED));
        assertEquals(List.of(), names.asked());
    }

    @Test
    void aNameNoServerKnowsIsRetriedThenCountedFailedNotInvalid() {
        notifier();
        assertTrue(notifier.bill(win(0, "http://gone.tokyo-dsp.test:" + port(tokyo) + "/b"), "r", 1));
        await(() -> count(0, DspNotifier.Outcome.FAILED) == 1, "failed after its attempts");
        assertEquals(1, count(0, DspNotifier.Outcome.RETRIED), "a lookup that failed may succeed later");
        assertEquals(0, count(0, DspNotifier.Outcome.INVALID));
        assertTrue(names.wasAsked("gone.tokyo-dsp.test"), names.asked().toString());
        assertTrue(tokyoCalls.isEmpty());
    }
}
