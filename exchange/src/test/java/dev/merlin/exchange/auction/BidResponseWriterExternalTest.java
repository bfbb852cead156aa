package dev.merlin.exchange.auction;

import static dev.merlin.exchange.auction.AuctionFixture.NOW;
import static dev.merlin.exchange.auction.AuctionFixture.campaign;
import static dev.merlin.exchange.auction.AuctionFixture.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import dev.merlin.exchange.auction.AuctionFixture.Auction;
import dev.merlin.protocol.OpenRtbDatabind;
import dev.merlin.protocol.model.Bid;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.BidResponse;
import dev.merlin.protocol.model.SeatBid;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

/**
 * A DSP's winning bid in Merlin's answer: its own seatbid, Merlin's bid id and signed links naming the DSP, the
 * DSP's markup with the macros filled for the DSP (its price plain or encrypted with its keys), and the markup
 * treated as the untrusted input it is: escaped, unable to pull Merlin's secrets into it, left out when too long.
 * Take rate 15%, second price: the DSP bidding 5.00 on imp i1 beats campaign {@code mpu} (2.00, net 1.70) and pays
 * 1.71 net, 2.011765 gross.
 */
class BidResponseWriterExternalTest {

    private static final long AUCTION_ID = 0x18f3a2c0b4500001L;
    private static final byte[] SECRET = "writer-external-secret".getBytes(StandardCharsets.UTF_8);
    private static final PriceCrypto KEYS = new PriceCrypto(new byte[32], "integrity".getBytes(StandardCharsets.UTF_8));
    private static final String TWO_IMPS = "{\"id\":\"r-1\",\"at\":2,\"site\":{\"domain\":\"p.example\"},"
            + "\"imp\":[{\"id\":\"i1\",\"banner\":{\"w\":300,\"h\":250}},"
            + "{\"id\":\"i2\",\"banner\":{\"w\":300,\"h\":250}}]}";

    private final Auction auction = new Auction(config(0.15,
            campaign("mpu").advertiser("acme", "seat-acme").bid(2)
                    .creative("id: mpu-ad, format: banner, w: 300, h: 250, adomain: [acme.example],"
                            + " markup: '<b>mpu</b>'")));
    private final NoticeUrls urls = new NoticeUrls("https://merlin.test/", SECRET);
    private final ExternalBids bids = new ExternalBids(4);
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
    private int written;

    private BidResponseWriter writer(int maxMarkupLength) {
        return new BidResponseWriter(auction.currencies, urls, maxMarkupLength, new PriceCrypto[] {null, KEYS});
    }

    /** A DSP bid of {@code price} units of {@code currency} (rate to USD {@code rate}) on imp {@code imp}. */
    private ExternalBid dspBid(int dsp, String dspId, String seat, int imp, double price, String currency,
                               double rate, String adm) {
        ExternalBid external = bids.add();
        external.dsp = dsp;
        external.dspId = dspId;
        external.seat = seat;
        external.currency = currency;
        external.impIndex = imp;
        external.dealIndex = -1;
        external.bidMicros = Math.round(price * 1_000_000d);
        external.priceMicros = Math.round(price * rate * 1_000_000d);
        Bid bid = new Bid();
        bid.id = "dsp-bid-9";
        bid.impid = imp == 0 ? "i1" : "i2";
        bid.price = price;
        bid.adm = adm;
        bid.adid = "ad-7";
        bid.crid = "crid-1";
        bid.cid = "dsp-campaign";
        bid.adomain = List.of("brand.example");
        bid.cat = List.of("IAB1");
        bid.attr = List.of(4);
        bid.w = 300;
        bid.h = 250;
        external.bid = bid;
        return external;
    }

    private AuctionResult run(BidRequest request) {
        auction.engine.run(request, AuctionFixture.SELLER, null, 0xabcdefL, NOW, bids, auction.result);
        return auction.result;
    }

