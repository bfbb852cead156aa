package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.ExchangeSettings;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.SellerConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.auction.Campaign;
import java.io.IOException;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The embedded demo configuration end to end over loopback: shared sample requests get the bids the demo says
 * they should (winner, creative, exact price and currency, deal), a segment user gets the segment campaign unless
 * COPPA or LMT make the request contextual, and billing notices charge once. The clock is fixed inside the demo's
 * flight; every expected price is worked out from merlin-default.yaml (take rate 15%) in the row's comment.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AuctionIT {

    private static final long NOW = Instant.parse("2026-11-29T10:00:00Z").getEpochSecond();
    /** The demo's publicUrl: notice URLs point there, the test sends them to the ephemeral port instead. */
    private static final String DEMO_PUBLIC_URL = "http://127.0.0.1:8080";
    private static final String SECURE_PUBLIC_URL = "https://merlin.example";
    private static final String SPORTS_FAN = "merlin-user-sports-1";
    /** A second seller beside the demo's demo-ssp: the demo's deal AB-Agency1-0001 is not its deal. */
    private static final String OTHER_SELLER_TOKEN = "other-ssp-test-token";
    private static final Pattern HREF = Pattern.compile("href=\"([^\"]+)\"");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path samples;
    private MerlinServer server;
    private HttpClient client;
    private URI base;

    @BeforeAll
    void start(@TempDir Path dataDir) throws Exception {
        samples = SharedSamples.requests();
        MerlinConfig config = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L));
        // several samples are secure imps: their links need an https URL, as behind a TLS-terminating proxy
        ExchangeSettings demo = config.exchange();
        config = config.withExchange(demo.withSecurePublicUrl(SECURE_PUBLIC_URL));
        List<SellerConfig> sellers = new ArrayList<>(config.sellers());
        sellers.add(new SellerConfig("other-ssp", "Other SSP", "other-ssp.example", "INTERMEDIARY",
                List.of(OTHER_SELLER_TOKEN), null, null));
        config = config.withSellers(sellers).validate();
        server = new MerlinServer(config, () -> NOW).start();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        base = URI.create("http://127.0.0.1:" + server.port());
        server.runtime().stores().segments().add(SPORTS_FAN, 101, NOW + 86_400);   // 101 = sports-fans in the demo
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> post(String body) throws IOException, InterruptedException {
        return post(body, DemoSeller.TOKEN);
    }

    /** Posts a bid request as the seller whose bearer token is {@code sellerToken}. */
    private HttpResponse<String> post(String body, String sellerToken) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/openrtb2/auction"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + sellerToken)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).GET().build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A notice URL from a bid, its macros filled as a seller would, sent to the test server's port. */
    private HttpResponse<String> fire(String noticeUrl, String requestId, String bidId, String price, String currency)
            throws IOException, InterruptedException {
        String publicUrl = noticeUrl.startsWith(SECURE_PUBLIC_URL + "/") ? SECURE_PUBLIC_URL : DEMO_PUBLIC_URL;
        assertTrue(noticeUrl.startsWith(publicUrl + "/"), noticeUrl);
        String filled = noticeUrl.substring(publicUrl.length())
                .replace("${AUCTION_PRICE}", price)
                .replace("${AUCTION_CURRENCY}", currency)
                .replace("${AUCTION_ID}", requestId)
                .replace("${AUCTION_BID_ID}", bidId);
        assertFalse(filled.contains("${"), "unfilled macro in " + filled);
        return get(filled);
    }

    private static List<JsonNode> bids(JsonNode response) {
        List<JsonNode> bids = new ArrayList<>();
        for (JsonNode seatBid : response.get("seatbid")) {
            for (JsonNode bid : seatBid.get("bid")) {
                bids.add(bid);
            }
        }
        return bids;
    }

    private static String seatOf(JsonNode response, JsonNode bid) {
        for (JsonNode seatBid : response.get("seatbid")) {
            for (JsonNode b : seatBid.get("bid")) {
                if (b.equals(bid)) {
                    return seatBid.get("seat").asText();
                }
            }
        }
        throw new AssertionError("bid not in any seatbid");
    }

    private Campaign campaign(String id) {
        Campaign campaign = server.runtime().catalog().byId(id);
        assertNotNull(campaign, "demo campaign " + id);
        return campaign;
    }

    @ParameterizedTest(name = "{0} -> {1} {2} {3} {4} {5}")
    @CsvSource(nullValues = "null", value = {
        // site 300x250, IAB3-1, at=1: northwind (1.20 -> 1.02 net) beats daily-globe (0.80 -> 0.68); first price
        "iab26spec-simple-banner,    northwind-run-of-network, northwind-300x250, 1.02, USD, null",
        // private auction, deal AB-Agency1-0001 (at=1, floor 2.50, wseat Agency1): 5.00 -> 4.25 first price
        "iab26spec-pmp-direct-deal,  agency-one-foobar-deal, agency-one-300x250, 4.25, USD, AB-Agency1-0001",
        // FRA app 320x50, floor 3 EUR = 3.24 USD, cur EUR: eurobank 4 EUR = 4.32 USD -> 3.672 USD = 3.40 EUR;
        // pixel-quest (1.50 -> 1.275) is under the floor
        "pbsgo-madvertise-app-banner-eur, eurobank-cards-eu, eurobank-320x50, 3.4, EUR, null",
        // iOS phone app 728x90, at=2, floor 0.50: pixel-quest (1.275) over northwind (1.02): 1.02 + 0.01
        "iab26spec-mobile-app,       pixel-quest-installs, pixel-quest-728x90, 1.03, USD, null",
        // site video 5-30 s mp4, at=2, floor 0.03, single bidder: the floor
        "iab26spec-video,            sakura-video-global, sakura-trailer-30s, 0.03, USD, null",
        // DOOH 1080x1920, floor 5 GBP = 6.35 USD, cur GBP, at=1: metro 12.00 -> 10.20 USD = 8.031496 GBP
        "iab26impl-dooh-banner,      metro-screens-dooh, metro-1080x1920, 8.031496, GBP, null",
    })
    void sampleGetsTheDemoBid(String sample, String campaignId, String crid, double price, String currency,
                              String dealId) throws Exception {
        String body = Files.readString(samples.resolve(sample + ".json"));
        HttpResponse<String> response = post(body);
        assertEquals(200, response.statusCode(), response.body());
        JsonNode json = JSON.readTree(response.body());
        JsonNode request = JSON.readTree(body);
        assertEquals(request.get("id").asText(), json.get("id").asText());
        assertEquals(currency, json.get("cur").asText());
        List<JsonNode> bids = bids(json);
        assertEquals(1, bids.size(), response.body());
        JsonNode bid = bids.get(0);
        assertEquals(campaignId, bid.get("cid").asText());
        assertEquals(crid, bid.get("crid").asText());
        assertEquals(price, bid.get("price").asDouble(), 1e-9);
        assertEquals(request.get("imp").get(0).get("id").asText(), bid.get("impid").asText());
        assertEquals(campaign(campaignId).seat(), seatOf(json, bid));
        if (dealId == null) {
            assertFalse(bid.has("dealid"), response.body());
        } else {
            assertEquals(dealId, bid.get("dealid").asText());
        }
        assertTrue(bid.get("burl").asText().contains("price=${AUCTION_PRICE}"), bid.get("burl").asText());
        assertFalse(bid.get("adm").asText().contains("${CLICK_URL}"), bid.get("adm").asText());
    }

    @ParameterizedTest(name = "{0} -> 204 ({1})")
    @CsvSource({
        // 300x250 with a 5 USD floor: no demo campaign on 300x250 bids that much
        "pbsgo-eskimi-bcat-badv-bapp, no_eligible",
        // COPPA, 300x250, floor 1 EUR = 1.08 USD: northwind's 1.02 is under it
        "pbsgo-yieldmo-coppa-gpp-eur, no_eligible",
        // site native on IAB3-1, but wseat admits only buyer seats 771 and 772: no demo seat may bid
        "bsm-breq-native,             no_candidates",
    })
    void sampleGetsNoBid(String sample, String reason) throws Exception {
        long before = server.metrics().noBids(reason);
        HttpResponse<String> response = post(Files.readString(samples.resolve(sample + ".json")));
        assertEquals(204, response.statusCode(), response.body());
        assertEquals(before + 1, server.metrics().noBids(reason));
    }

    @Test
    void theDemoDealSentByAnotherSellerGetsNoBid() throws Exception {
        // AB-Agency1-0001 is demo-ssp's deal: from demo-ssp the sample wins it (4.25, first price, as in
        // sampleGetsTheDemoBid); other-ssp naming it in its own private auction, at=1, gets nothing from Agency One
        String body = Files.readString(samples.resolve("iab26spec-pmp-direct-deal.json"));
        HttpResponse<String> own = post(body);
        assertEquals(200, own.statusCode(), own.body());
        assertEquals("AB-Agency1-0001", bids(JSON.readTree(own.body())).get(0).get("dealid").asText());
        long before = server.metrics().noBids("no_candidates");
        HttpResponse<String> other = post(body, OTHER_SELLER_TOKEN);
        assertEquals(204, other.statusCode(), other.body());
        assertEquals(before + 1, server.metrics().noBids("no_candidates"));
    }

    @Test
    void nativeSampleGetsDailyGlobeWhenWseatNamesItsSeat() throws Exception {
        // the same site native on IAB3-1, at=1, with seat-dailyglobe in wseat: daily-globe 0.80 -> 0.68
        String body = Files.readString(samples.resolve("bsm-breq-native.json"));
        assertTrue(body.contains("\"771\""), "the sample's wseat");
        HttpResponse<String> response = post(body.replace("\"771\"", "\"seat-dailyglobe\""));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode json = JSON.readTree(response.body());
        JsonNode bid = bids(json).get(0);
        assertEquals("daily-globe-subscriptions", bid.get("cid").asText());
        assertEquals("daily-globe-native", bid.get("crid").asText());
        assertEquals(0.68, bid.get("price").asDouble(), 1e-9);
        assertEquals("seat-dailyglobe", seatOf(json, bid));
    }

    @Test
    void audioAskingForMp3GetsSoundwave() throws Exception {
        // the demo's soundwave spot is offered as audio/mp3 too, the MIME type this sample asks for
        HttpResponse<String> response = post(Files.readString(samples.resolve("pbsgo-improvedigital-audio.json")));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode bid = JSON.readTree(response.body()).get("seatbid").get(0).get("bid").get(0);
        assertEquals("soundwave-podcast-spots", bid.get("cid").asText());
        assertEquals(3, bid.get("mtype").asInt());
    }

    @Test
    void severalImpressionsOfOneSeatShareOneSeatbid() throws Exception {
        // five banner sizes, no geo or device: northwind alone bids on 728x90 and 300x250, second price 0.01 each
        HttpResponse<String> response = post(Files.readString(samples.resolve("pbsgo-rtbstack-5-imps.json")));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode json = JSON.readTree(response.body());
        assertEquals(1, json.get("seatbid").size());
        assertEquals("seat-northwind", json.get("seatbid").get(0).get("seat").asText());
        List<JsonNode> bids = bids(json);
        assertEquals(2, bids.size());
        assertEquals("imp-basic", bids.get(0).get("impid").asText());
        assertEquals("northwind-728x90", bids.get(0).get("crid").asText());
        assertEquals(728, bids.get(0).get("w").asInt());
        assertEquals(90, bids.get(0).get("h").asInt());
        assertEquals("imp-empty-custom", bids.get(1).get("impid").asText());
        assertEquals("northwind-300x250", bids.get(1).get("crid").asText());
        for (JsonNode bid : bids) {
            assertEquals(0.01, bid.get("price").asDouble(), 1e-9);
        }
    }

    /** A Japanese Android app, 300x250, floor 0.50, second price; {@code regs} and {@code lmt} vary. */
    private static String japanApp(String id, String regs, int lmt, String extra) {
        return "{\"id\":\"" + id + "\",\"at\":2," + extra
                + "\"imp\":[{\"id\":\"1\",\"bidfloor\":0.5,\"banner\":{\"w\":300,\"h\":250}}],"
                + "\"app\":{\"id\":\"app-1\",\"bundle\":\"jp.example.reader\"},"
                + "\"device\":{\"devicetype\":4,\"os\":\"Android\",\"lmt\":" + lmt
                + ",\"geo\":{\"country\":\"JPN\"}},"
                + "\"user\":{\"buyeruid\":\"" + SPORTS_FAN + "\"}"
                + (regs == null ? "" : ",\"regs\":" + regs) + "}";
    }

    @ParameterizedTest(name = "regs={0} lmt={1} -> {2} at {3}")
    @CsvSource(nullValues = "null", delimiter = ';', value = {
        // sports fan in Japan: kaze (3.20 -> 2.72) over northwind (1.02): 1.02 + 0.01
        "null;         0; kaze-sports-fans-apac;     1.03",
        "{\"coppa\":0}; 0; kaze-sports-fans-apac;     1.03",
        // contextual only: segments are not read, kaze needs them -> northwind alone, at the 0.50 floor
        "{\"coppa\":1}; 0; northwind-run-of-network; 0.5",
        "null;         1; northwind-run-of-network; 0.5",
    })
    void segmentUserGetsTheSegmentCampaignUnlessContextual(String regs, int lmt, String campaignId, double price)
            throws Exception {
        HttpResponse<String> response = post(japanApp("jp-" + campaignId + "-" + lmt, regs, lmt, ""));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode bid = bids(JSON.readTree(response.body())).get(0);
        assertEquals(campaignId, bid.get("cid").asText());
        assertEquals(price, bid.get("price").asDouble(), 1e-9);
        // contextual requests carry no user hash in their notices
        assertEquals("kaze-sports-fans-apac".equals(campaignId), bid.get("burl").asText().contains("&u="),
                bid.get("burl").asText());
    }

    @Test
    void billingNoticesChargeOnceAndCountTheImpression() throws Exception {
        String requestId = "jp-bill-once";
        HttpResponse<String> response = post(japanApp(requestId, null, 0, ""));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode bid = bids(JSON.readTree(response.body())).get(0);
        assertEquals("kaze-sports-fans-apac", bid.get("cid").asText());
        Campaign kaze = campaign("kaze-sports-fans-apac");
        long userHash = server.runtime().userHash().hash(SPORTS_FAN);
        long spentBefore = server.runtime().stores().spend().spentTotalMicros(kaze);
        long seenBefore = server.runtime().stores().frequency().impressions(userHash, kaze, NOW);
        assertTrue(seenBefore >= 1, "the auction counted the win");
        long chargedBefore = server.metrics().notices("bill", "charged");
        long duplicateBefore = server.metrics().notices("bill", "duplicate");
        long winDuplicateBefore = server.metrics().notices("win", "duplicate");

        String bidId = bid.get("id").asText();
        assertEquals(204, fire(bid.get("burl").asText(), requestId, bidId, "1.03", "USD").statusCode());
        assertEquals(204, fire(bid.get("burl").asText(), requestId, bidId, "1.03", "USD").statusCode());
        assertEquals(204, fire(bid.get("nurl").asText(), requestId, bidId, "1.03", "USD").statusCode());

        // 1.03 CPM grossed up by the take rate: ceil(1.03 / 0.85 x 10^6) = 1,211,765 micros CPM = 1,211 per ad
        assertEquals(spentBefore + 1_211, server.runtime().stores().spend().spentTotalMicros(kaze));
        assertEquals(seenBefore, server.runtime().stores().frequency().impressions(userHash, kaze, NOW),
                "counted once, at the auction: the notices count it no more");
        assertEquals(chargedBefore + 1, server.metrics().notices("bill", "charged"));
        assertEquals(duplicateBefore + 1, server.metrics().notices("bill", "duplicate"));
        assertEquals(winDuplicateBefore + 1, server.metrics().notices("win", "duplicate"));
    }

    @Test
    void testRequestsSpendNothing() throws Exception {
        String requestId = "jp-test-request";
        HttpResponse<String> response = post(japanApp(requestId, null, 0, "\"test\":1,"));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode bid = bids(JSON.readTree(response.body())).get(0);
        String burl = bid.get("burl").asText();
        assertTrue(burl.contains("&t=1"), burl);
        Campaign campaign = campaign(bid.get("cid").asText());
        long spentBefore = server.runtime().stores().spend().spentTotalMicros(campaign);
        long testBefore = server.metrics().notices("bill", "test");
        assertEquals(204, fire(burl, requestId, bid.get("id").asText(), "1.03", "USD").statusCode());
        assertEquals(spentBefore, server.runtime().stores().spend().spentTotalMicros(campaign));
        assertEquals(testBefore + 1, server.metrics().notices("bill", "test"));
    }

    @Test
    void clickUrlInTheMarkupRedirectsToTheLandingPage() throws Exception {
        HttpResponse<String> response = post(Files.readString(samples.resolve("iab26spec-simple-banner.json")));
        JsonNode bid = bids(JSON.readTree(response.body())).get(0);
        Matcher href = HREF.matcher(bid.get("adm").asText());
        assertTrue(href.find(), bid.get("adm").asText());
        String click = href.group(1);
        assertTrue(click.startsWith(DEMO_PUBLIC_URL + "/click?"), click);
        HttpResponse<String> redirect = get(click.substring(DEMO_PUBLIC_URL.length()));
        assertEquals(302, redirect.statusCode());
        assertEquals("https://northwind.example/deals", redirect.headers().firstValue("location").orElse(null));
    }

    @Test
    void aBillForAnImpressionMerlinNeverBidOnChargesNothing() throws Exception {
        Campaign kaze = campaign("kaze-sports-fans-apac");
        long before = server.runtime().stores().spend().spentTotalMicros(kaze);
        get("/bill?rid=never-auctioned&iid=1&c=kaze-sports-fans-apac&cr=kaze-run-300x250&price=3.00&cur=USD");
        assertEquals(before, server.runtime().stores().spend().spentTotalMicros(kaze));
    }

    @ParameterizedTest(name = "GET {0} -> {3}")
    @CsvSource({
        "/win?rid=r1&iid=1&c=no-such-campaign&cr=x&price=1.00&sig=00,        win,  bad_signature, 403",
        "/bill?rid=r1&iid=1&c=no-such-campaign&cr=x&price=1.00,              bill, bad_signature, 403",
        "/bill?rid=r1&iid=1&c=northwind-run-of-network&cr=northwind-300x250, bill, bad_signature, 403",
        "/win?rid=r1&c=northwind-run-of-network&price=1.00,                  win,  bad_request,   400",
    })
    void badNoticesAreRefused(String pathAndQuery, String kind, String outcome, int status) throws Exception {
        long before = server.metrics().notices(kind, outcome);
        HttpResponse<String> response = get(pathAndQuery);
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(before + 1, server.metrics().notices(kind, outcome));
    }

    @Test
    void aCurrencyTheExchangeCannotPayInIsNoBid() throws Exception {
        long before = server.metrics().noBids("unknown_currency");
        String body = Files.readString(samples.resolve("iab26spec-simple-banner.json"))
                .replace("\"USD\"", "\"XYZ\"");
        assertEquals(204, post(body).statusCode());
        assertEquals(before + 1, server.metrics().noBids("unknown_currency"));
    }
}
