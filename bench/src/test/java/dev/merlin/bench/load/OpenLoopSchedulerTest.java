package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.Test;

/**
 * The open-loop schedule on a simulated clock: a discrete-event loop plays a server with a fixed service time and an
 * optional stall, so no sockets, sleeps or wall clock are involved.
 */
class OpenLoopSchedulerTest {

    private static final long MS = 1_000_000L;

    /** A simulated server per connection: one request at a time, answered after the service time. */
    private static final class SimulatedRun {
        final long serviceNanos;
        final long stallFromNanos;
        final long stallToNanos;
        final long[] answerAt;
        final List<long[]> sends = new ArrayList<>();
        final Recorder recorder = new Recorder(3);
        final OpenLoopScheduler scheduler;
        long now;

        SimulatedRun(int connections, double rate, long requests, long warmupRequests, long serviceNanos,
                     long stallFromNanos, long stallToNanos, int maxQueued) {
            this.serviceNanos = serviceNanos;
            this.stallFromNanos = stallFromNanos;
            this.stallToNanos = stallToNanos;
            this.answerAt = new long[connections];
            Arrays.fill(answerAt, Long.MAX_VALUE);
            this.scheduler = new OpenLoopScheduler(connections, rate, 0, requests, warmupRequests, maxQueued,
                    recorder, this::send);
        }

        private void send(int connection, long request) {
            assertEquals(Long.MAX_VALUE, answerAt[connection], "pipelining: a second request on a busy connection");
            sends.add(new long[] {connection, request, now});
            long done = now + serviceNanos;
            // the server stalls: nothing it would finish inside the stall is answered before the stall ends
            answerAt[connection] = done >= stallFromNanos && done < stallToNanos ? stallToNanos : done;
        }

        Histogram run() {
            long nextSend = scheduler.sendDue(now);
            while (!scheduler.isDone()) {
                int connection = 0;
                for (int c = 1; c < answerAt.length; c++) {
                    if (answerAt[c] < answerAt[connection]) {
                        connection = c;
                    }
                }
                long nextAnswer = answerAt[connection];
                if (nextAnswer == Long.MAX_VALUE && nextSend == Long.MAX_VALUE) {
                    throw new AssertionError("stuck: nothing in flight and nothing left to send");
                }
                if (nextAnswer <= nextSend) {
                    now = nextAnswer;
                    answerAt[connection] = Long.MAX_VALUE;
                    scheduler.onResponse(connection, 204, now);
                } else {
                    now = nextSend;
                    nextSend = scheduler.sendDue(now);
                }
            }
            return recorder.getIntervalHistogram();
        }
    }

    @Test
    void steadyServerRecordsItsServiceTime() {
        SimulatedRun run = new SimulatedRun(1, 1000, 1000, 0, 200_000, Long.MAX_VALUE, Long.MAX_VALUE, 10_000);
        Histogram latency = run.run();
        assertEquals(1000, latency.getTotalCount());
        assertEquals(0.2, latency.getMaxValue() / 1e6, 0.001);
        assertEquals(Map.of(204, 1000L), run.scheduler.statusCounts());
        // every request left exactly at its intended time: 1 ms apart
        assertEquals(999 * MS, run.sends.get(999)[2]);
    }

