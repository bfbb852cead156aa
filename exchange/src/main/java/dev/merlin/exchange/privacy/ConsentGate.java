package dev.merlin.exchange.privacy;

import dev.merlin.config.PrivacyConfig;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Regs;
import dev.merlin.protocol.model.User;
import java.util.List;

/**
 * Decides, once per bid request or tracked event, whether personal data may be used: segments looked up or
 * recorded, user ids passed on, cookies set. The one place the auction, the pixel and the events API ask.
 *
 * <p>The rules run in this order and the first that matches refuses:
 * <ol>
 *   <li>{@code coppa=1} → {@link RefusalReason#COPPA}: child-directed inventory; COPPA forbids behavioural
 *       advertising to children without verifiable parental consent, which no signal here can prove.</li>
 *   <li>the user opted out with Merlin → {@link RefusalReason#USER_OPT_OUT}: our own promise, whatever the
 *       publisher's signals say.</li>
 *   <li>{@code device.lmt=1}, or iOS App Tracking Transparency not authorized ({@code device.ext.atts} 0 not
 *       determined, 1 restricted, 2 denied) → {@link RefusalReason#LMT}: the OS-level "limit ad tracking" choice
 *       (iOS ATT, Android opt-out); the device asked not to be tracked.</li>
 *   <li>GDPR applies ({@code gdpr=1}, or {@code gdpr} absent and {@code gpp_sid} listing section 2, the EU TCF v2
 *       section) → a TCF v2 consent string is required: {@code user.consent}, else the GPP string's {@code tcfeuv2}
 *       section ({@link RefusalReason#GDPR_NO_CONSENT_STRING} when neither is there, {@link RefusalReason#GPP_INVALID}
 *       when the GPP string that might hold it does not decode). It must decode
 *       ({@link RefusalReason#GDPR_INVALID_CONSENT}), must grant consent to every configured purpose
 *       (default 1 store/access, 3 create profile, 4 use profile; {@link RefusalReason#GDPR_PURPOSE_NOT_CONSENTED})
 *       and to Merlin's vendor id ({@link RefusalReason#GDPR_VENDOR_NOT_CONSENTED}): under GDPR and ePrivacy,
 *       building and using an audience profile needs the user's consent, and TCF is how it is expressed. An explicit
 *       {@code gdpr=0} wins over {@code gpp_sid}.</li>
 *   <li>{@code us_privacy} with opt-out of sale {@code Y} (third character) →
 *       {@link RefusalReason#US_PRIVACY_OPT_OUT}: the CCPA "do not sell" right. A malformed string is treated as no
 *       signal.</li>
 *   <li>a GPP string → every applicable section ({@code gpp_sid}, else all present) is checked for a sale, sharing or
 *       targeted-advertising opt-out, GPC, or a known child → {@link RefusalReason#GPP_OPT_OUT}: the US state laws
 *       give these opt-outs. A string that does not decode refuses ({@link RefusalReason#GPP_INVALID}): it may
 *       carry an opt-out we cannot read, so the gate fails closed.</li>
 *   <li>{@code personalizationCountries} set and the country unknown or not listed →
 *       {@link RefusalReason#REGION_NOT_ROLLED_OUT}: audience data is launched country by country, after the legal
 *       review for that country.</li>
 *   <li>a bid request's user is in the rollout's control group ({@link Holdout}, {@code privacy.holdout}) →
 *       {@link RefusalReason#HOLDOUT}: kept contextual so the rollout is measured against them. Asked last, so the
 *       control group holds only users the rollout would otherwise reach; only
 *       {@link #decide(BidRequest, CharSequence)} asks it, since only a bid request has the user key.</li>
 * </ol>
 *
 * <p>For a bid request the gate also owns Merlin's own opt-out: {@link #decide(BidRequest, CharSequence)} consults the
 * {@link OptOutRegistry} for the request's user key once the request's signals allow personal data (a lookup only
 * where it can change the answer), so a request refused by its own signals is counted under that signal's reason.
 *
 * <p>Cheap on the bid path: {@link #decide(BidRequest)} reads the model's fields directly, and decoded TCF and GPP
 * strings are cached by their raw text ({@link ConsentStringCache}), so a repeated string costs a hash and an
 * {@code equals} and allocates nothing. Thread-safe: share one instance.
 */
public final class ConsentGate {

    /** Cache slots per string kind (TCF, GPP) when not given. */
    public static final int DEFAULT_CACHE_SLOTS = 4_096;

