package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * The hiccup meter sees a pause of the whole JVM: a full collection stops every Java thread, so the meter's 1 ms
 * sleep wakes at least about as late as the collection lasted, and a step's line and summary carry it.
 */
class HiccupMeterTest {

    @Test
    void aStopTheWorldPauseShowsAsAHiccupAsLongAsThePause() throws Exception {
        Object[] live = new Object[3_000_000]; // small live objects for a full collection to mark and move
        for (int i = 0; i < live.length; i++) {
            live[i] = new long[] {i};
        }
        Histogram seen = new Histogram(3);
        long pauseMillis;
        try (HiccupMeter meter = HiccupMeter.start()) {
            meter.interval();
            long gcBefore = collectionMillis();
            System.gc(); // a full, stop-the-world collection under the test JVM's collector
            pauseMillis = collectionMillis() - gcBefore;
            // the meter records its late wake once it runs again: wait for samples after the pause, bounded
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (seen.getTotalCount() < 10 && System.nanoTime() < deadline) {
                seen.add(meter.interval());
                Thread.onSpinWait();
            }
        }
        assertEquals(3_000_000, live.length);
        assertTrue(pauseMillis >= 10, "the collection paused " + pauseMillis + " ms: too short to tell");
        StepResult.Hiccups hiccups = StepResult.Hiccups.of(seen);
        assertNotNull(hiccups);
        assertTrue(hiccups.maxMillis() >= pauseMillis / 2.0,
                "max hiccup " + hiccups.maxMillis() + " ms against a collection of " + pauseMillis + " ms");
    }

    /** The JVM's collectors' total collection time so far, in ms. */
    private static long collectionMillis() {
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            millis += Math.max(0, gc.getCollectionTime());
        }
        return millis;
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
