package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.ConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real exchange as a child process started with {@code --config FILE}: after the file's bid is edited, SIGHUP
 * reloads it and the next auction prices the new bid; an invalid file on the next SIGHUP changes nothing and the
 * process keeps serving.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HangUpReloadIT {

    private static final String NORTHWIND_BID = "bid: {amount: 1.20, currency: USD}";
    private static final ObjectMapper JSON = new ObjectMapper();

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
    void sighupReloadsTheFilesAdvertisersAndAnInvalidFileChangesNothing() throws Exception {
        String yaml;
        try (InputStream in = ConfigLoader.class.getResourceAsStream(ConfigLoader.DEFAULT_RESOURCE)) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(yaml.contains(NORTHWIND_BID), "the demo's northwind bid");
        Path config = work.resolve("merlin.yaml");
        Files.writeString(config, yaml);
        Path output = work.resolve("exchange.log");
        int port = freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(GracefulShutdownIT.JVM_FLAGS);
        if (Runtime.version().feature() >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-Xmx128m", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--config", config.toString(), "--port", Integer.toString(port), "--data-dir",
                work.resolve("data").toString()));
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        awaitOutput(output, "Merlin listening", 1);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String banner = Files.readString(SharedSamples.requests().resolve("iab26spec-simple-banner.json"));
        assertEquals("northwind-run-of-network@1.02", auction(client, port, banner));

        Files.writeString(config, yaml.replace(NORTHWIND_BID, "bid: {amount: 1.40, currency: USD}"));
        hangUp();
        awaitOutput(output, "SIGHUP: advertisers reloaded", 1);
        assertEquals("northwind-run-of-network@1.19", auction(client, port, banner), "1.40 x 0.85");

        Files.writeString(config, yaml.replace(NORTHWIND_BID, "bid: {amount: -1, currency: USD}"));
        hangUp();
        awaitOutput(output, "SIGHUP: reload refused, nothing changed", 1);
        // the file's own key path, as at start-up: the advertiser and campaign by position in the file
        assertTrue(read(output).contains("reload refused, nothing changed: advertisers[6].campaigns[0].bid.amount"),
                read(output));
        assertEquals("northwind-run-of-network@1.19", auction(client, port, banner), "the old catalogue serves");
        assertTrue(process.isAlive(), "an invalid file never stops the exchange");
    }

    private void hangUp() throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -HUP");
    }

    private static String auction(HttpClient client, int port, String body) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/openrtb2/auction"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + DemoSeller.TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        JsonNode bid = JSON.readTree(response.body()).get("seatbid").get(0).get("bid").get(0);
        return bid.get("cid").asText() + "@" + new BigDecimal(bid.get("price").asText()).stripTrailingZeros()
                .toPlainString();
    }

    /** Waits until the child printed {@code text} {@code times} times, failing if it exits or takes over 90 s. */
    private void awaitOutput(Path output, String text, int times) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (read(output).split(Pattern.quote(text), -1).length - 1 < times) {
            if (System.nanoTime() - deadline > 0) {
                fail("the exchange did not print '" + text + "' within 90 s:\n" + read(output));
            }
            if (process.waitFor(50, TimeUnit.MILLISECONDS)) {
                fail("the exchange exited with " + process.exitValue() + ":\n" + read(output));
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String read(Path output) throws IOException {
        return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
    }
}
