package dev.merlin.exchange.auction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuctionIdsTest {

    private static final long START = Instant.parse("2026-12-04T16:00:00Z").toEpochMilli();
    private static final int IDS = 100_000;

    @Test
    void twoNodesStartedAtTheSameMillisecondNeverIssueTheSameId() {
        AuctionIds first = new AuctionIds(0, START);
        AuctionIds second = new AuctionIds(1, START);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < IDS; i++) {
            long a = first.next();
            long b = second.next();
            assertTrue(seen.add(a), "node 0 repeated " + AuctionIds.format(a));
            assertTrue(seen.add(b), "node 1 issued node 0's " + AuctionIds.format(b));
            assertEquals(0, AuctionIds.nodeOf(a));
            assertEquals(1, AuctionIds.nodeOf(b));
        }
        AuctionIds last = new AuctionIds(AuctionIds.MAX_NODE_ID, START);
        long id = last.next();
        assertEquals(AuctionIds.MAX_NODE_ID, AuctionIds.nodeOf(id));
        assertEquals(id, AuctionIds.parse(AuctionIds.format(id)), "the top node's ids read back from their links");
        assertTrue(seen.add(id));
    }

    @Test
    void aRestartOnTheSameNodeNeverRepeatsAnIdOfTheRunBefore() {
        Set<Long> seen = new HashSet<>();
        // a run that issued 2^13 ids per millisecond of its life (8 million a second), restarted the next millisecond
        AuctionIds before = new AuctionIds(7, START);
        long lastBefore = 0;
        for (int i = 0; i < 1 << AuctionIds.COUNTER_BITS; i++) {
            lastBefore = before.next();
            assertTrue(seen.add(lastBefore));
        }
        AuctionIds after = new AuctionIds(7, START + 1);
        for (int i = 0; i < IDS; i++) {
            long id = after.next();
            assertTrue(seen.add(id), "the restart repeated " + AuctionIds.format(id));
            assertTrue(Long.compareUnsigned(id, lastBefore) > 0, "ids keep rising across the restart");
        }
    }

    @Test
    void aNodeIdOutsideItsBitsOrAClockBefore2024IsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new AuctionIds(-1, START));
        assertThrows(IllegalArgumentException.class, () -> new AuctionIds(AuctionIds.MAX_NODE_ID + 1, START));
        assertThrows(IllegalArgumentException.class, () -> new AuctionIds(0, 0));
    }
}
