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
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Slow clients with small settings (request deadline 1 s, idle timeout 3 s, 3 connections): a request drip-fed one
 * piece every 100 ms, which keeps resetting the idle timer, is answered {@code 408} once its deadline passes and the
 * connection closes; a connection over the cap is closed as soon as it is accepted, and a place freed by a client
 * that leaves is given to the next.
 */
@Timeout(value = 15, unit = TimeUnit.SECONDS)
class SlowClientIT {

    private static final int REQUEST_TIMEOUT_SECONDS = 1;
    private static final int IDLE_TIMEOUT_SECONDS = 3;
    private static final int MAX_CONNECTIONS = 3;
    private static final byte[] HEALTH = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dataDir;

    @ParameterizedTest
    @ValueSource(strings = {"headers", "body"})
    void dripFedRequestIsAnswered408AtItsDeadlineAndTheConnectionCloses(String dripped) throws Exception {
        String head;
        String piece;
        if (dripped.equals("headers")) {
            head = "GET /health HTTP/1.1\r\nHost: x\r\n";
            piece = "X-Drip: 1\r\n";
        } else {
            head = "POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\n" + DemoSeller.HEADER
                    + "Content-Type: application/json\r\n"
                    + "Content-Length: 4096\r\n\r\n{\"id\":\"";
            piece = "a";
        }
        ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();
        try (MerlinServer server = new MerlinServer(config()).start();
             Socket socket = connect(server)) {
            OutputStream out = socket.getOutputStream();
            long startNanos = System.nanoTime();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] pieceBytes = piece.getBytes(StandardCharsets.US_ASCII);
            drip.scheduleAtFixedRate(() -> {
                try {
                    out.write(pieceBytes);
                    out.flush();
                } catch (IOException closed) {
                    throw new IllegalStateException(closed); // the server closed it: stop dripping
                }
            }, 100, 100, TimeUnit.MILLISECONDS);

            InputStream in = socket.getInputStream();
            RawHttp.Answer answer = RawHttp.readAnswer(in);
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            assertEquals(408, answer.status(), answer.body());
            assertTrue(answer.isClose(), "the 408 says Connection: close");
            assertTrue(elapsedMillis >= REQUEST_TIMEOUT_SECONDS * 1000L - 100
                    && elapsedMillis < IDLE_TIMEOUT_SECONDS * 1000L,
                    "408 after " + elapsedMillis + " ms: the deadline, not the idle timer, ended the request");
            assertConnectionEnds(in);
            assertEquals(1, server.metrics().httpErrors(408, "request_timeout"));
        } finally {
            drip.shutdownNow();
        }
    }

    @Test
    void requestsArrivingWithinTheDeadlineOnOneConnectionAreAnswered() throws Exception {
        try (MerlinServer server = new MerlinServer(config()).start();
             Socket socket = connect(server)) {
            // keep-alive across more than the deadline: the deadline runs per request, not per connection
            long endNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REQUEST_TIMEOUT_SECONDS * 1500L);
            int answered = 0;
            while (System.nanoTime() - endNanos < 0) {
                socket.getOutputStream().write(HEALTH);
                assertEquals(200, RawHttp.readAnswer(socket.getInputStream()).status());
                answered++;
            }
            assertTrue(answered > 0);
            assertEquals(0, server.metrics().httpErrors(408, "request_timeout"));
        }
    }

    @Test
    void connectionOverTheCapIsClosedAtOnceAndAFreedPlaceIsReused() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try (MerlinServer server = new MerlinServer(config()).start()) {
            for (int i = 0; i < MAX_CONNECTIONS; i++) {
                Socket socket = connect(server);
                sockets.add(socket);
                socket.getOutputStream().write(HEALTH);
                assertEquals(200, RawHttp.readAnswer(socket.getInputStream()).status());
            }
            try (Socket over = connect(server)) {
                assertConnectionEnds(over.getInputStream());
            }
            assertEquals(1, server.metrics().connectionsRefused());
            assertEquals(MAX_CONNECTIONS, server.openConnections());

            sockets.remove(0).close();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (server.openConnections() != MAX_CONNECTIONS - 1) {
                if (System.nanoTime() - deadline > 0) {
                    fail("the server still counts " + server.openConnections() + " open connections");
                }
                LockSupport.parkNanos(1_000_000);
            }
            Socket next = connect(server);
            sockets.add(next);
            next.getOutputStream().write(HEALTH);
            assertEquals(200, RawHttp.readAnswer(next.getInputStream()).status());
            assertEquals(1, server.metrics().connectionsRefused());
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    private MerlinConfig config() {
        return new MerlinConfig(ServerConfig.builder().port(0).ioThreads(2).idleTimeoutSeconds(IDLE_TIMEOUT_SECONDS)
                .maxConnections(MAX_CONNECTIONS).requestTimeoutSeconds(REQUEST_TIMEOUT_SECONDS).build(),
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

    /** The server closed the connection: end of stream, or a reset where unread bytes were dropped. */
    private static void assertConnectionEnds(InputStream in) throws IOException {
        try {
            assertEquals(-1, in.read(), "the server closed the connection");
        } catch (SocketException reset) {
            // closed with bytes still unread on its side
        }
    }
}
