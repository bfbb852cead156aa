package dev.merlin.protocol;

/**
 * A DSP's answer that cannot be read, with the reason and the JSON path of the first problem: the whole answer is
 * dropped and counted by {@link #reason()}.
 *
 * <p>A bad answer is an expected result (DSPs are untrusted), so the exception carries no stack trace.
 */
public final class InvalidBidResponseException extends Exception {
    private static final long serialVersionUID = 1L;

    private final BidResponseError reason;
    private final String path;

    /** Creates the exception; {@code path} is "" for the document root. */
    public InvalidBidResponseException(BidResponseError reason, String path, String message) {
        super(message, null, false, false);
        this.reason = reason;
        this.path = path;
    }

    /** Why the answer was refused. */
    public BidResponseError reason() {
        return reason;
    }

    /** Where in the document, e.g. {@code seatbid[0].bid[1].price}; "" for the root. */
    public String path() {
        return path;
    }
}
