package dev.merlin.exchange.dsp;

import dev.merlin.exchange.privacy.OutboundRules;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;

/**
 * What the exchange auction itself counts, on the exchange's registry: DSPs not called because they do not want
 * the request or there is no time left for them, answers after the auction's deadline, answers that could not be
 * read, auctions finished by their deadline timer, how long auctions waited for DSPs, and Merlin's own time per
 * request with DSPs (arrival to answer, minus that wait). Each series is resolved once; counting allocates nothing.
 */
public final class DspStageMetrics {

    private static final double[] WAIT_BUCKETS_SECONDS = {
        0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0};
    private static final double[] OWN_BUCKETS_SECONDS = {
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05};
    private static final String[] VERDICTS = {"country", "channel", "seller", "media_type"};

    private final CounterDataPoint[][] notWanted;
    private final CounterDataPoint[] noTime;
    private final CounterDataPoint[] residency;
    private final CounterDataPoint[] activity;
    private final CounterDataPoint[] late;
    private final CounterDataPoint[] unreadable;
    private final Counter badAnswers;
    private final List<String> ids;
    private final CounterDataPoint deadline;
    private final DistributionDataPoint waited;
    private final DistributionDataPoint own;

    /** Registers the series for the DSPs {@code dspIds}, in their runtime order. */
    public DspStageMetrics(PrometheusRegistry registry, List<String> dspIds) {
        this.ids = List.copyOf(dspIds);
        Counter skipped = Counter.builder().name("merlin_dsp_not_called_total")
                .help("Auctions that did not call a DSP because it does not want the request (country, channel,"
                        + " seller, media_type), too little time was left (no_time), data residency forbids its region"
                        + " the user's personal data and it asked to be skipped then (residency), or its fetchBids"
                        + " activity control refuses the request (activity)")
                .labelNames("dsp", "reason").register(registry);
        Counter lateAnswers = Counter.builder().name("merlin_dsp_late_answers_total")
                .help("DSP answers that came after the auction had answered: dropped").labelNames("dsp")
                .register(registry);
        Counter unreadableAnswers = Counter.builder().name("merlin_dsp_unreadable_answers_total")
                .help("DSP answers that failed unexpectedly while being taken: dropped").labelNames("dsp")
                .register(registry);
        this.badAnswers = Counter.builder().name("merlin_dsp_bad_answers_total")
                .help("DSP answers that are not a valid OpenRTB bid response, by reason: dropped whole")
                .labelNames("dsp", "reason").register(registry);
        notWanted = new CounterDataPoint[ids.size()][VERDICTS.length];
        noTime = new CounterDataPoint[ids.size()];
        residency = new CounterDataPoint[ids.size()];
        activity = new CounterDataPoint[ids.size()];
        late = new CounterDataPoint[ids.size()];
        unreadable = new CounterDataPoint[ids.size()];
        for (int i = 0; i < ids.size(); i++) {
            for (int v = 0; v < VERDICTS.length; v++) {
                notWanted[i][v] = skipped.labelValues(ids.get(i), VERDICTS[v]);
            }
            noTime[i] = skipped.labelValues(ids.get(i), "no_time");
            residency[i] = skipped.labelValues(ids.get(i), "residency");
            activity[i] = skipped.labelValues(ids.get(i), "activity");
            late[i] = lateAnswers.labelValues(ids.get(i));
            unreadable[i] = unreadableAnswers.labelValues(ids.get(i));
        }
        this.deadline = Counter.builder().name("merlin_auction_deadline_total")
                .help("Auctions finished by their deadline with DSP calls still open").register(registry)
                .labelValues();
        this.waited = Histogram.builder().name("merlin_auction_dsp_wait_seconds")
                .help("How long an auction with DSP calls waited for them").classicUpperBounds(WAIT_BUCKETS_SECONDS)
                .classicOnly().register(registry).labelValues();
        this.own = Histogram.builder().name("merlin_auction_own_seconds")
                .help("Merlin's own time for a bid request with DSP calls: arrival to answer, minus the wait")
                .classicUpperBounds(OWN_BUCKETS_SECONDS).classicOnly().register(registry).labelValues();
    }

    void notWanted(int dsp, int verdict) {
        notWanted[dsp][verdict - 1].inc();
    }

    /** A DSP not called for the user's privacy: {@code verdict} is {@code OutboundRules.SKIP_*}. */
    void notAllowed(int dsp, int verdict) {
        (verdict == OutboundRules.SKIP_RESIDENCY ? residency : activity)[dsp].inc();
    }

    void noTime(int dsp) {
        noTime[dsp].inc();
    }

    void late(int dsp) {
        late[dsp].inc();
    }

    void unreadable(int dsp) {
        unreadable[dsp].inc();
    }

    void badAnswer(int dsp, String reason) {
        badAnswers.labelValues(ids.get(dsp), reason).inc();
    }

    void deadline() {
        deadline.inc();
    }

    void waited(long nanos) {
        waited.observe(nanos / 1e9);
    }

    /** Merlin's own time for one request with DSP calls. */
    public void own(long nanos) {
        own.observe(nanos / 1e9);
    }
}
