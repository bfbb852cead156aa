package dev.merlin.bench.load;

import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Recorder;

/**
 * The open-loop schedule and its accounting, free of I/O so it can be driven by a fake clock: request {@code i} is
 * due at {@code startNanos + i / rate}, whether or not the previous ones were answered, and its latency is measured
 * from that intended time. A request that waits behind a busy connection is late, and the wait counts: no
 * coordinated omission.
 *
 * <p>Each connection carries one request at a time (no pipelining); requests assigned to it queue behind the one on
 * the wire. The connection with the shortest queue takes the next request.
 *
 * <p>Not thread-safe: drive it from one thread (the load generator's single event loop). Latencies go to a
 * {@link Recorder} in nanoseconds, so a progress reporter may take interval histograms.
 */
public final class OpenLoopScheduler {

    /** The I/O side: puts request {@code requestIndex} on the wire of {@code connection}. */
    @FunctionalInterface
    public interface Sender {
        void send(int connection, long requestIndex);
    }

    private final long startNanos;
    private final double nanosPerRequest;
    private final long totalRequests;
    private final long firstMeasuredRequest;
    private final int maxQueuedPerConnection;
    private final Recorder recorder;
    private final Sender sender;
    private final LongQueue[] queues;
    private final boolean[] isClosed;
    private final long[] statusCounts = new long[600];
    private final Map<String, Long> failures = new TreeMap<>();
    private long nextRequest;
    private long finished;
    private long measuredResponses;
    private long lastResponseNanos;

    /**
     * A schedule of {@code totalRequests} requests at {@code ratePerSecond}, starting at {@code startNanos}.
     *
     * @param firstMeasuredRequest requests before this index are warm-up: sent and counted, latency not recorded
     * @param maxQueuedPerConnection a request that finds this many ahead of it fails as {@code backlog-overflow}
     */
    public OpenLoopScheduler(int connections, double ratePerSecond, long startNanos, long totalRequests,
                             long firstMeasuredRequest, int maxQueuedPerConnection, Recorder recorder,
                             Sender sender) {
        if (connections < 1 || !(ratePerSecond > 0) || totalRequests < 0 || maxQueuedPerConnection < 1) {
            throw new IllegalArgumentException("connections >= 1, rate > 0, requests >= 0, queue >= 1 required");
        }
        this.startNanos = startNanos;
        this.nanosPerRequest = 1e9 / ratePerSecond;
        this.totalRequests = totalRequests;
        this.firstMeasuredRequest = firstMeasuredRequest;
        this.maxQueuedPerConnection = maxQueuedPerConnection;
        this.recorder = recorder;
        this.sender = sender;
        this.queues = new LongQueue[connections];
        for (int i = 0; i < connections; i++) {
            queues[i] = new LongQueue(64);
        }
        this.isClosed = new boolean[connections];
    }

    /** When request {@code index} should be sent. */
    public long intendedNanos(long index) {
        return startNanos + Math.round(index * nanosPerRequest);
    }

    /**
     * Dispatches every request due by {@code nowNanos}; returns when the next one is due, or {@link Long#MAX_VALUE}
     * when all have been dispatched.
     */
    public long sendDue(long nowNanos) {
        while (nextRequest < totalRequests) {
            long intended = intendedNanos(nextRequest);
            if (intended > nowNanos) {
                return intended;
            }
            dispatch(nextRequest++);
        }
        return Long.MAX_VALUE;
    }

    private void dispatch(long request) {
        int chosen = -1;
        for (int c = 0; c < queues.length; c++) {
            if (!isClosed[c] && (chosen < 0 || queues[c].size() < queues[chosen].size())) {
                chosen = c;
            }
        }
        if (chosen < 0) {
            fail("no-open-connection", 1);
            return;
        }
        LongQueue queue = queues[chosen];
        if (queue.size() >= maxQueuedPerConnection) {
            fail("backlog-overflow", 1);
            return;
        }
        queue.add(request);
        if (queue.size() == 1) {
            sender.send(chosen, request);
        }
    }

