package dev.merlin.exchange.privacy;

/**
 * What user data one outbound bid request may carry to one DSP: the value {@link OutboundUserData#policy} returns
 * and its writers obey. Each kind of data has its own flag, so a finer policy (data residency, per-activity
 * controls) is a new instance, not a new code path.
 *
 * <p>Shared instances only, compared by identity; allocation-free to pick.
 */
public final class OutboundPolicy {

    /** Personal data may be used: everything the seller sent passes (except {@code buyeruid}, never ours to pass). */
    public static final OutboundPolicy FULL = new OutboundPolicy("full", true, true, true);

    /**
     * Personal data may not be used: no identifiers, no audience data, the IP truncated and the location coarse; what
     * is left is the context (site or app, the device's make and OS, the city) and the consent signals themselves.
     */
    public static final OutboundPolicy CONTEXTUAL = new OutboundPolicy("contextual", false, false, false);

    private final String label;
    private final boolean sharesIdentifiers;
    private final boolean sharesAudienceData;
    private final boolean sharesPreciseLocation;

    private OutboundPolicy(String label, boolean sharesIdentifiers, boolean sharesAudienceData,
                           boolean sharesPreciseLocation) {
        this.label = label;
        this.sharesIdentifiers = sharesIdentifiers;
        this.sharesAudienceData = sharesAudienceData;
        this.sharesPreciseLocation = sharesPreciseLocation;
    }

    /** The policy as a lower-case metric label. */
    public String label() {
        return label;
    }

    /** Whether user and device identifiers pass: {@code user.id}, {@code eids}, {@code ifa}, hashed device ids. */
    public boolean sharesIdentifiers() {
        return sharesIdentifiers;
    }

    /**
     * Whether audience data passes: {@code user.data}, keywords, year of birth, gender, {@code customdata} and the
     * rest of {@code user.ext}.
     */
    public boolean sharesAudienceData() {
        return sharesAudienceData;
    }

    /** Whether the precise location passes: exact lat/lon, zip, fix accuracy and time, and (with ids) the full IP. */
    public boolean sharesPreciseLocation() {
        return sharesPreciseLocation;
    }

    @Override
    public String toString() {
        return label;
    }
}
