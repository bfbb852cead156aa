package dev.merlin.dspsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The simulator leaks no buffer whatever becomes of an answer: every fault, gzip, answers waiting behind one that
 * never comes, and connections the client closes while answers are scheduled or held (paranoid detection).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SimLeakIT {

    private static final byte[] REQUEST = ("{\"id\":\"leak\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}},"
            + "{\"id\":\"2\",\"video\":{\"w\":640,\"h\":360}}]}").getBytes(StandardCharsets.UTF_8);

    @Test
    void noBufferLeaksAcrossFaultsAndAbandonedAnswers() throws Exception {
        assertTrue(RecordingLeakDetector.isInstalled(), "surefire must install the recording detector");
        for (Fault fault : Fault.values()) {
            try (DspSimulator sim = DspSimulator.builder().fault(fault, 0.5).bidRate(0.7).gzipRate(1)
                    .hugeBodyBytes(64 * 1024).slowMillis(20).start()) {
                for (int i = 0; i < 6; i++) {
                    oneRequestThenClose(sim);
                }
                assertTrue(sim.stats().awaitRequests(6, Duration.ofSeconds(10)));
            }
        }
        try (DspSimulator sim = DspSimulator.builder().latency(Latency.fixedMillis(100)).start()) {
            try (RawHttp raw = new RawHttp(sim.port(), 5_000)) {
                raw.post("/bid", REQUEST);
                assertTrue(sim.stats().awaitRequests(1, Duration.ofSeconds(5)));
            }
            try (DspSimulator held = DspSimulator.builder().fault(Fault.NEVER_ANSWER, 0.5).seed(3).start();
                 RawHttp raw = new RawHttp(held.port(), 5_000)) {
                for (int i = 0; i < 8; i++) {
                    raw.post("/bid", REQUEST);
                }
                assertTrue(held.stats().awaitRequests(8, Duration.ofSeconds(5)));
                assertTrue(held.stats().faults(Fault.NEVER_ANSWER) > 0, "some answers wait behind a held one");
            }
        }
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    private static void oneRequestThenClose(DspSimulator sim) throws IOException {
        try (RawHttp raw = new RawHttp(sim.port(), 200)) {
            raw.post("/bid", REQUEST);
            try {
                raw.read();
            } catch (IOException noAnswerOrReset) {
                // never-answer times out and reset resets: the point is what the simulator releases
            }
        }
    }
}
