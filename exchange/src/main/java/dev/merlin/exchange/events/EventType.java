package dev.merlin.exchange.events;

/**
 * What an event in the log records. Each type has a stable numeric code that is written to disk: never reorder,
 * renumber or reuse a code; add new types at the end with the next code.
 */
public enum EventType {
    /**
     * An auction's outcome: {@code rid} (the request id), {@code s} (the seller it came from, its sellers.json id),
     * {@code bids}, and for a bid the first winner's {@code c} (campaign) and {@code price} (micros).
     */
    AUCTION(1),
    /** A win notice: {@code rid}, {@code iid}, {@code c}, {@code cr}, {@code outcome}, {@code charged_micros}. */
    WIN(2),
    /** A billing notice (an impression), with the fields of {@link #WIN}. */
    BILL(3),
    /** A loss notice. */
    LOSS(4),
    /** A click through {@code /click}. */
    CLICK(5),
    /** A tracking pixel hit. */
    PIXEL(6),
    /** An app event from a server-to-server batch. */
    APP_EVENT(7),
    /** An attributed conversion. */
    CONVERSION(8),
    /** A user opted out. */
    OPT_OUT(9),
    /** What was held about a user was erased. */
    ERASURE(10),
    /**
     * Data left Merlin for a DSP: {@code k} (flow kind: {@code bid_request}, {@code sync}, {@code notice}),
     * {@code dsp} (its id), {@code dr} (its region), {@code ur} (the user's region, {@code ??} unknown) and
     * {@code cat} (the {@code DataCategories} bit set carried).
     */
    DATA_FLOW(11),
    /**
     * The campaign catalogue changed (admin API or config reload): {@code who} (the principal, never a token),
     * {@code what} (the change), {@code before} and {@code after} (the changed part, JSON; empty when none).
     */
    CATALOGUE_CHANGE(12),
    /**
     * A verified notice for another node's auction, to be applied there: {@code to} (the node that ran the auction,
     * from the signed auction id) and {@code link} (the notice as it came, {@code /bill?a=...&sig=...}, so that the
     * node applying it verifies the same signature). The Kafka events agent also sends it to that node.
     */
    NOTICE_FORWARD(13);

    private static final EventType[] BY_CODE = new EventType[16];

    static {
        for (EventType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final int code;

    EventType(int code) {
        this.code = code;
    }

    /** The code written to disk (and used as the ring buffer's message type id, which must be positive). */
    public int code() {
        return code;
    }

    /** The type with this code, or {@code null} when no type has it (for example, a newer writer's type). */
    public static EventType fromCode(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
