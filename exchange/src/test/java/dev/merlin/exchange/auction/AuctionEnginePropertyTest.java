package dev.merlin.exchange.auction;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.segments.SegmentSet;
import dev.merlin.protocol.model.Bid;
import dev.merlin.protocol.model.BidRequest;
import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;

/**
 * The engine against the scan, as a property: over generated campaign sets (shared advertisers and seats, bids that
 * tie before and after the take rate, bids in another currency, every targeting dimension, deals, budgets that run
 * out within a request, frequency caps, flights) and generated requests (one to three imps, floors in convertible
 * and unknown currencies, deals with floors, auction types and seats, private auctions, first and second price,
 * blocked advertisers and seats, DSP bids in the open auction and through deals), {@link AuctionEngine} —
 * campaigns walked from the highest bid down in blocks of one word, stopping early — gives exactly what
 * {@link ScanAuctionEngine} gives by pricing every candidate in catalog order: the same winner per imp with the
 * same creative, deal, clearing price and charge, the same no-bid reason,
 * the same outcome told to each DSP bid (loss code, clearing price, price to win), and the same commitments left in
 * the spend view.
 */
class AuctionEnginePropertyTest {

    private static final String[] BIDS = {"0.5", "1.0", "1.000001", "1.5", "2.0", "2.000001", "3.0", "4.2"};
    private static final double[] TAKE_RATES = {0, 0.15, 0.5};
    private static final String[] COUNTRIES = {"JPN", "USA", "DEU"};
    private static final String[] DOMAINS = {"news.example", "sports.example", "www.news.example"};
    private static final String[] SEGMENTS = {"sports-fans", "travel-intenders", "recent-purchasers"};
    private static final String[] DEALS = {"D-1", "D-2", "D-3"};
    private static final String[] DEAL_SELLERS = {"[" + AuctionFixture.SELLER + "]", "[" + AuctionFixture.OTHER_SELLER
        + "]", "[" + AuctionFixture.SELLER + ", " + AuctionFixture.OTHER_SELLER + "]"};
    /** The sellers requests come from: the fixture's two, and none (no deal of any campaign matches). */
    private static final String[] REQUEST_SELLERS = {AuctionFixture.SELLER, AuctionFixture.OTHER_SELLER, null};
    private static final String[] FLOOR_CURRENCIES = {"USD", "EUR", "JPY", "CHF"};

    @Property(tries = 250, shrinking = ShrinkingMode.OFF)
    void engineFindsTheScansWinnersAndPrices(@ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double takeRate = TAKE_RATES[random.nextInt(TAKE_RATES.length)];
        int count = 1 + random.nextInt(random.nextBoolean() ? 12 : 200);
        AuctionFixture.CampaignYaml[] campaigns = new AuctionFixture.CampaignYaml[count];
        for (int c = 0; c < count; c++) {
            campaigns[c] = campaign(c, random);
        }
        MerlinConfig config = AuctionFixture.config(takeRate, campaigns);
        CampaignCatalog catalog = new CampaignCatalog(config);
        Currencies currencies = new Currencies(config.exchange());
        long[] spentMicros = new long[count];
        boolean[] isPaused = new boolean[count];
        for (int c = 0; c < count; c++) {
            spentMicros[c] = random.nextInt(4) == 0 ? random.nextInt(3000) : 0;
            isPaused[c] = random.nextInt(12) == 0;
        }
        TestSpendView engineSpend = new TestSpendView(spentMicros, isPaused);
        TestSpendView scanSpend = new TestSpendView(spentMicros, isPaused);
        FrequencyView frequency = (userHash, campaign, now) -> (int) ((userHash * 31 + campaign.index) % 3);
        AuctionEngine engine = new AuctionEngine(catalog, currencies, takeRate, engineSpend, frequency, 1);
        ScanAuctionEngine scan = new ScanAuctionEngine(config, catalog, currencies, takeRate, scanSpend, frequency);
        AuctionResult engineResult = new AuctionResult(4);
        AuctionResult scanResult = new AuctionResult(4);
        for (int r = 0; r < 6; r++) {
            String json = request(random);
            BidRequest request = AuctionFixture.request(json);
            SegmentSet segments = random.nextInt(3) == 0 ? null : segments(random);
            long userHash = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(5);
            long now = AuctionFixture.NOW + (random.nextInt(4) == 0 ? 30L * 86_400 : 0);
            ExternalBids engineBids = new ExternalBids(4);
            ExternalBids scanBids = new ExternalBids(4);
            int dspBids = random.nextBoolean() ? 0 : 1 + random.nextInt(3);
            for (int b = 0; b < dspBids; b++) {
                int imp = random.nextInt(request.imp.size());
                int deal = random.nextInt(3) == 0 ? random.nextInt(2) : -1;
                long priceMicros = 300_000L * (1 + random.nextInt(12));
                dspBid(engineBids.add(), b, imp, deal, priceMicros);
                dspBid(scanBids.add(), b, imp, deal, priceMicros);
            }
            String seller = REQUEST_SELLERS[random.nextInt(REQUEST_SELLERS.length)];
            engine.run(request, seller, segments, userHash, now, engineBids, engineResult);
            scan.run(request, seller, segments, userHash, now, scanBids, scanResult);
            String context = "seed " + seed + ", " + count + " campaigns, seller " + seller + ", request " + json
                    + ", DSP bids " + describe(scanBids);
            assertEquals(describe(scanResult), describe(engineResult), context);
            assertEquals(describe(scanBids), describe(engineBids), context);
            assertEquals(Arrays.toString(scanSpend.committedMicros), Arrays.toString(engineSpend.committedMicros),
                    context);
            Statistics.label("outcome").collect(engineResult.count() > 0 ? "winners" : "no bid, reason "
                    + engineResult.noBidReason());
        }
    }

