package dev.merlin.exchange.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.MerlinServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.ArrayList;

/**
 * The real exchange on the embedded demo config, bound to an ephemeral loopback port, with a clock the test sets,
 * and a plain {@link HttpClient} (HTTP/1.1, no redirects followed, no cookie jar: cookies are passed by hand).
 */
public final class LoopbackExchange implements AutoCloseable {

    /** Thursday 2026-05-28 20:26:40 UTC: mid-day, so even pacing lets campaigns spend. */
    public static final long T0 = 1_780_000_000L;
    public static final String APP_KEY = "demo-sakura-app-key-0001";
    public static final String ADMIN_TOKEN = "demo-admin-token-change-me";
    public static final String KAZE_TOKEN = "demo-kaze-report-token";
    /** The demo seller {@code demo-ssp}'s bearer token: every auction request here comes from it. */
    public static final String SELLER_TOKEN = "demo-ssp-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    public final AtomicLong clock = new AtomicLong(T0);
    private final MerlinServer server;
    private final HttpClient client;
    private final URI base;
    private boolean closed;

    /** Starts the demo exchange with its data under {@code dataDir}. */
    public LoopbackExchange(Path dataDir) throws InterruptedException {
        this(dataDir, StoresConfig.small(10_000L));
    }

    /** Starts the demo exchange with its data under {@code dataDir}, its stores sized by {@code stores}. */
    public LoopbackExchange(Path dataDir, StoresConfig stores) throws InterruptedException {
        MerlinConfig config = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                .withStores(stores).validate();
        this.server = new MerlinServer(config, clock::get).start();
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
        this.base = URI.create("http://127.0.0.1:" + server.port());
    }

    public MerlinServer server() {
        return server;
    }

    /** The exchange's keyed user hash of {@code userKey}. */
    public long userHash(String userKey) {
        return server.runtime().userHash().hash(userKey);
    }

    /** GET {@code pathAndQuery} with header name/value pairs. */
    public HttpResponse<byte[]> get(String pathAndQuery, String... headers) throws IOException, InterruptedException {
        return send(builder(pathAndQuery, headers).GET().build());
    }

    /** Any method without a body. */
    public HttpResponse<byte[]> send(String method, String pathAndQuery, String... headers)
            throws IOException, InterruptedException {
        return send(builder(pathAndQuery, headers).method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    /** POST a UTF-8 body. */
    public HttpResponse<byte[]> post(String path, String body, String... headers)
            throws IOException, InterruptedException {
        return send(builder(path, headers).POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build());
    }

    /** POST a batch to {@code /events} with the Sakura TV app's key. */
    public HttpResponse<byte[]> events(String body) throws IOException, InterruptedException {
        return post("/events", body, "Authorization", "Bearer " + APP_KEY, "Content-Type", "application/json");
    }

    /** POST a bid request. */
    public HttpResponse<byte[]> bid(String json) throws IOException, InterruptedException {
        return post("/openrtb2/auction", json, "Content-Type", "application/json", "Authorization",
                "Bearer " + SELLER_TOKEN);
    }

    /**
     * GET a link the exchange handed out (burl, click URL) on this server: its {@code publicUrl} host is replaced,
     * the path and query are kept.
     */
    public HttpResponse<byte[]> follow(String absoluteUrl, String... headers) throws IOException, InterruptedException {
        URI uri = URI.create(absoluteUrl);
        return get(uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()), headers);
    }

    private HttpRequest.Builder builder(String pathAndQuery, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(Duration.ofSeconds(20));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b;
    }

    private HttpResponse<byte[]> send(HttpRequest request) throws IOException, InterruptedException {
        return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    /**
     * A bid request for a 300x250 banner in a news app in Japan; {@code buyeruid} and {@code ifa} may be null,
     * {@code extra} is appended inside the top-level object (e.g. {@code ,"regs":{"coppa":1}}).
     */
    public static String appBanner(String id, String buyeruid, String ifa, String extra) {
        return "{\"id\":\"" + id + "\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
                + "\"app\":{\"id\":\"app-1\",\"bundle\":\"jp.example.headlines\",\"publisher\":{\"id\":\"pub-1\"}},"
                + "\"device\":{\"devicetype\":4,\"os\":\"android\"" + (ifa == null ? "" : ",\"ifa\":\"" + ifa + "\"")
                + ",\"geo\":{\"country\":\"JPN\"}}"
                + (buyeruid == null ? "" : ",\"user\":{\"buyeruid\":\"" + buyeruid + "\"}")
                + extra + "}";
    }

    /** The winning campaign of a 200 bid response, or {@code "no bid (204)"}. */
    public static String winner(HttpResponse<byte[]> response) throws IOException {
        if (response.statusCode() == 204) {
            return "no bid (204)";
        }
        assertEquals(200, response.statusCode(), text(response));
        return json(response).path("seatbid").get(0).path("bid").get(0).path("cid").asText();
    }

    /** The body as text. */
    public static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    /** The body as JSON. */
    public static JsonNode json(HttpResponse<byte[]> response) throws IOException {
        return JSON.readTree(response.body());
    }

    /** The {@code Set-Cookie} header for {@code name}, if any. */
    public static Optional<String> setCookie(HttpResponse<?> response, String name) {
        List<String> all = response.headers().allValues("set-cookie");
        return all.stream().filter(c -> c.startsWith(name + "=")).findFirst();
    }

    /** The value a {@code Set-Cookie} header sets. */
    public static String cookieValue(String setCookie) {
        int eq = setCookie.indexOf('=');
        int end = setCookie.indexOf(';');
        return setCookie.substring(eq + 1, end < 0 ? setCookie.length() : end);
    }

    /** The uid a recorded pixel hit set; fails when none was set. */
    public static String uidSet(HttpResponse<?> response) {
        Optional<String> cookie = setCookie(response, "uid");
        assertTrue(cookie.isPresent(), "no uid cookie set: " + response.headers().map());
        return cookieValue(cookie.get());
    }

    /** Asserts the answer is the pixel: 200, the 43-byte GIF, not cacheable. */
    public static void assertPixel(HttpResponse<byte[]> response) {
        assertEquals(200, response.statusCode());
        assertEquals("image/gif", response.headers().firstValue("content-type").orElse(""));
        byte[] gif = response.body();
        assertEquals(43, gif.length);
        assertEquals("GIF89a", new String(gif, 0, 6, StandardCharsets.US_ASCII));
        assertEquals(0x3b, gif[42], "the GIF trailer");
        String cacheControl = response.headers().firstValue("cache-control").orElse("");
        assertTrue(cacheControl.contains("no-cache") && cacheControl.contains("no-store"), cacheControl);
        assertEquals("no-cache", response.headers().firstValue("pragma").orElse(""));
        assertEquals("0", response.headers().firstValue("expires").orElse(""));
    }

    /** The segments {@code GET /privacy/users/{uid}} reports, read with the admin token. */
    public List<Integer> segmentsOf(String user) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = get("/privacy/users/" + user, "Authorization", "Bearer " + ADMIN_TOKEN);
        assertEquals(200, response.statusCode(), text(response));
        List<Integer> ids = new ArrayList<>();
        for (JsonNode segment : json(response).path("segments")) {
            ids.add(segment.path("id").asInt());
        }
        return ids;
    }

    /** Stops the server (stores and event log closed); safe to call twice, which MerlinServer.close() is not. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            server.close();
        }
    }
}
