package dev.merlin.exchange.dsp;

import java.util.Locale;

/** Whether a DSP is called for one auction: {@link #SEND}, or the reason it is skipped. */
public enum Admission {
    /** Call it. */
    SEND,
    /** Its circuit breaker is open, or half-open with its one probe already under way. */
    BREAKER_OPEN,
    /** Shed by health-based throttling (a share of calls that grows with its recent failures). */
    THROTTLED,
    /** Over its requests-per-second cap. */
    QPS_CAPPED,
    /** Its recent p95 response time is over what remains of the auction's budget. */
    TOO_SLOW;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The reason as a lower-case metric label, e.g. {@code breaker_open}. */
    public String label() {
        return label;
    }
}
