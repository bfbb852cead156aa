package dev.merlin.config;

/**
 * When Merlin stops calling a failing or slow DSP, and how it lets it back in.
 *
 * @param breakerFailures      consecutive failures that open the circuit breaker
 * @param breakerErrorRate     the share of failed calls in the window that opens it, once
 *                             {@code breakerMinRequests} calls were seen
 * @param breakerMinRequests   calls in the window before the error rate counts
 * @param breakerOpenMs        how long the breaker stays open before one probe call is let through
 * @param healthWindow         calls the health average spans (weight 1/W per call, as Prebid Server Go's throttle)
 * @param latencyWindowSeconds the window of the response-time histogram a DSP is skipped by when too slow
 */
public record DspHealthConfig(Integer breakerFailures, Double breakerErrorRate, Integer breakerMinRequests,
                              Integer breakerOpenMs, Integer healthWindow, Integer latencyWindowSeconds) {

    /** Fills unset values with defaults. */
    public DspHealthConfig {
        breakerFailures = breakerFailures == null ? 20 : breakerFailures;
        breakerErrorRate = breakerErrorRate == null ? 0.5 : breakerErrorRate;
        breakerMinRequests = breakerMinRequests == null ? 50 : breakerMinRequests;
        breakerOpenMs = breakerOpenMs == null ? 5000 : breakerOpenMs;
        healthWindow = healthWindow == null ? 1000 : healthWindow;
        latencyWindowSeconds = latencyWindowSeconds == null ? 10 : latencyWindowSeconds;
    }

    /** All defaults. */
    public static DspHealthConfig defaults() {
        return new DspHealthConfig(null, null, null, null, null, null);
    }

    void validate(String at) {
        ConfigChecks.range(at + ".breakerFailures", breakerFailures, 1, 1_000_000);
        ConfigChecks.range(at + ".breakerErrorRate", breakerErrorRate, 0.01, 1.0);
        ConfigChecks.range(at + ".breakerMinRequests", breakerMinRequests, 1, 1_000_000);
        ConfigChecks.range(at + ".breakerOpenMs", breakerOpenMs, 1, 3_600_000);
        ConfigChecks.range(at + ".healthWindow", healthWindow, 2, 1_000_000);
        ConfigChecks.range(at + ".latencyWindowSeconds", latencyWindowSeconds, 1, 3600);
    }
}
