package dev.merlin.exchange.dsp;

import dev.merlin.exchange.privacy.BuyerUids;
import dev.merlin.exchange.privacy.OutboundRules;
import dev.merlin.exchange.privacy.PairwiseIds;
import dev.merlin.exchange.privacy.SegmentSizes;

/**
 * What shapes the user data in each DSP's request: the rules deciding whether a DSP is called and what personal data
 * its request may carry, the pairwise ids that become its {@code user.id}, and which of Merlin's segments may
 * go.
 *
 * @param rules           consent, residency, activity controls and the DSP's TCF consent
 * @param pairwiseIds     the per-DSP user ids
 * @param census          how many users each of Merlin's segments holds
 * @param minSegmentUsers the fewest users a segment must hold to be sent ({@code privacy.minSegmentUsers})
 * @param buyerUids       the ids DSPs synced for Merlin's users: {@code user.buyeruid}, to that DSP only
 */
public record OutboundShaping(OutboundRules rules, PairwiseIds pairwiseIds, SegmentSizes census,
                              long minSegmentUsers, BuyerUids buyerUids) {
}
