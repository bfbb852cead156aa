package dev.merlin.exchange.auction;

import static dev.merlin.exchange.auction.AuctionFixture.campaign;
import static dev.merlin.exchange.auction.AuctionFixture.config;
import static dev.merlin.exchange.auction.AuctionFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.merlin.exchange.auction.AuctionFixture.Auction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Deals: {@code private_auction=1} admits only campaigns buying a listed deal, the deal's floor (the impression's
 * when the deal has none), seats and auction type replace the impression's ({@code at=3}: the deal's floor is a
 * fixed price), and deal campaigns also compete in the open auction through their deal — a deal only from the
 * sellers it was agreed with. No take rate here, so prices read as the bids.
 */
class AuctionEngineDealsTest {

    /** {@code deal-a} (seat Agency1, bid 5.00) buys DEAL-A only; {@code open} (bid {@code openBid}) buys none. */
    private static Auction auction(double openBid) {
        return new Auction(config(0,
                campaign("deal-a").advertiser("agency-one", "Agency1").bid(5)
                        .targeting(AuctionFixture.deals("DEAL-A")),
                campaign("open").bid(openBid)));
    }

    /** A site banner whose imp carries {@code impExtra} (JSON members, leading comma included). */
    private static String json(Integer at, String impExtra) {
        return "{\"id\":\"r\"," + (at == null ? "" : "\"at\":" + at + ",")
                + "\"site\":{\"domain\":\"p.example\"},\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}"
                + impExtra + "}]}";
    }

