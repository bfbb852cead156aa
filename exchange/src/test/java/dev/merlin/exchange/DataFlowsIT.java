package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.merlin.config.AuctionConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.DspConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.dspsim.DspSimulator;
import dev.merlin.dspsim.Price;
import dev.merlin.dspsim.ReceivedRequest;
import dev.merlin.exchange.flows.FlowAggregate;
import dev.merlin.exchange.flows.FlowKind;
import dev.merlin.exchange.privacy.DataCategories;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data-flow ledger against what simulated DSPs (real sockets) actually received: N auctions with users in and
 * out of the rollout, with and without ids, eids, IPs, precise locations and segments; the ledger's bid-request
 * counts per (DSP, DSP region, user region, categories) equal the requests each simulator got, classified by the
 * personal data present in the JSON it received, exactly; and they survive a restart.
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
        return config.toBuilder().auction(new AuctionConfig(null, 5000, null, null, null, null, null, null)).build()
                .validate();
    }

    static DspConfig dsp(String id, String region, DspSimulator sim) {
        return new DspConfig(id, "DSP " + id, sim.endpoint(), region, null, null, null, null, 5000, 1000, null, null,
                null, null, null, null, null);
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
        try (DspSimulator tokyo = DspSimulator.builder().price(Price.fixed(0.01)).recordLastRequest(true).start();
             DspSimulator berlin = DspSimulator.builder().price(Price.fixed(0.01)).recordLastRequest(true).start()) {
            List<DspConfig> dsps = List.of(dsp("tokyo", "JPN", tokyo), dsp("berlin", "DEU", berlin));
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
                assertEquals(AUCTIONS, tokyo.stats().requests());
                assertEquals(AUCTIONS, berlin.stats().requests());
                assertTrue(received.keySet().stream().anyMatch(k -> k.endsWith("/none")),
                        "some requests went out contextual: " + received);
                assertTrue(received.keySet().stream().anyMatch(k -> k.contains("ids+eids+ip")),
                        "some carried ids, eids and the IP: " + received);
                assertEquals(received, ledgered(server.runtime().flows().rows(TODAY, TODAY, null)));
                assertEquals(AUCTIONS, server.runtime().flows().rows(TODAY, TODAY, "berlin").stream()
                        .filter(r -> r.kind() == FlowKind.BID_REQUEST).mapToLong(FlowAggregate.Row::count).sum());
            }
            try (MerlinServer restarted = new MerlinServer(config(dataDir, dsps), () -> NOW).start()) {
                assertEquals(received, ledgered(restarted.runtime().flows().rows(TODAY, TODAY, null)),
                        "the aggregate survives a restart");
                assertEquals(Map.of(), ledgered(restarted.runtime().flows().rows(TODAY.plusDays(1),
                        TODAY.plusDays(3), null)), "nothing on other days");
            }
        }
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