    private static AuctionFixture.CampaignYaml campaign(int c, SplittableRandom random) {
        AuctionFixture.CampaignYaml campaign = AuctionFixture.campaign("c" + c);
        if (random.nextInt(3) > 0) {
            int advertiser = random.nextInt(6);
            campaign.advertiser("a" + advertiser, "s" + advertiser);
        }
        String bid = BIDS[random.nextInt(BIDS.length)];
        if (random.nextInt(8) == 0) {
            campaign.bid(Double.parseDouble(bid), "EUR");
        } else {
            campaign.bid(Double.parseDouble(bid));
        }
        campaign.targeting(targeting(random));
        if (random.nextInt(4) == 0) {
            campaign.set("dailyBudget", random.nextBoolean() ? "0.004" : "0.0025");
        }
        if (random.nextInt(5) == 0) {
            campaign.set("frequencyCap", "{impressions: " + (1 + random.nextInt(3)) + ", periodSeconds: 3600}");
        }
        if (random.nextInt(8) == 0) {
            campaign.set("end", "2026-06-30");
        }
        int creatives = random.nextInt(4);
        if (creatives == 1) {
            campaign.banner(728, 90);
        } else if (creatives == 2) {
            campaign.banner(300, 250).banner(728, 90);
        } else if (creatives == 3) {
            campaign.creative("id: c" + c + "-v, format: video, durationSeconds: 15, mimes: [video/mp4],"
                    + " adomain: [c" + c + ".example]");
        }
        return campaign;
    }

    /** The sellers a deal was agreed with: one of the fixture's two, or both. */
    private static String dealSellers(SplittableRandom random) {
        return DEAL_SELLERS[random.nextInt(DEAL_SELLERS.length)];
    }

    private static String targeting(SplittableRandom random) {
        StringBuilder t = new StringBuilder("{");
        if (random.nextInt(3) == 0) {
            t.append("countries: [").append(COUNTRIES[random.nextInt(COUNTRIES.length)]).append("], ");
        }
        if (random.nextInt(4) == 0) {
            t.append(random.nextBoolean() ? "deviceTypes: [4, 5], " : "deviceTypes: [2], ");
        }
        if (random.nextInt(5) == 0) {
            t.append("os: [iOS], ");
        }
        int domains = random.nextInt(6);
        if (domains == 0) {
            t.append("domains: {allow: [").append(DOMAINS[random.nextInt(DOMAINS.length)]).append("]}, ");
        } else if (domains == 1) {
            t.append("domains: {deny: [").append(DOMAINS[random.nextInt(DOMAINS.length)]).append("]}, ");
        }
        if (random.nextInt(5) == 0) {
            t.append("categories: [IAB17], ");
        }
        int segments = random.nextInt(6);
        if (segments == 0) {
            t.append("segments: {anyOf: [").append(SEGMENTS[random.nextInt(SEGMENTS.length)]).append("]}, ");
        } else if (segments == 1) {
            t.append("segments: {allOf: [sports-fans, travel-intenders]}, ");
        } else if (segments == 2) {
            t.append("segments: {noneOf: [").append(SEGMENTS[random.nextInt(SEGMENTS.length)]).append("]}, ");
        }
        if (random.nextInt(4) == 0) {
            String deal = DEALS[random.nextInt(DEALS.length)];
            t.append("deals: [{id: ").append(deal).append(", sellers: ").append(dealSellers(random)).append('}');
            if (!deal.equals("D-2") && random.nextBoolean()) {
                t.append(", {id: D-2, sellers: ").append(dealSellers(random)).append('}');
            }
            t.append("], ");
        }
        if (t.length() > 1) {
            t.setLength(t.length() - 2);
        }
        return t.append('}').toString();
    }

