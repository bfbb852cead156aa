package dev.merlin.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who and where a campaign may bid on; every list is optional and an absent list means "any".
 *
 * @param countries       ISO-3166-1 alpha-3 codes of {@code device.geo.country}, in capitals as it carries them
 * @param regions         {@code device.geo.region} values (ISO-3166-2 subdivisions)
 * @param deviceTypes     OpenRTB device types (1 mobile/tablet, 2 PC, 3 CTV, 4 phone, 5 tablet, 6 connected, 7 STB)
 * @param os              operating systems, case-insensitive ({@code iOS}, {@code Android})
 * @param domains         site domains to allow or deny
 * @param bundles         app bundles to allow or deny
 * @param categories      IAB content categories of the site/app/content (any of)
 * @param deals           deals the campaign buys, each with the sellers it was agreed with; with deals set, it bids
 *                        only through them, on requests from those sellers
 * @param segments        user segments by name
 */
public record TargetingConfig(List<String> countries, List<String> regions, List<Integer> deviceTypes,
                              List<String> os, AllowDeny domains, AllowDeny bundles, List<String> categories,
                              List<DealConfig> deals, SegmentTargeting segments) {

    /** Fills unset lists with "any". */
    public TargetingConfig {
        countries = orEmpty(countries);
        regions = orEmpty(regions);
        deviceTypes = orEmpty(deviceTypes);
        os = orEmpty(os);
        domains = domains == null ? AllowDeny.ANY : domains;
        bundles = bundles == null ? AllowDeny.ANY : bundles;
        categories = orEmpty(categories);
        deals = orEmpty(deals);
        segments = segments == null ? SegmentTargeting.ANY : segments;
    }

    /** No targeting at all. */
    public static TargetingConfig any() {
        return new TargetingConfig(null, null, null, null, null, null, null, null, null);
    }

    void validate(String at) {
        for (int i = 0; i < countries.size(); i++) {
            ConfigChecks.country(at + ".countries[" + i + "]", countries.get(i));
        }
        Map<String, Integer> dealAt = new HashMap<>();
        for (int i = 0; i < deals.size(); i++) {
            DealConfig deal = deals.get(i);
            deal.validate(at + ".deals[" + i + "]");
            Integer earlier = dealAt.putIfAbsent(deal.id(), i);
            if (earlier != null) {
                throw new ConfigException(at + ".deals[" + i + "].id", "value " + deal.id() + " is not allowed;"
                        + " deals[" + earlier + "] has it already: list all the deal's sellers there");
            }
        }
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : List.copyOf(list);
    }

    /**
     * An allow list (only these) and a deny list (never these).
     *
     * @param allow values allowed; empty means any
     * @param deny  values refused
     */
    public record AllowDeny(List<String> allow, List<String> deny) {
        static final AllowDeny ANY = new AllowDeny(null, null);

        /** Fills unset lists. */
        public AllowDeny {
            allow = orEmpty(allow);
            deny = orEmpty(deny);
        }
    }

    /**
     * Segment conditions on the user.
     *
     * @param anyOf  the user is in at least one
     * @param allOf  the user is in every one
     * @param noneOf the user is in none
     */
    public record SegmentTargeting(List<String> anyOf, List<String> allOf, List<String> noneOf) {
        static final SegmentTargeting ANY = new SegmentTargeting(null, null, null);

        /** Fills unset lists. */
        public SegmentTargeting {
            anyOf = orEmpty(anyOf);
            allOf = orEmpty(allOf);
            noneOf = orEmpty(noneOf);
        }

        /** True when the campaign needs something known about the user. */
        public boolean needsUserData() {
            return !anyOf.isEmpty() || !allOf.isEmpty();
        }
    }
}
