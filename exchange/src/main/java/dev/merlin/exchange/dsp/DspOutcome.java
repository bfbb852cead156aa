package dev.merlin.exchange.dsp;

import java.util.Locale;

/** How one call to a DSP ended; each call ends with exactly one of these. */
public enum DspOutcome {
    /** Status 200: the body is the DSP's answer. */
    OK,
    /** Status 204: the DSP does not bid. */
    NO_BID,
    /** A status other than 200, 204 or 5xx (4xx: most likely Merlin's request; not a health failure). */
    HTTP_ERROR,
    /** A 5xx status: the DSP failed. */
    SERVER_ERROR,
    /** Not an HTTP answer: a garbage status line, bad headers, broken chunking or gzip. */
    BAD_RESPONSE,
    /** The answer's body is over the configured maximum; the connection was closed. */
    TOO_LARGE,
    /** The call's deadline passed before a complete answer; the connection was closed. */
    TIMEOUT,
    /** No connection could be made (refused, connect timeout, TLS handshake failed). */
    CONNECT_FAILED,
    /** The connection closed or failed before the answer was complete. */
    RESET,
    /** Not sent: the DSP already has its maximum of calls in flight on this event loop. */
    REFUSED_IN_FLIGHT;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The outcome as a lower-case metric label, e.g. {@code too_large}. */
    public String label() {
        return label;
    }

    /** Whether the DSP answered in HTTP at all and in time (200, 204 or another status). */
    public boolean isAnswer() {
        return this == OK || this == NO_BID || this == HTTP_ERROR || this == SERVER_ERROR;
    }

    /**
     * Whether the outcome counts against the DSP's health: a network error, a timeout, a 5xx, or an answer that is
     * not HTTP or too large. A 4xx and a call Merlin did not send are neither a success nor a failure.
     */
    public boolean isFailure() {
        return this == SERVER_ERROR || this == BAD_RESPONSE || this == TOO_LARGE || this == TIMEOUT
                || this == CONNECT_FAILED || this == RESET;
    }

    /** Whether the outcome counts for the DSP's health: it answered 200 or 204. */
    public boolean isSuccess() {
        return this == OK || this == NO_BID;
    }
}
