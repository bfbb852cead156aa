package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.merlin.config.ConfigLoader;
import dev.merlin.exchange.tracking.LoopbackExchange;
import dev.merlin.exchange.tuning.ExchangeTuning;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that goes on sending a body after Merlin refused it reads the refusal and then the end of the stream,
 * never a connection reset that destroys the answer, over real loopback: the server shuts its write side, drops
 * what still arrives, and closes when the client does or after {@link ExchangeTuning#LINGER_MILLIS}.
 */
class LingeringCloseIT {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBodyStillStreamingGetsIts413AndAnOrderlyEnd(@TempDir Path dataDir) throws Exception {
        try (LoopbackExchange exchange = new LoopbackExchange(dataDir);
             Socket socket = new Socket("127.0.0.1", exchange.server().port())) {
            socket.setSoTimeout(20_000);
            int max = ConfigLoader.loadDefault().server().maxBodyBytes(); // what LoopbackExchange runs with
            AtomicLong sent = new AtomicLong();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> stream(socket, max * 8L, sent));
            InputStream in = socket.getInputStream();
            RawHttp.Answer refusal = RawHttp.readAnswer(in);
            assertEquals(413, refusal.status(), refusal.body());
            assertTrue(refusal.isClose(), "the refusal says Connection: close");
            assertEquals(-1, in.read(), "the answer is followed by the end of the stream, not a reset");
            assertEquals(1, exchange.server().metrics().httpErrors(413, "body_too_large"));
            writer.join(); // ends when the whole body is written or the server has closed; either is fine
            assertTrue(sent.get() > max, "the client was still sending after the limit: " + sent.get());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aClientThatNeverClosesIsClosedAfterTheLinger(@TempDir Path dataDir) throws Exception {
        try (LoopbackExchange exchange = new LoopbackExchange(dataDir);
             Socket socket = new Socket("127.0.0.1", exchange.server().port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + LoopbackExchange.SELLER_TOKEN + "\r\nContent-Type: application/json\r\n"
                    + "Content-Encoding: gzip\r\nContent-Length: 20\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(new byte[20]); // not gzip: refused 400 bad_gzip with Connection: close
            out.flush();
            InputStream in = socket.getInputStream();
            RawHttp.Answer refusal = RawHttp.readAnswer(in);
            assertEquals(400, refusal.status(), refusal.body());
            assertEquals(-1, in.read(), "the write side is shut right after the answer");
            long shut = System.nanoTime();
            // the socket stays open on this side and says nothing more; the server gives up on it by itself
            long deadline = shut + TimeUnit.MILLISECONDS.toNanos(ExchangeTuning.LINGER_MILLIS * 5);
            while (exchange.server().openConnections() != 0) {
                if (System.nanoTime() > deadline) {
                    fail("still " + exchange.server().openConnections() + " open connection(s) after 5 lingers");
                }
                LockSupport.parkNanos(1_000_000);
            }
            long lingered = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - shut);
            assertTrue(lingered >= ExchangeTuning.LINGER_MILLIS / 2, "closed after the linger, not at once: "
                    + lingered + " ms");
        }
    }

    /** Writes a chunked body of {@code total} bytes of spaces until done or the server is gone. */
    private static void stream(Socket socket, long total, AtomicLong sent) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + LoopbackExchange.SELLER_TOKEN + "\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            byte[] chunk = new byte[8192];
            Arrays.fill(chunk, (byte) ' ');
            byte[] size = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            byte[] crlf = "\r\n".getBytes(StandardCharsets.ISO_8859_1);
            while (sent.get() < total) {
                out.write(size);
                out.write(chunk);
                out.write(crlf);
                sent.addAndGet(chunk.length);
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException serverClosed) {
            // expected once the server's linger ends or the client's own socket closes
        }
    }
}
