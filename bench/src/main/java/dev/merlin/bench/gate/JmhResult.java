package dev.merlin.bench.gate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One entry of a JMH JSON result file ({@code -rf json}): a benchmark with one set of parameters, its time per
 * operation in nanoseconds and, when run with {@code -prof gc}, its allocation per operation.
 *
 * @param benchmark        the fully qualified name JMH reports, e.g. {@code dev.merlin.bench.X.method}
 * @param params           the {@code @Param} values of this entry (empty when the benchmark has none)
 * @param nanosPerOp       the primary score converted to ns/op
 * @param errorNanosPerOp  the score error (99.9% half-interval) in ns/op, NaN when JMH had too few samples
 * @param bestNanosPerOp   the fastest measurement iteration in ns/op ({@code rawData}); the score when absent
 * @param allocBytesPerOp  {@code gc.alloc.rate.norm} in B/op, NaN when the run had no GC profiler
 */
public record JmhResult(String benchmark, Map<String, String> params, double nanosPerOp, double errorNanosPerOp,
                        double bestNanosPerOp, double allocBytesPerOp) {

    private static final String ALLOC_NORM = "gc.alloc.rate.norm";

    /** True when this entry is the benchmark named {@code name}: its full name, or a {@code Class.method} suffix. */
    public boolean isNamed(String name) {
        return benchmark.equals(name) || benchmark.endsWith("." + name);
    }

    /** Reads every entry of a JMH JSON result file. */
    public static List<JmhResult> read(Path file) throws IOException {
        return parse(new ObjectMapper().readTree(file.toFile()), file.toString());
    }

    /** Reads every entry of a JMH JSON result document. */
    public static List<JmhResult> parse(String json) throws IOException {
        return parse(new ObjectMapper().readTree(json), "JMH results");
    }

    private static List<JmhResult> parse(JsonNode root, String source) {
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException(source + " is not a JMH JSON result array (run JMH with -rf json)");
        }
        List<JmhResult> results = new ArrayList<>();
        for (JsonNode entry : root) {
            String benchmark = entry.path("benchmark").asText(null);
            JsonNode primary = entry.path("primaryMetric");
            if (benchmark == null || !primary.has("score")) {
                throw new IllegalArgumentException(source + ": an entry without benchmark or primaryMetric.score");
            }
            String unit = primary.path("scoreUnit").asText("ns/op");
            double score = primary.path("score").asDouble();
            double error = primary.path("scoreError").isNumber() ? primary.path("scoreError").asDouble() : Double.NaN;
            double nanos = toNanosPerOp(score, unit, benchmark);
            double errorNanos = Double.NaN;
            if (!Double.isNaN(error)) {
                // time per op scales linearly; for a throughput the interval is mapped through 1/x around the score
                errorNanos = unit.endsWith("/op") ? toNanosPerOp(error, unit, benchmark)
                        : Math.abs(toNanosPerOp(Math.max(score - error, Double.MIN_VALUE), unit, benchmark) - nanos);
            }
            double best = nanos;
            for (JsonNode fork : primary.path("rawData")) {
                for (JsonNode iteration : fork) {
                    best = Math.min(best, toNanosPerOp(iteration.asDouble(), unit, benchmark));
                }
            }
            JsonNode alloc = entry.path("secondaryMetrics").path(ALLOC_NORM);
            double allocBytes = alloc.has("score") ? alloc.path("score").asDouble() : Double.NaN;
            results.add(new JmhResult(benchmark, params(entry.path("params")), nanos, errorNanos, best,
                    allocBytes));
        }
        return results;
    }

    private static Map<String, String> params(JsonNode node) {
        if (!node.isObject()) {
            return Collections.emptyMap();
        }
        Map<String, String> params = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            params.put(field.getKey(), field.getValue().asText());
        }
        return Collections.unmodifiableMap(params);
    }

    /** Converts a JMH score to ns/op: time units per op scale, throughput units (ops per time) invert. */
    static double toNanosPerOp(double score, String unit, String benchmark) {
        switch (unit) {
            case "ns/op": return score;
            case "us/op": return score * 1e3;
            case "ms/op": return score * 1e6;
            case "s/op": return score * 1e9;
            case "ops/ns": return 1 / score;
            case "ops/us": return 1e3 / score;
            case "ops/ms": return 1e6 / score;
            case "ops/s": return 1e9 / score;
            default:
                throw new IllegalArgumentException(benchmark + ": unsupported score unit " + unit);
        }
    }

    /** {@code Class.method} plus any parameters: how the gate table names this entry. */
    public String displayName() {
        int method = benchmark.lastIndexOf('.');
        int type = method <= 0 ? -1 : benchmark.lastIndexOf('.', method - 1);
        String name = benchmark.substring(type + 1);
        return params.isEmpty() ? name : name + params;
    }
}
