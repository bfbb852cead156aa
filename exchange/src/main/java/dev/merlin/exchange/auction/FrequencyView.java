package dev.merlin.exchange.auction;

/** What the auction asks about a user's exposure: impressions of a campaign in the current cap period. */
public interface FrequencyView {

    /** A view where nobody has seen anything. */
    FrequencyView NONE = (userHash, campaign, nowEpochSeconds) -> 0;

    /** Impressions of {@code campaign} served to the user with {@code userHash} in the current period. */
    int impressions(long userHash, Campaign campaign, long nowEpochSeconds);
}
