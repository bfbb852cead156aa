package dev.merlin.protocol;

/**
 * JSON text built by hand where a generator would be too much: a quoted string, and the error body every Merlin
 * endpoint answers with. One escaping for all of them: quotes, backslashes, control characters and the two line
 * separators JavaScript does not accept inside a string (U+2028, U+2029).
 */
public final class JsonText {

    private JsonText() {
    }

    /** Appends {@code value} to {@code json} as a quoted, escaped JSON string. */
    public static void appendString(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }

    /** The error body: {@code {"error": message, "path": path}}, without {@code path} when it is null. */
    public static String error(String message, String path) {
        StringBuilder json = new StringBuilder(message.length() + 48).append("{\"error\":");
        appendString(json, message);
        if (path != null) {
            json.append(",\"path\":");
            appendString(json, path);
        }
        return json.append('}').toString();
    }
}
