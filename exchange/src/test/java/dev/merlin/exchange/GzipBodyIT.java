package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ConfigLoader;
import dev.merlin.exchange.tracking.LoopbackExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compressed bodies over real loopback HTTP: a gzip body truncated at several offsets, without its trailer or with
 * a bad CRC is answered {@code 400 bad_gzip} with {@code Connection: close}, the server closes the socket and never
 * answers the request pipelined behind it; a bomb is a {@code 413}; a whole body works and the connection carries on.
 */
class GzipBodyIT {

    private static final String BID = "{\"id\":\"r1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
            + "\"site\":{\"domain\":\"news.example\"}}";
    private static final String EVENTS = "{\"events\":[{\"user\":\"6d92078a-8246-4ba4-ae5b-76104861e7dc\","
            + "\"event\":\"video_watch\",\"category\":\"IAB17\",\"consent\":{\"country\":\"JPN\"}}]}";
    private static final String HEALTH = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void brokenGzipIs400BadGzipAndClosesOnBothEndpoints(@TempDir Path dataDir) throws Exception {
        try (LoopbackExchange exchange = new LoopbackExchange(dataDir)) {
            int port = exchange.server().port();
            int refused = 0;
            for (String path : new String[] {"/openrtb2/auction", "/events"}) {
                byte[] gz = gzip(path.equals("/events") ? EVENTS : BID);
                for (Map.Entry<String, byte[]> broken : broken(gz).entrySet()) {
                    try (Socket socket = new Socket("127.0.0.1", port)) {
                        socket.setSoTimeout(20_000);
                        send(socket, post(path, broken.getValue()), HEALTH.getBytes(StandardCharsets.ISO_8859_1));
                        InputStream in = socket.getInputStream();
                        RawHttp.Answer answer = RawHttp.readAnswer(in);
                        String name = path + ", " + broken.getKey();
                        assertEquals(400, answer.status(), name + ": " + answer.body());
                        assertTrue(answer.body().startsWith("{\"error\":\"bad_gzip: "), name + ": " + answer.body());
                        assertTrue(answer.isClose(), name + ": the answer says Connection: close");
                        assertClosed(in, name + ": closed, the pipelined GET /health is never answered");
                        refused++;
                    }
                }
            }
            assertEquals(refused, exchange.server().metrics().httpErrors(400, "bad_gzip"));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void wholeGzipWorksAndABombIs413(@TempDir Path dataDir) throws Exception {
        try (LoopbackExchange exchange = new LoopbackExchange(dataDir);
             Socket socket = new Socket("127.0.0.1", exchange.server().port())) {
            socket.setSoTimeout(20_000);
            InputStream in = socket.getInputStream();
            send(socket, post("/openrtb2/auction", gzip(BID)), post("/events", gzip(EVENTS)),
                    HEALTH.getBytes(StandardCharsets.ISO_8859_1));
            int auction = RawHttp.readAnswer(in).status();
            assertTrue(auction == 200 || auction == 204, "the auction ran: " + auction);
            RawHttp.Answer events = RawHttp.readAnswer(in);
            assertEquals(202, events.status(), events.body());
            assertTrue(events.body().contains("\"accepted\":1"), events.body());
            assertEquals(200, RawHttp.readAnswer(in).status(), "the connection carries on");

            int max = ConfigLoader.loadDefault().server().maxBodyBytes(); // what LoopbackExchange runs with
            send(socket, post("/openrtb2/auction", gzip(" ".repeat(max * 4))),
                    HEALTH.getBytes(StandardCharsets.ISO_8859_1));
            RawHttp.Answer bomb = RawHttp.readAnswer(in);
            assertEquals(413, bomb.status(), bomb.body());
            assertTrue(bomb.isClose());
            assertClosed(in, "closed after the bomb");
            assertEquals(0, exchange.server().metrics().httpErrors(400, "bad_gzip"));
            assertEquals(1, exchange.server().metrics().httpErrors(413, "body_too_large"));
        }
    }

    /**
     * The server closed in order: end of stream right after the answer, never a reset, though bytes of ours (the
     * rest of a bomb, the request behind it) were still unread ({@code LingeringClose}).
     */
    private static void assertClosed(InputStream in, String why) throws IOException {
        assertEquals(-1, in.read(), why);
    }

    private static Map<String, byte[]> broken(byte[] gz) {
        int n = gz.length;
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("cut at 5 (inside the header)", Arrays.copyOf(gz, 5));
        cases.put("cut at 12 (just after the header)", Arrays.copyOf(gz, 12));
        cases.put("cut mid-stream", Arrays.copyOf(gz, n / 2));
        cases.put("no trailer", Arrays.copyOf(gz, n - 8));
        cases.put("trailer's last byte missing", Arrays.copyOf(gz, n - 1));
        byte[] badCrc = gz.clone();
        badCrc[n - 8] ^= 0x5A;
        cases.put("bad CRC", badCrc);
        return cases;
    }

    private static void send(Socket socket, byte[]... requests) throws IOException {
        OutputStream out = socket.getOutputStream();
        for (byte[] request : requests) {
            out.write(request);
        }
        out.flush();
    }

    private static byte[] post(String path, byte[] body) {
        String auth = path.equals("/events") ? LoopbackExchange.APP_KEY : LoopbackExchange.SELLER_TOKEN;
        String head = "POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + auth + "\r\n"
                + "Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: " + body.length
                + "\r\n\r\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