    private static String request(SplittableRandom random) {
        StringBuilder json = new StringBuilder("{\"id\":\"r\",");
        int at = random.nextInt(3);
        if (at > 0) {
            json.append("\"at\":").append(at).append(',');
        }
        if (random.nextInt(4) == 0) {
            json.append("\"badv\":[\"c").append(random.nextInt(20)).append(".example\"],");
        }
        if (random.nextInt(5) == 0) {
            json.append("\"bseat\":[\"s").append(random.nextInt(6)).append("\"],");
        } else if (random.nextInt(5) == 0) {
            json.append("\"wseat\":[\"s").append(random.nextInt(6)).append("\",\"s").append(random.nextInt(6))
                    .append("\"],");
        }
        json.append("\"site\":{\"domain\":\"").append(random.nextBoolean() ? "news.example" : "sports.example")
                .append('"').append(random.nextBoolean() ? ",\"cat\":[\"IAB17-3\"]" : "").append("},");
        json.append("\"device\":{\"devicetype\":").append(random.nextBoolean() ? 4 : 2)
                .append(",\"os\":\"").append(random.nextBoolean() ? "iOS" : "Android")
                .append("\",\"geo\":{\"country\":\"").append(COUNTRIES[random.nextInt(COUNTRIES.length)])
                .append("\"}},\"imp\":[");
        int imps = random.nextBoolean() ? 1 : 2 + random.nextInt(2);
        for (int i = 0; i < imps; i++) {
            json.append(i > 0 ? "," : "").append("{\"id\":\"").append(i + 1).append('"');
            appendMedia(json, random);
            if (random.nextBoolean()) {
                json.append(",\"bidfloor\":").append(new String[] {"0.5", "1.2", "2.5", "150"}[random.nextInt(4)]);
                if (random.nextBoolean()) {
                    json.append(",\"bidfloorcur\":\"").append(FLOOR_CURRENCIES[random.nextInt(4)]).append('"');
                }
            }
            if (random.nextInt(3) == 0) {
                appendPmp(json, random);
            }
            json.append('}');
        }
        return json.append("]}").toString();
    }

    private static void appendMedia(StringBuilder json, SplittableRandom random) {
        int media = random.nextInt(4);
        if (media == 0) {
            json.append(",\"banner\":{\"w\":728,\"h\":90}");
        } else if (media == 1) {
            json.append(",\"video\":{\"mimes\":[\"video/mp4\"],\"minduration\":5,\"maxduration\":30}");
        } else {
            json.append(",\"banner\":{\"w\":300,\"h\":250}");
        }
    }

    private static void appendPmp(StringBuilder json, SplittableRandom random) {
        json.append(",\"pmp\":{\"private_auction\":").append(random.nextInt(3) == 0 ? 1 : 0).append(",\"deals\":[");
        int deals = 1 + random.nextInt(2);
        for (int d = 0; d < deals; d++) {
            json.append(d > 0 ? "," : "").append("{\"id\":\"").append(DEALS[random.nextInt(DEALS.length)])
                    .append('"');
            if (random.nextBoolean()) {
                json.append(",\"bidfloor\":").append(new String[] {"0.3", "1.1", "2.2"}[random.nextInt(3)]);
                if (random.nextBoolean()) {
                    json.append(",\"bidfloorcur\":\"").append(FLOOR_CURRENCIES[random.nextInt(4)]).append('"');
                }
            }
            if (random.nextBoolean()) {
                json.append(",\"at\":").append(1 + random.nextInt(3));
            }
            if (random.nextInt(4) == 0) {
                json.append(",\"wseat\":[\"s").append(random.nextInt(6)).append("\"]");
            }
            json.append('}');
        }
        json.append("]}");
    }

