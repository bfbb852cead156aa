package dev.merlin.exchange.auction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which node applies a notice: the one whose id its auction id carries, or any node without Kafka. */
class NoticeRoutingTest {

    private static final long START = AuctionIds.EPOCH_MILLIS + 86_400_000L;

    @Test
    void aClusterNodeForwardsOtherNodesNoticesAndKeepsItsOwn() {
        NoticeRouting node3 = NoticeRouting.clustered(3);
        assertEquals(NoticeRouting.HERE, node3.forwardTo(new AuctionIds(3, START).next()));
        assertEquals(7, node3.forwardTo(new AuctionIds(7, START).next()));
        assertEquals(0, node3.forwardTo(new AuctionIds(0, START).next()), "node 0 is a node like any other");
        assertEquals(AuctionIds.MAX_NODE_ID, node3.forwardTo(new AuctionIds(AuctionIds.MAX_NODE_ID, START).next()),
                "the top id: the sign bit of the auction id");
        assertTrue(node3.isOwnedHere(new AuctionIds(3, START).next()));
        assertFalse(node3.isOwnedHere(new AuctionIds(7, START).next()));
    }

    @Test
    void aSingleNodeAppliesEveryNoticeWhateverNodeIdItsAuctionCarries() {
        NoticeRouting single = NoticeRouting.local();
        for (int node : new int[] {0, 1, 2, AuctionIds.MAX_NODE_ID}) {
            assertEquals(NoticeRouting.HERE, single.forwardTo(new AuctionIds(node, START).next()), "node " + node);
        }
        assertFalse(new NoticeRouting(5, false, Set.of()).isForwarding());
        assertEquals(NoticeRouting.HERE, new NoticeRouting(5, false, Set.of())
                .forwardTo(new AuctionIds(6, START).next()));
    }

    @Test
    void aNodeNotListedIsUnknownButItsNoticesStillGoToIt() {
        NoticeRouting listed = NoticeRouting.clustered(1, List.of(1, 2));
        assertTrue(listed.isKnown(1));
        assertTrue(listed.isKnown(2));
        assertFalse(listed.isKnown(3), "a retired node, or a typo");
        assertEquals(3, listed.forwardTo(new AuctionIds(3, START).next()));
        assertTrue(NoticeRouting.clustered(1).isKnown(3), "no list: any node id may be a node's");
        assertTrue(NoticeRouting.clustered(4, List.of(1, 2)).isKnown(4), "this node, listed or not");
    }

    @Test
    void aNodeIdOutsideTheAuctionIdsBitsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> NoticeRouting.clustered(-1));
        assertThrows(IllegalArgumentException.class, () -> NoticeRouting.clustered(AuctionIds.MAX_NODE_ID + 1));
    }
}
