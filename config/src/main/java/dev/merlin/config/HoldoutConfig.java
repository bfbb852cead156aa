package dev.merlin.config;

import java.util.List;
import java.util.Map;

/**
 * The control group of a regional rollout of audience data: in the rollout's countries, a share of users (chosen by
 * their keyed user hash, so a user stays in one arm) is kept contextual, as if audience data were not rolled out
 * there, so the rollout's effect is measured against them rather than assumed.
 *
 * @param share     the share of users held out, 0 (the default: nobody) to 1
 * @param countries the countries (ISO-3166-1 alpha-3) or groups named in {@code regions} where the holdout applies;
 *                  empty (the default): every country where audience data is rolled out
 *                  ({@code privacy.personalizationCountries})
 */
public record HoldoutConfig(Double share, List<String> countries) {

    /** Fills unset values with defaults. */
    public HoldoutConfig {
        share = share == null ? 0.0 : share;
        countries = countries == null ? List.of() : List.copyOf(countries);
    }

    /** Nobody held out. */
    public static HoldoutConfig none() {
        return new HoldoutConfig(null, null);
    }

    void validate(String at, Map<String, List<String>> regions) {
        ConfigChecks.range(at + ".share", share, 0.0, 1.0);
        for (int i = 0; i < countries.size(); i++) {
            String place = countries.get(i);
            if (!regions.containsKey(place)) {
                ConfigChecks.country(at + ".countries[" + i + "]", place);
            }
        }
    }
}
