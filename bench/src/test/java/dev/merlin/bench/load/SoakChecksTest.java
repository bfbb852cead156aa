package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The soak's pass criteria catch what they are for, and the mix reads what Merlin writes. */
class SoakChecksTest {

    private static final long MIB = 1 << 20;

    @Test
    void aSteadyRunPassesEveryCheck() {
        Checks checks = SoakRun.evaluate(result(2, 2, Map.of()), List.of(sample(0, 40 * MIB, 48, 32, 9 * MIB),
                sample(60, 41 * MIB, 48, 33, 9 * MIB)), List.of(), 1000);
        assertTrue(checks.isAllPass(), checks.table());
    }

    @Test
    void growthLatencyAndErrorsEachFailTheirCheck() {
        Checks checks = SoakRun.evaluate(result(2, 4, Map.of("pixel 400", 1L)), List.of(
                sample(0, 40 * MIB, 48, 32, 9 * MIB), sample(60, 45 * MIB, 60, 40, 20 * MIB)), List.of(), 1000);
        assertEquals(List.of("errors (wrong answers, timeouts, resets)", "p99 last window vs first",
                "heap after GC, last vs first", "file descriptors", "threads",
                "direct memory (JVM direct buffer pool)"), checks.all().stream().filter(c -> !c.isPass())
                .map(Checks.Check::name).toList(), checks.table());
    }

    @Test
    void withoutJvmSamplesTheMemoryChecksFail() {
        Checks checks = SoakRun.evaluate(result(2, 2, Map.of()), List.of(), List.of("attach refused"), 1000);
        assertEquals(4, checks.failures().size(), checks.table());
    }

    @Test
    void theClickLinkIsFoundInEveryKindOfMarkup() {
        String link = "http://127.0.0.1:8080/click?rid=r1&iid=1&c=c&cr=cr&sig=ab";
        assertEquals(link, SoakMix.clickLink("<a href=\"" + link + "\" target=\"_blank\"><img/></a>"));
        assertEquals(link, SoakMix.clickLink("<ClickThrough><![CDATA[" + link + "]]></ClickThrough>"));
        assertEquals(link, SoakMix.clickLink("{\"native\":{\"link\":{\"url\":\"" + link + "\"}}}"));
        assertNull(SoakMix.clickLink("<img src=\"https://cdn.example/x.png\"/>"));
    }

    @Test
    void everyAuctionGetsAFreshTopLevelIdAndNothingElseChanges() {
        byte[] body = "{\"imp\":[{\"id\":\"1\"}],\"id\":\"a\\\"b\",\"site\":{\"id\":\"s\"}}"
                .getBytes(StandardCharsets.UTF_8);
        RequestCorpus corpus = new RequestCorpus("t", List.of("t.json"), List.of(body), List.of());
        SoakMix mix = new SoakMix(corpus, 8080, "x", 0.15, null);
        RequestMix.Sent sent = mix.next(0);
        try {
            assertEquals("{\"imp\":[{\"id\":\"1\"}],\"id\":\"x-0\",\"site\":{\"id\":\"s\"}}",
                    sent.request().content().toString(StandardCharsets.UTF_8));
            assertEquals("Bearer demo-ssp-token", sent.request().headers().get("Authorization"));
        } finally {
            sent.request().release();
        }
    }

    private static StepResult result(double firstP99Millis, double lastP99Millis, Map<String, Long> unexpected) {
        Histogram first = new Histogram(3);
        Histogram last = new Histogram(3);
        for (int i = 0; i < 100; i++) {
            first.recordValue((long) (firstP99Millis * 1e6));
            last.recordValue((long) (lastP99Millis * 1e6));
        }
        Histogram total = new Histogram(3);
        total.add(first);
        total.add(last);
        return new StepResult("soak", 1000, 4, 1, 120, 120_000, 120_000, 1000, total, Map.of(200, 120_000L),
                Map.of(), unexpected, List.of(first, last));
    }

    private static JvmProbe.Sample sample(double at, long heap, int fds, int threads, long direct) {
        return new JvmProbe.Sample(at, heap, direct, 35, 0, threads, fds, 1000 * MIB);
    }
}
