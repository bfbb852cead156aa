package dev.merlin.exchange.bid;

import dev.merlin.exchange.auction.ExternalBid;

/**
 * Where the bid path records a DSP's win before the answer leaves, as it records a campaign's commitment: what
 * Merlin's own win or bill notice for that impression later looks up to call the DSP's notice and account what the
 * DSP owes. Called on the event loop: an implementation records without blocking.
 */
public interface ExternalWinRecorder {

    /** Records nothing: a path without DSPs. */
    ExternalWinRecorder NONE = new ExternalWinRecorder() {
        @Override
        public boolean record(long auctionId, String impId, ExternalBid winner, long chargeMicros,
                              long nowEpochSeconds) {
            return true;
        }

        @Override
        public void release(long auctionId, String impId) {
        }
    };

    /**
     * Records that {@code winner} won imp {@code impId} of Merlin's auction {@code auctionId}, charged
     * {@code chargeMicros} (a CPM in exchange-currency micros, {@code AuctionResult.chargeMicros}; the DSP's own
     * clearing price is {@link ExternalBid#clearingMicros}). {@code winner} is pooled: copy what must outlive the
     * call. Returns false when there is no room: the path then answers no bid ({@code commitments_full}) and takes
     * back what the auction recorded.
     */
    boolean record(long auctionId, String impId, ExternalBid winner, long chargeMicros, long nowEpochSeconds);

    /** Forgets the win of imp {@code impId} in auction {@code auctionId}: its answer could not be sent. */
    void release(long auctionId, String impId);
}
