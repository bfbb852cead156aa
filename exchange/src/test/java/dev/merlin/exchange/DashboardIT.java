package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard over real HTTP, without a browser: who may read its data, what it serves, the stage timers it shows
 * and exports (an auction with a DSP times every stage, the DSP wait included), and the Grafana dashboard in the
 * repository asks only for metrics Merlin exports.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DashboardIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = ConfigLoader.loadDefault().tracking().adminToken();
    private static final int AUCTIONS = 12;
    private static final Pattern METRIC = Pattern.compile("merlin_[a-z_]+");

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void theDataIsTheAdminsTheStagesAreTimedAndGrafanaAsksForWhatIsExported(@TempDir Path dataDir) throws Exception {
        try (DspSimulator sim = DspSimulator.builder().price(Price.fixed(0.5)).start()) {
            DspConfig dsp = DspConfig.builder().id("tokyo").name("DSP tokyo").endpoint(sim.endpoint()).region("JPN")
                    .timeoutMs(5000).connectTimeoutMs(1000).build();
            MerlinConfig config = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                    .withStores(StoresConfig.small(10_000L)).withDsps(List.of(dsp));
            config = config.toBuilder().auction(AuctionConfig.builder().maxTmaxMs(5000).build())
                    .build().validate();
            try (MerlinServer server = new MerlinServer(config).start()) {
                String base = "http://127.0.0.1:" + server.port();
                for (int i = 0; i < AUCTIONS; i++) {
                    ObjectNode request = (ObjectNode) JSON.readTree(Files.readString(
                            Path.of("../examples/requests/iab26spec-simple-banner.json")));
                    request.put("id", "dash-" + i).put("tmax", 5000);
                    HttpResponse<String> answer = send(HttpRequest.newBuilder(URI.create(base + "/openrtb2/auction"))
                            .header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + DemoSeller.TOKEN)
                            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request))));
                    assertEquals(200, answer.statusCode(), answer.body());
                }
                assertEquals(AUCTIONS, sim.stats().requests(), "each auction called the DSP");
                // the sampler's own thread may have folded the times already; one more sample takes the rest
                server.runtime().dashboard().sample();
                whoMayReadAndWhatIsServed(base);
                theDataShowsEveryStage(base);
                theStagesAreExported(base);
                grafanaAsksOnlyForExportedMetrics(server);
                aBudgetChangedWhileRunningIsTheOneShown(base, server);
            }
        }
    }

    private void aBudgetChangedWhileRunningIsTheOneShown(String base, MerlinServer server) throws Exception {
        JsonNode top = JSON.readTree(get(base + "/dashboard/data", ADMIN).body()).get("campaigns").get(0);
        String campaign = top.get("campaign").asText();
        assertTrue(top.get("spentToday").asDouble() > 0, "the auctions' winner spends: " + top);
        assertTrue(top.get("dailyBudget").isNull() || top.get("dailyBudget").asDouble() != 777, top.toString());
        HttpResponse<String> patched = send(HttpRequest.newBuilder(URI.create(base + "/admin/campaigns/" + campaign))
                .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"dailyBudget\": 777}")));
        assertEquals(200, patched.statusCode(), patched.body());
        server.runtime().dashboard().sample();
        JsonNode row = null;
        for (JsonNode candidate : JSON.readTree(get(base + "/dashboard/data", ADMIN).body()).get("campaigns")) {
            if (candidate.get("campaign").asText().equals(campaign)) {
                row = candidate;
            }
        }
        assertEquals(777.0, row.get("dailyBudget").asDouble(), "the budget the admin API set: " + row);
    }

    private void whoMayReadAndWhatIsServed(String base) throws Exception {
        assertEquals(401, get(base + "/dashboard/data", null).statusCode());
        assertEquals(401, get(base + "/dashboard/data", DemoSeller.TOKEN).statusCode(), "a seller's token");
        assertEquals(401, get(base + "/dashboard/data", "demo-kaze-report-token").statusCode(), "a report token");
        HttpResponse<String> page = get(base + "/dashboard", null);
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"), csp);
        assertTrue(page.body().contains("/dashboard/uPlot.iife.min.js"), "uPlot comes from Merlin itself");
        assertTrue(!page.body().contains("http://") && !page.body().contains("https://"), "nothing from elsewhere");
        HttpResponse<String> uplot = get(base + "/dashboard/uPlot.iife.min.js", null);
        assertEquals(200, uplot.statusCode());
        assertTrue(uplot.body().contains("uPlot"), "the webjar's script");
        assertEquals(200, get(base + "/dashboard/advertiser", null).statusCode());
        assertEquals(404, get(base + "/dashboard/../metrics", null).statusCode());
        assertEquals(404, get(base + "/dashboard/nothing.js", null).statusCode());
    }

    private void theDataShowsEveryStage(String base) throws Exception {
        HttpResponse<String> data = get(base + "/dashboard/data", ADMIN);
        assertEquals(200, data.statusCode(), data.body());
        JsonNode tree = JSON.readTree(data.body());
        assertEquals(AUCTIONS, tree.get("totals").get("bidRequests").asLong());
        JsonNode p99 = null;
        for (JsonNode panel : tree.get("panels")) {
            if (panel.get("id").asText().equals("stages_p99")) {
                p99 = panel.get("series");
            }
        }
        for (String stage : List.of("decode", "privacy", "segments", "auction", "dsp_wait", "record", "encode",
                "write")) {
            JsonNode values = p99.get(stage);
            double peak = 0;
            for (JsonNode value : values) {
                peak = Math.max(peak, value.asDouble(0));
            }
            assertTrue(peak > 0, stage + " was timed in some second: " + values);
        }
    }

    private void theStagesAreExported(String base) throws Exception {
        String metrics = get(base + "/metrics", null).body();
        for (String stage : List.of("decode", "privacy", "segments", "auction", "dsp_wait", "record", "encode")) {
            assertTrue(metrics.contains("merlin_stage_seconds_count{stage=\"" + stage + "\"} " + AUCTIONS), stage
                    + ": one time per auction in\n" + metrics.lines().filter(l -> l.contains("stage_seconds_count"))
                    .toList());
        }
    }

    /** Every family registered, with or without data points yet (a labelled counter shows none until used). */
    private static void grafanaAsksOnlyForExportedMetrics(MerlinServer server) throws Exception {
        JsonNode grafana = JSON.readTree(Files.readString(Path.of("../grafana/merlin-dashboard.json")));
        Set<String> families = new TreeSet<>();
        for (MetricSnapshot snapshot : server.metrics().registry().scrape()) {
            families.add(snapshot.getMetadata().getPrometheusName());
        }
        Set<String> asked = new TreeSet<>();
        for (JsonNode panel : grafana.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                Matcher m = METRIC.matcher(target.get("expr").asText());
                while (m.find()) {
                    asked.add(m.group());
                }
            }
        }
        assertTrue(asked.size() >= 12, "the dashboard asks for Merlin's metrics: " + asked);
        for (String name : asked) {
            String family = name.replaceAll("_(bucket|count|sum)$", "");
            assertTrue(families.contains(family) || families.contains(family.replaceAll("_total$", "")),
                    "Grafana asks for " + name + ", which Merlin does not export: " + families);
        }
    }

    private HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(request);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
