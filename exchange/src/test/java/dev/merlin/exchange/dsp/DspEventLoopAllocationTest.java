package dev.merlin.exchange.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import dev.merlin.config.DspConfig;
import dev.merlin.exchange.auction.ExternalBid;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the bid path calls on the event loop allocates nothing in the steady state, measured with the thread's
 * allocation counter: recording a DSP's win (and releasing it) in the real ledger, and queuing a losing bid's
 * {@code lurl}.
 */
class DspEventLoopAllocationTest {

    private static final long NOW = 1_781_524_800L;
    private static final int WARMUP = 20_000;
    private static final int MEASURED = 2_000;
    private static final int ROUNDS = 20;

    @TempDir
    Path dataDir;

    @Test
    void recordingAndReleasingAWinAllocatesNothing() {
        ThreadMXBean threads = threadBean();
        ExternalBid winner = DspWinLedgerTest.winner("http://d/n?p=${AUCTION_PRICE}", "http://d/b", "http://d/l");
        try (DspWinLedger ledger = new DspWinLedger(dataDir, 10_000, 3_600)) {
            for (int i = 0; i < WARMUP; i++) {
                ledger.record(i, "1", winner, 1_000, NOW);
                ledger.release(i, "1");
            }
            long fewest = Long.MAX_VALUE;
            for (int round = 0; round < ROUNDS && fewest > 0; round++) {
                long before = allocatedBytes(threads);
                for (int i = 0; i < MEASURED; i++) {
                    ledger.record(i, "1", winner, 1_000, NOW);
                    ledger.release(i, "1");
                }
                fewest = Math.min(fewest, allocatedBytes(threads) - before);
            }
            assertEquals(0, ledger.size());
            assertEquals(0.0, (double) fewest / MEASURED, 0.01, "bytes per win: " + fewest + " in the best round");
        }
    }

    @Test
    void queuingALosersLurlAllocatesNothing() {
        ThreadMXBean threads = threadBean();
        ExternalBid loser = DspWinLedgerTest.winner(null, null, "ftp://not-called/l");
        loser.lossCode = ExternalBid.LOSS_HIGHER_BID;
        DspNotifier.Settings settings = new DspNotifier.Settings(1 << 16, 4, 1, Duration.ofMillis(10),
                Duration.ofSeconds(1), Duration.ofSeconds(10), 8);
        List<DspConfig> dsps = List.of(DspConfig.of("d0", "D0", "http://127.0.0.1:1/", "JPN"),
                DspConfig.of("d1", "D1", "http://127.0.0.1:1/", "JPN"),
                DspConfig.of("d2", "D2", "http://127.0.0.1:1/", "JPN"));
        DspNotifier notifier = new DspNotifier(dsps, settings, new ExchangeMetrics());
        try {
            for (int i = 0; i < WARMUP; i++) {
                notifier.loss(2, loser.bid.lurl, loser, "req-1", i, NOW);
            }
            long fewest = Long.MAX_VALUE;
            for (int round = 0; round < ROUNDS && fewest > 0; round++) {
                long before = allocatedBytes(threads);
                for (int i = 0; i < MEASURED; i++) {
                    notifier.loss(2, loser.bid.lurl, loser, "req-1", i, NOW);
                }
                fewest = Math.min(fewest, allocatedBytes(threads) - before);
            }
            assertEquals(0.0, (double) fewest / MEASURED, 0.01, "bytes per loss: " + fewest + " in the best round");
        } finally {
            notifier.close();
        }
    }

    private static ThreadMXBean threadBean() {
        Object bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof ThreadMXBean, "needs HotSpot's per-thread allocation counter");
        ThreadMXBean threads = (ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        return threads;
    }

    private static long allocatedBytes(ThreadMXBean threads) {
        return threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
