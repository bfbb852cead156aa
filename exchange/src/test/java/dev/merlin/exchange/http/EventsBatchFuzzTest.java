package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;

/**
 * {@code POST /events} batch bodies, fuzzed through the real HTTP pipeline on an {@link EmbeddedChannel} with the
 * demo source's key and paranoid leak detection. The body is the fuzzer's bytes; the answer must be either
 * {@code 202} whose counts add up to the batch's events, every event it accepted well-formed (a non-empty
 * {@code user} of at most 128 characters, a non-empty {@code event}) and the body one strict JSON document without a
 * duplicate key; or a {@code 4xx} with a JSON {@code error} naming the problem ({@code 503} with
 * {@code Retry-After} only if the event log is full). Never an exception out of the pipeline, never a leak.
 */
class EventsBatchFuzzTest {

    /** The demo config's Sakura TV app key (merlin-default.yaml, tracking.eventSources). */
    private static final String APP_KEY = "demo-sakura-app-key-0001";
    /** Thursday 2026-05-28 20:26:40 UTC, as in LoopbackExchange: event times near it are accepted. */
    private static final long T0 = 1_780_000_000L;
    private static final ObjectMapper LENIENT = new ObjectMapper();
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static ExchangeRuntime runtime;
    private static HttpPipeline pipeline;
    private static Path dataDir;

    private static synchronized HttpPipeline pipeline() {
        if (pipeline == null) {
            dataDir = FuzzDataDirs.create("merlin-events-fuzz");
            MerlinConfig config = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                    .withStores(StoresConfig.small(10_000L)).validate();
            runtime = ExchangeRuntime.open(config, new ExchangeMetrics(), () -> T0);
            pipeline = runtime.newPipeline();
        }
        return pipeline;
    }

    @FuzzTest(maxDuration = "100s")
    void batch(byte[] body) throws IOException {
        EmbeddedChannel channel = new EmbeddedChannel();
        pipeline().configure(channel.pipeline());
        byte[] head = ("POST /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + APP_KEY
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        ByteBuf in = Unpooled.wrappedBuffer(head, body);
        EmbeddedChannel client = new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(1 << 20));
        FullHttpResponse response = null;
        try {
            channel.writeInbound(in);
            channel.runPendingTasks();
            channel.checkException();
            for (Object out; (out = channel.readOutbound()) != null; ) {
                client.writeInbound(out); // the client's decoder releases each buffer it reads
            }
            response = client.readInbound();
            assertNotNull(response, "no answer to the batch");
            assertTrue(response.decoderResult().isSuccess(), "the answer is not valid HTTP");
            assertNull(client.readInbound(), "more than one answer to one batch");
            check(body, response.status().code(), response.headers().get(HttpHeaderNames.RETRY_AFTER),
                    LENIENT.readTree(response.content().toString(StandardCharsets.UTF_8)));
        } finally {
            ReferenceCountUtil.release(response);
            client.finishAndReleaseAll();
            channel.finishAndReleaseAll();
        }
        assertEquals(0, in.refCnt(), "the request buffer was not released");
    }

    private static void check(byte[] body, int status, String retryAfter, JsonNode answer) throws IOException {
        if (status == 202) {
            JsonNode events = strict(body).get("events");
            assertTrue(events.isArray(), "202 for a body without an events array");
            int accepted = answer.get("accepted").asInt();
            int rejected = answer.get("rejected").asInt();
            assertEquals(events.size(), accepted + rejected, "accepted + rejected is not the batch's size");
            Set<Integer> rejectedIndexes = new HashSet<>();
            for (JsonNode rejection : answer.get("rejections")) {
                int index = rejection.get("index").asInt();
                assertTrue(index >= 0 && index < events.size(), "rejection index out of the batch: " + index);
                assertTrue(rejectedIndexes.add(index), "event " + index + " rejected twice");
                assertFalse(rejection.get("reason").asText().isEmpty(), "a rejection without a reason");
            }
            assertEquals(rejected, rejectedIndexes.size(), "rejected count and rejections differ");
            for (int i = 0; i < events.size(); i++) {
                if (!rejectedIndexes.contains(i)) {
                    wellFormed(i, events.get(i));
                }
            }
        } else if (status >= 400 && status < 500 || status == 503 && retryAfter != null) {
            assertTrue(answer.path("error").isTextual() && !answer.get("error").asText().isEmpty(),
                    status + " without an error message: " + answer);
        } else {
            fail("unexpected status " + status + ": " + answer);
        }
    }

    private static JsonNode strict(byte[] body) {
        try {
            JsonNode batch = STRICT.readTree(body);
            assertNotNull(batch, "202 for an empty body");
            return batch;
        } catch (IOException e) {
            throw new AssertionError("202 for a body that is not one strict JSON document: " + e.getMessage(), e);
        }
    }

    private static void wellFormed(int index, JsonNode event) {
        assertTrue(event.isObject(), "accepted event " + index + " is not an object");
        JsonNode user = event.get("user");
        assertTrue(user != null && user.isTextual() && !user.asText().isEmpty() && user.asText().length() <= 128,
                "accepted event " + index + " has no valid user: " + event);
        JsonNode name = event.get("event");
        assertTrue(name != null && name.isTextual() && !name.asText().isEmpty(),
                "accepted event " + index + " has no event name: " + event);
    }

    @AfterAll
    static void noLeaks() throws IOException {
        if (runtime != null) {
            runtime.close();
        }
        FuzzDataDirs.delete(dataDir);
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }
}
