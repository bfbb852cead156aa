package dev.merlin.exchange.auction;

import java.util.Collection;
import java.util.Set;

/**
 * Which node applies a notice: the one that ran its auction, named by the top bits of the signed auction id
 * ({@link AuctionIds#nodeOf}). Its charge-once record and its commitment for the impression live in that node's
 * {@link SpendLedger} and nowhere else, so a win or bill charged anywhere else could be charged twice.
 *
 * <p>A single node ({@link #local()}) applies every notice itself, whatever node id its auction carries: that is the
 * exchange without Kafka, unchanged. A node of a cluster ({@link #clustered}) forwards a notice for another node's
 * auction to that node and applies only its own.
 *
 * @param nodeId       this node's id ({@code exchange.nodeId})
 * @param isForwarding whether notices for other nodes' auctions are forwarded (Kafka configured)
 * @param nodes        the cluster's node ids ({@code cluster.nodes}); empty: not listed, any id may be a node's
 */
public record NoticeRouting(int nodeId, boolean isForwarding, Set<Integer> nodes) {

    /** Returned by {@link #forwardTo} for a notice this node applies itself. */
    public static final int HERE = -1;

    /** Checks the node id. */
    public NoticeRouting {
        if (nodeId < 0 || nodeId > AuctionIds.MAX_NODE_ID) {
            throw new IllegalArgumentException("node id " + nodeId + " is not 0 to " + AuctionIds.MAX_NODE_ID);
        }
        nodes = Set.copyOf(nodes);
    }

    /** One node on its own: it applies every notice. */
    public static NoticeRouting local() {
        return new NoticeRouting(0, false, Set.of());
    }

    /** Node {@code nodeId} of a cluster whose nodes are not listed: it forwards the other nodes' notices. */
    public static NoticeRouting clustered(int nodeId) {
        return new NoticeRouting(nodeId, true, Set.of());
    }

    /** Node {@code nodeId} of a cluster of {@code nodes} (empty: not listed). */
    public static NoticeRouting clustered(int nodeId, Collection<Integer> nodes) {
        return new NoticeRouting(nodeId, true, Set.copyOf(nodes));
    }

    /** Whether {@code node} is a node of the cluster as configured: listed, or any node when none are. */
    public boolean isKnown(int node) {
        return nodes.isEmpty() || node == nodeId || nodes.contains(node);
    }

    /** The node a notice for {@code auctionId} that reached this node goes to, or {@link #HERE}. */
    public int forwardTo(long auctionId) {
        int owner = AuctionIds.nodeOf(auctionId);
        return !isForwarding || owner == nodeId ? HERE : owner;
    }

    /** Whether a notice another node forwarded, for {@code auctionId}, is this node's to apply. */
    public boolean isOwnedHere(long auctionId) {
        return AuctionIds.nodeOf(auctionId) == nodeId;
    }
}