    /** A response arrived on {@code connection}: records the latency of its oldest request and sends the next. */
    public void onResponse(int connection, int status, long nowNanos) {
        LongQueue queue = queues[connection];
        if (queue.isEmpty()) {
            failures.merge("unexpected-response", 1L, Long::sum);
            return;
        }
        long request = queue.poll();
        finished++;
        statusCounts[status >= 0 && status < statusCounts.length ? status : 0]++;
        if (request >= firstMeasuredRequest) {
            recorder.recordValue(Math.max(0, nowNanos - intendedNanos(request)));
            measuredResponses++;
            lastResponseNanos = nowNanos;
        }
        if (!queue.isEmpty()) {
            sender.send(connection, queue.peek());
        }
    }

    /**
     * The connection is gone: every request queued on it fails with {@code reason}; later ones go elsewhere. Their
     * latency so far ({@code nowNanos} minus the intended send time) is recorded as well: a request that never got
     * an answer waited at least that long, and leaving it out would cut the tail exactly when the server struggles.
     */
    public void onConnectionClosed(int connection, String reason, long nowNanos) {
        isClosed[connection] = true;
        giveUp(queues[connection], reason, nowNanos);
    }

    /** Gives up on every request still waiting or in flight (the drain deadline passed), recording as above. */
    public void abandonOutstanding(String reason, long nowNanos) {
        for (LongQueue queue : queues) {
            giveUp(queue, reason, nowNanos);
        }
    }

    private void giveUp(LongQueue queue, String reason, long nowNanos) {
        fail(reason, queue.size());
        while (!queue.isEmpty()) {
            long request = queue.poll();
            if (request >= firstMeasuredRequest) {
                recorder.recordValue(Math.max(0, nowNanos - intendedNanos(request)));
            }
        }
    }

    private void fail(String reason, long count) {
        if (count > 0) {
            failures.merge(reason, count, Long::sum);
            finished += count;
        }
    }

    /** True once every request has been dispatched and has finished (answered or failed). */
    public boolean isDone() {
        return nextRequest == totalRequests && finished == totalRequests;
    }

    /** Requests dispatched so far (due ones, whether on the wire or queued behind a busy connection). */
    public long dispatched() {
        return nextRequest;
    }

    /** Requests answered or failed so far. */
    public long finished() {
        return finished;
    }

    /** Requests dispatched but not finished. */
    public long outstanding() {
        long outstanding = 0;
        for (LongQueue queue : queues) {
            outstanding += queue.size();
        }
        return outstanding;
    }

    /** Responses whose latency was recorded (after warm-up). */
    public long measuredResponses() {
        return measuredResponses;
    }

    /** Intended send time of the first measured request. */
    public long measureStartNanos() {
        return intendedNanos(Math.min(firstMeasuredRequest, Math.max(0, totalRequests - 1)));
    }

    /** When the last measured response arrived (0 before any). */
    public long lastResponseNanos() {
        return lastResponseNanos;
    }

    /** Responses by HTTP status. */
    public Map<Integer, Long> statusCounts() {
        Map<Integer, Long> counts = new TreeMap<>();
        for (int status = 0; status < statusCounts.length; status++) {
            if (statusCounts[status] > 0) {
                counts.put(status, statusCounts[status]);
            }
        }
        return counts;
    }

    /** Requests that got no response, by reason. */
    public Map<String, Long> failures() {
        return new TreeMap<>(failures);
    }

    /** A growable FIFO ring of request indexes: no boxing on the send path. */
    static final class LongQueue {
        private long[] items;
        private int head;
        private int size;

        LongQueue(int capacity) {
            items = new long[capacity];
        }

        void add(long value) {
            if (size == items.length) {
                long[] grown = new long[items.length * 2];
                for (int i = 0; i < size; i++) {
                    grown[i] = items[(head + i) % items.length];
                }
                items = grown;
                head = 0;
            }
            items[(head + size) % items.length] = value;
            size++;
        }

        long peek() {
            return items[head];
        }

        long poll() {
            long value = items[head];
            head = (head + 1) % items.length;
            size--;
            return value;
        }

        int size() {
            return size;
        }

        boolean isEmpty() {
            return size == 0;
        }

        void clear() {
            head = 0;
            size = 0;
        }
    }
}
