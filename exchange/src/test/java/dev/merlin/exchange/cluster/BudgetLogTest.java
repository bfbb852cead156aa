package dev.merlin.exchange.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.exchange.cluster.BudgetLog.Proposal;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The budget log's rule, alone: whatever the nodes propose and in whatever order, the ceilings they hold together
 * never pass the budget; every node applying the same records computes the same ceilings; a record out of bounds is
 * refused and changes nothing.
 */
class BudgetLogTest {

    private static final long DAY = 20_000;
    private static final long DAILY = 1_000_000;
    private static final long TOTAL = 3_000_000;

    /** Noon UTC of {@link #DAY}, epoch millis: when the broker appended the records of that day. */
    private static final long NOON = DAY * 86_400_000L + 43_200_000L;

    private static byte[] proposal(int node, long day, long dayCeiling, long totalCeiling, long seq) {
        return new Proposal(node, "c1", day, dayCeiling, totalCeiling, DAILY, TOTAL, seq).encode();
    }

    @Test
    void raisesAreGrantedOnlyFromWhatTheOthersLeaveAndLoweringsAlwaysHold() {
        BudgetLog log = new BudgetLog();
        log.apply(proposal(1, DAY, 600_000, 600_000, 1), NOON);
        log.apply(proposal(2, DAY, 600_000, 600_000, 1), NOON);
        assertEquals(600_000, log.dayCeiling("c1", 1, DAY));
        assertEquals(400_000, log.dayCeiling("c1", 2, DAY), "what node 1 left of the daily budget");
        assertEquals(600_000, log.totalCeiling("c1", 2), "the total has room");
        log.apply(proposal(2, DAY, 900_000, 900_000, 2), NOON);
        assertEquals(400_000, log.dayCeiling("c1", 2, DAY), "no room: the ceiling stays");
        log.apply(proposal(1, DAY, 100_000, 100_000, 2), NOON);
        assertEquals(100_000, log.dayCeiling("c1", 1, DAY), "a lowering holds whatever the room");
        log.apply(proposal(2, DAY, 950_000, 950_000, 3), NOON);
        assertEquals(900_000, log.dayCeiling("c1", 2, DAY), "raised to what node 1 handed back");
        assertEquals(DAILY, log.dayHeld("c1", DAY));
        log.apply(proposal(1, DAY + 1, 700_000, 700_000, 3), NOON + 86_400_000L);
        assertEquals(0, log.dayCeiling("c1", 2, DAY + 1), "a new day: nobody holds anything of it yet");
        assertEquals(700_000, log.dayCeiling("c1", 1, DAY + 1));
        assertEquals(950_000, log.totalCeiling("c1", 2), "the total goes on across days (it had room)");
        log.apply(proposal(2, DAY, 100_000, 800_000, 4), NOON + 86_400_000L);
        assertEquals(0, log.dayCeiling("c1", 2, DAY + 1), "a record of a day gone changes the total only");
        assertEquals(800_000, log.totalCeiling("c1", 2));
    }

    /** Random proposals of 5 nodes: the sum of ceilings never passes either budget, and two readers agree. */
    @Test
    void randomProposalsNeverHoldMoreThanTheBudgetAndEveryReaderAgrees() {
        Random random = new Random(13);
        BudgetLog first = new BudgetLog();
        BudgetLog second = new BudgetLog();
        for (int i = 0; i < 20_000; i++) {
            long day = DAY + i / 5_000;
            byte[] record = proposal(random.nextInt(5), day, (long) (random.nextDouble() * DAILY),
                    (long) (random.nextDouble() * TOTAL), i);
            long appendedAt = NOON + (day - DAY) * 86_400_000L;
            first.apply(record, appendedAt);
            second.apply(record, appendedAt);
            assertTrue(first.dayHeld("c1", day) <= DAILY, "day held " + first.dayHeld("c1", day));
            assertTrue(first.totalHeld("c1") <= TOTAL, "total held " + first.totalHeld("c1"));
            for (int node = 0; node < 5; node++) {
                assertEquals(first.dayCeiling("c1", node, day), second.dayCeiling("c1", node, day));
                assertEquals(first.totalCeiling("c1", node), second.totalCeiling("c1", node));
            }
        }
        assertEquals(20_000, first.applied());
        assertEquals(0, first.refused());
    }

