package dev.merlin.config;

/** Range and presence checks whose failures name the key path, the value and what is allowed. */
final class ConfigChecks {

    private ConfigChecks() {
    }

    static void range(String keyPath, int value, int min, int max) {
        if (value < min || value > max) {
            throw new ConfigException(keyPath, "value " + value + " is not allowed; expected " + min + " to " + max);
        }
    }

    static void notBlank(String keyPath, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(keyPath, "value is missing; a non-empty string is required");
        }
    }
}
