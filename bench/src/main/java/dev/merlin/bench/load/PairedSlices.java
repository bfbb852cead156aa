package dev.merlin.bench.load;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The throughput of two servers on this machine, compared in alternating slices: A B, B A, A B, ... On a shared
 * 2-core VM the rate a server sustains drifts by 10-15 % over minutes (six find-max rounds of the same node in one run
 * ranged 24,500-29,000 req/s), more than the differences {@code make kafka-cost} and {@code make dsp-pairs} look for;
 * measured seconds apart and in both orders, the two sides of a pair see the same machine, and the median of the
 * pairs' ratios is what the comparison says.
 *
 * <p>Each slice offers far more than either server answers (open loop at {@link Plan#offeredRate()}, a short
 * backlog per connection, so every connection always has a request in flight and the backlog's overflow is dropped
 * at the generator, not sent) and counts the answers per second over its measured seconds: the server's capacity at
 * that many connections. A slice is invalid when anything but that overflow failed (a non-2xx answer, a connection
 * lost) or when it answered more than {@value #SATURATED_SHARE} of what was offered (the offer did not saturate it).
 */
final class PairedSlices {

    /** A slice answering more than this share of the offered rate did not saturate the server. */
    static final double SATURATED_SHARE = 0.9;

    /** Requests queued per connection behind the one in flight; more only adds latency, never throughput. */
    private static final int BACKLOG_PER_CONNECTION = 4;

    /** The generator's own refusal when a connection's backlog is full: the offer exceeding capacity, by design. */
    private static final String OVERFLOW = "backlog-overflow";

    private PairedSlices() {
    }

    /**
     * What a server's slice is not over before (a Kafka node's backlog published, say): its CPU until then counts as
     * the slice's; returns a note to print, or "".
     */
    @FunctionalInterface
    interface Barrier {
        String await() throws Exception;
    }

    /**
     * A server under comparison: its name, its port on 127.0.0.1, what ends its slice after the last answer, and its
     * process's CPU time so far in ms (-1: unknown).
     */
    record Target(String name, int port, Barrier after, LongSupplier cpuMillis) {
    }

    /**
     * What one slice measured.
     *
     * @param throughput answers per second over the counted seconds; 0 when the slice was invalid
     * @param answered   answers in the whole slice, its uncounted first seconds included
     * @param cpuMillis  the server's CPU from the slice's start until its barrier passed; -1 when unknown
     * @param others     the same span's CPU of the other processes watched (a broker, the generator), in ms by name
     */
    record Slice(double throughput, long answered, long cpuMillis, Map<String, Long> others) {

        /** The server's CPU per answer in µs, its barrier's work included; 0 when unknown. */
        double cpuMicrosPerAnswer() {
            return answered > 0 && cpuMillis >= 0 ? cpuMillis * 1000.0 / answered : 0;
        }
    }

    /**
     * How the comparison runs.
     *
     * @param pairs         pairs of slices, the order alternating from one pair to the next
     * @param warmupSeconds each slice's first seconds, sent but not counted (the connections fill up)
     * @param sliceSeconds  each slice's counted seconds
     * @param offeredRate   requests per second offered, above what either server answers
     * @param connections   keep-alive connections, one request in flight on each
     */
    record Plan(int pairs, double warmupSeconds, double sliceSeconds, double offeredRate, int connections) {
    }

    /** One pair's slices, in A, B order whatever ran first. */
    record Pair(Slice a, Slice b) {

        /** B's throughput over A's; 0 when either slice was invalid. */
        double ratio() {
            return a.throughput() > 0 && b.throughput() > 0 ? b.throughput() / a.throughput() : 0;
        }

        /** A's CPU per answer over B's (above 1: B costs more); 0 when either is unknown. */
        double cpuRatio() {
            double perA = a.cpuMicrosPerAnswer();
            double perB = b.cpuMicrosPerAnswer();
            return perA > 0 && perB > 0 ? perA / perB : 0;
        }
    }

    /**
     * Runs {@code plan.pairs()} pairs of slices of {@code a} and {@code b}, printing each slice with its server's CPU
     * per answer and that of the {@code others} (other processes sharing the cores, by name); returns the pairs.
     */
    static List<Pair> run(Target a, Target b, Map<String, LongSupplier> others, Plan plan, RequestCorpus corpus,
                          PrintStream out) throws Exception {
        List<Pair> pairs = new ArrayList<>();
        HttpLoadClient clientA = new HttpLoadClient(a.port(), "/openrtb2/auction");
        HttpLoadClient clientB = new HttpLoadClient(b.port(), "/openrtb2/auction");
        try {
            for (int i = 0; i < plan.pairs(); i++) {
                boolean isAFirst = i % 2 == 0;
                Slice first = slice(isAFirst ? a : b, isAFirst ? clientA : clientB, others, plan, corpus, out);
                Slice second = slice(isAFirst ? b : a, isAFirst ? clientB : clientA, others, plan, corpus, out);
                Pair pair = isAFirst ? new Pair(first, second) : new Pair(second, first);
                pairs.add(pair);
                out.printf(Locale.ROOT, "pair %d (%s first): %s %,.0f req/s, %s %,.0f req/s: %s/%s %.3f;"
                        + " CPU per answer %.1f and %.1f µs: %.3f%n", i + 1, isAFirst ? a.name() : b.name(), a.name(),
                        pair.a().throughput(), b.name(), pair.b().throughput(), b.name(), a.name(), pair.ratio(),
                        pair.a().cpuMicrosPerAnswer(), pair.b().cpuMicrosPerAnswer(), pair.cpuRatio());
            }
        } finally {
            clientA.close();
            clientB.close();
        }
        return pairs;
    }

    /**
     * {@code jitWarmupSeconds} of each at saturation first (one pair, printed, not counted; none for 0), then
     * {@link #run}; {@code label} starts the lines printed between them.
     */
    static List<Pair> warmUpAndRun(Target a, Target b, Map<String, LongSupplier> others, Plan plan,
                                   double jitWarmupSeconds, RequestCorpus corpus, String label, PrintStream out)
            throws Exception {
        if (jitWarmupSeconds > 0) {
            out.printf(Locale.ROOT, "%s: JIT warm-up, %.0f s of each at saturation (not counted)%n", label,
                    jitWarmupSeconds);
            run(a, b, others, new Plan(1, plan.warmupSeconds(), jitWarmupSeconds, plan.offeredRate(),
                    plan.connections()), corpus, out);
        }
        out.println(label + ": measured pairs");
        return run(a, b, others, plan, corpus, out);
    }

    /** This JVM's CPU time so far (the load generator's, and whatever else runs in it), in ms; -1 when unknown. */
    static long ownCpuMillis() {
        return cpuMillis(ProcessHandle.current());
    }

    /** {@code process}'s CPU time so far (user and system, all threads), in ms; -1 where the OS does not say. */
    static long cpuMillis(ProcessHandle process) {
        return process.info().totalCpuDuration().map(Duration::toMillis).orElse(-1L);
    }

    /** {@code ratios} with three decimals each. */
    static List<String> format(List<Double> ratios) {
        return ratios.stream().map(r -> String.format(Locale.ROOT, "%.3f", r)).toList();
    }

    /** The valid pairs' throughput ratios ({@code isCpu}: CPU-per-answer ratios), in order. */
    static List<Double> ratios(List<Pair> pairs, boolean isCpu) {
        List<Double> ratios = new ArrayList<>();
        for (Pair pair : pairs) {
            double ratio = isCpu ? pair.cpuRatio() : pair.ratio();
            if (ratio > 0) {
                ratios.add(ratio);
            }
        }
        return ratios;
    }

    private static Slice slice(Target target, HttpLoadClient client, Map<String, LongSupplier> others, Plan plan,
                               RequestCorpus corpus, PrintStream out) throws Exception {
        Map<String, Long> othersBefore = read(others);
        long cpuBefore = target.cpuMillis().getAsLong();
        int quiet = (int) (plan.warmupSeconds() + plan.sliceSeconds()) + 60; // no progress lines within a slice
        StepResult result = client.run(corpus, new HttpLoadClient.Plan(target.name(), plan.offeredRate(),
                plan.connections(), plan.warmupSeconds(), plan.sliceSeconds(), 5, BACKLOG_PER_CONNECTION, 0, quiet),
                out);
        String note = target.after().await();
        long cpuAfter = target.cpuMillis().getAsLong();
        Map<String, Long> othersUsed = new LinkedHashMap<>();
        read(others).forEach((name, after) -> othersUsed.put(name, after >= 0 && othersBefore.get(name) >= 0
                ? after - othersBefore.get(name) : -1));
        long answered = result.statusCounts().values().stream().mapToLong(Long::longValue).sum();
        String verdict = verdict(result, plan.offeredRate());
        Slice slice = new Slice(verdict.isEmpty() ? result.throughput() : 0, answered,
                cpuBefore >= 0 && cpuAfter >= 0 ? cpuAfter - cpuBefore : -1, othersUsed);
        StringBuilder cpu = new StringBuilder(String.format(Locale.ROOT, "CPU per answer %.1f µs",
                slice.cpuMicrosPerAnswer()));
        othersUsed.forEach((name, millis) -> cpu.append(String.format(Locale.ROOT, ", %s %.1f", name,
                millis >= 0 && answered > 0 ? millis * 1000.0 / answered : 0)));
        out.printf(Locale.ROOT, "  %-14s %,9.1f req/s answered  p50 %.2f ms  %s%s%s%n", target.name(),
                result.throughput(), result.millisAt(50), cpu, note.isEmpty() ? "" : "  " + note,
                verdict.isEmpty() ? "" : "  INVALID: " + verdict);
        return slice;
    }

    private static Map<String, Long> read(Map<String, LongSupplier> clocks) {
        Map<String, Long> values = new LinkedHashMap<>();
        clocks.forEach((name, clock) -> values.put(name, clock.getAsLong()));
        return values;
    }

    /** Why {@code result} does not measure capacity, or "" when it does. */
    static String verdict(StepResult result, double offeredRate) {
        long failures = 0;
        for (Map.Entry<String, Long> failure : result.failures().entrySet()) {
            if (!OVERFLOW.equals(failure.getKey())) {
                failures += failure.getValue();
            }
        }
        long unexpected = result.unexpected().values().stream().mapToLong(Long::longValue).sum();
        if (failures + unexpected > 0) {
            return "errors " + result.unexpected() + " " + result.failures();
        }
        if (result.measuredResponses() == 0) {
            return "no answers";
        }
        if (result.throughput() > SATURATED_SHARE * offeredRate) {
            return String.format(Locale.ROOT, "not saturated (answered %,.0f of %,.0f offered per second)",
                    result.throughput(), offeredRate);
        }
        return "";
    }
}
