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
 */
public record StoresConfig(Long segmentUsers, Integer averageKeyBytes, Integer averageSegmentsPerUser,
                           Integer maxSegmentsPerUser, Long frequencyEntries, Long chargedImpressions,
                           Long chargedWindowSeconds) {

    /** Fills unset values with defaults: 1M users, 36-byte keys, 8 segments (64 at most), a one-day window. */
    public StoresConfig {
        segmentUsers = segmentUsers == null ? 1_000_000L : segmentUsers;
        averageKeyBytes = averageKeyBytes == null ? 36 : averageKeyBytes;
        averageSegmentsPerUser = averageSegmentsPerUser == null ? 8 : averageSegmentsPerUser;
        maxSegmentsPerUser = maxSegmentsPerUser == null ? 64 : maxSegmentsPerUser;
        frequencyEntries = frequencyEntries == null ? 2_000_000L : frequencyEntries;
        chargedImpressions = chargedImpressions == null ? 2_000_000L : chargedImpressions;
        chargedWindowSeconds = chargedWindowSeconds == null ? 86_400L : chargedWindowSeconds;
    }

    /** Sizing with the default charge window. */
    public StoresConfig(Long segmentUsers, Integer averageKeyBytes, Integer averageSegmentsPerUser,
                        Integer maxSegmentsPerUser, Long frequencyEntries, Long chargedImpressions) {
        this(segmentUsers, averageKeyBytes, averageSegmentsPerUser, maxSegmentsPerUser, frequencyEntries,
                chargedImpressions, null);
    }

    /** All defaults. */
    public static StoresConfig defaults() {
        return new StoresConfig(null, null, null, null, null, null, null);
    }

    void validate(String at) {
        longRange(at + ".segmentUsers", segmentUsers, 1_000, 2_000_000_000L);
        ConfigChecks.range(at + ".averageKeyBytes", averageKeyBytes, 4, 1024);
        ConfigChecks.range(at + ".maxSegmentsPerUser", maxSegmentsPerUser, 1, 4096);
        ConfigChecks.range(at + ".averageSegmentsPerUser", averageSegmentsPerUser, 1, maxSegmentsPerUser);
        longRange(at + ".frequencyEntries", frequencyEntries, 1_000, 2_000_000_000L);
        longRange(at + ".chargedImpressions", chargedImpressions, 1_000, 2_000_000_000L);
        longRange(at + ".chargedWindowSeconds", chargedWindowSeconds, 3_600, 30 * 86_400L);
    }

    private static void longRange(String keyPath, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ConfigException(keyPath, "value " + value + " is not allowed; expected " + min + " to " + max);
        }
    }
}
