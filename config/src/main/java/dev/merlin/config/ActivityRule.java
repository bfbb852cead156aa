package dev.merlin.config;

import java.util.List;
import java.util.Map;

/**
 * One rule of an {@link ActivityControl}: when the request matches its conditions, the activity is allowed or not.
 * A condition left out matches every request; the rules of a control are tried in order, the first match wins.
 *
 * @param allow     whether the activity is allowed when the rule matches (required)
 * @param countries the user's countries (ISO-3166-1 alpha-3) or groups named in {@code regions} it applies to
 * @param gppSid    the GPP section ids (the request's {@code regs.gpp_sid}) it applies to: any one listed matches
 */
public record ActivityRule(Boolean allow, List<String> countries, List<Integer> gppSid) {

    /** Fills unset lists with empty ones (no condition). */
    public ActivityRule {
        countries = countries == null ? List.of() : List.copyOf(countries);
        gppSid = gppSid == null ? List.of() : List.copyOf(gppSid);
    }

    void validate(String at, Map<String, List<String>> regions) {
        if (allow == null) {
            throw new ConfigException(at + ".allow", "value is missing; expected true or false");
        }
        for (int i = 0; i < countries.size(); i++) {
            String place = countries.get(i);
            if (!regions.containsKey(place)) {
                ConfigChecks.country(at + ".countries[" + i + "]", place);
            }
        }
        for (int i = 0; i < gppSid.size(); i++) {
            ConfigChecks.range(at + ".gppSid[" + i + "]", gppSid.get(i), 1, 64);
        }
    }
}
