package dev.merlin.exchange.bid;

import dev.merlin.exchange.auction.AuctionEngine;
import dev.merlin.exchange.auction.BidResponseWriter;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.metrics.StageLatency;
import dev.merlin.protocol.BidRequestDecoder;

/**
 * One thread's share of {@link BidPath}: its decoder, auction engine and response writer (each used by one request at
 * a time, synchronously)
 * and its free {@link BidContext}s (one per request in flight). Confined to its thread.
 */
final class BidContextPool {

    /**
     * Free contexts kept for reuse; more in flight at once are made and dropped again. A context waits with its
     * request for the DSPs' answers, so a loop holds about as many as it has connections with a request in flight
     * (32 per loop at 64 connections and 2 loops). A context made anew decodes into an empty model and allocates its
     * whole object graph, so the pool keeps enough for a busy loop; each kept context holds its answer buffer and the
     * model objects its largest request needed.
     */
    static final int KEPT_CONTEXTS = 256;
    /**
     * Of the kept contexts, at most this many may be large ({@link BidContext#isLarge}: a body or answer over
     * {@link #LARGE_BYTES}), so requests near {@code server.maxBodyBytes}, or answers near {@code maxResponseBytes},
     * cannot make a loop keep hundreds of big models and buffers.
     */
    static final int KEPT_LARGE_CONTEXTS = 16;
    /** What makes a context large: 16 KiB, about ten times a typical bid request or answer. */
    static final int LARGE_BYTES = 16 * 1024;

    final BidPath path;
    final BidRequestDecoder decoder;
    /** This thread's engine over the latest catalogue it has seen. */
    private AuctionEngine engine;
    final BidResponseWriter writer;
    /** This thread's stage timers. */
    final StageLatency.Writer stages;
    private final int maxImps;
    private final BidContext[] free = new BidContext[KEPT_CONTEXTS];
    private int freeCount;

    BidContextPool(BidPath path, BidRequestDecoder decoder, AuctionEngine engine, BidResponseWriter writer,
                   StageLatency.Writer stages, int maxImps) {
        this.path = path;
        this.stages = stages;
        this.decoder = decoder;
        this.engine = engine;
        this.writer = writer;
        this.maxImps = maxImps;
    }

    /**
     * This thread's engine over {@code current}: the one it has, or a new one when the catalogue was replaced (the
     * old engine stays with the contexts still auctioning on it).
     */
    AuctionEngine engineFor(CampaignCatalog current) {
        if (engine.catalog() != current) {
            engine = path.newEngine(current);
        }
        return engine;
    }

    /** A context no request in flight holds. */
    BidContext acquire() {
        if (freeCount == 0) {
            return new BidContext(this, maxImps);
        }
        BidContext context = free[--freeCount];
        free[freeCount] = null;
        return context;
    }

    /** Takes back a context whose request is answered. */
    void release(BidContext context) {
        context.clear();
        if (freeCount < free.length
                && (freeCount < KEPT_LARGE_CONTEXTS || !context.isLarge(LARGE_BYTES))) {
            free[freeCount++] = context;
        }
    }

    /** Contexts waiting for reuse; for tests. */
    int freeCount() {
        return freeCount;
    }
}
