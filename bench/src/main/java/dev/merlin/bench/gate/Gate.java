package dev.merlin.bench.gate;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The benchmark gate: compares JMH JSON results with the budgets of {@code bench/gates.yaml}, prints one row per
 * check (benchmark, figure, budget, verdict) and exits non-zero when any budget fails or its benchmark is missing.
 *
 * <p>Time checks (ratio, ceiling) use each benchmark's fastest measurement iteration: on a shared machine, noise
 * and late JIT compilation only ever add time, so the best iteration is the stable estimate, while a real
 * regression slows every iteration, the best one included.
 *
 * <pre>
 * Gate GATES_YAML JMH_JSON     evaluate; exit 0 = all PASS, 1 = a FAIL or MISSING, 2 = unreadable input
 * Gate --includes GATES_YAML   print the JMH include patterns of every gated benchmark and baseline
 * Gate --table JMH_JSON        print a readable table of a result file (score, error, B/op)
 * </pre>
 */
public final class Gate {

    /** Exit code when every budget passes. */
    public static final int PASS = 0;
    /** Exit code when a budget fails or its benchmark is absent from the results. */
    public static final int FAIL = 1;
    /** Exit code for bad arguments or unreadable files. */
    public static final int USAGE = 2;

    /** Allocation below half a byte per op is JMH's own infrastructure amortised over many ops, not the code's. */
    static final double ALLOC_NOISE_BYTES = 0.5;

    /** A verdict of one check. */
    public enum Verdict { PASS, FAIL, MISSING }

    /** One line of the gate table. */
    public record Row(String benchmark, String check, String figure, String budget, Verdict verdict) {
    }

    private Gate() {
    }

    /** Runs the gate and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the gate with the given arguments; returns the exit code instead of exiting. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            if (args.length == 2 && args[0].equals("--includes")) {
                includes(Budget.load(Path.of(args[1]))).forEach(out::println);
                return PASS;
            }
            if (args.length == 2 && args[0].equals("--table")) {
                out.print(resultsTable(JmhResult.read(Path.of(args[1]))));
                return PASS;
            }
            if (args.length == 2 && !args[0].startsWith("-")) {
                List<Budget> budgets = Budget.load(Path.of(args[0]));
                List<JmhResult> results = JmhResult.read(Path.of(args[1]));
                List<Row> rows = evaluate(budgets, results);
                out.print(table(rows));
                long failed = rows.stream().filter(r -> r.verdict() != Verdict.PASS).count();
                out.println(failed == 0 ? "gate: PASS (" + rows.size() + " checks)"
                        : "gate: FAIL (" + failed + " of " + rows.size() + " checks did not pass)");
                return failed == 0 ? PASS : FAIL;
            }
        } catch (IOException | IllegalArgumentException e) {
            err.println("gate: " + e.getMessage());
            return USAGE;
        }
        err.println("usage: Gate GATES_YAML JMH_JSON | Gate --includes GATES_YAML | Gate --table JMH_JSON");
        return USAGE;
    }

    /** JMH include patterns (one per benchmark) covering every gated benchmark and ratio baseline. */
    public static List<String> includes(List<Budget> budgets) {
        Set<String> names = new LinkedHashSet<>();
        for (Budget budget : budgets) {
            names.add(budget.benchmark());
            if (budget.baseline() != null) {
                names.add(budget.baseline());
            }
        }
        List<String> patterns = new ArrayList<>();
        for (String name : names) {
            patterns.add("\\b" + name.replace(".", "\\.") + "$");
        }
        return patterns;
    }

    /** Checks every budget against the results; a budget whose benchmark has no result is {@code MISSING}. */
    public static List<Row> evaluate(List<Budget> budgets, List<JmhResult> results) {
        List<Row> rows = new ArrayList<>();
        for (Budget budget : budgets) {
            List<JmhResult> subjects = named(results, budget.benchmark());
            if (subjects.isEmpty()) {
                rows.add(new Row(budget.benchmark(), budget.kind().key, "no result", limit(budget),
                        Verdict.MISSING));
                continue;
            }
            for (JmhResult subject : subjects) {
                rows.add(check(budget, subject, results));
            }
        }
        return rows;
    }

