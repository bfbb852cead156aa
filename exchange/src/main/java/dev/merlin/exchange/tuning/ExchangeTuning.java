package dev.merlin.exchange.tuning;

/**
 * The exchange's internal tuning constants, in one place: values that follow from how the code works rather than
 * from a deployment. What an operator tunes (sizes, bounds, timeouts, water marks, queue sizes, purge periods) is in
 * the YAML configuration ({@code dev.merlin.config}); everything here is fixed at build time.
 *
 * <p>This package depends on nothing, so that every package of the exchange may read it without a cycle.
 */
public final class ExchangeTuning {

    /** Ring-buffer messages the event-log writer drains in one duty cycle before it writes and checks the clock. */
    public static final int EVENT_LOG_MESSAGES_PER_DUTY_CYCLE = 4_096;

    /** The event-log writer's first wait before retrying a failed write (a full disk); it doubles from here. */
    public static final long EVENT_LOG_MIN_RETRY_MILLIS = 10;

    /** The longest the event-log writer waits between retries of a failed write. */
    public static final long EVENT_LOG_MAX_RETRY_MILLIS = 1_000;

    /**
     * How long a ring-buffer slot may stay claimed but uncommitted before the writer treats its producer as dead and
     * skips the slot: far longer than any producer takes between claim and commit.
     */
    public static final long EVENT_LOG_ABANDONED_CLAIM_NANOS = 1_000_000_000L;

    /** The most one socket read brings in: the receive allocator's maximum on child channels. */
    public static final int MAX_READ_BYTES = 64 * 1024;

    /** The largest piece of a request body the HTTP codec passes on at once (the aggregator joins them). */
    public static final int MAX_CHUNK_BYTES = 8192;

    /** The receive allocator's smallest read buffer on child channels. */
    public static final int MIN_READ_BYTES = 64;

    /** The receive allocator's first read buffer on a new child channel: a typical bid request fits. */
    public static final int INITIAL_READ_BYTES = 2048;

    /**
     * How long a connection refused with {@code Connection: close} keeps reading and discarding what the client is
     * still sending after the answer went out and the write side was shut, before it closes: long enough for the
     * answer to be read instead of destroyed by a reset.
     */
    public static final long LINGER_MILLIS = 2_000;

    /** On stop, how long the event loops wait for quiet before they shut down. */
    public static final long EVENT_LOOP_QUIET_MILLIS = 100;

    /** On stop, the longest the event loops take to shut down. */
    public static final long EVENT_LOOP_STOP_MILLIS = 5_000;

    /** On close, the longest a purge in progress may take to finish before the stores are unmapped. */
    public static final long MAINTENANCE_STOP_SECONDS = 60;

    /** On close, the longest a report in progress may take to finish before the stores are unmapped. */
    public static final long SLOW_WORK_STOP_SECONDS = 10;

    /**
     * Requests with the admin token (the admin API, the dashboard's data, every report) that may wait for the
     * operator's own thread, so that advertisers' reports can never keep the operator waiting.
     */
    public static final int ADMIN_WORK_QUEUE = 64;

    private ExchangeTuning() {
    }
}
