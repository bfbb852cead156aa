package dev.merlin.config;

import dev.merlin.protocol.DecodeLimits;

/**
 * Bounds on what one bid request may contain.
 *
 * @param maxDepth        deepest JSON nesting accepted
 * @param maxImps         most impressions per request
 * @param maxStringLength longest string value, in characters
 * @param maxIdLength     longest request, impression and deal id (copied into every bid's markup and links); a longer
 *                        one is refused with 400 {@code id_too_long} naming the field
 */
public record RequestLimitsConfig(Integer maxDepth, Integer maxImps, Integer maxStringLength, Integer maxIdLength) {

    /** Fills unset values with the decoder's defaults. */
    public RequestLimitsConfig {
        DecodeLimits defaults = DecodeLimits.defaults();
        maxDepth = maxDepth == null ? defaults.maxDepth() : maxDepth;
        maxImps = maxImps == null ? defaults.maxImps() : maxImps;
        maxStringLength = maxStringLength == null ? defaults.maxStringLength() : maxStringLength;
        maxIdLength = maxIdLength == null ? defaults.maxIdLength() : maxIdLength;
    }

    /** Limits with the default longest id. */
    public RequestLimitsConfig(Integer maxDepth, Integer maxImps, Integer maxStringLength) {
        this(maxDepth, maxImps, maxStringLength, null);
    }

    /** All defaults. */
    public static RequestLimitsConfig defaults() {
        return new RequestLimitsConfig(null, null, null, null);
    }

    /** The limits in the decoder's terms. */
    public DecodeLimits toDecodeLimits() {
        return new DecodeLimits(maxDepth, maxImps, maxStringLength, maxIdLength);
    }

    void validate(String at) {
        ConfigChecks.range(at + ".maxDepth", maxDepth, 16, 10_000);
        ConfigChecks.range(at + ".maxImps", maxImps, 1, 1_000);
        ConfigChecks.range(at + ".maxStringLength", maxStringLength, 256, 16 * 1024 * 1024);
        ConfigChecks.range(at + ".maxIdLength", maxIdLength, 16, 4096);
    }
}
