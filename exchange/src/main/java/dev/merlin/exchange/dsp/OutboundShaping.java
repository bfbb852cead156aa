package dev.merlin.exchange.dsp;

import dev.merlin.exchange.privacy.OutboundRules;
import dev.merlin.exchange.privacy.PairwiseIds;

/**
 * What shapes the user data in each DSP's request: the rules deciding whether a DSP is called and what personal data
 * its request may carry, and the pairwise ids that become its {@code user.id}.
 *
 * @param rules       consent, residency, activity controls and the DSP's TCF consent
 * @param pairwiseIds the per-DSP user ids
 */
public record OutboundShaping(OutboundRules rules, PairwiseIds pairwiseIds) {
}
