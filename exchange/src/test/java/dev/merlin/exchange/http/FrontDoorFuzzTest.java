package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.RequestLimitsConfig;
import dev.merlin.config.ServerConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;

/**
 * Raw bytes into the real HTTP pipeline on an {@link EmbeddedChannel}, with paranoid leak detection. Findings: an
 * exception escaping the pipeline, a leaked buffer, or an answer that does not start as an HTTP/1.1 status line.
 *
 * <p>Reports run off the event loop ({@link ExchangeRuntime#slowWork()}) and hand their answer to the channel's
 * loop, but an {@code EmbeddedChannel}'s loop is not safe to use from another thread (crash-5215ecb4 was the report
 * thread and this one touching the same channel at once). The harness therefore parks the single report thread for
 * the whole run and runs the queued reports itself, on this thread, after the read that offloaded them, then the
 * loop's pending tasks: one order the real event loop can produce.
 */
class FrontDoorFuzzTest {

    private static ExchangeRuntime runtime;
    private static HttpPipeline pipeline;
    private static ThreadPoolExecutor reports;
    private static Path dataDir;
    private static final CountDownLatch END = new CountDownLatch(1);

    private static synchronized HttpPipeline pipeline() {
        if (pipeline == null) {
            dataDir = FuzzDataDirs.create("merlin-fuzz");
            MerlinConfig config = new MerlinConfig(ServerConfig.builder().port(0).ioThreads(1).maxBodyBytes(4096)
                    .maxInitialLineBytes(1024).maxHeaderBytes(2048).idleTimeoutSeconds(60).build(),
                    RequestLimitsConfig.defaults(), dataDir.toString())
                    .withStores(StoresConfig.small(10_000L)).validate();
            runtime = ExchangeRuntime.open(config, new ExchangeMetrics());
            pipeline = runtime.newPipeline();
            assertTrue(runtime.slowWork() instanceof ThreadPoolExecutor, "slowWork is no longer a thread pool");
            reports = (ThreadPoolExecutor) runtime.slowWork();
            CountDownLatch parked = new CountDownLatch(1);
            reports.execute(() -> {
                parked.countDown();
                try {
                    END.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                assertTrue(parked.await(10, TimeUnit.SECONDS), "the report thread did not start");
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        return pipeline;
    }

    /** Runs the reports the pipeline offloaded, on this thread, until none is left and the channel is idle. */
    private static void runOffloaded(EmbeddedChannel channel) {
        channel.runPendingTasks();
        for (Runnable report; (report = reports.getQueue().poll()) != null; ) {
            report.run();
            channel.runPendingTasks();
        }
    }

    @FuzzTest(maxDuration = "100s")
    void request(byte[] input) {
        EmbeddedChannel channel = new EmbeddedChannel();
        pipeline().configure(channel.pipeline());
        ByteBuf in = Unpooled.wrappedBuffer(input);
        try {
            channel.writeInbound(in);
            runOffloaded(channel);
            channel.checkException();
            // an answer is written as several buffers (head, then body): check the byte stream, not each buffer
            StringBuilder answers = new StringBuilder();
            for (Object out; (out = channel.readOutbound()) != null; ) {
                if (out instanceof ByteBuf buf) {
                    answers.append(buf.toString(StandardCharsets.ISO_8859_1));
                }
                ReferenceCountUtil.release(out);
            }
            assertTrue(answers.length() == 0 || answers.toString().startsWith("HTTP/1.1 "),
                    "not an HTTP answer: " + answers.substring(0, Math.min(40, answers.length())));
        } finally {
            channel.finishAndReleaseAll();
        }
        if (input.length > 0) { // an empty wrap is Unpooled.EMPTY_BUFFER, which is never released
            assertEquals(0, in.refCnt(), "the request buffer was not released");
        }
    }

    @AfterAll
    static void noLeaks() throws IOException {
        END.countDown();
        if (runtime != null) {
            runtime.close();
        }
        FuzzDataDirs.delete(dataDir);
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }
}
