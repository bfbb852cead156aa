package dev.merlin.protocol;

/**
 * Bounds the decoder enforces on every request.
 *
 * @param maxDepth        deepest JSON nesting of objects and arrays accepted
 * @param maxImps         most impressions in one request
 * @param maxStringLength longest string value, in characters
 * @param maxIdLength     longest request, impression and deal id, in characters: these ids are copied into every
 *                        bid's markup and links, so they bound how much one request can make the exchange write
 */
public record DecodeLimits(int maxDepth, int maxImps, int maxStringLength, int maxIdLength) {

    /** The default longest id: room for a UUID with a prefix, far below what would inflate an answer. */
    public static final int DEFAULT_MAX_ID_LENGTH = 128;

    /** Defaults: 256 levels, 64 impressions, 32,768-character strings, 128-character ids. */
    public static DecodeLimits defaults() {
        return new DecodeLimits(256, 64, 32_768, DEFAULT_MAX_ID_LENGTH);
    }

    /** Limits with the default longest id. */
    public DecodeLimits(int maxDepth, int maxImps, int maxStringLength) {
        this(maxDepth, maxImps, maxStringLength, DEFAULT_MAX_ID_LENGTH);
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
        if (maxIdLength < 1) {
            throw new IllegalArgumentException("maxIdLength must be at least 1, was " + maxIdLength);
        }
    }
}
