package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An app event too large for the event log is its own refusal: rejected as {@code event_too_large}, counted as
 * {@code refused_event_too_large} and in {@code merlin_events_dropped_total{reason="too_large"}}, never as a full
 * log (which would stop the batch, answer {@code 503} and ask the app to send again what can never fit).
 *
 * <p>An event becomes too large through its source's id, which the log records with every event and the config does
 * not bound: here one of 20,000 characters, more than the log's 16 KiB event limit.
 */
class OversizedEventTest {

    private static final String HUGE_KEY = "huge-source-key-0001";
    private static final String APP_KEY = "demo-sakura-app-key-0001";
    private static final String EVENT = "{\"user\":\"6d92078a-8246-4ba4-ae5b-76104861e7dc\",\"event\":\"video_watch\","
            + "\"category\":\"IAB17\",\"consent\":{\"country\":\"JPN\"}}";

    private final List<ByteBuf> sentBuffers = new ArrayList<>();
    private ExchangeMetrics metrics;
    private ExchangeRuntime runtime;
    private EmbeddedChannel channel;

    @TempDir
    Path dataDir;

    @BeforeEach
    void open() {
        MerlinConfig config = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L));
        TrackingConfig tracking = config.tracking();
        List<TrackingConfig.EventSourceConfig> sources = new ArrayList<>(tracking.eventSources());
        sources.add(new TrackingConfig.EventSourceConfig("s".repeat(20_000), HUGE_KEY, "sakura-streaming"));
        config = config.withTracking(tracking.withEventSources(sources)).validate();
        metrics = new ExchangeMetrics();
        runtime = ExchangeRuntime.open(config, metrics);
        channel = new EmbeddedChannel();
        new HttpPipeline(runtime).configure(channel.pipeline());
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        runtime.close();
        for (ByteBuf buf : sentBuffers) {
            assertEquals(0, buf.refCnt(), "a request buffer written into the channel was not released");
        }
    }

    @AfterAll
    static void noLeaks() {
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    @Test
    void anEventTooLargeForTheLogIsRejectedAsTooLargeAndCountedApartFromAFullLog() {
        String answer = send(events(HUGE_KEY, "{\"events\":[" + EVENT + "," + EVENT + "]}"));
        assertTrue(answer.startsWith("HTTP/1.1 202 "), answer);
        assertTrue(answer.contains("\"accepted\":0,\"rejected\":2"), answer);
        assertEquals(2, count(answer, "\"reason\":\"event_too_large: "), "each event on its own: " + answer);
        assertEquals(0, count(answer, "event_log_full"), answer);
        assertEquals(2, metrics.activityCount("app", "refused_event_too_large"));
        assertEquals(0, metrics.activityCount("app", "refused_event_log_full"));
        assertEquals(2, runtime.events().droppedOversized());
        assertEquals(0, runtime.events().droppedFull());
        assertEquals(0, metrics.httpErrors(503, "event_log_full"));

        // the log is not full: another source's events are taken
        String other = send(events(APP_KEY, "{\"events\":[" + EVENT + "]}"));
        assertTrue(other.startsWith("HTTP/1.1 202 ") && other.contains("\"accepted\":1"), other);

        String scrape = send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(scrape.contains("merlin_events_dropped_total{reason=\"too_large\"} 2.0"), scrape);
        assertTrue(scrape.contains("merlin_events_dropped_total{reason=\"ring_full\"} 0.0"), scrape);
    }

    @Test
    void aFullLogIsStillCountedAsFullAnd503() {
        runtime.events().close(); // refuses every event, as a full ring does
        String answer = send(events(APP_KEY, "{\"events\":[" + EVENT + "]}"));
        assertTrue(answer.startsWith("HTTP/1.1 503 "), answer);
        assertEquals(1, metrics.activityCount("app", "refused_event_log_full"));
        assertEquals(0, metrics.activityCount("app", "refused_event_too_large"));
        assertEquals(1, runtime.events().droppedFull());
        assertEquals(0, runtime.events().droppedOversized());
    }

    private static byte[] events(String key, String body) {
        byte[] json = body.getBytes(StandardCharsets.UTF_8);
        String head = "POST /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + json.length + "\r\n\r\n";
        byte[] request = new byte[head.length() + json.length];
        System.arraycopy(head.getBytes(StandardCharsets.ISO_8859_1), 0, request, 0, head.length());
        System.arraycopy(json, 0, request, head.length(), json.length);
        return request;
    }

    private String send(byte[] request) {
        ByteBuf in = Unpooled.wrappedBuffer(request);
        sentBuffers.add(in);
        channel.writeInbound(in);
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        ByteBuf chunk;
        while ((chunk = channel.readOutbound()) != null) {
            out.append(chunk.toString(StandardCharsets.UTF_8));
            chunk.release();
        }
        return out.toString();
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
