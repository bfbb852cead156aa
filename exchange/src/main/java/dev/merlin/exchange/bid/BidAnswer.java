package dev.merlin.exchange.bid;

import org.agrona.DirectBuffer;

/**
 * The answer to one bid request as {@link BidPath} wrote it: an HTTP status, the encoded body and, for a no-bid or
 * an error, why. Valid only while the {@link BidCompletion} it is handed to runs: the path reuses it afterwards.
 */
public interface BidAnswer {

    /** A bid: the body is an OpenRTB BidResponse. */
    int OK = 200;
    /** No bid: no body, {@link #reason()} says why. */
    int NO_CONTENT = 204;
    /** Invalid request: the body is {@code {"error": "...", "path": "..."}}. */
    int BAD_REQUEST = 400;
    /** The bid response could not be encoded: the body is {@code {"error": "..."}}. */
    int INTERNAL_ERROR = 500;

    /** The HTTP status of the answer. */
    int status();

    /** The answer's body, bytes 0 to {@link #bodyLength()}; JSON when there is one. */
    DirectBuffer body();

    /** Bytes of {@link #body()} that belong to the answer; 0 for a no-bid. */
    int bodyLength();

    /**
     * Merlin's id of the auction when the answer carries bids (the response's {@code bidid}, the key of their
     * commitments), else 0.
     */
    long auctionId();

    /** Why there is no bid (the no-bid reason label) or why the request was refused; null for a bid. */
    String reason();
}
