package dev.merlin.exchange.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import dev.merlin.config.DspConfig;
import dev.merlin.config.ExchangeSettings;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.ExternalBid;
import dev.merlin.exchange.auction.ExternalBids;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.BidResponseDecoder;
import dev.merlin.protocol.OpenRtbDatabind;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.BidResponse;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A DSP's answer is untrusted: each rule of {@link DspBidValidator} gets an answer that tries to cross it (a bid for
 * an imp it was not sent, a negative, NaN or huge price, a currency not allowed, an http creative on a secure imp, a
 * blocked advertiser, a deal it was not offered, a non-deal bid in a private auction, a duplicate id, a seat it does
 * not own...) and must see that bid dropped and counted under its reason, while a valid bid is accepted at the right
 * converted price. Requests and answers go through the real decoders.
 */
class DspBidValidatorTest {

    private static final String REQUEST = "{\"id\":\"req-1\",\"cur\":[\"USD\",\"EUR\",\"JPY\"],"
            + "\"bcat\":[\"IAB25\"],\"badv\":[\"blocked.example\"],\"bapp\":[\"com.blocked.app\"],"
            + "\"bseat\":[\"seat-banned\"],\"site\":{\"id\":\"s1\",\"domain\":\"pub.example\"},\"imp\":["
            + "{\"id\":\"1\",\"secure\":1,\"banner\":{\"format\":[{\"w\":300,\"h\":250},{\"w\":728,\"h\":90}],"
            + "\"battr\":[3]}},"
            + "{\"id\":\"2\",\"video\":{\"mimes\":[\"video/mp4\"],\"w\":640,\"h\":480},\"pmp\":{\"private_auction\":1,"
            + "\"deals\":[{\"id\":\"deal-1\",\"wseat\":[\"seat-a\"]},{\"id\":\"deal-2\"}]}},"
            + "{\"id\":\"3\",\"banner\":{\"w\":320,\"h\":50},\"pmp\":{\"deals\":[{\"id\":\"deal-3\"}]}}]}";

    /** A bid that passes every rule for imp 1; tests replace one field at a time. */
    private static final String GOOD = "\"id\":\"b1\",\"impid\":\"1\",\"price\":2.0,"
            + "\"adm\":\"<img src='https://cdn.example/a.png'>\",\"adomain\":[\"shop.example\"],\"crid\":\"cr-1\","
            + "\"w\":300,\"h\":250";

    private final Currencies currencies = new Currencies(
            new ExchangeSettings("USD", null, Map.of("EUR", 1.1, "JPY", 0.0067, "GBP", 1.25), null));
    private final DspBidMetrics metrics = new DspBidMetrics(new PrometheusRegistry());
    private final DspConfig dsp = DspConfig.builder().id("tokyo-dsp").name("Tokyo DSP")
            .endpoint("http://127.0.0.1:9101/bid").region("JPN").seats(List.of("seat-a", "seat-b", "seat-banned"))
            .bidAdjustment(0.9).currencies(List.of("USD", "EUR", "GBP")).build();
    private final DspBidValidator validator = new DspBidValidator(3, dsp, currencies, metrics.forDsp(dsp.id()));
    private final BidRequest request = decodeRequest(REQUEST);
    private final ExternalBids out = new ExternalBids(4);

    @Test
    void validBidIsAcceptedAtItsAdjustedConvertedPrice() throws Exception {
        assertEquals(1, validate(answer("USD", "seat-a", "{" + GOOD + "}")));

        ExternalBid bid = out.get(0);
        assertEquals(3, bid.dsp);
        assertEquals("tokyo-dsp", bid.dspId);
        assertEquals("seat-a", bid.seat);
        assertEquals("USD", bid.currency);
        assertEquals(0, bid.impIndex);
        assertEquals(-1, bid.dealIndex);
        assertEquals(2_000_000, bid.bidMicros, "the DSP's own price");
        assertEquals(1_800_000, bid.priceMicros, "2.00 x 0.9 adjustment");
        assertEquals("b1", bid.bid.id);
        assertEquals(ExternalBid.UNDECIDED, bid.lossCode);
        assertEquals(0, totalRejected());
    }

