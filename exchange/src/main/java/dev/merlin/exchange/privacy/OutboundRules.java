package dev.merlin.exchange.privacy;

import com.iabtcf.decoder.TCString;
import com.iabtcf.utils.IntIterable;
import dev.merlin.config.ActivityControl;
import dev.merlin.config.ActivityRule;
import dev.merlin.config.DspConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.ResidencyRule;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Geo;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Decides, per request and per DSP, whether the DSP is called and which {@link DataCategories} of the user's personal
 * data its request may carry: Merlin's consent decision, then data residency ({@code privacy.residency}), the DSP's
 * activity controls and, where TCF applies, the DSP's own vendor consent. Immutable after start-up; allocation-free
 * per request (a consent string is decoded once, then cached).
 *
 * <p>The user's region is {@code device.geo.country}, else {@code user.geo.country}; with neither, a request under
 * a US GPP section (ids 7–12) is from the USA; otherwise the region is unknown, which residency treats as the most
 * restrictive case: no personal data to any DSP.
 */
public final class OutboundRules {

    /** The DSP is called. */
    public static final int CALL = 0;
    /** Not called: residency forbids its region the user's personal data and it asked to be skipped then. */
    public static final int SKIP_RESIDENCY = 1;
    /** Not called: its {@code fetchBids} activity control refuses this request. */
    public static final int SKIP_ACTIVITY = 2;

    private static final int[] DSP_PURPOSES = {2, 3, 4};
    private static final int PRECISE_GEO_FEATURE = 1;
    private static final int US_GPP_FIRST = 7;
    private static final int US_GPP_LAST = 12;
    private static final Map<String, String> ALPHA_3_BY_CODE = alpha3ByCode();

    private final Dsp[] dsps;
    private final boolean hasTcfVendors;
    private final ConsentStringCache<TcfGrants> tcf = new ConsentStringCache<>(1_024, TcfGrants::decode);

    /** The rules of {@code config}'s DSPs, by their index in {@code config.dsps()}. Start-up work. */
    public OutboundRules(MerlinConfig config) {
        Map<String, List<String>> regions = config.regions();
        List<DspConfig> configured = config.dsps();
        this.dsps = new Dsp[configured.size()];
        boolean vendors = false;
        for (int i = 0; i < dsps.length; i++) {
            dsps[i] = new Dsp(configured.get(i), config.privacy().residency(), regions);
            vendors |= dsps[i].tcfVendorId > 0;
        }
        this.hasTcfVendors = vendors;
    }

    /** {@link #CALL}, or why the DSP at {@code dsp} is not called for this request. */
    public int verdict(PrivacyDecision decision, BidRequest request, int dsp) {
        Dsp rules = dsps[dsp];
        String country = userCountry(request);
        List<Integer> gppSid = request.regs == null ? null : request.regs.gpp_sid;
        if (!rules.fetchBids.allows(country, gppSid)) {
            return SKIP_ACTIVITY;
        }
        if (rules.skipsWhenDisallowed && decision.mayUsePersonalData() && !rules.residencyAllows(country)) {
            return SKIP_RESIDENCY;
        }
        return CALL;
    }

    /** What of the user's personal data the request to the DSP at {@code dsp} may carry. */
    public OutboundPolicy policy(PrivacyDecision decision, BidRequest request, int dsp) {
        if (!decision.mayUsePersonalData()) {
            return OutboundPolicy.CONTEXTUAL;
        }
        Dsp rules = dsps[dsp];
        String country = userCountry(request);
        if (!rules.residencyAllows(country)) {
            return OutboundPolicy.CONTEXTUAL;
        }
        List<Integer> gppSid = request.regs == null ? null : request.regs.gpp_sid;
        int categories = DataCategories.ALL;
        if (!rules.transmitUfpd.allows(country, gppSid)) {
            categories &= ~(DataCategories.IDS | DataCategories.SEGMENTS);
        }
        if (!rules.transmitEids.allows(country, gppSid)) {
            categories &= ~DataCategories.EIDS;
        }
        if (!rules.transmitPreciseGeo.allows(country, gppSid)) {
            categories &= ~(DataCategories.PRECISE_GEO | DataCategories.IP);
        }
        if (rules.tcfVendorId > 0 && appliesTcf(request)) {
            categories &= tcfCategories(request, rules.tcfVendorId);
        }
        return OutboundPolicy.of(categories);
    }

    /**
     * Whether a browser may sync its id with the DSP at {@code dsp} (its {@code syncUser} activity control, by the
     * signals' GPP sections and country), given Merlin's own decision on the sync's signals; under GDPR a DSP with a
     * {@code tcfVendorId} needs its own vendor consent and purposes 2 to 4 in the signals' consent string.
     */
    public boolean maySync(PrivacyDecision decision, ConsentSignals signals, int dsp) {
        if (!decision.mayUsePersonalData()) {
            return false;
        }
        Dsp rules = dsps[dsp];
        if (!rules.syncUser.allows(signals.country(), signals.gppSid())) {
            return false;
        }
        if (rules.tcfVendorId > 0 && signals.gdpr() != null && signals.gdpr() == 1) {
            String consent = signals.gdprConsent();
            return consent != null && tcf.get(consent).allowsPersonalData(rules.tcfVendorId);
        }
        return true;
    }