    /** What someone who can write to the topic might try: each is refused, counted, and changes nothing. */
    @Test
    void recordsOutOfBoundsAreRefusedCountedAndNotApplied() {
        BudgetLog log = new BudgetLog();
        log.apply(proposal(1, DAY, 500_000, 500_000, 1), NOON);
        byte[] good = proposal(2, DAY, 100, 100, 1);
        byte[][] bad = {
            proposal(2, DAY, -1, 100, 2),                                   // a negative ceiling
            proposal(2, DAY, 100, -5, 2),
            proposal(2, DAY, DAILY + 1, 100, 2),                            // above its own budget
            new Proposal(2, "c1", DAY, 1, 1, -DAILY, TOTAL, 2).encode(),    // a negative budget
            new Proposal(2, "c1", DAY, 0, 0, DAILY, 0, 2).encode(),         // no budget at all
            new Proposal(1024, "c1", DAY, 1, 1, DAILY, TOTAL, 2).encode(),  // no such node id
            new Proposal(-1, "c1", DAY, 1, 1, DAILY, TOTAL, 2).encode(),
            proposal(2, -1, 100, 100, 2),                                   // a day before 1970
            new Proposal(2, "", DAY, 1, 1, DAILY, TOTAL, 2).encode(),       // no campaign
            new Proposal(2, "x".repeat(201), DAY, 1, 1, DAILY, TOTAL, 2).encode(),
            Arrays.copyOf(good, BudgetLog.HEADER_BYTES - 1),                // cut short
            withId(good, new byte[] {(byte) 0xC3, (byte) 0x28}),             // not UTF-8
            new byte[0],
            null,
        };
        for (byte[] record : bad) {
            assertNull(log.apply(record, NOON));
        }
        assertEquals(bad.length, log.refused());
        assertEquals(1, log.applied());
        assertEquals(500_000, log.dayHeld("c1", DAY));
        assertEquals(0, log.dayCeiling("c1", 2, DAY));
        assertNotNull(log.apply(good, NOON));
    }

    /**
     * A node with a clock 10,000 days ahead (or anyone who can write the topic) proposes for that day: refused and
     * counted, so the real day's ceilings still hold. A day starting within a minute of the append time (a node's
     * clock slightly ahead at midnight) is taken; one starting later is not, nor a record without an append time.
     */
    @Test
    void aDayFarAheadOfTheRecordsAppendTimeIsRefusedAndTheRealDayKeepsItsCeilings() {
        BudgetLog log = new BudgetLog();
        assertNull(log.apply(proposal(2, DAY + 10_000, 400_000, 400_000, 1), NOON));
        assertNotNull(log.apply(proposal(1, DAY, 600_000, 600_000, 1), NOON));
        assertEquals(600_000, log.dayCeiling("c1", 1, DAY), "the real day's ceiling holds");
        assertEquals(600_000, log.dayHeld("c1", DAY));
        assertEquals(0, log.totalCeiling("c1", 2), "the refused record changed no total either");
        assertEquals(1, log.refused());

        long midnight = (DAY + 1) * 86_400_000L;
        assertNull(log.apply(proposal(2, DAY + 1, 100, 100, 2), midnight - BudgetLog.MAX_AHEAD_MILLIS - 1));
        assertNull(log.apply(proposal(2, DAY, 100, 100, 2), -1), "no append time: no bound, refused");
        assertEquals(600_000, log.dayCeiling("c1", 1, DAY), "still day " + DAY);
        assertNotNull(log.apply(proposal(2, DAY + 1, 100, 100, 2), midnight - BudgetLog.MAX_AHEAD_MILLIS));
        assertEquals(100, log.dayCeiling("c1", 2, DAY + 1), "a minute early is a clock's skew: taken");
        assertEquals(3, log.refused());
    }

    @Test
    void newCampaignsBeyondTheLimitAreRefused() {
        BudgetLog log = new BudgetLog();
        for (int i = 0; i < BudgetLog.MAX_CAMPAIGNS; i++) {
            assertNotNull(log.apply(new Proposal(1, "c" + i, DAY, 1, 1, DAILY, TOTAL, i).encode(), NOON));
        }
        assertNull(log.apply(new Proposal(1, "one-more", DAY, 1, 1, DAILY, TOTAL, 0).encode(), NOON));
        assertNotNull(log.apply(new Proposal(2, "c7", DAY, 1, 1, DAILY, TOTAL, 0).encode(), NOON), "known ones go on");
        assertEquals(1, log.refused());
    }

    private static byte[] withId(byte[] record, byte[] id) {
        return ByteBuffer.allocate(BudgetLog.HEADER_BYTES + id.length).put(record, 0, BudgetLog.HEADER_BYTES).put(id)
                .array();
    }
}
