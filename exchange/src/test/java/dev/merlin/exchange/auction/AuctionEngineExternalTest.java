package dev.merlin.exchange.auction;

import static dev.merlin.exchange.auction.AuctionFixture.NOW;
import static dev.merlin.exchange.auction.AuctionFixture.campaign;
import static dev.merlin.exchange.auction.AuctionFixture.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import dev.merlin.exchange.auction.AuctionFixture.Auction;
import dev.merlin.protocol.model.Bid;
import dev.merlin.protocol.model.BidRequest;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * DSP bids ({@link ExternalBid}) in Merlin's auction: they compete with the campaigns by what they offer the
 * publisher after the take rate, under the imp's floor or their deal's floor and auction type, and each learns its
 * outcome — won at a clearing price in its own currency before its adjustment, or a loss code with the price that
 * would have won. Figures are worked out by hand in the comments (USD exchange currency; EUR 1.08, JPY 0.0067).
 */
class AuctionEngineExternalTest {

    /** The DSP bids of the allocation test: imp 0 and 1 open, imp 2 through its deal. */
    private static final long[] PRICES = {4_000_000, 2_000_000, 3_500_000, 2_500_000, 5_000_000};
    private static final int[] IMPS = {0, 0, 1, 1, 2};
    private static final int[] DEALS = {-1, -1, -1, -1, 0};

    private final ExternalBids bids = new ExternalBids(4);

    /** A DSP bid of {@code bid} units of {@code currency}, adjusted by {@code adjustment}, on imp {@code imp}. */
    private ExternalBid dsp(String id, int imp, int deal, double bid, String currency, double rate, double adjustment) {
        ExternalBid external = bids.add();
        external.dsp = bids.count() - 1;
        external.dspId = id;
        external.seat = "seat-" + id;
        external.bid = new Bid();
        external.currency = currency;
        external.impIndex = imp;
        external.dealIndex = deal;
        external.bidMicros = Math.round(bid * 1_000_000d);
        external.priceMicros = Math.round(bid * rate * adjustment * 1_000_000d);
        return external;
    }

    private ExternalBid usd(String id, double bid) {
        return dsp(id, 0, -1, bid, "USD", 1, 1);
    }

    private static BidRequest banner(Integer at, String impExtra) {
        return AuctionFixture.request("{\"id\":\"r\"," + (at == null ? "" : "\"at\":" + at + ",")
                + "\"site\":{\"domain\":\"publisher.example\"},"
                + "\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}" + impExtra + "}]}");
    }

    private AuctionResult run(Auction auction, BidRequest request) {
        auction.engine.run(request, AuctionFixture.SELLER, null, 0, NOW, bids, auction.result);
        return auction.result;
    }

    /** The winner of imp 0: a campaign's id, {@code dsp:<id>}, or {@code none}. */
    private static String winner(AuctionResult result) {
        for (int i = 0; i < result.count(); i++) {
            if (result.impIndex(i) == 0) {
                return result.external(i) != null ? "dsp:" + result.external(i).dspId : result.campaign(i).id();
            }
        }
        return "none";
    }

    /** A video imp with a per-second floor of 0.50 USD CPM and {@code videoExtra}, first price. */
    private static BidRequest perSecondVideo(String videoExtra) {
        return AuctionFixture.request("{\"id\":\"r\",\"at\":1,\"site\":{\"domain\":\"publisher.example\"},"
                + "\"imp\":[{\"id\":\"1\",\"video\":{\"mimes\":[\"video/mp4\"],\"mincpmpersec\":0.5" + videoExtra
                + "}}]}");
    }