    @ParameterizedTest(name = "[{index}] open bids {0}, at={1}, imp {2} -> {3} at {4} (deal {5})")
    @CsvSource(nullValues = "null", delimiter = ';', value = {
        // private auction: only deal campaigns, even when an open campaign bids more
        "8; 1; ,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"wseat\":[\"Agency1\"]}]};"
                + " deal-a; 5000000; DEAL-A",
        "8; 1; ,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-B\"}]}; none; 0; null",
        "8; 1; ,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-B\"},{\"id\":\"DEAL-A\"}]};"
                + " deal-a; 5000000; DEAL-A",
        // wseat: absent or listing the seat admits; listing only others excludes (seats are case-sensitive)
        "3; 1; ,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\"}]}; deal-a; 5000000; DEAL-A",
        "3; 1; ,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"wseat\":[\"X\",\"Agency1\"]}]};"
                + " deal-a; 5000000; DEAL-A",
        "3; 1; ,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"wseat\":[\"Agency2\"]}]};"
                + " none; 0; null",
        "3; 1; ,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"wseat\":[\"agency1\"]}]};"
                + " none; 0; null",
        "3; 1; ,\"pmp\":{\"private_auction\":0,\"deals\":[{\"id\":\"DEAL-A\",\"wseat\":[\"Agency2\"]}]};"
                + " open; 3000000; null",
        // wadomain: absent, empty or listing the creative's adomain (deal-a.example) admits, compared like badv;
        // listing only others excludes, in the open auction too
        "3; 1; ,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"wadomain\":[]}]};"
                + " deal-a; 5000000; DEAL-A",
        "3; 1; ,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\","
                + "\"wadomain\":[\"x.example\",\"deal-a.example\"]}]}; deal-a; 5000000; DEAL-A",
        "3; 1; ,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\","
                + "\"wadomain\":[\"WWW.Deal-A.Example\"]}]}; deal-a; 5000000; DEAL-A",
        "3; 1; ,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\","
                + "\"wadomain\":[\"someone-else.example\"]}]}; none; 0; null",
        "3; 1; ,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"wadomain\":[\"a.example\"]}]};"
                + " none; 0; null",
        "3; 1; ,\"pmp\":{\"private_auction\":0,\"deals\":[{\"id\":\"DEAL-A\","
                + "\"wadomain\":[\"someone-else.example\"]}]}; open; 3000000; null",
        // open auction with deals: both compete; the deal campaign goes through its deal
        "8; 1; ,\"pmp\":{\"private_auction\":0,\"deals\":[{\"id\":\"DEAL-A\"}]}; open; 8000000; null",
        "3; 1; ,\"pmp\":{\"private_auction\":0,\"deals\":[{\"id\":\"DEAL-A\"}]}; deal-a; 5000000; DEAL-A",
        "3; 1; ,\"pmp\":{\"deals\":[{\"id\":\"DEAL-A\"}]}; deal-a; 5000000; DEAL-A",
        // second price across deal and open bids: 3.00 + 0.01
        "3; 2; ,\"pmp\":{\"private_auction\":0,\"deals\":[{\"id\":\"DEAL-A\"}]}; deal-a; 3010000; DEAL-A",
        // no pmp: a deal campaign never bids
        "3; 1; ; open; 3000000; null",
        // the deal floor replaces the impression floor: imp floor 10, deal floor 4 -> bids, second price = 4
        "3; 2; ,\"bidfloor\":10,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"bidfloor\":4}]};"
                + " deal-a; 4000000; DEAL-A",
        "3; 2; ,\"bidfloor\":1,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"bidfloor\":6}]};"
                + " none; 0; null",
        // a deal without its own floor keeps the impression's: imp floor 4 -> deal-a (5) pays 4 at second price
        "3; 2; ,\"bidfloor\":4,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\"}]};"
                + " deal-a; 4000000; DEAL-A",
        "3; 2; ,\"bidfloor\":4,\"pmp\":{\"private_auction\":0,\"deals\":[{\"id\":\"DEAL-A\"}]};"
                + " deal-a; 4000000; DEAL-A",
        "3; 2; ,\"bidfloor\":4,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"bidfloor\":0}]};"
                + " deal-a; 4000000; DEAL-A",
        "3; 2; ,\"bidfloor\":6,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\"}]}; none; 0; null",
        // ... in the impression's currency: 4 EUR = 4.32 USD clears, 5 EUR = 5.40 USD does not
        "3; 2; ,\"bidfloor\":4,\"bidfloorcur\":\"EUR\",\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\"}]};"
                + " deal-a; 4320000; DEAL-A",
        "3; 2; ,\"bidfloor\":5,\"bidfloorcur\":\"EUR\",\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\"}]};"
                + " none; 0; null",
        // and a fixed-price deal without a price of its own is fixed at the impression's floor
        "4; 2; ,\"bidfloor\":3,\"pmp\":{\"private_auction\":0,\"deals\":[{\"id\":\"DEAL-A\",\"at\":3}]};"
                + " deal-a; 3000000; DEAL-A",
        // deal floors in other currencies: 4 EUR = 4.32 USD clears, 5 EUR = 5.40 USD does not
        "3; 2; ,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"bidfloor\":4,"
                + "\"bidfloorcur\":\"EUR\"}]}; deal-a; 4320000; DEAL-A",
        "3; 2; ,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"bidfloor\":5,"
                + "\"bidfloorcur\":\"EUR\"}]}; none; 0; null",
        // deal.at overrides request.at: request 2nd price, deal 1st -> own bid; and the other way round
        "3; 2; ,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"at\":1,\"bidfloor\":2}]};"
                + " deal-a; 5000000; DEAL-A",
        "3; 1; ,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"at\":2,\"bidfloor\":2}]};"
                + " deal-a; 2000000; DEAL-A",
        "3; 2; ,\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"bidfloor\":2}]};"
                + " deal-a; 2000000; DEAL-A",
        // deal.at=3, fixed price: the deal's bidfloor is the price, whatever the request's at and the runner-up
        // (second price would be 4.01 here, first price 5.00)
        "4; 2; ,\"pmp\":{\"private_auction\":0,\"deals\":[{\"id\":\"DEAL-A\",\"at\":3,\"bidfloor\":2}]};"
                + " deal-a; 2000000; DEAL-A",
        "4; 1; ,\"pmp\":{\"private_auction\":0,\"deals\":[{\"id\":\"DEAL-A\",\"at\":3,\"bidfloor\":2}]};"
                + " deal-a; 2000000; DEAL-A",
        // the fixed price is converted: 3 EUR = 3.24 USD
        "4; 1; ,\"pmp\":{\"private_auction\":0,\"deals\":[{\"id\":\"DEAL-A\",\"at\":3,\"bidfloor\":3,"
                + "\"bidfloorcur\":\"EUR\"}]}; deal-a; 3240000; DEAL-A",
        // a bid under the fixed price does not buy the deal; the open bid wins the open auction at its own price
        "4; 1; ,\"pmp\":{\"private_auction\":0,\"deals\":[{\"id\":\"DEAL-A\",\"at\":3,\"bidfloor\":6}]};"
                + " open; 4000000; null",
        // an open bid above the deal bid wins as an open bid, priced by the request's at
        "8; 2; ,\"pmp\":{\"private_auction\":0,\"deals\":[{\"id\":\"DEAL-A\",\"at\":3,\"bidfloor\":2}]};"
                + " open; 5010000; null",
    })
    void deals(double openBid, Integer at, String impExtra, String winner, long priceMicros, String dealId) {
        Auction auction = auction(openBid);
        var request = request(json(at, impExtra == null ? "" : impExtra));
        AuctionResult result = auction.run(request);
        assertEquals(winner, Auction.winningCampaign(result));
        if (!"none".equals(winner)) {
            assertEquals(priceMicros, result.priceMicros(0), "price micros");
            int deal = result.dealIndex(0);
            assertEquals(dealId, deal < 0 ? null : request.imp.get(0).pmp.deals.get(deal).id);
        }
    }

