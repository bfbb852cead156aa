package dev.merlin.bench.load;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one fixed-rate step measured against one server.
 *
 * @param server            {@code merlin} or {@code bare}
 * @param ratePerSecond     the scheduled rate
 * @param connections       keep-alive connections used
 * @param warmupSeconds     seconds sent first and not recorded
 * @param durationSeconds   seconds recorded
 * @param requests          requests scheduled, warm-up included
 * @param measuredResponses responses recorded in the histogram
 * @param throughput        measured responses per second over the measured window
 * @param latencyNanos      latency from the intended send time, in nanoseconds
 * @param statusCounts      responses by HTTP status (warm-up included)
 * @param failures          requests without a response, by reason (warm-up included)
 * @param unexpected        answers that were not the success due, by kind and status ({@code "auction 400"})
 * @param windows           latency per window of the measured time, oldest first (empty unless the plan asked)
 * @param cpu               the server's and the generator's CPU per answer over the step; null when not measured
 * @param hiccups           how late the generator's JVM woke from 1 ms sleeps during the step; null when not measured
 */
public record StepResult(String server, double ratePerSecond, int connections, double warmupSeconds,
                         double durationSeconds, long requests, long measuredResponses, double throughput,
                         Histogram latencyNanos, Map<Integer, Long> statusCounts, Map<String, Long> failures,
                         Map<String, Long> unexpected, List<Histogram> windows, Cpu cpu, Hiccups hiccups) {

    /**
     * CPU time (user and system, all threads, from {@code /proc}) per answer over a whole step, its warm-up and
     * drain included: the server's process and the generator's.
     */
    public record Cpu(double serverMicrosPerAnswer, double generatorMicrosPerAnswer) {

        /** From CPU milliseconds spent during a step and the answers it got; null when unknown or none. */
        static Cpu of(long serverMillis, long generatorMillis, long answers) {
            if (serverMillis < 0 || generatorMillis < 0 || answers <= 0) {
                return null;
            }
            return new Cpu(serverMillis * 1000.0 / answers, generatorMillis * 1000.0 / answers);
        }
    }

    /**
     * The generator's hiccups over a step ({@link HiccupMeter}): p99 and max of how late a 1 ms sleep woke, in ms.
     */
    public record Hiccups(double p99Millis, double maxMillis) {

        /** From a histogram of oversleeps in nanoseconds; null when it holds none. */
        static Hiccups of(Histogram lateNanos) {
            if (lateNanos.getTotalCount() == 0) {
                return null;
            }
            return new Hiccups(lateNanos.getValueAtPercentile(99) / 1e6, lateNanos.getMaxValue() / 1e6);
        }
    }

    /** The same step with its CPU per answer. */
    public StepResult withCpu(Cpu value) {
        return new StepResult(server, ratePerSecond, connections, warmupSeconds, durationSeconds, requests,
                measuredResponses, throughput, latencyNanos, statusCounts, failures, unexpected, windows, value,
                hiccups);
    }

    /** The same step with the generator's hiccups during it. */
    public StepResult withHiccups(Hiccups value) {
        return new StepResult(server, ratePerSecond, connections, warmupSeconds, durationSeconds, requests,
                measuredResponses, throughput, latencyNanos, statusCounts, failures, unexpected, windows, cpu,
                value);
    }

    /** Responses of any status over the whole step, warm-up included. */
    public long answers() {
        long answers = 0;
        for (long count : statusCounts.values()) {
            answers += count;
        }
        return answers;
    }

    /** The percentiles reported everywhere, in this order. */
    static final double[] PERCENTILES = {50, 90, 99, 99.9};

    /** Answers that were not the success due (for bid requests: not 2xx) plus requests that got no response. */
    public long errors() {
        long errors = 0;
        for (long count : unexpected.values()) {
            errors += count;
        }
        for (long count : failures.values()) {
            errors += count;
        }
        return errors;
    }

    /** Latency at {@code percentile} in milliseconds. */
    public double millisAt(double percentile) {
        return latencyNanos.getValueAtPercentile(percentile) / 1e6;
    }

    /** Largest latency in milliseconds. */
    public double maxMillis() {
        return latencyNanos.getMaxValue() / 1e6;
    }

    /** No errors, p99 within the SLO, and (nearly) the scheduled rate answered. */
    public boolean isSustainable(double sloMillis) {
        return errors() == 0 && measuredResponses > 0 && millisAt(99) <= sloMillis
                && throughput >= 0.9 * ratePerSecond;
    }

    /** Percentiles, max and counts in milliseconds and req/s, for the JSON summary. */
    public Map<String, Object> summary() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("server", server);
        map.put("rate", ratePerSecond);
        map.put("connections", connections);
        map.put("warmupSeconds", warmupSeconds);
        map.put("durationSeconds", durationSeconds);
        map.put("requests", requests);
        map.put("measuredResponses", measuredResponses);
        map.put("throughput", round(throughput));
        Map<String, Object> latency = new LinkedHashMap<>();
        for (double p : PERCENTILES) {
            latency.put("p" + label(p), round(millisAt(p)));
        }
        latency.put("max", round(maxMillis()));
        map.put("latencyMillis", latency);
        map.put("statusCounts", statusCounts);
        map.put("failures", failures);
        map.put("unexpected", unexpected);
        map.put("errors", errors());
        if (cpu != null) {
            map.put("cpuMicrosPerAnswer", Map.of("server", round(cpu.serverMicrosPerAnswer()),
                    "generator", round(cpu.generatorMicrosPerAnswer())));
        }
        if (hiccups != null) {
            map.put("hiccupsMillis", Map.of("p99", round(hiccups.p99Millis()), "max", round(hiccups.maxMillis())));
        }
        return map;
    }

    /** One line: rate, throughput, percentiles, errors. */
    public String line() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%-6s rate %,9.0f/s  throughput %,9.1f/s  ms:", server, ratePerSecond, throughput));
        for (double p : PERCENTILES) {
            sb.append(String.format(Locale.ROOT, " p%s %.3f", label(p), millisAt(p)));
        }
        sb.append(String.format(Locale.ROOT, " max %.3f  errors %d", maxMillis(), errors()));
        if (cpu != null) {
            sb.append(String.format(Locale.ROOT, "  CPU us/answer %.1f (generator %.1f)", cpu.serverMicrosPerAnswer(),
                    cpu.generatorMicrosPerAnswer()));
        }
        if (hiccups != null) {
            sb.append(String.format(Locale.ROOT, "  hiccups p99 %.1f max %.1f ms", hiccups.p99Millis(),
                    hiccups.maxMillis()));
        }
        if (errors() > 0) {
            sb.append(' ').append(unexpected).append(' ').append(failures);
        }
        return sb.toString();
    }

    static String label(double percentile) {
        return percentile == Math.rint(percentile) ? String.valueOf((int) percentile) : String.valueOf(percentile);
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
