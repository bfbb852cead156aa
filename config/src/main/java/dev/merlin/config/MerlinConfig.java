package dev.merlin.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The whole configuration of one Merlin node, bound from YAML and validated in one pass.
 *
 * @param server      the HTTP front end
 * @param requests    limits on incoming bid requests
 * @param dataDir     where stores and logs live (a flag may override it)
 * @param exchange    currency, take rate, public URL
 * @param segments    the audience segments campaigns may target
 * @param advertisers advertisers, their campaigns and creatives
 * @param stores      sizing of the off-heap stores
 * @param privacy     consent, children, opt-out and where audience data is rolled out
 * @param eventLog    the local event log
 * @param tracking    pixels, app sources, segment rules, attribution, report access
 * @param sellers     who may send bid requests, and how each authenticates (none: every auction request is 401)
 * @param maintenance how often expired entries are purged from the stores
 * @param auction     the auction's time budget and Merlin's name in the supply chain
 * @param dsps        the DSPs bid requests are sent to (none: only Merlin's own campaigns bid)
 * @param regions     named groups of countries (ISO-3166-1 alpha-3), e.g. {@code EEA}, that DSP regions and the
 *                    data-residency rules may name
 * @param cluster     the Kafka cluster this node shares its state through (unset: a node on its own, no Kafka)
 */
public record MerlinConfig(ServerConfig server, RequestLimitsConfig requests, String dataDir,
                           ExchangeSettings exchange, List<SegmentDefinition> segments,
                           List<AdvertiserConfig> advertisers, StoresConfig stores, PrivacyConfig privacy,
                           EventLogConfig eventLog, TrackingConfig tracking, List<SellerConfig> sellers,
                           MaintenanceConfig maintenance, AuctionConfig auction, List<DspConfig> dsps,
                           Map<String, List<String>> regions, ClusterConfig cluster) {

    /** Fills unset sections with defaults. */
    public MerlinConfig {
        server = server == null ? ServerConfig.defaults() : server;
        requests = requests == null ? RequestLimitsConfig.defaults() : requests;
        dataDir = dataDir == null ? "./data" : dataDir;
        exchange = exchange == null ? ExchangeSettings.defaults() : exchange;
        segments = segments == null ? List.of() : List.copyOf(segments);
        advertisers = advertisers == null ? List.of() : List.copyOf(advertisers);
        stores = stores == null ? StoresConfig.defaults() : stores;
        privacy = privacy == null ? PrivacyConfig.defaults() : privacy;
        eventLog = eventLog == null ? EventLogConfig.defaults() : eventLog;
        tracking = tracking == null ? TrackingConfig.defaults() : tracking;
        sellers = sellers == null ? List.of() : List.copyOf(sellers);
        maintenance = maintenance == null ? MaintenanceConfig.defaults() : maintenance;
        auction = auction == null ? AuctionConfig.defaults() : auction;
        dsps = dsps == null ? List.of() : withDefaultCurrency(dsps, exchange.currency());
        regions = regions == null ? Map.of() : copyRegions(regions);
        cluster = cluster == null ? ClusterConfig.defaults() : cluster;
    }

    /** Everything but the cluster (a node on its own). */
    public MerlinConfig(ServerConfig server, RequestLimitsConfig requests, String dataDir, ExchangeSettings exchange,
                        List<SegmentDefinition> segments, List<AdvertiserConfig> advertisers, StoresConfig stores,
                        PrivacyConfig privacy, EventLogConfig eventLog, TrackingConfig tracking,
                        List<SellerConfig> sellers, MaintenanceConfig maintenance, AuctionConfig auction,
                        List<DspConfig> dsps, Map<String, List<String>> regions) {
        this(server, requests, dataDir, exchange, segments, advertisers, stores, privacy, eventLog, tracking, sellers,
                maintenance, auction, dsps, regions, null);
    }

    private static List<DspConfig> withDefaultCurrency(List<DspConfig> dsps, String currency) {
        List<DspConfig> filled = new ArrayList<>(dsps.size());
        for (DspConfig dsp : dsps) {
            filled.add(dsp == null ? null : dsp.withDefaultCurrency(currency));
        }
        return Collections.unmodifiableList(filled);
    }

    private static Map<String, List<String>> copyRegions(Map<String, List<String>> regions) {
        Map<String, List<String>> copy = new TreeMap<>();
        regions.forEach((name, countries) -> copy.put(name, countries == null ? List.of() : List.copyOf(countries)));
        return Collections.unmodifiableMap(copy);
    }

    /** Everything but the maintenance periods. */
    public MerlinConfig(ServerConfig server, RequestLimitsConfig requests, String dataDir, ExchangeSettings exchange,
                        List<SegmentDefinition> segments, List<AdvertiserConfig> advertisers, StoresConfig stores,
                        PrivacyConfig privacy, EventLogConfig eventLog, TrackingConfig tracking,
                        List<SellerConfig> sellers) {
        this(server, requests, dataDir, exchange, segments, advertisers, stores, privacy, eventLog, tracking, sellers,
                null, null, null, null, null);
    }

    /** Everything but the sellers (none: no auction request is accepted). */
    public MerlinConfig(ServerConfig server, RequestLimitsConfig requests, String dataDir, ExchangeSettings exchange,
                        List<SegmentDefinition> segments, List<AdvertiserConfig> advertisers, StoresConfig stores,
                        PrivacyConfig privacy, EventLogConfig eventLog, TrackingConfig tracking) {
        this(server, requests, dataDir, exchange, segments, advertisers, stores, privacy, eventLog, tracking, null,
                null, null, null, null, null);
    }

    /** Server settings only, no advertisers: for tests and tools. */
    public MerlinConfig(ServerConfig server, RequestLimitsConfig requests, String dataDir) {
        this(server, requests, dataDir, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** A builder whose unset sections take their defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's sections. */
    public Builder toBuilder() {
        return new Builder().server(server).requests(requests).dataDir(dataDir).exchange(exchange)
                .advertisers(segments, advertisers).stores(stores).privacy(privacy).eventLog(eventLog)
                .tracking(tracking).sellers(sellers).maintenance(maintenance).auction(auction).dsps(dsps)
                .regions(regions).cluster(cluster);
    }

    /** Checks every value; throws {@link ConfigException} naming the first bad one. */
    public MerlinConfig validate() {
        server.validate("server");
        requests.validate("requests");
        ConfigChecks.notBlank("dataDir", dataDir);
        exchange.validate("exchange");
        stores.validate("stores");
        privacy.validate("privacy");
        eventLog.validate("eventLog");
        maintenance.validate("maintenance");
        Map<String, Integer> segmentIds = new HashMap<>();
        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < segments.size(); i++) {
            SegmentDefinition segment = segments.get(i);
            segment.validate("segments[" + i + "]");
            if (!ids.add(segment.id()) || segmentIds.put(segment.name(), segment.id()) != null) {
                throw new ConfigException("segments[" + i + "]", "segment " + segment.name() + " (id "
                        + segment.id() + ") repeats an earlier id or name; ids and names must be unique");
            }
        }
        Map<String, Integer> advertiserIds = new HashMap<>();
        Set<String> campaignIds = new HashSet<>();
        for (int a = 0; a < advertisers.size(); a++) {
            AdvertiserConfig advertiser = advertisers.get(a);
            String at = "advertisers[" + a + "]";
            advertiser.validate(at, exchange);
            Integer earlier = advertiserIds.putIfAbsent(advertiser.id(), a);
            if (earlier != null) {
                throw new ConfigException(at + ".id", "value " + advertiser.id() + " is not allowed; advertisers["
                        + earlier + "] has it already and advertiser ids must be unique");
            }
            for (int c = 0; c < advertiser.campaigns().size(); c++) {
                CampaignConfig campaign = advertiser.campaigns().get(c);
                String campaignAt = at + ".campaigns[" + c + "]";
                if (!campaignIds.add(campaign.id())) {
                    throw new ConfigException(campaignAt + ".id", "value " + campaign.id()
                            + " is not allowed; campaign ids must be unique across advertisers");
                }
                TargetingConfig.SegmentTargeting st = campaign.targeting().segments();
                checkSegments(campaignAt + ".targeting.segments.anyOf", st.anyOf(), segmentIds);
                checkSegments(campaignAt + ".targeting.segments.allOf", st.allOf(), segmentIds);
                checkSegments(campaignAt + ".targeting.segments.noneOf", st.noneOf(), segmentIds);
            }
        }
        tracking.validate("tracking", advertisers, segmentIds);
        SellerConfig.validateAll(sellers, tracking, advertisers);
        validateDealSellers();
        auction.validate("auction");
        validateRegions();
        privacy.validateResidency("privacy", regions);
        validateDsps();
        cluster.validate("cluster");
        cluster.validateShared(exchange, privacy);
        DemoSecrets.refuseOnPublicHost(this);
        return this;
    }

    /** Every seller a campaign's deal names is a configured one: a deal binds to the sellers it was agreed with. */
    private void validateDealSellers() {
        Set<String> sellerIds = new HashSet<>();
        for (SellerConfig seller : sellers) {
            sellerIds.add(seller.id());
        }
        for (int a = 0; a < advertisers.size(); a++) {
            List<CampaignConfig> campaigns = advertisers.get(a).campaigns();
            for (int c = 0; c < campaigns.size(); c++) {
                List<DealConfig> deals = campaigns.get(c).targeting().deals();
                for (int d = 0; d < deals.size(); d++) {
                    List<String> named = deals.get(d).sellers();
                    for (int s = 0; s < named.size(); s++) {
                        if (!sellerIds.contains(named.get(s))) {
                            throw new ConfigException("advertisers[" + a + "].campaigns[" + c + "].targeting.deals["
                                    + d + "].sellers[" + s + "]", "seller " + named.get(s) + " is not configured;"
                                    + " configured sellers: " + ConfigChecks.sample(sellerIds));
                        }
                    }
                }
            }
        }
    }

    private void validateRegions() {
        for (Map.Entry<String, List<String>> region : regions.entrySet()) {
            String at = "regions." + region.getKey();
            if (!region.getKey().matches("[A-Za-z][A-Za-z0-9_-]{0,31}")) {
                throw new ConfigException(at, "name " + region.getKey() + " is not allowed; expected 1-32 of"
                        + " A-Z a-z 0-9 _ -, starting with a letter");
            }
            if (region.getValue().isEmpty()) {
                throw new ConfigException(at, "the group is empty; list its ISO-3166-1 alpha-3 countries");
            }
            for (int i = 0; i < region.getValue().size(); i++) {
                ConfigChecks.country(at + "[" + i + "]", region.getValue().get(i));
            }
        }
    }

    private void validateDsps() {
        Set<String> sellerIds = new HashSet<>();
        for (SellerConfig seller : sellers) {
            sellerIds.add(seller.id());
        }
        Map<String, Integer> dspIds = new HashMap<>();
        Map<String, Integer> seatOwners = new HashMap<>();
        for (int i = 0; i < dsps.size(); i++) {
            String at = "dsps[" + i + "]";
            DspConfig dsp = dsps.get(i);
            if (dsp == null) {
                throw new ConfigException(at, "the entry is empty; give at least id, name, endpoint and region");
            }
            dsp.validate(at, exchange, regions, sellerIds);
            Integer earlier = dspIds.putIfAbsent(dsp.id(), i);
            if (earlier != null) {
                throw new ConfigException(at + ".id", "value " + dsp.id() + " is not allowed; dsps[" + earlier
                        + "] has it already and DSP ids must be unique");
            }
            for (int s = 0; s < dsp.seats().size(); s++) {
                // a seat is a buyer a deal or a seller's wseat may name: one DSP's, or another could claim it
                Integer owner = seatOwners.putIfAbsent(dsp.seats().get(s), i);
                if (owner != null && owner != i) {
                    throw new ConfigException(at + ".seats[" + s + "]", "value " + dsp.seats().get(s) + " is not"
                            + " allowed; dsps[" + owner + "] lists it already and a seat belongs to one DSP");
                }
            }
        }
    }

    private static void checkSegments(String at, List<String> names, Map<String, Integer> known) {
        for (String name : names) {
            if (!known.containsKey(name)) {
                throw new ConfigException(at, "segment " + name + " is not defined; defined segments: "
                        + ConfigChecks.sample(known.keySet()));
            }
        }
    }

    /** The id of the segment called {@code name}. */
    public int segmentId(String name) {
        for (SegmentDefinition segment : segments) {
            if (segment.name().equals(name)) {
                return segment.id();
            }
        }
        throw new ConfigException("segments", "segment " + name + " is not defined");
    }

    /** A copy with another port (the {@code --port} flag). */
    public MerlinConfig withPort(int port) {
        return toBuilder().server(server.withPort(port)).build();
    }

    /**
     * A copy listening on {@code port} whose notice links follow it when they pointed at this node on loopback (the
     * {@code --port} flag: {@code http://127.0.0.1:8080} becomes {@code http://127.0.0.1:9090}); a public URL
     * naming another host is kept.
     */
    public MerlinConfig withPortAndLoopbackUrl(int port) {
        String loopback = "http://127.0.0.1:" + server.port();
        String url = exchange.publicUrl();
        ExchangeSettings moved = url.equals(loopback) || url.equals(loopback + "/")
                ? exchange.withPublicUrl("http://127.0.0.1:" + port)
                : exchange;
        return toBuilder().server(server.withPort(port)).exchange(moved).build();
    }

    /** A copy listening on another address (the {@code --host} flag). */
    public MerlinConfig withHost(String host) {
        return toBuilder().server(server.withHost(host)).build();
    }

    /** A copy with another data directory (the {@code --data-dir} flag). */
    public MerlinConfig withDataDir(String dir) {
        return toBuilder().dataDir(dir).build();
    }

    /** A copy for node {@code id} (the {@code --node-id} flag). */
    public MerlinConfig withNodeId(int id) {
        return toBuilder().exchange(exchange.withNodeId(id)).build();
    }

    /** A copy using the Kafka cluster at {@code bootstrap} (the {@code --kafka} flag). */
    public MerlinConfig withKafkaBootstrap(String bootstrap) {
        return toBuilder().cluster(cluster.withKafkaBootstrap(bootstrap)).build();
    }

    /**
     * A copy with {@code exchange.noticeSecret} and {@code privacy.identitySecret} set: what the nodes of a cluster
     * must share (tests, benchmarks).
     */
    public MerlinConfig withSharedSecrets(String noticeSecret, String identitySecret) {
        return toBuilder().exchange(exchange.withNoticeSecret(noticeSecret))
                .privacy(privacy.withIdentitySecret(identitySecret)).build();
    }

    /** A copy with other store sizing (tests, benchmarks). */
    public MerlinConfig withStores(StoresConfig newStores) {
        return toBuilder().stores(newStores).build();
    }

    /** A copy with other tracking settings (tests). */
    public MerlinConfig withTracking(TrackingConfig newTracking) {
        return toBuilder().tracking(newTracking).build();
    }

    /** A copy with other privacy settings (tests). */
    public MerlinConfig withPrivacy(PrivacyConfig newPrivacy) {
        return toBuilder().privacy(newPrivacy).build();
    }

    /** A copy with other sellers (tests). */
    public MerlinConfig withSellers(List<SellerConfig> newSellers) {
        return toBuilder().sellers(newSellers).build();
    }

    /** A copy with other exchange settings (tests). */
    public MerlinConfig withExchange(ExchangeSettings newExchange) {
        return toBuilder().exchange(newExchange).build();
    }

    /** A copy calling other DSPs (tests, the load generator, the demo). */
    public MerlinConfig withDsps(List<DspConfig> newDsps) {
        return toBuilder().dsps(newDsps).build();
    }

    /** A copy with other advertisers and segments (tests, benchmarks). */
    public MerlinConfig withAdvertisers(List<SegmentDefinition> newSegments, List<AdvertiserConfig> newAdvertisers) {
        return toBuilder().advertisers(newSegments, newAdvertisers).build();
    }

    /** Builds a {@link MerlinConfig}; a section left unset takes its defaults. */
    public static final class Builder {
        private ServerConfig server;
        private RequestLimitsConfig requests;
        private String dataDir;
        private ExchangeSettings exchange;
        private List<SegmentDefinition> segments;
        private List<AdvertiserConfig> advertisers;
        private StoresConfig stores;
        private PrivacyConfig privacy;
        private EventLogConfig eventLog;
        private TrackingConfig tracking;
        private List<SellerConfig> sellers;
        private MaintenanceConfig maintenance;
        private AuctionConfig auction;
        private List<DspConfig> dsps;
        private Map<String, List<String>> regions;
        private ClusterConfig cluster;

        private Builder() {
        }

        /** See {@link MerlinConfig#server()}. */
        public Builder server(ServerConfig value) {
            server = value;
            return this;
        }

        /** See {@link MerlinConfig#requests()}. */
        public Builder requests(RequestLimitsConfig value) {
            requests = value;
            return this;
        }

        /** See {@link MerlinConfig#dataDir()}. */
        public Builder dataDir(String value) {
            dataDir = value;
            return this;
        }

        /** See {@link MerlinConfig#exchange()}. */
        public Builder exchange(ExchangeSettings value) {
            exchange = value;
            return this;
        }

        /** The segments and the advertisers whose campaigns target them: they go together. */
        public Builder advertisers(List<SegmentDefinition> newSegments, List<AdvertiserConfig> newAdvertisers) {
            segments = newSegments;
            advertisers = newAdvertisers;
            return this;
        }

        /** See {@link MerlinConfig#stores()}. */
        public Builder stores(StoresConfig value) {
            stores = value;
            return this;
        }

        /** See {@link MerlinConfig#privacy()}. */
        public Builder privacy(PrivacyConfig value) {
            privacy = value;
            return this;
        }

        /** See {@link MerlinConfig#eventLog()}. */
        public Builder eventLog(EventLogConfig value) {
            eventLog = value;
            return this;
        }

        /** See {@link MerlinConfig#tracking()}. */
        public Builder tracking(TrackingConfig value) {
            tracking = value;
            return this;
        }

        /** See {@link MerlinConfig#sellers()}. */
        public Builder sellers(List<SellerConfig> value) {
            sellers = value;
            return this;
        }

        /** See {@link MerlinConfig#maintenance()}. */
        public Builder maintenance(MaintenanceConfig value) {
            maintenance = value;
            return this;
        }

        /** See {@link MerlinConfig#auction()}. */
        public Builder auction(AuctionConfig value) {
            auction = value;
            return this;
        }

        /** See {@link MerlinConfig#dsps()}. */
        public Builder dsps(List<DspConfig> value) {
            dsps = value;
            return this;
        }

        /** See {@link MerlinConfig#regions()}. */
        public Builder regions(Map<String, List<String>> value) {
            regions = value;
            return this;
        }

        /** See {@link MerlinConfig#cluster()}. */
        public Builder cluster(ClusterConfig value) {
            cluster = value;
            return this;
        }

        /** The config, unset sections defaulted; call {@link MerlinConfig#validate()} on it before use. */
        public MerlinConfig build() {
            return new MerlinConfig(server, requests, dataDir, exchange, segments, advertisers, stores, privacy,
                    eventLog, tracking, sellers, maintenance, auction, dsps, regions, cluster);
        }
    }
}
