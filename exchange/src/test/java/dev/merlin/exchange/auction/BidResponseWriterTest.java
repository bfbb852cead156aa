package dev.merlin.exchange.auction;

import static dev.merlin.exchange.auction.AuctionFixture.campaign;
import static dev.merlin.exchange.auction.AuctionFixture.config;
import static dev.merlin.exchange.auction.AuctionFixture.deals;
import static dev.merlin.exchange.auction.AuctionFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.ServerConfig;
import dev.merlin.exchange.auction.AuctionFixture.Auction;
import dev.merlin.protocol.OpenRtbDatabind;
import dev.merlin.protocol.model.Bid;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.BidResponse;
import dev.merlin.protocol.model.SeatBid;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.w3c.dom.Document;

/**
 * The bid response for an auction's winners: one seatbid per seat, every bid field, macros in the markup, notice
 * URLs back at Merlin, and the response currency. Take rate 15%, public URL {@code https://merlin.test/}.
 */
class BidResponseWriterTest {

    private static final long AUCTION_ID = 0x18f3a2c0b4500001L;

    private static final String BASE = "https://merlin.test";

    /** Markup echoing every macro Merlin substitutes, and one it does not know. */
    private static final String MACRO_MARKUP = "'<a href=\"${CLICK_URL}\">${AUCTION_ID}|${AUCTION_IMP_ID}|"
            + "${AUCTION_PRICE}|${AUCTION_BID_ID}|${AUCTION_CURRENCY}|${AUCTION_SEAT_ID}|${AUCTION_AD_ID}|"
            + "${AUCTION_LOSS}</a>'";

    private final Auction auction = new Auction(config(0.15,
            campaign("mpu").advertiser("acme", "seat-acme").bid(2)
                    .creative("id: mpu-ad, format: banner, w: 300, h: 250, markup: " + MACRO_MARKUP
                            + ", adomain: [acme.example], cat: [IAB20-3], attr: [1, 3]"),
            campaign("leader").advertiser("acme", "seat-acme").bid(1.2).banner(728, 90),
            campaign("sky").advertiser("zeta", "seat-zeta").bid(1)
                    .creative("id: sky-app, format: banner, w: 160, h: 600, adomain: [zeta.example],"
                            + " bundle: com.zeta.game"),
            campaign("deal").advertiser("agency", "Agency1").bid(3).targeting(deals("D-1"))
                    .creative("id: deal-video, format: video, durationSeconds: 15, mimes: [video/mp4]")));

    private final BidResponseWriter writer = new BidResponseWriter(auction.currencies,
            new NoticeUrls(auction.config.exchange().publicUrl(), "test-notice-secret".getBytes()),
            ServerConfig.defaults().maxMarkupLength());

    private static final String THREE_IMPS = "{\"id\":\"auction-7\",\"at\":1,\"site\":{\"domain\":\"p.example\"},"
            + "\"imp\":[{\"id\":\"i1\",\"banner\":{\"w\":300,\"h\":250}},"
            + "{\"id\":\"i2\",\"banner\":{\"w\":160,\"h\":600}},"
            + "{\"id\":\"i3\",\"banner\":{\"w\":728,\"h\":90}}]}";

    private BidResponse respond(BidRequest request, long userHash) {
        AuctionResult result = auction.run(request, null, userHash, AuctionFixture.NOW);
        String currency = writer.responseCurrency(request);
        return write(request, result, currency, userHash);
    }

