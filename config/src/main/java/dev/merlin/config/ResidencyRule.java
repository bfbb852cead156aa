package dev.merlin.config;

import java.util.List;
import java.util.Map;

/**
 * Where the personal data of users from some places may go: to DSPs whose {@code region} is among
 * {@code dspRegions}, or is a country of a group listed there, or a group all of whose countries are.
 *
 * @param users      the users' countries (ISO-3166-1 alpha-3) or groups named in {@code regions}; {@code "*"} is
 *                   every user no earlier rule names
 * @param dspRegions the countries or groups whose DSPs may receive their personal data
 */
public record ResidencyRule(List<String> users, List<String> dspRegions) {

    /** Any user. */
    public static final String ANY = "*";

    /** Fills unset lists with empty ones. */
    public ResidencyRule {
        users = users == null ? List.of() : List.copyOf(users);
        dspRegions = dspRegions == null ? List.of() : List.copyOf(dspRegions);
    }

    void validate(String at, Map<String, List<String>> regions) {
        if (users.isEmpty()) {
            throw new ConfigException(at + ".users", "the list is empty; name the users' countries or groups, or *");
        }
        for (int i = 0; i < users.size(); i++) {
            String place = users.get(i);
            if (!ANY.equals(place) && !regions.containsKey(place)) {
                ConfigChecks.country(at + ".users[" + i + "]", place);
            }
        }
        for (int i = 0; i < dspRegions.size(); i++) {
            String place = dspRegions.get(i);
            if (!regions.containsKey(place)) {
                ConfigChecks.country(at + ".dspRegions[" + i + "]", place);
            }
        }
    }
}
