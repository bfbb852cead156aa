package dev.merlin.exchange.dsp;

import dev.merlin.exchange.auction.ExternalBid;
import dev.merlin.protocol.model.BidRequest;

/** Where the auction stage hands the losing DSP bids whose {@code lurl} must be called. */
@FunctionalInterface
public interface DspLossNotices {

    /**
     * Queues the call of {@code loser}'s {@code lurl}, with its loss code and minimum to win, off the event loop;
     * must not block. {@code loser} is reused after this returns: copy what is needed.
     */
    void loss(ConnectedDsp dsp, BidRequest request, ExternalBid loser);
}
