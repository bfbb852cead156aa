package dev.merlin.exchange.auction;

/**
 * The DSP bids of one request that passed validation, in a pool of reusable {@link ExternalBid}s that grows to the
 * largest request seen and is cleared per request.
 */
public final class ExternalBids {

    private ExternalBid[] bids;
    private int count;

    /** Room for {@code initialCapacity} bids before growing. */
    public ExternalBids(int initialCapacity) {
        bids = new ExternalBid[Math.max(1, initialCapacity)];
        for (int i = 0; i < bids.length; i++) {
            bids[i] = new ExternalBid().clear();
        }
    }

    /** A cleared bid, now counted; fill it. */
    public ExternalBid add() {
        if (count == bids.length) {
            ExternalBid[] grown = new ExternalBid[bids.length * 2];
            System.arraycopy(bids, 0, grown, 0, bids.length);
            for (int i = bids.length; i < grown.length; i++) {
                grown[i] = new ExternalBid().clear();
            }
            bids = grown;
        }
        return bids[count++].clear();
    }

    /** Takes back the bid {@link #add()} gave last (it failed validation after all). */
    public void dropLast() {
        if (count > 0) {
            bids[--count].clear();
        }
    }

    /** Bid {@code i}, 0 to {@link #count()} - 1. */
    public ExternalBid get(int i) {
        if (i >= count) {
            throw new IndexOutOfBoundsException("bid " + i + " of " + count);
        }
        return bids[i];
    }

    /** Bids held. */
    public int count() {
        return count;
    }

    /** Empties it for the next request; the references the bids held are dropped. */
    public void clear() {
        for (int i = 0; i < count; i++) {
            bids[i].clear();
        }
        count = 0;
    }
}
