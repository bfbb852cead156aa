package dev.merlin.exchange.segments;

/**
 * One segment held for a user and when it lapses, as shown by the privacy endpoint.
 *
 * @param segmentId             the segment id from the configuration
 * @param expiresAtEpochSeconds the first second at which the segment no longer applies
 */
public record SegmentEntry(int segmentId, long expiresAtEpochSeconds) {
}
