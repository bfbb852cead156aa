package dev.merlin.exchange.dsp;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The DSP calls' metrics, per DSP, on the exchange's Prometheus registry. Label values are configured DSP ids and
 * Merlin's own enums only, never values from the wire; each DSP's series are resolved once in {@link #dsp}, so
 * counting a call is a few adds with no allocation.
 */
public final class DspMetrics {

    /** Latency buckets in seconds: tight under 100 ms where DSP budgets live, coarse above. */
    private static final double[] LATENCY_BUCKETS_SECONDS = {
        0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.5};

    private final Counter requests;
    private final Counter responses;
    private final Counter bids;
    private final Counter noBids;
    private final Histogram latency;
    private final Gauge inFlight;
    private final List<ForDsp> registered = new CopyOnWriteArrayList<>();

    /** Registers the DSP families on the exchange's registry (one {@code DspMetrics} per registry). */
    public DspMetrics(ExchangeMetrics exchange) {
        this(exchange.registry());
    }

    /** Registers the DSP families on {@code registry} (one {@code DspMetrics} per registry). */
    public DspMetrics(PrometheusRegistry registry) {
        requests = Counter.builder().name("merlin_dsp_requests_total")
                .help("Bid requests sent to a DSP").labelNames("dsp").register(registry);
        responses = Counter.builder().name("merlin_dsp_responses_total")
                .help("DSP calls ended, by outcome (ok, no_bid, http_error, server_error, bad_response, too_large,"
                        + " timeout, connect_failed, reset, refused_in_flight)")
                .labelNames("dsp", "outcome").register(registry);
        bids = Counter.builder().name("merlin_dsp_bids_total")
                .help("Bids a DSP's answers carried into the auction").labelNames("dsp").register(registry);
        noBids = Counter.builder().name("merlin_dsp_no_bids_total")
                .help("DSP answers with no bid (204, or 200 with no seat bid)").labelNames("dsp").register(registry);
        latency = Histogram.builder().name("merlin_dsp_latency_seconds")
                .help("Time from sending a DSP call to its end (answers and timeouts)")
                .labelNames("dsp").classicUpperBounds(LATENCY_BUCKETS_SECONDS).classicOnly().register(registry);
        inFlight = Gauge.builder().name("merlin_dsp_in_flight")
                .help("DSP calls waiting for their answer").labelNames("dsp").register(registry);
        CounterWithCallback.builder().name("merlin_dsp_skipped_total")
                .help("Auctions that did not call a DSP, by reason (breaker_open, throttled, qps_capped, too_slow)")
                .labelNames("dsp", "reason")
                .callback(callback -> {
                    for (ForDsp dsp : registered) {
                        for (Admission reason : Admission.values()) {
                            if (reason != Admission.SEND) {
                                callback.call(dsp.health.skipped(reason), dsp.id, reason.label());
                            }
                        }
                    }
                })
                .register(registry);
        GaugeWithCallback.builder().name("merlin_dsp_breaker_state")
                .help("A DSP's circuit breaker: 0 closed, 1 half-open, 2 open").labelNames("dsp")
                .callback(callback -> {
                    for (ForDsp dsp : registered) {
                        callback.call(dsp.health.breakerState().ordinal(), dsp.id);
                    }
                })
                .register(registry);
    }

    /** The series of DSP {@code dspId} (a configured id); its skips and breaker state are read from {@code health}. */
    public ForDsp dsp(String dspId, DspHealth health) {
        ForDsp dsp = new ForDsp(dspId, health);
        registered.add(dsp);
        return dsp;
    }

    /** One DSP's series, resolved once. */
    public final class ForDsp {

        private final String id;
        private final DspHealth health;
        private final CounterDataPoint requestCount;
        private final CounterDataPoint[] outcomeCounts = new CounterDataPoint[DspOutcome.values().length];
        private final CounterDataPoint bidCount;
        private final CounterDataPoint noBidCount;
        private final DistributionDataPoint latencySeconds;
        private final GaugeDataPoint inFlightCount;

        private ForDsp(String id, DspHealth health) {
            this.id = id;
            this.health = health;
            requestCount = requests.labelValues(id);
            for (DspOutcome outcome : DspOutcome.values()) {
                outcomeCounts[outcome.ordinal()] = responses.labelValues(id, outcome.label());
            }
            bidCount = bids.labelValues(id);
            noBidCount = noBids.labelValues(id);
            latencySeconds = latency.labelValues(id);
            inFlightCount = inFlight.labelValues(id);
        }

        /** The DSP's id. */
        public String id() {
            return id;
        }

        /** A call was sent (it is now in flight). */
        public void sent() {
            requestCount.inc();
            inFlightCount.inc();
        }

        /** A sent call ended with {@code outcome} after {@code latencyNanos}. */
        public void ended(DspOutcome outcome, long latencyNanos) {
            inFlightCount.dec();
            outcomeCounts[outcome.ordinal()].inc();
            if (outcome.isAnswer() || outcome == DspOutcome.TIMEOUT) {
                latencySeconds.observe(latencyNanos / (double) TimeUnit.SECONDS.toNanos(1));
            }
        }

        /** A call was not sent: the DSP has its maximum in flight on the loop. */
        public void refused() {
            outcomeCounts[DspOutcome.REFUSED_IN_FLIGHT.ordinal()].inc();
        }

        /** The auction stage took {@code count} bids from one of the DSP's answers. */
        public void bids(int count) {
            bidCount.inc(count);
        }

        /** The auction stage found no bid in one of the DSP's answers (204, or 200 with no seat bid). */
        public void noBid() {
            noBidCount.inc();
        }

        /** Calls sent so far. */
        public long requests() {
            return (long) requestCount.get();
        }

        /** Calls ended so far with {@code outcome}. */
        public long outcomes(DspOutcome outcome) {
            return (long) outcomeCounts[outcome.ordinal()].get();
        }

        /** Bids taken so far. */
        public long bids() {
            return (long) bidCount.get();
        }

        /** No-bid answers so far. */
        public long noBids() {
            return (long) noBidCount.get();
        }

        /** Calls in flight now, over every event loop. */
        public long inFlight() {
            return (long) inFlightCount.get();
        }

        /** Response times observed so far (answers and timeouts). */
        public long latencyCount() {
            return latencySeconds.getCount();
        }
    }
}