    private static SegmentSet segments(SplittableRandom random) {
        SegmentSet set = new SegmentSet();
        int[] ids = {AuctionFixture.SPORTS_FANS, AuctionFixture.TRAVEL_INTENDERS, AuctionFixture.RECENT_PURCHASERS};
        for (int id : ids) {
            if (random.nextBoolean()) {
                set.add(id);
            }
        }
        return set;
    }

    private static void dspBid(ExternalBid bid, int dsp, int imp, int deal, long priceMicros) {
        bid.dsp = dsp;
        bid.dspId = "dsp-" + dsp;
        bid.seat = "dsp-seat-" + dsp;
        bid.bid = new Bid();
        bid.currency = "USD";
        bid.impIndex = imp;
        bid.dealIndex = deal;
        bid.bidMicros = priceMicros;
        bid.priceMicros = priceMicros;
    }

    /** Each DSP bid as the auction left it: its imp, deal and price, and its outcome. */
    private static String describe(ExternalBids bids) {
        StringBuilder out = new StringBuilder();
        for (int b = 0; b < bids.count(); b++) {
            ExternalBid bid = bids.get(b);
            out.append('[').append(bid.dspId).append(" imp ").append(bid.impIndex).append(" deal ")
                    .append(bid.dealIndex).append(" price ").append(bid.priceMicros).append(": loss ")
                    .append(bid.lossCode).append(" clearing ").append(bid.clearingMicros).append(" min to win ")
                    .append(bid.minToWinMicros).append(']');
        }
        return out.toString();
    }

    /** Every winner with its creative, deal, price and charge, and the no-bid reason when there is none. */
    private static String describe(AuctionResult result) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < result.count(); i++) {
            String winner = result.campaign(i) == null ? result.external(i).dspId
                    : result.campaign(i).id() + ':' + result.creative(i).id();
            out.append("imp ").append(result.impIndex(i)).append(": ").append(winner)
                    .append(" deal ").append(result.dealIndex(i)).append(" price ").append(result.priceMicros(i))
                    .append(" charge ").append(result.chargeMicros(i)).append('\n');
        }
        if (result.count() == 0) {
            out.append("no bid, reason ").append(result.noBidReason());
        }
        return out.toString();
    }

    /**
     * Money for the property: some campaigns paused (may not spend), some with part of their budget spent, and each
     * win committed in memory as the ledger commits it.
     */
    private static final class TestSpendView implements SpendView {
        private final long[] spentMicros;
        private final boolean[] isPaused;
        final long[] committedMicros;

        TestSpendView(long[] spentMicros, boolean[] isPaused) {
            this.spentMicros = spentMicros;
            this.isPaused = isPaused;
            this.committedMicros = new long[spentMicros.length];
        }

        @Override
        public boolean canSpend(Campaign campaign, long nowEpochSeconds) {
            return !isPaused[campaign.index] && spentMicros[campaign.index] + committedMicros[campaign.index]
                    < Math.min(campaign.dailyBudgetMicros, campaign.totalBudgetMicros);
        }

        @Override
        public long spentTodayMicros(Campaign campaign) {
            return spentMicros[campaign.index];
        }

        @Override
        public long spentTotalMicros(Campaign campaign) {
            return spentMicros[campaign.index];
        }

        @Override
        public long committedTodayMicros(Campaign campaign) {
            return committedMicros[campaign.index];
        }

        @Override
        public long committedTotalMicros(Campaign campaign) {
            return committedMicros[campaign.index];
        }

        @Override
        public boolean reserve(Campaign campaign, long amountMicros, long nowEpochSeconds) {
            long left = Math.min(campaign.dailyBudgetMicros, campaign.totalBudgetMicros)
                    - spentMicros[campaign.index] - committedMicros[campaign.index];
            if (amountMicros > left) {
                return false;
            }
            committedMicros[campaign.index] += amountMicros;
            return true;
        }
    }
}
