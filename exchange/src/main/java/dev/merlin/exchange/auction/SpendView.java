package dev.merlin.exchange.auction;

/**
 * What the auction asks about money: may this campaign spend now (budgets and pacing), what has it spent and
 * committed, and — for each imp it wins — a commitment of the imp's price against its budgets, so that the imps
 * won before any notice arrives (in one request or in many) stay within what is left of them.
 */
public interface SpendView {

    /** A view with unlimited money, for tests and benchmarks of targeting alone: nothing spent, always may spend. */
    SpendView UNLIMITED = (campaign, nowEpochSeconds) -> true;

    /** True when the campaign has budget left and is not ahead of its pacing. */
    boolean canSpend(Campaign campaign, long nowEpochSeconds);

    /** Spend of the current UTC day, micros (as of the last {@link #canSpend} call); none unless a ledger says. */
    default long spentTodayMicros(Campaign campaign) {
        return 0;
    }

    /** Spend since the campaign began, micros; none unless a ledger says. */
    default long spentTotalMicros(Campaign campaign) {
        return 0;
    }

    /** Open commitments of auctions run today, micros; none unless a ledger says. */
    default long committedTodayMicros(Campaign campaign) {
        return 0;
    }

    /** All open commitments, micros; none unless a ledger says. */
    default long committedTotalMicros(Campaign campaign) {
        return 0;
    }

    /**
     * Commits {@code amountMicros} (one imp's price to the advertiser) against the campaign's daily and total
     * budgets when what is spent and committed leaves room for it; false, committing nothing, when not. Never
     * allocates. Without a ledger there is nothing to commit against.
     */
    default boolean reserve(Campaign campaign, long amountMicros, long nowEpochSeconds) {
        return true;
    }
}
