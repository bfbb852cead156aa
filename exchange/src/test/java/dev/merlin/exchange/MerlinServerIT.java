package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.MerlinConfig;
import dev.merlin.config.RequestLimitsConfig;
import dev.merlin.config.ServerConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.transport.TestTransports;
import dev.merlin.protocol.ErrorReason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import java.util.Arrays;

/**
 * A real HTTP client over loopback: 10,000 requests on keep-alive connections, valid and invalid mixed, and every
 * answer is the expected one. Expected statuses come from what each case is (a spec example, a known-broken
 * Prebid fixture, an oversized body), not from the server's own code.
 */
class MerlinServerIT {

    private static final int REQUESTS = 10_000;
    private static final int CONCURRENCY = 8;
    private static final int MAX_BODY = 64 * 1024;

    /** One kind of request and the status it must get. */
    private record Case(String name, String method, String path, byte[] body, String contentType,
                        String contentEncoding, int expectedStatus) {
    }

    /** Each transport Merlin can run on gives the same answers; one this machine lacks is skipped, saying why. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void tenThousandMixedRequestsOverKeepAlive(String transport, @TempDir Path dataDir) throws Exception {
        TestTransports.assumeAvailable(transport);
        List<Case> cases = cases();
        MerlinConfig config = new MerlinConfig(ServerConfig.builder().port(0).ioThreads(2).maxBodyBytes(MAX_BODY)
                .idleTimeoutSeconds(30).transport(transport).build(), RequestLimitsConfig.defaults(),
                dataDir.toString()).withStores(StoresConfig.small(10_000L));
        config = DemoSeller.with(config).validate();
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try (MerlinServer server = new MerlinServer(config).start()) {
            assertEquals(transport, server.transport());
            HttpClient client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .executor(executor)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            URI base = URI.create("http://127.0.0.1:" + server.port());
            Semaphore inFlight = new Semaphore(CONCURRENCY);
            Map<String, AtomicInteger> mismatches = new ConcurrentHashMap<>();
            AtomicInteger answered = new AtomicInteger();
            int[] sentPerCase = new int[cases.size()];
            List<CompletableFuture<?>> futures = new ArrayList<>(REQUESTS);
            for (int i = 0; i < REQUESTS; i++) {
                int index = i % cases.size();
                Case c = cases.get(index);
                sentPerCase[index]++;
                inFlight.acquire();
                futures.add(client.sendAsync(request(base, c), HttpResponse.BodyHandlers.ofString())
                        .whenComplete((response, error) -> {
                            inFlight.release();
                            answered.incrementAndGet();
                            if (error != null) {
                                mismatches.computeIfAbsent(c.name + ": " + error, k -> new AtomicInteger())
                                        .incrementAndGet();
                            } else if (response.statusCode() != c.expectedStatus
                                    || !"2.6".equals(response.headers().firstValue("x-openrtb-version").orElse(""))) {
                                mismatches.computeIfAbsent(c.name + " got " + response.statusCode() + " "
                                        + response.body(), k -> new AtomicInteger()).incrementAndGet();
                            }
                        }));
            }
            CompletableFuture.allOf(futures.toArray(new CompletableFuture[0])).handle((v, e) -> null).join();
            assertEquals(Map.of(), Map.copyOf(mismatches), "every answer must be the expected one");
            assertEquals(REQUESTS, answered.get());

            long valid = 0;
            for (int i = 0; i < cases.size(); i++) {
                if (cases.get(i).expectedStatus == 204) {
                    valid += sentPerCase[i];
                }
            }
            assertEquals(valid, server.metrics().bidRequestsAccepted(), "the server counted each valid request once");
            assertTrue(server.metrics().bidRequestsRejected(ErrorReason.MALFORMED_JSON) > 0);
            long connections = server.metrics().connectionsOpened();
            assertTrue(connections <= CONCURRENCY * 4L,
                    "keep-alive: " + REQUESTS + " requests should need a handful of connections, used " + connections);
        } finally {
            executor.shutdownNow();
        }
    }

    private static HttpRequest request(URI base, Case c) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(c.path)).timeout(Duration.ofSeconds(30));
        if (c.contentType != null) {
            b.header("Content-Type", c.contentType);
            b.header("Authorization", "Bearer " + DemoSeller.TOKEN);
        }
        if (c.contentEncoding != null) {
            b.header("Content-Encoding", c.contentEncoding);
        }
        if (c.body == null) {
            b.method(c.method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.method(c.method, HttpRequest.BodyPublishers.ofByteArray(c.body));
        }
        return b.build();
    }

    private static List<Case> cases() throws IOException {
        Path samples = SharedSamples.requests();
        List<Case> cases = new ArrayList<>();
        // spec and library examples that are valid OpenRTB
        for (String valid : List.of("iab26spec-simple-banner", "iab26spec-expandable-creative", "iab26spec-mobile-app",
                "iab26spec-video", "iab26spec-pmp-direct-deal", "pbsgo-ortb25-ext-locations", "pbsgo-dooh",
                "pbsgo-device-sua", "pbsjava-huaweiads-app-banner-chn", "mxmcherry-2.6-video")) {
            cases.add(post(valid, read(samples, valid), 204));
        }
        // Prebid's known-invalid fixtures
        for (String invalid : List.of("pbsgo-invalid-null", "pbsgo-invalid-empty-object",
                "pbsgo-invalid-imp-empty-array",
                "pbsgo-invalid-imp-id-duplicates", "pbsgo-invalid-imp-no-type", "pbsgo-invalid-tmax-negative",
                "pbsgo-invalid-json-missing-comma", "pbsgo-invalid-json-trailing-comma",
                "pbsgo-invalid-malformed-string", "iab26impl-structured-pod-pseudojson")) {
            cases.add(post(invalid, read(samples, invalid), 400));
        }
        byte[] simple = read(samples, "iab26spec-simple-banner");
        cases.add(new Case("gzip", "POST", "/openrtb2/auction", gzip(simple), "application/json", "gzip", 204));
        cases.add(new Case("truncated", "POST", "/openrtb2/auction",
                Arrays.copyOf(simple, simple.length / 2), "application/json", null, 400));
        byte[] big = new byte[MAX_BODY + 1];
        Arrays.fill(big, (byte) ' ');
        cases.add(new Case("too-large", "POST", "/openrtb2/auction", big, "application/json", null, 413));
        cases.add(new Case("wrong-content-type", "POST", "/openrtb2/auction", simple, "application/xml", null, 415));
        cases.add(new Case("wrong-method", "GET", "/openrtb2/auction", null, null, null, 405));
        cases.add(new Case("unknown-path", "GET", "/openrtb2/unknown", null, null, null, 404));
        cases.add(new Case("health", "GET", "/health", null, null, null, 200));
        return cases;
    }

    private static Case post(String name, byte[] body, int expectedStatus) {
        return new Case(name, "POST", "/openrtb2/auction", body, "application/json", null, expectedStatus);
    }

    private static byte[] read(Path samples, String name) throws IOException {
        return Files.readAllBytes(samples.resolve(name + ".json"));
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
