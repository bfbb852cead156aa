package dev.merlin.exchange.bid;

/** The answer would pass {@code server.maxResponseBytes}: it is not sent, the request gets a no-bid. */
final class AnswerTooLargeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    AnswerTooLargeException(int maxBytes) {
        super("the answer passes " + maxBytes + " bytes", null, false, false);
    }
}
