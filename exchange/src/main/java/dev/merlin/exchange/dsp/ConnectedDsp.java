package dev.merlin.exchange.dsp;

import dev.merlin.config.DspConfig;

/**
 * One DSP as the auction stage calls it: its configuration, which requests it wants, its health (breaker,
 * throttle, QPS cap, recent latency), its series and its HTTP client. Built once at start-up; shared by the event
 * loops (the client and the health are made for that).
 *
 * @param index      its place in the runtime's DSP list ({@code ExternalBid.dsp})
 * @param config     its configuration
 * @param targeting  the requests it wants
 * @param health     its breaker, throttle, QPS cap and latency window
 * @param metrics    its call series
 * @param rejections its rejected bids, by reason
 * @param client     its HTTP client
 */
public record ConnectedDsp(int index, DspConfig config, DspTargeting targeting, DspHealth health,
                           DspMetrics.ForDsp metrics, DspBidMetrics.Rejections rejections, DspHttpClient client) {

    /** Its configured id. */
    public String id() {
        return config.id();
    }
}