    @ParameterizedTest(name = "{0} dur={1}: floor {2}")
    @CsvSource({
        // no dur: the longest the imp takes, 30 s x 0.50
        "',\"maxduration\":30', , 15.0",
        // a dur under the imp's minimum counts as the minimum, 15 s
        "',\"minduration\":15,\"maxduration\":30', 5, 7.5",
        // no dur and no maxduration: the longest required duration, 20 s
        "',\"rqddurs\":[6,20]', , 10.0",
        // its own dur within the imp's bounds, 10 s
        "',\"minduration\":5,\"maxduration\":30', 10, 5.0"})
    void aDspBidIsFlooredPerSecondForNoLessThanTheDurationTheImpTakes(String videoExtra, Integer dur, double floor) {
        Auction auction = new Auction(config(0, campaign("banner-only").bid(1)));
        ExternalBid under = usd("under", floor - 0.01);
        under.bid.mtype = 2;
        under.bid.dur = dur;
        assertEquals("none", winner(run(auction, perSecondVideo(videoExtra))));
        assertEquals(ExternalBid.LOSS_BELOW_FLOOR, under.lossCode, "a cent under the per-second floor");

        bids.clear();
        ExternalBid at = usd("at", floor);
        at.bid.mtype = 2;
        at.bid.dur = dur;
        assertEquals("dsp:at", winner(run(auction, perSecondVideo(videoExtra))));
    }

    @ParameterizedTest(name = "mtype {0}")
    @CsvSource(value = {"1", "4", "''"}, nullValues = "")
    void aBannerOrNativeBidOnAnImpThatAlsoOffersVideoIsNotFlooredPerSecond(Integer mtype) {
        // banner and native beside a video with a 15 CPM per-second floor (30 s x 0.50): a 5 CPM banner bid wins
        BidRequest mixed = AuctionFixture.request("{\"id\":\"r\",\"at\":1,\"site\":{\"domain\":\"p.example\"},"
                + "\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250},\"native\":{\"request\":\"{}\"},"
                + "\"video\":{\"mimes\":[\"video/mp4\"],\"mincpmpersec\":0.5,\"maxduration\":30}}]}");
        Auction auction = new Auction(config(0, campaign("low").bid(0.01)));
        ExternalBid banner = usd("banner", 5);
        banner.bid.mtype = mtype;
        assertEquals("dsp:banner", winner(run(auction, mixed)));
    }

    @Test
    void aDspOutbiddingTheCampaignsWinsAndPaysTheRunnerUpPlusTheIncrement() {
        Auction auction = new Auction(config(0, campaign("c0").bid(2)));
        ExternalBid tokyo = usd("tokyo", 3);
        AuctionResult result = run(auction, banner(2, ""));
        assertEquals(1, result.count());
        assertSame(tokyo, result.external(0));
        assertNull(result.campaign(0));
        assertNull(result.creative(0));
        assertEquals("seat-tokyo", result.seat(0));
        // runner-up 2.00 + 0.01, no take rate
        assertEquals(2_010_000, result.priceMicros(0));
        assertEquals(2_010_000, result.chargeMicros(0));
        assertEquals(-1, result.dealIndex(0));
        assertEquals(ExternalBid.WON, tokyo.lossCode);
        assertEquals(2_010_000, tokyo.clearingMicros);
        assertEquals(-1, tokyo.minToWinMicros);
    }

    @Test
    void aCampaignOutbiddingTheDspsWinsAndTheDspsLearnWhatWouldHaveWon() {
        Auction auction = new Auction(config(0, campaign("c0").bid(3)));
        ExternalBid tokyo = usd("tokyo", 2);
        ExternalBid paris = dsp("paris", 0, -1, 1.5, "EUR", 1.08, 1);
        AuctionResult result = run(auction, banner(2, ""));
        assertEquals("c0", winner(result));
        assertNull(result.external(0));
        // the best DSP (2.00) is the runner-up
        assertEquals(2_010_000, result.priceMicros(0));
        assertEquals(ExternalBid.LOSS_HIGHER_BID, tokyo.lossCode);
        assertEquals(ExternalBid.LOSS_HIGHER_BID, paris.lossCode);
        // 3.00 + 0.01 USD; in EUR: 3.01 / 1.08 = 2.787037.. rounded up
        assertEquals(3_010_000, tokyo.minToWinMicros);
        assertEquals(2_787_038, paris.minToWinMicros);
        assertEquals(0, tokyo.clearingMicros);
    }

