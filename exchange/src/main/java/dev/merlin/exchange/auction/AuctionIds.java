package dev.merlin.exchange.auction;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Issues Merlin's own id for every auction it answers with a bid: the key of the charge-once, click-once and
 * commitment records, signed into every notice link ({@code a=}), so that neither a seller reusing a request id nor
 * one colliding ids on purpose can make two auctions share a charge.
 *
 * <p>An id is the node's start time in milliseconds shifted left by 20 bits, plus a counter: unique across
 * restarts of the node as long as its clock does not run back, and as long as it issues fewer than 2^20 ids per
 * millisecond it has been up (a billion a second). Nobody can forge one: the links carrying it are signed.
 */
public final class AuctionIds {

    private static final int COUNTER_BITS = 20;

    private final AtomicLong last;

    /** Ids for a node started at {@code startEpochMillis}. */
    public AuctionIds(long startEpochMillis) {
        this.last = new AtomicLong(startEpochMillis << COUNTER_BITS);
    }

    /** The next id; never allocates. */
    public long next() {
        return last.incrementAndGet();
    }

    /** An id as links carry it: lower-case hex. */
    public static String format(long auctionId) {
        return Long.toHexString(auctionId);
    }

    /** An id as {@link #format} wrote it, or 0 when {@code hex} is not one (absent, empty, too long, not hex). */
    public static long parse(String hex) {
        if (hex == null || hex.isEmpty() || hex.length() > 16) {
            return 0;
        }
        for (int i = 0; i < hex.length(); i++) {
            char c = hex.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return 0;
            }
        }
        return Long.parseUnsignedLong(hex, 16);
    }
}
