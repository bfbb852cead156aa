package dev.merlin.exchange.segments;

/**
 * Sizing of the segment store; Chronicle Map fixes these when it creates the file.
 *
 * <p>{@code entries} is the real expected maximum number of users (the store reports itself full a little
 * past it). The average sizes come from realistic samples: a user key is usually a 36-character IFA or
 * UUID, and a user holds a handful of segments. An existing file keeps the sizing it was created with;
 * changing {@code entries} takes a new file.
 *
 * @param entries                expected maximum number of users
 * @param averageKeyBytes        average user key length in UTF-8 bytes
 * @param averageSegmentsPerUser average number of segments held per user
 * @param maxSegmentsPerUser     segments kept per user; adding one more evicts the soonest-expiring
 * @param maxKeyChars            longest accepted user key, in chars
 */
public record SegmentStoreSettings(long entries, int averageKeyBytes, int averageSegmentsPerUser,
                                   int maxSegmentsPerUser, int maxKeyChars) {

    /** Default expected maximum number of users. */
    public static final long DEFAULT_ENTRIES = 1_000_000L;
    /** A device IFA or UUID in its canonical text form, {@code 8-4-4-4-12} hex digits. */
    public static final int DEFAULT_AVERAGE_KEY_BYTES = 36;
    /** Default average number of segments per user. */
    public static final int DEFAULT_AVERAGE_SEGMENTS_PER_USER = 8;
    /** Default cap on segments per user. */
    public static final int DEFAULT_MAX_SEGMENTS_PER_USER = 64;
    /** Default longest accepted user key. */
    public static final int DEFAULT_MAX_KEY_CHARS = 128;

    /** Checks every value and names the one out of range. */
    public SegmentStoreSettings {
        if (entries < 1) {
            throw new IllegalArgumentException("segments.entries: " + entries + " (allowed: >= 1)");
        }
        if (averageKeyBytes < 1 || averageKeyBytes > 1024) {
            throw new IllegalArgumentException(
                    "segments.averageKeyBytes: " + averageKeyBytes + " (allowed: 1..1024)");
        }
        if (maxSegmentsPerUser < 1 || maxSegmentsPerUser > 4096) {
            throw new IllegalArgumentException(
                    "segments.maxSegmentsPerUser: " + maxSegmentsPerUser + " (allowed: 1..4096)");
        }
        if (averageSegmentsPerUser < 1 || averageSegmentsPerUser > maxSegmentsPerUser) {
            throw new IllegalArgumentException("segments.averageSegmentsPerUser: " + averageSegmentsPerUser
                    + " (allowed: 1.." + maxSegmentsPerUser + ", the per-user cap)");
        }
        if (maxKeyChars < 1 || maxKeyChars > 1024) {
            throw new IllegalArgumentException("segments.maxKeyChars: " + maxKeyChars + " (allowed: 1..1024)");
        }
    }

    /** The defaults: 1M users, 36-byte keys, 8 segments per user on average, at most 64. */
    public static SegmentStoreSettings defaults() {
        return new SegmentStoreSettings(DEFAULT_ENTRIES, DEFAULT_AVERAGE_KEY_BYTES,
                DEFAULT_AVERAGE_SEGMENTS_PER_USER, DEFAULT_MAX_SEGMENTS_PER_USER, DEFAULT_MAX_KEY_CHARS);
    }

    /** A copy sized for another number of users. */
    public SegmentStoreSettings withEntries(long newEntries) {
        return new SegmentStoreSettings(newEntries, averageKeyBytes, averageSegmentsPerUser,
                maxSegmentsPerUser, maxKeyChars);
    }

    /** A copy with another per-user cap (the average is lowered to fit under it). */
    public SegmentStoreSettings withMaxSegmentsPerUser(int newMax) {
        return new SegmentStoreSettings(entries, averageKeyBytes, Math.min(averageSegmentsPerUser, newMax),
                newMax, maxKeyChars);
    }
}
