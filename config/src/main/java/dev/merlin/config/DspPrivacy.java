package dev.merlin.config;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What personal data a DSP may receive, beyond the consent Merlin already checks for itself.
 *
 * @param onDisallowed       what happens when {@code privacy.residency} does not allow the DSP's region to receive
 *                           the user's personal data: {@code contextual} (the request goes, stripped as without
 *                           consent; default) or {@code skip} (no request at all)
 * @param tcfVendorId        its id in the IAB Global Vendor List; when set and TCF applies, its own vendor consent
 *                           and the purposes its use needs are required before personal data goes to it
 * @param transmitUfpd       whether user first-party data goes: ids, segments, keywords
 * @param transmitEids       whether extended ids ({@code user.eids}) go
 * @param transmitPreciseGeo whether the precise location (and the full IP) goes
 * @param syncUser           whether user sync with it is offered
 * @param fetchBids          whether it is called at all
 */
public record DspPrivacy(String onDisallowed, Integer tcfVendorId, ActivityControl transmitUfpd,
                         ActivityControl transmitEids, ActivityControl transmitPreciseGeo, ActivityControl syncUser,
                         ActivityControl fetchBids) {

    /** The ways a DSP outside the residency rules is treated. */
    public static final Set<String> ON_DISALLOWED = Set.of("contextual", "skip");

    /** Fills unset values with defaults: contextual when disallowed, every activity allowed. */
    public DspPrivacy {
        onDisallowed = onDisallowed == null ? "contextual" : onDisallowed;
        transmitUfpd = transmitUfpd == null ? ActivityControl.allowed() : transmitUfpd;
        transmitEids = transmitEids == null ? ActivityControl.allowed() : transmitEids;
        transmitPreciseGeo = transmitPreciseGeo == null ? ActivityControl.allowed() : transmitPreciseGeo;
        syncUser = syncUser == null ? ActivityControl.allowed() : syncUser;
        fetchBids = fetchBids == null ? ActivityControl.allowed() : fetchBids;
    }

    /** All defaults. */
    public static DspPrivacy defaults() {
        return new DspPrivacy(null, null, null, null, null, null, null);
    }

    /** Whether a DSP outside the residency rules gets no request at all. */
    public boolean skipsWhenDisallowed() {
        return "skip".equals(onDisallowed);
    }

    void validate(String at, Map<String, List<String>> regions) {
        ConfigChecks.oneOf(at + ".onDisallowed", onDisallowed, ON_DISALLOWED);
        if (tcfVendorId != null) {
            ConfigChecks.range(at + ".tcfVendorId", tcfVendorId, 1, 65_535);
        }
        transmitUfpd.validate(at + ".transmitUfpd", regions);
        transmitEids.validate(at + ".transmitEids", regions);
        transmitPreciseGeo.validate(at + ".transmitPreciseGeo", regions);
        syncUser.validate(at + ".syncUser", regions);
        fetchBids.validate(at + ".fetchBids", regions);
    }
}
