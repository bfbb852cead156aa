package dev.merlin.exchange.bid;

/**
 * The auction step of the bid path. It runs the auction of {@link BidContext#request()} into
 * {@link BidContext#result()} and then calls {@link BidContext#resume()} exactly once: at once, or later on the same
 * thread when it waits for something (DSPs' answers), without blocking that thread meanwhile. A stage that asks DSPs
 * adds their validated bids to {@link BidContext#externalBids()} and then calls {@link BidContext#runEngine()}, by
 * {@link BidContext#deadlineNanos()}.
 */
@FunctionalInterface
public interface AuctionStage {

    /** Merlin's own advertisers' auction, on the calling thread's engine; resumes at once. */
    AuctionStage ENGINE = context -> {
        context.runEngine();
        context.resume();
    };

    /** Runs the auction for {@code context} and resumes it once the result is in. */
    void run(BidContext context);
}
