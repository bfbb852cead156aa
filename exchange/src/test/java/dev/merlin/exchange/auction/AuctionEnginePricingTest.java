package dev.merlin.exchange.auction;

import static dev.merlin.exchange.auction.AuctionFixture.campaign;
import static dev.merlin.exchange.auction.AuctionFixture.config;
import static dev.merlin.exchange.auction.AuctionFixture.siteBanner;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.merlin.config.ExchangeSettings;
import dev.merlin.exchange.auction.AuctionFixture.Auction;
import dev.merlin.exchange.auction.AuctionFixture.CampaignYaml;
import dev.merlin.protocol.model.Audio;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Video;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Price rules with exact micros: first and second price, floors in several currencies (and per second of video
 * or audio, {@code mincpmpersec}), and the take rate. Every expected figure is worked out by hand in the row's
 * comment from the config (USD exchange currency, take rate 15% unless the row says otherwise), not read back from
 * the engine.
 */
class AuctionEnginePricingTest {

    /** Campaigns {@code c0, c1, …} bidding the given USD CPMs, in that config order. */
    private static Auction auction(double takeRate, String pipeSeparatedBids) {
        String[] bids = pipeSeparatedBids.split("\\|");
        CampaignYaml[] campaigns = new CampaignYaml[bids.length];
        for (int i = 0; i < bids.length; i++) {
            campaigns[i] = campaign("c" + i).bid(Double.parseDouble(bids[i]));
        }
        return new Auction(config(takeRate, campaigns));
    }

    @ParameterizedTest(name = "at={0} floor={1} bids={2} -> {3} pays {4}, charged {5}")
    @CsvSource(nullValues = "null", value = {
        // first price: the winner's own net bid, 3.00 x 0.85 = 2.55; charge 2.55 / 0.85 = 3.00
        "1,    null, 3.00|2.00,      c0, 2550000, 3000000",
        "1,    null, 2.00|3.00,      c1, 2550000, 3000000",
        // second price: runner-up 2.00 x 0.85 = 1.70, + 0.01 = 1.71; charge ceil(1.71 / 0.85) = 2.011765
        "2,    null, 3.00|2.00,      c0, 1710000, 2011765",
        "null, null, 3.00|2.00,      c0, 1710000, 2011765",          // at absent means second price
        "2,    null, 2.00|3.00,      c1, 1710000, 2011765",
        // three bidders in every order: runner-up 2.50 x 0.85 = 2.125, + 0.01 = 2.135
        "2,    null, 2.00|3.00|2.50, c1, 2135000, 2511765",
        "2,    null, 3.00|2.00|2.50, c0, 2135000, 2511765",
        "2,    null, 2.50|2.00|3.00, c2, 2135000, 2511765",
        // a tie pays the own net bid (the +0.01 is capped at it); the first in config order wins
        "2,    null, 2.00|2.00,      c0, 1700000, 2000000",
        // runner-up within 0.01: 1.995 x 0.85 = 1.69575 + 0.01 > 1.70, capped at 1.70
        "2,    null, 2.00|1.995,     c0, 1700000, 2000000",
        // single bidder: 0.01, or the floor when higher; ceil(0.01 / 0.85) = 0.011765
        "2,    null, 3.00,           c0, 10000,   11765",
        "2,    0.50, 3.00,           c0, 500000,  588236",
        // the floor lifts the price: the runner-up (1.70) is under it; ceil(2.00 / 0.85) = 2.352942
        "2,    2.00, 3.00|2.00,      c0, 2000000, 2352942",
        // runner-up above the floor: 2.50 x 0.85 = 2.125, + 0.01
        "2,    2.00, 3.00|2.50,      c0, 2135000, 2511765",
        "2,    1.50, 3.00|2.00,      c0, 1710000, 2011765",
        // a runner-up under the floor does not set the price: 1.70 < 1.71, so it is out and the floor applies
        "2,    1.71, 3.00|2.00,      c0, 1710000, 2011765",
        "2,    1.80, 3.00|2.00,      c0, 1800000, 2117648",
        // first price ignores the runner-up and the floor (when cleared)
        "1,    2.00, 3.00|2.50,      c0, 2550000, 3000000",
        // nobody clears the floor
        "2,    2.60, 3.00|2.00,      none, 0,     0",
        "1,    2.56, 3.00,           none, 0,     0",
        "1,    2.55, 3.00,           c0, 2550000, 3000000",          // a net bid equal to the floor clears it
    })
    void priceAndCharge(Integer at, Double floor, String bids, String winner, long priceMicros, long chargeMicros) {
        Auction auction = auction(0.15, bids);
        BidRequest request = siteBanner();
        request.at = at;
        request.imp.get(0).bidfloor = floor;
        AuctionResult result = auction.run(request);
        assertEquals(winner, Auction.winningCampaign(result));
        if (!"none".equals(winner)) {
            assertEquals(priceMicros, result.priceMicros(0), "price micros");
            assertEquals(chargeMicros, result.chargeMicros(0), "charge micros");
        } else {
            assertEquals(AuctionResult.NO_ELIGIBLE, result.noBidReason());
        }
    }