    @Test
    void onAnEqualOfferTheCampaignWinsThenTheDspAddedFirst() {
        Auction auction = new Auction(config(0, campaign("c0").bid(2)));
        ExternalBid first = usd("first", 2);
        AuctionResult result = run(auction, banner(2, ""));
        assertEquals("c0", winner(result));
        assertEquals(2_000_000, result.priceMicros(0), "a tie pays its own bid: the increment is capped at it");
        assertEquals(ExternalBid.LOSS_HIGHER_BID, first.lossCode);
        assertEquals(2_010_000, first.minToWinMicros);

        bids.clear();
        Auction dspsOnly = new Auction(config(0, campaign("c0").bid(1)));
        ExternalBid a = usd("a", 4);
        ExternalBid b = usd("b", 4);
        result = run(dspsOnly, banner(1, ""));
        assertEquals("dsp:a", winner(result));
        assertEquals(ExternalBid.WON, a.lossCode);
        assertEquals(4_000_000, a.clearingMicros);
        assertEquals(ExternalBid.LOSS_HIGHER_BID, b.lossCode);
        assertEquals(4_010_000, b.minToWinMicros);
    }

    @ParameterizedTest(name = "[{index}] floor {0} {1}, DSP bids {2} {3} -> {4}, pays {5}, clearing {6}")
    @CsvSource(nullValues = "null", value = {
        // 300 JPY = 2.01 USD; 2.00 EUR = 2.16 USD clears it, pays the floor; in EUR 2.01 / 1.08 = 1.861112
        "300,  JPY, 2.00, EUR, WON,   2010000, 1861112, -1",
        // 1.80 EUR = 1.944 USD < 2.01: below the floor, which it would clear at 2.01 / 1.08 EUR
        "300,  JPY, 1.80, EUR, 100,   0,       0,       1861112",
        // 2.00 EUR floor = 2.16 USD; a JPY bid of 330 = 2.211 USD clears it: 2.16 / 0.0067 = 322.388060 JPY
        "2.00, EUR, 330,  JPY, WON,   2160000, 322388060, -1",
        "2.00, EUR, 320,  JPY, 100,   0,       0,       322388060",
        // no floor: a single bidder pays the increment
        "null, null, 5,   USD, WON,   10000,   10000,   -1",
    })
    void floorsInOtherCurrencies(Double floor, String floorCurrency, double bid, String bidCurrency, String outcome,
                                 long priceMicros, long clearingMicros, long minToWinMicros) {
        Auction auction = new Auction(config(0, campaign("elsewhere").bid(9).targeting("{countries: [JPN]}")));
        double rate = "EUR".equals(bidCurrency) ? 1.08 : "JPY".equals(bidCurrency) ? 0.0067 : 1;
        ExternalBid external = dsp("x", 0, -1, bid, bidCurrency, rate, 1);
        BidRequest request = banner(2, "");
        request.imp.get(0).bidfloor = floor;
        request.imp.get(0).bidfloorcur = floorCurrency;
        AuctionResult result = run(auction, request);
        if ("WON".equals(outcome)) {
            assertEquals("dsp:x", winner(result));
            assertEquals(priceMicros, result.priceMicros(0));
            assertEquals(ExternalBid.WON, external.lossCode);
        } else {
            assertEquals(0, result.count());
            assertEquals(AuctionResult.NO_ELIGIBLE, result.noBidReason());
            assertEquals(Integer.parseInt(outcome), external.lossCode);
        }
        assertEquals(clearingMicros, external.clearingMicros);
        assertEquals(minToWinMicros, external.minToWinMicros);
    }

    @ParameterizedTest(name = "[{index}] campaign {0}, DSPs {1} and {2} -> {3} pays {4}")
    @CsvSource({
        // the runner-up is whichever of the three is second, campaign or DSP
        "3.00, 5.00, 4.00, dsp:a, 4010000",
        "5.00, 4.00, 3.50, c0,    4010000",
        "4.00, 5.00, 3.00, dsp:a, 4010000",
        "3.00, 4.00, 5.00, dsp:b, 4010000",
        "4.50, 3.00, 5.00, dsp:b, 4510000",
    })
    void secondPriceWithAMixedRunnerUp(double campaignBid, double a, double b, String winner, long priceMicros) {
        Auction auction = new Auction(config(0, campaign("c0").bid(campaignBid)));
        usd("a", a);
        usd("b", b);
        AuctionResult result = run(auction, banner(2, ""));
        assertEquals(winner, winner(result));
        assertEquals(priceMicros, result.priceMicros(0));
        if (result.external(0) != null) {
            assertEquals(priceMicros, result.external(0).clearingMicros);
        }
    }

