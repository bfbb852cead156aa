package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.MerlinConfig;
import dev.merlin.config.RequestLimitsConfig;
import dev.merlin.config.ServerConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.DemoSeller;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.internal.OutOfDirectMemoryError;
import java.lang.reflect.Constructor;
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
 * The server-wide budget for unwritten answers on real pipelines sharing one {@link HttpPipeline}: bytes written but
 * not flushed count against {@code server.maxUnwrittenBytes}; over it the connection that is behind stops reading,
 * every other connection's new requests get {@code 503} with {@code Retry-After}, counted, while {@code /health} and
 * {@code /metrics} still answer; once the bytes are taken, everything runs again. Out-of-memory errors are counted by
 * type.
 */
class UnwrittenBudgetTest {

    private static final int BUDGET = 1024 * 1024;
    private static final String AUCTION = "{\"id\":\"r1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
            + "\"site\":{\"domain\":\"news.example\"}}";

    @TempDir
    Path dataDir;
    private ExchangeMetrics metrics;
    private ExchangeRuntime runtime;
    private HttpPipeline pipeline;
    private EmbeddedChannel behind;
    private EmbeddedChannel other;
    private final SlowKernel kernel = new SlowKernel();

    /**
     * Stands for a socket whose peer does not read: an embedded channel takes whatever is written at once, so this,
     * nearest its head, keeps the writes (their promises pending) until the test lets the kernel take them.
     */
    private static final class SlowKernel extends ChannelOutboundHandlerAdapter {
        private final List<Object> messages = new ArrayList<>();
        private final List<ChannelPromise> promises = new ArrayList<>();
        private ChannelHandlerContext context;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            context = ctx;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            messages.add(msg);
            promises.add(promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            // held until takeAll
        }

        void takeAll() {
            for (int i = 0; i < messages.size(); i++) {
                context.write(messages.get(i), promises.get(i));
            }
            messages.clear();
            promises.clear();
            context.flush();
        }
    }

    @BeforeEach
    void open() {
        ServerConfig server = ServerConfig.builder().port(0).ioThreads(1).maxBodyBytes(4096).maxInitialLineBytes(1024)
                .maxHeaderBytes(2048).idleTimeoutSeconds(60).maxResponseBytes(4096).maxUnwrittenBytes(BUDGET).build();
        MerlinConfig config = DemoSeller.with(new MerlinConfig(server, RequestLimitsConfig.defaults(),
                dataDir.toString()).withStores(StoresConfig.small(10_000L)))
                .validate();
        metrics = new ExchangeMetrics();
        runtime = ExchangeRuntime.open(config, metrics);
        pipeline = new HttpPipeline(runtime);
        behind = new EmbeddedChannel();
        pipeline.configure(behind.pipeline());
        behind.pipeline().addFirst("kernel", kernel);
        other = new EmbeddedChannel();
        pipeline.configure(other.pipeline());
    }

    @AfterEach
    void close() {
        kernel.takeAll();
        behind.finishAndReleaseAll();
        other.finishAndReleaseAll();
        runtime.close();
    }

