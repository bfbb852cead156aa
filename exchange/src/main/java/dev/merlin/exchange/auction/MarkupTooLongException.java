package dev.merlin.exchange.auction;

/**
 * A bid's markup would be longer than {@code server.maxMarkupLength} once its macros are substituted: the auction
 * answers no bid rather than write it. Thrown without a stack trace; it is a result, not a fault.
 */
public final class MarkupTooLongException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The markup would pass {@code maxLength} characters. */
    public MarkupTooLongException(int maxLength) {
        super("creative markup would be longer than " + maxLength + " characters after macro substitution", null,
                false, false);
    }
}
