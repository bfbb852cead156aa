package dev.merlin.exchange.bid;

import dev.merlin.exchange.auction.ExternalBid;

/**
 * Placeholder with the signatures agreed in SPEC11 until helper {@code merge} lands its own definition: where the
 * bid path records a DSP's winning bid so that a later notice can notify the DSP.
 */
public interface ExternalWinRecorder {

    /** Records the winner of one imp; false when it cannot (then the bid path answers no bid for it). */
    boolean record(long auctionId, String impId, ExternalBid winner, long chargeMicros, long nowEpochSeconds);

    /** Forgets a recorded winner whose answer could not be sent. */
    void release(long auctionId, String impId);
}
