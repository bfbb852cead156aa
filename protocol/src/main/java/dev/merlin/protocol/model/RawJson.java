package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Objects;

/**
 * One JSON value (typically an {@code ext} object) kept as its text, so it passes through decode and encode unchanged.
 *
 * <p>{@link #equals} and {@link #hashCode} are semantic: two values are equal when they parse to equal JSON trees,
 * whatever their whitespace and key order ({@code 1.50} equals {@code 1.5}, but {@code 1} is not {@code 1.0}). That
 * costs a parse (once per instance), so it is meant for tests and tools, never for the hot path. Text that is not
 * JSON compares by its characters.
 */
@JsonDeserialize(using = RawJson.Deserializer.class)
public final class RawJson {

    private static final ObjectMapper TREE_MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final JsonFactory TEXT_FACTORY = new JsonFactory();

    private final String json;
    private volatile JsonNode tree;

    private RawJson(String json) {
        this.json = json;
    }

    /** Wraps the text of one JSON value; the text is not validated here. */
    public static RawJson of(String json) {
        return new RawJson(Objects.requireNonNull(json, "json"));
    }

    /** Returns the JSON text, exactly as it was given. */
    @JsonValue
    @JsonRawValue
    public String json() {
        return json;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RawJson)) {
            return false;
        }
        RawJson that = (RawJson) o;
        if (json.equals(that.json)) {
            return true;
        }
        JsonNode mine = tree();
        JsonNode theirs = that.tree();
        return mine != null && mine.equals(theirs);
    }

    @Override
    public int hashCode() {
        JsonNode node = tree();
        return node != null ? node.hashCode() : json.hashCode();
    }

    @Override
    public String toString() {
        return json;
    }

    /** The parsed tree, or null when the text is not a single JSON value. */
    private JsonNode tree() {
        JsonNode node = tree;
        if (node == null) {
            try {
                node = TREE_MAPPER.readTree(json);
            } catch (IOException e) {
                return null;
            }
            if (node == null || node.isMissingNode()) {
                return null;
            }
            tree = node;
        }
        return node;
    }

    /** Databind support: copies the current value's tokens into text, keeping numbers exactly as written. */
    static final class Deserializer extends JsonDeserializer<RawJson> {

        @Override
        public RawJson deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            StringWriter text = new StringWriter(64);
            try (JsonGenerator gen = TEXT_FACTORY.createGenerator(text)) {
                gen.copyCurrentStructureExact(p);
            }
            return new RawJson(text.toString());
        }
    }
}
