package dev.merlin.exchange.segments;

import dev.merlin.exchange.privacy.SegmentSizes;
import java.util.function.LongSupplier;

/**
 * How many distinct users hold each audience segment, counted by walking the segment store ({@link #recount}, a
 * maintenance task) and read by the bid path ({@link #users}: an array read, allocation-free). Until the first count
 * every segment holds 0 users, so none is shared; between counts a segment's size is the last count's, at most one
 * maintenance period old.
 */
public final class SegmentCensus implements SegmentSizes {

    private final SegmentStore store;
    private final int maxSegmentId;
    private final LongSupplier epochSecondsClock;
    private volatile long[] counts = new long[0];

    /** A census of {@code store} for segment ids up to {@code maxSegmentId}. */
    public SegmentCensus(SegmentStore store, int maxSegmentId, LongSupplier epochSecondsClock) {
        this.store = store;
        this.maxSegmentId = maxSegmentId;
        this.epochSecondsClock = epochSecondsClock;
    }

    /** Counts every segment's live users now and publishes the counts; returns the users counted over segments. */
    public long recount() {
        long[] fresh = new long[maxSegmentId + 1];
        store.countUsers(epochSecondsClock.getAsLong(), fresh);
        counts = fresh;
        long total = 0;
        for (long count : fresh) {
            total += count;
        }
        return total;
    }

    @Override
    public long users(int segmentId) {
        long[] now = counts;
        return segmentId >= 0 && segmentId < now.length ? now[segmentId] : 0;
    }
}
