package dev.merlin.exchange.events;

import dev.merlin.config.EventLogConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable event log: producers on event loops encode an event and hand it to a bounded lock-free ring buffer;
 * one writer thread appends what it drains to rotated files under {@code <dataDir>/events/}.
 *
 * <p>Producing never waits and, in steady state, allocates nothing: {@link #commit} returns {@code false} and counts
 * the event as dropped when the ring is full, the event is oversized, or the log is closed.
 * <pre>{@code
 * EventWriter w = log.begin(EventType.WIN, nowMillis);
 * w.put("rid", requestId).put("price", priceMicros);
 * log.commit(w);
 * }</pre>
 * Every committed event is counted exactly once: after {@link #close()}, {@code written() + dropped()} equals the
 * number of {@code commit} calls.
 */
public final class EventLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);
    private static final EventWriter[] NO_WRITERS = new EventWriter[0];
    private static final long IDLE_MILLIS = 1;

    private final ManyToOneRingBuffer ring;
    private final EventLogAgent agent;
    private final AgentRunner runner;
    private final int maxEventBytes;
    private final ThreadLocal<EventWriter> writers;
    private final Object lifecycle = new Object();
    private volatile EventWriter[] registered = NO_WRITERS;
    private volatile boolean isClosed;
    private boolean isStarted;

    private EventLog(Path dataDir, EventLogConfig config, EpochClock clock, EventLogAgent.FileOpener opener)
            throws IOException {
        int capacity = config.ringBufferBytes();
        ring = new ManyToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        maxEventBytes = Math.min(config.maxEventBytes(), ring.maxMsgLength());
        agent = new EventLogAgent(ring, EventFormat.directory(dataDir), config, clock, maxEventBytes, opener);
        // sleeps 1 ms when the ring is empty: a spinning, yielding or microsecond-parking writer costs more CPU than
        // the events themselves at moderate rates, and 1 ms of events fits the ring many times over
        runner = new AgentRunner(new SleepingMillisIdleStrategy(IDLE_MILLIS), EventLog::onWriterError, null, agent);
        writers = ThreadLocal.withInitial(this::register);
    }

    /** Opens a new log file under {@code <dataDir>/events/} and starts the writer thread. */
    public static EventLog open(Path dataDir, EventLogConfig config) throws IOException {
        EventLog log = openStopped(dataDir, config, SystemEpochClock.INSTANCE);
        log.startWriter();
        return log;
    }

    /** Opens the log without starting the writer: events queue in the ring until {@link #startWriter()}. */
    static EventLog openStopped(Path dataDir, EventLogConfig config, EpochClock clock) throws IOException {
        return openStopped(dataDir, config, clock, EventLogAgent.CREATE_NEW);
    }

    /** As {@link #openStopped(Path, EventLogConfig, EpochClock)}, opening files through {@code opener}. */
    static EventLog openStopped(Path dataDir, EventLogConfig config, EpochClock clock,
                                EventLogAgent.FileOpener opener) throws IOException {
        return new EventLog(dataDir, config, clock, opener);
    }

    void startWriter() {
        synchronized (lifecycle) {
            if (isStarted || isClosed) {
                throw new IllegalStateException("event log writer already started or closed");
            }
            isStarted = true;
            AgentRunner.startOnThread(runner, r -> {
                Thread thread = new Thread(r);
                thread.setDaemon(true);
                return thread;
            });
        }
    }

    /**
     * Starts an event on this thread's reusable writer, discarding anything begun on it and not committed. The
     * writer stays valid until this thread's next {@code begin}.
     */
    public EventWriter begin(EventType type, long epochMillis) {
        EventWriter writer = writers.get();
        writer.reset(type, epochMillis);
        return writer;
    }

    /**
     * Hands the event to the writer thread without waiting; returns {@code false}, and counts it as dropped, when
     * the ring is full, the event is oversized or the log is closed.
     */
    public boolean commit(EventWriter writer) {
        if (writer.log != this) {
            throw new IllegalArgumentException("writer belongs to another event log");
        }
        writer.enterCommit();
        try {
            if (writer.isOversized()) {
                writer.countDroppedOversized(); // no room would ever take it: not a full ring
                return false;
            }
            if (isClosed || !ring.write(writer.type().code(), writer.buffer(), 0, writer.encodedLength())) {
                writer.countDropped();
                return false;
            }
            return true;
        } finally {
            writer.exitCommit();
        }
    }

    /** Events appended to the log files so far. */
    public long written() {
        return agent.written();
    }

    /** Events refused (ring full, oversized, closed) or lost to a write error while closing. */
    public long dropped() {
        return droppedFull() + droppedOversized();
    }

    /**
     * Of {@link #dropped()}, the events refused for want of room (a full ring) or because the log was closed, and
     * those lost to a write error while closing.
     */
    public long droppedFull() {
        long total = agent.lost();
        for (EventWriter writer : registered) {
            total += writer.dropped();
        }
        return total;
    }

    /**
     * Of {@link #dropped()}, the events refused because they were over the size limit ({@link #maxEventBytes()}, or
     * a field that does not fit): no room would ever take them.
     */
    public long droppedOversized() {
        long total = 0;
        for (EventWriter writer : registered) {
            total += writer.droppedOversized();
        }
        return total;
    }

    /** Times the writer failed to write a batch (each is retried; see {@link EventLogAgent}). */
    public long writeFailures() {
        return agent.writeFailures();
    }

    /** Bytes waiting in the ring buffer for the writer. */
    public int queuedBytes() {
        return ring.size();
    }

    /** Largest event body a producer can commit. */
    public int maxEventBytes() {
        return maxEventBytes;
    }

    /** Times the writer forced the current file to disk. */
    long forces() {
        return agent.forces();
    }

    /**
     * Stops accepting events, waits for commits in progress, drains everything already in the ring to disk, forces
     * and closes the file; blocks until done. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (isClosed) {
                return;
            }
            isClosed = true;
        }
        // A producer either saw isClosed (and refused) or is visible here as committing: wait it out, so that
        // every accepted event is in the ring before the final drain.
        for (EventWriter writer : registered) {
            while (writer.isCommitting()) {
                Thread.onSpinWait();
            }
        }
        // Timeout 0: wait for the drain however long it takes; an interrupt would close the file channel under it.
        // A runner never started runs the agent's onClose (the drain) on this thread.
        runner.close(0, null);
    }

    private EventWriter register() {
        EventWriter writer = new EventWriter(this, maxEventBytes);
        synchronized (lifecycle) {
            EventWriter[] grown = Arrays.copyOf(registered, registered.length + 1);
            grown[grown.length - 1] = writer;
            registered = grown;
        }
        return writer;
    }

    private static void onWriterError(Throwable error) {
        LOG.error("event log writer failed", error);
    }
}