    @Test
    void aDealMatchesOnlyFromTheSellerItWasAgreedWith() {
        // DEAL-A is ssp-a's: ssp-b naming the same id, first price and no floor, gets no bid from deal-a
        Auction auction = auction(3);
        String privateDeal = ",\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"at\":1}]}";
        AuctionResult own = auction.runFrom(AuctionFixture.SELLER, request(json(1, privateDeal)));
        assertEquals("deal-a", Auction.winningCampaign(own));
        assertEquals(5_000_000, own.priceMicros(0));
        AuctionResult other = auction.runFrom(AuctionFixture.OTHER_SELLER, request(json(1, privateDeal)));
        assertEquals("none", Auction.winningCampaign(other));
        assertEquals(AuctionResult.NO_CANDIDATES, other.noBidReason());
        assertEquals("none", Auction.winningCampaign(auction.runFrom(null, request(json(1, privateDeal)))));
        // in an open auction the deal is as good as absent: the open campaign wins, at its own bid
        String openDeal = ",\"pmp\":{\"private_auction\":0,\"deals\":[{\"id\":\"DEAL-A\",\"at\":1}]}";
        AuctionResult open = auction.runFrom(AuctionFixture.OTHER_SELLER, request(json(1, openDeal)));
        assertEquals("open", Auction.winningCampaign(open));
        assertEquals(3_000_000, open.priceMicros(0));
    }

    @Test
    void oneDealIdFromTwoSellersIsTwoDeals() {
        // both-a buys DEAL-A from either seller; only-b buys a DEAL-A of ssp-b's (and bids more)
        Auction auction = new Auction(config(0,
                campaign("both-a").advertiser("agency-one", "Agency1").bid(5)
                        .targeting("{deals: [{id: DEAL-A, sellers: [ssp-a, ssp-b]}]}"),
                campaign("only-b").advertiser("agency-two", "Agency2").bid(7)
                        .targeting("{deals: [{id: DEAL-A, sellers: [ssp-b]}]}")));
        String privateDeal = ",\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"at\":1}]}";
        assertEquals("both-a", Auction.winningCampaign(
                auction.runFrom(AuctionFixture.SELLER, request(json(1, privateDeal)))));
        assertEquals("only-b", Auction.winningCampaign(
                auction.runFrom(AuctionFixture.OTHER_SELLER, request(json(1, privateDeal)))));
    }

    @Test
    void wadomainPicksTheCreativeOfAnAllowedAdvertiser() {
        Auction auction = new Auction(config(0, campaign("agency").advertiser("agency-one", "Agency1").bid(5)
                .targeting(AuctionFixture.deals("DEAL-A"))
                .creative("id: brand-x, format: banner, w: 300, h: 250, adomain: [x.example]")
                .creative("id: brand-y, format: banner, w: 300, h: 250, adomain: [y.example]")
                .creative("id: no-domain, format: banner, w: 300, h: 250")));
        String deal = ",\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"wadomain\":[%s]}]}";
        assertEquals("agency:brand-x", auction.winner(request(json(1, String.format(deal, "")))));
        assertEquals("agency:brand-y", auction.winner(request(json(1, String.format(deal, "\"y.example\"")))));
        // a creative that names no advertiser cannot be shown to be an allowed one
        assertEquals("none", auction.winner(request(json(1, String.format(deal, "\"z.example\"")))));
    }

    @Test
    void aCreativeWithSeveralAdvertiserDomainsNeedsAllOfThemAllowed() {
        Auction auction = new Auction(config(0, campaign("co").advertiser("agency-one", "Agency1").bid(5)
                .targeting(AuctionFixture.deals("DEAL-A"))
                .creative("id: co-brand, format: banner, w: 300, h: 250, adomain: [x.example, y.example]")));
        String deal = ",\"pmp\":{\"private_auction\":1,\"deals\":[{\"id\":\"DEAL-A\",\"wadomain\":[%s]}]}";
        assertEquals("none", auction.winner(request(json(1, String.format(deal, "\"x.example\"")))));
        assertEquals("co:co-brand", auction.winner(request(json(1,
                String.format(deal, "\"y.example\",\"x.example\"")))));
    }

