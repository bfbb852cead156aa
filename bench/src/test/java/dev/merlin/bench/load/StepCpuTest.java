package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * A forked server's step carries its CPU per answer: the server's CPU during the step over every answer of the step
 * (warm-up included, as the CPU is), and the generator's own; a step against a server that is not a fork has none.
 */
class StepCpuTest {

    /** 1,000 answers of 204 and 500 of 400 over the step; 20 requests got no answer. */
    private static StepResult step(double rate) {
        Histogram latency = new Histogram(3);
        latency.recordValue(1_000_000);
        return new StepResult("merlin", rate, 4, 1, 2, 1_520, 1_000, rate, latency, Map.of(204, 1_000L, 400, 500L),
                Map.of("no-answer-within-drain", 20L), Map.of(), List.of(), null, null);
    }

    @Test
    void aForkedServersStepCarriesItsCpuPerAnswerOverEveryAnswerOfTheStep() throws InterruptedException {
        AtomicLong serverMillis = new AtomicLong(7_000);
        LoadGenerator.StepRunner steps = rate -> {
            serverMillis.addAndGet(60); // the server works 60 ms of CPU during the step
            return step(rate);
        };

        StepResult result = LoadGenerator.withCpu(steps, serverMillis::get).run(1_000);

        assertNotNull(result.cpu());
        assertEquals(1_500, result.answers());
        assertEquals(40.0, result.cpu().serverMicrosPerAnswer(), 1e-9, "60 ms over 1,500 answers");
        assertTrue(result.cpu().generatorMicrosPerAnswer() >= 0, "this JVM's CPU is read from /proc");
        assertTrue(result.line().contains("CPU us/answer 40.0"), result.line());
        assertEquals(40.0, ((Map<?, ?>) result.summary().get("cpuMicrosPerAnswer")).get("server"));
    }

    @Test
    void aServerThatIsNotAForkGetsNoCpuFigure() throws InterruptedException {
        LoadGenerator.StepRunner steps = StepCpuTest::step;

        assertSame(steps, LoadGenerator.withCpu(steps, null));
        StepResult unknown = LoadGenerator.withCpu(steps, () -> -1).run(1_000);
        assertNull(unknown.cpu(), "a process whose CPU the OS does not give");
        assertNull(unknown.summary().get("cpuMicrosPerAnswer"));
        assertNull(StepResult.Cpu.of(10, 10, 0), "no answers, no figure");
    }
}
