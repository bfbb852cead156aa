package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.DemoSeller;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.SpendLedger;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Files;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import java.math.BigInteger;
import java.net.URLEncoder;

/**
 * The money path end to end on an {@link EmbeddedChannel}: an auction, then the seller's win or billing notice,
 * and what it charged. One campaign bidding 3.00 USD CPM, take rate 15%, second price, imp floor 1.00 USD: Merlin
 * bids 1.00 USD (in the response currency) and its own auction charges 1.00 / 0.85 = 1.176471 USD CPM, 1,176 micros
 * per impression — the most any notice for that bid may charge.
 */
class NoticeEndpointTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BASE = "https://merlin.test";
    private static final long NOW = Instant.parse("2026-06-15T12:00:00Z").getEpochSecond();

    @TempDir
    Path dataDir;
    private final AtomicLong clock = new AtomicLong(NOW);
    private ExchangeRuntime runtime;
    private EmbeddedChannel channel;

    @BeforeEach
    void open() {
        String yaml = "exchange:\n"
                + "  currency: USD\n"
                + "  takeRate: 0.15\n"
                + "  publicUrl: " + BASE + "\n"
                + "  currencyRates: {EUR: 1.08, JPY: 0.0067}\n"
                + "advertisers:\n"
                + "  - id: acme\n"
                + "    campaigns:\n"
                + "      - id: c0\n"
                + "        bid: {amount: 3.00}\n"
                + "        creatives:\n"
                + "          - {id: ad, format: banner, w: 300, h: 250, markup: '<a href=\"${CLICK_URL}\">x</a>',"
                + " landingPage: 'https://acme.example/', adomain: [acme.example]}\n";
        MerlinConfig config = ConfigLoader.parse(yaml, "test").withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L))
                .withSellers(List.of(DemoSeller.SELLER)).validate();
        runtime = ExchangeRuntime.open(config, new ExchangeMetrics(), clock::get);
        channel = new EmbeddedChannel();
        runtime.newPipeline().configure(channel.pipeline());
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        runtime.close();
    }

    @AfterAll
    static void noLeaks() {
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    /** Auctions one 300x250 imp (floor 1.00 USD) answered in {@code cur}: Merlin bids 1.00 USD in that currency. */
    private JsonNode bid(String requestId, String cur) throws Exception {
        String body = "{\"id\":\"" + requestId + "\",\"at\":2,\"cur\":[\"" + cur + "\"],"
                + "\"site\":{\"domain\":\"p.example\"},"
                + "\"imp\":[{\"id\":\"1\",\"bidfloor\":1.00,\"bidfloorcur\":\"USD\","
                + "\"banner\":{\"w\":300,\"h\":250}}]}";
        String response = exchange("POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\n" + DemoSeller.HEADER
                + "Content-Type: application/json\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body);
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        JsonNode root = JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
        assertEquals(cur, root.get("cur").asText());
        return root.get("seatbid").get(0).get("bid").get(0);
    }

    /** GETs a notice link as the seller would fire it; the status line and body. */
    private String get(String url) {
        assertTrue(url.startsWith(BASE), url);
        String path = url.substring(BASE.length()).replace("${", "%24%7B").replace("}", "%7D");
        return exchange("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
    }

    private String exchange(String request) {
        ByteBuf in = Unpooled.wrappedBuffer(request.getBytes(StandardCharsets.UTF_8));
        channel.writeInbound(in);
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        ByteBuf chunk;
        while ((chunk = channel.readOutbound()) != null) {
            out.append(chunk.toString(StandardCharsets.UTF_8));
            chunk.release();
        }
        assertTrue(channel.isOpen(), "a notice never closes the connection");
        return out.toString();
    }

    private long spent() {
        Campaign c0 = runtime.catalog().byId("c0");
        return runtime.stores().spend().spentTotalMicros(c0);
    }

    private long notices(String kind, String outcome) {
        return runtime.metrics().notices(kind, outcome);
    }

    private static String filled(String url, String price) {
        return url.replace("${AUCTION_PRICE}", price);
    }

    /**
     * The signature covers each signed value encoded: moving {@code &np=1&t=1} inside {@code bc} as
     * {@code %26np%3D1%26t%3D1} must not pass for the same signed text (it turned a test bid into a charge).
     */
    @Test
    void signedParametersCannotBeSmuggledInsideAnotherValue() throws Exception {
        String body = "{\"id\":\"rt\",\"test\":1,\"at\":2,\"cur\":[\"USD\"],\"site\":{\"domain\":\"p.example\"},"
                + "\"imp\":[{\"id\":\"1\",\"bidfloor\":1.00,\"banner\":{\"w\":300,\"h\":250}}]}";
        String response = exchange("POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\n" + DemoSeller.HEADER
                + "Content-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body);
        String burl = JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4))
                .get("seatbid").get(0).get("bid").get(0).get("burl").asText();
        assertTrue(burl.contains("&bc=USD&s=demo-ssp&np=1&t=1&sig="), burl);
        String smuggled = burl.replace("&s=demo-ssp&np=1&t=1&sig=", "&s=demo-ssp%26np%3D1%26t%3D1&sig=");
        assertTrue(get(filled(smuggled, "1.00")).startsWith("HTTP/1.1 403"), "the altered link must not verify");
        assertEquals(0, spent(), "a test request spends nothing");
        assertTrue(get(filled(burl, "1.00")).startsWith("HTTP/1.1 204"), "the link as issued verifies");
        assertEquals(0, spent(), "and, being a test, charges nothing");
    }

    @Test
    void aReportedPriceIsGrossedUpByTheTakeRate() throws Exception {
        JsonNode bid = bid("r1", "USD");
        assertEquals(1.0, bid.get("price").asDouble());
        assertTrue(get(filled(bid.get("burl").asText(), "0.85")).startsWith("HTTP/1.1 204"));
        assertEquals(1000, spent(), "0.85 CPM / 0.85 = 1.00 CPM = 1,000 micros per impression");
        assertEquals(1, notices("bill", "charged"));
    }

    /** 10,000,000 x 10^6 x 10^6 overflowed the gross-up: a negative charge handed budget back. */
    @ParameterizedTest(name = "price={0}")
    @ValueSource(strings = {"10000000", "9300000", "1e300", "99999999999999999999", "1.000001"})
    void aPriceAboveTheBidIsClampedAtTheBidsOwnPriceNeverNegative(String price) throws Exception {
        JsonNode bid = bid("r1", "USD");
        assertTrue(get(filled(bid.get("burl").asText(), price)).startsWith("HTTP/1.1 204"));
        assertEquals(1176, spent(), "clamped at Merlin's own 1.00 bid grossed up, 1.176 CPM; never the 3.00 bid");
    }

    /** The response was in JPY; a seller that leaves ${AUCTION_CURRENCY} unfilled had its price read as USD. */
    @ParameterizedTest(name = "cur={0}")
    @ValueSource(strings = {"${AUCTION_CURRENCY}", "", "USD", "JPY"})
    void aPriceIsReadInTheBidsOwnCurrencyWhateverTheCurrencyMacroSays(String cur) throws Exception {
        JsonNode bid = bid("r1", "JPY");
        String price = bid.get("price").asText();
        assertEquals("149.253731", price, "1.00 USD in JPY at 0.0067");
        get(filled(bid.get("burl").asText(), price).replace("${AUCTION_CURRENCY}", cur));
        assertEquals(1176, spent(), "1.00 USD clearing grossed up by 15% = 1.176 CPM = 1,176 micros per impression");
    }

    @Test
    void aLowerClearingPriceInTheBidsCurrencyIsChargedAsSuch() throws Exception {
        JsonNode bid = bid("r1", "EUR");
        // 0.85 USD in EUR at 1.08: 0.787037; grossed up: 1.00 USD CPM
        get(filled(bid.get("burl").asText(), "0.787037"));
        assertEquals(1000, spent());
    }

    /** An unfilled ${AUCTION_PRICE} charged the campaign's full 3.00 bid, not what Merlin's own auction cleared. */
    @Test
    void anUnfilledPriceChargesTheBidsOwnPriceNotTheCampaignsBid() throws Exception {
        JsonNode bid = bid("r1", "USD");
        assertEquals(1.0, bid.get("price").asDouble());
        assertTrue(get(bid.get("burl").asText()).startsWith("HTTP/1.1 204"));
        assertEquals(1176, spent(), "Merlin's own auction cleared at 1.00: 1.176 CPM");

        String nurl = bid("r2", "USD").get("nurl").asText();
        assertTrue(get(nurl.substring(0, nurl.indexOf("&price="))).startsWith("HTTP/1.1 204"), "no price at all");
        assertEquals(2 * 1176, spent());
        assertEquals(1, notices("bill", "charged"));
        assertEquals(1, notices("win", "charged"));
    }

    @ParameterizedTest(name = "{0} -> \"{1}\"")
    @CsvSource({
        "&bp=1000000&,             &bp=3000000&",
        "&bp=1000000&,             &",
        "&bc=USD&,                 &bc=JPY&",
        "&bc=USD&,                 &",
        "&bt=1781524800&,          &bt=1781611200&",    // a day later, to dodge the charge window
        "&bt=1781524800&,          &",
        "&bt=1781524800&bp=1000000&bc=USD&, &",
        "&s=demo-ssp&,             &s=other-ssp&",       // the seller, whose publisher the payout goes to
        "&s=demo-ssp&,             &",
    })
    void aLinkWithItsAuctionTimeBidPriceOrCurrencyAlteredOrRemovedIsForbidden(String signed, String altered)
            throws Exception {
        assertEquals(1781524800L, NOW);
        String burl = filled(bid("r1", "USD").get("burl").asText(), "1.00");
        assertTrue(burl.contains(signed), burl);
        String response = get(burl.replace(signed, altered));
        assertTrue(response.startsWith("HTTP/1.1 403"), response);
        assertEquals(0, spent());
        assertEquals(1, notices("bill", "bad_signature"));
    }

    /**
     * A link signed without the auction id, time, bid price and currency is not one Merlin issues: every notice and
     * the click on it are refused as unsigned, and nothing is charged, released or counted.
     */
    @Test
    void aLinkWithoutTheSignedAuctionTimePriceAndCurrencyIsRefused() throws Exception {
        bid("r1", "USD");
        String query = unpricedSignedQuery("r1");
        for (String kind : new String[] {"win", "bill", "loss"}) {
            String response = get(BASE + "/" + kind + "?" + query + "&price=1.00&cur=USD&loss=102");
            assertTrue(response.startsWith("HTTP/1.1 403"), response);
            assertEquals(1, notices(kind, "bad_signature"));
        }
        assertEquals(0, spent());
        assertTrue(get(BASE + "/click?" + query).startsWith("HTTP/1.1 403"));
        assertEquals(1, notices("click", "bad_signature"));
    }

    @Test
    void aNoticeLaterThanTheChargeWindowAfterItsAuctionIsNotCharged() throws Exception {
        String late = filled(bid("r1", "USD").get("burl").asText(), "0.85");
        String onTime = filled(bid("r2", "USD").get("burl").asText(), "0.85");
        clock.set(NOW + 86_400);
        assertTrue(get(onTime).startsWith("HTTP/1.1 204"));
        assertEquals(1000, spent(), "a day after its auction, the last second of the default window");
        clock.set(NOW + 86_401);
        assertTrue(get(late).startsWith("HTTP/1.1 204"));
        assertEquals(1000, spent());
        assertEquals(1, notices("bill", "expired"));
        assertEquals(1, notices("bill", "charged"));
    }

    /**
     * The charge-once map never forgot an impression: once full, every notice was refused for ever, and spend,
     * budgets, pacing and frequency caps stopped. Now the maintenance purge forgets impressions past the window.
     */
    @Test
    void aFullChargeOnceMapIsCountedAndRecoversOnceOldImpressionsAreForgotten() throws Exception {
        Campaign c0 = runtime.catalog().byId("c0");
        // Chronicle Map fills segment by segment: fill until 2,000 keys in a row are refused, i.e. every segment
        int filled = 0;
        int refused = 0;
        for (int key = 0, inARow = 0; inARow < 2_000; key++) {
            assertTrue(key < 1_000_000, "the charge-once map never filled");
            SpendLedger.Charge charge = runtime.stores().spend().charge("old-" + key, "1", NOW - 3_600, c0, 0, NOW);
            if (charge == SpendLedger.Charge.CHARGED) {
                filled++;
                inARow = 0;
            } else {
                refused++;
                inARow++;
            }
        }
        String burl = filled(bid("r1", "USD").get("burl").asText(), "0.85");
        assertTrue(get(burl).startsWith("HTTP/1.1 204"), "refused, not failed");
        assertEquals(1, notices("bill", "refused_full"));
        assertEquals(refused + 1, runtime.stores().spend().refusedFull());
        assertEquals(0, spent());

        clock.set(NOW - 3_600 + 86_400 + 600);   // the window and the purge's 10-minute slack
        assertEquals(0, runtime.stores().purgeExpiredCharges(),
                "within the window (and its slack) nothing is forgotten");
        clock.set(NOW + 2 * 86_400);
        // the impressions forgotten, and the commitment of r1's bid (refused, so never settled) released
        assertEquals(filled + 1, runtime.stores().purgeExpiredCharges());
        assertEquals(0, runtime.stores().spend().openCommitments());
        assertEquals(0, runtime.stores().spend().chargedImpressions());
        String fresh = filled(bid("r2", "USD").get("burl").asText(), "0.85");
        assertTrue(get(fresh).startsWith("HTTP/1.1 204"));
        assertEquals(1000, spent());
        assertEquals(1, notices("bill", "charged"));
        assertTrue(get(burl).startsWith("HTTP/1.1 204"), "the impression refused while the map was full");
        assertEquals(1, notices("bill", "expired"), "is now past its window, and is not charged");
    }

    /** {@code rid..cr&np=1&sig=..}, without a, bt, bp and bc, signed under this runtime's notice key. */
    private String unpricedSignedQuery(String requestId) throws Exception {
        byte[] key = HexFormat.of().parseHex(Files.readString(dataDir.resolve("notice.key")).trim());
        String query = "rid=" + requestId + "&iid=1&c=c0&cr=ad&np=1";
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return query + "&sig=" + HexFormat.of().formatHex(mac.doFinal(query.getBytes(StandardCharsets.UTF_8)), 0, 16);
    }

    @Test
    void theChargeIsBetweenZeroAndTheBidsOwnPriceGrossedUp() {
        NoticeEndpoint endpoint = new NoticeEndpoint(runtime.catalog(), runtime.noticeUrls(), runtime.currencies(),
                runtime.stores().spend(), runtime.stores().frequency(), runtime.tracking(),
                runtime.stores().sellerStats(), runtime.stores().erasures(), runtime.stores().events(),
                runtime.config().exchange().takeRate(), runtime.metrics(), runtime::nowEpochSeconds);
        long bid = 1_000_000;   // 1.00 USD CPM offered; grossed up 1.176471
        assertEquals(1176, endpoint.chargePerImpressionMicros(null, bid, "USD"));
        assertEquals(1176, endpoint.chargePerImpressionMicros("${AUCTION_PRICE}", bid, "USD"));
        assertEquals(1176, endpoint.chargePerImpressionMicros("5", bid, "USD"));
        assertEquals(1176, endpoint.chargePerImpressionMicros("1e300", bid, "USD"));
        assertEquals(1176, endpoint.chargePerImpressionMicros("0.5", bid, "XYZ"), "a currency no longer known");
        assertEquals(588, endpoint.chargePerImpressionMicros("0.5", bid, "USD"));
        assertEquals(1176, endpoint.chargePerImpressionMicros("149.253731", bid, "JPY"));
        assertEquals(0, endpoint.chargePerImpressionMicros("0", bid, "USD"));
        assertEquals(0, endpoint.chargePerImpressionMicros("-0", bid, "USD"));
        assertEquals(0, endpoint.chargePerImpressionMicros("5", 0, "USD"), "a bid of 0 charges 0");
        assertEquals(NoticeEndpoint.NOT_A_PRICE, endpoint.chargePerImpressionMicros("-0.01", bid, "USD"));
        assertEquals(NoticeEndpoint.NOT_A_PRICE, endpoint.chargePerImpressionMicros("NaN", bid, "USD"));
        assertEquals(NoticeEndpoint.NOT_A_PRICE, endpoint.chargePerImpressionMicros("1e400", bid, "USD"));
        long hugeBid = 9_000_000_000_000L;   // 9M USD CPM: the gross-up stays positive
        BigInteger[] grossed = BigInteger.valueOf(hugeBid).multiply(
                BigInteger.valueOf(1_000_000)).divideAndRemainder(BigInteger.valueOf(850_000));
        long expected = (grossed[0].longValueExact() + grossed[1].signum()) / 1000;
        assertEquals(expected, endpoint.chargePerImpressionMicros("1e300", hugeBid, "USD"));
    }

    @ParameterizedTest(name = "price={0}")
    @ValueSource(strings = {"NaN", "Infinity", "-Infinity", "-1", "-0.01", "1e400", "0x1p3", "1.5d", " 1.5",
        "abc", "AAABkWq0Fzg8Hh0FnV7rHQ"})
    void aPriceThatIsNotOneIsRefusedCountedAndLeavesTheImpressionChargeable(String price) throws Exception {
        JsonNode bid = bid("r1", "USD");
        String response = get(filled(bid.get("burl").asText(), URLEncoder.encode(price,
                StandardCharsets.UTF_8)));
        assertTrue(response.startsWith("HTTP/1.1 400"), response);
        assertTrue(response.contains("is not a clearing price"), response);
        assertEquals(0, spent());
        assertEquals(1, notices("bill", "bad_price"));
        assertEquals(0, notices("bill", "charged"));
        // the refusal did not use up the impression: the win notice with a real price charges it
        assertTrue(get(filled(bid.get("nurl").asText(), "0.85")).startsWith("HTTP/1.1 204"));
        assertEquals(1000, spent());
    }

    @Test
    void grossingUpNeverOverflows() {
        long keep = 850_000;
        assertEquals(1_176_471, NoticeEndpoint.grossUpMicros(1_000_000, keep));
        assertEquals(0, NoticeEndpoint.grossUpMicros(0, keep));
        assertEquals(2, NoticeEndpoint.grossUpMicros(1, keep), "rounded up, as the auction does");
        for (long net : new long[] {1, 999_999, 1_000_000, 123_456_789_012L, 9_000_000_000_000L}) {
            long naive = (net * 1_000_000L + keep - 1) / keep;
            assertEquals(naive, NoticeEndpoint.grossUpMicros(net, keep), "net " + net);
        }
        long huge = NoticeEndpoint.grossUpMicros(Long.MAX_VALUE / 2, 1_000_000);
        assertEquals(Long.MAX_VALUE / 2, huge, "a keep of 100% leaves the amount as it is");
    }

    @Test
    void pricesAreParsedStrictly() {
        assertEquals(1.5, NoticeEndpoint.parsePrice("1.5"));
        assertEquals(0.0012, NoticeEndpoint.parsePrice("1.2E-3"));
        assertEquals(-1.0, NoticeEndpoint.parsePrice("-1"), "a sign parses; the caller refuses a negative");
        for (String notAPrice : new String[] {"NaN", "Infinity", "0x10", "1f", "1.5 ", "", "1..2", "e"}) {
            assertTrue(Double.isNaN(NoticeEndpoint.parsePrice(notAPrice)), notAPrice);
        }
    }
}