    @ParameterizedTest(name = "takeRate={0} bid={1} at={2} -> pays {3}, charged {4}")
    @CsvSource({
        // price = bid x (1 - take); charge = ceil(price / (1 - take))
        "0.0,  2.50, 1, 2500000, 2500000",
        "0.2,  2.50, 1, 2000000, 2500000",
        "0.15, 1.20, 1, 1020000, 1200000",
        "0.3,  1.00, 1, 700000,  1000000",
        "0.9,  1.00, 1, 100000,  1000000",
        // 0.333333 keeps 666667 parts per million: 1.00 -> 0.666667, charged back exactly 1.00
        "0.333333, 1.00, 1, 666667, 1000000",
        // second price with runner-up 1.00: 1.00 x (1 - take) + 0.01
        "0.0,  2.50, 2, 1010000, 1010000",
        "0.2,  2.50, 2, 810000,  1012500",
        "0.15, 2.50, 2, 860000,  1011765",
    })
    void takeRateAppliedToEveryBidTheSameWay(double takeRate, double bid, int at, long priceMicros,
                                             long chargeMicros) {
        Auction auction = new Auction(config(takeRate, campaign("winner").bid(bid), campaign("runner-up").bid(1.00)));
        BidRequest request = siteBanner();
        request.at = at;
        AuctionResult result = auction.run(request);
        assertEquals("winner", Auction.winningCampaign(result));
        assertEquals(priceMicros, result.priceMicros(0), "price micros");
        assertEquals(chargeMicros, result.chargeMicros(0), "charge micros");
    }

    @ParameterizedTest(name = "floor {1} {2} (= {4} USD micros), bid {0} USD -> {3}")
    @CsvSource(nullValues = "null", value = {
        // 3 EUR x 1.08 = 3.24 USD; net bids: 3.82 x 0.85 = 3.247 (clears), 3.81 x 0.85 = 3.2385 (does not)
        "3.82, 3,    EUR,  3247000, 3240000",
        "3.81, 3,    EUR,  none,    3240000",
        // 500 JPY x 0.0067 = 3.35 USD; 3.95 x 0.85 = 3.3575, 3.94 x 0.85 = 3.349
        "3.95, 500,  JPY,  3357500, 3350000",
        "3.94, 500,  JPY,  none,    3350000",
        // 5000 KRW x 0.00073 = 3.65 USD; 4.30 x 0.85 = 3.655, 4.29 x 0.85 = 3.6465
        "4.30, 5000, KRW,  3655000, 3650000",
        "4.29, 5000, KRW,  none,    3650000",
        // 3 USD; 3.53 x 0.85 = 3.0005, 3.52 x 0.85 = 2.992
        "3.53, 3,    USD,  3000500, 3000000",
        "3.52, 3,    USD,  none,    3000000",
        // bidfloorcur absent means USD (OpenRTB default), not the floor's face value in another unit
        "3.53, 3,    null, 3000500, 3000000",
        "3.52, 3,    null, none,    3000000",
        // 4.00 x 0.85 = 3.40 exactly at 3.40 USD
        "4.00, 3.40, USD,  3400000, 3400000",
    })
    void floorsInOtherCurrenciesAreConverted(double bid, double floor, String floorCurrency, String expectedPrice,
                                             long floorMicros) {
        Auction auction = new Auction(config(0.15, campaign("bidder").bid(bid)));
        assertEquals(floorMicros, auction.currencies.toMicros(floor, floorCurrency == null ? "USD" : floorCurrency),
                "converted floor");
        BidRequest request = siteBanner();
        request.at = 1;
        request.imp.get(0).bidfloor = floor;
        request.imp.get(0).bidfloorcur = floorCurrency;
        AuctionResult result = auction.run(request);
        if ("none".equals(expectedPrice)) {
            assertEquals(0, result.count());
            assertEquals(AuctionResult.NO_ELIGIBLE, result.noBidReason());
        } else {
            assertEquals(1, result.count());
            assertEquals(Long.parseLong(expectedPrice), result.priceMicros(0));
        }
    }

