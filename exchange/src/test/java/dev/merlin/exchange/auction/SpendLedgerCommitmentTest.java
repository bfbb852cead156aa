package dev.merlin.exchange.auction;

import static dev.merlin.exchange.auction.AuctionFixture.campaign;
import static dev.merlin.exchange.auction.AuctionFixture.config;
import static dev.merlin.exchange.auction.AuctionFixture.epochSeconds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.MerlinConfig;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Commitments on a real ledger in a temporary data dir: concurrency, the day's turn, a restart. */
class SpendLedgerCommitmentTest {

    private static final long NOON = epochSeconds("2026-06-15T12:00:00Z");
    private static final long WINDOW = 86_400;

    @TempDir
    Path dataDir;

    private final MerlinConfig config = config(0,
            campaign("capped").bid(3).set("dailyBudget", "1").set("totalBudget", "1.5").set("pacing", "asap"));
    private final CampaignCatalog catalog = new CampaignCatalog(config);

    /** Event loops reserve at once: under the campaign's lock the budget is never over-committed. */
    @Test
    @Timeout(30)
    void concurrentReservationsNeverCommitMoreThanTheBudget() throws Exception {
        try (SpendLedger ledger = new SpendLedger(catalog, dataDir, 1_000, WINDOW, NOON)) {
            Campaign capped = catalog.byId("capped");
            int threads = 4;
            AtomicInteger reserved = new AtomicInteger();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread thread = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < 50_000; i++) {
                        if (ledger.reserve(capped, 3_000, NOON)) {
                            reserved.incrementAndGet();
                        }
                    }
                });
                thread.start();
                running.add(thread);
            }
            start.countDown();
            for (Thread thread : running) {
                thread.join(TimeUnit.SECONDS.toMillis(20));
            }
            assertEquals(333, reserved.get(), "1,000,000 micros cover 333 imps at 3,000");
            assertEquals(999_000, ledger.committedTodayMicros(capped));
            assertEquals(999_000, ledger.committedTotalMicros(capped));
        }
    }

    /** Yesterday's open commitments hold against yesterday's daily budget and the total, not today's. */
    @Test
    void theDayTurnsAndYesterdaysCommitmentsStayWithYesterdayAndTheTotal() {
        try (SpendLedger ledger = new SpendLedger(catalog, dataDir, 1_000, WINDOW, NOON)) {
            Campaign capped = catalog.byId("capped");
            assertTrue(ledger.reserve(capped, 900_000, NOON));
            assertTrue(ledger.recordCommitment("a1", "1", capped, 900_000, NOON));
            assertFalse(ledger.reserve(capped, 200_000, NOON), "the day's 1 USD is committed");
            long tomorrow = NOON + 86_400;
            assertTrue(ledger.canSpend(capped, tomorrow));
            assertEquals(0, ledger.committedTodayMicros(capped));
            assertFalse(ledger.reserve(capped, 700_000, tomorrow), "the total's 1.5 USD holds 0.9 committed");
            assertTrue(ledger.reserve(capped, 600_000, tomorrow));
            assertEquals(SpendLedger.Charge.CHARGED, ledger.charge("a1", "1", NOON, capped, 800_000, tomorrow));
            assertEquals(800_000, ledger.spentOnDayMicros(capped, LocalDate.of(2026, 6, 15)), "the auction's day");
            assertEquals(0, ledger.spentTodayMicros(capped));
            assertEquals(600_000, ledger.committedTodayMicros(capped));
            assertEquals(600_000, ledger.committedTotalMicros(capped));
            assertEquals(800_000, ledger.spentTotalMicros(capped));
        }
    }

    /** A charge with no commitment open (a loss came first, or it was lost) is at most what the budgets leave. */
    @Test
    void aChargeWithoutACommitmentIsAtMostWhatTheBudgetsLeave() {
        try (SpendLedger ledger = new SpendLedger(catalog, dataDir, 1_000, WINDOW, NOON)) {
            Campaign capped = catalog.byId("capped");
            assertTrue(ledger.reserve(capped, 300_000, NOON));
            assertTrue(ledger.recordCommitment("a1", "1", capped, 300_000, NOON));
            assertTrue(ledger.release("a1", "1"));
            assertFalse(ledger.release("a1", "1"), "released once");
            assertTrue(ledger.reserve(capped, 900_000, NOON));
            SpendLedger.Settled settled = ledger.settle("a1", "1", NOON, capped, 300_000, NOON + 5);
            assertEquals(SpendLedger.Charge.CHARGED, settled.outcome());
            assertEquals(100_000, settled.chargedMicros(), "1 USD a day, 0.9 committed: 0.1 left");
            assertEquals(1_000_000, ledger.spentTodayMicros(capped) + ledger.committedTodayMicros(capped));
        }
    }

    /**
     * A loss, then the same impression's bill after midnight: the loss released a1's commitment, a2 took the rest of
     * the day, and a1's bill the next day may charge only what day D's spend and a2's still open commitment leave, so
     * day D's spend stays within its budget whichever bill comes first. A bill after a loss is still charged (within
     * that room): the loss is not remembered, so it took no room in the charge-once map.
     */
    @Test
    void aBillAfterItsLossPastMidnightChargesOnlyWhatTheDaysOpenCommitmentsLeave() {
        try (SpendLedger ledger = new SpendLedger(catalog, dataDir, 1_000, WINDOW, NOON)) {
            Campaign capped = catalog.byId("capped");
            assertTrue(ledger.reserve(capped, 300_000, NOON));
            assertTrue(ledger.recordCommitment("a1", "1", capped, 300_000, NOON));
            assertTrue(ledger.release("a1", "1"));
            assertEquals(0, ledger.chargedImpressions(), "a loss is not remembered");
            assertTrue(ledger.reserve(capped, 900_000, NOON));
            assertTrue(ledger.recordCommitment("a2", "1", capped, 900_000, NOON));
            long lastSecondOfTheWindow = NOON + WINDOW;
            SpendLedger.Settled released = ledger.settle("a1", "1", NOON, capped, 300_000, lastSecondOfTheWindow);
            assertEquals(SpendLedger.Charge.CHARGED, released.outcome());
            assertEquals(100_000, released.chargedMicros(), "1 USD for the day, 0.9 still committed to a2: 0.1 left");
            SpendLedger.Settled committed = ledger.settle("a2", "1", NOON, capped, 900_000, lastSecondOfTheWindow);
            assertEquals(900_000, committed.chargedMicros(), "an open commitment settles whole");
            assertEquals(1_000_000, ledger.spentOnDayMicros(capped, LocalDate.of(2026, 6, 15)), "the daily budget");
            assertEquals(1_000_000, ledger.spentTotalMicros(capped));
            assertEquals(0, ledger.spentTodayMicros(capped), "nothing of it booked on the next day");
        }
    }

    /**
     * With a charge window of days, a past day's bill without a commitment counts the open commitments of every
     * earlier day, not only its own: the ledger keeps no per-day commitments for days past, so it over-counts (the
     * bill may charge less than the day leaves), never under.
     */
    @Test
    void aPastDaysBillWithoutACommitmentCountsEveryEarlierDaysOpenCommitment() {
        try (SpendLedger ledger = new SpendLedger(catalog, dataDir, 1_000, 3 * WINDOW, NOON)) {
            Campaign capped = catalog.byId("capped");
            long nextNoon = NOON + 86_400;
            assertTrue(ledger.reserve(capped, 800_000, NOON));
            assertTrue(ledger.recordCommitment("a0", "1", capped, 800_000, NOON));
            assertTrue(ledger.reserve(capped, 300_000, nextNoon));
            assertTrue(ledger.recordCommitment("a1", "1", capped, 300_000, nextNoon));
            assertTrue(ledger.release("a1", "1"));
            long dayAfter = nextNoon + 86_400;
            assertEquals(200_000, ledger.settle("a1", "1", nextNoon, capped, 300_000, dayAfter).chargedMicros(),
                    "day D's 0.8 still open is counted against day D+1 too: 0.2 of its 1 USD left");
            assertEquals(800_000, ledger.settle("a0", "1", NOON, capped, 800_000, dayAfter).chargedMicros());
            assertEquals(200_000, ledger.spentOnDayMicros(capped, LocalDate.of(2026, 6, 16)));
            assertEquals(1_000_000, ledger.spentTotalMicros(capped));
        }
    }

    /**
     * Bills without a commitment for a past day, from several event loops at once: each reads the day's spend from
     * the map under the campaign's lock, so each charge must be in the map before the lock is let go, or the next
     * reads a stale day and charges past its budget.
     */
    @Test
    @Timeout(60)
    void concurrentBillsAfterTheirLossesForAPastDayNeverChargePastItsBudget() throws Exception {
        try (SpendLedger ledger = new SpendLedger(catalog, dataDir, 10_000, WINDOW, NOON)) {
            Campaign capped = catalog.byId("capped");
            int threads = 4;
            int billsEach = 500;
            for (int i = 0; i < threads * billsEach; i++) {
                assertTrue(ledger.reserve(capped, 1_000, NOON));
                assertTrue(ledger.recordCommitment("a" + i, "1", capped, 1_000, NOON));
                assertTrue(ledger.release("a" + i, "1"));
            }
            long nextDay = NOON + 86_400;
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t * billsEach;
                Thread thread = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = first; i < first + billsEach; i++) {
                        ledger.settle("a" + i, "1", NOON, capped, 1_000, nextDay);
                    }
                });
                thread.start();
                running.add(thread);
            }
            start.countDown();
            for (Thread thread : running) {
                thread.join(TimeUnit.SECONDS.toMillis(50));
            }
            assertEquals(threads * billsEach, ledger.chargedImpressions(), "every bill settled");
            assertEquals(1_000_000, ledger.spentOnDayMicros(capped, LocalDate.of(2026, 6, 15)), "the daily budget");
            assertEquals(1_000_000, ledger.spentTotalMicros(capped));
        }
    }

    @Test
    void aRestartReadsOpenCommitmentsBackAndTheRecordsAgree() {
        Campaign capped = catalog.byId("capped");
        try (SpendLedger ledger = new SpendLedger(catalog, dataDir, 1_000, WINDOW, NOON)) {
            for (int i = 0; i < 3; i++) {
                assertTrue(ledger.reserve(capped, 100_000, NOON));
                assertTrue(ledger.recordCommitment("a" + i, "1", capped, 100_000, NOON));
            }
            ledger.charge("a0", "1", NOON, capped, 40_000, NOON + 1);
        }
        try (SpendLedger reopened = new SpendLedger(catalog, dataDir, 1_000, WINDOW, NOON + 60)) {
            assertEquals(new SpendLedger.Totals(40_000, 200_000, 40_000, 200_000), reopened.totals(capped));
            assertEquals(200_000, reopened.recordedCommitmentsMicros(capped));
            assertEquals(2, reopened.openCommitments());
            assertEquals(2, reopened.releaseExpiredCommitments(NOON + WINDOW + 1));
            assertEquals(new SpendLedger.Totals(40_000, 0, 40_000, 0), reopened.totals(capped));
        }
    }

    /**
     * The bid path records by the numeric auction id; a notice finds the record by the id's text as links carry it,
     * and the other way round: the two forms write the same key and the same record.
     */
    @Test
    void aCommitmentRecordedByTheNumericIdIsTheOneTheLinksTextFinds() {
        try (SpendLedger ledger = new SpendLedger(catalog, dataDir, 1_000, WINDOW, NOON)) {
            Campaign capped = catalog.byId("capped");
            long[] ids = {1L, 0xfL, 0x10L, 0x0123_4567_89ab_cdefL, -1L};
            for (long id : ids) {
                assertTrue(ledger.reserve(capped, 3_000, NOON));
                assertTrue(ledger.recordCommitment(id, new StringBuilder("imp-1"), capped, 3_000, NOON));
                assertEquals(1, ledger.openCommitments());
                assertEquals(3_000, ledger.recordedCommitmentsMicros(capped), "the record reads back");
                assertTrue(ledger.release(AuctionIds.format(id), "imp-1"), "found by the link's text: " + id);
                assertEquals(0, ledger.committedTotalMicros(capped));

                assertTrue(ledger.reserve(capped, 3_000, NOON));
                assertTrue(ledger.recordCommitment(AuctionIds.format(id), "imp-1", capped, 3_000, NOON));
                assertFalse(ledger.release(id, "imp-2"), "another imp's key");
                assertTrue(ledger.release(id, "imp-1"), "found by the number: " + id);
                assertEquals(0, ledger.openCommitments());
            }
        }
    }
}
