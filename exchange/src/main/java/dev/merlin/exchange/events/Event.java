package dev.merlin.exchange.events;

import dev.merlin.protocol.JsonText;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One event as read back from the log: its type, time and named fields in the order they were put; values are
 * {@link Long}, {@link String} or {@code null}. For readers and tests, not for the hot path.
 */
public record Event(EventType type, long epochMillis, Map<String, Object> fields) {

    /** Always with milliseconds, so that times line up: {@code 2026-11-29T10:00:00.000Z}. */
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** Copies the fields, keeping their order. */
    public Event {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** A text field's value; throws when the field is absent or not text. */
    public String string(String name) {
        Object value = field(name);
        if (value != null && !(value instanceof String)) {
            throw new IllegalArgumentException("event field '" + name + "' is not a string: " + value);
        }
        return (String) value;
    }

    /** A whole-number field's value; throws when the field is absent or not a number. */
    public long longValue(String name) {
        Object value = field(name);
        if (!(value instanceof Long)) {
            throw new IllegalArgumentException("event field '" + name + "' is not a number: " + value);
        }
        return (Long) value;
    }

    /** One line of JSON: {@code {"type":"WIN","time":"2026-11-29T10:00:00.123Z","rid":"r1","price":123}}. */
    public String toJson() {
        StringBuilder json = new StringBuilder(64 + fields.size() * 24);
        json.append("{\"type\":\"").append(type.name()).append("\",\"time\":\"");
        TIME.formatTo(Instant.ofEpochMilli(epochMillis), json);
        json.append('"');
        for (Map.Entry<String, Object> field : fields.entrySet()) {
            json.append(",\"").append(field.getKey()).append("\":");
            Object value = field.getValue();
            if (value instanceof String text) {
                JsonText.appendString(json, text);
            } else {
                json.append(value);
            }
        }
        return json.append('}').toString();
    }

    private Object field(String name) {
        if (!fields.containsKey(name)) {
            throw new IllegalArgumentException("event has no field '" + name + "': " + fields.keySet());
        }
        return fields.get(name);
    }
}
