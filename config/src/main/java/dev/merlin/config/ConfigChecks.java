package dev.merlin.config;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Range and presence checks whose failures name the key path, the value and what is allowed. */
final class ConfigChecks {

    private ConfigChecks() {
    }

    static void range(String keyPath, int value, int min, int max) {
        if (value < min || value > max) {
            throw new ConfigException(keyPath, "value " + value + " is not allowed; expected " + min + " to " + max);
        }
    }

    static void oneOf(String keyPath, String value, Set<String> allowed) {
        if (value == null || !allowed.contains(value)) {
            throw new ConfigException(keyPath, "value " + value + " is not allowed; expected one of "
                    + new TreeSet<>(allowed));
        }
    }

    static void nonNegative(String keyPath, Double value) {
        if (value != null && !(value >= 0 && value < Double.POSITIVE_INFINITY)) {
            throw new ConfigException(keyPath, "value " + value + " is not allowed; expected a finite number >= 0");
        }
    }

    /** Refuses a number outside {@code min} to {@code max}; NaN and the infinities never pass (NaN compares false). */
    static void range(String keyPath, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new ConfigException(keyPath, "value " + value + " is not allowed; expected a number from "
                    + plain(min) + " to " + plain(max));
        }
    }

    /** A bound as people write it: 0.9, 1000000000, not 1.0E9. */
    static String plain(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    static void currency(String keyPath, String code) {
        if (code == null || !code.matches("[A-Z]{3}")) {
            throw new ConfigException(keyPath, "value " + code + " is not allowed; expected an ISO 4217 code"
                    + " such as USD, EUR, JPY");
        }
    }

    /** Countries are matched as {@code device.geo.country} carries them: ISO-3166-1 alpha-3, in capitals. */
    static void country(String keyPath, String code) {
        if (code == null || !code.matches("[A-Z]{3}")) {
            throw new ConfigException(keyPath, "value " + code + " is not allowed; expected an ISO-3166-1 alpha-3"
                    + " code in capitals such as JPN");
        }
    }

    /** A set for an error message: sorted, and cut after 20 values so a big config stays readable. */
    static String sample(Collection<String> values) {
        List<String> sorted = new ArrayList<>(new TreeSet<>(values));
        if (sorted.size() <= 20) {
            return sorted.toString();
        }
        return sorted.subList(0, 20).toString().replace("]", ", … (" + sorted.size() + " in all)]");
    }

    static void notBlank(String keyPath, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(keyPath, "value is missing; a non-empty string is required");
        }
    }
}
