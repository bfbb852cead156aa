package dev.merlin.exchange.dsp;

import dev.merlin.config.DspConfig;
import dev.merlin.config.DspHealthConfig;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One DSP's health, shared by every event loop that calls it: whether the next auction calls it ({@link #admit}),
 * learned from how its calls ended ({@link #record}).
 *
 * <ul>
 *   <li>A circuit breaker: it opens after {@code breakerFailures} consecutive failures, or when over
 *       {@code breakerErrorRate} of the calls in the window failed once {@code breakerMinRequests} were seen; after
 *       {@code breakerOpenMs} it lets one probe call through at a time (half-open); a success closes it, a failure
 *       opens it again.</li>
 *   <li>Throttling as Prebid Server Go: a health average {@code h} with weight {@code 1/healthWindow} per call
 *       (1 for a failure, 0 for a success); below 0.2 every call goes, above it a call is dropped with probability
 *       {@code (h-0.2)/0.8*0.9}, so at least one in ten always goes.</li>
 *   <li>A requests-per-second cap over the node ({@code maxQps}, 0: none): a token bucket holding one second of
 *       calls, kept as one atomic "theoretical arrival time" (GCRA), so taking a token is one compare-and-set.</li>
 *   <li>Its response times: an HdrHistogram {@link Recorder} (wait-free for the loops that record), rotated into
 *       slices that make up the last {@code latencyWindowSeconds}; the p95 over them is computed at each rotation
 *       (once per slice, by whichever thread passes the boundary first), so {@link #admit} reads one volatile.</li>
 * </ul>
 *
 * <p>Why shared atomics rather than per-loop state merged: every decision needs the DSP's whole picture (a breaker
 * that opens on one loop's failures must stop the others), the writes are a handful of uncontended-in-practice
 * atomics per call (a node has a few event loops), and the only costly work, the percentile, happens once per slice.
 */
public final class DspHealth {

    /** The circuit breaker's state; its ordinal is the metric value (0 closed, 1 half-open, 2 open). */
    public enum BreakerState { CLOSED, HALF_OPEN, OPEN }

    /** Fewer response times than this in the window say nothing: the DSP is not skipped as too slow. */
    static final int MIN_LATENCY_SAMPLES = 20;
    /**
     * The share of auctions that still call a DSP whose recent p95 exceeds the time left: without them its latency
     * window would never see it recover.
     */
    static final double SLOW_PROBE_SHARE = 0.05;
    private static final long HIGHEST_MICROS = TimeUnit.MINUTES.toMicros(1);
    private static final int MAX_SLICES = 10;
    private static final double THROTTLE_FROM = 0.2;
    private static final double THROTTLE_MAX_DROP = 0.9;

    private final int breakerFailures;
    private final double breakerErrorRate;
    private final int breakerMinRequests;
    private final long breakerOpenNanos;
    private final double healthWeight;
    private final long windowNanos;
    private final long sliceNanos;
    private final long qpsIntervalNanos;
    private final long qpsBurstNanos;
    private final LongSupplier nanoClock;
    private final DoubleSupplier random;

    private final AtomicInteger state = new AtomicInteger(BreakerState.CLOSED.ordinal());
    private final AtomicBoolean isProbing = new AtomicBoolean();
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private volatile long openedAtNanos;
    private final AtomicInteger windowCalls = new AtomicInteger();
    private final AtomicInteger windowFailures = new AtomicInteger();
    private final AtomicLong countsWindowEndNanos;

    /** The health average h, as the bits of a double. */
    private final AtomicLong healthBits = new AtomicLong(Double.doubleToRawLongBits(0.0));
    /** The token bucket's theoretical arrival time (GCRA): a call is allowed while it is at most a second ahead. */
    private final AtomicLong qpsArrivalNanos;

    private final Recorder recorder = new Recorder(HIGHEST_MICROS, 2);
    private final Histogram[] slices;
    private final Histogram window = new Histogram(HIGHEST_MICROS, 2);
    private Histogram interval;
    private int sliceIndex;
    private final AtomicLong nextRotationNanos;
    private volatile long p95Micros;

    private final LongAdder[] skips = new LongAdder[Admission.values().length];

    /**
     * A DSP's health with the given settings.
     *
     * @param config    breaker, throttle and latency window
     * @param maxQps    calls per second at most over the node; 0: no cap
     * @param nanoClock the clock {@link #record} reads ({@code System::nanoTime}; tests advance their own)
     * @param random    uniform doubles in [0, 1) for throttling (tests inject a seeded source)
     */
    public DspHealth(DspHealthConfig config, int maxQps, LongSupplier nanoClock, DoubleSupplier random) {
        this.breakerFailures = config.breakerFailures();
        this.breakerErrorRate = config.breakerErrorRate();
        this.breakerMinRequests = config.breakerMinRequests();
        this.breakerOpenNanos = TimeUnit.MILLISECONDS.toNanos(config.breakerOpenMs());
        this.healthWeight = 1.0 / config.healthWindow();
        this.windowNanos = TimeUnit.SECONDS.toNanos(config.latencyWindowSeconds());
        int sliceCount = Math.min(config.latencyWindowSeconds(), MAX_SLICES);
        this.sliceNanos = windowNanos / sliceCount;
        this.qpsIntervalNanos = maxQps > 0 ? TimeUnit.SECONDS.toNanos(1) / maxQps : 0;
        this.qpsBurstNanos = TimeUnit.SECONDS.toNanos(1);
        this.nanoClock = nanoClock;
        this.random = random;
        long now = nanoClock.getAsLong();
        this.countsWindowEndNanos = new AtomicLong(now + windowNanos);
        this.nextRotationNanos = new AtomicLong(now + sliceNanos);
        this.qpsArrivalNanos = new AtomicLong(now - qpsBurstNanos);
        this.slices = new Histogram[sliceCount];
        for (int i = 0; i < sliceCount; i++) {
            slices[i] = new Histogram(HIGHEST_MICROS, 2);
        }
        for (int i = 0; i < skips.length; i++) {
            skips[i] = new LongAdder();
        }
    }

    /** A DSP's health from its configuration, on the system clock and a thread-local random source. */
    public static DspHealth of(DspConfig dsp) {
        return new DspHealth(dsp.health(), dsp.maxQps(), System::nanoTime,
                () -> ThreadLocalRandom.current().nextDouble());
    }

    /**
     * Whether to call the DSP now, with {@code remainingMicros} of the auction's budget left: {@link Admission#SEND}
     * or the reason it is skipped (counted). A {@code SEND} in the half-open state is the one probe: the call's
     * {@link #record} must follow.
     */
    public Admission admit(long nowNanos, long remainingMicros) {
        maybeRotate(nowNanos);
        int current = state.get();
        if (current == BreakerState.OPEN.ordinal()) {
            if (nowNanos - openedAtNanos < breakerOpenNanos) {
                return skip(Admission.BREAKER_OPEN);
            }
            state.compareAndSet(current, BreakerState.HALF_OPEN.ordinal());
            current = BreakerState.HALF_OPEN.ordinal();
        }
        long p95 = p95Micros;
        if (p95 > 0 && p95 > remainingMicros && random.getAsDouble() >= SLOW_PROBE_SHARE) {
            // a few calls still go, so that the window learns when the DSP is fast again
            return skip(Admission.TOO_SLOW);
        }
        double h = health();
        if (h >= THROTTLE_FROM
                && random.getAsDouble() < (h - THROTTLE_FROM) / (1 - THROTTLE_FROM) * THROTTLE_MAX_DROP) {
            return skip(Admission.THROTTLED);
        }
        boolean isProbe = current == BreakerState.HALF_OPEN.ordinal();
        if (isProbe && !isProbing.compareAndSet(false, true)) {
            return skip(Admission.BREAKER_OPEN);
        }
        if (!takeToken(nowNanos)) {
            if (isProbe) {
                isProbing.set(false);
            }
            return skip(Admission.QPS_CAPPED);
        }
        return Admission.SEND;
    }

    /**
     * How one call ended, after {@link #admit} let it go: updates the breaker, the health average and, for an answer
     * or a timeout, the response times ({@code latencyNanos} from send to end).
     */
    public void record(DspOutcome outcome, long latencyNanos) {
        long now = nanoClock.getAsLong();
        maybeRotate(now);
        if (outcome.isAnswer() || outcome == DspOutcome.TIMEOUT) {
            recorder.recordValue(Math.max(1, Math.min(HIGHEST_MICROS, TimeUnit.NANOSECONDS.toMicros(latencyNanos))));
        }
        if (outcome.isSuccess()) {
            succeeded();
        } else if (outcome.isFailure()) {
            failed(now);
        } else if (state.get() == BreakerState.HALF_OPEN.ordinal()) {
            isProbing.set(false);
        }
    }

    private void succeeded() {
        updateHealth(0.0);
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
        windowCalls.incrementAndGet();
        if (state.get() == BreakerState.HALF_OPEN.ordinal()
                && state.compareAndSet(BreakerState.HALF_OPEN.ordinal(), BreakerState.CLOSED.ordinal())) {
            windowCalls.set(0);
            windowFailures.set(0);
            isProbing.set(false);
        }
    }

    private void failed(long now) {
        updateHealth(1.0);
        int consecutive = consecutiveFailures.incrementAndGet();
        int calls = windowCalls.incrementAndGet();
        int failures = windowFailures.incrementAndGet();
        int current = state.get();
        if (current == BreakerState.HALF_OPEN.ordinal()) {
            open(current, now);
        } else if (current == BreakerState.CLOSED.ordinal() && (consecutive >= breakerFailures
                || calls >= breakerMinRequests && failures > breakerErrorRate * calls)) {
            open(current, now);
        }
    }

    private void open(int from, long now) {
        if (state.compareAndSet(from, BreakerState.OPEN.ordinal())) {
            openedAtNanos = now;
            consecutiveFailures.set(0);
            windowCalls.set(0);
            windowFailures.set(0);
            isProbing.set(false);
        }
    }

    private void updateHealth(double sample) {
        long bits;
        long next;
        do {
            bits = healthBits.get();
            double h = Double.longBitsToDouble(bits);
            next = Double.doubleToRawLongBits(h + healthWeight * (sample - h));
        } while (!healthBits.compareAndSet(bits, next));
    }

    private boolean takeToken(long nowNanos) {
        if (qpsIntervalNanos == 0) {
            return true;
        }
        while (true) {
            long arrival = qpsArrivalNanos.get();
            long next = Math.max(arrival, nowNanos - qpsBurstNanos) + qpsIntervalNanos;
            if (next - nowNanos > 0) {
                return false;
            }
            if (qpsArrivalNanos.compareAndSet(arrival, next)) {
                return true;
            }
        }
    }

    private Admission skip(Admission reason) {
        skips[reason.ordinal()].increment();
        return reason;
    }

    private void maybeRotate(long nowNanos) {
        long next = nextRotationNanos.get();
        if (nowNanos - next < 0) {
            return;
        }
        long passed = 1 + (nowNanos - next) / sliceNanos;
        if (!nextRotationNanos.compareAndSet(next, next + passed * sliceNanos)) {
            return;
        }
        rotate((int) Math.min(passed, slices.length));
        long countsEnd = countsWindowEndNanos.get();
        if (nowNanos - countsEnd >= 0 && countsWindowEndNanos.compareAndSet(countsEnd, nowNanos + windowNanos)) {
            windowCalls.set(0);
            windowFailures.set(0);
        }
    }

    /** Moves the recorder's interval into the next slice (and clears any slices skipped), then recomputes the p95. */
    private synchronized void rotate(int slicesPassed) {
        interval = recorder.getIntervalHistogram(interval);
        for (int i = 0; i < slicesPassed; i++) {
            sliceIndex = (sliceIndex + 1) % slices.length;
            slices[sliceIndex].reset();
        }
        slices[sliceIndex].add(interval);
        window.reset();
        for (Histogram slice : slices) {
            window.add(slice);
        }
        p95Micros = window.getTotalCount() >= MIN_LATENCY_SAMPLES ? window.getValueAtPercentile(95) : 0;
    }

    /** The p95 response time over the window as of the last rotation, in microseconds; 0 while too few calls. */
    public long recentP95Micros() {
        return p95Micros;
    }

    /** The circuit breaker's state (an open breaker whose time is up reads open until the next admit). */
    public BreakerState breakerState() {
        return BreakerState.values()[state.get()];
    }

    /** The health average h in [0, 1]: 0 healthy, 1 every recent call failed. */
    public double health() {
        return Double.longBitsToDouble(healthBits.get());
    }

    /** Calls skipped so far for {@code reason}. */
    public long skipped(Admission reason) {
        return skips[reason.ordinal()].sum();
    }
}
