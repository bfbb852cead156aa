package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9's memory-exhaustion attack over real loopback HTTP, on Merlin forked with 64 MiB of direct memory: 110
 * clients, each with a 4 KiB receive buffer, send one 35 KB bid request whose ids are long and whose 64 imps all
 * bid, then never read. Before the answer bounds such a request made a ~10 MB answer (the ids substituted into every
 * bid's links and markup), and 110 of them exhausted direct memory: out-of-memory errors and {@code /health} timing
 * out. Now: {@code /health} answers within its deadline throughout, the fork never logs an out-of-memory error, and
 * the answers it holds unwritten stay under {@code server.maxUnwrittenBytes}.
 *
 * <p>{@code -Dmerlin.attack.jar=<exchange.jar>} runs the same attack on another build (to show it failing on one
 * without the bounds); by default Merlin is forked from this JVM's class path.
 */
class MemoryExhaustionIT {

    private static final int CLIENTS = 110;
    private static final Duration HEALTH_DEADLINE = Duration.ofSeconds(2);
    private static final long ATTACK_NANOS = TimeUnit.SECONDS.toNanos(6);
    private static final String TOKEN = "demo-ssp-token";

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void clientsThatNeverReadHugeAnswersDoNotTakeTheServerDown(@TempDir Path dir) throws Exception {
        List<String> jvm = List.of("-Xms64m", "-Xmx256m", "-XX:MaxDirectMemorySize=64m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1");
        String jar = System.getProperty("merlin.attack.jar");
        ForkedMerlin.Launch launch = jar == null || jar.isBlank() ? ForkedMerlin.Launch.classPath(jvm)
                : ForkedMerlin.Launch.jar(Path.of(jar), jvm);
        Path log = dir.resolve("merlin.log");
        byte[] attack = request(attackBody());
        List<Socket> clients = new ArrayList<>();
        try (ForkedMerlin merlin = ForkedMerlin.start(launch, ForkedMerlin.freePort(), dir.resolve("data"), log,
                Duration.ofSeconds(60))) {
            long worstHealthNanos = 0;
            for (int i = 0; i < CLIENTS; i++) {
                Socket socket = new Socket();
                clients.add(socket);
                socket.setReceiveBufferSize(4096);
                socket.connect(new InetSocketAddress("127.0.0.1", merlin.port()), 5_000);
                OutputStream out = socket.getOutputStream();
                out.write(attack);
                out.flush();
                if (i % 10 == 9) {
                    worstHealthNanos = Math.max(worstHealthNanos, health(merlin, log));
                }
            }
            // the clients still read nothing: the server must keep answering health checks all along
            long end = System.nanoTime() + ATTACK_NANOS;
            int checks = 0;
            while (System.nanoTime() - end < 0) {
                worstHealthNanos = Math.max(worstHealthNanos, health(merlin, log));
                checks++;
            }
            String metrics = merlin.get("/metrics", null, HEALTH_DEADLINE).body();
            String output = Files.readString(log);
            System.out.printf(Locale.ROOT, "%d clients, %d-byte attack request: /health worst %d ms over %d checks;"
                    + " unwritten peak %,.0f bytes of %,.0f; id_too_long %,.0f%n", CLIENTS, attack.length,
                    TimeUnit.NANOSECONDS.toMillis(worstHealthNanos), checks,
                    value(metrics, "merlin_unwritten_bytes_peak"), budget(),
                    value(metrics, "merlin_bid_requests_rejected_total{reason=\"id_too_long\"}"));
            assertFalse(output.contains("OutOfMemoryError") || output.contains("OutOfDirectMemoryError"),
                    "the server ran out of memory:\n" + output);
            assertEquals(0, value(metrics, "merlin_out_of_memory_total{kind=\"direct\"}"), metrics);
            assertTrue(value(metrics, "merlin_unwritten_bytes_peak") <= budget(), metrics);
            assertEquals(CLIENTS, value(metrics, "merlin_bid_requests_rejected_total{reason=\"id_too_long\"}"),
                    "every attack request was refused for its ids");
        } finally {
            for (Socket socket : clients) {
                socket.close();
            }
        }
    }

    private static final long SMALL_BUDGET = 16L * 1024 * 1024;
    private static final int PIPELINED = 16;

    /**
     * The global budget itself, over loopback: ids within {@code requests.maxIdLength} (128 characters, so nothing is
     * refused for its ids), 64 imps that all bid, {@value #PIPELINED} such requests pipelined on each of
     * {@value #CLIENTS} connections that never read, against {@code server.maxUnwrittenBytes} of 16 MiB with 64 MiB of
     * direct memory. The shedder must act ({@code 503}s counted), the unwritten total stay within the budget plus one
     * answer per event loop plus one write-buffer high-water mark per connection in flight, and once the clients go
     * the total fall back to 0 and a normal auction be answered. With {@code -Dmerlin.attack.jar} the other build
     * runs on its own embedded configuration.
     */
    @Test
    @SuppressWarnings("checkstyle:MethodLength") // one attack scenario, step by step
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void theUnwrittenBudgetShedsValidRequestsWhoseAnswersWouldExhaustDirectMemory(@TempDir Path dir)
            throws Exception {
        List<String> jvm = List.of("-Xms64m", "-Xmx256m", "-XX:MaxDirectMemorySize=64m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1");
        String jar = System.getProperty("merlin.attack.jar");
        ForkedMerlin.Launch base = jar == null || jar.isBlank() ? ForkedMerlin.Launch.classPath(jvm)
                : ForkedMerlin.Launch.jar(Path.of(jar), jvm);
        Path config = dir.resolve("merlin.yaml");
        String yaml;
        try (var in = MemoryExhaustionIT.class.getResourceAsStream("/merlin-default.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String budgeted = yaml.replaceFirst("(?m)^(\\s*maxUnwrittenBytes:) \\d+", "$1 " + SMALL_BUDGET);
        assertFalse(budgeted.equals(yaml), "the default configuration has no server.maxUnwrittenBytes to override");
        Files.writeString(config, budgeted);
        List<String> command = new ArrayList<>(base.command());
        if (jar == null || jar.isBlank()) {
            command.addAll(List.of("--config", config.toString()));
        } // else: another build, on its own embedded default (one without the budget would refuse the key)
        ForkedMerlin.Launch launch = new ForkedMerlin.Launch(command);
        Path log = dir.resolve("merlin.log");
        byte[] one = request(validAttackBody());
        byte[] attack = new byte[one.length * PIPELINED];
        for (int i = 0; i < PIPELINED; i++) {
            System.arraycopy(one, 0, attack, i * one.length, one.length);
        }
        List<Socket> clients = new ArrayList<>();
        ExecutorService writers = Executors.newFixedThreadPool(CLIENTS,
                r -> {
                    Thread t = new Thread(r, "attack-writer");
                    t.setDaemon(true);
                    return t;
                });
        try (ForkedMerlin merlin = ForkedMerlin.start(launch, ForkedMerlin.freePort(), dir.resolve("data"), log,
                Duration.ofSeconds(60))) {
            long worstHealthNanos = 0;
            for (int i = 0; i < CLIENTS; i++) {
                Socket socket = new Socket();
                clients.add(socket);
                socket.setReceiveBufferSize(4096);
                socket.connect(new InetSocketAddress("127.0.0.1", merlin.port()), 5_000);
                OutputStream out = socket.getOutputStream();
                // the server stops reading a connection that is behind, so these writes may block: one thread each
                writers.execute(() -> {
                    try {
                        out.write(attack);
                        out.flush();
                    } catch (IOException closedByTheTest) {
                        // the socket is closed at the end of the attack
                    }
                });
                if (i % 10 == 9) {
                    worstHealthNanos = Math.max(worstHealthNanos, health(merlin, log));
                }
            }
            long end = System.nanoTime() + ATTACK_NANOS;
            int checks = 0;
            while (System.nanoTime() - end < 0) {
                worstHealthNanos = Math.max(worstHealthNanos, health(merlin, log));
                checks++;
            }
            String metrics = merlin.get("/metrics", null, HEALTH_DEADLINE).body();
            for (Socket socket : clients) {
                socket.close();
            }
            String drained = awaitNoUnwritten(merlin);
            int status = auctionStatus(merlin.port(), request(Files.readString(sample())));
            String output = Files.readString(log);
            double peak = value(metrics, "merlin_unwritten_bytes_peak");
            double shed = value(metrics, "merlin_requests_shed_total{reason=\"unwritten_budget\"}");
            System.out.printf(Locale.ROOT, "%d clients x %d pipelined %d-byte requests, budget %,d: /health worst %d ms"
                    + " over %d checks; unwritten peak %,.0f bytes; shed %,.0f; accepted %,.0f; id_too_long %,.0f;"
                    + " after: unwritten %,.0f, auction %d%n", CLIENTS, PIPELINED, one.length, SMALL_BUDGET,
                    TimeUnit.NANOSECONDS.toMillis(worstHealthNanos), checks, peak, shed,
                    value(metrics, "merlin_bid_requests_total{outcome=\"accepted\"}"),
                    value(metrics, "merlin_bid_requests_rejected_total{reason=\"id_too_long\"}"),
                    value(drained, "merlin_unwritten_bytes"), status);
            assertFalse(output.contains("OutOfMemoryError") || output.contains("OutOfDirectMemoryError"),
                    "the server ran out of memory:\n" + output);
            assertEquals(0, value(metrics, "merlin_out_of_memory_total{kind=\"direct\"}"), metrics);
            assertEquals(0, value(drained, "merlin_out_of_memory_total{kind=\"direct\"}"), drained);
            assertEquals(0, value(metrics, "merlin_bid_requests_rejected_total{reason=\"id_too_long\"}"),
                    "the attack's ids are within requests.maxIdLength");
            assertTrue(shed > 0, "the shedder never acted:\n" + metrics);
            // over the budget by at most one answer (<= maxResponseBytes, 1 MiB) per event loop (2 cores: 4 loops)
            // plus, per connection caught mid-write, the 64 KiB write-buffer high-water mark
            double bound = SMALL_BUDGET + 4d * 1024 * 1024 + (double) CLIENTS * 64 * 1024;
            assertTrue(peak <= bound, "unwritten peak " + peak + " over " + bound + ":\n" + metrics);
            assertEquals(0, value(drained, "merlin_unwritten_bytes"), drained);
            assertEquals(200, status, "a normal auction after the attack");
        } finally {
            for (Socket socket : clients) {
                socket.close();
            }
            writers.shutdownNow();
        }
    }

    /** Polls {@code /metrics} until {@code merlin_unwritten_bytes} is 0 (at most 20 s); returns the last text. */
    private static String awaitNoUnwritten(ForkedMerlin merlin) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            String metrics = merlin.get("/metrics", null, HEALTH_DEADLINE).body();
            if (value(metrics, "merlin_unwritten_bytes") == 0 || System.nanoTime() > deadline) {
                return metrics;
            }
            Thread.sleep(50);
        }
    }

    private static Path sample() {
        Path p = Path.of("examples/requests/iab26spec-simple-banner.json");
        return Files.exists(p) ? p : Path.of("../examples/requests/iab26spec-simple-banner.json");
    }

    /** The status code of one auction sent on a fresh connection. */
    private static int auctionStatus(int port, byte[] request) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            StringBuilder line = new StringBuilder();
            InputStream in = socket.getInputStream();
            for (int c = in.read(); c != -1 && c != '\r'; c = in.read()) {
                line.append((char) c);
            }
            String[] parts = line.toString().split(" ");
            return parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
        }
    }

    /** Like {@link #attackBody()} but every id at most 128 characters: the longest {@code maxIdLength} allows. */
    static String validAttackBody() {
        StringBuilder body = new StringBuilder(20_000);
        body.append("{\"id\":\"").append("r".repeat(128)).append("\",\"at\":1,\"cur\":[\"USD\"],\"imp\":[");
        for (int i = 0; i < 64; i++) {
            if (i > 0) {
                body.append(',');
            }
            body.append("{\"id\":\"").append(String.format(Locale.ROOT, "%0128d", i))
                    .append("\",\"bidfloor\":0.03,\"banner\":{\"w\":300,\"h\":250}}");
        }
        body.append("],\"site\":{\"id\":\"102855\",\"cat\":[\"IAB3-1\"],\"domain\":\"www.foobar.com\","
                + "\"page\":\"http://www.foobar.com/1234.html\",\"publisher\":{\"id\":\"8953\"}},"
                + "\"user\":{\"id\":\"55816b39711f9b5acf3b90e313ed29e51665623f\"}}");
        return body.toString();
    }

    /** How long {@code GET /health} took; fails the test if it did not answer 200 within the deadline. */
    private static long health(ForkedMerlin merlin, Path log) throws IOException, InterruptedException {
        long start = System.nanoTime();
        HttpResponse<String> response;
        try {
            response = merlin.get("/health", null, HEALTH_DEADLINE);
        } catch (IOException e) {
            throw new AssertionError("/health did not answer within " + HEALTH_DEADLINE.toMillis() + " ms during"
                    + " the attack (" + e + "); the server's output:\n" + tail(log), e);
        }
        assertEquals(200, response.statusCode(), response.body());
        return System.nanoTime() - start;
    }

    /** The default {@code server.maxUnwrittenBytes}: 256 MiB. */
    private static double budget() {
        return 256d * 1024 * 1024;
    }

    /**
     * The attack: a 30,000-character request id and 64 banner imps with 40-character ids, each of which the demo
     * bids on (the embedded demo's simple-banner sample, copied 64 times).
     */
    static String attackBody() {
        StringBuilder body = new StringBuilder(40_000);
        body.append("{\"id\":\"").append("r".repeat(30_000)).append("\",\"at\":1,\"cur\":[\"USD\"],\"imp\":[");
        for (int i = 0; i < 64; i++) {
            if (i > 0) {
                body.append(',');
            }
            body.append("{\"id\":\"").append(String.format(Locale.ROOT, "%040d", i))
                    .append("\",\"bidfloor\":0.03,\"banner\":{\"w\":300,\"h\":250}}");
        }
        body.append("],\"site\":{\"id\":\"102855\",\"cat\":[\"IAB3-1\"],\"domain\":\"www.foobar.com\","
                + "\"page\":\"http://www.foobar.com/1234.html\",\"publisher\":{\"id\":\"8953\"}},"
                + "\"user\":{\"id\":\"55816b39711f9b5acf3b90e313ed29e51665623f\"}}");
        return body.toString();
    }

    private static byte[] request(String body) {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        String head = "POST /openrtb2/auction HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer " + TOKEN + "\r\nContent-Length: " + content.length + "\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[headBytes.length + content.length];
        System.arraycopy(headBytes, 0, all, 0, headBytes.length);
        System.arraycopy(content, 0, all, headBytes.length, content.length);
        return all;
    }

    /** A sample's value in Prometheus text ({@code name{labels}}), 0 when absent. */
    static double value(String metrics, String sample) {
        Matcher m = Pattern.compile("^" + Pattern.quote(sample) + " (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }
}
