package dev.merlin.protocol;

/**
 * A bid request that cannot be accepted, with the reason and the JSON path of the first problem.
 *
 * <p>Bad input is an expected result, so the exception carries no stack trace.
 */
public final class InvalidRequestException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ErrorReason reason;
    private final String path;

    /** Creates the exception; {@code path} is "" for the document root. */
    public InvalidRequestException(ErrorReason reason, String path, String message) {
        super(message, null, false, false);
        this.reason = reason;
        this.path = path;
    }

    /** Why the request was refused. */
    public ErrorReason reason() {
        return reason;
    }

    /** Where in the document, e.g. {@code imp[0].banner.w}; "" for the root. */
    public String path() {
        return path;
    }
}
