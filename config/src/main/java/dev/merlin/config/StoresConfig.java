package dev.merlin.config;

/**
 * Sizing of the off-heap stores under the data dir; Chronicle Map fixes it when it creates a file.
 *
 * @param segmentUsers           expected maximum number of users in the segment store
 * @param averageKeyBytes        average user key length (a 36-character IFA or UUID)
 * @param averageSegmentsPerUser average segments held per user
 * @param maxSegmentsPerUser     segments kept per user; one more evicts the soonest-expiring
 * @param frequencyEntries       (user, campaign) pairs the frequency-cap store holds
 * @param chargedImpressions     impressions the charge-once map remembers: those charged within the window
 * @param chargedWindowSeconds   how long after its auction a win or bill notice is still charged; the charge-once
 *                               map forgets an impression a little after that, and a later notice is refused
 * @param optOutEntries          users the opt-out registry holds (default a tenth of {@code segmentUsers}, at least
 *                               10,000)
 * @param erasureEntries         erased or opted-out users the erasure registry remembers (same default)
 */
public record StoresConfig(Long segmentUsers, Integer averageKeyBytes, Integer averageSegmentsPerUser,
                           Integer maxSegmentsPerUser, Long frequencyEntries, Long chargedImpressions,
                           Long chargedWindowSeconds, Long optOutEntries, Long erasureEntries) {

    /** The fewest entries a registry sized from {@code segmentUsers} gets. */
    private static final long MIN_REGISTRY_ENTRIES = 10_000L;

    /** Fills unset values with defaults: 1M users, 36-byte keys, 8 segments (64 at most), a one-day window. */
    public StoresConfig {
        segmentUsers = segmentUsers == null ? 1_000_000L : segmentUsers;
        averageKeyBytes = averageKeyBytes == null ? 36 : averageKeyBytes;
        averageSegmentsPerUser = averageSegmentsPerUser == null ? 8 : averageSegmentsPerUser;
        maxSegmentsPerUser = maxSegmentsPerUser == null ? 64 : maxSegmentsPerUser;
        frequencyEntries = frequencyEntries == null ? 2_000_000L : frequencyEntries;
        chargedImpressions = chargedImpressions == null ? 2_000_000L : chargedImpressions;
        chargedWindowSeconds = chargedWindowSeconds == null ? 86_400L : chargedWindowSeconds;
        long registryEntries = Math.max(MIN_REGISTRY_ENTRIES, segmentUsers / 10);
        optOutEntries = optOutEntries == null ? registryEntries : optOutEntries;
        erasureEntries = erasureEntries == null ? registryEntries : erasureEntries;
    }

    /** Sizing with the default charge window and registries. */
    public StoresConfig(Long segmentUsers, Integer averageKeyBytes, Integer averageSegmentsPerUser,
                        Integer maxSegmentsPerUser, Long frequencyEntries, Long chargedImpressions) {
        this(segmentUsers, averageKeyBytes, averageSegmentsPerUser, maxSegmentsPerUser, frequencyEntries,
                chargedImpressions, null, null, null);
    }

    /** All defaults. */
    public static StoresConfig defaults() {
        return builder().build();
    }

    /** A builder whose unset values take the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Small stores for tests and tools: {@code entries} users, (user, campaign) pairs and charged impressions, the
     * rest default.
     */
    public static StoresConfig small(long entries) {
        return builder().segmentUsers(entries).frequencyEntries(entries).chargedImpressions(entries).build();
    }

    void validate(String at) {
        longRange(at + ".segmentUsers", segmentUsers, 1_000, 2_000_000_000L);
        ConfigChecks.range(at + ".averageKeyBytes", averageKeyBytes, 4, 1024);
        ConfigChecks.range(at + ".maxSegmentsPerUser", maxSegmentsPerUser, 1, 4096);
        ConfigChecks.range(at + ".averageSegmentsPerUser", averageSegmentsPerUser, 1, maxSegmentsPerUser);
        longRange(at + ".frequencyEntries", frequencyEntries, 1_000, 2_000_000_000L);
        longRange(at + ".chargedImpressions", chargedImpressions, 1_000, 2_000_000_000L);
        longRange(at + ".chargedWindowSeconds", chargedWindowSeconds, 3_600, 30 * 86_400L);
        longRange(at + ".optOutEntries", optOutEntries, 1_000, 2_000_000_000L);
        longRange(at + ".erasureEntries", erasureEntries, 1_000, 2_000_000_000L);
    }

    private static void longRange(String keyPath, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ConfigException(keyPath, "value " + value + " is not allowed; expected " + min + " to " + max);
        }
    }

    /** Builds a {@link StoresConfig}; a value left unset (or set to null) takes its default. */
    public static final class Builder {
        private Long segmentUsers;
        private Integer averageKeyBytes;
        private Integer averageSegmentsPerUser;
        private Integer maxSegmentsPerUser;
        private Long frequencyEntries;
        private Long chargedImpressions;
        private Long chargedWindowSeconds;
        private Long optOutEntries;
        private Long erasureEntries;

        private Builder() {
        }

        /** See {@link StoresConfig#segmentUsers()}. */
        public Builder segmentUsers(Long value) {
            segmentUsers = value;
            return this;
        }

        /** See {@link StoresConfig#averageKeyBytes()}. */
        public Builder averageKeyBytes(Integer value) {
            averageKeyBytes = value;
            return this;
        }

        /** See {@link StoresConfig#averageSegmentsPerUser()}. */
        public Builder averageSegmentsPerUser(Integer value) {
            averageSegmentsPerUser = value;
            return this;
        }

        /** See {@link StoresConfig#maxSegmentsPerUser()}. */
        public Builder maxSegmentsPerUser(Integer value) {
            maxSegmentsPerUser = value;
            return this;
        }

        /** See {@link StoresConfig#frequencyEntries()}. */
        public Builder frequencyEntries(Long value) {
            frequencyEntries = value;
            return this;
        }

        /** See {@link StoresConfig#chargedImpressions()}. */
        public Builder chargedImpressions(Long value) {
            chargedImpressions = value;
            return this;
        }

        /** See {@link StoresConfig#chargedWindowSeconds()}. */
        public Builder chargedWindowSeconds(Long value) {
            chargedWindowSeconds = value;
            return this;
        }

        /** See {@link StoresConfig#optOutEntries()}. */
        public Builder optOutEntries(Long value) {
            optOutEntries = value;
            return this;
        }

        /** See {@link StoresConfig#erasureEntries()}. */
        public Builder erasureEntries(Long value) {
            erasureEntries = value;
            return this;
        }

        /** The config, unset values defaulted (not yet validated: {@link MerlinConfig#validate()} does that). */
        public StoresConfig build() {
            return new StoresConfig(segmentUsers, averageKeyBytes, averageSegmentsPerUser, maxSegmentsPerUser,
                    frequencyEntries, chargedImpressions, chargedWindowSeconds, optOutEntries, erasureEntries);
        }
    }
}