    @Test
    void aPrivateAuctionTakesOnlyDealBidsAtTheDealsFloorAndType() {
        Auction auction = new Auction(config(0, campaign("open").bid(9)));
        BidRequest request = banner(2, ",\"pmp\":{\"private_auction\":1,\"deals\":["
                + "{\"id\":\"D0\",\"bidfloor\":4,\"at\":1},{\"id\":\"D1\",\"bidfloor\":1}]}");
        ExternalBid open = usd("open-dsp", 10);
        ExternalBid dealWinner = dsp("deal", 0, 0, 5, "USD", 1, 1);
        ExternalBid belowDealFloor = dsp("low", 0, 0, 3, "USD", 1, 1);
        ExternalBid unknownDeal = dsp("ghost", 0, 7, 20, "USD", 1, 1);
        ExternalBid otherDeal = dsp("other", 0, 1, 2, "USD", 1, 1);
        AuctionResult result = run(auction, request);
        assertEquals("dsp:deal", winner(result));
        assertEquals(0, result.dealIndex(0));
        // D0 is first price: the deal bid pays its own 5.00
        assertEquals(5_000_000, result.priceMicros(0));
        assertEquals(5_000_000, dealWinner.clearingMicros);
        assertEquals(AuctionEngine.LOSS_INVALID_DEAL, open.lossCode);
        assertEquals(AuctionEngine.LOSS_INVALID_DEAL, unknownDeal.lossCode);
        assertEquals(ExternalBid.LOSS_BELOW_DEAL_FLOOR, belowDealFloor.lossCode);
        assertEquals(5_010_000, belowDealFloor.minToWinMicros, "the winner's 5.00 + 0.01 is above D0's floor 4.00");
        // D1's floor 1.00 cleared, lost to the deal winner's higher bid (it bid through a deal too)
        assertEquals(ExternalBid.LOSS_HIGHER_BID, otherDeal.lossCode);
        assertEquals(5_010_000, otherDeal.minToWinMicros);
    }

    @Test
    void aFixedPriceDealPaysItsFloorAndAnOpenBidLosesToTheDeal() {
        Auction auction = new Auction(config(0, campaign("open").bid(1)));
        BidRequest request = banner(2, ",\"pmp\":{\"deals\":[{\"id\":\"FIX\",\"bidfloor\":4,\"at\":3}]}");
        ExternalBid deal = dsp("deal", 0, 0, 7, "USD", 1, 1);
        ExternalBid open = usd("open-dsp", 6);
        AuctionResult result = run(auction, request);
        assertEquals("dsp:deal", winner(result));
        assertEquals(4_000_000, result.priceMicros(0));
        assertEquals(4_000_000, deal.clearingMicros);
        assertEquals(ExternalBid.LOSS_TO_DEAL, open.lossCode);
        assertEquals(7_010_000, open.minToWinMicros);
    }

    @Test
    void anOpenBidAboveADealBidWinsTheOpenAuction() {
        Auction auction = new Auction(config(0, campaign("open").bid(1)));
        BidRequest request = banner(1, ",\"pmp\":{\"deals\":[{\"id\":\"D\",\"bidfloor\":2}]}");
        ExternalBid deal = dsp("deal", 0, 0, 5, "USD", 1, 1);
        ExternalBid open = usd("open-dsp", 6);
        assertEquals("dsp:open-dsp", winner(run(auction, request)));
        assertEquals(6_000_000, open.clearingMicros);
        assertEquals(ExternalBid.LOSS_HIGHER_BID, deal.lossCode);
    }

    @Test
    void aDealFloorInAnUnknownCurrencyIsAnInternalErrorForTheBid() {
        Auction auction = new Auction(config(0, campaign("open").bid(1)));
        BidRequest request = banner(1, ",\"pmp\":{\"deals\":[{\"id\":\"D\",\"bidfloor\":2,\"bidfloorcur\":\"XXX\"}]}");
        ExternalBid deal = dsp("deal", 0, 0, 5, "USD", 1, 1);
        assertEquals("open", winner(run(auction, request)));
        assertEquals(AuctionEngine.LOSS_INTERNAL_ERROR, deal.lossCode);
    }

