package dev.merlin.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.merlin.protocol.model.RawJson;
import java.io.IOException;

/**
 * Copies the fields of a raw {@code ext} object selectively: all but some names (fields Merlin moves to another
 * location, or must not pass on), or only some names (what may leave when personal data may not).
 *
 * <p>An {@code ext} that cannot contain any of the names (its text does not hold the quoted name) is written
 * verbatim with no parse; otherwise it is parsed and copied token by token, numbers exactly as written. Parsing
 * allocates a parser, so that path is for the {@code ext} objects that need it, not for every one.
 */
public final class ExtFields {

    private ExtFields() {
    }

    /** Writes {@code "ext"} without the fields in {@code names}; nothing when {@code ext} is null. */
    public static void writeExtWithout(JsonGenerator gen, RawJson ext, String... names) throws IOException {
        if (ext == null) {
            return;
        }
        if (!mayContain(ext, names)) {
            JsonFieldWriter.writeExt(gen, ext);
            return;
        }
        gen.writeFieldName("ext");
        gen.writeStartObject();
        copyFields(gen, ext, names, false);
        gen.writeEndObject();
    }

    /**
     * Writes the fields of the object {@code ext} (its braces excluded) except those in {@code names}, into the
     * object the generator is writing; nothing when {@code ext} is null or not an object.
     */
    public static void copyFieldsExcept(JsonGenerator gen, RawJson ext, String... names) throws IOException {
        if (ext != null) {
            copyFields(gen, ext, names, false);
        }
    }

    /**
     * Writes only the fields of the object {@code ext} named in {@code names} (its braces excluded) into the object
     * the generator is writing; nothing when {@code ext} is null or not an object.
     */
    public static void copyFieldsOnly(JsonGenerator gen, RawJson ext, String... names) throws IOException {
        if (ext != null && mayContain(ext, names)) {
            copyFields(gen, ext, names, true);
        }
    }

    /**
     * Whether the text of {@code ext} may hold any of {@code names} as a key: a cheap over-estimate that never
     * misses one (any escape sequence counts as a maybe, since {@code "\u0063onsent"} is {@code consent}).
     */
    public static boolean mayContain(RawJson ext, String... names) {
        String json = ext.json();
        if (json.indexOf('\\') >= 0) {
            return true;
        }
        for (String name : names) {
            int at = json.indexOf(name);
            while (at >= 0) {
                int after = at + name.length();
                if (at > 0 && json.charAt(at - 1) == '"' && after < json.length() && json.charAt(after) == '"') {
                    return true;
                }
                at = json.indexOf(name, at + 1);
            }
        }
        return false;
    }

    private static void copyFields(JsonGenerator gen, RawJson ext, String[] names, boolean keepNamed)
            throws IOException {
        try (JsonParser parser = JsonFieldWriter.FACTORY.createParser(ext.json())) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                if (isNamed(name, names) == keepNamed) {
                    gen.writeFieldName(name);
                    gen.copyCurrentStructureExact(parser);
                } else {
                    parser.skipChildren();
                }
            }
        }
    }

    private static boolean isNamed(String name, String[] names) {
        for (String candidate : names) {
            if (candidate.equals(name)) {
                return true;
            }
        }
        return false;
    }
}
