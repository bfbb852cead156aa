package dev.merlin.exchange.auction;

/** What the auction asks about money: may this campaign spend now (budgets and pacing)? */
public interface SpendView {

    /** A view with unlimited money, for tests and benchmarks of targeting alone. */
    SpendView UNLIMITED = (campaign, nowEpochSeconds) -> true;

    /** True when the campaign has budget left and is not ahead of its pacing. */
    boolean canSpend(Campaign campaign, long nowEpochSeconds);
}
