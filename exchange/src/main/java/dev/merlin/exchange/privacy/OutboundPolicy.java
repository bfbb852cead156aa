package dev.merlin.exchange.privacy;

/**
 * What user data one outbound bid request may carry to one DSP: the set of {@link DataCategories} that may pass,
 * as {@link OutboundRules} decides it and {@link OutboundUserData}'s writers obey it.
 *
 * <p>One shared instance per set ({@link #of}), compared by identity; allocation-free to pick.
 */
public final class OutboundPolicy {

    private static final OutboundPolicy[] ALL = policies();

    /** Personal data may be used: everything the seller sent passes (except {@code buyeruid}, never ours to pass). */
    public static final OutboundPolicy FULL = of(DataCategories.ALL);

    /**
     * Personal data may not be used: no identifiers, no audience data, the IP truncated and the location coarse; what
     * is left is the context (site or app, the device's make and OS, the city) and the consent signals themselves.
     */
    public static final OutboundPolicy CONTEXTUAL = of(DataCategories.NONE);

    private final int categories;
    private final String label;

    private OutboundPolicy(int categories) {
        this.categories = categories;
        this.label = categories == DataCategories.ALL ? "full" : categories == DataCategories.NONE ? "contextual"
                : DataCategories.label(categories);
    }

    private static OutboundPolicy[] policies() {
        OutboundPolicy[] policies = new OutboundPolicy[DataCategories.ALL + 1];
        for (int categories = 0; categories <= DataCategories.ALL; categories++) {
            policies[categories] = new OutboundPolicy(categories);
        }
        return policies;
    }

    /** The shared policy letting exactly {@code categories} ({@link DataCategories} bits) pass. */
    public static OutboundPolicy of(int categories) {
        return ALL[categories & DataCategories.ALL];
    }

    /** The {@link DataCategories} that may pass. */
    public int categories() {
        return categories;
    }

    /** The policy as a lower-case metric label: {@code full}, {@code contextual} or the categories joined by +. */
    public String label() {
        return label;
    }

    /** Whether user and device identifiers pass: {@code user.id} (pairwise), {@code ifa}, hashed device ids. */
    public boolean sharesIdentifiers() {
        return (categories & DataCategories.IDS) != 0;
    }

    /** Whether extended ids pass: {@code user.eids}. */
    public boolean sharesEids() {
        return (categories & DataCategories.EIDS) != 0;
    }

    /**
     * Whether audience data passes: {@code user.data}, keywords, year of birth, gender, {@code customdata} and the
     * rest of {@code user.ext}.
     */
    public boolean sharesAudienceData() {
        return (categories & DataCategories.SEGMENTS) != 0;
    }

    /** Whether the precise location passes: exact lat/lon, zip, fix accuracy and time. */
    public boolean sharesPreciseLocation() {
        return (categories & DataCategories.PRECISE_GEO) != 0;
    }

    /** Whether the full IP address passes (otherwise IPv4 is cut to /24, IPv6 to /56). */
    public boolean sharesIp() {
        return (categories & DataCategories.IP) != 0;
    }

    @Override
    public String toString() {
        return label;
    }
}