    @Test
    void bidInAnotherCurrencyIsConvertedToTheExchangeCurrency() throws Exception {
        assertEquals(1, validate(answer("EUR", "seat-a", "{" + GOOD + "}")));
        assertEquals(2_000_000, out.get(0).bidMicros, "EUR micros, for the DSP's notices");
        assertEquals(1_980_000, out.get(0).priceMicros, "2.00 EUR x 0.9 x 1.1 USD/EUR");
        assertEquals("EUR", out.get(0).currency);
    }

    @Test
    void answerWithoutCurrencyIsUsd() throws Exception {
        assertEquals(1, validate(answer(null, "seat-a", "{" + GOOD + "}")));
        assertEquals("USD", out.get(0).currency);
    }

    @Test
    void answerForAnotherRequestIsDroppedWhole() throws Exception {
        BidResponse response = answer("USD", "seat-a", "{" + GOOD + "}", "{" + with("id", "\"b2\"") + "}");
        response.id = "req-2";
        assertRejected(response, BidRejection.RESPONSE_ID_MISMATCH, 2);
        response.id = null;
        assertRejected(response, BidRejection.RESPONSE_ID_MISMATCH, 4);
    }

    @Test
    void answerToTheIdMerlinSentItIsChecked() throws Exception {
        BidResponse response = answer("USD", "seat-a", "{" + GOOD + "}");
        response.id = "merlin-7";
        assertEquals(1, validator.validate(response, request, "merlin-7", null, out));
        assertEquals(0, validator.validate(response, request, "merlin-8", null, out));
        assertEquals(1, rejected(BidRejection.RESPONSE_ID_MISMATCH));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "JPY", // in Merlin's rates, not one the DSP bids in
        "CHF", // in nobody's list
    })
    void currencyNotAllowedDropsTheAnswer(String currency) throws Exception {
        assertRejected(answer(currency, "seat-a", "{" + GOOD + "}"), BidRejection.CURRENCY_NOT_ACCEPTED, 1);
    }

    /** The DSP was sent its own currencies as {@code cur}; the seller's answer is converted whatever it bid in. */
    @Test
    void aCurrencyOfTheDspsIsTakenEvenWhenTheSellerAsksForAnother() throws Exception {
        request.cur = List.of("USD");
        assertEquals(1, validator.validate(answer("EUR", "seat-a", "{" + GOOD + "}"), request, out));
        assertEquals(0, rejected(BidRejection.CURRENCY_NOT_ACCEPTED));
    }

    @Test
    void currencyMerlinCannotConvertIsNotAccepted() throws Exception {
        Currencies usdOnly = new Currencies(ExchangeSettings.defaults());
        DspConfig anyCurrency = DspConfig.builder().id("eu-dsp").name("EU").endpoint("http://127.0.0.1:9102/bid")
                .region("DEU").currencies(List.of("USD", "SEK")).build();
        DspBidValidator strict = new DspBidValidator(0, anyCurrency, usdOnly, metrics.forDsp("eu-dsp"));
        request.cur = null;
        assertEquals(0, strict.validate(answer("SEK", null, "{" + GOOD + "}"), request, out));
        assertEquals(1, metrics.rejected("eu-dsp", BidRejection.CURRENCY_NOT_ACCEPTED));
    }

    @Test
    void bidForAnImpItWasNotSentIsDropped() throws Exception {
        assertRejected(answer("USD", "seat-a", "{" + with("impid", "\"9\"") + "}"), BidRejection.UNKNOWN_IMP, 1);
        assertRejected(answer("USD", "seat-a", "{" + without("impid") + "}"), BidRejection.UNKNOWN_IMP, 2);

        long[] onlyTheSecondAndThird = {0b110};
        BidResponse forTheFirst = answer("USD", "seat-a", "{" + GOOD + "}");
        assertEquals(0, validator.validate(forTheFirst, request, "req-1", onlyTheSecondAndThird, out));
        assertEquals(3, rejected(BidRejection.UNKNOWN_IMP), "imp 1 exists but was not sent to this DSP");
        assertEquals(1, validator.validate(forTheFirst, request, "req-1", new long[] {0b1}, out));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1.5", "0", "0.0", "-0.0"})
    void negativeOrZeroPriceWithoutADealIsInvalid(String price) throws Exception {
        assertRejected(answer("USD", "seat-a", "{" + with("price", price) + "}"), BidRejection.INVALID_PRICE, 1);
    }

    @Test
    void nanAndInfinitePricesAreInvalid() throws Exception {
        BidResponse response = answer("USD", "seat-a", "{" + GOOD + "}");
        response.seatbid.get(0).bid.get(0).price = Double.NaN;
        assertRejected(response, BidRejection.INVALID_PRICE, 1);
        response.seatbid.get(0).bid.get(0).price = Double.POSITIVE_INFINITY;
        assertRejected(response, BidRejection.INVALID_PRICE, 2);
    }

    @Test
    void hugePriceIsTooHigh() throws Exception {
        assertRejected(answer("USD", "seat-a", "{" + with("price", "1e12") + "}"), BidRejection.PRICE_TOO_HIGH, 1);
        assertRejected(answer("USD", "seat-a", "{" + with("price", "1e300") + "}"), BidRejection.PRICE_TOO_HIGH, 2);
        assertEquals(1, validate(answer("USD", "seat-a", "{" + with("price", "1000") + "}")),
                "1,000 x 0.9 is under the ceiling");
    }

    @Test
    void missingPriceIsCounted() throws Exception {
        assertRejected(answer("USD", "seat-a", "{" + without("price") + "}"), BidRejection.MISSING_PRICE, 1);
    }

    @Test
    void zeroPriceIsAllowedForADeal() throws Exception {
        String dealBid = with("impid", "\"3\"", "price", "0", "dealid", "\"deal-3\"", "w", "320", "h", "50");
        assertEquals(1, validate(answer("USD", "seat-a", "{" + dealBid + "}")));
        assertEquals(2, out.get(0).impIndex);
        assertEquals(0, out.get(0).dealIndex);
        assertEquals(0, out.get(0).priceMicros);
    }

    @Test
    void httpCreativeOnASecureImpIsNotSecure() throws Exception {
        String plain = with("adm", "\"<img src='http://cdn.example/a.png'>\"");
        assertRejected(answer("USD", "seat-a", "{" + plain + "}"), BidRejection.NOT_SECURE, 1);
        String encoded = with("adm", "\"<a href='https://c.example/?r=HTTP%3a%2F%2Fx.example'>x</a>\"");
        assertRejected(answer("USD", "seat-a", "{" + encoded + "}"), BidRejection.NOT_SECURE, 2);
        String onPlainImp = with("impid", "\"3\"", "w", "320", "h", "50",
                "adm", "\"<img src='http://cdn.example/a.png'>\"");
        assertEquals(1, validate(answer("USD", "seat-a", "{" + onPlainImp + "}")), "imp 3 is not secure");
    }

    @ParameterizedTest
    @ValueSource(strings = {"blocked.example", "ads.blocked.example", "WWW.Blocked.Example"})
    void blockedAdvertiserIsDropped(String domain) throws Exception {
        String bid = with("adomain", "[\"other.example\",\"" + domain + "\"]");
        assertRejected(answer("USD", "seat-a", "{" + bid + "}"), BidRejection.BLOCKED_ADVERTISER, 1);
    }

    @Test
    void domainThatOnlyEndsLikeABlockedOneIsNotBlocked() throws Exception {
        assertEquals(1, validate(answer("USD", "seat-a", "{" + with("adomain", "[\"notblocked.example\"]") + "}")));
        assertTrue(DspBidValidator.isSameOrSubdomain("a.b.example", "b.example"));
        assertFalse(DspBidValidator.isSameOrSubdomain("b.example", "a.b.example"));
        assertFalse(DspBidValidator.isSameOrSubdomain("xb.example", "b.example"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[\"\"]", "null"})
    void missingAdvertiserDomainIsDropped(String adomain) throws Exception {
        assertRejected(answer("USD", "seat-a", "{" + with("adomain", adomain) + "}"), BidRejection.MISSING_ADOMAIN, 1);
    }

    @Test
    void missingCreativeIdIsDropped() throws Exception {
        assertRejected(answer("USD", "seat-a", "{" + without("crid") + "}"), BidRejection.MISSING_CREATIVE_ID, 1);
        assertRejected(answer("USD", "seat-a", "{" + with("crid", "\"\"") + "}"), BidRejection.MISSING_CREATIVE_ID, 2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"id", "crid", "adid", "cid"})
    void anIdLongerThanItsBoundIsDroppedAndOneAtItsBoundIsTaken(String field) throws Exception {
        // the bound in chars: 128 euro signs are the longest crid, 1,152 bytes once percent-encoded in a link
        String atBound = "\"" + "\u20ac".repeat(DspBidValidator.MAX_ID_CHARS) + "\"";
        assertEquals(1, validate(answer("USD", "seat-a", "{" + with(field, atBound) + "}")));
        String over = "\"" + "x".repeat(DspBidValidator.MAX_ID_CHARS + 1) + "\"";
        assertRejected(answer("USD", "seat-a", "{" + with(field, over) + "}"), BidRejection.ID_TOO_LONG, 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nurl", "burl", "lurl"})
    void aNoticeUrlLongerThanTheWinLedgerKeepsIsDroppedNotTheRequest(String field) throws Exception {
        String longest = "https://dsp.example/n?" + "p".repeat(DspWinLedger.MAX_URL_CHARS - 22);
        assertEquals(1, validate(answer("USD", "seat-a", "{" + with(field, "\"" + longest + "\"") + "}")));
        assertRejected(answer("USD", "seat-a", "{" + with(field, "\"" + longest + "p\"") + "}"),
                BidRejection.URL_TOO_LONG, 1);
    }

    @Test
    void creativeFieldsLongerTogetherThanTheBoundAreDropped() throws Exception {
        // 16 domains of 250 chars and a crid of 96: 4,096 chars, the bound; one char more is dropped
        String domain = "\"" + "d".repeat(246) + ".com\"";
        String domains = "[" + String.join(",", Collections.nCopies(16, domain)) + "]";
        String atBound = with("adomain", domains, "crid", "\"" + "c".repeat(96) + "\"");
        assertEquals(1, validate(answer("USD", "seat-a", "{" + atBound + "}")));
        String over = with("adomain", domains, "crid", "\"" + "c".repeat(97) + "\"");
        assertRejected(answer("USD", "seat-a", "{" + over + "}"), BidRejection.CREATIVE_FIELDS_TOO_LONG, 1);
    }

    @Test
    void bidWithNeitherMarkupNorNoticeUrlIsDropped() throws Exception {
        assertRejected(answer("USD", "seat-a", "{" + without("adm") + "}"), BidRejection.MISSING_MARKUP, 1);
        String nurlOnly = with("adm", "null", "nurl", "\"https://dsp.example/win?p=${AUCTION_PRICE}\"");
        assertEquals(1, validate(answer("USD", "seat-a", "{" + nurlOnly + "}")), "markup served on the win notice");
    }

    @Test
    void dealItWasNotOfferedIsInvalid() throws Exception {
        assertRejected(answer("USD", "seat-a", "{" + with("dealid", "\"deal-x\"") + "}"), BidRejection.INVALID_DEAL, 1);
        assertRejected(answer("USD", "seat-a", "{" + with("dealid", "\"deal-3\"") + "}"), BidRejection.INVALID_DEAL, 2);
        String otherSeat = with("impid", "\"2\"", "dealid", "\"deal-1\"", "mtype", "2");
        assertRejected(answer("USD", "seat-b", "{" + otherSeat + "}"), BidRejection.INVALID_DEAL, 3);
    }

    @Test
    void openBidInAPrivateAuctionIsDropped() throws Exception {
        assertRejected(answer("USD", "seat-a", "{" + with("impid", "\"2\"") + "}"), BidRejection.NOT_A_DEAL, 1);
        String dealBid = with("impid", "\"2\"", "dealid", "\"deal-1\"", "mtype", "2");
        assertEquals(1, validate(answer("USD", "seat-a", "{" + dealBid + "}")));
        assertEquals(1, out.get(0).impIndex);
        assertEquals(0, out.get(0).dealIndex);
    }

    @Test
    void duplicateBidIdsAreDroppedAfterTheFirst() throws Exception {
        BidResponse response = answer("USD", "seat-a", "{" + GOOD + "}", "{" + with("price", "9") + "}");
        assertEquals(1, validate(response));
        assertEquals(2_000_000, out.get(0).bidMicros, "the first keeps its place");
        assertEquals(1, rejected(BidRejection.DUPLICATE_BID_ID));
        BidResponse acrossSeats = parse("{\"id\":\"req-1\",\"seatbid\":[{\"seat\":\"seat-a\",\"bid\":[{" + GOOD
                + "}]},{\"seat\":\"seat-b\",\"bid\":[{" + GOOD + "}]}]}");
        out.clear();
        assertEquals(1, validate(acrossSeats));
        assertEquals(2, rejected(BidRejection.DUPLICATE_BID_ID));
        out.clear();
        assertEquals(1, validate(answer("USD", "seat-a", "{" + GOOD + "}")), "ids are per answer");
    }

    @Test
    void missingBidIdIsDropped() throws Exception {
        assertRejected(answer("USD", "seat-a", "{" + without("id") + "}"), BidRejection.MISSING_BID_ID, 1);
    }

    @Test
    void nullEntriesOfAModelNotFromTheStreamingDecoderAreDroppedNotThrown() throws Exception {
        BidResponse response = OpenRtbDatabind.mapper().readValue("{\"id\":\"req-1\",\"seatbid\":[null,"
                + "{\"seat\":\"seat-a\",\"bid\":[null,{" + GOOD + "}]}]}", BidResponse.class);
        assertEquals(1, validate(response));
        assertEquals(1, rejected(BidRejection.MISSING_BID_ID));
    }

    @Test
    void seatItDoesNotOwnIsDropped() throws Exception {
        assertRejected(answer("USD", "seat-z", "{" + GOOD + "}"), BidRejection.SEAT_NOT_ALLOWED, 1);
        assertRejected(answer("USD", null, "{" + GOOD + "}"), BidRejection.SEAT_NOT_ALLOWED, 2);
        assertRejected(answer("USD", "seat-banned", "{" + GOOD + "}"), BidRejection.SEAT_NOT_ALLOWED, 3);
        request.wseat = List.of("seat-b");
        assertRejected(answer("USD", "seat-a", "{" + GOOD + "}"), BidRejection.SEAT_NOT_ALLOWED, 4);
    }

    @Test
    void anySeatWhenTheDspListsNone() throws Exception {
        DspConfig open = DspConfig.builder().id("open-dsp").name("Open").endpoint("http://127.0.0.1:9103/bid")
                .region("USA").currencies(List.of("USD")).build();
        DspBidValidator anySeat = new DspBidValidator(1, open, currencies, metrics.forDsp("open-dsp"));
        assertEquals(1, anySeat.validate(answer("USD", "seat-z", "{" + GOOD + "}"), request, out));
        assertEquals(1, anySeat.validate(answer("USD", null, "{" + GOOD + "}"), request, out));
        assertEquals(2_000_000, out.get(1).priceMicros, "no adjustment");
    }

    @Test
    void aSeatTheDspDoesNotListCannotClaimADealsOrTheSellersWseat() throws Exception {
        // seat-a is a buyer of the configured DSP (Tokyo); a DSP listing no seats names it to take its deal
        DspConfig open = DspConfig.builder().id("open-dsp").name("Open").endpoint("http://127.0.0.1:9103/bid")
                .region("USA").currencies(List.of("USD")).build();
        DspBidValidator anySeat = new DspBidValidator(1, open, currencies, metrics.forDsp("open-dsp"));
        String dealBid = with("impid", "\"2\"", "dealid", "\"deal-1\"", "mtype", "2", "price", "0.5");
        assertEquals(0, anySeat.validate(answer("USD", "seat-a", "{" + dealBid + "}"), request, out));
        assertEquals(1, metrics.rejected("open-dsp", BidRejection.INVALID_DEAL), "deal-1 is for seat-a alone");
        assertEquals(1, validate(answer("USD", "seat-a", "{" + dealBid + "}")), "the DSP that lists seat-a may");

        request.wseat = List.of("seat-a");
        assertEquals(0, anySeat.validate(answer("USD", "seat-a", "{" + GOOD + "}"), request, out));
        assertEquals(1, metrics.rejected("open-dsp", BidRejection.SEAT_NOT_ALLOWED), "the seller's wseat alike");
        assertEquals(1, validate(answer("USD", "seat-a", "{" + GOOD + "}")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"w\":160,\"h\":600", "\"w\":300,\"h\":90", "\"w\":500", "\"h\":600"})
    void sizeTheBannerDoesNotTakeIsDropped(String size) throws Exception {
        String bid = without("w").replace(",\"h\":250", "") + "," + size;
        assertRejected(answer("USD", "seat-a", "{" + bid + "}"), BidRejection.SIZE_NOT_ALLOWED, 1);
    }

    @Test
    void sizesTheBannerTakesOrNoneAreAccepted() throws Exception {
        assertEquals(1, validate(answer("USD", "seat-a", "{" + with("w", "728", "h", "90") + "}")));
        String noSize = with("id", "\"b2\"").replace(",\"w\":300,\"h\":250", "");
        assertEquals(1, validate(answer("USD", "seat-a", "{" + noSize + "}")), "a bid need not name a size");
        String onThird = with("impid", "\"3\"", "w", "300", "h", "250");
        assertRejected(answer("USD", "seat-a", "{" + onThird + "}"), BidRejection.SIZE_NOT_ALLOWED, 1);
    }

    @Test
    void blockedCategoryIsDropped() throws Exception {
        assertRejected(answer("USD", "seat-a", "{" + with("cat", "[\"IAB1\",\"IAB25-3\"]") + "}"),
                BidRejection.BLOCKED_CATEGORY, 1);
        String otherTaxonomy = with("cat", "[\"483\"]", "cattax", "2");
        assertRejected(answer("USD", "seat-a", "{" + otherTaxonomy + "}"), BidRejection.BLOCKED_CATEGORY, 2);
        assertEquals(1, validate(answer("USD", "seat-a", "{" + with("cat", "[\"IAB250\"]") + "}")),
                "IAB250 is not a child of IAB25");
    }

    @Test
    void blockedAppIsDropped() throws Exception {
        assertRejected(answer("USD", "seat-a", "{" + with("bundle", "\"com.blocked.app\"") + "}"),
                BidRejection.BLOCKED_APP, 1);
    }

    @Test
    void blockedCreativeAttributeIsDropped() throws Exception {
        assertRejected(answer("USD", "seat-a", "{" + with("attr", "[1,3]") + "}"), BidRejection.BLOCKED_ATTRIBUTE, 1);
        assertEquals(1, validate(answer("USD", "seat-a", "{" + with("attr", "[1,2]") + "}")));
    }

    @Test
    void mediaTypeTheImpDoesNotOfferIsDropped() throws Exception {
        assertRejected(answer("USD", "seat-a", "{" + with("mtype", "2") + "}"), BidRejection.WRONG_MEDIA_TYPE, 1);
        assertRejected(answer("USD", "seat-a", "{" + with("mtype", "7") + "}"), BidRejection.WRONG_MEDIA_TYPE, 2);
    }

    @Test
    void oneBadBidDoesNotCostTheOthers() throws Exception {
        BidResponse response = answer("USD", "seat-a", "{" + GOOD + "}",
                "{" + with("id", "\"b2\"", "price", "-1") + "}",
                "{" + with("id", "\"b3\"", "impid", "\"3\"", "w", "320", "h", "50", "price", "3") + "}");
        assertEquals(2, validate(response));
        assertEquals(1, rejected(BidRejection.INVALID_PRICE));
        assertEquals("b1", out.get(0).bid.id);
        assertEquals("b3", out.get(1).bid.id);
        assertEquals(2_700_000, out.get(1).priceMicros);
    }

    @Test
    void emptyAnswerIsNoBidNotARejection() throws Exception {
        assertEquals(0, validate(parse("{\"id\":\"req-1\",\"nbr\":2}")));
        assertEquals(0, validate(parse("{\"id\":\"other\",\"seatbid\":[]}")));
        assertEquals(0, totalRejected());
    }

    @Test
    void everyRejectionHasItsOwnLabelAndALossCode() {
        Set<String> labels = new HashSet<>();
        for (BidRejection reason : BidRejection.values()) {
            assertTrue(labels.add(reason.label()), reason.label());
            assertTrue(reason.lossCode() >= 1 && reason.lossCode() < 500, reason.name());
        }
        assertEquals(5, BidRejection.RESPONSE_ID_MISMATCH.lossCode());
        assertEquals(207, BidRejection.NOT_SECURE.lossCode());
        assertEquals(4, BidRejection.INVALID_DEAL.lossCode());
    }

    @Test
    void validatingAWarmAnswerAllocatesNothing() throws Exception {
        Object bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof ThreadMXBean, "needs HotSpot's per-thread allocation counter");
        ThreadMXBean threads = (ThreadMXBean) bean;
        BidResponse response = answer("EUR", "seat-a", "{" + GOOD + "}",
                "{" + with("id", "\"b2\"", "price", "-1") + "}",
                "{" + with("id", "\"b3\"", "impid", "\"2\"", "dealid", "\"deal-1\"", "mtype", "2") + "}");
        for (int i = 0; i < 20_000; i++) {
            out.clear();
            validate(response);
        }
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < 5 && fewest > 0; round++) {
            long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            int accepted = 0;
            for (int i = 0; i < 10_000; i++) {
                out.clear();
                accepted += validate(response);
            }
            fewest = Math.min(fewest, threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before);
            assertEquals(20_000, accepted);
        }
        assertTrue(fewest < 10_000, "bytes per 10,000 validations: " + fewest);
    }

    // ---------------------------------------------------------------------------------------------------------------

    private int validate(BidResponse response) {
        return validator.validate(response, request, out);
    }

    private void assertRejected(BidResponse response, BidRejection reason, long expectedCount) {
        int before = out.count();
        assertEquals(0, validate(response), () -> "accepted although " + reason.label());
        assertEquals(before, out.count());
        assertEquals(expectedCount, rejected(reason), reason.label());
    }

    private long rejected(BidRejection reason) {
        return metrics.rejected(dsp.id(), reason);
    }

    private long totalRejected() {
        long total = 0;
        for (BidRejection reason : BidRejection.values()) {
            total += rejected(reason);
        }
        return total;
    }

    /** The good bid's fields with some replaced or added: name, JSON value, name, JSON value... */
    private static String with(String... nameValues) {
        String bid = GOOD;
        for (int i = 0; i < nameValues.length; i += 2) {
            String name = "\"" + nameValues[i] + "\":";
            String field = name + nameValues[i + 1];
            int at = bid.indexOf(name);
            if (at < 0) {
                bid = bid + "," + field;
            } else {
                int end = valueEnd(bid, at + name.length());
                bid = bid.substring(0, at) + field + bid.substring(end);
            }
        }
        return bid;
    }

    private static String without(String name) {
        String key = "\"" + name + "\":";
        int at = GOOD.indexOf(key);
        int end = valueEnd(GOOD, at + key.length());
        String bid = GOOD.substring(0, at) + GOOD.substring(Math.min(end + 1, GOOD.length()));
        return bid.endsWith(",") ? bid.substring(0, bid.length() - 1) : bid;
    }

    /** Where the JSON value starting at {@code from} ends (strings, arrays and scalars of the samples here). */
    private static int valueEnd(String json, int from) {
        char first = json.charAt(from);
        if (first == '"') {
            return json.indexOf('"', from + 1) + 1;
        }
        if (first == '[') {
            return json.indexOf(']', from) + 1;
        }
        int comma = json.indexOf(',', from);
        return comma < 0 ? json.length() : comma;
    }

    private static BidResponse answer(String currency, String seat, String... bids) throws Exception {
        StringBuilder json = new StringBuilder("{\"id\":\"req-1\"");
        if (currency != null) {
            json.append(",\"cur\":\"").append(currency).append('"');
        }
        json.append(",\"seatbid\":[{");
        if (seat != null) {
            json.append("\"seat\":\"").append(seat).append("\",");
        }
        json.append("\"bid\":[").append(String.join(",", bids)).append("]}]}");
        return parse(json.toString());
    }

    private static BidResponse parse(String json) throws Exception {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return new BidResponseDecoder().decode(bytes, 0, bytes.length);
    }

    private static BidRequest decodeRequest(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        try {
            return new BidRequestDecoder().decode(bytes, 0, bytes.length);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void helpersBuildWhatTheTestsMean() {
        assertEquals(GOOD.replace("\"price\":2.0", "\"price\":9"), with("price", "9"));
        assertFalse(without("crid").contains("crid"));
        assertFalse(without("id").startsWith("\"id\""));
        assertFalse(with("id", "\"b2\"").replace(",\"w\":300,\"h\":250", "").contains("\"w\""));
    }
}
