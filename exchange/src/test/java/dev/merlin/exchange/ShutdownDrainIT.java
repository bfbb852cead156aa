package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.merlin.config.MerlinConfig;
import dev.merlin.config.RequestLimitsConfig;
import dev.merlin.config.ServerConfig;
import dev.merlin.config.StoresConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import java.util.List;

/**
 * Stopping the server: the port closes at once, a connection between requests closes, a request whose body is still
 * arriving when {@code close()} starts is answered, and a request that never completes is cut at the drain deadline.
 */
@Timeout(value = 15, unit = TimeUnit.SECONDS)
class ShutdownDrainIT {

    private static final int DRAIN_SECONDS = 2;
    private static final byte[] HEALTH = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final String BODY = "{\"id\":\"drain\",\"imp\":[]}";

    @TempDir
    Path dataDir;

    @Test
    void requestWhoseBodyIsStillArrivingWhenCloseStartsGetsItsAnswer() throws Exception {
        MerlinServer server = new MerlinServer(config()).start();
        CompletableFuture<Long> closed = null;
        try (Socket inRequest = connect(server); Socket idle = connect(server)) {
            idle.getOutputStream().write(HEALTH);
            assertEquals(200, RawHttp.readAnswer(idle.getInputStream()).status());

            OutputStream out = inRequest.getOutputStream();
            InputStream in = inRequest.getInputStream();
            byte[] body = BODY.getBytes(StandardCharsets.US_ASCII);
            // 100-continue shows the server has the request's head before close() starts
            out.write(("POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\n" + DemoSeller.HEADER
                    + "Content-Type: application/json\r\n"
                    + "Expect: 100-continue\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, 10);
            out.flush();
            assertEquals(100, RawHttp.readInterim(in));

            closed = CompletableFuture.supplyAsync(() -> {
                long start = System.nanoTime();
                server.close();
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            });
            // the idle connection is closed by the drain, so close() has started
            assertConnectionEnds(idle.getInputStream());
            awaitPortClosed(server.port());

            out.write(body, 10, body.length - 10);
            out.flush();
            RawHttp.Answer answer = RawHttp.readAnswer(in);
            assertEquals(400, answer.status(), answer.body()); // no impressions: answered, not cut
            assertConnectionEnds(in);
            long closeMillis = closed.get(10, TimeUnit.SECONDS);
            assertTrue(closeMillis < DRAIN_SECONDS * 1000L + 1000, "close() took " + closeMillis + " ms");
        } finally {
            server.close();
        }
    }

    @Test
    void requestThatNeverCompletesIsCutAtTheDrainDeadline() throws Exception {
        MerlinServer server = new MerlinServer(config()).start();
        try (Socket stuck = connect(server)) {
            stuck.getOutputStream().write(("POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\n" + DemoSeller.HEADER
                    + "Expect: 100-continue\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertEquals(100, RawHttp.readInterim(stuck.getInputStream()));
            long start = System.nanoTime();
            server.close();
            long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(closeMillis >= DRAIN_SECONDS * 1000L - 100 && closeMillis < DRAIN_SECONDS * 1000L + 2000,
                    "close() took " + closeMillis + " ms for a drain of " + DRAIN_SECONDS + " s");
            assertConnectionEnds(stuck.getInputStream());
        } finally {
            server.close();
        }
    }

    private MerlinConfig config() {
        // the request deadline is longer than the drain, so only the drain can end the stuck request
        return new MerlinConfig(ServerConfig.builder().port(0).ioThreads(2).idleTimeoutSeconds(30)
                .requestTimeoutSeconds(30).shutdownDrainSeconds(DRAIN_SECONDS).build(),
                RequestLimitsConfig.defaults(), dataDir.toString())
                .withStores(StoresConfig.small(10_000L))
                .withSellers(List.of(DemoSeller.SELLER)).validate();
    }

    private static Socket connect(MerlinServer server) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
        socket.setSoTimeout(5_000);
        return socket;
    }

    private static void awaitPortClosed(int port) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port));
            } catch (ConnectException refused) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                fail("the port still accepts connections after close() started");
            }
        }
    }

    private static void assertConnectionEnds(InputStream in) throws IOException {
        try {
            assertEquals(-1, in.read(), "the server closed the connection");
        } catch (SocketException reset) {
            // closed with bytes still unread on its side
        }
    }
}