    private static final PrivacyDecision COPPA = PrivacyDecision.refused(RefusalReason.COPPA);
    private static final PrivacyDecision USER_OPT_OUT = PrivacyDecision.refused(RefusalReason.USER_OPT_OUT);
    private static final PrivacyDecision LMT = PrivacyDecision.refused(RefusalReason.LMT);
    private static final PrivacyDecision GDPR_NO_CONSENT_STRING =
            PrivacyDecision.refused(RefusalReason.GDPR_NO_CONSENT_STRING);
    private static final PrivacyDecision US_PRIVACY_OPT_OUT = PrivacyDecision.refused(RefusalReason.US_PRIVACY_OPT_OUT);
    private static final PrivacyDecision GPP_OPT_OUT = PrivacyDecision.refused(RefusalReason.GPP_OPT_OUT);
    private static final PrivacyDecision GPP_INVALID = PrivacyDecision.refused(RefusalReason.GPP_INVALID);
    private static final PrivacyDecision REGION_NOT_ROLLED_OUT =
            PrivacyDecision.refused(RefusalReason.REGION_NOT_ROLLED_OUT);
    private static final PrivacyDecision HOLDOUT = PrivacyDecision.refused(RefusalReason.HOLDOUT);

    private final OptOutRegistry optOuts;
    private final Holdout holdout;
    private final String[] personalizationCountries;
    private final ConsentStringCache<PrivacyDecision> tcfCache;
    private final ConsentStringCache<GppSignal> gppCache;

    /**
     * A gate for the given privacy settings without an opt-out registry (the consent rules alone: nobody opted out
     * with Merlin unless the caller says so), with {@link #DEFAULT_CACHE_SLOTS} cache slots.
     */
    public ConsentGate(PrivacyConfig config) {
        this(config, DEFAULT_CACHE_SLOTS, null);
    }

    /** A gate for the given privacy settings and Merlin's own opt-outs, with {@link #DEFAULT_CACHE_SLOTS} slots. */
    public ConsentGate(PrivacyConfig config, OptOutRegistry optOuts) {
        this(config, DEFAULT_CACHE_SLOTS, optOuts);
    }

    /**
     * A gate for the given privacy settings without an opt-out registry.
     *
     * @param cacheSlots decoded strings kept per kind (TCF, GPP); a power of two
     */
    public ConsentGate(PrivacyConfig config, int cacheSlots) {
        this(config, cacheSlots, null);
    }

    /**
     * A gate for the given privacy settings.
     *
     * @param cacheSlots decoded strings kept per kind (TCF, GPP); a power of two
     * @param optOuts    users who opted out with Merlin, consulted by {@link #decide(BidRequest, CharSequence)};
     *                   null when there is no registry (the consent rules alone)
     */
    public ConsentGate(PrivacyConfig config, int cacheSlots, OptOutRegistry optOuts) {
        this(config, cacheSlots, optOuts, Holdout.NONE);
    }

    /**
     * A gate for the given privacy settings, Merlin's own opt-outs and the rollout's control group.
     *
     * @param cacheSlots decoded strings kept per kind (TCF, GPP); a power of two
     * @param optOuts    users who opted out with Merlin (null: none known)
     * @param holdout    the rollout's control group, asked by {@link #decide(BidRequest, CharSequence)}
     */
    public ConsentGate(PrivacyConfig config, int cacheSlots, OptOutRegistry optOuts, Holdout holdout) {
        this.optOuts = optOuts;
        this.holdout = holdout;
        this.personalizationCountries = config.personalizationCountries().toArray(new String[0]);
        TcfConsent tcf = new TcfConsent(config.vendorId(), config.requiredPurposes());
        this.tcfCache = new ConsentStringCache<>(cacheSlots, tcf::evaluate);
        this.gppCache = new ConsentStringCache<>(cacheSlots, GppSignal::decode);
    }

    /** The decision for a bid request, whose user has not opted out with Merlin as far as the caller knows. */
    public PrivacyDecision decide(BidRequest request) {
        return decide(request, false);
    }

    /**
     * The one decision for a bid request whose user is stored under {@code userKey} (null: no user key): the
     * request's signals, then Merlin's own opt-out registry when they allow personal data, then the holdout.
     * Allocation-free.
     */
    public PrivacyDecision decide(BidRequest request, CharSequence userKey) {
        PrivacyDecision signals = decide(request, false);
        if (signals != PrivacyDecision.ALLOWED) {
            return signals;
        }
        if (optOuts != null && optOuts.contains(userKey)) {
            return USER_OPT_OUT;
        }
        if (holdout.isActive() && holdout.arm(userKey, Holdout.country(request))
                == Holdout.CONTROL) {
            return HOLDOUT;
        }
        return signals;
    }

    /**
     * The rollout arm ({@link Holdout#NO_ARM}, {@link Holdout#TREATMENT}, {@link Holdout#CONTROL}) of a bid request
     * that {@link #decide(BidRequest, CharSequence)} answered with {@code decision}: the control group when held out,
     * the treatment when personal data is used in the holdout's countries, otherwise no arm (refused for another
     * reason, no user key, or outside the trial). Allocation-free.
     */
    public int arm(BidRequest request, CharSequence userKey, PrivacyDecision decision) {
        if (decision.reason() == RefusalReason.HOLDOUT) {
            return Holdout.CONTROL;
        }
        if (decision != PrivacyDecision.ALLOWED || userKey == null || !holdout.isActive()) {
            return Holdout.NO_ARM;
        }
        return holdout.covers(Holdout.country(request)) ? Holdout.TREATMENT
                : Holdout.NO_ARM;
    }

