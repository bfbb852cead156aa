package dev.merlin.exchange.dashboard;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.CampaignConfig;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.CatalogSource;
import dev.merlin.exchange.auction.SpendLedger;
import dev.merlin.exchange.flows.DataFlowLedger;
import dev.merlin.exchange.flows.FlowAggregate;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.metrics.StageLatency;
import dev.merlin.protocol.JsonText;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the live dashboard plots: once a second, on a thread of its own (never an event loop), it folds the stage
 * timers ({@link StageLatency#sample()}), reads the metrics registry and the stores the page shows, and keeps the
 * last {@link #POINTS} seconds of each series; {@link #json()} renders them for {@code /dashboard/data}. The hot path
 * does nothing for it beyond the counters and stage timers it keeps anyway, so an open page costs the auctions
 * nothing: what a scrape of {@code /metrics} costs, once a second, on this thread.
 *
 * <p>Panels: bid requests per second by outcome; p50 and p99 per stage (µs); bids and no-bids per second by reason;
 * requests kept contextual by consent reason; spend today per campaign (the table adds the daily budget and the even
 * pacing target); events written and dropped; per DSP its mean latency, failures per second and breaker state; and
 * data flows to DSPs per second by user region. Rates are differences of counters over the time between samples.
 */
public final class DashboardSampler implements AutoCloseable {

    /** Seconds of history kept: five minutes. */
    public static final int POINTS = 300;

    private static final Logger LOG = LoggerFactory.getLogger(DashboardSampler.class);
    private static final int CAMPAIGNS_PLOTTED = 8;
    private static final long SECONDS_PER_DAY = 86_400L;
    private static final long CLOSE_SECONDS = 5;

    private final ExchangeMetrics metrics;
    private final CatalogSource catalog;
    private final SpendLedger spend;
    private final DataFlowLedger flows;
    private final LongSupplier epochSecondsClock;
    /** Per campaign id, its daily budget and (non-null) even pacing, as {@link #budgetsOf} has them. */
    private final Map<String, Double[]> budgets = new HashMap<>();
    /** The catalogue {@link #budgets} was read from: the admin API changes budgets and campaigns while it runs. */
    private CampaignCatalog budgetsOf;

    private final long[] times = new long[POINTS];
    /** Panel id → (series name → values, ring-aligned with {@link #times}; NaN for none). */
    private final Map<String, Map<String, double[]>> panels = new LinkedHashMap<>();
    private final Map<String, String[]> panelTitles = new LinkedHashMap<>();
    private final Map<String, Double> previous = new HashMap<>();
    private List<String> campaignRows = List.of();
    private int head;
    private int size;
    private long previousNanos;
    private long samples;
    private ScheduledExecutorService timer;

    /**
     * A sampler over {@code metrics} and the stores the page shows: {@code catalog} and {@code spend} for spend against
     * budgets, {@code flows} (null: none) for data flows by region; {@code epochSecondsClock} dates the points.
     */
    public DashboardSampler(ExchangeMetrics metrics, CatalogSource catalog, SpendLedger spend, DataFlowLedger flows,
                            LongSupplier epochSecondsClock) {
        this.metrics = metrics;
        this.catalog = catalog;
        this.spend = spend;
        this.flows = flows;
        this.epochSecondsClock = epochSecondsClock;
        panel("requests", "Bid requests per second by outcome", "/s");
        panel("stages_p50", "p50 per stage (µs)", "µs");
        panel("stages_p99", "p99 per stage (µs)", "µs");
        panel("bids", "Bids and no-bids per second by reason", "/s");
        panel("consent", "Requests kept contextual per second by reason", "/s");
        panel("spend", "Spend today per campaign", "");
        panel("events", "Events written and dropped per second", "/s");
        panel("dsp_latency", "DSP mean latency (ms)", "ms");
        panel("dsp_failures", "DSP failures per second by outcome (timeouts, errors, resets...)", "/s");
        panel("dsp_breaker", "DSP breaker (0 closed, 1 half-open, 2 open)", "");
        panel("flows", "Data flows to DSPs per second by user region", "/s");
    }

    private void panel(String id, String title, String unit) {
        panels.put(id, new LinkedHashMap<>());
        panelTitles.put(id, new String[] {title, unit});
    }

    /** Samples once a second on a daemon thread of its own until closed. */
    public DashboardSampler start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "merlin-dashboard");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleAtFixedRate(this::sampleQuietly, 1, 1, TimeUnit.SECONDS);
        return this;
    }

    private void sampleQuietly() {
        try {
            sample();
        } catch (RuntimeException e) {
            LOG.warn("the dashboard could not sample: {}", e.toString());
        }
    }

    /** Takes one sample now: the stage timers' last interval, the counters' rates, the stores' figures. */
    public synchronized void sample() {
        metrics.stages().sample();
        long nanos = System.nanoTime();
        double seconds = previousNanos == 0 ? 1.0 : Math.max(1e-3, (nanos - previousNanos) / 1e9);
        previousNanos = nanos;
        Map<String, Map<String, Double>> values = new LinkedHashMap<>();
        for (String id : panels.keySet()) {
            values.put(id, new LinkedHashMap<>());
        }
        MetricSnapshots snapshots = metrics.registry().scrape();
        for (MetricSnapshot snapshot : snapshots) {
            read(snapshot, seconds, values);
        }
        for (StageLatency.Stage stage : StageLatency.Stage.values()) {
            StageLatency.Summary summary = metrics.stages().lastSecond(stage);
            values.get("stages_p50").put(stage.label(), summary.count() == 0 ? Double.NaN : summary.p50Nanos() / 1e3);
            values.get("stages_p99").put(stage.label(), summary.count() == 0 ? Double.NaN : summary.p99Nanos() / 1e3);
        }
        readSpend(values.get("spend"));
        readFlows(values.get("flows"), seconds);
        push(epochSecondsClock.getAsLong(), values);
        samples++;
    }

    private void read(MetricSnapshot snapshot, double seconds, Map<String, Map<String, Double>> values) {
        String name = snapshot.getMetadata().getPrometheusName();
        for (DataPointSnapshot point : snapshot.getDataPoints()) {
            switch (name) {
                case "merlin_bid_requests" -> rate(values, "requests", label(point, "outcome"), name, point, seconds);
                case "merlin_bid_requests_rejected" -> rate(values, "requests", "rejected", name, point, seconds);
                case "merlin_bid_requests_unauthorized" ->
                        rate(values, "requests", "unauthorized", name, point, seconds);
                case "merlin_requests_shed" -> rate(values, "requests", "shed", name, point, seconds);
                case "merlin_bids" -> rate(values, "bids", "bids", name, point, seconds);
                case "merlin_no_bids" -> rate(values, "bids", "no_bid:" + label(point, "reason"), name, point,
                        seconds);
                case "merlin_bid_requests_contextual" -> rate(values, "consent", label(point, "reason"), name, point,
                        seconds);
                case "merlin_events_written" -> rate(values, "events", "written", name, point, seconds);
                case "merlin_events_dropped" -> rate(values, "events", "dropped:" + label(point, "reason"), name,
                        point, seconds);
                case "merlin_dsp_responses" -> {
                    String outcome = label(point, "outcome");
                    if (!"ok".equals(outcome) && !"no_bid".equals(outcome)) {
                        rate(values, "dsp_failures", label(point, "dsp") + ":" + outcome, name, point, seconds);
                    }
                }
                case "merlin_dsp_latency_seconds" -> meanLatency(values, point);
                case "merlin_dsp_breaker_state" -> values.get("dsp_breaker").put(label(point, "dsp"),
                        ((GaugeSnapshot.GaugeDataPointSnapshot) point).getValue());
                default -> {
                }
            }
        }
    }

    private static String label(DataPointSnapshot point, String name) {
        String value = point.getLabels().get(name);
        return value == null ? "all" : value;
    }

    /** Adds the counter's increase per second since the last sample to the panel's series. */
    private void rate(Map<String, Map<String, Double>> values, String panel, String series, String metric,
                      DataPointSnapshot point, double seconds) {
        double now = ((CounterSnapshot.CounterDataPointSnapshot) point).getValue();
        String key = metric + point.getLabels() + panel + series;
        // a counter seen for the first time counted from 0 (each starts at 0 when Merlin starts)
        Double before = previous.put(key, now);
        double perSecond = Math.max(0, now - (before == null ? 0 : before)) / seconds;
        values.get(panel).merge(series, perSecond, Double::sum);
    }

    private void meanLatency(Map<String, Map<String, Double>> values, DataPointSnapshot point) {
        HistogramSnapshot.HistogramDataPointSnapshot histogram = (HistogramSnapshot.HistogramDataPointSnapshot) point;
        String dsp = label(point, "dsp");
        Double sumBefore = previous.put("latency-sum-" + dsp, histogram.getSum());
        Double countBefore = previous.put("latency-count-" + dsp, (double) histogram.getCount());
        double calls = countBefore == null ? 0 : histogram.getCount() - countBefore;
        values.get("dsp_latency").put(dsp, calls <= 0 ? Double.NaN : (histogram.getSum() - sumBefore) / calls * 1e3);
    }

    /** Spend today (spent and committed) of the campaigns spending most; the rows for the page's table. */
    private void readSpend(Map<String, Double> series) {
        long now = epochSecondsClock.getAsLong();
        double dayFraction = Math.floorMod(now, SECONDS_PER_DAY) / (double) SECONDS_PER_DAY;
        List<Campaign> byToday = new ArrayList<>();
        CampaignCatalog campaigns = catalog.current();
        if (campaigns != budgetsOf) {
            readBudgets(campaigns);
        }
        for (int i = 0; i < campaigns.size(); i++) {
            byToday.add(campaigns.get(i));
        }
        byToday.sort((a, b) -> Long.compare(today(b), today(a)));
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < Math.min(CAMPAIGNS_PLOTTED, byToday.size()); i++) {
            Campaign campaign = byToday.get(i);
            long todayMicros = today(campaign);
            series.put(campaign.id(), todayMicros / 1e6);
            Double[] budget = budgets.get(campaign.id());
            Double daily = budget == null ? null : budget[0];
            boolean isEven = budget != null && budget[1] != null && daily != null;
            StringBuilder row = new StringBuilder(160).append("{\"campaign\":");
            JsonText.appendString(row, campaign.id());
            row.append(",\"spentToday\":").append(decimal(todayMicros / 1e6))
                    .append(",\"dailyBudget\":").append(daily == null ? "null" : decimal(daily))
                    .append(",\"pacing\":\"").append(isEven ? "even" : "asap").append('"')
                    .append(",\"paceTarget\":").append(isEven ? decimal(daily * dayFraction) : "null")
                    .append(",\"budgetUsed\":").append(daily == null || daily == 0 ? "null"
                            : decimal(todayMicros / 1e6 / daily))
                    .append('}');
            rows.add(row.toString());
        }
        campaignRows = rows;
    }

    private void readBudgets(CampaignCatalog campaigns) {
        budgets.clear();
        for (AdvertiserConfig advertiser : campaigns.advertisers()) {
            for (CampaignConfig campaign : advertiser.campaigns()) {
                budgets.put(campaign.id(), new Double[] {campaign.dailyBudget(),
                        "even".equals(campaign.pacing()) ? 1.0 : null});
            }
        }
        budgetsOf = campaigns;
    }

    private long today(Campaign campaign) {
        return spend.spentTodayMicros(campaign) + spend.committedTodayMicros(campaign);
    }

    /** Data flows to DSPs per second by user region, from the ledger's counts for today. */
    private void readFlows(Map<String, Double> series, double seconds) {
        if (flows == null) {
            return;
        }
        LocalDate today = LocalDate.ofEpochDay(Math.floorDiv(epochSecondsClock.getAsLong(), SECONDS_PER_DAY));
        Map<String, Double> totals = new HashMap<>();
        for (FlowAggregate.Row row : flows.rows(today, today, null)) {
            totals.merge(row.userRegion(), (double) row.count(), Double::sum);
        }
        for (Map.Entry<String, Double> total : totals.entrySet()) {
            Double before = previous.put("flows-" + today + "-" + total.getKey(), total.getValue());
            series.put(total.getKey(), before == null ? 0 : Math.max(0, total.getValue() - before) / seconds);
        }
    }

    private void push(long epochSeconds, Map<String, Map<String, Double>> values) {
        int slot = (head + size) % POINTS;
        if (size == POINTS) {
            head = (head + 1) % POINTS;
        } else {
            size++;
        }
        times[slot] = epochSeconds;
        for (Map.Entry<String, Map<String, double[]>> panel : panels.entrySet()) {
            Map<String, Double> now = values.get(panel.getKey());
            for (Map.Entry<String, Double> value : now.entrySet()) {
                panel.getValue().computeIfAbsent(value.getKey(), k -> filled(Double.NaN));
            }
            for (Map.Entry<String, double[]> series : panel.getValue().entrySet()) {
                Double value = now.get(series.getKey());
                series.getValue()[slot] = value == null ? Double.NaN : value;
            }
        }
    }

    private static double[] filled(double value) {
        double[] values = new double[POINTS];
        Arrays.fill(values, value);
        return values;
    }

    /** How many samples were taken. */
    public synchronized long samples() {
        return samples;
    }

    /**
     * The page's data: {@code t} (epoch seconds of the points, oldest first), {@code panels} (id, title, unit and each
     * series' values aligned with {@code t}, null for none), {@code campaigns} (spend against budget and pacing),
     * {@code totals} (running counts: bid requests accepted, bids, events written), {@code samples}.
     */
    public synchronized String json() {
        StringBuilder sb = new StringBuilder(8192 + size * 64);
        sb.append("{\"samples\":").append(samples).append(",\"t\":[");
        for (int i = 0; i < size; i++) {
            sb.append(i == 0 ? "" : ",").append(times[(head + i) % POINTS]);
        }
        sb.append("],\"panels\":[");
        boolean isFirstPanel = true;
        for (Map.Entry<String, Map<String, double[]>> panel : panels.entrySet()) {
            String[] title = panelTitles.get(panel.getKey());
            sb.append(isFirstPanel ? "" : ",").append("{\"id\":\"").append(panel.getKey()).append("\",\"title\":");
            JsonText.appendString(sb, title[0]);
            sb.append(",\"unit\":");
            JsonText.appendString(sb, title[1]);
            sb.append(",\"series\":{");
            boolean isFirstSeries = true;
            for (Map.Entry<String, double[]> series : panel.getValue().entrySet()) {
                sb.append(isFirstSeries ? "" : ",");
                JsonText.appendString(sb, series.getKey());
                sb.append(":[");
                for (int i = 0; i < size; i++) {
                    sb.append(i == 0 ? "" : ",").append(decimal(series.getValue()[(head + i) % POINTS]));
                }
                sb.append(']');
                isFirstSeries = false;
            }
            sb.append("}}");
            isFirstPanel = false;
        }
        sb.append("],\"campaigns\":[").append(String.join(",", campaignRows)).append("],\"totals\":{")
                .append("\"bidRequests\":").append(metrics.bidRequestsAccepted())
                .append(",\"bids\":").append(metrics.bids())
                .append(",\"stageSamples\":").append(metrics.stages().totalCount(StageLatency.Stage.DECODE))
                .append("}}");
        return sb.toString();
    }

    /** A value with at most 3 decimals, {@code null} when there is none; cheap enough for 10,000 values a second. */
    private static String decimal(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "null";
        }
        double rounded = Math.round(value * 1000) / 1000.0;
        long whole = (long) rounded;
        return rounded == whole ? Long.toString(whole) : Double.toString(rounded);
    }

    @Override
    public void close() {
        if (timer == null) {
            return;
        }
        timer.shutdownNow();
        try {
            if (!timer.awaitTermination(CLOSE_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("the dashboard's sample did not end within {} s", CLOSE_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
