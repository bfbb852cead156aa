package dev.merlin.bench.gate;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One budget of {@code bench/gates.yaml}: a limit on one figure of one benchmark.
 *
 * @param benchmark the benchmark, as {@code Class.method} (or its full name)
 * @param kind      which figure is limited
 * @param limit     the largest figure that passes: B/op, a ratio, or ns/op
 * @param baseline  for {@link Kind#RATIO}, the benchmark of the same run the subject is divided by; else null
 */
public record Budget(String benchmark, Kind kind, double limit, String baseline) {

    /** The figures a budget can limit. */
    public enum Kind {
        /** {@code gc.alloc.rate.norm}, B/op: stable on any machine, so these budgets are tight. */
        ALLOC("alloc"),
        /** Subject ns/op divided by the baseline's ns/op from the same run: holds on a noisy machine. */
        RATIO("ratio"),
        /** Absolute ns/op: only a generous guard against order-of-magnitude regressions. */
        CEILING("ceiling");

        final String key;

        Kind(String key) {
            this.key = key;
        }
    }

    private static final Set<String> TOP_KEYS = Set.of("budgets");
    private static final Set<String> RATIO_KEYS = Set.of("max", "baseline");

    /** Reads and validates a gates file; throws {@link IllegalArgumentException} naming the bad key path. */
    public static List<Budget> load(Path file) throws IOException {
        return parse(Files.readString(file), file.toString());
    }

    /** Parses gates YAML; {@code source} names it in errors. */
    public static List<Budget> parse(String yaml, String source) throws IOException {
        JsonNode root;
        try {
            // a benchmark named twice would silently lose the first entry's budgets: refuse it
            root = new ObjectMapper(YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build()).readTree(yaml);
        } catch (JsonParseException e) {
            throw invalid(source, "", e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw invalid(source, "", "expected a mapping with a \"budgets\" key");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!TOP_KEYS.contains(key)) {
                throw invalid(source, key, "unknown key; allowed: " + TOP_KEYS);
            }
        }
        JsonNode budgets = root.path("budgets");
        if (!budgets.isObject() || budgets.isEmpty()) {
            throw invalid(source, "budgets", "expected a mapping of benchmark -> budgets, found none");
        }
        List<Budget> result = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = budgets.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String benchmark = entry.getKey();
            String path = "budgets." + benchmark;
            if (!entry.getValue().isObject() || entry.getValue().isEmpty()) {
                throw invalid(source, path, "expected at least one of alloc, ratio, ceiling");
            }
            for (Iterator<Map.Entry<String, JsonNode>> f = entry.getValue().fields(); f.hasNext(); ) {
                Map.Entry<String, JsonNode> field = f.next();
                result.add(budget(source, path + "." + field.getKey(), benchmark, field.getKey(), field.getValue()));
            }
        }
        return result;
    }

    private static Budget budget(String source, String path, String benchmark, String key, JsonNode value) {
        switch (key) {
            case "alloc":
                return new Budget(benchmark, Kind.ALLOC, number(source, path, value, true), null);
            case "ceiling":
                return new Budget(benchmark, Kind.CEILING, number(source, path, value, false), null);
            case "ratio":
                if (!value.isObject()) {
                    throw invalid(source, path, "expected {max: X, baseline: Class.method}");
                }
                for (Iterator<String> it = value.fieldNames(); it.hasNext(); ) {
                    String k = it.next();
                    if (!RATIO_KEYS.contains(k)) {
                        throw invalid(source, path + "." + k, "unknown key; allowed: " + RATIO_KEYS);
                    }
                }
                JsonNode baseline = value.path("baseline");
                if (!baseline.isTextual() || baseline.asText().isBlank()) {
                    throw invalid(source, path + ".baseline", "expected the baseline benchmark, Class.method");
                }
                return new Budget(benchmark, Kind.RATIO, number(source, path + ".max", value.path("max"), false),
                        baseline.asText());
            default:
                throw invalid(source, path, "unknown budget; allowed: alloc, ratio, ceiling");
        }
    }

    private static double number(String source, String path, JsonNode value, boolean zeroAllowed) {
        if (!value.isNumber()) {
            throw invalid(source, path, "expected a number, found " + (value.isMissingNode() ? "nothing" : value));
        }
        double number = value.asDouble();
        if (!Double.isFinite(number) || number < 0 || (!zeroAllowed && number == 0)) {
            throw invalid(source, path, "expected a " + (zeroAllowed ? "number >= 0" : "number > 0")
                    + ", found " + value);
        }
        return number;
    }

    private static IllegalArgumentException invalid(String source, String path, String message) {
        return new IllegalArgumentException(source + (path.isEmpty() ? "" : ": " + path) + ": " + message);
    }
}
