package dev.merlin.exchange.bid;

import dev.merlin.exchange.auction.AuctionEngine;
import dev.merlin.protocol.BidRequestDecoder;

/**
 * One thread's share of {@link BidPath}: its decoder and auction engine (used by one request at a time, synchronously)
 * and its free {@link BidContext}s (one per request in flight). Confined to its thread.
 */
final class BidContextPool {

    /** Free contexts kept for reuse; more in flight at once are made and dropped again. */
    static final int KEPT_CONTEXTS = 16;

    final BidPath path;
    final BidRequestDecoder decoder;
    final AuctionEngine engine;
    private final int maxImps;
    private final int maxAnswerBytes;
    private final BidContext[] free = new BidContext[KEPT_CONTEXTS];
    private int freeCount;

    BidContextPool(BidPath path, BidRequestDecoder decoder, AuctionEngine engine, int maxImps, int maxAnswerBytes) {
        this.path = path;
        this.decoder = decoder;
        this.engine = engine;
        this.maxImps = maxImps;
        this.maxAnswerBytes = maxAnswerBytes;
    }

    /** A context no request in flight holds. */
    BidContext acquire() {
        if (freeCount == 0) {
            return new BidContext(this, maxImps, maxAnswerBytes);
        }
        BidContext context = free[--freeCount];
        free[freeCount] = null;
        return context;
    }

    /** Takes back a context whose request is answered. */
    void release(BidContext context) {
        context.clear();
        if (freeCount < free.length) {
            free[freeCount++] = context;
        }
    }

    /** Contexts waiting for reuse; for tests. */
    int freeCount() {
        return freeCount;
    }
}
