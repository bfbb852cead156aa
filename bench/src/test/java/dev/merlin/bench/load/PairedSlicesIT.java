package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code make kafka-cost}'s paired slices against two bare servers over loopback: the order alternates from pair to
 * pair, each server's barrier ends its own slice and its CPU counts to it, and a slice that was not saturated or
 * had errors measures nothing.
 */
class PairedSlicesIT {

    private static final byte[] BODY = ("{\"id\":\"1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
            + "\"site\":{}}").getBytes(StandardCharsets.UTF_8);

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pairsAlternateAndEachBarrierEndsItsOwnSlice() throws Exception {
        RequestCorpus corpus = new RequestCorpus("test", List.of("one.json"), List.of(BODY), List.of());
        List<String> barriers = new ArrayList<>();
        AtomicLong cpuA = new AtomicLong();
        AtomicLong cpuB = new AtomicLong();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (BareHttpServer a = BareHttpServer.start(1); BareHttpServer b = BareHttpServer.start(1)) {
            // the barrier of B "works" for 7 ms of CPU each time: that must count to B's slice, never to A's
            PairedSlices.Target targetA = new PairedSlices.Target("a", a.port(), () -> {
                barriers.add("a");
                return "";
            }, cpuA::get);
            PairedSlices.Target targetB = new PairedSlices.Target("b", b.port(), () -> {
                barriers.add("b");
                cpuB.addAndGet(7);
                return "b caught up";
            }, cpuB::get);
            // far more offered than one I/O thread answers: every slice saturated
            // a bystander whose clock moves 5 ms per slice: every slice reports those 5 ms as its own
            AtomicLong bystander = new AtomicLong();
            List<PairedSlices.Pair> pairs = PairedSlices.run(targetA, targetB,
                    Map.of("bystander", () -> bystander.getAndAdd(5)),
                    new PairedSlices.Plan(3, 0.2, 0.5, 400_000, 4), corpus, new PrintStream(printed, true));

            assertEquals(List.of("a", "b", "b", "a", "a", "b"), barriers, "A B, B A, A B; each after its own slice");
            assertEquals(3, pairs.size());
            for (PairedSlices.Pair pair : pairs) {
                assertTrue(pair.a().throughput() > 1_000 && pair.b().throughput() > 1_000, pair.toString());
                assertEquals(0, pair.a().cpuMillis(), "no CPU of B's barrier counts to A");
                assertEquals(7, pair.b().cpuMillis(), "B's barrier counts to B");
                assertEquals(Map.of("bystander", 5L), pair.a().others());
                assertEquals(Map.of("bystander", 5L), pair.b().others());
                assertTrue(pair.a().answered() > 0 && pair.b().answered() > 0, pair.toString());
                assertEquals(pair.b().throughput() / pair.a().throughput(), pair.ratio(), 1e-12);
            }
            assertEquals(3, PairedSlices.ratios(pairs, false).size());
            assertEquals(0, PairedSlices.ratios(pairs, true).size(), "A's CPU per answer is 0: no CPU ratio");
            String output = printed.toString(StandardCharsets.UTF_8);
            assertTrue(output.contains("pair 1 (a first)") && output.contains("pair 2 (b first)")
                    && output.contains("pair 3 (a first)") && output.contains("b caught up"), output);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSliceThatAnsweredAllItWasOfferedWasNotSaturatedAndCountsForNothing() throws Exception {
        RequestCorpus corpus = new RequestCorpus("test", List.of("one.json"), List.of(BODY), List.of());
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (BareHttpServer a = BareHttpServer.start(1); BareHttpServer b = BareHttpServer.start(1)) {
            List<PairedSlices.Pair> pairs = PairedSlices.run(
                    new PairedSlices.Target("a", a.port(), () -> "", () -> -1),
                    new PairedSlices.Target("b", b.port(), () -> "", () -> -1), Map.of(),
                    new PairedSlices.Plan(1, 0.5, 2, 1_000, 2), corpus, new PrintStream(printed, true));

            assertEquals(0, pairs.get(0).a().throughput(), "1,000 req/s offered, all answered: capacity unknown");
            assertEquals(0, pairs.get(0).ratio());
            assertEquals(List.of(), PairedSlices.ratios(pairs, false));
            assertEquals(0, pairs.get(0).a().cpuMicrosPerAnswer(), "CPU unknown");
            assertTrue(printed.toString(StandardCharsets.UTF_8).contains("INVALID: not saturated"), printed.toString());
        }
    }

    @Test
    void onlyTheGeneratorsOwnOverflowIsAllowed() {
        assertEquals("", PairedSlices.verdict(result(20_000, Map.of("backlog-overflow", 500_000L), Map.of()),
                80_000));
        assertTrue(PairedSlices.verdict(result(20_000, Map.of("connection-closed", 3L), Map.of()), 80_000)
                .startsWith("errors"));
        assertTrue(PairedSlices.verdict(result(20_000, Map.of(), Map.of("auction 503", 1L)), 80_000)
                .startsWith("errors"));
        assertTrue(PairedSlices.verdict(result(75_000, Map.of(), Map.of()), 80_000).startsWith("not saturated"));
        assertEquals("no answers", PairedSlices.verdict(result(0, Map.of(), Map.of()), 80_000));
    }

    private static StepResult result(double throughput, Map<String, Long> failures, Map<String, Long> unexpected) {
        long measured = (long) throughput;
        return new StepResult("x", 80_000, 64, 1, 1, 80_000, measured, throughput, new Histogram(3),
                Map.of(204, measured), failures, unexpected, List.of(), null, null);
    }
}
