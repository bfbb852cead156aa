package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short {@code make crash-test} on loopback: Merlin forked from this JVM's class path, a few seconds of the soak's
 * mix, {@code kill -9} ({@link Process#destroyForcibly()}) in the middle of it, a restart on the same data dir, and
 * every check of {@link CrashRun}: stores recovered, spend equal to the event log's charges within what the kill
 * can lose, the log read to its last whole record and past a torn tail, lost events within the README's promise,
 * a graceful stop that loses nothing.
 */
class CrashRecoveryIT {

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void killNineInTheMiddleOfTheMixLosesOnlyWhatTheReadmePromises(@TempDir Path out) throws Exception {
        ForkedMerlin.Launch launch = ForkedMerlin.Launch.classPath(List.of("-Xms64m", "-Xmx256m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dio.netty.leakDetection.level=paranoid"));
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        CrashRun.Result result = CrashRun.run(new CrashRun.Settings(launch, RequestCorpus.validSamples(), 300, 2,
                3, 1.5, out), new PrintStream(progress, true, StandardCharsets.UTF_8));

        String report = progress.toString(StandardCharsets.UTF_8);
        assertTrue(result.checks().isAllPass(), () -> result.checks().failures() + "\n" + report);
        assertEquals(14, result.checks().all().size(), report);
        // the run exercised what it checks: events accepted before the kill, the restart measured
        assertTrue(((Number) result.summary().get("acceptedEvents")).longValue() > 100, report);
        assertTrue(result.summary().get("restartSeconds") instanceof Double, report);
        assertTrue(result.summary().get("beforeKillByKind") instanceof Map<?, ?>, report);
        // the budget check read the open commitments from /reports/campaigns (-1 or absent: it checked spend alone)
        assertTrue(result.summary().get("committedMicrosAtRestart") instanceof Long committed && committed >= 0,
                () -> "commitments not read: " + result.summary().get("committedMicrosAtRestart") + "\n" + report);
    }
}