    @AfterAll
    static void noLeaks() {
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    @Test
    void overTheBudgetNewWorkIsShedAndTheConnectionBehindStopsReading() {
        UnwrittenBytes unwritten = pipeline.unwritten();
        ChannelFuture first = writeUnflushed(behind, 600 * 1024);
        assertEquals(600 * 1024, unwritten.bytes());
        assertFalse(unwritten.isOverBudget());
        assertTrue(behind.config().isAutoRead());
        assertEquals(204, status(send(other, post(AUCTION))), "under the budget the auction runs");

        ChannelFuture second = writeUnflushed(behind, 600 * 1024);
        assertTrue(unwritten.isOverBudget());
        behind.runPendingTasks();
        assertFalse(behind.isWritable(), "the connection behind is marked unwritable");
        assertFalse(behind.config().isAutoRead(), "and stops reading");

        String shed = send(other, post(AUCTION));
        assertEquals(503, status(shed), shed);
        assertTrue(shed.contains("retry-after: 1"), shed);
        assertTrue(shed.contains("\"error\":"), shed);
        assertEquals(1, metrics.requestsShed("unwritten_budget"));
        assertEquals(503, status(send(other, "GET /reports/campaigns HTTP/1.1\r\nHost: x\r\n\r\n")));
        String pixel = send(other, "GET /px?pid=px-kaze&ev=page_view HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(200, status(pixel), "a pixel always answers its GIF, shed or not: " + pixel);
        assertTrue(pixel.contains("content-type: image/gif") && pixel.contains("content-length: 43"), pixel);
        assertEquals(3, metrics.requestsShed("unwritten_budget"), "the pixel hit was shed: nothing recorded");
        assertEquals(200, status(send(other, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")));
        String scrape = send(other, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(200, status(scrape));
        assertTrue(scrape.contains("merlin_requests_shed_total{reason=\"unwritten_budget\"} 3.0"), scrape);
        assertTrue(other.isOpen());

        kernel.takeAll();
        assertTrue(first.isSuccess() && second.isSuccess());
        drain(behind);
        assertEquals(0, unwritten.bytes());
        assertTrue(unwritten.peakBytes() >= 1_228_800, "peak " + unwritten.peakBytes());
        behind.runPendingTasks();
        assertTrue(behind.isWritable());
        assertTrue(behind.config().isAutoRead(), "the connection reads again");
        assertEquals(204, status(send(other, post(AUCTION))), "back under the budget the auction runs again");
    }

    @Test
    void everyAnswerIsCountedUntilTheKernelTakesIt() {
        UnwrittenBytes unwritten = pipeline.unwritten();
        behind.writeInbound(Unpooled.copiedBuffer("GET /health HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.UTF_8));
        behind.runPendingTasks();
        long held = unwritten.bytes();
        assertTrue(held > 15, "the health answer counts while the kernel has not taken it: " + held);
        kernel.takeAll();
        String answer = drain(behind);
        assertEquals(200, status(answer));
        assertEquals(held, answer.length(), "what was counted is what was written");
        assertEquals(0, unwritten.bytes());
    }

    @Test
    void outOfMemoryIsCountedByType() throws Exception {
        Constructor<OutOfDirectMemoryError> direct = OutOfDirectMemoryError.class.getDeclaredConstructor(String.class);
        direct.setAccessible(true);
        behind.pipeline().fireExceptionCaught(direct.newInstance("failed to allocate 16777216 byte(s)"));
        other.pipeline().fireExceptionCaught(new RuntimeException(new OutOfMemoryError("Java heap space")));
        assertEquals(1, metrics.outOfMemoryCount("direct"));
        assertEquals(1, metrics.outOfMemoryCount("heap"));
        assertFalse(behind.isOpen(), "the connection is closed, as after any unexpected exception");
    }

    private static ChannelFuture writeUnflushed(EmbeddedChannel channel, int bytes) {
        ByteBuf answer = Unpooled.buffer(bytes).writerIndex(bytes);
        // from the first handler after the tracker, as the encoded answers come
        return channel.pipeline().context("requestStart").write(answer);
    }

    private static String post(String body) {
        return "POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\n" + DemoSeller.HEADER
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static String send(EmbeddedChannel channel, String request) {
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.UTF_8));
        channel.runPendingTasks();
        return drain(channel);
    }

    private static String drain(EmbeddedChannel channel) {
        StringBuilder out = new StringBuilder();
        ByteBuf chunk;
        while ((chunk = channel.readOutbound()) != null) {
            out.append(chunk.toString(StandardCharsets.UTF_8));
            chunk.release();
        }
        return out.toString();
    }

    private static int status(String answer) {
        assertTrue(answer.startsWith("HTTP/1.1 "), answer);
        return Integer.parseInt(answer.substring(9, 12));
    }
}
