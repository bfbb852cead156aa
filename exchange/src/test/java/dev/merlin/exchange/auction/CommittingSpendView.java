package dev.merlin.exchange.auction;

import java.util.Arrays;

/**
 * A ledger stand-in for engine tests: every campaign has spent {@code spentMicros} today and in total, and each win
 * the engine reserves is committed in memory as {@link SpendLedger} commits it, until {@link #clear}.
 */
final class CommittingSpendView implements SpendView {

    private final long spentMicros;
    private final long[] committedMicros = new long[64];

    CommittingSpendView(long spentMicros) {
        this.spentMicros = spentMicros;
    }

    /** Forgets every commitment (their notices came); allocates nothing. */
    void clear() {
        Arrays.fill(committedMicros, 0);
    }

    @Override
    public boolean canSpend(Campaign campaign, long nowEpochSeconds) {
        return spentMicros + committedMicros[campaign.index]
                < Math.min(campaign.dailyBudgetMicros, campaign.totalBudgetMicros);
    }

    @Override
    public long spentTodayMicros(Campaign campaign) {
        return spentMicros;
    }

    @Override
    public long spentTotalMicros(Campaign campaign) {
        return spentMicros;
    }

    @Override
    public long committedTodayMicros(Campaign campaign) {
        return committedMicros[campaign.index];
    }

    @Override
    public long committedTotalMicros(Campaign campaign) {
        return committedMicros[campaign.index];
    }

    @Override
    public boolean reserve(Campaign campaign, long amountMicros, long nowEpochSeconds) {
        long left = Math.min(campaign.dailyBudgetMicros, campaign.totalBudgetMicros) - spentMicros
                - committedMicros[campaign.index];
        if (amountMicros > left) {
            return false;
        }
        committedMicros[campaign.index] += amountMicros;
        return true;
    }
}
