package dev.merlin.exchange.auction;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.segments.SegmentSet;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.InvalidRequestException;
import dev.merlin.protocol.model.BidRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small auction configurations written as YAML (so they go through the same binding and validation as an
 * operator's file), decoded requests, and an engine to run them — shared by the auction unit tests.
 */
final class AuctionFixture {

    /** A fixed request clock: 2026-06-15T12:00:00Z. */
    static final long NOW = epochSeconds("2026-06-15T12:00:00Z");

    /** The sellers of the test configs: requests come from {@link #SELLER} unless a test says otherwise. */
    static final String SELLER = "ssp-a";
    static final String OTHER_SELLER = "ssp-b";

    /** Segment ids of the test configs. */
    static final int SPORTS_FANS = 101;
    static final int TRAVEL_INTENDERS = 102;
    static final int RECENT_PURCHASERS = 103;
    static final int NEWS_READERS = 104;

    private AuctionFixture() {
    }

    static long epochSeconds(String instant) {
        return Instant.parse(instant).getEpochSecond();
    }

    /** A campaign, written out as YAML under its advertiser. */
    static CampaignYaml campaign(String id) {
        return new CampaignYaml(id);
    }

    /** A targeting flow map buying these deals, each agreed with {@link #SELLER}. */
    static String deals(String... dealIds) {
        StringBuilder flow = new StringBuilder("{deals: [");
        for (int i = 0; i < dealIds.length; i++) {
            flow.append(i > 0 ? ", " : "").append("{id: ").append(dealIds[i]).append(", sellers: [").append(SELLER)
                    .append("]}");
        }
        return flow.append("]}").toString();
    }

    /** A validated config with this take rate and these campaigns (grouped by advertiser, in order). */
    static MerlinConfig config(double takeRate, CampaignYaml... campaigns) {
        StringBuilder yaml = new StringBuilder();
        yaml.append("exchange:\n")
                .append("  currency: USD\n")
                .append("  takeRate: ").append(takeRate).append('\n')
                .append("  publicUrl: https://merlin.test/\n")
                .append("  currencyRates: {EUR: 1.08, JPY: 0.0067, KRW: 0.00073, GBP: 1.27}\n")
                .append("segments:\n")
                .append("  - {id: ").append(SPORTS_FANS).append(", name: sports-fans}\n")
                .append("  - {id: ").append(TRAVEL_INTENDERS).append(", name: travel-intenders}\n")
                .append("  - {id: ").append(RECENT_PURCHASERS).append(", name: recent-purchasers}\n")
                .append("  - {id: ").append(NEWS_READERS).append(", name: news-readers}\n")
                .append("sellers:\n");
        for (String seller : List.of(SELLER, OTHER_SELLER)) {
            yaml.append("  - {id: ").append(seller).append(", name: ").append(seller).append(", domain: ")
                    .append(seller).append(".example, type: INTERMEDIARY, tokens: [").append(seller)
                    .append("-test-token]}\n");
        }
        yaml.append("advertisers:\n");
        Map<String, List<CampaignYaml>> byAdvertiser = new LinkedHashMap<>();
        for (CampaignYaml campaign : campaigns) {
            byAdvertiser.computeIfAbsent(campaign.advertiser, k -> new ArrayList<>()).add(campaign);
        }
        for (Map.Entry<String, List<CampaignYaml>> advertiser : byAdvertiser.entrySet()) {
            List<CampaignYaml> list = advertiser.getValue();
            yaml.append("  - id: ").append(advertiser.getKey()).append('\n')
                    .append("    seat: ").append(list.get(0).seat).append('\n')
                    .append("    campaigns:\n");
            for (CampaignYaml campaign : list) {
                campaign.appendTo(yaml);
            }
        }
        return ConfigLoader.parse(yaml.toString(), "test");
    }

    /** Decodes (and validates) a JSON bid request. */
    static BidRequest request(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        try {
            return new BidRequestDecoder().decode(bytes, 0, bytes.length);
        } catch (InvalidRequestException e) {
            throw new AssertionError("test request is invalid: " + e.getMessage() + " at " + e.path(), e);
        }
    }

    /** One 300x250 banner impression on a site, no device, no user: the request most rows start from. */
    static BidRequest siteBanner() {
        return request("{\"id\":\"req-1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
                + "\"site\":{\"domain\":\"publisher.example\"}}");
    }

    /** {@code imps} 300x250 banner impressions (ids 1, 2, …) in one site request. */
    static BidRequest siteBanners(int imps, Integer at) {
        StringBuilder json = new StringBuilder("{\"id\":\"req-n\",");
        if (at != null) {
            json.append("\"at\":").append(at).append(',');
        }
        json.append("\"site\":{\"domain\":\"publisher.example\"},\"imp\":[");
        for (int i = 1; i <= imps; i++) {
            json.append(i > 1 ? "," : "").append("{\"id\":\"").append(i).append("\",\"banner\":{\"w\":300,\"h\":250}}");
        }
        return request(json.append("]}").toString());
    }

    /** The winning campaign of each impression in order, {@code none} where there is none: "a|a|b". */
    static String winnersByImp(AuctionResult result, int imps) {
        StringBuilder winners = new StringBuilder();
        for (int imp = 0; imp < imps; imp++) {
            String winner = "none";
            for (int i = 0; i < result.count(); i++) {
                if (result.impIndex(i) == imp) {
                    winner = result.campaign(i).id();
                }
            }
            winners.append(imp > 0 ? "|" : "").append(winner);
        }
        return winners.toString();
    }

    /** A segment set holding these ids. */
    static SegmentSet segments(int... ids) {
        SegmentSet set = new SegmentSet();
        for (int id : ids) {
            set.add(id);
        }
        return set;
    }

    /** An engine over a config with the money and exposure views it is given. */
    static final class Auction {
        final MerlinConfig config;
        final CampaignCatalog catalog;
        final Currencies currencies;
        final AuctionEngine engine;
        final AuctionResult result = new AuctionResult(16);

        Auction(MerlinConfig config) {
            this(config, SpendView.UNLIMITED, FrequencyView.NONE);
        }

        Auction(MerlinConfig config, SpendView spend, FrequencyView frequency) {
            this(config, new CampaignCatalog(config), spend, frequency);
        }

        Auction(MerlinConfig config, CampaignCatalog catalog, SpendView spend, FrequencyView frequency) {
            this.config = config;
            this.catalog = catalog;
            this.currencies = new Currencies(config.exchange());
            this.engine = new AuctionEngine(catalog, currencies, config.exchange().takeRate(), spend, frequency);
        }

        /** Runs a contextual auction (no segments, no user) at {@link #NOW}, from {@link #SELLER}. */
        AuctionResult run(BidRequest request) {
            return run(request, null, 0, NOW);
        }

        /** Runs an auction from {@link #SELLER}. */
        AuctionResult run(BidRequest request, SegmentSet segments, long userHash, long nowEpochSeconds) {
            engine.run(request, SELLER, segments, userHash, nowEpochSeconds, result);
            return result;
        }

        /** Runs a contextual auction at {@link #NOW} from the seller {@code sellerId}. */
        AuctionResult runFrom(String sellerId, BidRequest request) {
            engine.run(request, sellerId, null, 0, NOW, result);
            return result;
        }

        /** {@code campaign:creative} of imp 0's winner, or {@code none}. */
        String winner(BidRequest request) {
            return winner(run(request));
        }

        static String winner(AuctionResult result) {
            for (int i = 0; i < result.count(); i++) {
                if (result.impIndex(i) == 0) {
                    return result.campaign(i).id() + ":" + result.creative(i).id();
                }
            }
            return "none";
        }

        /** The winning campaign id of imp 0, or {@code none}. */
        static String winningCampaign(AuctionResult result) {
            String winner = winner(result);
            return "none".equals(winner) ? winner : winner.substring(0, winner.indexOf(':'));
        }

        Campaign campaign(String id) {
            Campaign campaign = catalog.byId(id);
            if (campaign == null) {
                throw new AssertionError("no campaign " + id);
            }
            return campaign;
        }
    }

    /** Builds one campaign's YAML; each campaign gets its own advertiser unless told otherwise. */
    static final class CampaignYaml {
        private final String id;
        private String advertiser;
        private String seat;
        private String bid = "{amount: 1.00}";
        private final List<String> settings = new ArrayList<>();
        private String targeting = "{}";
        private final List<String> creatives = new ArrayList<>();

        private CampaignYaml(String id) {
            this.id = id;
            this.advertiser = "adv-" + id;
            this.seat = "seat-" + id;
        }

        /** CPM bid in the exchange currency (USD). */
        CampaignYaml bid(double amount) {
            this.bid = "{amount: " + amount + "}";
            return this;
        }

        CampaignYaml bid(double amount, String currency) {
            this.bid = "{amount: " + amount + ", currency: " + currency + "}";
            return this;
        }

        /** Put this campaign under a shared advertiser and seat. */
        CampaignYaml advertiser(String advertiserId, String seatId) {
            this.advertiser = advertiserId;
            this.seat = seatId;
            return this;
        }

        /** Any other campaign key, e.g. {@code set("dailyBudget", "96")}. */
        CampaignYaml set(String key, String flowValue) {
            settings.add(key + ": " + flowValue);
            return this;
        }

        /** The targeting section as a YAML flow map, e.g. {@code {countries: [JPN]}}. */
        CampaignYaml targeting(String flowMap) {
            this.targeting = flowMap;
            return this;
        }

        /** A creative as a YAML flow map; markup and landing page are filled in when absent. */
        CampaignYaml creative(String flowMapBody) {
            String body = flowMapBody;
            if (!body.contains("markup:")) {
                body += ", markup: '<a href=\"${CLICK_URL}\">" + id + "</a>'";
            }
            if (!body.contains("landingPage:")) {
                body += ", landingPage: 'https://" + id + ".example/landing'";
            }
            creatives.add("{" + body + "}");
            return this;
        }

        /** A banner creative {@code <id>-<w>x<h>} with category IAB24 and adomain {@code <id>.example}. */
        CampaignYaml banner(int w, int h) {
            return creative("id: " + id + "-" + w + "x" + h + ", format: banner, w: " + w + ", h: " + h
                    + ", adomain: [" + id + ".example], cat: [IAB24]");
        }

        private void appendTo(StringBuilder yaml) {
            List<String> ads = creatives.isEmpty() ? List.of("{id: " + id + "-300x250, format: banner, w: 300, h: 250,"
                    + " markup: '<a href=\"${CLICK_URL}\">" + id + "</a>', landingPage: 'https://" + id
                    + ".example/landing', adomain: [" + id + ".example], cat: [IAB24]}") : creatives;
            yaml.append("      - id: ").append(id).append('\n')
                    .append("        bid: ").append(bid).append('\n');
            for (String setting : settings) {
                yaml.append("        ").append(setting).append('\n');
            }
            yaml.append("        targeting: ").append(targeting).append('\n')
                    .append("        creatives:\n");
            for (String creative : ads) {
                yaml.append("          - ").append(creative).append('\n');
            }
        }
    }
}