    /** The decision for a bid request; {@code optedOut} is Merlin's own opt-out state for its user. */
    public PrivacyDecision decide(BidRequest request, boolean optedOut) {
        Regs regs = request.regs;
        User user = request.user;
        Device device = request.device;
        boolean lmt = ConsentSignals.limitsAdTracking(device);
        if (regs == null) {
            return decide(null, optedOut, lmt, null, null, null, null, null, ConsentSignals.country(device, user));
        }
        return decide(regs.coppa, optedOut, lmt, regs.gdpr,
                user == null ? null : user.consent, regs.us_privacy, regs.gpp, regs.gpp_sid,
                ConsentSignals.country(device, user));
    }

    /** The decision for signals gathered by the caller (pixel, events API, or a bid request). */
    public PrivacyDecision decide(ConsentSignals signals) {
        return decide(signals.coppa(), signals.optedOut(), signals.lmt(), signals.gdpr(), signals.gdprConsent(),
                signals.usPrivacy(), signals.gpp(), signals.gppSid(), signals.country());
    }

    /** How many TCF and GPP strings were decoded so far (cache misses); for metrics and tests. */
    public long decodedStrings() {
        return tcfCache.decodes() + gppCache.decodes();
    }

    private PrivacyDecision decide(Integer coppa, boolean optedOut, boolean lmt, Integer gdpr, String gdprConsent,
                                   String usPrivacy, String gpp, List<Integer> gppSid, String country) {
        if (ConsentSignals.isOne(coppa)) {
            return COPPA;
        }
        if (optedOut) {
            return USER_OPT_OUT;
        }
        if (lmt) {
            return LMT;
        }
        if (gdpr == null ? GppSignal.listsTcfEu(gppSid) : gdpr == 1) {
            PrivacyDecision tcf = tcfDecision(gdprConsent, gpp);
            if (tcf != PrivacyDecision.ALLOWED) {
                return tcf;
            }
        }
        if (isUsPrivacyOptOut(usPrivacy)) {
            return US_PRIVACY_OPT_OUT;
        }
        if (gpp != null && !gpp.isBlank()) {
            GppSignal signal = gppCache.get(gpp);
            if (signal.isInvalid) {
                return GPP_INVALID;
            }
            if (signal.isOptedOut(signal.applicableMask(gppSid))) {
                return GPP_OPT_OUT;
            }
        }
        if (personalizationCountries.length > 0 && !isRolledOut(country)) {
            return REGION_NOT_ROLLED_OUT;
        }
        return PrivacyDecision.ALLOWED;
    }

    /**
     * The GDPR decision when GDPR applies: {@code user.consent} is the primary source; without it, the GPP string's
     * EU TCF v2 section (which is a TC string) is judged by the same rules.
     */
    private PrivacyDecision tcfDecision(String gdprConsent, String gpp) {
        if (gdprConsent != null && !gdprConsent.isBlank()) {
            return tcfCache.get(gdprConsent);
        }
        if (gpp != null && !gpp.isBlank()) {
            GppSignal signal = gppCache.get(gpp);
            if (signal.isInvalid) {
                return GPP_INVALID;
            }
            if (signal.tcfEuConsent != null) {
                return tcfCache.get(signal.tcfEuConsent);
            }
        }
        return GDPR_NO_CONSENT_STRING;
    }

    /**
     * The US Privacy string is four characters: version {@code 1}, notice given, opted out of sale, covered by the
     * LSPA, each {@code Y}, {@code N} or {@code -}. Only a well-formed string with {@code Y} in third place opts out;
     * anything malformed is no signal (lower case is accepted, since reading it can only refuse more).
     */
    static boolean isUsPrivacyOptOut(String usPrivacy) {
        if (usPrivacy == null || usPrivacy.length() != 4 || usPrivacy.charAt(0) != '1') {
            return false;
        }
        for (int i = 1; i < 4; i++) {
            char c = Character.toUpperCase(usPrivacy.charAt(i));
            if (c != 'Y' && c != 'N' && c != '-') {
                return false;
            }
        }
        return Character.toUpperCase(usPrivacy.charAt(2)) == 'Y';
    }

    private boolean isRolledOut(String country) {
        if (country == null) {
            return false;
        }
        for (String rolledOut : personalizationCountries) {
            if (rolledOut.equalsIgnoreCase(country)) {
                return true;
            }
        }
        return false;
    }
}
