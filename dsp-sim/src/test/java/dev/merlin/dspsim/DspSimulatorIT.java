package dev.merlin.dspsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The simulator over real loopback sockets: its answers, its faults, its latency, what it records. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DspSimulatorIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final String TWO_IMPS = """
            {"id":"req-2","tmax":120,"cur":["EUR"],"imp":[
              {"id":"a","bidfloor":0.5,"secure":1,"banner":{"format":[{"w":728,"h":90},{"w":320,"h":50}]}},
              {"id":"b","bidfloor":2.0,"video":{"w":640,"h":360,"mimes":["video/mp4"]}}],
             "site":{"page":"https://news.example/a"}}""";

    @Test
    void answersTheSampleBannerRequestWithAValidBid() throws Exception {
        byte[] sample = SampleRequests.read("iab26spec-simple-banner.json");
        try (DspSimulator sim = DspSimulator.builder().price(Price.uniform(0.5, 2)).seat("seat-7").currency("USD")
                .start()) {
            HttpResponse<byte[]> r = post(sim, sample, false);
            assertEquals(200, r.statusCode());
            JsonNode answer = JSON.readTree(r.body());
            JsonNode request = JSON.readTree(sample);
            assertEquals(request.get("id").asText(), answer.get("id").asText());
            assertEquals("USD", answer.get("cur").asText());
            assertEquals("seat-7", answer.at("/seatbid/0/seat").asText());
            JsonNode bid = answer.at("/seatbid/0/bid/0");
            assertEquals(request.at("/imp/0/id").asText(), bid.get("impid").asText());
            double price = bid.get("price").asDouble();
            assertTrue(price >= 0.5 && price <= 2, "price " + price + " within [0.5, 2]");
            assertEquals(300, bid.get("w").asInt());
            assertEquals(250, bid.get("h").asInt());
            assertEquals(1, bid.get("mtype").asInt());
            assertEquals("dsp-sim-creative", bid.get("crid").asText());
            assertEquals("dsp-sim-advertiser.example", bid.at("/adomain/0").asText());
            String id = bid.get("id").asText();
            assertEquals(sim.baseUrl() + "/win?price=${AUCTION_PRICE}&bid=" + id, bid.get("nurl").asText());
            assertEquals(sim.baseUrl() + "/bill?price=${AUCTION_PRICE}&bid=" + id, bid.get("burl").asText());
            assertEquals(sim.baseUrl() + "/loss?code=${AUCTION_LOSS}&min=${AUCTION_MIN_TO_WIN}&bid=" + id,
                    bid.get("lurl").asText());
            assertTrue(bid.get("adm").asText().contains("http://"), "insecure imp, http creative");
            assertEquals(1, sim.stats().requests());
            assertEquals(1, sim.stats().bids());
        }
    }

    @Test
    void bidsOnEveryImpWithItsSizeHttpsMarkupForSecureImpsAndTheFirstDeal() throws Exception {
        String withDeal = TWO_IMPS.replace("\"bidfloor\":2.0,", "\"bidfloor\":2.0,\"pmp\":{\"deals\":"
                + "[{\"id\":\"deal-9\",\"bidfloor\":3.0}]},");
        try (DspSimulator sim = DspSimulator.builder().price(Price.floorTimes(1.5, 1)).start()) {
            JsonNode bids = JSON.readTree(post(sim, withDeal.getBytes(StandardCharsets.UTF_8), false).body())
                    .at("/seatbid/0/bid");
            assertEquals(2, bids.size());
            JsonNode banner = bids.get(0);
            assertEquals("a", banner.get("impid").asText());
            assertEquals(728, banner.get("w").asInt(), "first format when the banner has no w/h");
            assertEquals(90, banner.get("h").asInt());
            assertEquals(0.75, banner.get("price").asDouble(), 1e-9, "floor 0.5 x 1.5");
            assertFalse(banner.get("adm").asText().contains("http://"), "secure imp: no http URL in markup");
            assertTrue(banner.get("adm").asText().contains("https://"));
            assertNull(banner.get("dealid"));
            JsonNode video = bids.get(1);
            assertEquals("b", video.get("impid").asText());
            assertEquals(2, video.get("mtype").asInt());
            assertEquals(640, video.get("w").asInt());
            assertEquals("deal-9", video.get("dealid").asText());
            assertEquals(4.5, video.get("price").asDouble(), 1e-9, "the deal's floor 3.0 x 1.5");
            assertTrue(video.get("adm").asText().startsWith("<VAST"));
        }
    }

    @Test
    void echoesIdsThatNeedEscapingExactly() throws Exception {
        String id = "q\"uo\\te\u0001\u2028\u65e5</script>";
        ObjectMapper m = JSON;
        String request = "{\"id\":" + m.writeValueAsString(id) + ",\"imp\":[{\"id\":" + m.writeValueAsString(id)
                + ",\"banner\":{\"w\":1,\"h\":1},\"pmp\":{\"deals\":[{\"id\":" + m.writeValueAsString(id)
                + "}]}}]}";
        try (DspSimulator sim = DspSimulator.builder().seat("s\"1").crid("c\\1").start()) {
            JsonNode answer = JSON.readTree(post(sim, request.getBytes(StandardCharsets.UTF_8), false).body());
            assertEquals(id, answer.get("id").asText());
            assertEquals("s\"1", answer.at("/seatbid/0/seat").asText());
            JsonNode bid = answer.at("/seatbid/0/bid/0");
            assertEquals(id, bid.get("impid").asText());
            assertEquals(id, bid.get("dealid").asText());
            assertEquals("c\\1", bid.get("crid").asText());
        }
    }

    @Test
    void bidsOnlyOnTheFirstImpsWhenCapped() throws Exception {
        try (DspSimulator sim = DspSimulator.builder().maxBidsPerRequest(1).start()) {
            JsonNode bids = JSON.readTree(post(sim, TWO_IMPS.getBytes(StandardCharsets.UTF_8), false).body())
                    .at("/seatbid/0/bid");
            assertEquals(1, bids.size());
            assertEquals("a", bids.get(0).get("impid").asText());
        }
    }

    @Test
    void answersNoContentAtBidRateZero() throws Exception {
        try (DspSimulator sim = DspSimulator.builder().bidRate(0).start()) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<byte[]> r = post(sim, TWO_IMPS.getBytes(StandardCharsets.UTF_8), false);
                assertEquals(204, r.statusCode());
                assertEquals(0, r.body().length);
            }
            assertEquals(3, sim.stats().noBids());
            assertEquals(0, sim.stats().bids());
        }
    }

    @Test
    void answersBadRequestToWhatIsNotABidRequest() throws Exception {
        try (DspSimulator sim = DspSimulator.builder().start()) {
            assertEquals(400, post(sim, "{\"id\":".getBytes(StandardCharsets.UTF_8), false).statusCode());
            assertEquals(400, post(sim, "{\"id\":\"x\",\"imp\":[]}".getBytes(StandardCharsets.UTF_8), false)
                    .statusCode());
            assertEquals(2, sim.stats().badRequests());
        }
    }

    @Test
    void waitsAtLeastTheConfiguredLatency() throws Exception {
        try (DspSimulator sim = DspSimulator.builder().latency(Latency.fixedMillis(80)).start()) {
            long start = System.nanoTime();
            HttpResponse<byte[]> r = post(sim, TWO_IMPS.getBytes(StandardCharsets.UTF_8), false);
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(200, r.statusCode());
            assertTrue(elapsedMillis >= 80, "answered after " + elapsedMillis + " ms, configured 80");
        }
    }

    @Test
    void neverAnswerHoldsTheConnectionOpen() throws Exception {
        try (DspSimulator sim = DspSimulator.builder().fault(Fault.NEVER_ANSWER, 1).start();
             RawHttp raw = new RawHttp(sim.port(), 300)) {
            raw.post("/bid", TWO_IMPS.getBytes(StandardCharsets.UTF_8));
            assertTrue(sim.stats().awaitRequests(1, Duration.ofSeconds(5)));
            assertThrows(SocketTimeoutException.class, raw::readByte, "no answer, no close");
            assertEquals(1, sim.stats().faults(Fault.NEVER_ANSWER));
        }
    }

    @Test
    void slowAnswersABidAfterSlowMillis() throws Exception {
        try (DspSimulator sim = DspSimulator.builder().fault(Fault.SLOW, 1).slowMillis(150).start()) {
            long start = System.nanoTime();
            HttpResponse<byte[]> r = post(sim, TWO_IMPS.getBytes(StandardCharsets.UTF_8), false);
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(200, r.statusCode());
            assertEquals("req-2", JSON.readTree(r.body()).get("id").asText());
            assertTrue(elapsedMillis >= 150, "answered after " + elapsedMillis + " ms");
            assertEquals(1, sim.stats().faults(Fault.SLOW));
        }
    }

    @Test
    void resetClosesWithATcpReset() throws Exception {
        try (DspSimulator sim = DspSimulator.builder().fault(Fault.RESET, 1).start();
             RawHttp raw = new RawHttp(sim.port(), 5_000)) {
            raw.post("/bid", TWO_IMPS.getBytes(StandardCharsets.UTF_8));
            assertThrows(SocketException.class, raw::readByte, "RST, not a clean end of stream");
            assertEquals(1, sim.stats().faults(Fault.RESET));
        }
    }

    @Test
    void serverErrorAnswers500() throws Exception {
        try (DspSimulator sim = DspSimulator.builder().fault(Fault.SERVER_ERROR, 1).start()) {
            assertEquals(500, post(sim, TWO_IMPS.getBytes(StandardCharsets.UTF_8), false).statusCode());
            assertEquals(1, sim.stats().faults(Fault.SERVER_ERROR));
        }
    }

    @Test
    void garbageIsNotJson() throws Exception {
        try (DspSimulator sim = DspSimulator.builder().fault(Fault.GARBAGE, 1).start()) {
            HttpResponse<byte[]> r = post(sim, TWO_IMPS.getBytes(StandardCharsets.UTF_8), false);
            assertEquals(200, r.statusCode());
            assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
            assertThrows(JsonProcessingException.class, () -> JSON.readTree(r.body()));
        }
    }

    @Test
    void hugeBodyIsAValidResponseOfTheConfiguredSize() throws Exception {
        try (DspSimulator sim = DspSimulator.builder().fault(Fault.HUGE_BODY, 1).start()) {
            HttpResponse<byte[]> r = post(sim, TWO_IMPS.getBytes(StandardCharsets.UTF_8), false);
            assertEquals(200, r.statusCode());
            assertEquals(10 << 20, r.body().length);
            JsonNode answer = JSON.readTree(r.body());
            assertEquals("req-2", answer.get("id").asText());
            assertEquals("a", answer.at("/seatbid/0/bid/0/impid").asText());
        }
    }

    @Test
    void wrongIdsNameNothingOfTheRequest() throws Exception {
        byte[] body = TWO_IMPS.getBytes(StandardCharsets.UTF_8);
        try (DspSimulator wrongResponse = DspSimulator.builder().fault(Fault.WRONG_RESPONSE_ID, 1).start();
             DspSimulator wrongImp = DspSimulator.builder().fault(Fault.WRONG_IMP_ID, 1).start()) {
            JsonNode a = JSON.readTree(post(wrongResponse, body, false).body());
            assertNotEquals("req-2", a.get("id").asText());
            assertEquals("a", a.at("/seatbid/0/bid/0/impid").asText());
            JsonNode b = JSON.readTree(post(wrongImp, body, false).body());
            assertEquals("req-2", b.get("id").asText());
            String impId = b.at("/seatbid/0/bid/0/impid").asText();
            assertFalse(impId.equals("a") || impId.equals("b"), "impid " + impId + " is not one of the request's");
            assertEquals(1, wrongImp.stats().faults(Fault.WRONG_IMP_ID));
        }
    }

    @Test
    void gzipsAnswersOnlyWhenTheRequestAcceptsGzip() throws Exception {
        byte[] body = TWO_IMPS.getBytes(StandardCharsets.UTF_8);
        try (DspSimulator sim = DspSimulator.builder().gzipRate(1).start()) {
            HttpResponse<byte[]> zipped = post(sim, body, true);
            assertEquals("gzip", zipped.headers().firstValue("content-encoding").orElse(""));
            byte[] plain = new GZIPInputStream(new ByteArrayInputStream(zipped.body())).readAllBytes();
            assertEquals("req-2", JSON.readTree(plain).get("id").asText());
            HttpResponse<byte[]> notZipped = post(sim, body, false);
            assertTrue(notZipped.headers().firstValue("content-encoding").isEmpty());
            assertEquals("req-2", JSON.readTree(notZipped.body()).get("id").asText());
            assertEquals(1, sim.stats().gzipAnswers());
        }
    }

    @Test
    void recordsWhatTheRequestCarriedAndReadsGzipBodies() throws Exception {
        byte[] body = TWO_IMPS.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
            gz.write(body);
        }
        try (DspSimulator sim = DspSimulator.builder().start()) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(sim.endpoint()))
                    .header("Content-Type", "application/json").header("Content-Encoding", "gzip")
                    .header("x-openrtb-version", "2.6")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(zipped.toByteArray())).build();
            HttpResponse<byte[]> r = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode());
            post(sim, body, false);
            SimStats stats = sim.stats();
            assertEquals(2, stats.requests());
            assertEquals(1, stats.headerValueCount("content-encoding", "gzip"));
            assertEquals(1, stats.headerValueCount("Content-Encoding", SimStats.ABSENT));
            assertEquals(1, stats.headerValueCount("x-openrtb-version", "2.6"));
            assertEquals(120, stats.lastTmaxMillis());
            ReceivedRequest last = stats.lastRequest();
            assertEquals(1, last.number());
            assertEquals(TWO_IMPS, last.body());
            assertNull(last.header("content-encoding"));
        }
    }

    @Test
    void recordsTheNoticesItsBidsPointAt() throws Exception {
        try (DspSimulator sim = DspSimulator.builder().recentNotices(2).start()) {
            JsonNode bid = JSON.readTree(post(sim, TWO_IMPS.getBytes(StandardCharsets.UTF_8), false).body())
                    .at("/seatbid/0/bid/0");
            get(bid.get("nurl").asText().replace("${AUCTION_PRICE}", "1.23"));
            get(bid.get("burl").asText().replace("${AUCTION_PRICE}", "1.23"));
            for (String code : List.of("102", "103", "104")) {
                get(bid.get("lurl").asText().replace("${AUCTION_LOSS}", code).replace("${AUCTION_MIN_TO_WIN}", "2"));
            }
            SimStats stats = sim.stats();
            String bidId = bid.get("id").asText();
            assertEquals(1, stats.notices(NoticeKind.WIN));
            assertEquals(List.of("price=1.23&bid=" + bidId), stats.recentNotices(NoticeKind.WIN));
            assertEquals(1, stats.notices(NoticeKind.BILL));
            assertEquals(3, stats.notices(NoticeKind.LOSS));
            assertEquals(List.of("code=103&min=2&bid=" + bidId, "code=104&min=2&bid=" + bidId),
                    stats.recentNotices(NoticeKind.LOSS), "the last 2 kept");
            JsonNode json = JSON.readTree(get(sim.baseUrl() + "/stats").body());
            assertEquals(1, json.at("/requests").asLong());
            assertEquals(3, json.at("/notices/loss/count").asLong());
            assertEquals("1 requests, 2 bids, 0 no-bids, 0 faults, 0 bad requests; notices win 1, bill 1, loss 3\n",
                    new String(get(sim.baseUrl() + "/summary").body(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (DspSimulator sim = DspSimulator.builder().latency(Latency.uniformMillis(0, 40)).seed(7).start();
             RawHttp raw = new RawHttp(sim.port(), 10_000)) {
            int n = 8;
            for (int i = 0; i < n; i++) {
                raw.post("/bid", TWO_IMPS.replace("req-2", "req-" + i).getBytes(StandardCharsets.UTF_8));
            }
            for (int i = 0; i < n; i++) {
                RawHttp.Response r = raw.read();
                assertEquals(200, r.status());
                assertEquals("req-" + i, JSON.readTree(r.body()).get("id").asText());
            }
        }
    }

    @Test
    void aDuplicateAnswerPutsEveryLaterAnswerOnTheConnectionOneRequestBehind() throws Exception {
        try (DspSimulator sim = DspSimulator.builder().fault(Fault.DUPLICATE_ANSWER, 1).start();
             RawHttp raw = new RawHttp(sim.port(), 10_000)) {
            raw.post("/bid", TWO_IMPS.replace("req-2", "req-0").getBytes(StandardCharsets.UTF_8));
            raw.post("/bid", TWO_IMPS.replace("req-2", "req-1").getBytes(StandardCharsets.UTF_8));
            for (String id : new String[] {"req-0", "req-0", "req-1", "req-1"}) {
                RawHttp.Response r = raw.read();
                assertEquals(200, r.status());
                JsonNode answer = JSON.readTree(r.body());
                assertEquals(id, answer.get("id").asText());
                assertTrue(answer.at("/seatbid/0/bid/0/adm").asText().contains("req=" + id),
                        "the markup names the request it answered");
            }
            assertEquals(2, sim.stats().faults(Fault.DUPLICATE_ANSWER));
        }
    }

    @Test
    void theSameSeedGivesTheSameFates() throws Exception {
        byte[] body = TWO_IMPS.getBytes(StandardCharsets.UTF_8);
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        for (List<String> fates : List.of(first, second)) {
            try (DspSimulator sim = DspSimulator.builder().seed(42).bidRate(0.5).price(Price.uniform(1, 3))
                    .fault(Fault.SERVER_ERROR, 0.2).start()) {
                for (int i = 0; i < 20; i++) {
                    HttpResponse<byte[]> r = post(sim, body, false);
                    fates.add(r.statusCode() == 200 ? JSON.readTree(r.body()).at("/seatbid/0/bid/0/price").asText()
                            : String.valueOf(r.statusCode()));
                }
            }
        }
        assertEquals(first, second);
        assertTrue(first.contains("204") && first.contains("500"), "20 draws meet each outcome: " + first);
    }

    @Test
    void sayWhichAddressItCannotBind() throws Exception {
        try (DspSimulator first = DspSimulator.builder().start()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> DspSimulator.builder().port(first.port()).start());
            assertTrue(e.getMessage().contains("127.0.0.1:" + first.port()), e.getMessage());
        }
    }

    @Test
    void refusesFaultRatesAboveOne() {
        SimOptions.Builder b = DspSimulator.builder().fault(Fault.RESET, 0.6).fault(Fault.GARBAGE, 0.6);
        assertThrows(IllegalArgumentException.class, b::build);
    }

    private static HttpResponse<byte[]> post(DspSimulator sim, byte[] body, boolean acceptGzip)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(sim.endpoint()))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (acceptGzip) {
            request.header("Accept-Encoding", "gzip");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> get(String url) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), url);
        return r;
    }
}