    private BidResponse write(BidResponseWriter writer, BidRequest request, AuctionResult result) {
        written = writer.write(request, result, "USD", "demo-ssp", 0xabcdefL, AUCTION_ID, NOW, buffer, 0, 1 << 20);
        assertTrue(written > 0, "written: " + written);
        try {
            return OpenRtbDatabind.mapper().readValue(buffer.byteArray(), 0, written, BidResponse.class);
        } catch (IOException e) {
            throw new UncheckedIOException(buffer.getStringWithoutLengthUtf8(0, written), e);
        }
    }

    private static Bid bidFor(BidResponse response, String impId) {
        for (SeatBid seatBid : response.seatbid) {
            for (Bid bid : seatBid.bid) {
                if (impId.equals(bid.impid)) {
                    return bid;
                }
            }
        }
        throw new AssertionError("no bid for imp " + impId);
    }

    private static Map<String, String> query(String url) {
        Map<String, String> parameters = new HashMap<>();
        for (String pair : url.substring(url.indexOf('?') + 1).split("&")) {
            int equals = pair.indexOf('=');
            parameters.put(pair.substring(0, equals),
                    URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
        return parameters;
    }

    @Test
    void theDspsBidGoesInItsOwnSeatbidWithMerlinsIdPriceAndLinks() {
        BidRequest request = AuctionFixture.request(TWO_IMPS);
        dspBid(0, "tokyo", "seat-tokyo", 0, 5, "USD", 1, "<div>ad</div>");
        AuctionResult result = run(request);
        assertEquals(2, result.count());
        BidResponse response = write(writer(10_000), request, result);
        assertEquals(2, response.seatbid.size());
        assertEquals("seat-tokyo", response.seatbid.get(0).seat);
        assertEquals("seat-acme", response.seatbid.get(1).seat);
        Bid bid = bidFor(response, "i1");
        assertEquals("r-1-i1", bid.id);
        assertEquals(1.71, bid.price, "the publisher's payout: runner-up 1.70 + 0.01");
        assertEquals("<div>ad</div>", bid.adm);
        assertEquals("ad-7", bid.adid);
        assertEquals("crid-1", bid.crid);
        assertEquals("dsp-campaign", bid.cid);
        assertEquals(List.of("brand.example"), bid.adomain);
        assertEquals(List.of("IAB1"), bid.cat);
        assertEquals(List.of(4), bid.attr);
        assertEquals(300, bid.w);
        assertEquals(250, bid.h);
        assertEquals(1, bid.mtype, "the imp's only media type");
        assertNull(bid.dealid);
        assertTrue(bid.nurl.startsWith("https://merlin.test/win?"), bid.nurl);
        assertTrue(bid.burl.startsWith("https://merlin.test/bill?"), bid.burl);
        assertTrue(bid.lurl.startsWith("https://merlin.test/loss?"), bid.lurl);
        Map<String, String> signed = query(bid.burl);
        assertEquals("tokyo", signed.get("c"));
        assertEquals("tokyo", signed.get("d"));
        assertEquals("crid-1", signed.get("cr"));
        assertEquals("1710000", signed.get("bp"));
        NoticeIdentity identity = new NoticeIdentity().auction(AUCTION_ID, NOW).impression("r-1", "i1", "demo-ssp")
                .bid("tokyo", "crid-1", 1_710_000, "USD").dsp("tokyo").user(0xabcdefL).flags(false, false);
        assertTrue(urls.verify(identity, signed.get("sig")), "Merlin signed the DSP's id into the link");
        assertFalse(urls.verify(identity.dsp(null), signed.get("sig")), "a link without d is not the DSP's");
        Bid campaignBid = bidFor(response, "i2");
        assertFalse(campaignBid.burl.contains("&d="), "a campaign's links carry no d");
        assertEquals("mpu", query(campaignBid.burl).get("c"));
    }

    @Test
    void theMarkupsMacrosAreFilledForTheDspInItsCurrency() {
        BidRequest request = AuctionFixture.request(TWO_IMPS);
        dspBid(0, "paris", "seat-paris", 0, 5, "EUR", 1.08, "${AUCTION_ID}|${AUCTION_BID_ID}|${AUCTION_IMP_ID}|"
                + "${AUCTION_SEAT_ID}|${AUCTION_AD_ID}|${AUCTION_CURRENCY}|${AUCTION_PRICE}|${AUCTION_PRICE:ENC}|"
                + "${CLICK_URL}|${CLICK_URL_ENC}|${AUCTION_LOSS}|${AUCTION_MIN_TO_WIN}");
        AuctionResult result = run(request);
        // the DSP pays 2.011765 USD: 2.011765 / 1.08 = 1.862745.. EUR, rounded up
        assertEquals(1_862_746, result.external(0).clearingMicros);
        Bid bid = bidFor(write(writer(10_000), request, result), "i1");
        assertEquals("r-1|dsp-bid-9|i1|seat-paris|ad-7|EUR|1.862746|1.862746|${CLICK_URL}|${CLICK_URL_ENC}|"
                + "${AUCTION_LOSS}|${AUCTION_MIN_TO_WIN}", bid.adm);
    }

    @Test
    void aDspWithPriceKeysGetsItsPriceEncrypted() {
        BidRequest request = AuctionFixture.request(TWO_IMPS);
        dspBid(1, "secret-dsp", "s", 0, 5, "USD", 1, "<img src=\"https://dsp.example/w?p=${AUCTION_PRICE}&e="
                + "${AUCTION_PRICE:ENC}\">");
        AuctionResult result = run(request);
        Bid bid = bidFor(write(writer(10_000), request, result), "i1");
        String prefix = "<img src=\"https://dsp.example/w?p=";
        assertTrue(bid.adm.startsWith(prefix), bid.adm);
        String plain = bid.adm.substring(prefix.length(), prefix.length() + PriceCrypto.ENCODED_LENGTH);
        String encrypted = bid.adm.substring(bid.adm.indexOf("&e=") + 3, bid.adm.length() - 2);
        assertEquals(plain, encrypted);
        assertEquals(2_011_765, KEYS.decrypt(encrypted));
        assertFalse(bid.adm.contains("2.011765"), "no plain price beside it");
    }

    @Test
    void aBidWithoutMarkupAnswersWithTheDspsNurlAndMerlinsBillingAndLossLinks() {
        BidRequest request = AuctionFixture.request(TWO_IMPS);
        ExternalBid external = dspBid(0, "vast", "seat-v", 0, 5, "USD", 1, null);
        external.bid.nurl = "https://dsp.example/vast?p=${AUCTION_PRICE}&b=${AUCTION_BID_ID}&i=${AUCTION_IMP_ID}";
        AuctionResult result = run(request);
        Bid bid = bidFor(write(writer(10_000), request, result), "i1");
        assertNull(bid.adm);
        assertEquals("https://dsp.example/vast?p=2.011765&b=dsp-bid-9&i=i1", bid.nurl);
        assertTrue(bid.burl.startsWith("https://merlin.test/bill?"), bid.burl);
        assertTrue(bid.lurl.startsWith("https://merlin.test/loss?"), bid.lurl);
        assertEquals("vast", query(bid.burl).get("d"));
    }

    @Test
    void hostileMarkupIsEscapedAndReadsBackUnchanged() {
        String hostile = "\"}],\"x\":\"</script><script>alert(1)</script>\\ \u0000\u0001\n\r\t\u001f\u007f"
                + " \u2028 \u2029 \ud800 é 😀";
        BidRequest request = AuctionFixture.request(TWO_IMPS);
        dspBid(0, "tokyo", "seat-tokyo", 0, 5, "USD", 1, hostile);
        BidResponse response = write(writer(10_000), request, run(request));
        String json = buffer.getStringWithoutLengthUtf8(0, written);
        assertFalse(json.contains("\u2028") || json.contains("\u2029"), "line separators are escaped");
        assertTrue(json.contains("\\u2028") && json.contains("\\u2029"));
        for (int i = 0; i < json.length(); i++) {
            assertTrue(json.charAt(i) >= 0x20, "no raw control character at " + i);
        }
        // a lone surrogate cannot travel in UTF-8: it is escaped and reads back as itself
        assertEquals(hostile, bidFor(response, "i1").adm);
        assertEquals(2, response.seatbid.size(), "the markup could not close the bid early");
    }

    @Test
    void theDspsValuesCannotPlantMacrosOrMarkupAndMerlinsSecretsStayOut() {
        BidRequest request = AuctionFixture.request(TWO_IMPS);
        ExternalBid external = dspBid(0, "tokyo", "seat-tokyo", 0, 5, "USD", 1,
                "<a href=\"${CLICK_URL}\">${AUCTION_BID_ID}|${AUCTION_AD_ID}|${AUCTION_SEAT_ID}</a>");
        external.bid.id = "\"><script>${CLICK_URL}</script>";
        external.bid.adid = "${AUCTION_PRICE}";
        external.seat = "s&sig=x";
        Bid bid = bidFor(write(writer(10_000), request, run(request)), "i1");
        assertEquals("<a href=\"${CLICK_URL}\">%22%3E%3Cscript%3E%24%7BCLICK_URL%7D%3C%2Fscript%3E|"
                + "%24%7BAUCTION_PRICE%7D|s%26sig%3Dx</a>", bid.adm);
        String secret = new String(SECRET, StandardCharsets.UTF_8);
        String json = buffer.getStringWithoutLengthUtf8(0, written);
        assertFalse(json.contains(secret), "the notice secret is never written");
        assertFalse(bid.adm.contains("sig=") || bid.adm.contains("abcdef") || bid.adm.contains("merlin.test"),
                "no signed link, user hash or Merlin URL in the DSP's markup: " + bid.adm);
    }

    @Test
    void aDspMarkupTooLongAfterSubstitutionLeavesOutThatBidOnly() {
        BidRequest request = AuctionFixture.request(TWO_IMPS);
        // 60 characters before substitution; each price macro grows to 38 characters
        String growing = "${AUCTION_PRICE:ENC}${AUCTION_PRICE:ENC}${AUCTION_PRICE:ENC}";
        dspBid(1, "big", "seat-big", 0, 5, "USD", 1, growing);
        AuctionResult result = run(request);
        BidResponseWriter writer = writer(100);
        BidResponse response = write(writer, request, result);
        assertTrue(writer.isDropped(0));
        assertFalse(writer.isDropped(1));
        assertEquals(1, writer.droppedCount());
        assertEquals(1, response.seatbid.size());
        assertEquals("seat-acme", response.seatbid.get(0).seat);
        assertEquals("i2", response.seatbid.get(0).bid.get(0).impid);

        bids.clear();
        dspBid(1, "big", "seat-big", 0, 5, "USD", 1, growing);
        dspBid(1, "big", "seat-big", 1, 5, "USD", 1, growing);
        result = run(request);
        assertEquals(BidResponseWriter.MARKUP_TOO_LONG, writer.write(request, result, "USD", null, 0, AUCTION_ID,
                NOW, buffer, 0, 1 << 20), "every winner left out: no bid");
        assertEquals(2, writer.droppedCount());
        assertNotNull(write(writer(10_000), request, result), "the same bids fit a larger bound");
    }

    @Test
    void eachDspHasItsOwnSeatbidsAndOneDspsSeatGathersItsBids() {
        BidRequest request = AuctionFixture.request("{\"id\":\"r\",\"at\":1,\"site\":{\"domain\":\"p.example\"},"
                + "\"imp\":[{\"id\":\"a\",\"banner\":{\"w\":300,\"h\":250}},{\"id\":\"b\",\"banner\":{\"w\":300,"
                + "\"h\":250}},{\"id\":\"c\",\"banner\":{\"w\":300,\"h\":250}}]}");
        dspBid(0, "one", "1", 0, 5, "USD", 1, "x");
        dspBid(1, "two", "1", 1, 5, "USD", 1, "y");
        dspBid(0, "one", "1", 2, 5, "USD", 1, "z");
        BidResponse response = write(writer(10_000), request, run(request));
        assertEquals(2, response.seatbid.size(), "seat 1 of DSP one is not seat 1 of DSP two");
        assertEquals(List.of("a", "c"), response.seatbid.get(0).bid.stream().map(b -> b.impid).toList());
        assertEquals(List.of("b"), response.seatbid.get(1).bid.stream().map(b -> b.impid).toList());

        bids.clear();
        dspBid(0, "noseat", null, 0, 5, "USD", 1, "x");
        response = write(writer(10_000), request, run(request));
        assertEquals("noseat", response.seatbid.get(0).seat, "the DSP's id when it named no seat");
    }

    @Test
    void aDealBidCarriesTheDealId() {
        BidRequest request = AuctionFixture.request("{\"id\":\"r\",\"at\":1,\"site\":{\"domain\":\"p.example\"},"
                + "\"imp\":[{\"id\":\"a\",\"video\":{\"mimes\":[\"video/mp4\"]},\"pmp\":{\"private_auction\":1,"
                + "\"deals\":[{\"id\":\"DEAL-9\",\"bidfloor\":1}]}}]}");
        ExternalBid external = dspBid(0, "one", "1", 0, 5, "USD", 1, "<VAST/>");
        external.dealIndex = 0;
        external.bid.mtype = 2;
        Bid bid = bidFor(write(writer(10_000), request, run(request)), "a");
        assertEquals("DEAL-9", bid.dealid);
        assertEquals(2, bid.mtype);
        assertEquals(4.25, bid.price, "first price: 5.00 x 0.85");
    }

    @Test
    void writingADspWinnerAllocatesNothing() {
        Object bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof ThreadMXBean, "needs HotSpot's per-thread allocation counter");
        ThreadMXBean threads = (ThreadMXBean) bean;
        BidRequest request = AuctionFixture.request("{\"id\":\"r\",\"at\":2,\"cur\":[\"JPY\"],"
                + "\"site\":{\"domain\":\"p.example\"},\"imp\":[{\"id\":\"a\",\"banner\":{\"w\":300,\"h\":250}},"
                + "{\"id\":\"b\",\"banner\":{\"w\":300,\"h\":250}},{\"id\":\"c\",\"banner\":{\"w\":300,\"h\":250}}]}");
        String markup = "<a href=\"https://dsp.example/c?p=${AUCTION_PRICE}&id=${AUCTION_BID_ID}&cur="
                + "${AUCTION_CURRENCY}\">${CLICK_URL} \"é\" \u2028</a>";
        dspBid(0, "plain", "p", 0, 5, "EUR", 1.08, markup);
        dspBid(1, "encrypted", "e", 1, 5, "USD", 1, markup);
        AuctionResult result = run(request);
        assertEquals(3, result.count());
        BidResponseWriter writer = writer(10_000);
        Random random = new Random(1);
        long total = 0;
        for (int i = 0; i < 50_000; i++) {
            total += writer.write(request, result, "JPY", "demo-ssp", random.nextLong(), AUCTION_ID, NOW, buffer, 0,
                    1 << 20);
        }
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < 5 && fewest > 0; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                total += writer.write(request, result, "JPY", "demo-ssp", 0xabcdefL, AUCTION_ID, NOW, buffer, 0,
                        1 << 20);
            }
            fewest = Math.min(fewest, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertTrue(total > 0);
        assertEquals(0.0, fewest / 20_000d, 0.01, "bytes per response: " + fewest + " in the best round");
    }
}
