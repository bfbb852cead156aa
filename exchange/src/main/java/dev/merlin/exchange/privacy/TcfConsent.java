package dev.merlin.exchange.privacy;

import com.iabtcf.decoder.TCString;
import com.iabtcf.utils.IntIterable;
import com.iabtcf.v2.PublisherRestriction;
import com.iabtcf.v2.RestrictionType;
import java.util.List;

/**
 * Decodes a TCF v2 consent string with IAB Tech Lab's {@code iabtcf-decoder} and checks it against Merlin's vendor id
 * and required purposes. Called only on a cache miss; the outcome is one of four shared decisions.
 */
final class TcfConsent {

    private final int vendorId;
    private final int[] requiredPurposes;

    TcfConsent(int vendorId, List<Integer> requiredPurposes) {
        this.vendorId = vendorId;
        this.requiredPurposes = new int[requiredPurposes.size()];
        for (int i = 0; i < this.requiredPurposes.length; i++) {
            this.requiredPurposes[i] = requiredPurposes.get(i);
        }
    }

    /**
     * {@link PrivacyDecision#ALLOWED} when the string grants consent to every required purpose and to the vendor, else
     * the GDPR refusal that applies.
     *
     * <p>Only the consent bits count: purposes 1, 3 and 4 cannot rest on legitimate interest under TCF policy, and
     * purpose one treatment (purpose 1 not disclosed) is not read as consent. A publisher restriction naming Merlin
     * that forbids a required purpose or demands legitimate interest for it also refuses the purpose.
     */
    PrivacyDecision evaluate(String consent) {
        try {
            TCString tc = TCString.decode(consent);
            if (tc.getVersion() != 2) {
                return PrivacyDecision.refused(RefusalReason.GDPR_INVALID_CONSENT);
            }
            IntIterable purposes = tc.getPurposesConsent();
            for (int purpose : requiredPurposes) {
                if (!purposes.contains(purpose)) {
                    return PrivacyDecision.refused(RefusalReason.GDPR_PURPOSE_NOT_CONSENTED);
                }
            }
            for (PublisherRestriction restriction : tc.getPublisherRestrictions()) {
                if (isRequired(restriction.getPurposeId()) && restriction.getVendorIds().contains(vendorId)
                        && forbidsConsentBasis(restriction.getRestrictionType())) {
                    return PrivacyDecision.refused(RefusalReason.GDPR_PURPOSE_NOT_CONSENTED);
                }
            }
            if (!tc.getVendorConsent().contains(vendorId)) {
                return PrivacyDecision.refused(RefusalReason.GDPR_VENDOR_NOT_CONSENTED);
            }
            return PrivacyDecision.ALLOWED;
        } catch (RuntimeException e) {
            // TCStringDecodeException, IllegalArgumentException (bad base64), index errors on truncated strings
            return PrivacyDecision.refused(RefusalReason.GDPR_INVALID_CONSENT);
        }
    }

    private boolean isRequired(int purpose) {
        for (int required : requiredPurposes) {
            if (required == purpose) {
                return true;
            }
        }
        return false;
    }

    private static boolean forbidsConsentBasis(RestrictionType type) {
        return type == RestrictionType.NOT_ALLOWED || type == RestrictionType.REQUIRE_LEGITIMATE_INTEREST;
    }
}
