package dev.merlin.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.merlin.protocol.model.RawJson;
import java.io.IOException;
import java.util.List;
import java.math.BigDecimal;

/**
 * Writes one OpenRTB field to a streaming generator, or nothing when the value is null, so the encoders read as the
 * spec's field tables.
 *
 * <p>Lists are walked by index (no iterator), and a null element inside a list is written as JSON {@code null} so a
 * round trip keeps the list's shape.
 */
final class JsonFieldWriter {

    /** Writes one model object as a JSON object; implemented by non-capturing method references. */
    @FunctionalInterface
    interface ObjectWriter<T> {
        void write(JsonGenerator gen, T value) throws IOException;
    }

    /** The encoders' one generator factory; it leaves the caller's stream open when a generator closes. */
    static final JsonFactory FACTORY = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

    private JsonFieldWriter() {
    }

    static void writeString(JsonGenerator gen, String name, String value) throws IOException {
        if (value != null) {
            gen.writeStringField(name, value);
        }
    }

    static void writeInt(JsonGenerator gen, String name, Integer value) throws IOException {
        if (value != null) {
            gen.writeFieldName(name);
            gen.writeNumber(value.intValue());
        }
    }

    /**
     * A number as plain decimal digits: Java writes doubles at or above 10^7 and below 10^-3 with an exponent
     * ({@code 1.0E7}), which is valid JSON but not what every SSP's price parser takes. Those rare values go through
     * {@link java.math.BigDecimal}; the usual ones are written directly, allocating nothing.
     */
    static void writeDouble(JsonGenerator gen, String name, Double value) throws IOException {
        if (value != null) {
            gen.writeFieldName(name);
            double v = value;
            double magnitude = Math.abs(v);
            if (magnitude == 0 || (magnitude >= 1e-3 && magnitude < 1e7) || !Double.isFinite(v)) {
                gen.writeNumber(v);
            } else {
                gen.writeNumber(BigDecimal.valueOf(v).stripTrailingZeros().toPlainString());
            }
        }
    }

    static void writeExt(JsonGenerator gen, RawJson ext) throws IOException {
        if (ext != null) {
            gen.writeFieldName("ext");
            gen.writeRawValue(ext.json());
        }
    }

    static void writeStringList(JsonGenerator gen, String name, List<String> values) throws IOException {
        if (values != null) {
            gen.writeFieldName(name);
            gen.writeStartArray();
            for (int i = 0, n = values.size(); i < n; i++) {
                gen.writeString(values.get(i));
            }
            gen.writeEndArray();
        }
    }

    static void writeIntList(JsonGenerator gen, String name, List<Integer> values) throws IOException {
        if (values != null) {
            gen.writeFieldName(name);
            gen.writeStartArray();
            for (int i = 0, n = values.size(); i < n; i++) {
                Integer value = values.get(i);
                if (value == null) {
                    gen.writeNull();
                } else {
                    gen.writeNumber(value.intValue());
                }
            }
            gen.writeEndArray();
        }
    }

    static <T> void writeObject(JsonGenerator gen, String name, T value, ObjectWriter<T> writer) throws IOException {
        if (value != null) {
            gen.writeFieldName(name);
            writer.write(gen, value);
        }
    }

    static <T> void writeObjectList(JsonGenerator gen, String name, List<T> values, ObjectWriter<T> writer)
            throws IOException {
        if (values != null) {
            gen.writeFieldName(name);
            gen.writeStartArray();
            for (int i = 0, n = values.size(); i < n; i++) {
                T value = values.get(i);
                if (value == null) {
                    gen.writeNull();
                } else {
                    writer.write(gen, value);
                }
            }
            gen.writeEndArray();
        }
    }
}
