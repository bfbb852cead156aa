package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client pipelines 10,000 requests on one connection and reads nothing: the server stops reading once its answers
 * back up, so what it buffers for that connection stays near the write-buffer high mark instead of growing with every
 * request. Once the client reads, every answer arrives, in order.
 */
class BackpressureIT {

    private static final int REQUESTS = 10_000;
    /** Every eighth request is {@code GET /nope/<i>}, whose 404 names its path: the answers' order shows. */
    private static final int MARKER_EVERY = 8;
    private static final long BOUND_BYTES = 256 * 1024;

    @Test
    // a guard against a hang, not a speed check: 7.5 s on a quiet machine, over 15 s with the store files created
    // under a load average of 20 (it then failed twice in two helpers' make test)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pipelinedClientThatDoesNotReadIsHeldToTheHighMarkAndThenGetsEveryAnswerInOrder(@TempDir Path dataDir)
            throws Exception {
        MerlinConfig config = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L)).validate();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (MerlinServer server = new MerlinServer(config).start();
             Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            // blocks once the server stops reading, until the client below reads the answers
            Future<?> sent = writer.submit(() -> {
                StringBuilder burst = new StringBuilder();
                for (int i = 0; i < REQUESTS; i++) {
                    burst.append(i % MARKER_EVERY == 0 ? "GET /nope/" + i : "GET /metrics")
                            .append(" HTTP/1.1\r\nHost: x\r\n\r\n");
                    if (burst.length() > 16 * 1024 || i == REQUESTS - 1) {
                        out.write(burst.toString().getBytes(StandardCharsets.US_ASCII));
                        burst.setLength(0);
                    }
                }
                out.flush();
                return null;
            });

            // the answers back up: the kernel's buffers are full and the server holds some of its own
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            long peak = 0;
            while (server.bufferedResponseBytes() < 32 * 1024) {
                if (System.nanoTime() - deadline > 0) {
                    fail("the server never buffered answers for the client that does not read");
                }
                LockSupport.parkNanos(1_000_000);
            }
            // watch what the server holds for a second while the client still reads nothing
            long watchEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() - watchEnd < 0) {
                peak = Math.max(peak, server.bufferedResponseBytes());
                LockSupport.parkNanos(1_000_000);
            }
            System.out.printf(Locale.ROOT, "answers buffered for a client that reads nothing: at most %,d bytes%n",
                    peak);
            assertTrue(peak < BOUND_BYTES, "the server buffered " + peak + " bytes for a client that reads nothing");
            assertTrue(server.metrics().httpErrors(404, "unknown_path") < REQUESTS / MARKER_EVERY,
                    "the server stopped reading before it had answered every request");

            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            for (int i = 0; i < REQUESTS; i++) {
                RawHttp.Answer answer = RawHttp.readAnswer(in);
                if (i % MARKER_EVERY == 0) {
                    assertEquals(404, answer.status(), "answer " + i);
                    assertTrue(answer.body().contains("/nope/" + i + "\""), "answer " + i + " out of order: "
                            + answer.body());
                } else {
                    assertEquals(200, answer.status(), "answer " + i);
                    assertTrue(answer.body().contains("merlin_"), "answer " + i + ": " + answer.body());
                }
            }
            sent.get(5, TimeUnit.SECONDS);
        } finally {
            writer.shutdownNow();
        }
    }
}
