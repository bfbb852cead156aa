package dev.merlin.exchange.privacy;

/**
 * How many distinct users each audience segment holds: a segment smaller than {@code privacy.minSegmentUsers} never
 * leaves Merlin (a k-anonymity floor). Read on the event loop: allocation-free.
 */
public interface SegmentSizes {

    /** Every segment empty: no segment ever leaves. */
    SegmentSizes NONE = segmentId -> 0;

    /** The distinct users in {@code segmentId} now (0 for an unknown segment). */
    long users(int segmentId);
}
