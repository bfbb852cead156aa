package dev.merlin.exchange.privacy;

import java.util.ArrayList;
import java.util.List;

/**
 * The kinds of personal data one outbound flow (a bid request, a user sync, a notice) carried to one company, as a
 * bit set: the unit the data-flow ledger counts by. {@link #NONE} is a flow that carried none of them (a contextual
 * request still counts as a flow).
 */
public final class DataCategories {

    /** No personal data. */
    public static final int NONE = 0;
    /** User or device identifiers: {@code user.id}, {@code buyeruid}, device {@code ifa} and hashed device ids. */
    public static final int IDS = 1;
    /** Extended identifiers: {@code user.eids} (2.5: {@code user.ext.eids}). */
    public static final int EIDS = 1 << 1;
    /** The full IP address (a truncated one is not personal data here). */
    public static final int IP = 1 << 2;
    /** Precise geolocation: lat/lon finer than 2 decimals, zip, fix accuracy and time. */
    public static final int PRECISE_GEO = 1 << 3;
    /** Audience segments ({@code user.data}), Merlin's or the seller's, keywords and other audience data. */
    public static final int SEGMENTS = 1 << 4;
    /** Every category. */
    public static final int ALL = IDS | EIDS | IP | PRECISE_GEO | SEGMENTS;

    private static final String[] LABELS = {"ids", "eids", "ip", "precise_geo", "segments"};

    private DataCategories() {
    }

    /** The categories' labels in bit order ({@code ids, eids, ip, precise_geo, segments}); {@code none} for 0. */
    public static List<String> labels(int categories) {
        List<String> labels = new ArrayList<>(LABELS.length);
        for (int bit = 0; bit < LABELS.length; bit++) {
            if ((categories & (1 << bit)) != 0) {
                labels.add(LABELS[bit]);
            }
        }
        if (labels.isEmpty()) {
            labels.add("none");
        }
        return labels;
    }

    /** The categories as one label, joined with {@code +} ({@code ids+ip}); {@code none} for 0. */
    public static String label(int categories) {
        return String.join("+", labels(categories));
    }
}