    /** Whether {@code regs.gdpr} is 1: the request's consent string then decides for each vendor. */
    private boolean appliesTcf(BidRequest request) {
        return hasTcfVendors && request.regs != null && request.regs.gdpr != null && request.regs.gdpr == 1;
    }

    /** The categories the consent string lets this vendor receive: none, all but precise geo, or all. */
    private int tcfCategories(BidRequest request, int vendorId) {
        String consent = request.user == null ? null : request.user.consent;
        TcfGrants grants = consent == null ? TcfGrants.NONE : tcf.get(consent);
        if (!grants.allowsPersonalData(vendorId)) {
            return DataCategories.NONE;
        }
        return grants.hasPreciseGeo ? DataCategories.ALL
                : DataCategories.ALL & ~(DataCategories.PRECISE_GEO | DataCategories.IP);
    }

    /**
     * The user's country (ISO-3166-1 alpha-3): {@code device.geo.country}, else {@code user.geo.country}, else
     * {@code USA} under a US GPP section; null when unknown.
     */
    public static String userCountry(BidRequest request) {
        String country = request.device == null ? null : country(request.device.geo);
        if (country == null) {
            country = request.user == null ? null : country(request.user.geo);
        }
        if (country == null && request.regs != null && request.regs.gpp_sid != null) {
            List<Integer> sections = request.regs.gpp_sid;
            for (int i = 0; i < sections.size(); i++) {
                Integer section = sections.get(i);
                if (section != null && section >= US_GPP_FIRST && section <= US_GPP_LAST) {
                    return "USA";
                }
            }
        }
        return country;
    }

    /**
     * {@code geo.country} as an ISO-3166-1 alpha-3 code, or null. OpenRTB asks for alpha-3; a seller that sends an
     * alpha-2 code ({@code DE}) or lower case ({@code deu}) still names a country, and the rules must see it: a rule
     * denying a data category in a country would otherwise not match, and the data would go.
     */
    static String country(Geo geo) {
        String code = geo == null ? null : geo.country;
        if (code == null || code.length() < 2 || code.length() > 3) {
            return null;
        }
        if (code.length() == 3 && isUpperCaseLetters(code)) {
            return code;
        }
        return ALPHA_3_BY_CODE.get(code); // no string is built: every case of every ISO code is a key
    }

