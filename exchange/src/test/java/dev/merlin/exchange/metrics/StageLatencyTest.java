package dev.merlin.exchange.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The stage timers: per-thread recording without allocation, the last second's percentiles, the Prometheus export. */
class StageLatencyTest {

    @Test
    void recordingAllocatesNothing() {
        StageLatency stages = new StageLatency();
        StageLatency.Writer writer = stages.forThisThread();
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        StageLatency.Stage[] all = StageLatency.Stage.values();
        for (int i = 0; i < 50_000; i++) {
            writer.record(all[i & 7], 1_000 + i);
        }
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < 5 && fewest > 0; round++) {
            long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < 10_000; i++) {
                writer.record(all[i & 7], 1_000 + i);
            }
            fewest = Math.min(fewest, threads.getThreadAllocatedBytes(id) - before);
        }
        assertEquals(0, fewest, "bytes allocated by 10,000 records in the best round");
    }

    @Test
    void aSampleSummarisesTheLastSecondOfEveryThreadAndTheTotalsAccumulate() throws Exception {
        StageLatency stages = new StageLatency();
        Thread other = new Thread(() -> {
            for (int i = 1; i <= 100; i++) {
                stages.forThisThread().record(StageLatency.Stage.DECODE, i * 1_000L);
            }
        });
        other.start();
        other.join();
        for (int i = 101; i <= 200; i++) {
            stages.forThisThread().record(StageLatency.Stage.DECODE, i * 1_000L);
        }
        stages.sample();
        StageLatency.Summary decode = stages.lastSecond(StageLatency.Stage.DECODE);
        assertEquals(200, decode.count(), "both threads' records");
        assertEquals(100_000, decode.p50Nanos(), 1_000, "the median of 1..200 µs");
        assertEquals(198_000, decode.p99Nanos(), 2_000);
        assertEquals(0, stages.lastSecond(StageLatency.Stage.WRITE).count());
        stages.forThisThread().record(StageLatency.Stage.DECODE, 5_000);
        stages.sample();
        assertEquals(1, stages.lastSecond(StageLatency.Stage.DECODE).count(), "only what came since");
        assertEquals(201, stages.totalCount(StageLatency.Stage.DECODE));
    }

    @Test
    void theExportIsACumulativeHistogramPerStageInSeconds() throws Exception {
        ExchangeMetrics metrics = new ExchangeMetrics();
        StageLatency.Writer writer = metrics.stages().forThisThread();
        writer.record(StageLatency.Stage.ENCODE, 800);
        writer.record(StageLatency.Stage.ENCODE, 3_000);
        writer.record(StageLatency.Stage.ENCODE, 3_000);
        writer.record(StageLatency.Stage.ENCODE, 40_000_000);
        metrics.stages().sample();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.writeTo(out);
        String text = out.toString(StandardCharsets.UTF_8);
        Map<String, Double> encode = new HashMap<>();
        Matcher m = Pattern.compile("merlin_stage_seconds_bucket\\{stage=\"encode\",le=\"([^\"]+)\"} (\\S+)")
                .matcher(text);
        while (m.find()) {
            encode.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        assertEquals(1.0, encode.get("1.0E-6"), text);
        assertEquals(1.0, encode.get("2.0E-6"));
        assertEquals(3.0, encode.get("5.0E-6"));
        assertEquals(3.0, encode.get("0.02"));
        assertEquals(4.0, encode.get("0.05"));
        assertEquals(4.0, encode.get("+Inf"));
        assertTrue(text.contains("merlin_stage_seconds_count{stage=\"encode\"} 4"), text);
        Matcher sum = Pattern.compile("merlin_stage_seconds_sum\\{stage=\"encode\"} (\\S+)").matcher(text);
        assertTrue(sum.find());
        assertEquals(0.0400068, Double.parseDouble(sum.group(1)), 0.0004);
        assertTrue(text.contains("merlin_stage_seconds_count{stage=\"decode\"} 0"), "every stage is exported");
    }
}
