package dev.merlin.exchange.dsp;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.protocol.BidResponseError;
import dev.merlin.protocol.InvalidBidResponseException;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * DSP bids dropped before the auction, {@code merlin_dsp_bids_rejected_total{dsp,reason}}, and DSP answers that could
 * not be read at all, {@code merlin_dsp_responses_invalid_total{dsp,reason}}: one per registry; each DSP's series are
 * resolved once ({@link #forDsp}), so counting on the event loop is one add, nothing allocated.
 */
public final class DspBidMetrics {

    private final Counter rejected;
    private final Counter invalid;

    /** Registers the counter on the exchange's registry (one {@code DspBidMetrics} per registry). */
    public DspBidMetrics(ExchangeMetrics exchange) {
        this(exchange.registry());
    }

    /** Registers the counter on {@code registry} (one {@code DspBidMetrics} per registry). */
    public DspBidMetrics(PrometheusRegistry registry) {
        this.rejected = Counter.builder()
                .name("merlin_dsp_bids_rejected_total")
                .help("DSP bids dropped before the auction, by DSP and reason")
                .labelNames("dsp", "reason")
                .register(registry);
        this.invalid = Counter.builder()
                .name("merlin_dsp_responses_invalid_total")
                .help("DSP answers dropped whole because they could not be decoded, by DSP and reason")
                .labelNames("dsp", "reason")
                .register(registry);
    }

    /** The rejection counters of one DSP, every reason's series created now (so each shows from the start at 0). */
    public Rejections forDsp(String dspId) {
        BidRejection[] reasons = BidRejection.values();
        CounterDataPoint[] points = new CounterDataPoint[reasons.length];
        for (BidRejection reason : reasons) {
            points[reason.ordinal()] = rejected.labelValues(dspId, reason.label());
        }
        BidResponseError[] errors = BidResponseError.values();
        CounterDataPoint[] invalidPoints = new CounterDataPoint[errors.length];
        for (BidResponseError error : errors) {
            invalidPoints[error.ordinal()] = invalid.labelValues(dspId, error.label());
        }
        return new Rejections(points, invalidPoints);
    }

    /** How many bids of {@code dspId} were rejected for {@code reason} (tests, reports). */
    public long rejected(String dspId, BidRejection reason) {
        return (long) rejected.labelValues(dspId, reason.label()).get();
    }

    /** How many answers of {@code dspId} could not be decoded for {@code reason} (tests, reports). */
    public long invalid(String dspId, BidResponseError reason) {
        return (long) invalid.labelValues(dspId, reason.label()).get();
    }

    /** One DSP's rejection counters. */
    public static final class Rejections {
        private final CounterDataPoint[] points;
        private final CounterDataPoint[] invalidPoints;

        Rejections(CounterDataPoint[] points, CounterDataPoint[] invalidPoints) {
            this.points = points;
            this.invalidPoints = invalidPoints;
        }

        /** Counts one answer the decoder refused ({@link InvalidBidResponseException#reason()}). */
        public void invalid(BidResponseError reason) {
            invalidPoints[reason.ordinal()].inc();
        }

        /** How many answers were refused for {@code reason}. */
        public long invalidCount(BidResponseError reason) {
            return (long) invalidPoints[reason.ordinal()].get();
        }

        /** Counts {@code bids} bids rejected for {@code reason}. */
        public void count(BidRejection reason, int bids) {
            points[reason.ordinal()].inc(bids);
        }

        /** How many were rejected for {@code reason}. */
        public long count(BidRejection reason) {
            return (long) points[reason.ordinal()].get();
        }
    }
}
