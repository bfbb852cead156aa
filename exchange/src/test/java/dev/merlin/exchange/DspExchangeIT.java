package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.merlin.config.AuctionConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.DspConfig;
import dev.merlin.config.HoldoutConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.PrivacyConfig;
import dev.merlin.config.ResidencyRule;
import dev.merlin.config.StoresConfig;
import dev.merlin.dspsim.DspSimulator;
import dev.merlin.dspsim.Fault;
import dev.merlin.dspsim.Price;
import dev.merlin.exchange.dsp.BidRejection;
import dev.merlin.exchange.dsp.ConnectedDsp;
import dev.merlin.exchange.dsp.DspOutcome;
import dev.merlin.exchange.http.RecordingLeakDetector;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.Holdout;
import dev.merlin.exchange.privacy.IdentityKeys;
import dev.merlin.exchange.privacy.PairwiseIds;
import dev.merlin.exchange.privacy.RefusalReason;
import dev.merlin.exchange.transport.TestTransports;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Merlin as an exchange, end to end over loopback: simulated DSPs on real sockets bid in the same auction as the
 * demo's campaigns; a DSP that never answers, resets, answers 5xx, garbage, 10 MB or wrong ids costs the seller
 * nothing but that DSP's bid, and no buffer leaks. On each transport Merlin can run on ({@code server.transport}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"io_uring", "epoll", "nio"})
class DspExchangeIT {

