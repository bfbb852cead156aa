package dev.merlin.config;

import java.util.List;
import java.util.Map;

/**
 * Whether a DSP may take part in one activity (in the spirit of Prebid Server's activity controls): the first of
 * {@code rules} that matches the request decides, else {@code allow}.
 *
 * @param allow the answer when no rule matches (default true)
 * @param rules tried in order
 */
public record ActivityControl(Boolean allow, List<ActivityRule> rules) {

    /** Fills unset values with defaults. */
    public ActivityControl {
        allow = allow == null || allow;
        rules = rules == null ? List.of() : List.copyOf(rules);
    }

    /** Allowed always. */
    public static ActivityControl allowed() {
        return new ActivityControl(true, null);
    }

    void validate(String at, Map<String, List<String>> regions) {
        for (int i = 0; i < rules.size(); i++) {
            ActivityRule rule = rules.get(i);
            if (rule == null) {
                throw new ConfigException(at + ".rules[" + i + "]", "the rule is empty; give at least allow");
            }
            rule.validate(at + ".rules[" + i + "]", regions);
        }
    }
}
