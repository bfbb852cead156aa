package dev.merlin.exchange.auction;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Issues Merlin's own id for every auction it answers with a bid: the key of the charge-once, click-once and
 * commitment records, signed into every notice link ({@code a=}), so that neither a seller reusing a request id nor
 * one colliding ids on purpose can make two auctions share a charge.
 *
 * <pre>
 *  63       54 53                                     13 12            0
 * +-----------+-----------------------------------------+--------------+
 * |  node id  |  start, ms since 2024-01-01 UTC          |  ids issued  |
 * +-----------+-----------------------------------------+--------------+
 *    10 bits     the 54-bit sequence: start x 2^13 + ids issued (counts on past its own bits)
 * </pre>
 *
 * The node id ({@code exchange.nodeId}) keeps the ids of two nodes apart whatever their clocks. On one node the
 * sequence starts at its start time in milliseconds since 2024-01-01 UTC times 2^13 and counts up: an id of an
 * earlier run of the node is below the next run's start, so ids never repeat across restarts as long as the clock
 * does not run back between them and a run issues fewer than 2^13 ids per millisecond it has been up (8 million a
 * second on average). The sequence lasts until 2093. Nobody can forge an id: the links carrying it are signed.
 */
public final class AuctionIds {

    /** Bits of the per-millisecond count below the start time. */
    static final int COUNTER_BITS = 13;
    /** Bits of the node id, at the top of the id. */
    static final int NODE_BITS = 10;
    static final int SEQUENCE_BITS = Long.SIZE - NODE_BITS;
    /** The largest node id. */
    public static final int MAX_NODE_ID = (1 << NODE_BITS) - 1;
    /** 2024-01-01T00:00:00Z: the sequence counts milliseconds from here. */
    static final long EPOCH_MILLIS = 1_704_067_200_000L;

    private static final long SEQUENCE_MASK = (1L << SEQUENCE_BITS) - 1;

    private final long node;
    private final AtomicLong sequence;

    /** Ids for node {@code nodeId} (0 to {@link #MAX_NODE_ID}) started at {@code startEpochMillis}. */
    public AuctionIds(int nodeId, long startEpochMillis) {
        if (nodeId < 0 || nodeId > MAX_NODE_ID) {
            throw new IllegalArgumentException("node id " + nodeId + " is not 0 to " + MAX_NODE_ID);
        }
        long sinceEpoch = startEpochMillis - EPOCH_MILLIS;
        if (sinceEpoch < 0 || sinceEpoch >= 1L << (SEQUENCE_BITS - COUNTER_BITS)) {
            throw new IllegalArgumentException("start " + startEpochMillis + " ms is not between 2024 and 2093: is"
                    + " the clock set?");
        }
        this.node = (long) nodeId << SEQUENCE_BITS;
        this.sequence = new AtomicLong(sinceEpoch << COUNTER_BITS);
    }

    /** The next id; never allocates. */
    public long next() {
        return node | (sequence.incrementAndGet() & SEQUENCE_MASK);
    }

    /** The node that issued {@code auctionId}. */
    public static int nodeOf(long auctionId) {
        return (int) (auctionId >>> SEQUENCE_BITS);
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
