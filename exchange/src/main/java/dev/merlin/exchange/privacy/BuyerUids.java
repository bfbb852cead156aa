package dev.merlin.exchange.privacy;

/**
 * The ids DSPs gave Merlin for its users through user sync ({@code /setuid}): what fills {@code user.buyeruid} in the
 * bid request to that DSP, and only to that DSP. Read on the event loop: allocation-free where the store allows.
 */
public interface BuyerUids {

    /** No synced ids at all. */
    BuyerUids NONE = (userHash, dspIndex, nowEpochSeconds) -> null;

    /**
     * The id the DSP at {@code dspIndex} (its index in the configured {@code dsps} list) synced for the user with
     * Merlin's {@code userHash}, or null: never synced, expired at {@code nowEpochSeconds}, or erased.
     */
    CharSequence buyerUid(long userHash, int dspIndex, long nowEpochSeconds);
}
