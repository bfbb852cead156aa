package dev.merlin.exchange.metrics;

import dev.merlin.exchange.privacy.Holdout;
import dev.merlin.exchange.privacy.RefusalReason;
import dev.merlin.protocol.ErrorReason;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * The exchange's counters, exposed in Prometheus text format on {@code /metrics}.
 *
 * <p>Label values are resolved once here, so counting on the hot path is a single add with no allocation.
 */
public final class ExchangeMetrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final StageLatency stages = new StageLatency();

    private final CounterDataPoint bidRequestsAccepted;
    private final CounterDataPoint[] bidRequestsRejected;
    private final Counter httpErrors = Counter.builder()
            .name("merlin_http_errors_total")
            .help("HTTP requests answered with an error status, by status and cause")
            .labelNames("status", "cause")
            .register(registry);
    private final CounterDataPoint channelExceptions = Counter.builder()
            .name("merlin_channel_exceptions_total")
            .help("Unexpected exceptions that closed a connection")
            .register(registry)
            .labelValues();
    private final CounterDataPoint connectionsOpened = Counter.builder()
            .name("merlin_connections_opened_total")
            .help("TCP connections accepted")
            .register(registry)
            .labelValues();
    private final CounterDataPoint connectionsRefused;
    private final Counter noBids = Counter.builder()
            .name("merlin_no_bids_total")
            .help("Valid bid requests answered 204, by reason")
            .labelNames("reason")
            .register(registry);
    private final Map<String, CounterDataPoint> noBidReasons = new HashMap<>();
    private final CounterDataPoint bids = Counter.builder()
            .name("merlin_bids_total")
            .help("Bids returned (one per winning impression)")
            .register(registry)
            .labelValues();
    private final Counter notices = Counter.builder()
            .name("merlin_notices_total")
            .help("Win, billing and loss notices, by outcome")
            .labelNames("kind", "outcome")
            .register(registry);
    private final Counter noticeUserRefusals = Counter.builder()
            .name("merlin_notices_user_refused_total")
            .help("Charged win and billing notices that recorded nothing about their user (erased at or after"
                    + " the auction, or opted out), by kind and reason")
            .labelNames("kind", "reason")
            .register(registry);
    private final CounterDataPoint[] contextual;
    private final Counter rolloutAuctions = Counter.builder()
            .name("merlin_rollout_auctions_total")
            .help("Bid requests in the rollout's holdout countries with a user (privacy.holdout), by arm (treatment:"
                    + " audience data used; control: held out, contextual) and outcome (bid or no_bid)")
            .labelNames("arm", "outcome")
            .register(registry);
    private final Counter rolloutCharges = Counter.builder()
            .name("merlin_rollout_charge_micros_total")
            .help("What buyers pay for Merlin's bids on those requests (exchange currency micros, as bid), by arm")
            .labelNames("arm")
            .register(registry);
    private final CounterDataPoint[] rolloutPoints = rolloutPoints();
    private final Counter activity = Counter.builder()
            .name("merlin_activity_total")
            .help("Pixel hits and app events, by source and outcome (recorded or the refusal reason)")
            .labelNames("source", "outcome")
            .register(registry);
    private final Counter unauthorized = Counter.builder()
            .name("merlin_bid_requests_unauthorized_total")
            .help("Bid requests from no known seller, answered 401 before their body was read, by reason")
            .labelNames("reason")
            .register(registry);
    private final Counter requestsShed = Counter.builder()
            .name("merlin_requests_shed_total")
            .help("Requests answered 503 without being run, by reason (unwritten_budget: answers not yet taken by"
                    + " the kernel are over server.maxUnwrittenBytes)")
            .labelNames("reason")
            .register(registry);
    private final Counter maintenanceFailures = Counter.builder()
            .name("merlin_maintenance_failures_total")
            .help("Maintenance tasks (store purges) that failed, by task; each runs again at its next period")
            .labelNames("task")
            .register(registry);
    private final Counter outOfMemory = Counter.builder()
            .name("merlin_out_of_memory_total")
            .help("Out-of-memory errors seen on connections, by kind (direct: Netty's buffers; heap)")
            .labelNames("kind")
            .register(registry);

    /** Registers every counter in a registry of its own (several servers may run in one JVM, as in tests). */
    public ExchangeMetrics() {
        registry.register(stages);
        Counter bidRequests = Counter.builder()
                .name("merlin_bid_requests_total")
                .help("Bid requests received, by outcome of decoding and validation")
                .labelNames("outcome")
                .register(registry);
        bidRequestsAccepted = bidRequests.labelValues("accepted");
        Counter rejected = Counter.builder()
                .name("merlin_bid_requests_rejected_total")
                .help("Bid requests refused with 400, by reason")
                .labelNames("reason")
                .register(registry);
        ErrorReason[] reasons = ErrorReason.values();
        bidRequestsRejected = new CounterDataPoint[reasons.length];
        for (ErrorReason reason : reasons) {
            bidRequestsRejected[reason.ordinal()] = rejected.labelValues(reason.label());
        }
        for (String reason : new String[] {"no_candidates", "no_eligible", "unknown_currency", "no_secure_url",
                "markup_too_long", "response_too_large"}) {
            noBidReasons.put(reason, noBids.labelValues(reason));
        }
        Counter privacy = Counter.builder()
                .name("merlin_bid_requests_contextual_total")
                .help("Bid requests where user data may not be used, by the privacy gate's reason")
                .labelNames("reason")
                .register(registry);
        RefusalReason[] refusals = RefusalReason.values();
        contextual = new CounterDataPoint[refusals.length];
        for (RefusalReason reason : refusals) {
            contextual[reason.ordinal()] = privacy.labelValues(reason.label());
        }
        connectionsRefused = Counter.builder()
                .name("merlin_connections_refused_total")
                .help("Connections closed as soon as they were accepted, because server.maxConnections were open")
                .register(registry)
                .labelValues();
    }

    /** No bid for an accepted request, by reason. */
    public void noBid(String reason) {
        CounterDataPoint point = noBidReasons.get(reason);
        (point != null ? point : noBids.labelValues(reason)).inc();
    }

    /** No-bids so far for {@code reason}. */
    public long noBids(String reason) {
        return (long) noBids.labelValues(reason).get();
    }

    /** {@code count} bids returned in one response. */
    public void bids(int count) {
        bids.inc(count);
    }

    /** Bids returned so far. */
    public long bids() {
        return (long) bids.get();
    }

    /** A win, bill or loss notice and what became of it. */
    public void notice(String kind, String outcome) {
        notices.labelValues(kind, outcome).inc();
    }

    /** Notices so far of this kind and outcome. */
    public long notices(String kind, String outcome) {
        return (long) notices.labelValues(kind, outcome).get();
    }

    /** A charged notice that recorded nothing about its user, by reason ({@code user_erased}, {@code user_opt_out}). */
    public void noticeUserRefused(String kind, String reason) {
        noticeUserRefusals.labelValues(kind, reason).inc();
    }

    /** Notices so far of this kind that recorded nothing about their user for {@code reason}. */
    public long noticeUserRefusals(String kind, String reason) {
        return (long) noticeUserRefusals.labelValues(kind, reason).get();
    }

    /** A bid request that must stay contextual, by the privacy gate's reason. */
    public void contextualOnly(RefusalReason reason) {
        contextual[reason.ordinal()].inc();
    }

    /**
     * One auction of a user in the rollout's trial: {@code arm} is {@link Holdout#TREATMENT} or
     * {@link Holdout#CONTROL} ({@link Holdout#NO_ARM} counts nothing), {@code bids} Merlin's bids and
     * {@code chargeMicros} what their buyers pay. Allocation-free.
     */
    public void rolloutAuction(int arm, int bids, long chargeMicros) {
        if (arm != Holdout.TREATMENT && arm != Holdout.CONTROL) {
            return;
        }
        int base = (arm - Holdout.TREATMENT) * 3;
        rolloutPoints[base + (bids > 0 ? 0 : 1)].inc();
        if (chargeMicros > 0) {
            rolloutPoints[base + 2].inc(chargeMicros);
        }
    }

    /** Auctions so far in {@code arm} ({@link Holdout#TREATMENT} or {@link Holdout#CONTROL}) with or without a bid. */
    public long rolloutAuctions(int arm, boolean withBid) {
        return (long) rolloutPoints[(arm - Holdout.TREATMENT) * 3 + (withBid ? 0 : 1)].get();
    }

    private CounterDataPoint[] rolloutPoints() {
        CounterDataPoint[] points = new CounterDataPoint[6];
        int i = 0;
        for (int arm : new int[] {Holdout.TREATMENT, Holdout.CONTROL}) {
            points[i++] = rolloutAuctions.labelValues(Holdout.label(arm), "bid");
            points[i++] = rolloutAuctions.labelValues(Holdout.label(arm), "no_bid");
            points[i++] = rolloutCharges.labelValues(Holdout.label(arm));
        }
        return points;
    }

    /** The time per stage of bid requests ({@code merlin_stage_seconds}). */
    public StageLatency stages() {
        return stages;
    }

    /** Bid requests kept contextual so far for {@code reason}. */
    public long contextualOnlyCount(RefusalReason reason) {
        return (long) contextual[reason.ordinal()].get();
    }

    /** Activity (pixel or app event) by source kind and outcome: recorded, or refused with a reason. */
    public void activity(String source, String outcome) {
        activity.labelValues(source, outcome).inc();
    }

    /** Activity so far with this source kind and outcome. */
    public long activityCount(String source, String outcome) {
        return (long) activity.labelValues(source, outcome).get();
    }

    /** A connection was accepted. */
    public void connectionOpened() {
        connectionsOpened.inc();
    }

    /** Connections accepted so far. */
    public long connectionsOpened() {
        return (long) connectionsOpened.get();
    }

    /** A connection over the cap was closed as soon as it was accepted. */
    public void connectionRefused() {
        connectionsRefused.inc();
    }

    /** Connections refused so far. */
    public long connectionsRefused() {
        return (long) connectionsRefused.get();
    }

    /** A bid request that decoded and validated. */
    public void bidRequestAccepted() {
        bidRequestsAccepted.inc();
    }

    /** A bid request refused for {@code reason}. */
    public void bidRequestRejected(ErrorReason reason) {
        bidRequestsRejected[reason.ordinal()].inc();
    }

    /** Bid requests refused so far for {@code reason}. */
    public long bidRequestsRejected(ErrorReason reason) {
        return (long) bidRequestsRejected[reason.ordinal()].get();
    }

    /** Bid requests accepted so far. */
    public long bidRequestsAccepted() {
        return (long) bidRequestsAccepted.get();
    }

    /** An HTTP-level error answered with {@code status} (not a rejected bid request: those count by reason). */
    public void httpError(int status, String cause) {
        httpErrors.labelValues(Integer.toString(status), cause).inc();
    }

    /** A bid request from no known seller ({@code no_credentials}, {@code unknown_token}), answered 401. */
    public void bidRequestUnauthorized(String reason) {
        unauthorized.labelValues(reason).inc();
    }

    /** Bid requests refused so far as from no known seller, for {@code reason}. */
    public long bidRequestsUnauthorized(String reason) {
        return (long) unauthorized.labelValues(reason).get();
    }

    /** HTTP-level errors so far with this status and cause. */
    public long httpErrors(int status, String cause) {
        return (long) httpErrors.labelValues(Integer.toString(status), cause).get();
    }

    /** An unexpected exception that closed a connection. */
    public void channelException() {
        channelExceptions.inc();
    }

    /** Connections closed after an unexpected exception. */
    public long channelExceptions() {
        return (long) channelExceptions.get();
    }

    /**
     * A request answered {@code 503} without being run, by reason ({@code unwritten_budget}: the server's answers
     * not yet taken by the kernel are over {@code server.maxUnwrittenBytes}).
     */
    public void requestShed(String reason) {
        requestsShed.labelValues(reason).inc();
    }

    /** Requests shed so far for {@code reason}. */
    public long requestsShed(String reason) {
        return (long) requestsShed.labelValues(reason).get();
    }

    /** A maintenance task ({@code task}: a purge's name) failed. */
    public void maintenanceFailure(String task) {
        maintenanceFailures.labelValues(task).inc();
    }

    /** Failures of maintenance task {@code task} so far. */
    public long maintenanceFailures(String task) {
        return (long) maintenanceFailures.labelValues(task).get();
    }

    /** An out-of-memory error seen on a connection, by kind: {@code direct} (Netty's buffers) or {@code heap}. */
    public void outOfMemory(String kind) {
        outOfMemory.labelValues(kind).inc();
    }

    /** Out-of-memory errors seen so far of {@code kind}. */
    public long outOfMemoryCount(String kind) {
        return (long) outOfMemory.labelValues(kind).get();
    }

    /** Exposes a value read at scrape time as a gauge (store sizes). */
    public void gauge(String name, String help, DoubleSupplier value) {
        GaugeWithCallback.builder()
                .name(name).help(help)
                .callback(callback -> callback.call(value.getAsDouble()))
                .register(registry);
    }

    /** Exposes a monotonic count read at scrape time as a counter (store rejections). */
    public void counter(String name, String help, DoubleSupplier value) {
        CounterWithCallback.builder()
                .name(name).help(help)
                .callback(callback -> callback.call(value.getAsDouble()))
                .register(registry);
    }

    /**
     * Exposes monotonic counts read at scrape time as one counter labelled {@code labelName}: one series per entry of
     * {@code byLabel}, its label value and its count.
     */
    public void counter(String name, String help, String labelName,
                        Map<String, DoubleSupplier> byLabel) {
        Map<String, DoubleSupplier> series = new LinkedHashMap<>(byLabel);
        CounterWithCallback.builder()
                .name(name).help(help).labelNames(labelName)
                .callback(callback -> series.forEach((label, value) -> callback.call(value.getAsDouble(), label)))
                .register(registry);
    }

    /** The registry every metric here is on, for families registered elsewhere (the DSP calls'). */
    public PrometheusRegistry registry() {
        return registry;
    }

    /**
     * Registers a counter labelled {@code labelNames} and returns it, for a component that resolves its label values
     * once (one series per DSP and kind, say) and counts with a single add afterwards.
     */
    public Counter labelledCounter(String name, String help, String... labelNames) {
        return Counter.builder().name(name).help(help).labelNames(labelNames).register(registry);
    }

    /** Writes every metric in the Prometheus text format. */
    public void writeTo(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }

    /** The content type of {@link #writeTo}. */
    public String contentType() {
        return writer.getContentType();
    }
}