    @Test
    void theTakeRateAppliesToADspAsToACampaign() {
        Auction auction = new Auction(config(0.15, campaign("c0").bid(2)));
        ExternalBid dsp = usd("tokyo", 3);
        AuctionResult result = run(auction, banner(1, ""));
        // first price: 3.00 x 0.85 = 2.55 to the publisher, the DSP pays 3.00
        assertEquals(2_550_000, result.priceMicros(0));
        assertEquals(3_000_000, result.chargeMicros(0));
        assertEquals(3_000_000, dsp.clearingMicros);

        bids.clear();
        dsp = usd("tokyo", 3);
        result = run(auction, banner(2, ""));
        // second price: runner-up 2.00 x 0.85 = 1.70, + 0.01 = 1.71; the DSP pays ceil(1.71 / 0.85) = 2.011765
        assertEquals(1_710_000, result.priceMicros(0));
        assertEquals(2_011_765, result.chargeMicros(0));
        assertEquals(2_011_765, dsp.clearingMicros);

        bids.clear();
        ExternalBid loser = usd("tokyo", 2);
        auction = new Auction(config(0.15, campaign("c0").bid(3)));
        run(auction, banner(2, ""));
        // to beat the campaign's 2.55 net it must offer 2.56 net: 2.56 / 0.85 = 3.011765
        assertEquals(3_011_765, loser.minToWinMicros);
    }

    @Test
    void theClearingPriceGoesBackThroughTheBidAdjustmentAndNeverPassesTheBid() {
        Auction auction = new Auction(config(0, campaign("c0").bid(0.5)));
        // 2.00 EUR adjusted by 0.5: competes with 2.00 x 1.08 x 0.5 = 1.08 USD
        ExternalBid adjusted = dsp("adj", 0, -1, 2, "EUR", 1.08, 0.5);
        AuctionResult result = run(auction, banner(2, ""));
        assertEquals("dsp:adj", winner(result));
        // pays 0.51 USD: 0.51 / 1.08 / 0.5 = 0.944444.. EUR
        assertEquals(510_000, result.chargeMicros(0));
        assertEquals(944_445, adjusted.clearingMicros);

        bids.clear();
        adjusted = dsp("adj", 0, -1, 2, "EUR", 1.08, 0.5);
        run(auction, banner(1, ""));
        assertEquals(1_080_000, auction.result.chargeMicros(0));
        assertEquals(2_000_000, adjusted.clearingMicros, "first price: its own bid, no more");
        assertTrue(adjusted.clearingMicros <= adjusted.bidMicros);
    }

    @Test
    void aBidForAnImpTheRequestDoesNotHaveIsIgnored() {
        Auction auction = new Auction(config(0, campaign("c0").bid(1)));
        ExternalBid past = dsp("past", 1, -1, 100, "USD", 1, 1);
        ExternalBid negative = dsp("negative", -1, -1, 100, "USD", 1, 1);
        AuctionResult result = run(auction, banner(2, ""));
        assertEquals("c0", winner(result));
        assertEquals(1, result.count());
        assertEquals(10_000, result.priceMicros(0), "nothing else bid");
        assertEquals(ExternalBid.UNDECIDED, past.lossCode);
        assertEquals(ExternalBid.UNDECIDED, negative.lossCode);
    }

    @Test
    void anAbsurdPriceIsAnInvalidBidNotAWin() {
        Auction auction = new Auction(config(0, campaign("c0").bid(1)));
        ExternalBid absurd = usd("absurd", 1);
        absurd.priceMicros = Long.MAX_VALUE;
        ExternalBid negative = usd("negative", 1);
        negative.priceMicros = -5;
        assertEquals("c0", winner(run(auction, banner(2, ""))));
        assertEquals(AuctionEngine.LOSS_INVALID_BID, absurd.lossCode);
        assertEquals(AuctionEngine.LOSS_INVALID_BID, negative.lossCode);
    }

