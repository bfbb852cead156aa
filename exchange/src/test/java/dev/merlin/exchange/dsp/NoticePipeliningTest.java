package dev.merlin.exchange.dsp;

import static dev.merlin.exchange.dsp.DspNotifierTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.DspConfig;
import dev.merlin.exchange.auction.ExternalBid;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.transport.TestTransports;
import dev.merlin.protocol.model.Bid;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Loss notices pipelined on the notifier's keep-alive connections, against a raw HTTP/1.1 server on 127.0.0.1 that
 * records which connection each GET came on and answers in order only when the test lets it: a burst of losses
 * shares a few connections, a win or billing notice never shares one, and a connection lost with losses unanswered
 * sends each of them again. On each transport Merlin can run on ({@code server.transport}).
 */
@Timeout(60)
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"io_uring", "epoll", "nio"})
class NoticePipeliningTest {

    private static final long NOW = 1_781_524_800L;
    private static final String NO_CONTENT = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";

    @Parameter
    String transportName;

    private final ExchangeMetrics metrics = new ExchangeMetrics();
    private DspNotifier notifier;
    private PipelineServer server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.answers.countDown();
        }
        if (notifier != null) {
            notifier.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** Queues {@code count} loss notices to {@code prefix + i} on the test server; each must be accepted. */
    private void sendLosses(String prefix, int count) {
        for (int i = 0; i < count; i++) {
            assertTrue(notifier.loss(0, server.url(prefix + i), loser(), "r", i, NOW));
        }
    }

    @Test
    void aBurstOfLossesSharesOneConnectionPerEightAndEveryOneIsSent() throws IOException {
        server = new PipelineServer(false);
        notifier = notifier(8);
        sendLosses("/l", 32);
        await(() -> server.requests.size() == 32, "32 GETs received before any was answered");
        assertEquals(4, server.connections(), "32 losses, 8 to a connection: " + server.requests);
        server.answers.countDown();
        await(() -> count(DspNotifier.Kind.LOSS, DspNotifier.Outcome.SENT) == 32, "32 losses sent");
        assertEquals(0, count(DspNotifier.Kind.LOSS, DspNotifier.Outcome.RETRIED));
        assertEquals(List.of(8, 8, 8, 8), server.requestsPerConnection());
    }

    @Test
    void withPipeliningOffEveryLossWaitsForAConnectionOfItsOwn() throws IOException {
        server = new PipelineServer(false);
        notifier = notifier(1);
        sendLosses("/l", 6);
        await(() -> server.requests.size() == 6, "6 GETs received");
        assertEquals(6, server.connections(), "one connection per unanswered loss: " + server.requests);
        server.answers.countDown();
        await(() -> count(DspNotifier.Kind.LOSS, DspNotifier.Outcome.SENT) == 6, "6 losses sent");
    }

    @Test
    void winAndBillingNoticesNeverShareAConnection() throws IOException {
        server = new PipelineServer(false);
        notifier = notifier(8);
        for (int i = 0; i < 4; i++) {
            assertTrue(notifier.bill(win(server.url("/bill" + i)), "r", i));
        }
        sendLosses("/loss", 4);
        await(() -> server.requests.size() == 8, "8 GETs received");
        Map<Integer, List<String>> byConnection = server.pathsByConnection();
        for (List<String> paths : byConnection.values()) {
            if (paths.stream().anyMatch(p -> p.startsWith("/bill"))) {
                assertEquals(1, paths.size(), "a billing notice shared its connection: " + byConnection);
            }
        }
        assertEquals(5, byConnection.size(), "four bills alone, four losses together: " + byConnection);
        server.answers.countDown();
        await(() -> count(DspNotifier.Kind.BILL, DspNotifier.Outcome.SENT) == 4
                && count(DspNotifier.Kind.LOSS, DspNotifier.Outcome.SENT) == 4, "all sent");
    }

    @Test
    void aConnectionLostWithLossesUnansweredSendsEachOfThemAgain() throws IOException {
        server = new PipelineServer(true);
        notifier = notifier(8);
        sendLosses("/l", 8);
        await(() -> server.requests.size() == 8, "8 GETs pipelined on the first connection");
        assertEquals(1, server.connections());
        server.answers.countDown();
        await(() -> count(DspNotifier.Kind.LOSS, DspNotifier.Outcome.SENT) == 8, "all 8 sent in the end");
        assertEquals(7, count(DspNotifier.Kind.LOSS, DspNotifier.Outcome.RETRIED),
                "the 7 the closed connection left unanswered, each retried once");
        assertEquals(0, count(DspNotifier.Kind.LOSS, DspNotifier.Outcome.FAILED));
        assertEquals(15, server.requests.size(), "8 on the first connection, 7 again on others");
    }

    @Test
    void aConnectionThatNeverConnectedIsNotKept() throws IOException {
        int closedPort;
        try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = gone.getLocalPort();
        }
        server = new PipelineServer(false);
        server.answers.countDown();
        notifier = notifier(8);
        for (int i = 0; i < 3; i++) {
            assertTrue(notifier.loss(0, "http://127.0.0.1:" + closedPort + "/l" + i, loser(), "r", i, NOW));
        }
        await(() -> count(DspNotifier.Kind.LOSS, DspNotifier.Outcome.FAILED) == 3, "3 refused losses given up");
        assertEquals(0, notifier.keptConnections(), "a refused connection is not kept for later calls");
        assertTrue(notifier.loss(0, server.url("/after"), loser(), "r", 9, NOW));
        await(() -> count(DspNotifier.Kind.LOSS, DspNotifier.Outcome.SENT) == 1, "a loss to a live server sent");
        assertEquals(1, notifier.keptConnections(), "its connection kept alive");
    }

    @Test
    void aServerAnsweringMoreThanWasAskedLosesTheConnectionNotTheNextNotice() throws Exception {
        try (ServerSocket doubler = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            List<Integer> ports = new CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> answerTwice(doubler, ports), "double-answer-server");
            acceptor.setDaemon(true);
            acceptor.start();
            notifier = notifier(8);
            String base = "http://127.0.0.1:" + doubler.getLocalPort();
            assertTrue(notifier.loss(0, base + "/first", loser(), "r", 1, NOW));
            await(() -> count(DspNotifier.Kind.LOSS, DspNotifier.Outcome.SENT) == 1, "the first loss sent");
            await(() -> notifier.keptConnections() == 0, "the connection that answered twice dropped");
            assertTrue(notifier.loss(0, base + "/second", loser(), "r", 2, NOW));
            await(() -> count(DspNotifier.Kind.LOSS, DspNotifier.Outcome.SENT) == 2, "the second loss sent");
            assertEquals(2, ports.size(), "the second loss went out on a new connection, not onto the extra answer");
            assertEquals(0, count(DspNotifier.Kind.LOSS, DspNotifier.Outcome.FAILED));
        }
    }

    /** Answers each connection's first GET with two responses, then waits for the client to close. */
    private static void answerTwice(ServerSocket server, List<Integer> ports) {
        try {
            while (true) {
                Socket socket = server.accept();
                ports.add(socket.getPort());
                InputStream in = socket.getInputStream();
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                int b;
                while ((b = in.read()) >= 0) {
                    head.write(b);
                    if (head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                        break;
                    }
                }
                socket.getOutputStream().write((NO_CONTENT + NO_CONTENT).getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                while (in.read() >= 0) {
                    continue; // until the client closes
                }
                socket.close();
            }
        } catch (IOException closed) {
            // the test closed the server
        }
    }

    /** A notifier whose notices may go to any port (the stubs here are not the DSP's endpoint). */
    private DspNotifier notifier(int pipelinedLosses) {
        return new DspNotifier(List.of(DspConfig.of("tokyo-dsp", "Tokyo", "http://127.0.0.1:1/bid", "JPN")),
                new DspNotifier.Settings(256, 64, 3, Duration.ofMillis(20), Duration.ofSeconds(10),
                        Duration.ofSeconds(10), pipelinedLosses), metrics,
                TestTransports.assumeAvailable(transportName), NoticeAddresses.ANY);
    }

    private long count(DspNotifier.Kind kind, DspNotifier.Outcome outcome) {
        return notifier.count(0, kind, outcome);
    }

    /** A DSP's losing bid (a higher bid won), for the notifier's {@code loss}. */
    static ExternalBid loser() {
        Bid bid = new Bid();
        bid.id = "b";
        bid.impid = "1";
        ExternalBid loser = new ExternalBid().clear();
        loser.dsp = 0;
        loser.bid = bid;
        loser.currency = "USD";
        loser.lossCode = ExternalBid.LOSS_HIGHER_BID;
        return loser;
    }

    private static DspWin win(String burl) {
        return new DspWin(0, "tokyo-dsp", NOW, 1_234_500, "USD", 8_270, "bid 1", "1", "seat", "ad", null, burl,
                null, false, false, null);
    }

    /**
     * A raw HTTP/1.1 server: reads each connection's GETs as they come (pipelined or not), records them, and answers
     * them in order once {@link #answers} is open; with {@code firstAnswersOnceThenCloses}, the first connection
     * answers its first GET and closes with the rest unanswered.
     */
    private static final class PipelineServer implements AutoCloseable {
        final CountDownLatch answers = new CountDownLatch(1);
        /** "connection path" of every GET received, in arrival order. */
        final List<String> requests = new CopyOnWriteArrayList<>();
        private final ServerSocket socket;
        private final boolean firstAnswersOnceThenCloses;
        private final AtomicInteger accepted = new AtomicInteger();
        private final List<Socket> open = new CopyOnWriteArrayList<>();

        PipelineServer(boolean firstAnswersOnceThenCloses) throws IOException {
            this.firstAnswersOnceThenCloses = firstAnswersOnceThenCloses;
            this.socket = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(this::accept, "pipeline-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String url(String path) {
            return "http://127.0.0.1:" + socket.getLocalPort() + path;
        }

        int connections() {
            return pathsByConnection().size();
        }

        Map<Integer, List<String>> pathsByConnection() {
            Map<Integer, List<String>> byConnection = new HashMap<>();
            for (String request : requests) {
                String[] parts = request.split(" ");
                byConnection.computeIfAbsent(Integer.parseInt(parts[0]), c -> new ArrayList<>()).add(parts[1]);
            }
            return byConnection;
        }

        List<Integer> requestsPerConnection() {
            return pathsByConnection().values().stream().map(List::size).toList();
        }

        private void accept() {
            try {
                while (true) {
                    Socket connection = socket.accept();
                    open.add(connection);
                    int number = accepted.incrementAndGet();
                    Thread reader = new Thread(() -> serve(connection, number), "pipeline-connection-" + number);
                    reader.setDaemon(true);
                    reader.start();
                }
            } catch (IOException closed) {
                // the test closed the server
            }
        }

        /** Reads the connection's GETs as they come; a second thread answers them in order once allowed. */
        private void serve(Socket connection, int number) {
            BlockingQueue<String> unanswered = new LinkedBlockingQueue<>();
            Thread answerer = new Thread(() -> answer(connection, number, unanswered), "pipeline-answers-" + number);
            answerer.setDaemon(true);
            answerer.start();
            try {
                InputStream in = connection.getInputStream();
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                int b;
                while ((b = in.read()) >= 0) {
                    head.write(b);
                    String text = head.toString(StandardCharsets.US_ASCII);
                    if (text.endsWith("\r\n\r\n")) {
                        head.reset();
                        String path = text.split(" ")[1];
                        requests.add(number + " " + path);
                        unanswered.add(path);
                    }
                }
            } catch (IOException e) {
                // the client or the test closed the connection
            }
        }

        private void answer(Socket connection, int number, BlockingQueue<String> unanswered) {
            try (connection) {
                answers.await(30, TimeUnit.SECONDS);
                OutputStream out = connection.getOutputStream();
                while (unanswered.poll(30, TimeUnit.SECONDS) != null) {
                    out.write(NO_CONTENT.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    if (firstAnswersOnceThenCloses && number == 1) {
                        return; // closes with the rest unanswered
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the client or the test closed the connection
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket connection : open) {
                connection.close();
            }
        }
    }
}
