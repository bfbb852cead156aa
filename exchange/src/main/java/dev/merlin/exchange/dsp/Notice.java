package dev.merlin.exchange.dsp;

import java.net.URI;

/**
 * One call the {@link DspNotifier} owes a DSP: a pooled, mutable slot. A producer fills the macro values from a
 * won or lost bid (references and numbers only, so that filling one allocates nothing) and queues it; the notifier's
 * loop fills in the URL, calls it, retries it, and returns the slot to the pool. Owned by one thread at a time, handed
 * over through the notifier's queues.
 */
final class Notice {

    DspNotifier.Kind kind;
    int dsp;
    /** The DSP's URL with its macros. */
    String template;
    String requestId;
    String bidId;
    String impId;
    String seat;
    String adId;
    String currency;
    /** The clearing price in the DSP's currency, micros; -1 for none (the macro becomes empty). */
    long priceMicros;
    /** The OpenRTB loss reason; -1 for none. */
    int lossCode;
    /** The DSP's price that would have won, its currency, micros; -1 when not known. */
    long minToWinMicros;
    long auctionId;
    long auctionEpochSeconds;
    /** The user's region as the auction's request gave it (alpha-3), null when unknown: for the data-flow ledger. */
    String userRegion;

    /** The notifier's: the URL with its macros filled, and parsed; the calls made, when the next is due. */
    String url;
    URI uri;
    int attempts;
    long dueNanos;
    /** The transport's: when the call under way was written ({@link System#nanoTime}), its timeout counts from then. */
    long sentNanos;
    /** When the lookup of its host began, for a call that waited for one; 0 otherwise. Its timeout counts from it. */
    long lookupNanos;

    /** Empties the slot for the pool. */
    Notice clear() {
        kind = null;
        dsp = -1;
        template = null;
        requestId = null;
        bidId = null;
        impId = null;
        seat = null;
        adId = null;
        currency = null;
        priceMicros = -1;
        lossCode = -1;
        minToWinMicros = -1;
        auctionId = 0;
        auctionEpochSeconds = 0;
        userRegion = null;
        url = null;
        uri = null;
        attempts = 0;
        dueNanos = 0;
        sentNanos = 0;
        lookupNanos = 0;
        return this;
    }
}
