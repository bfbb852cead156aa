package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.merlin.config.AuctionConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.DspConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.dspsim.DspSimulator;
import dev.merlin.dspsim.NoticeKind;
import dev.merlin.dspsim.Price;
import dev.merlin.dspsim.ReceivedRequest;
import dev.merlin.exchange.dsp.DspOutcome;
import dev.merlin.exchange.events.Event;
import dev.merlin.exchange.events.EventLogReader;
import dev.merlin.exchange.events.EventType;
import dev.merlin.exchange.flows.DspDeletions;
import dev.merlin.exchange.flows.FlowAggregate;
import dev.merlin.exchange.flows.FlowKind;
import dev.merlin.exchange.privacy.DataCategories;
import dev.merlin.exchange.privacy.IdentityKeys;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data-flow ledger against what simulated DSPs (real sockets) actually received: N auctions with users in and
 * out of the rollout, with and without ids, eids, IPs, precise locations and segments; the ledger's bid-request
 * counts per (DSP, DSP region, user region, categories) equal the requests each simulator got, classified by the
 * personal data present in the JSON it received, exactly (one DSP on OpenRTB 2.6, one on 2.5, whose eids come under
 * {@code user.ext}); and they survive a restart.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DataFlowsIT {

    static final long NOW = Instant.parse("2026-11-29T10:00:00Z").getEpochSecond();
    static final LocalDate TODAY = LocalDate.ofInstant(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int AUCTIONS = 48;

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static MerlinConfig config(Path dataDir, List<DspConfig> dsps) {
        MerlinConfig config = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L)).withDsps(dsps);
        return config.toBuilder().auction(AuctionConfig.builder().maxTmaxMs(5000).build()).build()
                .validate();
    }

    static DspConfig dsp(String id, String region, DspSimulator sim) {
        return DspConfig.builder().id(id).name("DSP " + id).endpoint(sim.endpoint()).region(region).timeoutMs(5000)
                .connectTimeoutMs(1000).build();
    }

    /** The i-th request: its country, user id, eids, IP, location and segments vary with i. */
    static String request(int i) throws Exception {
        ObjectNode request = (ObjectNode) JSON.readTree(Files.readString(
                Path.of("../examples/requests/iab26spec-simple-banner.json")));
        request.put("id", "flow-" + i);
        request.put("tmax", 5000);
        ObjectNode device = request.putObject("device");
        device.put("ua", "Mozilla/5.0");
        ObjectNode geo = device.putObject("geo");
        String[] countries = {"JPN", "KOR", "FRA", null};
        if (countries[i % 4] != null) {
            geo.put("country", countries[i % 4]);
        }
        geo.put("lat", i % 7 < 3 ? 35.689512 : 35.68).put("lon", 139.69);
        if (i % 11 == 0) {
            geo.put("zip", "100-0001");
        }
        if (i % 2 == 0) {
            device.put("ip", "203.0.113.7");
        }
        ObjectNode user = (ObjectNode) request.get("user");
        if (i % 3 == 0) {
            user.remove("id");
        }
        if (i % 5 == 0) {
            user.putArray("eids").addObject().put("source", "id5-sync.com").putArray("uids").addObject()
                    .put("id", "ID5-abc" + i);
        }
        if (i % 4 == 1) {
            user.putArray("data").addObject().put("id", "seller").putArray("segment").addObject().put("id", "7");
        }
        return JSON.writeValueAsString(request);
    }

    /** The personal data present in a bid request as a DSP received it, read from its JSON alone. */
    static int categoriesIn(JsonNode sent) {
        int categories = DataCategories.NONE;
        JsonNode user = sent.path("user");
        JsonNode device = sent.path("device");
        for (String id : List.of("ifa", "didsha1", "didmd5", "dpidsha1", "dpidmd5", "macsha1", "macmd5")) {
            if (device.has(id)) {
                categories |= DataCategories.IDS;
            }
        }
        if (user.has("id") || user.has("buyeruid")) {
            categories |= DataCategories.IDS;
        }
        if (user.path("eids").size() > 0 || user.path("ext").path("eids").size() > 0) {
            categories |= DataCategories.EIDS;
        }
        if (device.has("ip") && !device.get("ip").asText().endsWith(".0")) {
            categories |= DataCategories.IP;
        }
        if (isPrecise(device.path("geo")) || isPrecise(user.path("geo"))) {
            categories |= DataCategories.PRECISE_GEO;
        }
        for (String audience : List.of("data", "keywords", "kwarray", "yob", "gender", "customdata")) {
            if (user.has(audience)) {
                categories |= DataCategories.SEGMENTS;
            }
        }
        return categories;
    }

    private static boolean isPrecise(JsonNode geo) {
        if (geo.has("zip") || geo.has("accuracy") || geo.has("lastfix")) {
            return true;
        }
        for (String coordinate : List.of("lat", "lon")) {
            if (geo.has(coordinate)) {
                double hundredths = geo.get(coordinate).asDouble() * 100;
                if (Math.abs(hundredths - Math.rint(hundredths)) > 1e-6) {
                    return true;
                }
            }
        }
        return false;
    }

    private HttpResponse<String> post(MerlinServer server, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + "/openrtb2/auction"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + DemoSeller.TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The ledger's bid requests as {@code dsp/dspRegion/userRegion/categories -> count}. */
    private static Map<String, Long> ledgered(List<FlowAggregate.Row> rows) {
        Map<String, Long> counts = new TreeMap<>();
        for (FlowAggregate.Row row : rows) {
            assertEquals(TODAY, row.day());
            if (row.kind() == FlowKind.BID_REQUEST) {
                counts.merge(row.dsp() + "/" + row.dspRegion() + "/" + row.userRegion() + "/"
                        + DataCategories.label(row.categories()), row.count(), Long::sum);
            }
        }
        return counts;
    }

    @Test
    void theLedgerEqualsWhatTheDspsReceivedAndSurvivesARestart(@TempDir Path dataDir) throws Exception {
        Map<String, Long> received = new TreeMap<>();
        try (DspSimulator tokyo = DspSimulator.builder().price(Price.fixed(2.0)).recordLastRequest(true).start();
             DspSimulator berlin = DspSimulator.builder().price(Price.fixed(1.0)).recordLastRequest(true).start()) {
            int closedPort;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closedPort = socket.getLocalPort();
            }
            DspConfig nowhere = dsp("nowhere", "USA", tokyo).withEndpoint("http://127.0.0.1:" + closedPort + "/bid");
            DspConfig b = dsp("berlin", "DEU", berlin);
            DspConfig openRtb25 = b.toBuilder().openrtb("2.5").build();
            List<DspConfig> dsps = List.of(dsp("tokyo", "JPN", tokyo), openRtb25, nowhere);
            try (MerlinServer server = new MerlinServer(config(dataDir, dsps), () -> NOW).start()) {
                for (int i = 0; i < AUCTIONS; i++) {
                    String body = request(i);
                    HttpResponse<String> response = post(server, body);
                    assertTrue(response.statusCode() == 200 || response.statusCode() == 204, response.body());
                    JsonNode geo = JSON.readTree(body).path("device").path("geo");
                    String region = geo.has("country") ? geo.get("country").asText() : "??";
                    tally(received, "tokyo/JPN/" + region, tokyo, i);
                    tally(received, "berlin/DEU/" + region, berlin, i);
                }
                assertTrue(server.runtime().dsps().get(2).metrics().outcomes(DspOutcome.CONNECT_FAILED) >= 1,
                        "the DSP nobody listens for was tried");
                assertEquals(List.of(), server.runtime().flows().rows(TODAY, TODAY, "nowhere"),
                        "a request that could not connect never left Merlin: not a flow");
                assertEquals(AUCTIONS, tokyo.stats().requests());
                assertEquals(AUCTIONS, berlin.stats().requests());
                assertTrue(received.keySet().stream().anyMatch(k -> k.endsWith("/none")),
                        "some requests went out contextual: " + received);
                assertTrue(received.keySet().stream().anyMatch(k -> k.contains("ids+eids+ip")),
                        "some carried ids, eids and the IP: " + received);
                assertEquals(received, ledgered(server.runtime().flows().rows(TODAY, TODAY, null)));
                assertEquals(AUCTIONS, server.runtime().flows().rows(TODAY, TODAY, "berlin").stream()
                        .filter(r -> r.kind() == FlowKind.BID_REQUEST).mapToLong(FlowAggregate.Row::count).sum());
                theReportShowsIt(server, received);
                noticesAreCountedAsTheDspsReceivedThem(server, List.of(tokyo, berlin), List.of("tokyo", "berlin"));
                berlinsLossNoticesAreCountedUnderEachAuctionsUserRegion(server, received);
            }
            try (MerlinServer restarted = new MerlinServer(config(dataDir, dsps), () -> NOW).start()) {
                assertEquals(received, ledgered(restarted.runtime().flows().rows(TODAY, TODAY, null)),
                        "the aggregate survives a restart");
                assertEquals(Map.of(), ledgered(restarted.runtime().flows().rows(TODAY.plusDays(1),
                        TODAY.plusDays(3), null)), "nothing on other days");
            }
            Map<String, Long> logged = new TreeMap<>();
            for (Event event : EventLogReader.readAll(dataDir)) {
                if (event.type() == EventType.DATA_FLOW && event.string("k").equals("bid_request")) {
                    assertEquals(NOW * 1000L, event.epochMillis());
                    logged.merge(event.string("dsp") + "/" + event.string("dr") + "/" + event.string("ur") + "/"
                            + DataCategories.label((int) event.longValue("cat")), 1L, Long::sum);
                }
            }
            assertEquals(received, logged, "one event log record per flow, as the aggregate counts");
        }
    }

    @Test
    void aUserSeesWhoReceivedTheirDataAndErasureAsksThoseDspsToDeleteOnce(@TempDir Path dataDir) throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        List<String> otherCalls = new CopyOnWriteArrayList<>();
        AtomicInteger failuresLeft = new AtomicInteger(1);
        HttpServer deletions = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        deletions.createContext("/tokyo", exchange -> {
            calls.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(failuresLeft.getAndDecrement() > 0 ? 503 : 204, -1);
            exchange.close();
        });
        deletions.createContext("/disabled", exchange -> {
            otherCalls.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        deletions.start();
        String base = "http://127.0.0.1:" + deletions.getAddress().getPort();
        String uid = "55816b39711f9b5acf3b90e313ed29e51665623f";
        try (DspSimulator tokyo = DspSimulator.builder().price(Price.fixed(0.01)).start()) {
            DspConfig called = dsp("tokyo", "JPN", tokyo).toBuilder().deletionEndpoint(base + "/tokyo").build();
            DspConfig d = dsp("idle", "DEU", tokyo);
            DspConfig disabled = DspConfig.builder().id(d.id()).name(d.name()).endpoint(d.endpoint()).region(d.region())
                    .enabled(false).deletionEndpoint(base + "/disabled").build();
            try (MerlinServer server = new MerlinServer(config(dataDir, List.of(called, disabled)), () -> NOW)
                    .start()) {
                String admin = ConfigLoader.loadDefault().tracking().adminToken();
                assertEquals(200, post(server, request(4)).statusCode(), "JPN, user id, IP: personal data");
                assertEquals(200, post(server, request(8)).statusCode());
                JsonNode held = JSON.readTree(get(server, "/privacy/users/" + uid, admin).body());
                JsonNode recipients = held.get("recipients");
                assertEquals(1, recipients.size(), held.toString());
                assertEquals("tokyo", recipients.get(0).get("dsp").asText());
                assertEquals("JPN", recipients.get(0).get("region").asText());
                assertTrue(recipients.get(0).get("categories").toString().contains("ids"), held.toString());
                assertEquals(Instant.ofEpochSecond(NOW).toString(), recipients.get(0).get("first").asText());
                assertEquals(false, held.get("recipientsTruncated").asBoolean());

                HttpRequest delete = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + "/privacy/users/" + uid)).header("Authorization", "Bearer " + admin).DELETE().build();
                HttpResponse<String> erased = client.send(delete, HttpResponse.BodyHandlers.ofString());
                assertEquals(200, erased.statusCode(), erased.body());
                assertEquals(1, JSON.readTree(erased.body()).get("dspsAskedToDelete").asInt(), erased.body());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (server.runtime().deletions().count(DspDeletions.Outcome.SENT) < 1) {
                    assertTrue(System.nanoTime() < deadline, "the deletion call was not retried: " + calls);
                    Thread.sleep(20);
                }
                assertEquals(2, calls.size(), "one failed attempt, then one that took: " + calls);
                assertEquals(IdentityKeys.load(ConfigLoader.loadDefault(), dataDir).pairwiseIds().of("tokyo", uid),
                        JSON.readTree(calls.get(1)).get("user").get("id").asText(), "the id the DSP was sent");
                assertEquals(List.of(), otherCalls, "a DSP that received nothing of the user is not asked");
                JsonNode after = JSON.readTree(get(server, "/privacy/users/" + uid, admin).body());
                assertEquals(0, after.get("recipients").size(), after.toString());
            }
        } finally {
            deletions.stop(0);
        }
    }

    @Test
    void anOptOutAsksTheDspsThatReceivedTheBrowsersDataToDelete(@TempDir Path dataDir) throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        HttpServer deletions = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        deletions.createContext("/delete", exchange -> {
            calls.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        deletions.start();
        try (DspSimulator tokyo = DspSimulator.builder().price(Price.fixed(0.01)).start();
             MerlinServer server = new MerlinServer(config(dataDir, List.of(dsp("tokyo", "JPN", tokyo).toBuilder()
                     .deletionEndpoint("http://127.0.0.1:" + deletions.getAddress().getPort() + "/delete").build())),
                     () -> NOW).start()) {
            String uid = server.runtime().uidCookies().issue();
            ObjectNode request = (ObjectNode) JSON.readTree(request(4));
            ((ObjectNode) request.get("user")).put("buyeruid", uid);
            assertEquals(200, post(server, JSON.writeValueAsString(request)).statusCode());
            HttpRequest seen = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/privacy/users/" + uid)).header("Cookie", "uid=" + uid).GET().build();
            JsonNode held = JSON.readTree(client.send(seen, HttpResponse.BodyHandlers.ofString()).body());
            assertEquals("tokyo", held.get("recipients").get(0).get("dsp").asText(), "the browser sees it itself");
            HttpRequest optOut = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/optout"))
                    .header("Cookie", "uid=" + uid).GET().build();
            assertEquals(200, client.send(optOut, HttpResponse.BodyHandlers.ofString()).statusCode());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (server.runtime().deletions().count(DspDeletions.Outcome.SENT) < 1) {
                assertTrue(System.nanoTime() < deadline, "no deletion call after the opt-out");
                Thread.sleep(20);
            }
            assertEquals(1, calls.size(), calls.toString());
            JsonNode call = JSON.readTree(calls.get(0));
            assertEquals(IdentityKeys.load(ConfigLoader.loadDefault(), dataDir).pairwiseIds().of("tokyo", uid),
                    call.get("user").get("id").asText(), "the pairwise id the DSP was sent, not Merlin's uid");
            assertEquals("optout", call.get("reason").asText());
        } finally {
            deletions.stop(0);
        }
    }

    private HttpResponse<String> get(MerlinServer server, String pathAndQuery, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + pathAndQuery)).timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Berlin bids under Tokyo in every auction, so it is sent one loss notice per auction: the ledger counts them
     * under the user region of the auction they are about, as many per region as Berlin had bid requests there.
     */
    private static void berlinsLossNoticesAreCountedUnderEachAuctionsUserRegion(MerlinServer server,
                                                                                Map<String, Long> received) {
        Map<String, Long> requests = new TreeMap<>();
        received.forEach((key, count) -> {
            String[] fields = key.split("/");
            if (fields[0].equals("berlin")) {
                requests.merge(fields[2], count, Long::sum);
            }
        });
        Map<String, Long> notices = new TreeMap<>();
        for (FlowAggregate.Row row : server.runtime().flows().rows(TODAY, TODAY, "berlin")) {
            if (row.kind() == FlowKind.NOTICE) {
                notices.merge(row.userRegion(), row.count(), Long::sum);
            }
        }
        assertTrue(requests.size() > 1, "the requests came from several regions: " + requests);
        assertEquals(requests, notices);
    }

    /** Every notice a DSP received is a notice flow in the ledger, with no personal data, on the clock's day. */
    private static void noticesAreCountedAsTheDspsReceivedThem(MerlinServer server, List<DspSimulator> sims,
                                                               List<String> ids) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long total = 0;
        for (int d = 0; d < sims.size(); d++) {
            long ledgered = -1;
            long received = -2;
            while (ledgered != received) {
                assertTrue(System.nanoTime() < deadline, ids.get(d) + ": ledger " + ledgered + ", DSP " + received);
                Thread.sleep(20);
                received = 0;
                for (NoticeKind kind : NoticeKind.values()) {
                    received += sims.get(d).stats().notices(kind);
                }
                ledgered = 0;
                for (FlowAggregate.Row row : server.runtime().flows().rows(TODAY, TODAY, ids.get(d))) {
                    if (row.kind() == FlowKind.NOTICE) {
                        assertEquals(DataCategories.NONE, row.categories());
                        ledgered += row.count();
                    }
                }
            }
            total += ledgered;
        }
        assertTrue(total > 0, "the losing DSPs were sent their loss notices");
    }

    /** {@code /privacy/data-flows}: the same counts as JSON and CSV, per DSP, refused without the admin token. */
    private void theReportShowsIt(MerlinServer server, Map<String, Long> received) throws Exception {
        String admin = ConfigLoader.loadDefault().tracking().adminToken();
        String day = "from=" + TODAY + "&to=" + TODAY;
        HttpResponse<String> json = get(server, "/privacy/data-flows?" + day, admin);
        assertEquals(200, json.statusCode(), json.body());
        Map<String, Long> reported = new TreeMap<>();
        JsonNode report = JSON.readTree(json.body());
        for (JsonNode row : report.get("rows")) {
            if (row.get("kind").asText().equals("bid_request")) {
                List<String> labels = new ArrayList<>();
                row.get("categories").forEach(c -> labels.add(c.asText()));
                reported.merge(row.get("dsp").asText() + "/" + row.get("dspRegion").asText() + "/"
                        + row.get("userRegion").asText() + "/" + (labels.isEmpty() ? "none" : String.join("+",
                        labels)), row.get("count").asLong(), Long::sum);
            }
        }
        assertEquals(received, reported);
        assertEquals(2L * AUCTIONS, report.get("totals").get("bid_request").asLong());

        HttpResponse<String> csv = get(server, "/privacy/data-flows?" + day + "&dsp=tokyo&format=csv", admin);
        assertEquals(200, csv.statusCode(), csv.body());
        assertTrue(csv.headers().firstValue("content-type").orElse("").startsWith("text/csv"));
        String[] lines = csv.body().split("\n");
        assertEquals("day,user_region,dsp,dsp_region,categories,kind,count", lines[0]);
        Map<String, Long> csvCounts = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",");
            assertEquals(TODAY.toString(), f[0]);
            assertEquals("tokyo", f[2], "the per-DSP view holds that DSP only");
            if (f[5].equals("bid_request")) {
                csvCounts.merge(f[2] + "/" + f[3] + "/" + f[1] + "/" + f[4], Long.parseLong(f[6]), Long::sum);
            }
        }
        Map<String, Long> tokyoOnly = new TreeMap<>(received);
        tokyoOnly.keySet().removeIf(k -> !k.startsWith("tokyo/"));
        assertEquals(tokyoOnly, csvCounts);

        assertEquals(401, get(server, "/privacy/data-flows?" + day, null).statusCode(), "no token");
        assertEquals(401, get(server, "/privacy/data-flows?" + day, admin + "x").statusCode(), "a wrong token");
        assertEquals(401, get(server, "/privacy/data-flows?" + day, DemoSeller.TOKEN).statusCode(),
                "a seller's token is not the admin's");
        HttpResponse<String> badDate = get(server, "/privacy/data-flows?from=2026-13-01&to=" + TODAY, admin);
        assertEquals(400, badDate.statusCode());
        assertTrue(badDate.body().contains("from must be a date"), badDate.body());
        HttpResponse<String> reversed = get(server, "/privacy/data-flows?from=" + TODAY + "&to=2026-01-01", admin);
        assertEquals(400, reversed.statusCode());
        HttpResponse<String> tooLong = get(server, "/privacy/data-flows?from=2020-01-01&to=" + TODAY, admin);
        assertEquals(400, tooLong.statusCode());
        assertTrue(tooLong.body().contains("400 days"), tooLong.body());
        HttpResponse<String> badFormat = get(server, "/privacy/data-flows?format=xml", admin);
        assertEquals(400, badFormat.statusCode());
        assertTrue(badFormat.body().contains("format"), badFormat.body());
        HttpResponse<String> unknown = get(server, "/privacy/data-flows?dsp=nobody", admin);
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("nobody"), unknown.body());
    }

    /** Counts the request the simulator just received under its categories; checks it was the i-th one. */
    private static void tally(Map<String, Long> received, String prefix, DspSimulator sim, int i) throws Exception {
        ReceivedRequest last = sim.stats().lastRequest();
        assertNotNull(last);
        JsonNode sent = JSON.readTree(last.body());
        assertEquals("flow-" + i, sent.get("id").asText(), "the simulator's last request is this auction's");
        received.merge(prefix + "/" + DataCategories.label(categoriesIn(sent)), 1L, Long::sum);
    }
}