    @Test
    void campaignBidsInOtherCurrenciesAreConvertedAtLoad() {
        // 500 JPY x 0.0067 = 3.35 USD beats 3.30 USD; 4 EUR x 1.08 = 4.32 USD beats both
        Auction auction = new Auction(config(0,
                campaign("yen").bid(500, "JPY"),
                campaign("dollar").bid(3.30)));
        BidRequest request = siteBanner();
        request.at = 1;
        AuctionResult result = auction.run(request);
        assertEquals("yen", Auction.winningCampaign(result));
        assertEquals(3_350_000, result.priceMicros(0));

        auction = new Auction(config(0, campaign("yen").bid(500, "JPY"), campaign("euro").bid(4, "EUR")));
        result = auction.run(request);
        assertEquals("euro", Auction.winningCampaign(result));
        assertEquals(4_320_000, result.priceMicros(0));
    }

    @ParameterizedTest(name = "at={0} bidfloor={1} {2} mincpmpersec={3} -> {4} pays {5}")
    @CsvSource(nullValues = "null", value = {
        // no take rate; long bids 5.00 with a 30 s spot, short 2.00 with a 15 s spot
        "1, null, null, null, long,  5000000",
        // 0.20/s: long's floor is 6.00 (> 5.00), short's 3.00 (> 2.00)
        "1, null, null, 0.2,  none,  0",
        // 0.10/s: floors 3.00 and 1.50; first price pays the bid
        "1, null, null, 0.1,  long,  5000000",
        // second price: runner-up 2.00 + 0.01 is under long's own floor 3.00, so 3.00
        "2, null, null, 0.1,  long,  3000000",
        // 0.15/s: short's floor 2.25 shuts it out; long alone pays its floor 4.50
        "2, null, null, 0.15, long,  4500000",
        // the floor is the larger of bidfloor and mincpmpersec x duration
        "2, 4,    null, 0.1,  long,  4000000",
        "2, 1,    null, 0.1,  long,  3000000",
        "2, 1,    USD,  0.05, long,  2010000",   // floors 1.50 and 1.00: the runner-up sets the price
        // mincpmpersec is in bidfloorcur: 0.15 EUR = 0.162 USD/s, long's floor 4.86, short's 2.43 (out)
        "2, null, EUR,  0.15, long,  4860000",
        "1, null, EUR,  0.2,  none,  0",          // 0.216 x 30 = 6.48
    })
    void videoMinCpmPerSecondIsAFloorPerCreativeDuration(int at, Double floor, String floorCurrency,
                                                         Double minCpmPerSecond, String winner, long priceMicros) {
        Auction auction = new Auction(config(0,
                campaign("long").bid(5).creative("id: long-30s, format: video, durationSeconds: 30,"
                        + " mimes: [video/mp4]"),
                campaign("short").bid(2).creative("id: short-15s, format: video, durationSeconds: 15,"
                        + " mimes: [video/mp4]")));
        BidRequest request = siteBanner();
        request.at = at;
        request.imp.get(0).banner = null;
        request.imp.get(0).video = new Video();
        request.imp.get(0).video.mimes = List.of("video/mp4");
        request.imp.get(0).video.mincpmpersec = minCpmPerSecond;
        request.imp.get(0).bidfloor = floor;
        request.imp.get(0).bidfloorcur = floorCurrency;
        AuctionResult result = auction.run(request);
        assertEquals(winner, Auction.winningCampaign(result));
        if (!"none".equals(winner)) {
            assertEquals(priceMicros, result.priceMicros(0), "price micros");
        } else {
            assertEquals(AuctionResult.NO_ELIGIBLE, result.noBidReason());
        }
    }

