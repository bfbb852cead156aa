package dev.merlin.exchange.metrics;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * How long each stage of a bid request takes, in HdrHistograms: every thread that records (the event loops, and
 * the DSP client's) writes into recorders of its own ({@link SingleWriterRecorder}: wait-free, allocation-free, no
 * contention between loops), and {@link #sample()}, once a second on the dashboard's sampler thread, folds them into
 * the last second's histogram per stage (for the dashboard's p50 and p99) and the running total (exported to
 * Prometheus as {@code merlin_stage_seconds}, a classic histogram labelled {@code stage}).
 *
 * <p>The stages: {@code decode} (body to model), {@code privacy} (the consent gate and the rollout's arm),
 * {@code segments} (the user's segments), {@code auction} (Merlin's own auction work, without the DSP wait),
 * {@code dsp_wait} (waiting for DSPs' answers, when any was called), {@code record} (the auction event, the
 * commitments and wins kept before the answer), {@code encode} (the answer's bytes) and {@code write} (the event
 * loop flushing answers to the socket: one sample per flush, which may carry several pipelined answers).
 */
public final class StageLatency implements Collector {

    /** A stage of one bid request. */
    public enum Stage {
        DECODE, PRIVACY, SEGMENTS, AUCTION, DSP_WAIT, RECORD, ENCODE, WRITE;

        private final String label = name().toLowerCase(Locale.ROOT);

        /** The lower-case label: {@code decode}, {@code dsp_wait}, ... */
        public String label() {
            return label;
        }
    }

    /** The metric's name. */
    public static final String NAME = "merlin_stage_seconds";

    private static final Stage[] STAGES = Stage.values();
    /** The longest time kept exactly enough: 60 s; longer ones count as 60 s. */
    private static final long HIGHEST_NANOS = 60_000_000_000L;
    private static final int DIGITS = 2;
    /** Prometheus bucket bounds, seconds: 1 µs to 1 s. */
    private static final double[] BOUNDS_SECONDS = {
        1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5, 1.0,
        Double.POSITIVE_INFINITY};

    /** One thread's recorders, one per stage. */
    public static final class Writer {
        private final SingleWriterRecorder[] recorders = new SingleWriterRecorder[STAGES.length];
        private final Histogram[] spare = new Histogram[STAGES.length];

        private Writer() {
            for (int i = 0; i < recorders.length; i++) {
                recorders[i] = new SingleWriterRecorder(HIGHEST_NANOS, DIGITS);
            }
        }

        /** Records that {@code stage} took {@code nanos} on this writer's thread. Wait-free, allocation-free. */
        public void record(Stage stage, long nanos) {
            recorders[stage.ordinal()].recordValue(Math.max(0, Math.min(nanos, HIGHEST_NANOS)));
        }
    }

    /** One stage's last second, as {@link #sample()} left it. */
    public record Summary(long count, long p50Nanos, long p99Nanos, long maxNanos) {
    }

    private final ThreadLocal<Writer> writers = ThreadLocal.withInitial(this::newWriter);
    private final List<Writer> all = new CopyOnWriteArrayList<>();
    private final Histogram[] lastSecond = new Histogram[STAGES.length];
    private final Histogram[] total = new Histogram[STAGES.length];
    private final Summary[] summaries = new Summary[STAGES.length];

    /** Stage times for every thread that records them; nothing sampled yet. */
    public StageLatency() {
        for (int i = 0; i < STAGES.length; i++) {
            lastSecond[i] = new Histogram(HIGHEST_NANOS, DIGITS);
            total[i] = new Histogram(HIGHEST_NANOS, DIGITS);
            summaries[i] = new Summary(0, 0, 0, 0);
        }
    }

    /** The calling thread's writer: look it up once and keep it (a per-thread pool does), then record freely. */
    public Writer forThisThread() {
        return writers.get();
    }

    private Writer newWriter() {
        Writer writer = new Writer();
        all.add(writer);
        return writer;
    }

    /**
     * Folds what every thread recorded since the last call into the last second's histograms and the totals;
     * called once a second by one thread (the dashboard's sampler), never on an event loop.
     */
    public synchronized void sample() {
        for (int s = 0; s < STAGES.length; s++) {
            Histogram second = lastSecond[s];
            second.reset();
            for (Writer writer : all) {
                writer.spare[s] = writer.recorders[s].getIntervalHistogram(writer.spare[s]);
                second.add(writer.spare[s]);
            }
            total[s].add(second);
            long count = second.getTotalCount();
            summaries[s] = new Summary(count, count == 0 ? 0 : second.getValueAtPercentile(50),
                    count == 0 ? 0 : second.getValueAtPercentile(99), count == 0 ? 0 : second.getMaxValue());
        }
    }

    /** {@code stage}'s last sampled second. */
    public synchronized Summary lastSecond(Stage stage) {
        return summaries[stage.ordinal()];
    }

    /** How many times {@code stage} was sampled in all. */
    public synchronized long totalCount(Stage stage) {
        return total[stage.ordinal()].getTotalCount();
    }

    @Override
    public String getPrometheusName() {
        return NAME;
    }

    /** The running totals as a classic histogram per stage, in seconds; at a scrape, off the event loops. */
    @Override
    public synchronized MetricSnapshot collect() {
        HistogramSnapshot.Builder snapshot = HistogramSnapshot.builder().name(NAME)
                .help("Time per stage of a bid request (decode, privacy, segments, auction, dsp_wait, record, encode;"
                        + " write: per flush of answers to the socket), sampled into HdrHistograms every second");
        for (int s = 0; s < STAGES.length; s++) {
            Histogram histogram = total[s];
            long[] counts = new long[BOUNDS_SECONDS.length];
            long below = 0;
            for (int b = 0; b < BOUNDS_SECONDS.length - 1; b++) {
                long upTo = histogram.getCountBetweenValues(0, (long) (BOUNDS_SECONDS[b] * 1e9));
                counts[b] = upTo - below;
                below = upTo;
            }
            counts[counts.length - 1] = histogram.getTotalCount() - below;
            double sumSeconds = histogram.getMean() * histogram.getTotalCount() / 1e9;
            snapshot.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                    .labels(Labels.of("stage", STAGES[s].label()))
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS_SECONDS, counts))
                    .sum(sumSeconds)
                    .build());
        }
        return snapshot.build();
    }
}
