package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The load client against the bare server over loopback: a bounded run where every request must get its 204. */
class BareHttpServerIT {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void twoHundredRequestsAreAllAnswered204AndRecorded() throws Exception {
        byte[] body = "{\"id\":\"1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],\"site\":{}}"
                .getBytes(StandardCharsets.UTF_8);
        RequestCorpus corpus = new RequestCorpus("test", List.of("one.json"), List.of(body), List.of());
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        try (BareHttpServer server = BareHttpServer.start(1);
             HttpLoadClient client = new HttpLoadClient(server.port(), "/openrtb2/auction")) {
            // 200 requests at 400/s over 2 connections: half a second, no warm-up
            StepResult result = client.run(corpus,
                    new HttpLoadClient.Plan("bare", 400, 2, 0, 0.5, 5, 1024), new PrintStream(progress, true));

            assertEquals(200, result.requests());
            assertEquals(Map.of(204, 200L), result.statusCounts());
            assertEquals(Map.of(), result.failures());
            assertEquals(200, result.latencyNanos().getTotalCount());
            assertEquals(200, result.measuredResponses());
            assertEquals(0, result.errors());
            assertTrue(result.latencyNanos().getMaxValue() > 0);
        }
    }

    /** {@code make load --fork}: the bare server in a JVM of its own answers 204 and is gone once closed. */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aForkedBareServerAnswersAndStopsWithItsHandle(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("bare.log");
        long pid;
        try (ForkedMerlin bare = ForkedMerlin.startBare(null, List.of("-Xmx64m"), ForkedMerlin.freePort(), 1, log,
                Duration.ofSeconds(60))) {
            pid = bare.pid();
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
            HttpResponse<String> answer = bare.get("/openrtb2/auction", null, Duration.ofSeconds(5));
            assertEquals(204, answer.statusCode());
            assertTrue(Files.readString(log).contains("bare: 204 server on 127.0.0.1:" + bare.port()),
                    Files.readString(log));
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the fork outlived close()");
    }
}
