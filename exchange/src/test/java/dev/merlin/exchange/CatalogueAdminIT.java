package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.merlin.config.ConfigException;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.events.Event;
import dev.merlin.exchange.events.EventLogReader;
import dev.merlin.exchange.events.EventType;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalogue changed live over real HTTP on the demo config: a bid change is priced by the very next auction,
 * a paused or removed campaign stops bidding at once (the change answers once it is swapped in: no sleep), only the
 * admin token may change anything (a seller's or an advertiser's report token is refused), bad bodies and invalid
 * values are refused with their key path and change nothing, every change is a CATALOGUE_CHANGE event, the admin
 * API's changes survive a restart, and a reload takes the file's advertisers again.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CatalogueAdminIT {

    private static final long NOW = Instant.parse("2026-11-29T10:00:00Z").getEpochSecond();
    private static final String NORTHWIND = "northwind-run-of-network";
    private static final String ADMIN_TOKEN = "demo-admin-token-change-me";
    private static final String REPORT_TOKEN = "demo-kaze-report-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private String banner;

    private MerlinServer start() throws Exception {
        banner = Files.readString(SharedSamples.requests().resolve("iab26spec-simple-banner.json"));
        MerlinConfig config = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L)).validate();
        return new MerlinServer(config, () -> NOW).start();
    }

    private HttpResponse<String> send(MerlinServer server, String method, String path, String token, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> admin(MerlinServer server, String method, String path, String body)
            throws IOException, InterruptedException {
        return send(server, method, path, ADMIN_TOKEN, body);
    }

    /** {@code campaign@price} of the simple banner's one bid, or {@code none} for a 204. */
    private String auction(MerlinServer server) throws IOException, InterruptedException {
        HttpResponse<String> response = send(server, "POST", "/openrtb2/auction", DemoSeller.TOKEN, banner);
        if (response.statusCode() == 204) {
            return "none";
        }
        assertEquals(200, response.statusCode(), response.body());
        JsonNode bid = JSON.readTree(response.body()).get("seatbid").get(0).get("bid").get(0);
        return bid.get("cid").asText() + "@" + new BigDecimal(bid.get("price").asText()).stripTrailingZeros()
                .toPlainString();
    }

    @Test
    void anAdvertisersReportsFillingTheirQueueNeverKeepTheOperatorWaiting() throws Exception {
        try (MerlinServer server = start()) {
            ThreadPoolExecutor reports = (ThreadPoolExecutor) server.runtime().slowWork();
            CountDownLatch parked = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            reports.execute(() -> {
                parked.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(parked.await(10, TimeUnit.SECONDS), "the reports thread did not start");
            List<CompletableFuture<HttpResponse<String>>> queued = new ArrayList<>();
            try {
                // a report runs long (the thread is held): the advertiser's own token fills the reports' queue
                int room = reports.getQueue().remainingCapacity();
                for (int i = 0; i < room; i++) {
                    queued.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                            + "/reports/campaigns")).header("Authorization", "Bearer " + REPORT_TOKEN)
                            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (reports.getQueue().remainingCapacity() > 0) {
                    assertTrue(System.nanoTime() < deadline, "the reports did not fill the queue");
                    Thread.yield();
                }
                HttpResponse<String> oneMore = send(server, "GET", "/reports/campaigns", REPORT_TOKEN, null);
                assertEquals(503, oneMore.statusCode(), oneMore.body());

                HttpResponse<String> paused = admin(server, "PATCH", "/admin/campaigns/" + NORTHWIND,
                        "{\"status\": \"paused\"}");
                assertEquals(200, paused.statusCode(), "the admin API is not behind the reports: " + paused.body());
                assertEquals("daily-globe-subscriptions@0.68", auction(server), "and the pause took effect");
                HttpResponse<String> dashboard = admin(server, "GET", "/dashboard/data", null);
                assertEquals(200, dashboard.statusCode(), "nor the dashboard's data: " + dashboard.body());
                for (String path : List.of("/reports/campaigns", "/reports/sellers", "/privacy/data-flows",
                        "/reports/rollout")) {
                    HttpResponse<String> books = admin(server, "GET", path, null);
                    assertEquals(200, books.statusCode(), "nor the operator's " + path + ": " + books.body());
                    assertEquals("no-store", books.headers().firstValue("cache-control").orElse(""), path);
                }
            } finally {
                release.countDown();
            }
            for (CompletableFuture<HttpResponse<String>> report : queued) {
                assertEquals(200, report.get(30, TimeUnit.SECONDS).statusCode(), "each queued report is answered");
            }
        }
    }

    @Test
    void aBidChangeIsPricedByTheNextAuctionAndAPausedCampaignStopsBiddingAtOnce() throws Exception {
        try (MerlinServer server = start()) {
            // northwind 1.20 -> 1.02 net beats daily-globe 0.80 -> 0.68, first price
            assertEquals(NORTHWIND + "@1.02", auction(server));
            HttpResponse<String> patched = admin(server, "PATCH", "/admin/campaigns/" + NORTHWIND,
                    "{\"bid\": {\"amount\": 1.40}}");
            assertEquals(200, patched.statusCode(), patched.body());
            assertEquals(1.40, JSON.readTree(patched.body()).get("bid").get("amount").asDouble());
            assertEquals(NORTHWIND + "@1.19", auction(server), "1.40 x 0.85, the very next auction");
            assertEquals(200, admin(server, "PATCH", "/admin/campaigns/" + NORTHWIND,
                    "{\"status\": \"paused\"}").statusCode());
            assertEquals("daily-globe-subscriptions@0.68", auction(server));
            assertEquals(200, admin(server, "DELETE", "/admin/campaigns/daily-globe-subscriptions", null)
                    .statusCode());
            assertFalse(auction(server).startsWith("daily-globe"), "a removed campaign no longer bids");
            assertEquals(200, admin(server, "PATCH", "/admin/campaigns/" + NORTHWIND,
                    "{\"status\": \"active\"}").statusCode());
            assertEquals(NORTHWIND + "@1.19", auction(server));
            assertEquals(404, admin(server, "GET", "/admin/campaigns/daily-globe-subscriptions", null).statusCode());
            HttpResponse<String> one = admin(server, "GET", "/admin/campaigns/" + NORTHWIND, null);
            assertEquals(200, one.statusCode(), one.body());
            assertEquals("active", JSON.readTree(one.body()).get("status").asText());
        }
        List<Event> changes = EventLogReader.readAll(dataDir).stream()
                .filter(e -> e.type() == EventType.CATALOGUE_CHANGE).toList();
        assertEquals(4, changes.size(), changes.toString());
        Event first = changes.get(0);
        assertEquals("admin-token", first.string("who"));
        assertEquals("PATCH campaigns[id=" + NORTHWIND + "]", first.string("what"));
        assertEquals(1.2, JSON.readTree(first.string("before")).get("bid").get("amount").asDouble());
        assertEquals(1.4, JSON.readTree(first.string("after")).get("bid").get("amount").asDouble());
        assertEquals("null", changes.get(2).string("after"), "the deleted campaign: nothing after");
        for (Event change : changes) {
            assertFalse(change.toJson().contains(ADMIN_TOKEN), "never the token: " + change.toJson());
        }
    }

    @Test
    void onlyTheAdminTokenMayReadOrChangeTheCatalogue() throws Exception {
        try (MerlinServer server = start()) {
            String patch = "{\"bid\": {\"amount\": 50}}";
            for (String token : new String[] {null, DemoSeller.TOKEN, REPORT_TOKEN, "not-a-token-at-all-x"}) {
                assertEquals(401, send(server, "PATCH", "/admin/campaigns/" + NORTHWIND, token, patch).statusCode(),
                        "token " + token);
                assertEquals(401, send(server, "GET", "/admin/campaigns", token, null).statusCode());
                assertEquals(401, send(server, "POST", "/admin/reload", token, null).statusCode());
            }
            assertEquals(NORTHWIND + "@1.02", auction(server), "nothing changed");
            HttpResponse<String> list = admin(server, "GET", "/admin/advertisers", null);
            assertEquals(200, list.statusCode());
            assertFalse(list.body().contains(REPORT_TOKEN), "report tokens are not shown");
        }
    }

    @Test
    void idsInThePathArePercentDecoded() throws Exception {
        try (MerlinServer server = start()) {
            ObjectNode copy = (ObjectNode) JSON.readTree(admin(server, "GET", "/admin/campaigns/" + NORTHWIND, null)
                    .body());
            copy.put("id", "spring sale+2/jp");
            HttpResponse<String> put = admin(server, "PUT",
                    "/admin/campaigns/spring%20sale%2B2%2Fjp?advertiser=northwind-travel", copy.toString());
            assertEquals(200, put.statusCode(), put.body());
            assertEquals("spring sale+2/jp", JSON.readTree(put.body()).get("id").asText());
            assertEquals(copy.get("bid"), JSON.readTree(admin(server, "GET",
                    "/admin/campaigns/spring%20sale+2%2Fjp", null).body()).get("bid"), "a + in a path is a +");
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                // a client library refuses to send it; a raw socket does
                socket.getOutputStream().write(("GET /admin/campaigns/spring%zzsale HTTP/1.1\r\nHost: merlin\r\n"
                        + "Authorization: Bearer " + ADMIN_TOKEN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                RawHttp.Answer malformed = RawHttp.readAnswer(socket.getInputStream());
                assertEquals(400, malformed.status(), malformed.body());
                assertTrue(malformed.body().contains("percent-encoding"), malformed.body());
            }
            assertEquals(200, admin(server, "DELETE", "/admin/campaigns/spring%20sale%2B2%2Fjp", null).statusCode());
            assertEquals(404, admin(server, "GET", "/admin/campaigns/spring%20sale%2B2%2Fjp", null).statusCode());
        }
    }

    @Test
    void badBodiesAndInvalidValuesAreRefusedWithTheirKeyPathAndChangeNothing() throws Exception {
        try (MerlinServer server = start()) {
            HttpResponse<String> malformed = admin(server, "PATCH", "/admin/campaigns/" + NORTHWIND, "{\"bid\":");
            assertEquals(400, malformed.statusCode(), malformed.body());
            HttpResponse<String> unknownKey = admin(server, "PATCH", "/admin/campaigns/" + NORTHWIND,
                    "{\"targeting\": {}}");
            assertEquals(400, unknownKey.statusCode(), unknownKey.body());
            assertEquals("targeting", JSON.readTree(unknownKey.body()).get("path").asText());
            HttpResponse<String> negative = admin(server, "PATCH", "/admin/campaigns/" + NORTHWIND,
                    "{\"bid\": {\"amount\": -1}}");
            assertEquals(422, negative.statusCode(), negative.body());
            assertEquals("advertisers[id=northwind-travel].campaigns[id=" + NORTHWIND + "].bid.amount",
                    JSON.readTree(negative.body()).get("path").asText());
            HttpResponse<String> put = admin(server, "PUT", "/admin/campaigns/fresh?advertiser=northwind-travel",
                    "{\"bid\": {\"amount\": 2}, \"creatives\": []}");
            assertEquals(422, put.statusCode(), put.body());
            assertEquals("advertisers[id=northwind-travel].campaigns[id=fresh].creatives",
                    JSON.readTree(put.body()).get("path").asText());
            assertEquals(404, admin(server, "PATCH", "/admin/campaigns/nope", "{\"status\": \"paused\"}")
                    .statusCode());
            assertEquals(NORTHWIND + "@1.02", auction(server), "nothing changed");
            assertEquals(2, server.runtime().liveCatalogue().refused());
        }
    }

    @Test
    void theApisChangesSurviveARestartAndAReloadTakesTheFileAgain() throws Exception {
        try (MerlinServer server = start()) {
            assertEquals(200, admin(server, "PATCH", "/admin/campaigns/" + NORTHWIND,
                    "{\"bid\": {\"amount\": 1.40}}").statusCode());
        }
        try (MerlinServer server = start()) {
            assertEquals(NORTHWIND + "@1.19", auction(server), "the change outlived the restart");
            server.runtime().configReload().source(() -> {
                throw new ConfigException("advertisers[0].id", "value is missing");
            });
            HttpResponse<String> refused = admin(server, "POST", "/admin/reload", null);
            assertEquals(422, refused.statusCode(), refused.body());
            assertEquals(NORTHWIND + "@1.19", auction(server), "an invalid file changes nothing");
            server.runtime().configReload().source(ConfigLoader::loadDefault);
            HttpResponse<String> reloaded = admin(server, "POST", "/admin/reload", null);
            assertEquals(200, reloaded.statusCode(), reloaded.body());
            assertTrue(reloaded.body().contains("\"dataDir\""), "a restart-only key is named: " + reloaded.body());
            assertEquals(NORTHWIND + "@1.02", auction(server), "the file's bid again");
        }
        try (MerlinServer server = start()) {
            assertEquals(NORTHWIND + "@1.02", auction(server), "the reload removed the overlay");
        }
    }
    @Test
    void aCampaignsCreativesAreChangedOneByOne() throws Exception {
        try (MerlinServer server = start()) {
            String path = "/admin/campaigns/" + NORTHWIND + "/creatives/";
            HttpResponse<String> list = admin(server, "GET", "/admin/campaigns/" + NORTHWIND + "/creatives", null);
            assertEquals(200, list.statusCode(), list.body());
            assertEquals(3, JSON.readTree(list.body()).size(), list.body());
            String creative = "{\"format\": \"banner\", \"w\": 300, \"h\": 250,"
                    + " \"markup\": \"<a href='${CLICK_URL}'>nw</a>\", \"landingPage\": \"ftp://northwind.example\","
                    + " \"adomain\": [\"northwind.example\"]}";
            HttpResponse<String> refused = admin(server, "PUT", path + "nw-new", creative);
            assertEquals(422, refused.statusCode(), refused.body());
            assertEquals("advertisers[id=northwind-travel].campaigns[id=" + NORTHWIND + "].creatives[id=nw-new]"
                    + ".landingPage", JSON.readTree(refused.body()).get("path").asText());
            HttpResponse<String> put = admin(server, "PUT", path + "nw-new",
                    creative.replace("ftp://", "https://"));
            assertEquals(200, put.statusCode(), put.body());
            assertEquals("nw-new", JSON.readTree(put.body()).get("id").asText());
            assertEquals(200, admin(server, "GET", path + "nw-new", null).statusCode());
            assertEquals(200, admin(server, "DELETE", path + "northwind-728x90", null).statusCode());
            assertEquals(404, admin(server, "GET", path + "northwind-728x90", null).statusCode());
            assertEquals(200, admin(server, "DELETE", path + "nw-new", null).statusCode());
            assertEquals(200, admin(server, "DELETE", path + "northwind-300x600", null).statusCode());
            HttpResponse<String> last = admin(server, "DELETE", path + "northwind-300x250", null);
            assertEquals(422, last.statusCode(), "a campaign keeps at least one creative: " + last.body());
            assertEquals(NORTHWIND + "@1.02", auction(server));
        }
    }
}
