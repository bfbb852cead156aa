package dev.merlin.exchange.privacy;

import com.iab.gpp.encoder.GppModel;
import com.iab.gpp.encoder.section.EncodableSection;
import com.iab.gpp.encoder.section.UspV1;
import java.util.List;

/**
 * What one GPP string says, reduced to two bit masks over section ids (all current ids are below 64): which sections
 * are present and which of them signal an opt-out, plus the text of its EU TCF v2 section, if any, for the GDPR rule.
 * Whether a request is refused then depends only on which sections apply to it ({@code gpp_sid}), so one cached value
 * serves every request carrying the same string.
 */
final class GppSignal {

    /** A string that did not decode. */
    static final GppSignal INVALID = new GppSignal(0, 0, null, true);

    /** The EU TCF v2 section's id, fixed by the GPP spec (the library's {@code TcfEuV2.ID} is not final). */
    static final int TCF_EU_SECTION_ID = 2;

    // US state and national sections share these field names; UspV1 has its own (OptOutSale: 'Y'/'N'/'-')
    private static final String[] OPT_OUT_FIELDS = {"SaleOptOut", "SharingOptOut", "TargetedAdvertisingOptOut"};
    private static final String VERSION = "Version";
    private static final String GPC = "Gpc";
    private static final String KNOWN_CHILD = "KnownChildSensitiveDataConsents";
    private static final int OPTED_OUT = 1;

    final long presentSections;
    final long optedOutSections;
    /** The {@code tcfeuv2} section as sent: a TCF v2 TC string (GPP carries it unchanged); null when absent. */
    final String tcfEuConsent;
    final boolean isInvalid;

    private GppSignal(long presentSections, long optedOutSections, String tcfEuConsent, boolean isInvalid) {
        this.presentSections = presentSections;
        this.optedOutSections = optedOutSections;
        this.tcfEuConsent = tcfEuConsent;
        this.isInvalid = isInvalid;
    }

    /**
     * Decodes a GPP string with IAB Tech Lab's {@code iabgpp-encoder}. The library decodes lazily, so every field is
     * read here, inside the try: a string that fails anywhere is {@link #INVALID} rather than a surprise later.
     */
    static GppSignal decode(String gpp) {
        try {
            GppModel model = new GppModel(gpp);
            long present = 0;
            long optedOut = 0;
            String tcfEuConsent = null;
            for (Integer id : model.getSectionIds()) {
                EncodableSection section = model.getSection(id);
                if (id < 0 || id >= Long.SIZE || section == null) {
                    return INVALID;
                }
                present |= 1L << id;
                if (signalsOptOut(section)) {
                    optedOut |= 1L << id;
                }
                if (id == TCF_EU_SECTION_ID) {
                    // an unchanged section encodes to the text it was decoded from
                    tcfEuConsent = section.encode();
                }
            }
            return new GppSignal(present, optedOut, tcfEuConsent, false);
        } catch (RuntimeException e) {
            // DecodingException, InvalidFieldException, index errors on truncated sections
            return INVALID;
        }
    }

    /** Whether any section in {@code applicable} (a mask from {@link #applicableMask}) signals an opt-out. */
    boolean isOptedOut(long applicable) {
        return (optedOutSections & applicable) != 0;
    }

    /**
     * Whether {@code gppSid} lists the EU TCF v2 section (id 2): the sender says GDPR applies to the request. Allocates
     * nothing (no iterator, no boxing), as it runs on the bid path.
     */
    static boolean listsTcfEu(List<Integer> gppSid) {
        if (gppSid == null) {
            return false;
        }
        for (int i = 0, n = gppSid.size(); i < n; i++) {
            Integer id = gppSid.get(i);
            if (id != null && id == TCF_EU_SECTION_ID) {
                return true;
            }
        }
        return false;
    }

    /**
     * The sections that apply: those listed in {@code gppSid}, or every present section when there is no list.
     * Ids outside 0..63 cannot be present in a decoded string and are ignored.
     */
    long applicableMask(List<Integer> gppSid) {
        if (gppSid == null || gppSid.isEmpty()) {
            return presentSections;
        }
        long mask = 0;
        for (int i = 0, n = gppSid.size(); i < n; i++) {
            Integer id = gppSid.get(i);
            if (id != null && id >= 0 && id < Long.SIZE) {
                mask |= 1L << id;
            }
        }
        return mask;
    }

    /**
     * A section opts out when the user opted out of sale, sharing or targeted advertising (value 1, "opted out"), when
     * Global Privacy Control is on (a legally binding opt-out of sale/sharing in several states), or when the user is
     * a known child (any non-zero KnownChildSensitiveDataConsents: Merlin profiles no children, as with COPPA).
     * TCF sections carry consent rather than opt-outs and never opt out here; they are decoded to validate them (the
     * EU one's consent is judged by the GDPR rule, from {@link #tcfEuConsent}).
     */
    private static boolean signalsOptOut(EncodableSection section) {
        if (section.hasField(VERSION)) {
            section.getFieldValue(VERSION); // forces the lazy decode of the core segment, so a bad one fails here
        }
        if (section.getId() == UspV1.ID) {
            Object optOutSale = section.getFieldValue("OptOutSale");
            return optOutSale instanceof Character && Character.toUpperCase((Character) optOutSale) == 'Y';
        }
        boolean optedOut = false;
        for (String field : OPT_OUT_FIELDS) {
            if (section.hasField(field) && isValue(section.getFieldValue(field), OPTED_OUT)) {
                optedOut = true;
            }
        }
        if (section.hasField(GPC) && Boolean.TRUE.equals(section.getFieldValue(GPC))) {
            optedOut = true;
        }
        if (section.hasField(KNOWN_CHILD) && isKnownChild(section.getFieldValue(KNOWN_CHILD))) {
            optedOut = true;
        }
        return optedOut;
    }

    private static boolean isValue(Object value, int expected) {
        return value instanceof Integer && (Integer) value == expected;
    }

    private static boolean isKnownChild(Object consents) {
        if (consents instanceof Integer) {
            return (Integer) consents != 0;
        }
        if (consents instanceof List) {
            for (Object consent : (List<?>) consents) {
                if (consent instanceof Integer && (Integer) consent != 0) {
                    return true;
                }
            }
        }
        return false;
    }
}
