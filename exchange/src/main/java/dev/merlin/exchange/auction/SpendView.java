package dev.merlin.exchange.auction;

/**
 * What the auction asks about money: may this campaign spend now (budgets and pacing), and what has it spent — so
 * that the impressions one request wins stay within what is left of its budgets.
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
}