    @Test
    void aCampaignBuyingSeveralDealsTakesTheFirstWhoseWadomainAllowsItsCreative() {
        Auction auction = new Auction(config(0, campaign("multi").advertiser("agency-one", "Agency1").bid(5)
                .targeting(AuctionFixture.deals("DEAL-A", "DEAL-B"))));
        AuctionResult result = auction.run(request(json(1, ",\"pmp\":{\"private_auction\":1,\"deals\":["
                + "{\"id\":\"DEAL-A\",\"wadomain\":[\"other.example\"]},"
                + "{\"id\":\"DEAL-B\",\"wadomain\":[\"multi.example\"]}]}")));
        assertEquals(1, result.count());
        assertEquals(1, result.dealIndex(0));
    }

    @Test
    void aCampaignBuyingSeveralDealsPassesOverOneWhoseFloorItDoesNotClear() {
        Auction auction = new Auction(config(0, campaign("multi").advertiser("agency-one", "Agency1").bid(5)
                .targeting(AuctionFixture.deals("DEAL-A", "DEAL-B"))));
        AuctionResult result = auction.run(request(json(2, ",\"pmp\":{\"private_auction\":1,\"deals\":["
                + "{\"id\":\"DEAL-A\",\"bidfloor\":6},{\"id\":\"DEAL-B\",\"bidfloor\":2}]}")));
        assertEquals(1, result.count());
        assertEquals(1, result.dealIndex(0));
        assertEquals(2_000_000, result.priceMicros(0));
    }

    @Test
    void aFixedPriceDealPaysTheDealPriceNotTheRunnerUp() {
        // two buyers of DEAL-A at 10.00 and 8.00: second price would be 8.01; the deal's price is 5.00
        Auction auction = new Auction(config(0,
                campaign("deal-a").advertiser("agency-one", "Agency1").bid(10)
                        .targeting(AuctionFixture.deals("DEAL-A")),
                campaign("deal-b").advertiser("agency-two", "Agency2").bid(8)
                        .targeting(AuctionFixture.deals("DEAL-A"))));
        AuctionResult result = auction.run(request(json(2, ",\"pmp\":{\"private_auction\":1,\"deals\":["
                + "{\"id\":\"DEAL-A\",\"at\":3,\"bidfloor\":5}]}")));
        assertEquals("deal-a", Auction.winningCampaign(result));
        assertEquals(5_000_000, result.priceMicros(0));
        assertEquals(5_000_000, result.chargeMicros(0));
    }

    @Test
    void aFixedPriceIsGrossedUpByTheTakeRateLikeAnyPrice() {
        // the publisher gets the deal price 2.00; the advertiser pays ceil(2.00 / 0.85) = 2.352942
        Auction auction = new Auction(config(0.15,
                campaign("deal-a").advertiser("agency-one", "Agency1").bid(5)
                        .targeting(AuctionFixture.deals("DEAL-A"))));
        AuctionResult result = auction.run(request(json(1, ",\"pmp\":{\"private_auction\":1,\"deals\":["
                + "{\"id\":\"DEAL-A\",\"at\":3,\"bidfloor\":2}]}")));
        assertEquals(2_000_000, result.priceMicros(0));
        assertEquals(2_352_942, result.chargeMicros(0));
    }

    @Test
    void aDealFloorInAnUnknownCurrencyIsNoBidWithThatReason() {
        AuctionResult result = auction(3).run(request(json(1, ",\"pmp\":{\"private_auction\":1,\"deals\":["
                + "{\"id\":\"DEAL-A\",\"bidfloor\":1,\"bidfloorcur\":\"XYZ\"}]}")));
        assertEquals(0, result.count());
        assertEquals(AuctionResult.UNKNOWN_CURRENCY, result.noBidReason());
    }

    @Test
    void aCampaignBuyingSeveralDealsTakesTheFirstDealItMayUse() {
        Auction auction = new Auction(config(0, campaign("multi").advertiser("agency-one", "Agency1").bid(5)
                .targeting(AuctionFixture.deals("DEAL-A", "DEAL-B"))));
        var request = request(json(1, ",\"pmp\":{\"private_auction\":1,\"deals\":["
                + "{\"id\":\"DEAL-A\",\"wseat\":[\"Agency2\"]},{\"id\":\"DEAL-B\",\"wseat\":[\"Agency1\"]}]}"));
        AuctionResult result = auction.run(request);
        assertEquals(1, result.count());
        assertEquals(1, result.dealIndex(0));
    }
}