    private static boolean isUpperCaseLetters(String code) {
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c < 'A' || c > 'Z') {
                return false;
            }
        }
        return true;
    }

    /** Every ISO-3166-1 alpha-2 and alpha-3 code, in every mix of upper and lower case, to its alpha-3 code. */
    private static Map<String, String> alpha3ByCode() {
        Map<String, String> codes = new HashMap<>();
        for (String alpha2 : Locale.getISOCountries()) {
            String alpha3 = new Locale("", alpha2).getISO3Country();
            addEveryCase(codes, alpha2, alpha3);
            addEveryCase(codes, alpha3, alpha3);
        }
        return Map.copyOf(codes);
    }

    private static void addEveryCase(Map<String, String> codes, String code, String alpha3) {
        for (int mask = 0; mask < 1 << code.length(); mask++) {
            char[] chars = code.toCharArray();
            for (int i = 0; i < chars.length; i++) {
                if ((mask & 1 << i) != 0) {
                    chars[i] = Character.toLowerCase(chars[i]);
                }
            }
            codes.put(new String(chars), alpha3);
        }
    }

    /** One DSP's rules, compiled. */
    private static final class Dsp {
        final Set<String> countries;
        final boolean limitsResidency;
        /** User country → whether the first residency rule naming it allows this DSP. */
        final Map<String, Boolean> residency = new HashMap<>();
        /** The {@code *} rule's answer, or null when no rule names every user. */
        final Boolean anyUser;
        final boolean skipsWhenDisallowed;
        final int tcfVendorId;
        final Control transmitUfpd;
        final Control transmitEids;
        final Control transmitPreciseGeo;
        final Control fetchBids;
        final Control syncUser;

        Dsp(DspConfig config, List<ResidencyRule> rules, Map<String, List<String>> regions) {
            this.countries = places(List.of(config.region()), regions);
            this.limitsResidency = !rules.isEmpty();
            Boolean any = null;
            for (ResidencyRule rule : rules) {
                boolean allows = places(rule.dspRegions(), regions).containsAll(countries);
                for (String user : rule.users()) {
                    if (ResidencyRule.ANY.equals(user)) {
                        any = allows;
                    }
                }
                if (any != null) {
                    break;
                }
                for (String country : places(rule.users(), regions)) {
                    residency.putIfAbsent(country, allows);
                }
            }
            this.anyUser = any;
            this.skipsWhenDisallowed = config.privacy().skipsWhenDisallowed();
            this.tcfVendorId = config.privacy().tcfVendorId() == null ? 0 : config.privacy().tcfVendorId();
            this.transmitUfpd = new Control(config.privacy().transmitUfpd(), regions);
            this.transmitEids = new Control(config.privacy().transmitEids(), regions);
            this.transmitPreciseGeo = new Control(config.privacy().transmitPreciseGeo(), regions);
            this.fetchBids = new Control(config.privacy().fetchBids(), regions);
            this.syncUser = new Control(config.privacy().syncUser(), regions);
        }

        /**
         * Whether the user's personal data may reach this DSP's region: always without residency rules, and always
         * when the DSP is in the user's own country; never for an unknown user region; otherwise as the first rule
         * naming the user's country (or {@code *}) says, and not at all when none does.
         */
        boolean residencyAllows(String userCountry) {
            if (!limitsResidency) {
                return true;
            }
            if (userCountry == null) {
                return false;
            }
            if (countries.size() == 1 && countries.contains(userCountry)) {
                return true;
            }
            Boolean named = residency.get(userCountry);
            if (named != null) {
                return named;
            }
            return anyUser != null && anyUser;
        }
    }

    /** The countries of {@code places}: each a country or a group named in {@code regions} ({@code *} skipped). */
    static Set<String> places(List<String> places, Map<String, List<String>> regions) {
        Set<String> countries = new HashSet<>();
        for (String place : places) {
            List<String> group = regions.get(place);
            if (group != null) {
                countries.addAll(group);
            } else if (!ResidencyRule.ANY.equals(place)) {
                countries.add(place);
            }
        }
        return countries;
    }

    /** An activity control, compiled: its rules' countries expanded from groups. */
    private static final class Control {
        final boolean allow;
        final Rule[] rules;

        Control(ActivityControl control, Map<String, List<String>> regions) {
            this.allow = control.allow();
            this.rules = new Rule[control.rules().size()];
            for (int i = 0; i < rules.length; i++) {
                rules[i] = new Rule(control.rules().get(i), regions);
            }
        }

        boolean allows(String country, List<Integer> gppSid) {
            for (Rule rule : rules) {
                if (rule.matches(country, gppSid)) {
                    return rule.allow;
                }
            }
            return allow;
        }
    }

    /** One activity rule: conditions left empty match every request. */
    private static final class Rule {
        final boolean allow;
        final Set<String> countries;
        final BitSet gppSid = new BitSet();

        Rule(ActivityRule rule, Map<String, List<String>> regions) {
            this.allow = rule.allow();
            this.countries = places(rule.countries(), regions);
            for (Integer section : rule.gppSid()) {
                gppSid.set(section);
            }
        }

        boolean matches(String country, List<Integer> requestSections) {
            if (!countries.isEmpty() && (country == null || !countries.contains(country))) {
                return false;
            }
            if (gppSid.isEmpty()) {
                return true;
            }
            if (requestSections == null) {
                return false;
            }
            for (int i = 0; i < requestSections.size(); i++) {
                Integer section = requestSections.get(i);
                if (section != null && section >= 0 && section < 64 && gppSid.get(section)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** What one TCF v2 consent string grants each vendor, decoded once. */
    static final class TcfGrants {
        static final TcfGrants NONE = new TcfGrants(false, new BitSet(), false);

        final boolean hasPurposes;
        final BitSet vendors;
        final boolean hasPreciseGeo;

        private TcfGrants(boolean hasPurposes, BitSet vendors, boolean hasPreciseGeo) {
            this.hasPurposes = hasPurposes;
            this.vendors = vendors;
            this.hasPreciseGeo = hasPreciseGeo;
        }

        /** Purposes 2, 3 and 4 (ads, a profile, ads from it) consented, and the vendor. */
        boolean allowsPersonalData(int vendorId) {
            return hasPurposes && vendors.get(vendorId);
        }

        static TcfGrants decode(String consent) {
            try {
                TCString tc = TCString.decode(consent);
                if (tc.getVersion() != 2) {
                    return NONE;
                }
                IntIterable purposes = tc.getPurposesConsent();
                boolean all = true;
                for (int purpose : DSP_PURPOSES) {
                    all &= purposes.contains(purpose);
                }
                BitSet vendors = new BitSet();
                for (int vendor : tc.getVendorConsent()) {
                    vendors.set(vendor);
                }
                return new TcfGrants(all, vendors, tc.getSpecialFeatureOptIns().contains(PRECISE_GEO_FEATURE));
            } catch (RuntimeException e) {
                // an undecodable string grants nothing; Merlin's own gate has refused it already
                return NONE;
            }
        }
    }
}
