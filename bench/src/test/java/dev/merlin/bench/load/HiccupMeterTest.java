package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hiccup meter sees a pause of the whole JVM: a heap dump stops every Java thread at a safepoint, so the meter's
 * 1 ms sleep wakes at least about as late as the dump lasted, and a step's line and summary carry it.
 */
class HiccupMeterTest {

    @Test
    void aStopTheWorldPauseShowsAsAHiccupAsLongAsThePause(@TempDir Path dir) throws Exception {
        HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        byte[][] ballast = new byte[64][];
        for (int i = 0; i < ballast.length; i++) {
            ballast[i] = new byte[1 << 20]; // 64 MB for the dump to write, so it lasts
        }
        Histogram seen = new Histogram(3);
        long pauseNanos;
        try (HiccupMeter meter = HiccupMeter.start()) {
            meter.interval();
            long before = System.nanoTime();
            hotspot.dumpHeap(dir.resolve("dump.hprof").toString(), false);
            pauseNanos = System.nanoTime() - before;
            // the meter records its late wake once it runs again: wait for samples after the dump, bounded
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (seen.getTotalCount() < 10 && System.nanoTime() < deadline) {
                seen.add(meter.interval());
                Thread.onSpinWait();
            }
        }
        assertTrue(Files.size(dir.resolve("dump.hprof")) > ballast.length * (1L << 20), "the dump holds the ballast");
        StepResult.Hiccups hiccups = StepResult.Hiccups.of(seen);
        assertNotNull(hiccups);
        assertTrue(hiccups.maxMillis() * 1e6 >= pauseNanos / 2.0,
                "max hiccup " + hiccups.maxMillis() + " ms against a dump of " + pauseNanos / 1e6 + " ms");
    }

    @Test
    void aStepCarriesItsHiccupsInItsLineAndSummary() {
        Histogram late = new Histogram(3);
        for (int i = 0; i < 99; i++) {
            late.recordValue(50_000);
        }
        late.recordValue(25_000_000);
        StepResult step = new StepResult("bare", 100, 4, 0, 1, 100, 100, 100, new Histogram(3), Map.of(204, 100L),
                Map.of(), Map.of(), List.of(), null, null).withHiccups(StepResult.Hiccups.of(late));

        assertTrue(step.line().contains("hiccups p99 0.1 max 25.0 ms"), step.line());
        assertTrue(step.summary().get("hiccupsMillis") instanceof Map<?, ?> map && map.get("max").equals(25.002),
                String.valueOf(step.summary().get("hiccupsMillis")));
        assertNull(StepResult.Hiccups.of(new Histogram(3)), "no samples, no figure");
    }
}