    @Test
    void aCampaignServesAShorterSpotWhenTheLongerOnesFloorIsOverItsBid() {
        // 0.20/s: the 30 s spot's floor is 6.00, over the 5.00 bid; the 15 s spot's is 3.00
        Auction auction = new Auction(config(0, campaign("spots").bid(5)
                .creative("id: spot-30s, format: video, durationSeconds: 30, mimes: [video/mp4]")
                .creative("id: spot-15s, format: video, durationSeconds: 15, mimes: [video/mp4]")));
        BidRequest request = AuctionFixture.request("{\"id\":\"r\",\"at\":2,\"site\":{\"domain\":\"p.example\"},"
                + "\"imp\":[{\"id\":\"1\",\"video\":{\"mimes\":[\"video/mp4\"],\"mincpmpersec\":0.2}}]}");
        AuctionResult result = auction.run(request);
        assertEquals("spots:spot-15s", Auction.winner(result));
        assertEquals(3_000_000, result.priceMicros(0));
    }

    @ParameterizedTest(name = "audio.mincpmpersec={0} -> {1}")
    @CsvSource({
        "0.2, none",      // a 30 s ad at 0.20/s: floor 6.00 over the 3.00 bid
        "0.1, podcast",   // floor 3.00: a bid equal to the floor clears it
    })
    void audioMinCpmPerSecondIsAFloorToo(double minCpmPerSecond, String winner) {
        Auction auction = new Auction(config(0, campaign("podcast").bid(3)
                .creative("id: podcast-30s, format: audio, durationSeconds: 30, mimes: [audio/mpeg]")));
        BidRequest request = siteBanner();
        request.at = 1;
        request.imp.get(0).banner = null;
        request.imp.get(0).audio = new Audio();
        request.imp.get(0).audio.mincpmpersec = minCpmPerSecond;
        assertEquals(winner, Auction.winningCampaign(auction.run(request)));
    }

    @Test
    void mincpmpersecDoesNotApplyToTheBannerOfAMultiFormatImp() {
        Auction auction = new Auction(config(0, campaign("display").bid(2).banner(300, 250)));
        BidRequest request = siteBanner();
        request.imp.get(0).video = new Video();
        request.imp.get(0).video.mincpmpersec = 1.0;
        assertEquals("display", Auction.winningCampaign(auction.run(request)));
    }

    @Test
    void mincpmpersecInAnUnknownCurrencyIsNoBid() {
        Auction auction = new Auction(config(0, campaign("long").bid(5)
                .creative("id: long-30s, format: video, durationSeconds: 30, mimes: [video/mp4]")));
        BidRequest request = siteBanner();
        request.imp.get(0).banner = null;
        request.imp.get(0).video = new Video();
        request.imp.get(0).video.mincpmpersec = 0.01;
        request.imp.get(0).bidfloorcur = "XYZ";
        AuctionResult result = auction.run(request);
        assertEquals(0, result.count());
        assertEquals(AuctionResult.UNKNOWN_CURRENCY, result.noBidReason());
    }

    /** A ledger stand-in: every campaign has spent {@code spentMicros} today and in total; wins commit. */
    private static SpendView spent(long spentMicros) {
        return new CommittingSpendView(spentMicros);
    }

    @ParameterizedTest(name = "{0}={1}, spent {2} micros, at={3} -> {4}")
    @CsvSource({
        // no take rate; budgeted bids 3.00 CPM, other 1.00: at first price an imp costs budgeted 3.00 / 1000 = 3000
        // micros, at second price (1.00 + 0.01) / 1000 = 1010 micros; three imps, taken in order
        "dailyBudget, 0.009, 0,    1, budgeted|budgeted|budgeted",
        "dailyBudget, 0.008, 0,    1, budgeted|budgeted|other",      // 6000 spent, 2000 left: not a third imp
        "dailyBudget, 0.006, 0,    1, budgeted|budgeted|other",
        "dailyBudget, 0.009, 3000, 1, budgeted|budgeted|other",      // what the ledger has spent counts too
        "dailyBudget, 0.003, 0,    1, budgeted|other|other",
        "dailyBudget, 0.002, 0,    1, other|other|other",            // not even one imp is covered
        "totalBudget, 0.006, 0,    1, budgeted|budgeted|other",
        // at the second price the same budget covers more imps: 3 x 1010 <= 3030, 2 x 1010 <= 3000 < 3 x 1010
        "dailyBudget, 0.00303, 0,  2, budgeted|budgeted|budgeted",
        "dailyBudget, 0.003, 0,    2, budgeted|budgeted|other",
    })
    void aCampaignWinsNoMoreImpsOfARequestThanItsBudgetCovers(String budget, String amount, long spentMicros, int at,
                                                                String expected) {
        Auction auction = new Auction(config(0,
                campaign("budgeted").bid(3).set(budget, amount).set("pacing", "asap"),
                campaign("other").bid(1)), spent(spentMicros), FrequencyView.NONE);
        AuctionResult result = auction.run(AuctionFixture.siteBanners(3, at));
        assertEquals(expected, AuctionFixture.winnersByImp(result, 3));
    }

