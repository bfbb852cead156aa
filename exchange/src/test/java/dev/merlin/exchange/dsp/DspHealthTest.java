package dev.merlin.exchange.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.DspHealthConfig;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The breaker, throttle, QPS cap and latency skip of {@link DspHealth}, on an injected clock and random source. */
class DspHealthTest {

    private static final long START = 1_000_000_000L;
    private static final long PLENTY_MICROS = TimeUnit.SECONDS.toMicros(10);

    private long now = START;
    private final SplittableRandom random = new SplittableRandom(42);

    private DspHealth health(int failures, double errorRate, int minRequests, int healthWindow, int maxQps) {
        DspHealthConfig config = new DspHealthConfig(failures, errorRate, minRequests, 1000, healthWindow, 10);
        return new DspHealth(config, maxQps, () -> now, random::nextDouble);
    }

    private void advanceMillis(long millis) {
        now += TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void breakerOpensAfterConsecutiveFailures() {
        DspHealth health = health(5, 1.0, 1_000_000, 1000, 0);
        for (int i = 0; i < 4; i++) {
            health.record(DspOutcome.TIMEOUT, 1);
        }
        assertEquals(Admission.SEND, health.admit(now, PLENTY_MICROS));
        health.record(DspOutcome.OK, 1);
        for (int i = 0; i < 4; i++) {
            health.record(DspOutcome.CONNECT_FAILED, 1);
        }
        assertEquals(DspHealth.BreakerState.CLOSED, health.breakerState(), "a success resets the run of failures");
        health.record(DspOutcome.SERVER_ERROR, 1);
        assertEquals(DspHealth.BreakerState.OPEN, health.breakerState());
        assertEquals(Admission.BREAKER_OPEN, health.admit(now, PLENTY_MICROS));
        assertEquals(1, health.skipped(Admission.BREAKER_OPEN));
    }

    @Test
    void notFailuresDoNotOpenTheBreaker() {
        DspHealth health = health(3, 1.0, 1_000_000, 1000, 0);
        for (int i = 0; i < 10; i++) {
            health.record(DspOutcome.HTTP_ERROR, 1);
            health.record(DspOutcome.REFUSED_IN_FLIGHT, 0);
            health.record(DspOutcome.NO_BID, 1);
        }
        assertEquals(DspHealth.BreakerState.CLOSED, health.breakerState());
        assertEquals(0.0, health.health(), "a 4xx, a refusal and a no-bid are not failures");
    }

    @Test
    void halfOpenLetsOneProbeThroughAndASuccessClosesIt() {
        DspHealth health = openedBreaker();
        advanceMillis(999);
        assertEquals(Admission.BREAKER_OPEN, health.admit(now, PLENTY_MICROS));
        advanceMillis(1);
        assertEquals(Admission.SEND, health.admit(now, PLENTY_MICROS), "the probe");
        assertEquals(DspHealth.BreakerState.HALF_OPEN, health.breakerState());
        assertEquals(Admission.BREAKER_OPEN, health.admit(now, PLENTY_MICROS), "one probe at a time");
        assertEquals(Admission.BREAKER_OPEN, health.admit(now, PLENTY_MICROS));
        health.record(DspOutcome.NO_BID, TimeUnit.MILLISECONDS.toNanos(5));
        assertEquals(DspHealth.BreakerState.CLOSED, health.breakerState());
        assertEquals(Admission.SEND, health.admit(now, PLENTY_MICROS));
        assertEquals(Admission.SEND, health.admit(now, PLENTY_MICROS));
    }

    @Test
    void aFailedProbeOpensTheBreakerAgain() {
        DspHealth health = openedBreaker();
        advanceMillis(1000);
        assertEquals(Admission.SEND, health.admit(now, PLENTY_MICROS));
        health.record(DspOutcome.TIMEOUT, TimeUnit.MILLISECONDS.toNanos(100));
        assertEquals(DspHealth.BreakerState.OPEN, health.breakerState());
        advanceMillis(999);
        assertEquals(Admission.BREAKER_OPEN, health.admit(now, PLENTY_MICROS), "open for breakerOpenMs again");
        advanceMillis(1);
        assertEquals(Admission.SEND, health.admit(now, PLENTY_MICROS));
    }

    @Test
    void aProbeThatWasNotSentFreesTheProbeSlot() {
        DspHealth health = openedBreaker();
        advanceMillis(1000);
        assertEquals(Admission.SEND, health.admit(now, PLENTY_MICROS));
        health.record(DspOutcome.REFUSED_IN_FLIGHT, 0);
        assertEquals(DspHealth.BreakerState.HALF_OPEN, health.breakerState());
        assertEquals(Admission.SEND, health.admit(now, PLENTY_MICROS), "the next probe");
    }

    @Test
    void anErrorRateOverTheThresholdOpensOnceEnoughCallsWereSeen() {
        DspHealth health = health(1_000, 0.5, 10, 1000, 0);
        for (int i = 0; i < 3; i++) {
            health.record(DspOutcome.TIMEOUT, 1);
            health.record(DspOutcome.RESET, 1);
            health.record(DspOutcome.OK, 1);
        }
        assertEquals(DspHealth.BreakerState.CLOSED, health.breakerState(), "6 of 9 failed, but 9 < 10 calls");
        health.record(DspOutcome.BAD_RESPONSE, 1);
        assertEquals(DspHealth.BreakerState.OPEN, health.breakerState(), "7 of 10 failed");
    }

    @Test
    void anErrorRateUnderTheThresholdKeepsItClosed() {
        DspHealth health = health(1_000, 0.5, 10, 1000, 0);
        for (int i = 0; i < 100; i++) {
            health.record(DspOutcome.OK, 1);
            health.record(DspOutcome.TIMEOUT, 1);
        }
        assertEquals(DspHealth.BreakerState.CLOSED, health.breakerState(), "half failed is not over half");
    }

    @Test
    void theErrorRateCountsOnlyTheWindow() {
        DspHealth health = health(1_000, 0.5, 10, 1000, 0);
        for (int i = 0; i < 3; i++) {
            health.record(DspOutcome.TIMEOUT, 1);
            health.record(DspOutcome.RESET, 1);
            health.record(DspOutcome.OK, 1);
        }
        advanceMillis(10_001);
        assertEquals(Admission.SEND, health.admit(now, PLENTY_MICROS));
        health.record(DspOutcome.TIMEOUT, 1);
        assertEquals(DspHealth.BreakerState.CLOSED, health.breakerState(), "the 9 earlier calls left the window");
    }

    @Test
    void theHealthAverageWeighsEachCallOneOverTheWindow() {
        DspHealth health = health(1_000_000, 1.0, 1_000_000, 10, 0);
        health.record(DspOutcome.TIMEOUT, 1);
        assertEquals(0.1, health.health(), 1e-12);
        health.record(DspOutcome.OK, 1);
        assertEquals(0.09, health.health(), 1e-12);
    }

    @Test
    void aHealthyDspIsNeverThrottled() {
        DspHealth health = health(1_000_000, 1.0, 1_000_000, 10, 0);
        health.record(DspOutcome.TIMEOUT, 1);
        for (int i = 0; i < 10_000; i++) {
            assertEquals(Admission.SEND, health.admit(now, PLENTY_MICROS), "h = 0.1 < 0.2");
        }
    }

    @Test
    void throttlingNeverDropsEverything() {
        DspHealth health = health(1_000_000, 1.0, 1_000_000, 10, 0);
        for (int i = 0; i < 500; i++) {
            health.record(DspOutcome.TIMEOUT, 1);
        }
        assertTrue(health.health() > 0.999, "h = " + health.health());
        int sent = 0;
        for (int i = 0; i < 10_000; i++) {
            if (health.admit(now, PLENTY_MICROS) == Admission.SEND) {
                sent++;
            }
        }
        // drop probability (h-0.2)/0.8*0.9 ~ 0.9: about 1,000 of 10,000 go, as recovery probes
        assertTrue(sent >= 850 && sent <= 1150, "sent " + sent);
        assertEquals(10_000 - sent, health.skipped(Admission.THROTTLED));
    }

    @Test
    void theTokenBucketCapsCallsPerSecond() {
        DspHealth health = health(1_000_000, 1.0, 1_000_000, 1000, 100);
        assertEquals(100, admitted(health, 1000), "one second's worth at once");
        assertEquals(900, health.skipped(Admission.QPS_CAPPED));
        advanceMillis(500);
        assertEquals(50, admitted(health, 1000), "half a second refills half");
        advanceMillis(10);
        assertEquals(1, admitted(health, 1000));
        advanceMillis(60_000);
        assertEquals(100, admitted(health, 1000), "an idle minute holds one second's worth, no more");
        for (int second = 0; second < 5; second++) {
            advanceMillis(1000);
            assertEquals(100, admitted(health, 1000));
        }
    }

    @Test
    void noCapWhenMaxQpsIsZero() {
        DspHealth health = health(1_000_000, 1.0, 1_000_000, 1000, 0);
        assertEquals(100_000, admitted(health, 100_000));
    }

    @Test
    void aDspSlowerThanTheRemainingBudgetIsSkipped() {
        DspHealth health = health(1_000_000, 1.0, 1_000_000, 1000, 0);
        for (int i = 0; i < DspHealth.MIN_LATENCY_SAMPLES - 1; i++) {
            health.record(DspOutcome.OK, TimeUnit.MILLISECONDS.toNanos(50));
        }
        advanceMillis(1000);
        assertEquals(Admission.SEND, health.admit(now, 10_000), "too few samples say nothing");
        assertEquals(0, health.recentP95Micros());
        for (int i = 0; i < 100; i++) {
            health.record(DspOutcome.OK, TimeUnit.MILLISECONDS.toNanos(i < 90 ? 5 : 50));
        }
        advanceMillis(1000);
        assertEquals(Admission.SEND, health.admit(now, 60_000));
        long p95 = health.recentP95Micros();
        assertTrue(p95 >= 50_000 && p95 <= 50_500, "p95 " + p95);
        assertEquals(Admission.TOO_SLOW, health.admit(now, 40_000));
        assertEquals(1, health.skipped(Admission.TOO_SLOW));
        advanceMillis(10_000);
        assertEquals(Admission.SEND, health.admit(now, 40_000), "the slow calls left the window");
        assertEquals(0, health.recentP95Micros());
    }

    /** A DSP skipped as too slow still gets a few calls, so its window sees it recover; never all, never none. */
    @Test
    void aTooSlowDspStillGetsAFewProbeCalls() {
        DspHealth health = health(1_000_000, 1.0, 1_000_000, 1000, 0);
        for (int i = 0; i < 100; i++) {
            health.record(DspOutcome.OK, TimeUnit.MILLISECONDS.toNanos(50));
        }
        advanceMillis(1000);
        int sent = 0;
        for (int i = 0; i < 10_000; i++) {
            if (health.admit(now, 40_000) == Admission.SEND) {
                sent++;
            }
        }
        assertTrue(sent >= 350 && sent <= 650, "about 5% probe calls, was " + sent);
        assertEquals(10_000 - sent, health.skipped(Admission.TOO_SLOW));
    }

    @Test
    void timeoutsCountAsSlow() {
        DspHealth health = health(1_000_000, 1.0, 1_000_000, 1000, 0);
        for (int i = 0; i < 100; i++) {
            health.record(DspOutcome.TIMEOUT, TimeUnit.MILLISECONDS.toNanos(200));
        }
        advanceMillis(1000);
        assertEquals(Admission.TOO_SLOW, health.admit(now, 150_000));
    }

    private int admitted(DspHealth health, int attempts) {
        int sent = 0;
        for (int i = 0; i < attempts; i++) {
            if (health.admit(now, PLENTY_MICROS) == Admission.SEND) {
                sent++;
            }
        }
        return sent;
    }

    private DspHealth openedBreaker() {
        DspHealth health = health(3, 1.0, 1_000_000, 1000, 0);
        for (int i = 0; i < 3; i++) {
            health.record(DspOutcome.TIMEOUT, TimeUnit.MILLISECONDS.toNanos(100));
        }
        assertEquals(DspHealth.BreakerState.OPEN, health.breakerState());
        return health;
    }
}
