package dev.merlin.bench.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.bench.gate.Gate.Row;
import dev.merlin.bench.gate.Gate.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate's comparison logic on a hand-written JMH JSON fixture: streaming 2,000 ns/op (fastest iteration 1,900)
 * and 1,500 B/op, databind 4,000 ns/op (fastest 3,950; best-iteration ratio 0.481), the reused-buffer encoder
 * 0.8 us/op (800 ns/op, no raw iterations) and 0.002 B/op.
 */
class GateTest {

    @TempDir
    Path dir;

    private static List<JmhResult> fixture() throws IOException {
        try (InputStream in = GateTest.class.getResourceAsStream("/gate/jmh-results.json")) {
            return JmhResult.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static List<Row> evaluate(String budgetsYaml) throws IOException {
        return Gate.evaluate(Budget.parse(budgetsYaml, "test"), fixture());
    }

    private static Verdict only(List<Row> rows) {
        assertEquals(1, rows.size(), rows.toString());
        return rows.get(0).verdict();
    }

    @Test
    void readsScoresConvertsUnitsAndKeepsParams() throws IOException {
        List<JmhResult> results = fixture();
        assertEquals(3, results.size());
        JmhResult encoder = results.get(2);
        assertEquals(800.0, encoder.nanosPerOp(), 1e-9);
        assertEquals(50.0, encoder.errorNanosPerOp(), 1e-9);
        assertEquals(800.0, encoder.bestNanosPerOp(), 1e-9, "without rawData the best is the score");
        assertEquals(1900.0, results.get(1).bestNanosPerOp(), 1e-9);
        assertEquals("iab26spec-mobile-app.json", results.get(1).params().get("sample"));
        assertTrue(results.get(1).isNamed("RequestDecodeBenchmark.streaming"));
        assertTrue(!results.get(1).isNamed("Benchmark.streaming"), "a suffix must start at a name boundary");
    }

    @Test
    void passesWhenEveryFigureIsWithinBudget() throws IOException {
        List<Row> rows = evaluate("""
                budgets:
                  RequestDecodeBenchmark.streaming:
                    alloc: 1600
                    ratio: {max: 0.6, baseline: RequestDecodeBenchmark.databind}
                    ceiling: 30000
                  ResponseEncodeBenchmark.handEncoderReusedBuffer:
                    alloc: 0
                    ceiling: 801
                """);
        assertEquals(5, rows.size());
        rows.forEach(row -> assertEquals(Verdict.PASS, row.verdict(), row.toString()));
    }

    @Test
    void failsWhenAllocationExceedsBudget() throws IOException {
        Row row = evaluate("""
                budgets:
                  RequestDecodeBenchmark.streaming:
                    alloc: 1499
                """).get(0);
        assertEquals(Verdict.FAIL, row.verdict());
        assertTrue(row.figure().contains("1,500.0 B/op"), row.figure());
    }

    @Test
    void zeroAllocationBudgetToleratesJmhInfrastructureNoiseOnly() throws IOException {
        assertEquals(Verdict.PASS, only(evaluate("""
                budgets:
                  ResponseEncodeBenchmark.handEncoderReusedBuffer: {alloc: 0}
                """)));
        assertEquals(Verdict.FAIL, only(evaluate("""
                budgets:
                  RequestDecodeBenchmark.streaming: {alloc: 0}
                """)));
    }

    @Test
    void failsWhenRatioToBaselineExceedsBudget() throws IOException {
        Row row = only2(evaluate("""
                budgets:
                  RequestDecodeBenchmark.streaming:
                    ratio: {max: 0.45, baseline: RequestDecodeBenchmark.databind}
                """));
        assertEquals(Verdict.FAIL, row.verdict());
        assertTrue(row.figure().startsWith("0.481"), row.figure());
        assertEquals(Verdict.PASS, only(evaluate("""
                budgets:
                  RequestDecodeBenchmark.streaming:
                    ratio: {max: 0.49, baseline: RequestDecodeBenchmark.databind}
                """)));
    }

    private static Row only2(List<Row> rows) {
        assertEquals(1, rows.size());
        return rows.get(0);
    }

    @Test
    void failsWhenScoreExceedsCeiling() throws IOException {
        assertEquals(Verdict.FAIL, only(evaluate("""
                budgets:
                  ResponseEncodeBenchmark.handEncoderReusedBuffer: {ceiling: 799}
                """)));
        // the fastest iteration counts: one noisy 2,200 ns iteration does not break a 2,000 ns ceiling
        assertEquals(Verdict.PASS, only(evaluate("""
                budgets:
                  RequestDecodeBenchmark.streaming: {ceiling: 2000}
                """)));
        assertEquals(Verdict.FAIL, only(evaluate("""
                budgets:
                  RequestDecodeBenchmark.streaming: {ceiling: 1899}
                """)));
    }

    @Test
    void missingBenchmarkOrBaselineIsNotAPass() throws IOException {
        Row missing = only2(evaluate("""
                budgets:
                  AuctionBenchmark.indexed: {alloc: 0}
                """));
        assertEquals(Verdict.MISSING, missing.verdict());
        assertEquals("AuctionBenchmark.indexed", missing.benchmark());
        assertEquals(Verdict.MISSING, only(evaluate("""
                budgets:
                  RequestDecodeBenchmark.streaming:
                    ratio: {max: 1, baseline: RequestDecodeBenchmark.tree}
                """)));
    }

    @Test
    void runReturnsZeroOnPassAndPrintsTheTable() throws Exception {
        Path gates = write("gates.yaml", """
                budgets:
                  RequestDecodeBenchmark.streaming:
                    ratio: {max: 0.6, baseline: RequestDecodeBenchmark.databind}
                """);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Gate.run(new String[] {gates.toString(), fixturePath().toString()}, new PrintStream(out, true),
                new PrintStream(new ByteArrayOutputStream()));
        String table = out.toString(StandardCharsets.UTF_8);
        assertEquals(Gate.PASS, code, table);
        assertTrue(table.lines().findFirst().orElse("").matches("benchmark\\s+check\\s+figure\\s+budget\\s+verdict"),
                table);
        assertTrue(table.contains("PASS"), table);
    }

    /** The proof that the gate can fail: one impossibly tight budget makes the process exit non-zero. */
    @Test
    void impossiblyTightBudgetMakesTheGateExitNonZero() throws Exception {
        Path gates = write("tight.yaml", """
                budgets:
                  RequestDecodeBenchmark.streaming:
                    alloc: 1600
                    ceiling: 1
                """);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Gate.run(new String[] {gates.toString(), fixturePath().toString()}, new PrintStream(out, true),
                new PrintStream(new ByteArrayOutputStream()));
        assertEquals(Gate.FAIL, code);
        String table = out.toString(StandardCharsets.UTF_8);
        assertTrue(Pattern.compile("ceiling .* FAIL").matcher(table).find(), table);
        assertTrue(table.contains("gate: FAIL (1 of 2 checks did not pass)"), table);
    }

    @Test
    void badInputExitsWithUsageCode() throws Exception {
        Path gates = write("bad.yaml", """
                budgets:
                  RequestDecodeBenchmark.streaming: {speed: 3}
                """);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Gate.run(new String[] {gates.toString(), fixturePath().toString()},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true));
        assertEquals(Gate.USAGE, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("budgets.RequestDecodeBenchmark.streaming.speed"));
        assertEquals(Gate.USAGE, Gate.run(new String[] {"only-one-arg"}, System.out,
                new PrintStream(new ByteArrayOutputStream())));
    }

    @Test
    void rejectsMalformedBudgets() {
        assertThrows(IllegalArgumentException.class, () -> Budget.parse("budgets: {}", "t"));
        assertThrows(IllegalArgumentException.class, () -> Budget.parse("""
                budgets:
                  X.y: {ratio: {max: 0.5}}
                """, "t"));
        assertThrows(IllegalArgumentException.class, () -> Budget.parse("""
                budgets:
                  X.y: {ceiling: -1}
                """, "t"));
        assertThrows(IllegalArgumentException.class, () -> Budget.parse("""
                budgets:
                  X.y: {alloc: "a lot"}
                """, "t"));
    }

    /** A benchmark named twice would keep only its last entry's budgets and pass what the first forbids. */
    @Test
    void aBenchmarkNamedTwiceIsRefused() {
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> Budget.parse("""
                budgets:
                  X.y: {alloc: 0}
                  X.y: {ceiling: 50000}
                """, "gates.yaml"));
        assertTrue(twice.getMessage().contains("X.y"), twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Budget.parse("""
                budgets:
                  X.y: {alloc: 0, alloc: 1000000}
                """, "gates.yaml"));
    }

    /** The project's own gates file parses, and every include pattern selects exactly its benchmark. */
    @Test
    void projectGatesFileParsesAndIncludesMatchByFullName() throws IOException {
        List<Budget> budgets = Budget.load(Path.of("gates.yaml"));
        assertTrue(budgets.size() >= 3);
        List<String> includes = Gate.includes(budgets);
        assertTrue(includes.stream().anyMatch(p -> Pattern.compile(p)
                .matcher("dev.merlin.bench.RequestDecodeBenchmark.streaming").find()), includes.toString());
        assertTrue(includes.stream().noneMatch(p -> Pattern.compile(p)
                .matcher("dev.merlin.bench.RequestDecodeBenchmark.tokenizeFloor").find()), includes.toString());
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static Path fixturePath() throws URISyntaxException {
        return Path.of(GateTest.class.getResource("/gate/jmh-results.json").toURI());
    }
}
