package dev.merlin.exchange.tracking;

import static dev.merlin.exchange.tracking.LoopbackExchange.ADMIN_TOKEN;
import static dev.merlin.exchange.tracking.LoopbackExchange.T0;
import static dev.merlin.exchange.tracking.LoopbackExchange.json;
import static dev.merlin.exchange.tracking.LoopbackExchange.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user in {@code /privacy/users/{uid}} is a percent-encoded path segment, over loopback: a user whose key needs
 * escaping (stored before {@code /events} took only usable keys) is read and erased through its encoded path, a
 * {@code +} is itself, and a malformed escape is {@code 400}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrivacyUserPathIT {

    private static final int SPORTS_FANS = 101;
    /** A key the events API took before it checked keys: a space and a slash, kept in the segment store. */
    private static final String STORED = "app user/7";
    private static final String STORED_PATH = "/privacy/users/app%20user%2F7";

    @TempDir
    Path dataDir;
    private LoopbackExchange exchange;

    @BeforeEach
    void start() throws InterruptedException {
        exchange = new LoopbackExchange(dataDir);
    }

    @AfterEach
    void stop() {
        exchange.close();
    }

    /** Records a sports video like for {@code user} as the Sakura app's events did, whatever the key. */
    private void liked(String user) {
        exchange.server().runtime().tracking().record("sakura-tv-app", "sakura-streaming", user, "video_like",
                "IAB17", 0, null, null, T0, T0);
    }

    private HttpResponse<byte[]> admin(String method, String path) throws Exception {
        return exchange.send(method, path, "Authorization", "Bearer " + ADMIN_TOKEN);
    }

    @Test
    void aStoredKeyThatNeedsEscapingIsReadAndErasedThroughItsEncodedPath() throws Exception {
        liked(STORED);
        HttpResponse<byte[]> read = admin("GET", STORED_PATH);
        assertEquals(200, read.statusCode(), text(read));
        assertEquals(STORED, json(read).path("uid").asText(), text(read));
        assertEquals(SPORTS_FANS, json(read).path("segments").path(0).path("id").asInt(), text(read));
        assertEquals("no-store", read.headers().firstValue("cache-control").orElse(""), "personal data: no cache");
        HttpResponse<byte[]> anonymous = exchange.get(STORED_PATH);
        assertEquals(401, anonymous.statusCode());
        assertEquals("no-store", anonymous.headers().firstValue("cache-control").orElse(""), "the refusal too");

        HttpResponse<byte[]> erased = admin("DELETE", STORED_PATH);
        assertEquals(200, erased.statusCode(), text(erased));
        assertEquals("no-store", erased.headers().firstValue("cache-control").orElse(""));
        assertTrue(json(erased).path("erased").asBoolean(), text(erased));
        assertEquals(List.of(), exchange.server().runtime().stores().segments().describe(STORED, T0),
                "the data is gone");
    }

    @Test
    void anEncodedUsableKeyIsTheKeyAndAPlusIsAPlus() throws Exception {
        liked("ifa-7.x");
        liked("a+b");
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf("ifa%2D7%2Ex"));
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf("a+b"), "a + in a path is a +, not a space");
        HttpResponse<byte[]> erased = admin("DELETE", "/privacy/users/ifa%2d7.x");
        assertTrue(json(erased).path("erased").asBoolean(), text(erased));
        assertEquals(List.of(), exchange.segmentsOf("ifa-7.x"));
    }

    @Test
    void aMalformedEscapeIs400NamingIt() throws Exception {
        liked("a%zz");
        // a client library refuses to send it; a raw socket does
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), exchange.server().port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("DELETE /privacy/users/a%zz HTTP/1.1\r\nHost: merlin\r\nAuthorization: Bearer " + ADMIN_TOKEN
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
            assertTrue(answer.contains("%zz"), answer);
        }
        assertEquals(1, exchange.server().metrics().httpErrors(400, "privacy_user_path"));
        assertEquals(SPORTS_FANS, exchange.server().runtime().stores().segments().describe("a%zz", T0).get(0)
                .segmentId(), "nothing erased");
    }
}
