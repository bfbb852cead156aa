package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.DspConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.dspsim.DspSimulator;
import dev.merlin.dspsim.Fault;
import dev.merlin.dspsim.Price;
import dev.merlin.exchange.dsp.ConnectedDsp;
import dev.merlin.exchange.dsp.DspOutcome;
import dev.merlin.exchange.http.RecordingLeakDetector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merlin as an exchange, end to end over loopback: simulated DSPs on real sockets bid in the same auction as the
 * demo's campaigns; a DSP that never answers, resets, answers 5xx, garbage, 10 MB or wrong ids costs the seller
 * nothing but that DSP's bid, and no buffer leaks.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DspExchangeIT {

    private static final long NOW = Instant.parse("2026-11-29T10:00:00Z").getEpochSecond();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static MerlinConfig config(Path dataDir, List<DspConfig> dsps) {
        return ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L)).withDsps(dsps).validate();
    }

    private static DspConfig dsp(String id, DspSimulator sim) {
        return DspConfig.of(id, "DSP " + id, sim.endpoint(), "JPN");
    }

    private static String banner(int tmax) throws Exception {
        ObjectNode request = (ObjectNode) JSON.readTree(Files.readString(
                Path.of("../examples/requests/iab26spec-simple-banner.json")));
        request.put("tmax", tmax);
        return JSON.writeValueAsString(request);
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

    private static List<JsonNode> bids(String body) throws Exception {
        List<JsonNode> bids = new ArrayList<>();
        for (JsonNode seatBid : JSON.readTree(body).get("seatbid")) {
            for (JsonNode bid : seatBid.get("bid")) {
                bids.add(bid);
            }
        }
        return bids;
    }

    @Test
    void aDspOutbiddingTheCampaignsWinsAndSeesMerlinInTheSupplyChain(@TempDir Path dataDir) throws Exception {
        try (DspSimulator rich = DspSimulator.builder().price(Price.fixed(40.0)).advertiserDomain("rich.example")
                .recordLastRequest(true).start();
             DspSimulator poor = DspSimulator.builder().price(Price.fixed(0.05)).advertiserDomain("poor.example")
                     .recordLastRequest(true).start();
             MerlinServer server = new MerlinServer(config(dataDir, List.of(dsp("rich", rich), dsp("poor", poor))),
                     () -> NOW).start()) {
            HttpResponse<String> response = post(server, banner(1000));
            assertEquals(200, response.statusCode(), response.body());
            List<JsonNode> bids = bids(response.body());
            assertEquals(1, bids.size(), response.body());
            JsonNode bid = bids.get(0);
            assertEquals("rich.example", bid.get("adomain").get(0).asText(), response.body());
            assertTrue(bid.get("nurl").asText().startsWith("http://127.0.0.1:8080/"),
                    "the seller gets Merlin's own notice links: " + bid.get("nurl"));
            assertEquals(1, rich.stats().requests());
            assertEquals(1, poor.stats().requests());
            JsonNode sent = JSON.readTree(rich.stats().lastRequest().body());
            int toldTmax = sent.get("tmax").asInt();
            assertTrue(toldTmax > 0 && toldTmax < 1000, "a DSP is told less than the seller's tmax: " + toldTmax);
            JsonNode nodes = sent.get("source").get("schain").get("nodes");
            JsonNode merlin = nodes.get(nodes.size() - 1);
            assertEquals("merlin.example", merlin.get("asi").asText());
            assertEquals("demo-ssp", merlin.get("sid").asText());
            assertEquals("55816b39711f9b5acf3b90e313ed29e51665623f", sent.get("user").get("id").asText(),
                    "consent allows it here: the user id goes out");
        }
    }

    @Test
    void aDspThatNeverAnswersCostsTheSellerOnlyItsBid(@TempDir Path dataDir) throws Exception {
        try (DspSimulator mute = DspSimulator.builder().fault(Fault.NEVER_ANSWER, 1.0).start();
             MerlinServer server = new MerlinServer(config(dataDir, List.of(dsp("mute", mute))), () -> NOW)
                     .start()) {
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                HttpResponse<String> response = post(server, banner(120));
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(response.statusCode() == 200 || response.statusCode() == 204, response.body());
                assertTrue(tookMillis < 10_000, "answered, not held until the client gives up: " + tookMillis);
            }
            ConnectedDsp dsp = server.runtime().dsps().get(0);
            assertTrue(mute.stats().requests() >= 1, "the DSP was called");
            assertEquals(dsp.metrics().requests(), dsp.metrics().outcomes(DspOutcome.TIMEOUT),
                    "every call to it timed out and was counted");
        }
    }

    @Test
    void faultyDspsNeverBreakTheAuctionNorLeak(@TempDir Path dataDir) throws Exception {
        List<DspSimulator> sims = new ArrayList<>();
        List<DspConfig> dsps = new ArrayList<>();
        Fault[] faults = {Fault.RESET, Fault.SERVER_ERROR, Fault.GARBAGE, Fault.HUGE_BODY, Fault.WRONG_RESPONSE_ID,
            Fault.WRONG_IMP_ID, Fault.SLOW};
        try {
            for (Fault fault : faults) {
                DspSimulator sim = DspSimulator.builder().fault(fault, 1.0).slowMillis(2_000)
                        .price(Price.fixed(40.0)).start();
                sims.add(sim);
                dsps.add(dsp(fault.cliName(), sim));
            }
            try (MerlinServer server = new MerlinServer(config(dataDir, dsps), () -> NOW).start()) {
                for (int i = 0; i < 10; i++) {
                    HttpResponse<String> response = post(server, banner(150));
                    assertTrue(response.statusCode() == 200 || response.statusCode() == 204, response.body());
                    if (response.statusCode() == 200) {
                        for (JsonNode bid : bids(response.body())) {
                            assertFalse(bid.path("adomain").toString().contains("dsp-sim"),
                                    "no faulty DSP's bid got through: " + bid);
                        }
                    }
                }
                for (int i = 0; i < faults.length; i++) {
                    assertTrue(sims.get(i).stats().requests() >= 1, faults[i] + " was called");
                }
                List<ConnectedDsp> connected = server.runtime().dsps();
                assertTrue(connected.get(0).metrics().outcomes(DspOutcome.RESET) >= 1, "reset counted");
                assertTrue(connected.get(1).metrics().outcomes(DspOutcome.SERVER_ERROR) >= 1, "5xx counted");
                assertTrue(connected.get(3).metrics().outcomes(DspOutcome.TOO_LARGE) >= 1, "10 MB counted");
                assertTrue(connected.get(6).metrics().outcomes(DspOutcome.TIMEOUT) >= 1, "slow counted");
            }
        } finally {
            sims.forEach(DspSimulator::close);
        }
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }
}
