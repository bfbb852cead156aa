package dev.merlin.exchange.privacy;

import com.iab.gpp.encoder.GppModel;
import com.iab.gpp.encoder.datatype.RangeEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds real consent strings for tests with IAB's own encoder ({@code iabgpp-encoder}): TCF v2 strings through its
 * {@code tcfeuv2} section (the GPP section is the TC string itself) and GPP strings from section fields.
 */
final class ConsentStrings {

    private ConsentStrings() {
    }

    /** A TCF v2 string consenting to exactly these purposes and vendors. */
    static String tcf(List<Integer> purposes, List<Integer> vendors) {
        return tcf(purposes, vendors, List.of());
    }

    /** A TCF v2 string with publisher restrictions as well. */
    static String tcf(List<Integer> purposes, List<Integer> vendors, List<RangeEntry> restrictions) {
        return tcfModel(purposes, vendors, restrictions).encodeSection("tcfeuv2");
    }

    /** A TCF v2 string consenting to these purposes and vendors, opted in to these special features. */
    static String tcfWithFeatures(List<Integer> purposes, List<Integer> vendors, List<Integer> specialFeatures) {
        GppModel model = tcfModel(purposes, vendors, List.of());
        model.setFieldValue("tcfeuv2", "SpecialFeatureOptins", bits(specialFeatures, 12));
        return model.encodeSection("tcfeuv2");
    }

    /** A GPP string whose only section is TCF v2 ({@code tcfeuv2}, id 2), consenting to these purposes and vendors. */
    static String gppTcf(List<Integer> purposes, List<Integer> vendors) {
        return tcfModel(purposes, vendors, List.of()).encode();
    }

    private static GppModel tcfModel(List<Integer> purposes, List<Integer> vendors, List<RangeEntry> restrictions) {
        GppModel model = new GppModel();
        model.setFieldValue("tcfeuv2", "CmpId", 7);
        model.setFieldValue("tcfeuv2", "VendorListVersion", 100);
        model.setFieldValue("tcfeuv2", "PurposeConsents", bits(purposes, 24));
        model.setFieldValue("tcfeuv2", "VendorConsents", new ArrayList<>(vendors));
        if (!restrictions.isEmpty()) {
            // the encoder sorts the id lists in place: hand it mutable copies
            List<RangeEntry> copies = new ArrayList<>();
            for (RangeEntry entry : restrictions) {
                copies.add(new RangeEntry(entry.getKey(), entry.getType(), new ArrayList<>(entry.getIds())));
            }
            model.setFieldValue("tcfeuv2", "PublisherRestrictions", copies);
        }
        return model;
    }

    /** A GPP string with one US Privacy (uspv1) section whose opt-out-of-sale is {@code optOutSale}. */
    static String gppUspV1(char optOutSale) {
        GppModel model = new GppModel();
        model.setFieldValue("uspv1", "Notice", 'Y');
        model.setFieldValue("uspv1", "OptOutSale", optOutSale);
        model.setFieldValue("uspv1", "LspaCovered", 'N');
        return model.encode();
    }

    /** A GPP string with one section ({@code usnat}, {@code usca}, …) whose integer fields are set as given. */
    static String gpp(String section, Object... fieldValuePairs) {
        GppModel model = new GppModel();
        for (int i = 0; i < fieldValuePairs.length; i += 2) {
            model.setFieldValue(section, (String) fieldValuePairs[i], fieldValuePairs[i + 1]);
        }
        if (fieldValuePairs.length == 0) {
            model.setFieldValue(section, "Version", 1);
        }
        return model.encode();
    }

    private static List<Boolean> bits(List<Integer> ids, int size) {
        List<Boolean> bits = new ArrayList<>(size);
        for (int i = 1; i <= size; i++) {
            bits.add(ids.contains(i));
        }
        return bits;
    }
}
