package dev.merlin.exchange.bid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.HoldoutConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.PrivacyConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.Holdout;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole bid path allocates at most {@link #BUDGET_BYTES} per request in steady state: the 2 KB, the same
 * budget {@code ExchangePathBenchmark.path} has in {@code bench/gates.yaml}. What it allocates today is the decoded
 * request's strings (ids, user agent, IFA); the model, the auction, the event and the answer are reused. Measured
 * with the thread allocation counter over the bid of the whole-path benchmark, its commitment released each time.
 */
class BidPathAllocationTest {

    static final long BUDGET_BYTES = 2_048;
    private static final long NOW = 1_796_000_000L;
    private static final String IFA = "6D92078A-8246-4BA4-AE5B-76104861E7DC";
    private static final int WARMUP = 30_000;
    private static final int MEASURED = 10_000;
    private static final int ROUNDS = 3;

    @TempDir
    Path dataDir;

    /** Counts the answers and releases each bid's commitment as the loss notice of an unsent bid would. */
    private static final class Sink implements BidCompletion<ExchangeRuntime> {
        long bids;

        @Override
        public void complete(BidAnswer answer, ExchangeRuntime runtime) {
            if (answer.status() == BidAnswer.OK) {
                bids++;
                runtime.stores().spend().release(answer.auctionId(), "1");
            }
        }
    }

    @Test
    void aBidThroughTheWholePathAllocatesAtMostTwoKilobytes() {
        MerlinConfig loaded = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                .withStores(new StoresConfig(10_000L, null, null, null, 10_000L, 10_000L));
        assertWithinBudget(loaded.withExchange(loaded.exchange().withPublicUrl("https://merlin.example")));
    }

    /** A rollout's trial adds its arm, two counters and two event fields per request: no allocation beyond. */
    @Test
    void aBidInTheRolloutsTreatmentArmStaysWithinTheBudget() {
        MerlinConfig loaded = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                .withStores(new StoresConfig(10_000L, null, null, null, 10_000L, 10_000L));
        PrivacyConfig demo = loaded.privacy();
        // a share of 1e-12 holds out nobody in practice, yet puts every user of a rolled-out country in the trial
        MerlinConfig config = loaded.withExchange(loaded.exchange().withPublicUrl("https://merlin.example"))
                .withPrivacy(PrivacyConfig.builder().vendorId(demo.vendorId())
                        .requiredPurposes(demo.requiredPurposes())
                        .personalizationCountries(demo.personalizationCountries())
                        .holdout(new HoldoutConfig(1e-12, List.of())).build()).validate();
        ExchangeMetrics metrics = assertWithinBudget(config);
        assertEquals(WARMUP + (long) ROUNDS * MEASURED, metrics.rolloutAuctions(Holdout.TREATMENT, true));
    }

    private ExchangeMetrics assertWithinBudget(MerlinConfig config) {
        ThreadMXBean threads = threadBean();
        ExchangeMetrics metrics = new ExchangeMetrics();
        try (ExchangeRuntime runtime = ExchangeRuntime.open(config, metrics, () -> NOW)) {
            runtime.stores().segments().add(IFA, config.segmentId("sports-fans"), NOW + 86_400, NOW);
            BidPath path = runtime.newBidPath();
            byte[] request = request();
            Sink sink = new Sink();
            run(path, request, runtime, sink, WARMUP);
            long best = Long.MAX_VALUE;
            for (int round = 0; round < ROUNDS; round++) {
                long before = allocatedBytes(threads);
                run(path, request, runtime, sink, MEASURED);
                best = Math.min(best, (allocatedBytes(threads) - before) / MEASURED);
            }
            assertEquals(WARMUP + (long) ROUNDS * MEASURED, sink.bids, "every request got the bid");
            assertEquals(0, runtime.stores().spend().openCommitments());
            assertTrue(best <= BUDGET_BYTES, "the bid path allocated " + best + " B per request, over "
                    + BUDGET_BYTES);
            System.out.println("bid path: " + best + " B per request");
        }
        return metrics;
    }

    private static void run(BidPath path, byte[] request, ExchangeRuntime runtime, Sink sink, int times) {
        for (int i = 0; i < times; i++) {
            path.handle(request, 0, request.length, "demo-ssp", runtime, sink);
        }
    }

    private static byte[] request() {
        return ("{\"id\":\"news-1\",\"at\":2,\"tmax\":150,\"cur\":[\"USD\"],\"imp\":[{\"id\":\"1\","
                + "\"banner\":{\"w\":300,\"h\":250,\"format\":[{\"w\":300,\"h\":250},{\"w\":320,\"h\":50}]},"
                + "\"bidfloor\":0.5,\"bidfloorcur\":\"USD\",\"secure\":1}],"
                + "\"app\":{\"id\":\"a1\",\"bundle\":\"jp.example.news\",\"cat\":[\"IAB12\"],"
                + "\"publisher\":{\"id\":\"p1\",\"name\":\"Example News\"}},"
                + "\"device\":{\"ua\":\"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)\","
                + "\"ip\":\"203.0.113.9\","
                + "\"ifa\":\"" + IFA + "\",\"devicetype\":4,\"make\":\"Apple\",\"model\":\"iPhone\",\"os\":\"iOS\","
                + "\"osv\":\"17.0\",\"lmt\":0,\"geo\":{\"country\":\"JPN\",\"region\":\"13\",\"type\":2}},"
                + "\"regs\":{\"coppa\":0},\"source\":{\"tid\":\"t-1\"}}").getBytes(StandardCharsets.UTF_8);
    }

    private static ThreadMXBean threadBean() {
        ThreadMXBean threads = ManagementFactory.getPlatformMXBean(ThreadMXBean.class);
        assumeTrue(threads != null && threads.isThreadAllocatedMemorySupported(),
                "needs HotSpot's per-thread allocation counter");
        threads.setThreadAllocatedMemoryEnabled(true);
        return threads;
    }

    private static long allocatedBytes(ThreadMXBean threads) {
        return threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
