package dev.merlin.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A DSP connected to Merlin: where its bid requests go, what traffic it wants, how its bids are taken.
 *
 * @param id               its id in metrics, reports and notice links: {@code [a-z0-9][a-z0-9_-]{0,31}}
 * @param name             its business name
 * @param endpoint         the {@code http://} or {@code https://} URL bid requests are POSTed to
 * @param region           where it processes data: an ISO-3166-1 alpha-3 country or a group named in
 *                         {@code regions}
 * @param seats            the buyer seats it may bid for; empty: any seat it names
 * @param openrtb          {@code "2.5"} or {@code "2.6"}: where its requests carry consent, US privacy, eids and
 *                         the supply chain (2.5: under {@code ext}; 2.6: the top-level fields)
 * @param gzip             whether its requests are gzip-compressed
 * @param maxQps           requests per second at most, over the node; 0: no cap
 * @param timeoutMs        the longest Merlin waits for its answer, however long the request's budget
 * @param connectTimeoutMs the longest a new connection to it may take
 * @param maxInFlight      requests waiting for its answer at once, per event loop; one more is not sent
 * @param traffic          the requests it wants
 * @param bidAdjustment    multiplies its bids before they compete (0 < x <= 1: a discount, e.g. gross to net)
 * @param currencies       the currencies it bids in; the first is the one its floors are converted to
 * @param enabled          whether it is called at all
 * @param priceKeys        its keys for encrypted price macros, or null
 * @param health           its circuit breaker, throttle and latency window
 * @param privacy          what personal data it may receive: residency handling, TCF vendor id, activity controls
 * @param deletionEndpoint the {@code http://} or {@code https://} URL Merlin POSTs a user's erasure to, once per
 *                         erased user who received personal data from Merlin through this DSP's requests; null:
 *                         none (the DSP is not told)
 * @param usersync         how a browser syncs its id with it ({@code /cookie_sync}, {@code /setuid}); null: no sync
 * @param pipelining       requests one connection to it carries at once (HTTP/1.1 pipelining, answered in order);
 *                         1, the default: one at a time. More lets requests sent in one turn of an event loop share
 *                         one write and their answers one read, for a DSP whose server answers pipelined requests
 *                         (RFC 9112 requires it of every HTTP/1.1 server; some proxies and load balancers break it)
 */
public record DspConfig(String id, String name, String endpoint, String region, List<String> seats, String openrtb,
                        Boolean gzip, Integer maxQps, Integer timeoutMs, Integer connectTimeoutMs,
                        Integer maxInFlight, DspTraffic traffic, Double bidAdjustment, List<String> currencies,
                        Boolean enabled, DspPriceKeys priceKeys, DspHealthConfig health, DspPrivacy privacy,
                        String deletionEndpoint, DspUserSync usersync, Integer pipelining) {

    /** OpenRTB versions a DSP may take. */
    public static final Set<String> OPENRTB_VERSIONS = Set.of("2.5", "2.6");
    /** The most requests {@code pipelining} lets one connection carry at once. */
    public static final int MAX_PIPELINING = 64;

    /** Fills unset values with defaults; an unset currency list is filled by {@link #withDefaultCurrency}. */
    public DspConfig {
        seats = seats == null ? List.of() : List.copyOf(seats);
        openrtb = openrtb == null ? "2.6" : openrtb;
        gzip = gzip != null && gzip;
        maxQps = maxQps == null ? 1000 : maxQps;
        timeoutMs = timeoutMs == null ? 300 : timeoutMs;
        connectTimeoutMs = connectTimeoutMs == null ? 100 : connectTimeoutMs;
        maxInFlight = maxInFlight == null ? 256 : maxInFlight;
        traffic = traffic == null ? DspTraffic.any() : traffic;
        bidAdjustment = bidAdjustment == null ? 1.0 : bidAdjustment;
        currencies = currencies == null ? List.of() : List.copyOf(currencies);
        enabled = enabled == null || enabled;
        health = health == null ? DspHealthConfig.defaults() : health;
        privacy = privacy == null ? DspPrivacy.defaults() : privacy;
        pipelining = pipelining == null ? 1 : pipelining;
    }

    /** A DSP with defaults for everything but its id, name, endpoint and region (tests, tools). */
    public static DspConfig of(String id, String name, String endpoint, String region) {
        return builder().id(id).name(name).endpoint(endpoint).region(region).build();
    }

    /** A builder whose unset values take the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this DSP's values, to build a copy with some changed. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.id = id;
        b.name = name;
        b.endpoint = endpoint;
        b.region = region;
        b.seats = seats;
        b.openrtb = openrtb;
        b.gzip = gzip;
        b.maxQps = maxQps;
        b.timeoutMs = timeoutMs;
        b.connectTimeoutMs = connectTimeoutMs;
        b.maxInFlight = maxInFlight;
        b.traffic = traffic;
        b.bidAdjustment = bidAdjustment;
        b.currencies = currencies;
        b.enabled = enabled;
        b.priceKeys = priceKeys;
        b.health = health;
        b.privacy = privacy;
        b.deletionEndpoint = deletionEndpoint;
        b.usersync = usersync;
        b.pipelining = pipelining;
        return b;
    }

    /** The endpoint as a URI. */
    public URI endpointUri() {
        return URI.create(endpoint);
    }

    /** Whether its endpoint is {@code https://}. */
    public boolean isTls() {
        return endpoint.regionMatches(true, 0, "https://", 0, 8);
    }

    /** The currency its floors are converted to (an answer naming no {@code cur} is in USD, as OpenRTB says). */
    public String floorCurrency() {
        return currencies.get(0);
    }

    /** A copy bidding in {@code currency} when no currencies are set. */
    public DspConfig withDefaultCurrency(String currency) {
        return currencies.isEmpty() ? toBuilder().currencies(List.of(currency)).build() : this;
    }

    /** A copy calling another endpoint (tests, the demo). */
    public DspConfig withEndpoint(String url) {
        return toBuilder().endpoint(url).build();
    }

    /** A copy carrying up to {@code depth} requests per connection at once (tests, the load generator). */
    public DspConfig withPipelining(int depth) {
        return toBuilder().pipelining(depth).build();
    }

    void validate(String at, ExchangeSettings exchange, Map<String, List<String>> regions, Set<String> sellerIds) {
        ConfigChecks.notBlank(at + ".id", id);
        if (!id.matches("[a-z0-9][a-z0-9_-]{0,31}")) {
            throw new ConfigException(at + ".id", "value " + id + " is not allowed; expected 1-32 of a-z 0-9 _ -,"
                    + " starting with a letter or digit");
        }
        ConfigChecks.notBlank(at + ".name", name);
        checkUrl(at + ".endpoint", endpoint);
        if (region == null || !(regions.containsKey(region) || region.matches("[A-Z]{3}"))) {
            throw new ConfigException(at + ".region", "value " + region + " is not allowed; expected an ISO-3166-1"
                    + " alpha-3 country such as JPN or a group named in regions "
                    + ConfigChecks.sample(regions.keySet()));
        }
        for (int i = 0; i < seats.size(); i++) {
            ConfigChecks.notBlank(at + ".seats[" + i + "]", seats.get(i));
        }
        ConfigChecks.oneOf(at + ".openrtb", openrtb, OPENRTB_VERSIONS);
        ConfigChecks.range(at + ".maxQps", maxQps, 0, 10_000_000);
        ConfigChecks.range(at + ".timeoutMs", timeoutMs, 1, 60_000);
        ConfigChecks.range(at + ".connectTimeoutMs", connectTimeoutMs, 1, 60_000);
        ConfigChecks.range(at + ".maxInFlight", maxInFlight, 1, 1_000_000);
        ConfigChecks.range(at + ".pipelining", pipelining, 1, MAX_PIPELINING);
        traffic.validate(at + ".traffic", sellerIds);
        if (!(bidAdjustment > 0 && bidAdjustment <= 1)) {
            // above 1 a bid would compete, and its publisher be paid, for more than the DSP pays Merlin
            throw new ConfigException(at + ".bidAdjustment", "value " + bidAdjustment + " is not allowed; expected a"
                    + " number above 0 and at most 1 (a discount: above 1 Merlin would pay the publisher more than the"
                    + " DSP pays)");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < currencies.size(); i++) {
            String code = currencies.get(i);
            ConfigChecks.currency(at + ".currencies[" + i + "]", code);
            if (exchange.rate(code) == null) {
                throw new ConfigException(at + ".currencies[" + i + "]", "currency " + code + " has no rate in"
                        + " exchange.currencyRates; Merlin could not convert this DSP's bids");
            }
            if (!seen.add(code)) {
                throw new ConfigException(at + ".currencies[" + i + "]", "currency " + code + " is listed twice");
            }
        }
        if (priceKeys != null) {
            priceKeys.validate(at + ".priceKeys");
        }
        health.validate(at + ".health");
        privacy.validate(at + ".privacy", regions);
        if (deletionEndpoint != null) {
            checkUrl(at + ".deletionEndpoint", deletionEndpoint);
        }
        if (usersync != null) {
            usersync.validate(at + ".usersync");
        }
    }

    private static void checkUrl(String at, String endpoint) {
        ConfigChecks.notBlank(at, endpoint);
        URI uri;
        try {
            uri = new URI(endpoint);
        } catch (URISyntaxException e) {
            throw new ConfigException(at, "value " + endpoint + " is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme();
        if (!("http".equals(scheme) || "https".equals(scheme)) || uri.getHost() == null) {
            throw new ConfigException(at, "value " + endpoint + " is not allowed; expected an http:// or https://"
                    + " URL with a host, such as http://127.0.0.1:9101/bid");
        }
        if (uri.getUserInfo() != null || uri.getFragment() != null) {
            throw new ConfigException(at, "value " + endpoint + " is not allowed; no user info or fragment");
        }
    }

    /** Builds a {@link DspConfig}; a value left unset (or set to null) takes its default. */
    public static final class Builder {
        private String id;
        private String name;
        private String endpoint;
        private String region;
        private List<String> seats;
        private String openrtb;
        private Boolean gzip;
        private Integer maxQps;
        private Integer timeoutMs;
        private Integer connectTimeoutMs;
        private Integer maxInFlight;
        private DspTraffic traffic;
        private Double bidAdjustment;
        private List<String> currencies;
        private Boolean enabled;
        private DspPriceKeys priceKeys;
        private DspHealthConfig health;
        private DspPrivacy privacy;
        private String deletionEndpoint;
        private DspUserSync usersync;
        private Integer pipelining;

        private Builder() {
        }

        /** See {@link DspConfig#id()}. */
        public Builder id(String value) {
            id = value;
            return this;
        }

        /** See {@link DspConfig#name()}. */
        public Builder name(String value) {
            name = value;
            return this;
        }

        /** See {@link DspConfig#endpoint()}. */
        public Builder endpoint(String value) {
            endpoint = value;
            return this;
        }

        /** See {@link DspConfig#region()}. */
        public Builder region(String value) {
            region = value;
            return this;
        }

        /** See {@link DspConfig#seats()}. */
        public Builder seats(List<String> value) {
            seats = value;
            return this;
        }

        /** See {@link DspConfig#openrtb()}. */
        public Builder openrtb(String value) {
            openrtb = value;
            return this;
        }

        /** See {@link DspConfig#gzip()}. */
        public Builder gzip(Boolean value) {
            gzip = value;
            return this;
        }

        /** See {@link DspConfig#maxQps()}. */
        public Builder maxQps(Integer value) {
            maxQps = value;
            return this;
        }

        /** See {@link DspConfig#timeoutMs()}. */
        public Builder timeoutMs(Integer value) {
            timeoutMs = value;
            return this;
        }

        /** See {@link DspConfig#connectTimeoutMs()}. */
        public Builder connectTimeoutMs(Integer value) {
            connectTimeoutMs = value;
            return this;
        }

        /** See {@link DspConfig#maxInFlight()}. */
        public Builder maxInFlight(Integer value) {
            maxInFlight = value;
            return this;
        }

        /** See {@link DspConfig#traffic()}. */
        public Builder traffic(DspTraffic value) {
            traffic = value;
            return this;
        }

        /** See {@link DspConfig#bidAdjustment()}. */
        public Builder bidAdjustment(Double value) {
            bidAdjustment = value;
            return this;
        }

        /** See {@link DspConfig#currencies()}. */
        public Builder currencies(List<String> value) {
            currencies = value;
            return this;
        }

        /** See {@link DspConfig#enabled()}. */
        public Builder enabled(Boolean value) {
            enabled = value;
            return this;
        }

        /** See {@link DspConfig#priceKeys()}. */
        public Builder priceKeys(DspPriceKeys value) {
            priceKeys = value;
            return this;
        }

        /** See {@link DspConfig#health()}. */
        public Builder health(DspHealthConfig value) {
            health = value;
            return this;
        }

        /** See {@link DspConfig#privacy()}. */
        public Builder privacy(DspPrivacy value) {
            privacy = value;
            return this;
        }

        /** See {@link DspConfig#deletionEndpoint()}. */
        public Builder deletionEndpoint(String value) {
            deletionEndpoint = value;
            return this;
        }

        /** See {@link DspConfig#usersync()}. */
        public Builder usersync(DspUserSync value) {
            usersync = value;
            return this;
        }

        /** See {@link DspConfig#pipelining()}. */
        public Builder pipelining(Integer value) {
            pipelining = value;
            return this;
        }

        /** The config; not validated until the whole config is (as a loaded file is). */
        public DspConfig build() {
            return new DspConfig(id, name, endpoint, region, seats, openrtb, gzip, maxQps, timeoutMs, connectTimeoutMs,
                    maxInFlight, traffic, bidAdjustment, currencies, enabled, priceKeys, health, privacy,
                    deletionEndpoint, usersync, pipelining);
        }
    }
}
