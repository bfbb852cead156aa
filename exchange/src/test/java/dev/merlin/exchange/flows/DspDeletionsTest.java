package dev.merlin.exchange.flows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.merlin.config.DspConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deletion calls to a real HTTP server on loopback: once per DSP with an endpoint, retried after a 5xx, not after a
 * 4xx, the same request id on every attempt, the user's id JSON-escaped, and kept across a restart until called.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DspDeletionsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long USER = 0x1234_5678_9abcL;

    @TempDir
    Path dataDir;
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final AtomicInteger status = new AtomicInteger(200);
    private HttpServer server;

    private String startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/delete", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            int answer = failuresLeft.getAndDecrement() > 0 ? 503 : status.get();
            exchange.sendResponseHeaders(answer, -1);
            exchange.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/delete";
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static DspConfig withEndpoint(String url) {
        return DspConfig.of("a", "A", "http://127.0.0.1:1/bid", "JPN").toBuilder().deletionEndpoint(url).build();
    }

    private static DspDeletions.Settings fast() {
        return new DspDeletions.Settings(1_000, 3, Duration.ofMillis(50), Duration.ofSeconds(5));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void aFailingFirstAttemptIsRetriedAndTheDspIsCalledOnce() throws Exception {
        String url = startServer();
        failuresLeft.set(1);
        List<DspConfig> dsps = List.of(withEndpoint(url), DspConfig.of("b", "B", "http://127.0.0.1:1/bid", "JPN"));
        try (DspDeletions deletions = new DspDeletions(dataDir, dsps, fast(), System::currentTimeMillis)) {
            assertEquals(1, deletions.request(USER, dsp -> "user-\"1\"", List.of("a", "b", "gone"), "erasure",
                    1_800_000_000L), "b has no endpoint and gone is not configured");
            assertEquals(1, deletions.count(DspDeletions.Outcome.UNCONFIGURED),
                    "gone received the user's data and can no longer be called: counted, not silently skipped");
            await(() -> deletions.count(DspDeletions.Outcome.SENT) == 1, "the retried call");
            assertEquals(1, deletions.count(DspDeletions.Outcome.RETRIED));
            assertEquals(0, deletions.waiting());
        }
        assertEquals(2, bodies.size(), "one failed attempt, one that took: " + bodies);
        JsonNode first = JSON.readTree(bodies.get(0));
        JsonNode second = JSON.readTree(bodies.get(1));
        assertEquals("user-\"1\"", second.get("user").get("id").asText());
        assertEquals("erasure", second.get("reason").asText());
        assertEquals("2027-01-15T08:00:00Z", second.get("requested").asText());
        assertEquals(first.get("request_id"), second.get("request_id"), "a retry carries the same request id");
    }

    @Test
    void aRefusalIsNotRetried() throws Exception {
        String url = startServer();
        status.set(400);
        List<DspConfig> dsps = List.of(withEndpoint(url));
        try (DspDeletions deletions = new DspDeletions(dataDir, dsps, fast(), System::currentTimeMillis)) {
            deletions.request(USER, dsp -> "u", List.of("a"), "optout", 1_800_000_000L);
            await(() -> deletions.count(DspDeletions.Outcome.REFUSED) == 1, "the refusal");
            assertEquals(0, deletions.count(DspDeletions.Outcome.RETRIED));
            assertEquals(0, deletions.waiting());
        }
        assertEquals(1, bodies.size());
    }

    @Test
    void aRequestWaitingForItsRetrySurvivesARestart() throws Exception {
        String url = startServer();
        failuresLeft.set(1);
        List<DspConfig> dsps = List.of(withEndpoint(url));
        DspDeletions.Settings slowRetry = new DspDeletions.Settings(1_000, 3, Duration.ofHours(1),
                Duration.ofSeconds(5));
        AtomicLong clock = new AtomicLong(System.currentTimeMillis());
        try (DspDeletions deletions = new DspDeletions(dataDir, dsps, slowRetry, clock::get)) {
            deletions.request(USER, dsp -> "u-restart", List.of("a"), "erasure", 1_800_000_000L);
            await(() -> deletions.count(DspDeletions.Outcome.RETRIED) == 1, "the first, failed attempt");
            assertEquals(1, deletions.waiting(), "waiting an hour for its retry");
        }
        clock.addAndGet(TimeUnit.HOURS.toMillis(2));
        try (DspDeletions restarted = new DspDeletions(dataDir, dsps, slowRetry, clock::get)) {
            await(() -> restarted.count(DspDeletions.Outcome.SENT) == 1, "the retry after the restart");
            assertEquals(0, restarted.waiting());
        }
        assertEquals(2, bodies.size());
        assertEquals("u-restart", JSON.readTree(bodies.get(1)).get("user").get("id").asText());
    }
}
