package dev.merlin.exchange.dsp;

import static dev.merlin.exchange.dsp.DspNotifierTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.merlin.config.DspConfig;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.transport.TestTransports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Loss notices, which carry no money and come one per losing bid, never crowd out win and billing notices: a DSP
 * whose {@code lurl}s name a host that takes the connection and never answers gets at most three quarters of the
 * calls under way and of the pool's slots, so another DSP's bill is still accepted and sent at once. On each
 * transport.
 */
@Timeout(60)
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"io_uring", "epoll", "nio"})
class NoticeShareTest {

    @Parameter
    String transportName;

    private final ExchangeMetrics metrics = new ExchangeMetrics();
    private final Queue<String> bills = new ConcurrentLinkedQueue<>();
    private final AtomicInteger held = new AtomicInteger();
    private ServerSocket hanging;
    private HttpServer biller;
    private DspNotifier notifier;

    @BeforeEach
    void start() throws IOException {
        hanging = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptAndHold, "hanging-dsp");
        acceptor.setDaemon(true);
        acceptor.start();
        biller = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        biller.createContext("/", exchange -> {
            bills.add(exchange.getRequestURI().getRawPath());
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        biller.start();
    }

    /** Takes each connection and its request, and never answers. */
    private void acceptAndHold() {
        try {
            while (true) {
                Socket socket = hanging.accept();
                if (socket.getInputStream().read(new byte[512]) > 0) {
                    held.incrementAndGet();
                }
            }
        } catch (IOException closed) {
            // the test is over
        }
    }

    @AfterEach
    void stop() throws IOException {
        if (notifier != null) {
            notifier.close();
        }
        hanging.close();
        biller.stop(0);
    }

    /** DSP 0 loses at the hanging host (its endpoint); DSP 1 bills at the answering one. */
    private void notifier(int queue, int inFlight) {
        List<DspConfig> dsps = List.of(
                DspConfig.of("losing-dsp", "Losing", "http://127.0.0.1:" + hanging.getLocalPort() + "/bid", "USA"),
                DspConfig.of("billing-dsp", "Billing", "http://127.0.0.1:" + biller.getAddress().getPort() + "/bid",
                        "JPN"));
        // one attempt, a call timeout longer than the test, and losses one per connection: each hangs on its own
        notifier = new DspNotifier(dsps, new DspNotifier.Settings(queue, inFlight, 1, Duration.ofMillis(20),
                Duration.ofSeconds(120), Duration.ofMillis(100), 1), metrics,
                TestTransports.assumeAvailable(transportName));
    }

    private boolean loss(int n) {
        DspWin win = new DspWin(0, "losing-dsp", 1_781_524_800L, 1_000_000, "USD", 1_000_000, "bid-" + n, "imp-1",
                "seat-1", "ad-1", null, null, "http://127.0.0.1:" + hanging.getLocalPort() + "/loss/" + n, false,
                false, null);
        return notifier.lostAtSeller(win, "r" + n, n, 102);
    }

    private boolean bill(int n) {
        DspWin win = new DspWin(1, "billing-dsp", 1_781_524_800L, 1_000_000, "USD", 1_000_000, "bid-" + n,
                "imp-1", "seat-2", "ad-2", null, "http://127.0.0.1:" + biller.getAddress().getPort() + "/bill/" + n,
                null, false, false, null);
        return notifier.bill(win, "r" + n, n);
    }

    private long count(int dsp, DspNotifier.Kind kind, DspNotifier.Outcome outcome) {
        return notifier.count(dsp, kind, outcome);
    }

    @Test
    void lossesThatHangNeverHoldBackAnotherDspsBill() {
        notifier(64, 4);
        for (int n = 0; n < 10; n++) {
            assertTrue(loss(n));
        }
        await(() -> held.get() >= 3, "three losses under way, three quarters of four");
        assertTrue(bill(1));
        await(() -> count(1, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT) == 1, "the bill sent");
        assertEquals(List.of("/bill/1"), List.copyOf(bills));
        long lossesEnded = count(0, DspNotifier.Kind.LOSS, DspNotifier.Outcome.SENT)
                + count(0, DspNotifier.Kind.LOSS, DspNotifier.Outcome.FAILED);
        assertEquals(0, lossesEnded, "sent while every loss under way still hung");
        assertEquals(3, held.get(), "no fourth loss took the call the bill needed");
    }

    @Test
    void theLossesShareComesBackAsTheirCallsEnd() {
        notifier(16, 4);
        for (int round = 1; round <= 3; round++) {
            for (int n = 0; n < 12; n++) {
                DspWin win = new DspWin(1, "billing-dsp", 1_781_524_800L, 1_000_000, "USD", 1_000_000, "bid-" + n,
                        "imp-1", "seat-2", "ad-2", null, null,
                        "http://127.0.0.1:" + biller.getAddress().getPort() + "/loss/" + n, false, false, null);
                assertTrue(notifier.lostAtSeller(win, "r" + n, n, 102), "round " + round + ", loss " + n);
            }
            long sent = 12L * round;
            await(() -> count(1, DspNotifier.Kind.LOSS, DspNotifier.Outcome.SENT) == sent, "round " + round);
        }
        assertEquals(0, count(1, DspNotifier.Kind.LOSS, DspNotifier.Outcome.DROPPED));
    }

    @Test
    void lossesNeverTakeTheSlotsKeptForWinsAndBills() {
        notifier(16, 4);
        int accepted = 0;
        for (int n = 0; n < 40; n++) {
            accepted += loss(n) ? 1 : 0;
        }
        // the pool's 16 slots, a quarter kept: 12 losses at most, whether under way, waiting or queued
        assertEquals(12, accepted);
        assertEquals(28, count(0, DspNotifier.Kind.LOSS, DspNotifier.Outcome.DROPPED));
        for (int n = 0; n < 4; n++) {
            assertTrue(bill(n), "bill " + n + " has a slot");
        }
        await(() -> count(1, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT) == 4, "every bill sent");
        assertEquals(4, bills.size());
    }
}
