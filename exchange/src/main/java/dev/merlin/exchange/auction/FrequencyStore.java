package dev.merlin.exchange.auction;

import dev.merlin.exchange.store.WindowCounters;
import java.nio.file.Path;

/**
 * Frequency caps: impressions per (user, campaign) in the campaign's cap period, counted off-heap in
 * {@link WindowCounters} so they survive a restart. Reading allocates nothing.
 */
public final class FrequencyStore implements FrequencyView, AutoCloseable {

    static final String FILE = "frequency.cm3";

    private final WindowCounters counters;
    private volatile Listener listener;

    /** Told of each impression this node counts (not of those {@link #apply} takes from other nodes). */
    @FunctionalInterface
    public interface Listener {

        /** The user with {@code userHash} saw {@code campaign} at {@code epochSeconds}; must not block. */
        void recorded(long userHash, Campaign campaign, long epochSeconds);
    }

    /** Opens the store under {@code dataDir}, sized for {@code entries} (user, campaign) pairs. */
    public FrequencyStore(Path dataDir, long entries) {
        this.counters = new WindowCounters(dataDir, FILE, "merlin-frequency", entries);
    }

    @Override
    public int impressions(long userHash, Campaign campaign, long nowEpochSeconds) {
        return counters.count(WindowCounters.key(userHash, campaign.slot), nowEpochSeconds,
                campaign.frequencyCapPeriodSeconds);
    }

    /** Counts one impression of {@code campaign} for the user (only campaigns with a cap are counted). */
    public void record(long userHash, Campaign campaign, long nowEpochSeconds) {
        if (campaign.frequencyCapImpressions == 0 || userHash == 0) {
            return;
        }
        counters.increment(WindowCounters.key(userHash, campaign.slot), nowEpochSeconds,
                campaign.frequencyCapPeriodSeconds);
        Listener told = listener;
        if (told != null) {
            told.recorded(userHash, campaign, nowEpochSeconds);
        }
    }

    /** Tells {@code next} of every impression counted from now on; null: nobody. */
    public void listen(Listener next) {
        listener = next;
    }

    /**
     * Counts an impression served at {@code impressionEpochSeconds} that no listener is told of — another node's, or
     * one of this node's counted again after {@link #takeBack} — unless its cap period is over by
     * {@code nowEpochSeconds}; false when it was not counted.
     */
    public boolean apply(long userHash, Campaign campaign, long impressionEpochSeconds, long nowEpochSeconds) {
        if (campaign.frequencyCapImpressions == 0 || userHash == 0
                || nowEpochSeconds - impressionEpochSeconds >= campaign.frequencyCapPeriodSeconds) {
            return false;
        }
        return counters.increment(WindowCounters.key(userHash, campaign.slot), impressionEpochSeconds,
                campaign.frequencyCapPeriodSeconds) > 0;
    }

    /**
     * Takes back an impression of {@code campaign} counted for the user at {@code auctionEpochSeconds} (its bid lost
     * at the seller), when the cap period open at {@code nowEpochSeconds} still holds it; false when it changed
     * nothing. No listener is told: other nodes keep counting it, which only holds the user to less.
     */
    public boolean takeBack(long userHash, Campaign campaign, long auctionEpochSeconds, long nowEpochSeconds) {
        if (campaign.frequencyCapImpressions == 0 || userHash == 0) {
            return false;
        }
        return counters.decrement(WindowCounters.key(userHash, campaign.slot), auctionEpochSeconds, nowEpochSeconds,
                campaign.frequencyCapPeriodSeconds);
    }

    /** Forgets the user's counts for every campaign (erasure). */
    public void erase(long userHash, int campaigns) {
        for (int i = 0; i < campaigns; i++) {
            counters.remove(WindowCounters.key(userHash, i));
        }
    }

    @Override
    public void close() {
        counters.close();
    }
}