    /**
     * A 100 ms stall must show in the percentiles, not just in one sample: the requests due during the stall wait
     * behind it, and their latency counts from when they were due. Measured from the actual send time (coordinated
     * omission), only the one request on the wire would see the stall.
     */
    @Test
    void serverStallOf100msShowsUpInThePercentiles() {
        SimulatedRun run = new SimulatedRun(1, 1000, 1000, 0, 200_000, 300 * MS, 400 * MS, 10_000);
        Histogram latency = run.run();

        assertEquals(1000, latency.getTotalCount(), "every scheduled request is recorded");
        assertTrue(latency.getMaxValue() >= 100 * MS, "max " + latency.getMaxValue());
        assertTrue(latency.getValueAtPercentile(99) >= 80 * MS, "p99 " + latency.getValueAtPercentile(99));
        assertTrue(latency.getValueAtPercentile(90) >= 10 * MS, "p90 " + latency.getValueAtPercentile(90));
        assertEquals(0.2, latency.getValueAtPercentile(50) / 1e6, 0.001, "the median is untouched");
        // requests 300..360 were due in the stall's first 60 ms and all waited at least 50 ms
        long atLeast50ms = latency.getCountBetweenValues(50 * MS, latency.getMaxValue());
        assertTrue(atLeast50ms >= 60, "requests behind the stall with >= 50 ms: " + atLeast50ms);

        // the same run as coordinated omission would see it: latency from the actual send time
        long closedLoopAtLeast50ms = 0;
        for (long[] send : run.sends) {
            long answered = send[2] + 200_000;
            if (answered >= 300 * MS && answered < 400 * MS) {
                answered = 400 * MS;
            }
            if (answered - send[2] >= 50 * MS) {
                closedLoopAtLeast50ms++;
            }
        }
        assertEquals(1, closedLoopAtLeast50ms, "measured from the send time, the stall hides in one sample");
    }

    @Test
    void warmUpRequestsAreSentButNotRecorded() {
        SimulatedRun run = new SimulatedRun(2, 2000, 1000, 400, 100_000, Long.MAX_VALUE, Long.MAX_VALUE, 10_000);
        Histogram latency = run.run();
        assertEquals(1000, run.sends.size());
        assertEquals(600, latency.getTotalCount());
        assertEquals(600, run.scheduler.measuredResponses());
        assertEquals(run.scheduler.intendedNanos(400), run.scheduler.measureStartNanos());
    }

    @Test
    void requestsSpreadOverIdleConnectionsAndQueueBehindBusyOnes() {
        // 4 connections, 10 requests per ms, 1 ms service: each connection is busy, so requests queue
        SimulatedRun run = new SimulatedRun(4, 10_000, 100, 0, MS, Long.MAX_VALUE, Long.MAX_VALUE, 10_000);
        Histogram latency = run.run();
        assertEquals(100, latency.getTotalCount());
        long[] perConnection = new long[4];
        for (long[] send : run.sends) {
            perConnection[(int) send[0]]++;
        }
        for (long count : perConnection) {
            assertEquals(25, count);
        }
        // capacity is 4 per ms against 10 per ms scheduled: the last request waits far longer than the service time
        assertTrue(latency.getMaxValue() > 10 * MS, "max " + latency.getMaxValue());
    }

    @Test
    void backlogOverflowAndClosedConnectionsAreCountedAsFailures() {
        Recorder recorder = new Recorder(3);
        List<Long> sent = new ArrayList<>();
        OpenLoopScheduler scheduler = new OpenLoopScheduler(2, 1000, 0, 10, 0, 2, recorder,
                (connection, request) -> sent.add(request));
        scheduler.sendDue(9 * MS); // all 10 due, nothing answered: 2 per connection fit, 6 overflow
        assertEquals(List.of(0L, 1L), sent);
        assertEquals(Map.of("backlog-overflow", 6L), scheduler.failures());
        assertEquals(4, scheduler.outstanding());

        scheduler.onConnectionClosed(0, "connection-closed", 20 * MS);
        assertEquals(2, scheduler.failures().get("connection-closed"));
        scheduler.onResponse(1, 500, 10 * MS);
        assertEquals(List.of(0L, 1L, 3L), sent, "the next queued request goes out when the answer comes");
        scheduler.abandonOutstanding("no-answer-within-drain", 1_000 * MS);
        assertTrue(scheduler.isDone());
        assertEquals(Map.of(500, 1L), scheduler.statusCounts());
        // the answered request, and the three given up on (two closed at 20 ms, one abandoned at 1 s) with how long
        // they had waited by then; requests never sent (backlog overflow) have no latency and stay failures only
        org.HdrHistogram.Histogram latency = recorder.getIntervalHistogram();
        assertEquals(4, latency.getTotalCount());
        assertTrue(latency.getMaxValue() >= 990 * MS, "the abandoned request's wait is in the tail: "
                + latency.getMaxValue());
    }
}
