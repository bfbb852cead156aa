package dev.merlin.exchange.dsp;

/**
 * A DSP's bid that won Merlin's auction for one imp, as {@link DspWinLedger} keeps it until the seller's notice:
 * what notifying the DSP and booking what it owes need.
 *
 * @param dspIndex            the DSP's index in the configured DSP list
 * @param dspId               the DSP's configured id
 * @param auctionEpochSeconds when the auction ran
 * @param clearingMicros      the clearing price the DSP pays, in its currency, micros (CPM): {@code ${AUCTION_PRICE}}
 * @param currency            the DSP's currency
 * @param chargeMicros        what the DSP pays in the exchange currency, micros (CPM)
 * @param bidId               the bid's {@code id}: {@code ${AUCTION_BID_ID}}
 * @param impId               the bid's {@code impid}: {@code ${AUCTION_IMP_ID}}
 * @param seat                the seat it bid for, or null: {@code ${AUCTION_SEAT_ID}}
 * @param adId                the bid's {@code adid}, or null: {@code ${AUCTION_AD_ID}}
 * @param nurl                the DSP's win notice URL, or null
 * @param burl                the DSP's billing notice URL, or null
 * @param lurl                the DSP's loss notice URL, or null
 * @param isWinNotified       whether Merlin's win notice for it came (and its {@code nurl} was handed on)
 * @param isNurlServed        whether the bid had no markup, so the seller calls its {@code nurl} for it and Merlin
 *                            never does
 * @param userRegion          the user's region the auction's request gave (alpha-3), or null when unknown: the
 *                            data-flow ledger counts the DSP's notices under it
 */
public record DspWin(int dspIndex, String dspId, long auctionEpochSeconds, long clearingMicros, String currency,
                     long chargeMicros, String bidId, String impId, String seat, String adId, String nurl,
                     String burl, String lurl, boolean isWinNotified,
                     boolean isNurlServed, String userRegion) {
}
