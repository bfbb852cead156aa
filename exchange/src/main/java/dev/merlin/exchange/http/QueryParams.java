package dev.merlin.exchange.http;

import java.util.List;
import java.util.Map;

/** Reading decoded query parameters: the first value of a name, an empty value counting as absent. */
final class QueryParams {

    private QueryParams() {
    }

    /** The first value of {@code name}, or null when absent or empty. */
    static String first(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() || values.get(0).isEmpty() ? null : values.get(0);
    }
}