    /** What the writer writes, parsed back with databind. */
    private BidResponse write(BidRequest request, AuctionResult result, String currency, long userHash) {
        ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        int length = writer.write(request, result, currency, null, userHash, AUCTION_ID, AuctionFixture.NOW, buffer,
                0, Integer.MAX_VALUE);
        assertTrue(length > 0, "written: " + length);
        try {
            return OpenRtbDatabind.mapper().readValue(buffer.byteArray(), 0, length, BidResponse.class);
        } catch (IOException e) {
            throw new UncheckedIOException(buffer.getStringWithoutLengthUtf8(0, length), e);
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

    @Test
    void oneSeatbidPerSeatInFirstWinOrder() {
        BidResponse response = respond(request(THREE_IMPS), 0);
        assertEquals("auction-7", response.id);
        assertEquals("USD", response.cur);
        assertEquals(2, response.seatbid.size());
        assertEquals("seat-acme", response.seatbid.get(0).seat);
        assertEquals(List.of("i1", "i3"), response.seatbid.get(0).bid.stream().map(b -> b.impid).toList());
        assertEquals("seat-zeta", response.seatbid.get(1).seat);
        assertEquals(List.of("i2"), response.seatbid.get(1).bid.stream().map(b -> b.impid).toList());
    }

    @Test
    void everyBidFieldComesFromTheWinnerAndItsCreative() {
        BidResponse response = respond(request(THREE_IMPS), 0);
        Bid bid = bidFor(response, "i1");
        assertEquals("auction-7-i1", bid.id);
        assertEquals(1.7, bid.price);                       // first price: 2.00 x 0.85
        assertEquals("mpu-ad", bid.crid);
        assertEquals("mpu-ad", bid.adid);
        assertEquals("mpu", bid.cid);
        assertEquals(List.of("acme.example"), bid.adomain);
        assertEquals(List.of("IAB20-3"), bid.cat);
        assertEquals(List.of(1, 3), bid.attr);
        assertEquals(300, bid.w);
        assertEquals(250, bid.h);
        assertEquals(1, bid.mtype);
        assertNull(bid.dealid);
        assertNull(bid.bundle);

        Bid sky = bidFor(response, "i2");
        assertEquals(0.85, sky.price);
        assertEquals("com.zeta.game", sky.bundle);
        assertEquals(160, sky.w);
        assertEquals(600, sky.h);
        assertEquals(List.of("IAB24"), bidFor(response, "i3").cat);
    }

    @Test
    void markupMacrosAreSubstituted() {
        Bid bid = bidFor(respond(request(THREE_IMPS), 0), "i1");
        int hrefEnd = bid.adm.indexOf("\">");
        String click = bid.adm.substring("<a href=\"".length(), hrefEnd);
        assertTrue(click.startsWith(BASE + "/click?a=" + AuctionIds.format(AUCTION_ID)
                + "&rid=auction-7&iid=i1&c=mpu&cr=mpu-ad"), click);
        assertEquals("<a href=\"" + click + "\">auction-7|i1|1.7|auction-7-i1|USD|seat-acme|mpu-ad|"
                + "${AUCTION_LOSS}</a>", bid.adm);
    }

    /**
     * The ids come from the request: substituted URL-encoded, a hostile one breaks out of no HTML attribute, native
     * JSON string or VAST CDATA, and plants no macro for the SSP to expand.
     */
    @Test
    void requestIdsInMarkupCannotBreakOutOfItsContext() throws Exception {
        Auction hostile = new Auction(config(0,
                campaign("ban").bid(2).creative("id: ban-ad, format: banner, w: 300, h: 250,"
                        + " markup: '<img src=\"https://t.example/imp?a=${AUCTION_ID}&i=${AUCTION_IMP_ID}\"/>'"),
                campaign("nat").bid(2).creative("id: nat-ad, format: native,"
                        + " markup: '{\"native\":{\"imptrackers\":[\"https://t.example/imp?a=${AUCTION_ID}\"]}}'"),
                campaign("vid").bid(2).creative("id: vid-ad, format: video, durationSeconds: 15, mimes: [video/mp4],"
                        + " markup: '<VAST version=\"4.0\"><Ad><InLine><Impression><![CDATA[https://t.example/imp?"
                        + "a=${AUCTION_ID}]]></Impression></InLine></Ad></VAST>'")));
        String id = "x\"/><script>alert(1)</script>]]><Impression>https://evil.example/</Impression>"
                + "&a=${AUCTION_PRICE}#";
        BidRequest request = request("{\"id\":" + new ObjectMapper().writeValueAsString(id)
                + ",\"site\":{\"domain\":\"p.example\"},\"imp\":["
                + "{\"id\":\"b\\\"1\",\"banner\":{\"w\":300,\"h\":250}},"
                + "{\"id\":\"n1\",\"native\":{\"request\":\"{}\"}},"
                + "{\"id\":\"v1\",\"video\":{\"mimes\":[\"video/mp4\"]}}]}");
        AuctionResult result = hostile.run(request, null, 0, AuctionFixture.NOW);
        BidResponse response = write(request, result, "USD", 0);
        String banner = bidFor(response, "b\"1").adm;
        assertFalse(banner.contains("<script>") || banner.contains("${AUCTION_PRICE}"), banner);
        assertEquals("<img src=\"https://t.example/imp?a=" + NoticeUrls.encode(id) + "&i=b%221\"/>", banner);
        String nativeAdm = bidFor(response, "n1").adm;
        assertEquals("https://t.example/imp?a=" + NoticeUrls.encode(id), new ObjectMapper()
                .readTree(nativeAdm).path("native").path("imptrackers").get(0).asText(), "native adm stays JSON");
        String vast = bidFor(response, "v1").adm;
        Document xml = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(vast.getBytes(StandardCharsets.UTF_8)));
        assertEquals(1, xml.getElementsByTagName("Impression").getLength(), "VAST gained no impression: " + vast);
        assertEquals(AuctionIds.format(AUCTION_ID), response.bidid,
                "${AUCTION_BID_ID} is filled from bidid (OpenRTB 2.6): Merlin's auction id");
    }

    @Test
    void noticeUrlsPointBackAtMerlinWithThePriceMacro() {
        Bid bid = bidFor(respond(request(THREE_IMPS), 0), "i1");
        String impression = "?a=" + AuctionIds.format(AUCTION_ID) + "&rid=auction-7&iid=i1&c=mpu&cr=mpu-ad";
        assertTrue(bid.nurl.startsWith(BASE + "/win" + impression + "&"), bid.nurl);
        assertTrue(bid.burl.startsWith(BASE + "/bill" + impression + "&"), bid.burl);
        assertTrue(bid.lurl.startsWith(BASE + "/loss" + impression + "&"), bid.lurl);
        for (String url : List.of(bid.nurl, bid.burl)) {
            assertTrue(url.contains("price=${AUCTION_PRICE}"), url);
            assertTrue(url.contains("cur=${AUCTION_CURRENCY}"), url);
            assertTrue(url.contains("auction=${AUCTION_ID}"), url);
            assertFalse(url.contains("&t=1"), url);
            assertFalse(url.contains("&u="), url);
        }
        assertTrue(bid.lurl.contains("loss=${AUCTION_LOSS}"), bid.lurl);
    }

    @Test
    void lossUrlCarriesTheClearingPriceMacro() {
        Bid bid = bidFor(respond(request(THREE_IMPS), 0), "i1");
        assertTrue(bid.lurl.contains("${AUCTION_PRICE}"), bid.lurl);
    }

    @ParameterizedTest(name = "test={0}, userHash={1} -> tracking \"{2}\"")
    @CsvSource(nullValues = "null", value = {
        "null, 0,   '&np=1'",
        "0,    0,   '&np=1'",
        "1,    0,   '&np=1&t=1'",
        "null, 255, '&u=ff'",
        "1,    255, '&u=ff&t=1'",
    })
    void testRequestsAndUsersAreMarkedInWinAndBillUrls(Integer test, long userHash, String tracking) {
        BidRequest request = request(THREE_IMPS);
        request.test = test;
        Bid bid = bidFor(respond(request, userHash), "i1");
        String prefix = "?a=" + AuctionIds.format(AUCTION_ID) + "&rid=auction-7&iid=i1&c=mpu&cr=mpu-ad&bt="
                + AuctionFixture.NOW + "&bp=1700000&bc=USD"
                + tracking + "&sig=";
        assertTrue(bid.nurl.startsWith(BASE + "/win" + prefix), bid.nurl);
        assertTrue(bid.burl.startsWith(BASE + "/bill" + prefix), bid.burl);
        assertTrue(bid.nurl.contains("&auction=${AUCTION_ID}"), bid.nurl);
    }

    @Test
    void dealBidsCarryTheDealIdAndVideoMtype() {
        BidRequest request = request("{\"id\":\"r\",\"site\":{\"domain\":\"p.example\"},\"imp\":[{\"id\":\"v\","
                + "\"video\":{\"mimes\":[\"video/mp4\"]},\"pmp\":{\"private_auction\":1,\"deals\":["
                + "{\"id\":\"OTHER\"},{\"id\":\"D-1\",\"wseat\":[\"Agency1\"]}]}}]}");
        BidResponse response = respond(request, 0);
        assertEquals("Agency1", response.seatbid.get(0).seat);
        Bid bid = response.seatbid.get(0).bid.get(0);
        assertEquals("D-1", bid.dealid);
        assertEquals(2, bid.mtype);
        assertNull(bid.w);
        assertNull(bid.h);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"USD", "JPY", "EUR"})
    void noticeLinksSignTheAuctionTimeTheBidsOwnPriceAndTheResponseCurrency(String currency) {
        BidRequest request = request(THREE_IMPS);
        request.cur = List.of(currency);
        Bid bid = bidFor(respond(request, 0), "i1");
        // whatever the response currency, bp is the bid's price in exchange-currency micros: 2.00 x 0.85 USD
        String signed = "?a=" + AuctionIds.format(AUCTION_ID) + "&rid=auction-7&iid=i1&c=mpu&cr=mpu-ad&bt="
                + AuctionFixture.NOW + "&bp=1700000&bc=" + currency
                + "&np=1&sig=";
        for (String url : List.of(bid.nurl, bid.burl, bid.lurl)) {
            assertTrue(url.contains(signed), url);
        }
        assertTrue(bid.adm.contains("/click" + signed), bid.adm);
    }