    private static final long NOW = Instant.parse("2026-11-29T10:00:00Z").getEpochSecond();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameter
    String transportName;

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** Up to 5 s per auction: on a loaded 2-core machine a cold JVM's first calls are slow; time is not tested here. */
    private MerlinConfig config(Path dataDir, List<DspConfig> dsps) {
        TestTransports.assumeAvailable(transportName);
        MerlinConfig config = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L)).withDsps(dsps);
        return config.toBuilder().auction(AuctionConfig.builder().maxTmaxMs(5000).build())
                .server(config.server().toBuilder().transport(transportName).build()).build().validate();
    }

    private static DspConfig dsp(String id, DspSimulator sim) {
        return DspConfig.builder().id(id).name("DSP " + id).endpoint(sim.endpoint()).region("JPN").timeoutMs(5000)
                .connectTimeoutMs(1000).build();
    }

    private static String banner(int tmax) throws Exception {
        ObjectNode request = (ObjectNode) JSON.readTree(Files.readString(
                Path.of("../examples/requests/iab26spec-simple-banner.json")));
        request.put("tmax", tmax);
        return JSON.writeValueAsString(request);
    }

    private HttpResponse<String> post(MerlinServer server, String body) throws Exception {
        return client.send(auctionRequest(server, body), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest auctionRequest(MerlinServer server, String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/openrtb2/auction"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + DemoSeller.TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
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
            assertEquals(transportName, server.transport());
            HttpResponse<String> response = post(server, banner(5000));
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
            assertTrue(toldTmax > 0 && toldTmax < 5000, "a DSP is told less than the seller's tmax: " + toldTmax);
            JsonNode nodes = sent.get("source").get("schain").get("nodes");
            JsonNode merlin = nodes.get(nodes.size() - 1);
            assertEquals("merlin.example", merlin.get("asi").asText());
            assertEquals("demo-ssp", merlin.get("sid").asText());
            assertFalse(rich.stats().lastRequest().body().contains("55816b39711f9b5acf3b90e313ed29e51665623f"),
                    "no country, so outside the rollout: the user id never leaves Merlin");
            ObjectNode inJapan = (ObjectNode) JSON.readTree(banner(5000));
            inJapan.putObject("device").putObject("geo").put("country", "JPN");
            assertEquals(200, post(server, JSON.writeValueAsString(inJapan)).statusCode());
            PairwiseIds pairwise = IdentityKeys.load(config(dataDir, List.of()), dataDir).pairwiseIds();
            String richId = JSON.readTree(rich.stats().lastRequest().body()).get("user").get("id").asText();
            String poorId = JSON.readTree(poor.stats().lastRequest().body()).get("user").get("id").asText();
            assertEquals(pairwise.of("rich", "55816b39711f9b5acf3b90e313ed29e51665623f"), richId,
                    "inside the rollout with nothing refusing it, the user's pairwise id goes out");
            assertEquals(pairwise.of("poor", "55816b39711f9b5acf3b90e313ed29e51665623f"), poorId);
            assertNotEquals(richId, poorId, "two DSPs cannot join their logs on the id they get");
            assertFalse(rich.stats().lastRequest().body().contains("55816b39711f9b5acf3b90e313ed29e51665623f"),
                    "the seller's id itself never leaves");
        }
    }

    @Test
    void auctionsAtOnceSharingAPipelinedDspConnectionEachGetTheirOwnDspAnswer(@TempDir Path dataDir)
            throws Exception {
        int auctions = 16;
        try (DspSimulator rich = DspSimulator.builder().price(Price.fixed(40.0)).advertiserDomain("rich.example")
                .start();
             MerlinServer server = new MerlinServer(config(dataDir, List.of(dsp("rich", rich).withPipelining(8))),
                     () -> NOW).start()) {
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < auctions; i++) {
                ObjectNode request = (ObjectNode) JSON.readTree(banner(5000));
                request.put("id", "pipelined-" + i);
                answers.add(client.sendAsync(auctionRequest(server, JSON.writeValueAsString(request)),
                        HttpResponse.BodyHandlers.ofString()));
            }
            for (int i = 0; i < auctions; i++) {
                HttpResponse<String> response = answers.get(i).get(20, TimeUnit.SECONDS);
                assertEquals(200, response.statusCode(), response.body());
                assertEquals("pipelined-" + i, JSON.readTree(response.body()).get("id").asText());
                List<JsonNode> bids = bids(response.body());
                // an answer read as another auction's would carry the other's id and be rejected: a campaign wins
                assertEquals("rich.example", bids.get(0).get("adomain").get(0).asText(), response.body());
            }
            ConnectedDsp dsp = server.runtime().dsps().get(0);
            assertEquals(auctions, rich.stats().requests());
            assertEquals(auctions, dsp.metrics().outcomes(DspOutcome.OK), "every call answered, none retried");
        }
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    @ParameterizedTest(name = "one request id for all: {0}")
    @ValueSource(booleans = {true, false})
    void aPipelinedDspWhoseAnswersFallOutOfStepNeverHasABidPricedForAnotherAuctionTaken(boolean isOneId,
            @TempDir Path dataDir) throws Exception {
        // The DSP bids 30 x the floor it is sent, and a quarter of its answers are repeated (a broken proxy): on a
        // connection carrying several calls every later answer is one request behind. With one request id (and imp
        // id) for every auction, as some sellers send, only the floor tells the auctions apart: such calls never
        // share a connection. With an id each, a repeated answer carries another id: the connection closes and
        // the calls behind go once more, so each repeat costs at most the one auction it reached
        int auctions = 24;
        try (DspSimulator repeating = DspSimulator.builder().price(Price.floorTimes(30, 1))
                .advertiserDomain("rich.example").fault(Fault.DUPLICATE_ANSWER, 0.25).seed(11).start();
             MerlinServer server = new MerlinServer(config(dataDir, List.of(dsp("rich", repeating)
                     .withPipelining(8))), () -> NOW).start()) {
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < auctions; i++) {
                ObjectNode request = (ObjectNode) JSON.readTree(banner(5000));
                request.put("id", isOneId ? "same-id" : "auction-" + i);
                ((ObjectNode) request.get("imp").get(0)).put("bidfloor", floor(i));
                answers.add(client.sendAsync(auctionRequest(server, JSON.writeValueAsString(request)),
                        HttpResponse.BodyHandlers.ofString()));
            }
            double ratio = Double.NaN;
            int dspWins = 0;
            for (int i = 0; i < auctions; i++) {
                HttpResponse<String> response = answers.get(i).get(20, TimeUnit.SECONDS);
                // 204: the DSP's answer was refused and no campaign clears this auction's floor
                assertTrue(response.statusCode() == 200 || response.statusCode() == 204, response.body());
                if (response.statusCode() == 204) {
                    continue;
                }
                JsonNode bid = bids(response.body()).get(0);
                if (!"rich.example".equals(bid.get("adomain").get(0).asText())) {
                    continue;
                }
                dspWins++;
                double mine = bid.get("price").asDouble() / floor(i);
                ratio = Double.isNaN(ratio) ? mine : ratio;
                assertEquals(ratio, mine, 1e-6, "auction " + i + " (floor " + floor(i) + ") took the bid priced for"
                        + " another auction's floor: " + response.body());
            }
            long repeats = repeating.stats().faults(Fault.DUPLICATE_ANSWER);
            assertTrue(repeats > 0, "answers were repeated");
            long outOfStep = server.runtime().dsps().get(0).rejections().count(BidRejection.RESPONSE_ID_MISMATCH);
            assertTrue(outOfStep <= repeats, outOfStep + " answers taken out of step for " + repeats + " repeats: a"
                    + " connection kept handing calls their neighbours' answers");
            assertTrue(dspWins > 0, "the DSP's bids in their own auctions still won");
        }
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    /** Auction {@code i}'s floor: no two are in the same ratio to each other as another pair. */
    private static double floor(int i) {
        return 0.5 + 0.37 * i + 0.011 * i * i;
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
                DspSimulator sim = DspSimulator.builder().fault(fault, 1.0).slowMillis(3_000)
                        .price(Price.fixed(40.0)).start();
                sims.add(sim);
                dsps.add(dsp(fault.cliName(), sim));
            }
            try (MerlinServer server = new MerlinServer(config(dataDir, dsps), () -> NOW).start()) {
                for (int i = 0; i < 10; i++) {
                    HttpResponse<String> response = post(server, banner(1000));
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

    @Test
    void anEeaUsersPersonalDataGoesToTheDspInTheEeaAndNotToTheOneAbroad(@TempDir Path dataDir) throws Exception {
        try (DspSimulator frankfurt = DspSimulator.builder().price(Price.fixed(1.0)).recordLastRequest(true).start();
             DspSimulator virginia = DspSimulator.builder().price(Price.fixed(1.0)).recordLastRequest(true).start()) {
            DspConfig inGermany = dsp("frankfurt", frankfurt).toBuilder().region("DEU").build();
            DspConfig inUsa = dsp("virginia", virginia).toBuilder().region("USA").build();
            MerlinConfig base = config(dataDir, List.of(inGermany, inUsa));
            PrivacyConfig privacy = PrivacyConfig.builder().personalizationCountries(List.of())
                    .residency(List.of(new ResidencyRule(List.of("EEA"), List.of("EEA")))).build();
            MerlinConfig config = base.toBuilder().regions(Map.of("EEA", List.of("DEU", "FRA", "IRL")))
                    .privacy(privacy).build().validate();
            try (MerlinServer server = new MerlinServer(config, () -> NOW).start()) {
                ObjectNode inBerlin = (ObjectNode) JSON.readTree(banner(5000));
                ObjectNode device = inBerlin.putObject("device");
                device.put("ip", "198.51.100.77").put("ifa", "IFA-SECRET-1");
                device.putObject("geo").put("country", "DEU").put("lat", 52.520008).put("lon", 13.404954);
                inBerlin.putObject("regs").put("gdpr", 0);
                assertEquals(200, post(server, JSON.writeValueAsString(inBerlin)).statusCode());
                JsonNode home = JSON.readTree(frankfurt.stats().lastRequest().body());
                String abroad = virginia.stats().lastRequest().body();
                assertEquals("IFA-SECRET-1", home.get("device").get("ifa").asText(), "the DSP in the EEA: ids");
                assertEquals("198.51.100.77", home.get("device").get("ip").asText());
                assertTrue(home.get("user").has("id"), "and the pairwise user id");
                for (String secret : List.of("IFA-SECRET-1", "198.51.100.77", "52.520008", "13.404954",
                        "55816b39711f9b5acf3b90e313ed29e51665623f")) {
                    assertFalse(abroad.contains(secret), secret + " reached the DSP abroad: " + abroad);
                }
                JsonNode abroadTree = JSON.readTree(abroad);
                assertEquals("198.51.100.0", abroadTree.get("device").get("ip").asText(), "the IP cut to its /24");
                assertFalse(abroadTree.path("user").has("id"), "no user id abroad");
            }
        }
    }

    @Test
    void merlinsSegmentsReachADspOnlyOnceTheyHoldEnoughUsers(@TempDir Path dataDir) throws Exception {
        try (DspSimulator sim = DspSimulator.builder().price(Price.fixed(0.01)).recordLastRequest(true).start()) {
            MerlinConfig base = config(dataDir, List.of(dsp("kanon", sim)));
            MerlinConfig config = base.toBuilder().privacy(PrivacyConfig.builder().personalizationCountries(List.of())
                    .minSegmentUsers(20).build()).build().validate();
            int fans = config.segmentId("sports-fans");
            int likers = config.segmentId("gamers");
            try (MerlinServer server = new MerlinServer(config, () -> NOW).start()) {
                ExchangeStores stores = server.runtime().stores();
                for (int i = 0; i < 20; i++) {
                    stores.segments().add("fan-" + i, fans, NOW + 3_600, NOW);
                }
                for (int i = 0; i < 19; i++) {
                    stores.segments().add("liker-" + i, likers, NOW + 3_600, NOW);
                }
                stores.segments().add("fan-0", likers, NOW + 3_600, NOW);
                stores.census().recount();
                assertEquals(20, stores.census().users(fans));
                assertEquals(20, stores.census().users(likers), "19 gamers and fan-0");
                stores.segments().add("liker-0", fans, NOW + 3_600, NOW);
                ObjectNode request = (ObjectNode) JSON.readTree(banner(5000));
                ((ObjectNode) request.get("user")).put("buyeruid", "liker-1");
                request.putObject("device").putObject("geo").put("country", "JPN");
                assertEquals(200, post(server, JSON.writeValueAsString(request)).statusCode());
                JsonNode data = JSON.readTree(sim.stats().lastRequest().body()).path("user").path("data");
                assertEquals("[{\"id\":\"merlin\",\"name\":\"Merlin\",\"segment\":[{\"id\":\"" + likers
                        + "\"}]}]", data.toString(), "liker-1 is in one segment of 20 users");
                stores.segments().erase("fan-0");
                stores.census().recount();
                assertEquals(19, stores.census().users(likers), "fan-0's erasure took a gamer away");
                ((ObjectNode) request.get("user")).put("buyeruid", "liker-0");
                assertEquals(200, post(server, JSON.writeValueAsString(request)).statusCode());
                assertEquals("[{\"id\":\"merlin\",\"name\":\"Merlin\",\"segment\":[{\"id\":\"" + fans
                        + "\"}]}]", JSON.readTree(sim.stats().lastRequest().body()).path("user").path("data")
                        .toString(), "liker-0 is a gamer (19 now, under the floor) and a fan (20 with liker-0)");
            }
        }
    }

    /**
     * The rollout's control group over real sockets: of 40 users in Japan with a holdout of half, each held-out
     * user's request reaches the DSP without its pairwise id, the IFA or the full IP, each treated user's with them,
     * the arms are the ones the identity secret's holdout key draws, the metrics count both arms, and
     * {@code /reports/rollout} (admin token only) counts each arm's auctions, bids and charges at the DSP's price,
     * the same after a restart.
     */
    @Test
    void theRolloutsControlGroupReachesDspsContextuallyAndIsCounted(@TempDir Path dataDir) throws Exception {
        try (DspSimulator sim = DspSimulator.builder().price(Price.fixed(0.01)).recordLastRequest(true).start()) {
            MerlinConfig base = config(dataDir, List.of(dsp("tokyo", sim)));
            MerlinConfig config = base.toBuilder().privacy(PrivacyConfig.builder()
                    .personalizationCountries(List.of("JPN", "KOR"))
                    .holdout(new HoldoutConfig(0.5, List.of("JPN"))).build()).build().validate();
            int control = 0;
            int[] bidsByArm = new int[3];
            double[] pricesByArm = new double[3];
            try (MerlinServer server = new MerlinServer(config, () -> NOW).start()) {
                Holdout expected = Holdout.of(config, IdentityKeys.load(config, dataDir).holdoutHash());
                for (int i = 0; i < 40; i++) {
                    String user = "rollout-user-" + i;
                    ObjectNode request = (ObjectNode) JSON.readTree(banner(5000));
                    ((ObjectNode) request.get("user")).put("id", user);
                    ObjectNode device = request.putObject("device");
                    device.put("ip", "198.51.100.77").put("ifa", "IFA-HOLDOUT-" + i);
                    device.putObject("geo").put("country", "JPN");
                    HttpResponse<String> answer = post(server, JSON.writeValueAsString(request));
                    assertEquals(200, answer.statusCode());
                    int arm = expected.arm(user, "JPN");
                    for (JsonNode bid : bids(answer.body())) {
                        pricesByArm[arm] += bid.get("price").asDouble();
                    }
                    bidsByArm[arm] += bids(answer.body()).isEmpty() ? 0 : 1;
                    String sent = sim.stats().lastRequest().body();
                    JsonNode tree = JSON.readTree(sent);
                    if (expected.arm(user, "JPN") == Holdout.CONTROL) {
                        control++;
                        assertFalse(tree.path("user").has("id"), "held out: no user id: " + sent);
                        assertFalse(sent.contains("IFA-HOLDOUT-" + i), sent);
                        assertEquals("198.51.100.0", tree.get("device").get("ip").asText());
                    } else {
                        assertEquals(Holdout.TREATMENT, expected.arm(user, "JPN"));
                        assertTrue(tree.path("user").has("id"), "treated: the pairwise id: " + sent);
                        assertEquals("IFA-HOLDOUT-" + i, tree.get("device").get("ifa").asText());
                    }
                }
                assertTrue(control > 5 && control < 35, "half of 40 held out, give or take: " + control);
                ExchangeMetrics metrics = server.metrics();
                assertEquals(control, metrics.rolloutAuctions(Holdout.CONTROL, true)
                        + metrics.rolloutAuctions(Holdout.CONTROL, false));
                assertEquals(40 - control, metrics.rolloutAuctions(Holdout.TREATMENT, true)
                        + metrics.rolloutAuctions(Holdout.TREATMENT, false));
                assertEquals(control, metrics.contextualOnlyCount(RefusalReason.HOLDOUT));
                assertRolloutReport(server, control, bidsByArm, pricesByArm, config.exchange().takeRate());
                assertEquals(401, get(server, "/reports/rollout", DemoSeller.TOKEN).statusCode(),
                        "a seller's token does not open the rollout report");
                assertEquals(401, get(server, "/reports/rollout", null).statusCode());
                HttpResponse<String> bad = get(server, "/reports/rollout?from=29-11-2026", ADMIN);
                assertEquals(400, bad.statusCode());
                assertTrue(bad.body().contains("from must be a date"), bad.body());
            }
            try (MerlinServer again = new MerlinServer(config, () -> NOW).start()) {
                assertRolloutReport(again, control, bidsByArm, pricesByArm, config.exchange().takeRate());
            }
        }
    }

    private static final String ADMIN = ConfigLoader.loadDefault().tracking().adminToken();

    /**
     * The report's JSON and CSV for today's auctions in Japan: each arm's auctions and bids as the seller saw them,
     * and charges equal to the prices the seller was offered grossed up by the take rate.
     */
    private void assertRolloutReport(MerlinServer server, int control, int[] bidsByArm, double[] pricesByArm,
                                     double takeRate) throws Exception {
        HttpResponse<String> answer = get(server, "/reports/rollout?from=2026-11-29&to=2026-11-29", ADMIN);
        assertEquals(200, answer.statusCode(), answer.body());
        JsonNode report = JSON.readTree(answer.body());
        assertEquals(2, report.get("rows").size(), answer.body());
        JsonNode country = report.get("countries").get(0);
        assertEquals("JPN", country.get("country").asText());
        JsonNode treated = country.get("treatment");
        JsonNode held = country.get("control");
        assertEquals(40 - control, treated.get("auctions").asLong());
        assertEquals(control, held.get("auctions").asLong());
        assertEquals(bidsByArm[Holdout.TREATMENT], treated.get("withBid").asLong());
        assertEquals(bidsByArm[Holdout.CONTROL], held.get("withBid").asLong());
        assertTrue(bidsByArm[Holdout.CONTROL] > 0 && bidsByArm[Holdout.TREATMENT] > 0, "the DSP bids in both arms");
        assertEquals(pricesByArm[Holdout.TREATMENT] / (1 - takeRate), treated.get("charge").asDouble(), 1e-4);
        assertEquals(pricesByArm[Holdout.CONTROL] / (1 - takeRate), held.get("charge").asDouble(), 1e-4);
        HttpResponse<String> csv = get(server, "/reports/rollout?from=2026-11-29&format=csv", ADMIN);
        assertEquals("day,country,arm,auctions,with_bid,bid_rate,charge,currency", csv.body().lines().findFirst()
                .orElseThrow());
        assertTrue(csv.body().contains("2026-11-29,JPN,control," + control + "," + bidsByArm[Holdout.CONTROL] + ","),
                csv.body());
    }

    private HttpResponse<String> get(MerlinServer server, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
