package dev.merlin.config;

/**
 * How Merlin runs its exchange auction in time: the request's time budget and what it keeps back, and how it
 * names itself in the supply chain it passes on to DSPs.
 *
 * @param defaultTmaxMs       the budget when a request has no {@code tmax} or a non-positive one
 * @param maxTmaxMs           the longest budget honoured; a larger {@code tmax} is cut to it
 * @param minTmaxMs           the shortest budget honoured; a smaller positive {@code tmax} is raised to it
 * @param responseMarginMs    kept back for the answer to reach the seller: the auction answers by
 *                            start + tmax - this
 * @param dspMarginMs         kept back from what a DSP is told: its {@code tmax} is the time left minus this
 * @param minDspTimeMs        a DSP is not called when less than this is left for it
 * @param schainDomain        Merlin's advertising-system domain, the {@code asi} of the node Merlin appends to
 *                            {@code source.schain} (its {@code sid} is the seller's id in Merlin's sellers.json)
 * @param maxDspResponseBytes the largest answer body read from a DSP; a larger one is an error
 */
public record AuctionConfig(Integer defaultTmaxMs, Integer maxTmaxMs, Integer minTmaxMs, Integer responseMarginMs,
                            Integer dspMarginMs, Integer minDspTimeMs, String schainDomain,
                            Integer maxDspResponseBytes) {

    /** Fills unset values with defaults. */
    public AuctionConfig {
        defaultTmaxMs = defaultTmaxMs == null ? 200 : defaultTmaxMs;
        maxTmaxMs = maxTmaxMs == null ? 1000 : maxTmaxMs;
        minTmaxMs = minTmaxMs == null ? 20 : minTmaxMs;
        responseMarginMs = responseMarginMs == null ? 10 : responseMarginMs;
        dspMarginMs = dspMarginMs == null ? 10 : dspMarginMs;
        minDspTimeMs = minDspTimeMs == null ? 10 : minDspTimeMs;
        schainDomain = schainDomain == null ? "merlin.example" : schainDomain;
        maxDspResponseBytes = maxDspResponseBytes == null ? 1 << 20 : maxDspResponseBytes;
    }

    /** All defaults. */
    public static AuctionConfig defaults() {
        return builder().build();
    }

    /**
     * The budget of a request whose {@code tmax} is {@code requestTmax}: the default when absent or not positive,
     * else clamped to {@code minTmaxMs}..{@code maxTmaxMs}.
     */
    public int effectiveTmaxMs(Integer requestTmax) {
        if (requestTmax == null || requestTmax <= 0) {
            return defaultTmaxMs;
        }
        return Math.max(minTmaxMs, Math.min(maxTmaxMs, requestTmax));
    }

    void validate(String at) {
        ConfigChecks.range(at + ".minTmaxMs", minTmaxMs, 1, 60_000);
        ConfigChecks.range(at + ".maxTmaxMs", maxTmaxMs, minTmaxMs, 60_000);
        ConfigChecks.range(at + ".defaultTmaxMs", defaultTmaxMs, minTmaxMs, maxTmaxMs);
        ConfigChecks.range(at + ".responseMarginMs", responseMarginMs, 0, minTmaxMs - 1);
        ConfigChecks.range(at + ".dspMarginMs", dspMarginMs, 0, 10_000);
        ConfigChecks.range(at + ".minDspTimeMs", minDspTimeMs, 1, 10_000);
        ConfigChecks.range(at + ".maxDspResponseBytes", maxDspResponseBytes, 1024, 64 << 20);
        if (!schainDomain.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")) {
            throw new ConfigException(at + ".schainDomain", "value " + schainDomain + " is not allowed; expected a"
                    + " lower-case domain such as merlin.example (no scheme, path or port)");
        }
    }

    /** A builder whose unset values take the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds an {@link AuctionConfig}; a value left unset (or set to null) takes its default. */
    public static final class Builder {
        private Integer defaultTmaxMs;
        private Integer maxTmaxMs;
        private Integer minTmaxMs;
        private Integer responseMarginMs;
        private Integer dspMarginMs;
        private Integer minDspTimeMs;
        private String schainDomain;
        private Integer maxDspResponseBytes;

        private Builder() {
        }

        /** See {@link AuctionConfig#defaultTmaxMs()}. */
        public Builder defaultTmaxMs(Integer value) {
            defaultTmaxMs = value;
            return this;
        }

        /** See {@link AuctionConfig#maxTmaxMs()}. */
        public Builder maxTmaxMs(Integer value) {
            maxTmaxMs = value;
            return this;
        }

        /** See {@link AuctionConfig#minTmaxMs()}. */
        public Builder minTmaxMs(Integer value) {
            minTmaxMs = value;
            return this;
        }

        /** See {@link AuctionConfig#responseMarginMs()}. */
        public Builder responseMarginMs(Integer value) {
            responseMarginMs = value;
            return this;
        }

        /** See {@link AuctionConfig#dspMarginMs()}. */
        public Builder dspMarginMs(Integer value) {
            dspMarginMs = value;
            return this;
        }

        /** See {@link AuctionConfig#minDspTimeMs()}. */
        public Builder minDspTimeMs(Integer value) {
            minDspTimeMs = value;
            return this;
        }

        /** See {@link AuctionConfig#schainDomain()}. */
        public Builder schainDomain(String value) {
            schainDomain = value;
            return this;
        }

        /** See {@link AuctionConfig#maxDspResponseBytes()}. */
        public Builder maxDspResponseBytes(Integer value) {
            maxDspResponseBytes = value;
            return this;
        }

        /** The config; not validated until the whole config is. */
        public AuctionConfig build() {
            return new AuctionConfig(defaultTmaxMs, maxTmaxMs, minTmaxMs, responseMarginMs, dspMarginMs, minDspTimeMs,
                    schainDomain, maxDspResponseBytes);
        }
    }
}
