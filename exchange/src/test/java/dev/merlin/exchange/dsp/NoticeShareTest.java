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
import java.util.ArrayList;
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
 * Loss notices, which carry no money and come one per losing bid, never crowd out win and billing notices: losses
 * whose {@code lurl}s name a host that takes the connection and never answers get at most three quarters of the
 * calls under way and of the pool's slots, and one DSP's at most half of that, so another DSP's bill, and its
 * losses, are still accepted and sent at once. On each transport.
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
        notifier(queue, inFlight, 0);
    }

    /** As {@link #notifier(int, int)}, with {@code moreHanging} more DSPs at the hanging host (DSP 2 on). */
    private void notifier(int queue, int inFlight, int moreHanging) {
        List<DspConfig> dsps = new ArrayList<>(List.of(
                DspConfig.of("losing-dsp", "Losing", "http://127.0.0.1:" + hanging.getLocalPort() + "/bid", "USA"),
                DspConfig.of("billing-dsp", "Billing", "http://127.0.0.1:" + biller.getAddress().getPort() + "/bid",
                        "JPN")));
        for (int d = 0; d < moreHanging; d++) {
            dsps.add(DspConfig.of("losing-dsp-" + d, "Losing " + d,
                    "http://127.0.0.1:" + hanging.getLocalPort() + "/bid", "USA"));
        }
        // one attempt, a call timeout longer than the test, and losses one per connection: each hangs on its own
        notifier = new DspNotifier(dsps, new DspNotifier.Settings(queue, inFlight, 1, Duration.ofMillis(20),
                Duration.ofSeconds(120), Duration.ofMillis(100), 1), metrics,
                TestTransports.assumeAvailable(transportName));
    }

    private boolean loss(int n) {
        return loss(0, "losing-dsp", n);
    }

    /** A loss of DSP {@code dsp} (one at the hanging host) at that host. */
    private boolean loss(int dsp, String dspId, int n) {
        DspWin win = new DspWin(dsp, dspId, 1_781_524_800L, 1_000_000, "USD", 1_000_000, "bid-" + n, "imp-1",
                "seat-1", "ad-1", null, null, "http://127.0.0.1:" + hanging.getLocalPort() + "/loss/" + n, false,
                false, null);
        return notifier.lostAtSeller(win, "r" + n, n, 102);
    }

    /** A loss of the billing DSP (DSP 1), at its answering host. */
    private boolean answeredLoss(int n) {
        DspWin win = new DspWin(1, "billing-dsp", 1_781_524_800L, 1_000_000, "USD", 1_000_000, "bid-" + n,
                "imp-1", "seat-2", "ad-2", null, null,
                "http://127.0.0.1:" + biller.getAddress().getPort() + "/loss/" + n, false, false, null);
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
        // three DSPs whose losses hang, 8 calls: losses take 6 (3 per DSP at most), 2 stay for wins and bills
        notifier(64, 8, 2);
        for (int n = 0; n < 5; n++) {
            assertTrue(loss(0, "losing-dsp", n));
            assertTrue(loss(2, "losing-dsp-0", n));
            assertTrue(loss(3, "losing-dsp-1", n));
        }
        await(() -> held.get() >= 6, "six losses under way, three quarters of eight");
        assertTrue(bill(1));
        await(() -> count(1, DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT) == 1, "the bill sent");
        assertEquals(List.of("/bill/1"), List.copyOf(bills));
        long lossesEnded = 0;
        for (int dsp : new int[] {0, 2, 3}) {
            lossesEnded += count(dsp, DspNotifier.Kind.LOSS, DspNotifier.Outcome.SENT)
                    + count(dsp, DspNotifier.Kind.LOSS, DspNotifier.Outcome.FAILED);
        }
        assertEquals(0, lossesEnded, "sent while every loss under way still hung");
        assertEquals(6, held.get(), "no seventh loss took a call the bill needed");
    }

    @Test
    void oneDspsHangingLossesHoldBackNoOtherDspsLosses() {
        // 4 calls: losses take 3, and one DSP half of that, 1
        notifier(64, 4);
        for (int n = 0; n < 6; n++) {
            assertTrue(loss(n));
        }
        await(() -> held.get() >= 1, "the hanging DSP's loss under way");
        for (int n = 0; n < 3; n++) {
            assertTrue(answeredLoss(n));
        }
        await(() -> count(1, DspNotifier.Kind.LOSS, DspNotifier.Outcome.SENT) == 3, "the other DSP's losses sent");
        assertEquals(0, count(0, DspNotifier.Kind.LOSS, DspNotifier.Outcome.SENT)
                + count(0, DspNotifier.Kind.LOSS, DspNotifier.Outcome.FAILED), "while the hanging ones still hang");
        assertEquals(1, held.get(), "the hanging DSP never had more than its share");
    }

    @Test
    void theLossesShareComesBackAsTheirCallsEnd() {
        notifier(16, 4);
        for (int round = 1; round <= 3; round++) {
            for (int n = 0; n < 12; n++) {
                assertTrue(answeredLoss(n), "round " + round + ", loss " + n);
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
