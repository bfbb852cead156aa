package dev.merlin.exchange.privacy;

import java.util.Locale;

/** Why the consent gate refused the use of personal data; each value is one rule of {@link ConsentGate}. */
public enum RefusalReason {
    /** {@code coppa=1}: child-directed inventory. */
    COPPA,
    /** {@code device.lmt=1} or iOS ATT not authorized ({@code device.ext.atts} 0-2): the device limits ad tracking. */
    LMT,
    /** GDPR applies and no TCF v2 consent string came with it (neither {@code user.consent} nor a GPP TCF section). */
    GDPR_NO_CONSENT_STRING,
    /** GDPR applies and the consent string does not decode as TCF v2. */
    GDPR_INVALID_CONSENT,
    /** GDPR applies and a required purpose lacks consent (or a publisher restriction forbids it). */
    GDPR_PURPOSE_NOT_CONSENTED,
    /** GDPR applies and Merlin's vendor id lacks consent. */
    GDPR_VENDOR_NOT_CONSENTED,
    /** The US Privacy string says the user opted out of sale. */
    US_PRIVACY_OPT_OUT,
    /** An applicable GPP section signals an opt-out (sale, sharing, targeted advertising, GPC) or a known child. */
    GPP_OPT_OUT,
    /** The GPP string does not decode (an opt-out or, under GDPR, the consent it may carry cannot be read). */
    GPP_INVALID,
    /** The user opted out with Merlin itself. */
    USER_OPT_OUT,
    /** Audience data is not rolled out in the user's country (or the country is unknown). */
    REGION_NOT_ROLLED_OUT,
    /** The user is in the rollout's control group ({@code privacy.holdout}): kept contextual to measure it. */
    HOLDOUT;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The reason as a lower-case metric label, e.g. {@code gdpr_no_consent_string}. */
    public String label() {
        return label;
    }
}
