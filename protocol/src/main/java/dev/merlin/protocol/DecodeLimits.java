package dev.merlin.protocol;

/**
 * Bounds the decoder enforces on every request.
 *
 * @param maxDepth        deepest JSON nesting of objects and arrays accepted
 * @param maxImps         most impressions in one request
 * @param maxStringLength longest string value, in characters
 */
public record DecodeLimits(int maxDepth, int maxImps, int maxStringLength) {

    /** Defaults: 256 levels, 64 impressions, 32,768-character strings. */
    public static DecodeLimits defaults() {
        return new DecodeLimits(256, 64, 32_768);
    }

    /** Checks the limits are usable. */
    public DecodeLimits {
        if (maxDepth < 4) {
            throw new IllegalArgumentException("maxDepth must be at least 4, was " + maxDepth);
        }
        if (maxImps < 1) {
            throw new IllegalArgumentException("maxImps must be at least 1, was " + maxImps);
        }
        if (maxStringLength < 64) {
            throw new IllegalArgumentException("maxStringLength must be at least 64, was " + maxStringLength);
        }
    }
}
