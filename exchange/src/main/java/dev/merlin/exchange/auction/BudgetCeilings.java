package dev.merlin.exchange.auction;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * When nodes share budgets: per campaign slot, how far this node's own spend plus open commitments may go, for the
 * current UTC day and in total. The ceilings are what the budget log granted this node (see
 * {@code cluster.BudgetShare}); {@link SpendLedger} checks them beside the budgets, on the bid path, allocation-free.
 * A day ceiling holds for its day only: on a new day the node has none until one is granted.
 *
 * <p>Written by the one thread that shares budgets, read by the event loops under the campaign's ledger lock.
 */
final class BudgetCeilings {

    private final AtomicLongArray dayCeilingMicros;
    private final AtomicLongArray dayCeilingEpochDay;
    private final AtomicLongArray totalCeilingMicros;

    /** Ceilings for {@code slots} campaigns, all 0: nothing may be spent before a grant. */
    BudgetCeilings(int slots) {
        this.dayCeilingMicros = new AtomicLongArray(slots);
        this.dayCeilingEpochDay = new AtomicLongArray(slots);
        this.totalCeilingMicros = new AtomicLongArray(slots);
        for (int i = 0; i < slots; i++) {
            dayCeilingEpochDay.set(i, Long.MIN_VALUE);
        }
    }

    /** The slot's ceiling for UTC day {@code epochDay}: 0 when none was granted for that day. */
    long dayCeiling(int slot, long epochDay) {
        return dayCeilingEpochDay.get(slot) == epochDay ? dayCeilingMicros.get(slot) : 0;
    }

    /** The slot's ceiling for spend since the campaign began. */
    long totalCeiling(int slot) {
        return totalCeilingMicros.get(slot);
    }

    /** Sets both ceilings of a slot. */
    void set(int slot, long epochDay, long dayCeiling, long totalCeiling) {
        dayCeilingEpochDay.set(slot, epochDay);
        dayCeilingMicros.set(slot, dayCeiling);
        totalCeilingMicros.set(slot, totalCeiling);
    }
}
