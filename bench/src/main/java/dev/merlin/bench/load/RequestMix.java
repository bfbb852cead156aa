package dev.merlin.bench.load;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;

/**
 * What a load step sends in each slot of its schedule, and what it makes of each answer: a corpus of bid requests
 * ({@link CorpusMix}) or the soak's realistic mix of auctions, pixels, app events, notices and clicks
 * ({@link SoakMix}). Called only on the load client's event loop.
 */
interface RequestMix {

    /** What a request is, for counting answers by kind. */
    enum Kind {
        AUCTION, PIXEL, EVENTS, WIN, BILL, LOSS, CLICK
    }

    /** One request on the wire: its kind, the HTTP request (released by the channel) and the mix's own note. */
    record Sent(Kind kind, FullHttpRequest request, Object note) {
    }

    /** The request for slot {@code index} of the schedule, built when its connection is free to send it. */
    Sent next(long index);

    /**
     * The answer to {@code sent}; returns whether it is the answer a success is due (status, and for some kinds the
     * body). The response is released after this returns.
     */
    boolean onAnswer(Sent sent, FullHttpResponse response);

    /** {@code sent} got no answer: its connection closed or the drain deadline passed. */
    default void onNoAnswer(Sent sent, String reason) {
    }
}
