package dev.merlin.exchange.flows;

import java.util.Locale;

/**
 * What kind of outbound flow carried data to a DSP. Each kind has a stable code written to the aggregate's keys:
 * never reorder, renumber or reuse one.
 */
public enum FlowKind {
    /** A bid request sent to the DSP. */
    BID_REQUEST(1),
    /** A user sync with the DSP (its uid stored, or a sync URL handed out). */
    SYNC(2),
    /** A win, billing or loss notice called on the DSP. */
    NOTICE(3);

    private static final FlowKind[] BY_CODE = new FlowKind[8];

    static {
        for (FlowKind kind : values()) {
            BY_CODE[kind.code] = kind;
        }
    }

    private final int code;
    private final String label = name().toLowerCase(Locale.ROOT);

    FlowKind(int code) {
        this.code = code;
    }

    /** The code written to disk. */
    public int code() {
        return code;
    }

    /** The lower-case label in reports and the event log: {@code bid_request}, {@code sync}, {@code notice}. */
    public String label() {
        return label;
    }

    /** The kind with this code, or {@code null} when none has it. */
    public static FlowKind fromCode(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
