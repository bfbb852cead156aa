package dev.merlin.exchange.bid;

/**
 * Receives the answer of one bid request, exactly once: before {@link BidPath#handle} returns when every stage
 * finished at once, later on the same thread when a stage finishes later.
 *
 * @param <A> what the caller attached to the request (its channel, say), handed back so the callback need not
 *            capture it
 */
@FunctionalInterface
public interface BidCompletion<A> {

    /** Takes the answer; it is valid only until this method returns (copy what must outlive it). */
    void complete(BidAnswer answer, A attachment);
}