    @Test
    void dspsWinWhereNoCampaignIsACandidateAndASecureImpWithoutHttpsLinksIsSkipped() {
        Auction auction = new Auction(config(0, campaign("elsewhere").bid(9).targeting("{countries: [JPN]}")));
        ExternalBid dsp = usd("tokyo", 1);
        assertEquals("dsp:tokyo", winner(run(auction, banner(2, ""))));

        bids.clear();
        dsp = usd("tokyo", 1);
        auction.engine.canLinkSecurely(false);
        AuctionResult result = run(auction, banner(2, ",\"secure\":1"));
        assertEquals(0, result.count());
        assertEquals(AuctionResult.NO_SECURE_URL, result.noBidReason());
        assertEquals(ExternalBid.UNDECIDED, dsp.lossCode);

        bids.clear();
        result = run(auction, banner(2, ""));
        assertEquals(AuctionResult.NO_CANDIDATES, result.noBidReason(), "no campaign and no DSP bid");
    }

    @Test
    void budgetsAreTheCampaignsOwn() {
        CommittingSpendView spend = new CommittingSpendView(1_000);
        // 10500 micros a day, 1000 spent: three imps at 3.00 first price, the fourth goes to the DSP
        Auction auction = new Auction(config(0, campaign("budgeted").bid(3).set("dailyBudget", "0.0105")
                .set("pacing", "asap")), spend, FrequencyView.NONE);
        for (int imp = 0; imp < 4; imp++) {
            dsp("d" + imp, imp, -1, 2, "USD", 1, 1);
        }
        BidRequest request = AuctionFixture.siteBanners(4, 1);
        auction.engine.run(request, AuctionFixture.SELLER, null, 0, NOW, bids, auction.result);
        assertEquals("budgeted|budgeted|budgeted|none", AuctionFixture.winnersByImp(withoutDsps(auction.result), 4));
        assertSame(bids.get(3), auction.result.external(3));
        assertEquals(2_000_000, auction.result.chargeMicros(3));
        for (int imp = 0; imp < 3; imp++) {
            assertEquals(ExternalBid.LOSS_HIGHER_BID, bids.get(imp).lossCode);
        }
        assertEquals(ExternalBid.WON, bids.get(3).lossCode);
    }

    /** A copy of the result holding only the campaigns' wins, for {@link AuctionFixture#winnersByImp}. */
    private static AuctionResult withoutDsps(AuctionResult result) {
        AuctionResult campaigns = new AuctionResult(16);
        for (int i = 0; i < result.count(); i++) {
            if (result.campaign(i) != null) {
                campaigns.add(result.impIndex(i), result.campaign(i), result.creative(i), result.priceMicros(i),
                        result.chargeMicros(i), result.dealIndex(i));
            }
        }
        return campaigns;
    }

    @Test
    void anAuctionWithDspBidsAllocatesNothing() {
        Object bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof ThreadMXBean, "needs HotSpot's per-thread allocation counter");
        ThreadMXBean threads = (ThreadMXBean) bean;
        Auction auction = new Auction(config(0.1, campaign("c0").bid(3), campaign("c1").bid(1)));
        BidRequest request = AuctionFixture.request("{\"id\":\"r\",\"at\":2,\"site\":{\"domain\":\"p.example\"},"
                + "\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250},\"bidfloor\":1,\"bidfloorcur\":\"EUR\"},"
                + "{\"id\":\"2\",\"banner\":{\"w\":300,\"h\":250}},"
                + "{\"id\":\"3\",\"banner\":{\"w\":300,\"h\":250},\"pmp\":{\"private_auction\":1,"
                + "\"deals\":[{\"id\":\"D\",\"bidfloor\":2,\"at\":3}]}}]}");
        Bid bid = new Bid();
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < 8 && fewest > 0; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 50_000; i++) {
                fill(bid);
                auction.engine.run(request, AuctionFixture.SELLER, null, 0, NOW, bids, auction.result);
            }
            fewest = Math.min(fewest, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertEquals("dsp:a", winner(auction.result));
        assertEquals(3, auction.result.count());
        assertEquals(0.0, fewest / 50_000d, 0.01, "bytes per auction: " + fewest + " in the best round");
    }

    private void fill(Bid bid) {
        bids.clear();
        for (int i = 0; i < PRICES.length; i++) {
            ExternalBid external = bids.add();
            external.dsp = i;
            external.dspId = i == 0 ? "a" : "other";
            external.bid = bid;
            external.currency = "USD";
            external.impIndex = IMPS[i];
            external.dealIndex = DEALS[i];
            external.bidMicros = PRICES[i];
            external.priceMicros = PRICES[i];
        }
    }
}
