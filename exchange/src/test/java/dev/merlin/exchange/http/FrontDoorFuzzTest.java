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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;

/**
 * Raw bytes into the real HTTP pipeline on an {@link EmbeddedChannel}, with paranoid leak detection. Findings: an
 * exception escaping the pipeline, a leaked buffer, or an answer that does not start as an HTTP/1.1 status line.
 */
class FrontDoorFuzzTest {

    private static ExchangeRuntime runtime;
    private static HttpPipeline pipeline;

    private static synchronized HttpPipeline pipeline() {
        if (pipeline == null) {
            try {
                MerlinConfig config = new MerlinConfig(new ServerConfig(0, 1, 4096, 1024, 2048, 60, null, null, null),
                        RequestLimitsConfig.defaults(), Files.createTempDirectory("merlin-fuzz").toString())
                        .withStores(new StoresConfig(10_000L, null, null, null, 10_000L, 10_000L)).validate();
                runtime = ExchangeRuntime.open(config, new ExchangeMetrics());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            pipeline = new HttpPipeline(runtime);
        }
        return pipeline;
    }

    @FuzzTest(maxDuration = "100s")
    void request(byte[] input) {
        EmbeddedChannel channel = new EmbeddedChannel();
        pipeline().configure(channel.pipeline());
        ByteBuf in = Unpooled.wrappedBuffer(input);
        try {
            channel.writeInbound(in);
            channel.runPendingTasks();
            channel.checkException();
            // an answer is written as several buffers (head, then body): check the byte stream, not each buffer
            StringBuilder answers = new StringBuilder();
            for (Object out; (out = channel.readOutbound()) != null; ) {
                if (out instanceof ByteBuf buf) {
                    answers.append(buf.toString(StandardCharsets.ISO_8859_1));
                }
                io.netty.util.ReferenceCountUtil.release(out);
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
    static void noLeaks() {
        if (runtime != null) {
            runtime.close();
        }
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }
}
