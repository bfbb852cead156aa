package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.merlin.exchange.events.Event;
import dev.merlin.exchange.events.EventLogReader;
import dev.merlin.exchange.events.EventType;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real exchange as a child process ({@code Main}, the embedded demo config): N recorded pixel hits and N app
 * events, then SIGTERM right after the last answer; the event log must hold exactly N {@code PIXEL} and N
 * {@code APP_EVENT} events — the writer drained its ring buffer before the process exited — and every store was
 * closed cleanly (no {@code .open} marker left).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class GracefulShutdownIT {

    private static final int N = 2_000;
    private static final int BATCH = 1_000;
    private static final int IN_FLIGHT = 16;
    /** The JVM flags of STACK.md §2. */
    static final List<String> JVM_FLAGS = List.of(
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
            "-Dchronicle.analytics.disable=true",
            "-Dchronicle.announcer.disable=true",
            "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED");

    @TempDir
    Path work;
    private Process process;

    @AfterEach
    void killIfStillRunning() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    @Test
    @SuppressWarnings("checkstyle:MethodLength") // one shutdown scenario, step by step
    void sigtermDrainsEveryAcceptedEventToTheLog() throws Exception {
        Path dataDir = work.resolve("data");
        Path output = work.resolve("exchange.log");
        int port = freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_FLAGS);
        if (Runtime.version().feature() >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--port", Integer.toString(port), "--data-dir", dataDir.toString()));
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        URI base = URI.create("http://127.0.0.1:" + port);
        awaitHealthy(client, base, output, Duration.ofSeconds(90));

        List<CompletableFuture<HttpResponse<byte[]>>> pixels = new ArrayList<>(N);
        for (int i = 0; i < N; i++) {
            HttpRequest hit = HttpRequest.newBuilder(base.resolve(
                    "/px?pid=px-kaze&ev=page_view&cat=IAB17-" + (i % 40 + 1) + "&country=JPN"))
                    .timeout(Duration.ofSeconds(30)).GET().build();
            pixels.add(client.sendAsync(hit, HttpResponse.BodyHandlers.ofByteArray()));
            if (pixels.size() % IN_FLIGHT == 0) {
                pixels.get(pixels.size() - IN_FLIGHT).join();
            }
        }
        List<CompletableFuture<HttpResponse<byte[]>>> batches = new ArrayList<>();
        for (int b = 0; b < N / BATCH; b++) {
            HttpRequest post = HttpRequest.newBuilder(base.resolve("/events"))
                    .header("Authorization", "Bearer demo-sakura-app-key-0001")
                    .header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(batch(b), StandardCharsets.UTF_8)).build();
            batches.add(client.sendAsync(post, HttpResponse.BodyHandlers.ofByteArray()));
        }
        int recordedHits = 0;
        for (CompletableFuture<HttpResponse<byte[]>> pixel : pixels) {
            HttpResponse<byte[]> response = pixel.join();
            assertEquals(200, response.statusCode());
            // a hit without cookie sets a uid exactly when it was recorded
            if (response.headers().allValues("set-cookie").stream().anyMatch(c -> c.startsWith("uid="))) {
                recordedHits++;
            }
        }
        int acceptedEvents = 0;
        for (CompletableFuture<HttpResponse<byte[]>> batch : batches) {
            HttpResponse<byte[]> response = batch.join();
            String body = new String(response.body(), StandardCharsets.UTF_8);
            assertEquals(202, response.statusCode(), body);
            assertTrue(body.startsWith("{\"accepted\":" + BATCH + ",\"rejected\":0"), body);
            acceptedEvents += BATCH;
        }
        assertEquals(N, recordedHits, "every pixel hit was recorded");
        assertEquals(N, acceptedEvents);

        process.destroy(); // SIGTERM on Linux: Main closes the server, then the stores and the log
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the exchange did not exit within 60 s of SIGTERM:\n"
                + tail(output));
        int exitCode = process.exitValue();

        Map<EventType, Integer> counts = new EnumMap<>(EventType.class);
        EventLogReader.Summary summary = EventLogReader.read(dataDir,
                (Event e) -> counts.merge(e.type(), 1, Integer::sum));
        assertEquals(List.of(), summary.damage(), "a clean stop leaves no torn record");
        assertEquals(N, counts.getOrDefault(EventType.PIXEL, 0), "PIXEL events in the log; " + counts
                + "; exit code " + exitCode + "\n" + tail(output));
        assertEquals(N, counts.getOrDefault(EventType.APP_EVENT, 0), "APP_EVENT events in the log; " + counts);
        try (Stream<Path> files = Files.list(dataDir)) {
            List<String> markers = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".open"))
                    .toList();
            assertEquals(List.of(), markers, "every store was closed cleanly");
        }
        assertFalse(tail(output).contains("Exception"), tail(output));
        assertEquals(0, exitCode, "a clean stop on SIGTERM exits 0:\n" + tail(output));
    }

    private void awaitHealthy(HttpClient client, URI base, Path output, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest health = HttpRequest.newBuilder(base.resolve("/health")).timeout(Duration.ofSeconds(5)).build();
        while (true) {
            try {
                if (client.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (ConnectException notYetListening) {
                // keep waiting
            }
            if (System.nanoTime() - deadline > 0) {
                fail("the exchange did not answer /health within " + timeout + ":\n" + tail(output));
            }
            // waits on the other condition that ends the wait: the child exiting (it failed to start)
            if (process.waitFor(50, TimeUnit.MILLISECONDS)) {
                fail("the exchange exited with " + process.exitValue() + " before answering /health:\n"
                        + tail(output));
            }
        }
    }

    /** One batch of {@link #BATCH} sports video watches by distinct devices in Japan. */
    private static String batch(int b) {
        StringBuilder sb = new StringBuilder(BATCH * 120).append("{\"events\":[");
        for (int i = 0; i < BATCH; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"user\":\"ifa-").append(b).append('-').append(i)
                    .append("\",\"event\":\"video_watch\",\"category\":\"IAB17-").append(i % 40 + 1)
                    .append("\",\"consent\":{\"country\":\"JPN\"}}");
        }
        return sb.append("]}").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static String tail(Path output) throws IOException {
        if (!Files.exists(output)) {
            return "(no output)";
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        return text.length() <= 4_000 ? text : text.substring(text.length() - 4_000);
    }
}
