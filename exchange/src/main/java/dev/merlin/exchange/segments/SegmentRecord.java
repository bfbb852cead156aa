package dev.merlin.exchange.segments;

import java.util.Arrays;

/**
 * The mutable on-heap image of one user's stored value, reused across reads and writes.
 *
 * <p>Ids are unique within a record; order is insertion order. Expiry times are kept as the unsigned
 * 32-bit epoch seconds that the file stores (good until 2106); {@link #expiresAt(int)} widens them.
 */
final class SegmentRecord {

    /** Largest storable expiry: 2106-02-07T06:28:15Z. Later expiries are clamped to it. */
    static final long MAX_EXPIRES_AT_EPOCH_SECONDS = 0xFFFF_FFFFL;

    int count;
    int[] segmentIds;
    int[] expiresAt;

    SegmentRecord(int initialCapacity) {
        segmentIds = new int[initialCapacity];
        expiresAt = new int[initialCapacity];
    }

    void clear() {
        count = 0;
    }

    void ensureCapacity(int capacity) {
        if (capacity > segmentIds.length) {
            int grown = Math.max(capacity, segmentIds.length * 2);
            segmentIds = Arrays.copyOf(segmentIds, grown);
            expiresAt = Arrays.copyOf(expiresAt, grown);
        }
    }

    long expiresAt(int index) {
        return Integer.toUnsignedLong(expiresAt[index]);
    }

    static int toStoredExpiry(long expiresAtEpochSeconds) {
        return (int) Math.min(Math.max(expiresAtEpochSeconds, 0L), MAX_EXPIRES_AT_EPOCH_SECONDS);
    }

    /** Removes segments whose expiry is at or before {@code nowEpochSeconds}; returns whether any went. */
    boolean dropExpired(long nowEpochSeconds) {
        int kept = 0;
        for (int i = 0; i < count; i++) {
            if (expiresAt(i) > nowEpochSeconds) {
                segmentIds[kept] = segmentIds[i];
                expiresAt[kept] = expiresAt[i];
                kept++;
            }
        }
        boolean dropped = kept != count;
        count = kept;
        return dropped;
    }

    /**
     * Inserts a segment or refreshes it (the later expiry wins). At the cap, the existing segment that
     * expires soonest makes room, so the segment just added is always held.
     */
    void upsert(int segmentId, long expiresAtEpochSeconds, int maxSegments) {
        int stored = toStoredExpiry(expiresAtEpochSeconds);
        for (int i = 0; i < count; i++) {
            if (segmentIds[i] == segmentId) {
                if (Integer.compareUnsigned(stored, expiresAt[i]) > 0) {
                    expiresAt[i] = stored;
                }
                return;
            }
        }
        while (count >= maxSegments) {
            removeAt(indexOfSoonestExpiry());
        }
        ensureCapacity(count + 1);
        segmentIds[count] = segmentId;
        expiresAt[count] = stored;
        count++;
    }

    private int indexOfSoonestExpiry() {
        int soonest = 0;
        for (int i = 1; i < count; i++) {
            if (Integer.compareUnsigned(expiresAt[i], expiresAt[soonest]) < 0) {
                soonest = i;
            }
        }
        return soonest;
    }

    private void removeAt(int index) {
        int tail = count - index - 1;
        System.arraycopy(segmentIds, index + 1, segmentIds, index, tail);
        System.arraycopy(expiresAt, index + 1, expiresAt, index, tail);
        count--;
    }
}