    @ParameterizedTest(name = "cur={0} -> {1}")
    @CsvSource(nullValues = "null", value = {
        "null,     USD",
        "USD,      USD",
        "JPY,      JPY",
        "JPY|USD,  USD",   // the exchange currency whenever the seller accepts it
        "XYZ|EUR,  EUR",   // else the first the exchange can convert
        "XYZ,      null",
        "usd,      null",
    })
    void responseCurrency(String accepted, String expected) {
        BidRequest request = request(THREE_IMPS);
        request.cur = accepted == null ? null : List.of(accepted.split("\\|"));
        assertEquals(expected, writer.responseCurrency(request));
    }

    @ParameterizedTest(name = "{0}: price {1}")
    @CsvSource({
        // 2.00 x 0.85 = 1.70 USD; in JPY 1.70 / 0.0067 = 253.731343…; in EUR 1.70 / 1.08 = 1.574074…
        "USD, 1.7,        1.7",
        "JPY, 253.731343, 253.731343",
        "EUR, 1.574074,   1.574074",
    })
    void pricesAreInTheResponseCurrency(String currency, double price, String macroPrice) {
        BidRequest request = request(THREE_IMPS);
        request.cur = List.of(currency);
        BidResponse response = respond(request, 0);
        assertEquals(currency, response.cur);
        Bid bid = bidFor(response, "i1");
        assertEquals(price, bid.price);
        assertTrue(bid.adm.contains("|" + macroPrice + "|" + "auction-7-i1|" + currency + "|"), bid.adm);
    }
}
