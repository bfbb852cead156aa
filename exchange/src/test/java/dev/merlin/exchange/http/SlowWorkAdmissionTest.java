package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may wait for the slow-work pools (the reports' and the admin's): with their threads parked and their queues
 * full, a request without the token it needs is refused {@code 401} on the event loop at once, and the dashboard's
 * pages and scripts are served there, while a request with the token still waits its turn in its own pool
 * ({@code 503} when there is none). The real pipeline of the
 * default configuration on an {@link EmbeddedChannel}.
 */
class SlowWorkAdmissionTest {

    @TempDir
    Path dataDir;
    private MerlinConfig config;
    private ExchangeMetrics metrics;
    private ExchangeRuntime runtime;
    private EmbeddedChannel channel;
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void open() throws InterruptedException {
        config = ConfigLoader.loadDefault().withDataDir(dataDir.toString()).withStores(StoresConfig.small(10_000L))
                .validate();
        metrics = new ExchangeMetrics();
        runtime = ExchangeRuntime.open(config, metrics);
        channel = new EmbeddedChannel();
        runtime.newPipeline().configure(channel.pipeline());
        park(runtime.slowWork());
        park(runtime.adminWork());
    }

    /** Holds {@code executor}'s one thread until the test ends and fills its queue. */
    private void park(Executor executor) throws InterruptedException {
        assertTrue(executor instanceof ThreadPoolExecutor, "slow work is no longer a thread pool");
        ThreadPoolExecutor pool = (ThreadPoolExecutor) executor;
        CountDownLatch parked = new CountDownLatch(1);
        pool.execute(() -> {
            parked.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(parked.await(10, TimeUnit.SECONDS), "the slow-work thread did not start");
        while (pool.getQueue().remainingCapacity() > 0) {
            pool.execute(() -> { });
        }
    }

    @AfterEach
    void close() {
        release.countDown();
        channel.finishAndReleaseAll();
        runtime.close();
    }

    @AfterAll
    static void noLeaks() {
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    @Test
    void requestsWithoutTheirTokenAreRefusedAtOnceWhileTheQueueIsFull() {
        for (String path : List.of("/reports/campaigns", "/reports/sellers", "/reports/dsps", "/reports/payouts",
                DataFlowsEndpoint.PATH, RolloutReportEndpoint.PATH, "/dashboard/data", "/admin/campaigns")) {
            String answer = exchange(get(path, null));
            assertTrue(answer.startsWith("HTTP/1.1 401 "), path + ": " + answer);
            assertTrue(answer.contains("WWW-Authenticate: Bearer") || answer.contains("www-authenticate: Bearer"),
                    path + ": " + answer);
        }
        String body = "{\"status\":\"paused\"}";
        String patch = "PATCH /admin/campaigns/c7 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body;
        assertTrue(exchange(patch).startsWith("HTTP/1.1 401 "), "an admin change without the token");
        assertTrue(exchange(get("/reports/campaigns", "not-a-token")).startsWith("HTTP/1.1 401 "), "a wrong token");
        assertEquals(0, metrics.httpErrors(503, "reports_busy"), "nothing without its token waited for the pool");
        assertEquals(0, metrics.httpErrors(503, "admin_busy"), "nor for the admin's");
        assertTrue(channel.isOpen());
    }

    @Test
    void theDashboardsPagesAndScriptsAreServedWhileTheQueueIsFull() {
        for (String path : List.of("/dashboard", "/dashboard/uPlot.iife.min.js", "/dashboard/dashboard.js")) {
            String answer = exchange(get(path, null));
            assertTrue(answer.startsWith("HTTP/1.1 200 "), path + ": " + answer.lines().findFirst().orElse(""));
        }
        assertTrue(exchange(get("/dashboard/nothing.js", null)).startsWith("HTTP/1.1 404 "));
    }

    @Test
    void aRequestWithItsTokenStillWaitsForItsPool() {
        String advertiser = config.advertisers().stream().map(a -> a.reportToken()).filter(t -> t != null)
                .findFirst().orElseThrow();
        String report = exchange(get("/reports/campaigns", advertiser));
        assertTrue(report.startsWith("HTTP/1.1 503 ") && report.contains("too many reports"), report);
        assertEquals(1, metrics.httpErrors(503, "reports_busy"), "an advertiser's report waits for the reports'");
        String admin = config.tracking().adminToken();
        for (String path : List.of("/reports/campaigns", "/reports/sellers", "/dashboard/data")) {
            String answer = exchange(get(path, admin));
            assertTrue(answer.startsWith("HTTP/1.1 503 ") && answer.contains("too many admin requests"), answer);
        }
        assertEquals(3, metrics.httpErrors(503, "admin_busy"), "what the operator asks waits for the admin's");
        assertEquals(1, metrics.httpErrors(503, "reports_busy"));
    }

    private static String get(String path, String token) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n"
                + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n";
    }

    private String exchange(String request) {
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.UTF_8));
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        for (ByteBuf chunk; (chunk = channel.readOutbound()) != null; ) {
            out.append(chunk.toString(StandardCharsets.UTF_8));
            chunk.release();
        }
        return out.toString();
    }
}