    private static Row check(Budget budget, JmhResult subject, List<JmhResult> results) {
        String name = subject.displayName();
        String check = budget.kind().key;
        switch (budget.kind()) {
            case ALLOC: {
                double bytes = subject.allocBytesPerOp();
                if (Double.isNaN(bytes)) {
                    return new Row(name, check, "no gc.alloc.rate.norm (run with -prof gc)", limit(budget),
                            Verdict.MISSING);
                }
                boolean pass = bytes <= budget.limit() + ALLOC_NOISE_BYTES;
                return new Row(name, check, format("%,.1f B/op", bytes), limit(budget), verdict(pass));
            }
            case RATIO: {
                JmhResult baseline = baselineFor(subject, named(results, budget.baseline()));
                if (baseline == null) {
                    return new Row(name, check, "no result for baseline " + budget.baseline(), limit(budget),
                            Verdict.MISSING);
                }
                double ratio = subject.bestNanosPerOp() / baseline.bestNanosPerOp();
                String figure = format("%.3f (best %,.0f / %,.0f ns/op)", ratio, subject.bestNanosPerOp(),
                        baseline.bestNanosPerOp());
                return new Row(name, check, figure, limit(budget), verdict(ratio <= budget.limit()));
            }
            default: {
                double nanos = subject.bestNanosPerOp();
                String mean = Double.isNaN(subject.errorNanosPerOp()) ? format("%,.0f", subject.nanosPerOp())
                        : format("%,.0f ± %,.0f", subject.nanosPerOp(), subject.errorNanosPerOp());
                String figure = format("best %,.0f ns/op (mean %s)", nanos, mean);
                return new Row(name, check, figure, limit(budget), verdict(nanos <= budget.limit()));
            }
        }
    }

    /** The baseline entry with the subject's parameters, or the only baseline entry when there is just one. */
    private static JmhResult baselineFor(JmhResult subject, List<JmhResult> baselines) {
        for (JmhResult baseline : baselines) {
            if (Objects.equals(baseline.params(), subject.params())) {
                return baseline;
            }
        }
        return baselines.size() == 1 ? baselines.get(0) : null;
    }

    private static List<JmhResult> named(List<JmhResult> results, String name) {
        List<JmhResult> matching = new ArrayList<>();
        for (JmhResult result : results) {
            if (result.isNamed(name)) {
                matching.add(result);
            }
        }
        return matching;
    }

    private static String limit(Budget budget) {
        switch (budget.kind()) {
            case ALLOC: return format("<= %,.0f B/op", budget.limit());
            case RATIO: return format("<= %.2f x %s", budget.limit(), shortName(budget.baseline()));
            default: return format("<= %,.0f ns/op", budget.limit());
        }
    }

    private static String shortName(String benchmark) {
        return benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }

    private static Verdict verdict(boolean pass) {
        return pass ? Verdict.PASS : Verdict.FAIL;
    }

    /** The gate table: benchmark, check, figure, budget, verdict, in aligned columns. */
    public static String table(List<Row> rows) {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"benchmark", "check", "figure", "budget", "verdict"});
        for (Row row : rows) {
            cells.add(new String[] {row.benchmark(), row.check(), row.figure(), row.budget(), row.verdict().name()});
        }
        return align(cells);
    }

    /** A readable table of a JMH result file: benchmark, score ± error in ns/op, allocation in B/op. */
    public static String resultsTable(List<JmhResult> results) {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"benchmark", "ns/op", "± error", "B/op"});
        for (JmhResult r : results) {
            cells.add(new String[] {r.displayName(), format("%,.1f", r.nanosPerOp()),
                Double.isNaN(r.errorNanosPerOp()) ? "-" : format("%,.1f", r.errorNanosPerOp()),
                Double.isNaN(r.allocBytesPerOp()) ? "-" : format("%,.1f", r.allocBytesPerOp())});
        }
        return align(cells);
    }

    private static String align(List<String[]> cells) {
        int columns = cells.get(0).length;
        int[] widths = new int[columns];
        for (String[] row : cells) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : cells) {
            for (int c = 0; c < columns; c++) {
                sb.append(row[c]);
                if (c < columns - 1) {
                    sb.append(" ".repeat(widths[c] - row[c].length() + 2));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}
