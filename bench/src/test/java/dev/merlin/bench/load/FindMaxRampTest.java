package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * find-max's ramp against a server that sustains exactly up to a known rate: it doubles, then bisects until the
 * first missed rate is within {@code --resolution} of the best sustained one, so a finer resolution finds a max
 * closer to the true one.
 */
class FindMaxRampTest {

    private static final double CAPACITY = 27_300;

    /** A step at {@code rate}: p99 1 ms up to the capacity, 500 ms above it. */
    private static StepResult step(double rate) {
        Histogram latency = new Histogram(3);
        latency.recordValue(rate <= CAPACITY ? 1_000_000 : 500_000_000);
        return new StepResult("merlin", rate, 64, 0, 1, (long) rate, (long) rate, rate, latency, Map.of(), Map.of(),
                Map.of(), List.of(), null, null);
    }

    private static double maxFound(String... args) throws InterruptedException {
        LoadOptions options = LoadOptions.parse(args);
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        List<StepResult> steps = LoadGenerator.ramp(FindMaxRampTest::step, options.rate(), options, out);
        return LoadGenerator.best(steps, options).ratePerSecond();
    }

    @Test
    void theBisectionStopsWithinTheResolutionOfTheTrueMax() throws InterruptedException {
        double coarse = maxFound("--find-max", "--rate", "4000", "--max-steps", "50");
        double fine = maxFound("--find-max", "--rate", "4000", "--max-steps", "50", "--resolution", "1.02");
        assertTrue(coarse <= CAPACITY && coarse * 1.1 >= CAPACITY, "within 10 %: " + coarse);
        assertTrue(fine <= CAPACITY && fine * 1.02 >= CAPACITY, "within 2 %: " + fine);
        assertTrue(fine > coarse, "the finer resolution gets closer: " + fine + " vs " + coarse);
        assertEquals(LoadOptions.DEFAULT_RESOLUTION, LoadOptions.parse().resolution());
    }

    /**
     * The bare server's figures at Merlin's max rate are the ramp's first counted step: it must be at the start rate
     * and come after an uncounted warm-up at that rate (a forked bare server is as cold as a forked Merlin).
     */
    @Test
    void theFirstCountedStepIsAtTheStartRateAfterAnUncountedWarmUp() throws InterruptedException {
        List<Double> run = new ArrayList<>();
        LoadOptions options = LoadOptions.parse("--find-max", "--rate", "26000");
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        List<StepResult> steps = LoadGenerator.ramp(rate -> {
            run.add(rate);
            return step(rate);
        }, options.rate(), options, out);
        assertEquals(26_000, steps.get(0).ratePerSecond());
        assertEquals(List.of(26_000.0, 26_000.0), run.subList(0, 2), "warm-up, then the first counted step");
        assertEquals(run.size() - 1, steps.size(), "only the warm-up is left out");
    }
}