    @Test
    void whenTheBudgetDoesNotCoverTheWinnersPriceTheNextBidWinsAtItsOwnPrice() {
        // 2500 micros left: two imps at the second price (1010 each), then budgeted drops out of the third and
        // other wins it alone, at second price 0.01
        Auction auction = new Auction(config(0,
                campaign("budgeted").bid(3).set("dailyBudget", "0.0025").set("pacing", "asap"),
                campaign("other").bid(1)), spent(0), FrequencyView.NONE);
        AuctionResult result = auction.run(AuctionFixture.siteBanners(3, 2));
        assertEquals("budgeted|budgeted|other", AuctionFixture.winnersByImp(result, 3));
        assertEquals(1_010_000, result.priceMicros(1));
        assertEquals(10_000, result.priceMicros(2));
    }

    @ParameterizedTest(name = "bidfloorcur={0} -> no bid, UNKNOWN_CURRENCY")
    @CsvSource({"XYZ", "usd", "EURO"})
    void unknownFloorCurrencyIsNoBid(String currency) {
        Auction auction = new Auction(config(0.15, campaign("bidder").bid(5)));
        BidRequest request = siteBanner();
        request.imp.get(0).bidfloor = 0.5;
        request.imp.get(0).bidfloorcur = currency;
        AuctionResult result = auction.run(request);
        assertEquals(0, result.count());
        assertEquals(AuctionResult.UNKNOWN_CURRENCY, result.noBidReason());
    }

    @Test
    void unknownCurrencyOnOneImpressionLeavesTheOthersBidding() {
        Auction auction = new Auction(config(0.15, campaign("bidder").bid(5)));
        BidRequest request = AuctionFixture.request("{\"id\":\"r\",\"site\":{\"domain\":\"p.example\"},\"imp\":["
                + "{\"id\":\"a\",\"bidfloor\":1,\"bidfloorcur\":\"XYZ\",\"banner\":{\"w\":300,\"h\":250}},"
                + "{\"id\":\"b\",\"bidfloor\":1,\"bidfloorcur\":\"EUR\",\"banner\":{\"w\":300,\"h\":250}}]}");
        AuctionResult result = auction.run(request);
        assertEquals(1, result.count());
        assertEquals(1, result.impIndex(0));
    }

    @Test
    void aZeroFloorInAnUnknownCurrencyIsNoFloor() {
        Auction auction = new Auction(config(0.15, campaign("bidder").bid(5)));
        BidRequest request = siteBanner();
        request.imp.get(0).bidfloor = 0.0;
        request.imp.get(0).bidfloorcur = "XYZ";
        assertEquals(1, auction.run(request).count());
    }

    @ParameterizedTest(name = "{0} {1} = {2} USD micros")
    @CsvSource({
        "1,      EUR, 1080000",
        "0.03,   USD, 30000",
        "150,    JPY, 1005000",
        "1000,   KRW, 730000",
        "0.0001, USD, 100",
        "1e-7,   USD, 1",       // a floor never rounds down to nothing
    })
    void currenciesConvertToMicrosRoundingUp(double amount, String currency, long micros) {
        Currencies currencies = new Currencies(ExchangeSettings.defaults()
                .withCurrencyRates(Map.of("EUR", 1.08, "JPY", 0.0067, "KRW", 0.00073)));
        assertEquals(micros, currencies.toMicros(amount, currency));
        assertEquals(-1, currencies.toMicros(amount, "XYZ"));
    }
}
