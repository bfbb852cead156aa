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
public final class JsonFieldWriter {

    /** Writes one model object as a JSON object; implemented by non-capturing method references. */
    @FunctionalInterface
    public interface ObjectWriter<T> {
        void write(JsonGenerator gen, T value) throws IOException;
    }

    /** The encoders' one generator factory; it leaves the caller's stream open when a generator closes. */
    public static final JsonFactory FACTORY =
            JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

    private JsonFieldWriter() {
    }

    /** Writes {@code "name": "value"}, or nothing when the value is null. */
    public static void writeString(JsonGenerator gen, String name, String value) throws IOException {
        if (value != null) {
            gen.writeStringField(name, value);
        }
    }

    /** Writes {@code "name": value}, or nothing when the value is null. */
    public static void writeInt(JsonGenerator gen, String name, Integer value) throws IOException {
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
    public static void writeDouble(JsonGenerator gen, String name, Double value) throws IOException {
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

    /** The most characters {@link #writeFixedPoint} needs in its scratch array. */
    public static final int FIXED_POINT_CHARS = 24;

    /**
     * Writes {@code "name": units / 10^scale} as plain decimal digits with trailing zeros of the fraction dropped
     * ({@code 1234500, 6} is {@code 1.2345}), formatted in {@code scratch} (at least {@link #FIXED_POINT_CHARS}
     * long), so a computed price or coordinate costs no String.
     */
    public static void writeFixedPoint(JsonGenerator gen, String name, long units, int scale, char[] scratch)
            throws IOException {
        if (scale < 0 || scale > 9) {
            throw new IllegalArgumentException("scale " + scale + " outside 0..9");
        }
        boolean negative = units < 0;
        long magnitude = Math.abs(units);
        int end = scratch.length;
        int pos = end;
        int fraction = scale;
        while (fraction > 0 && magnitude % 10 == 0) {
            magnitude /= 10;
            fraction--;
        }
        for (int i = 0; i < fraction; i++) {
            scratch[--pos] = (char) ('0' + magnitude % 10);
            magnitude /= 10;
        }
        if (fraction > 0) {
            scratch[--pos] = '.';
        }
        do {
            scratch[--pos] = (char) ('0' + magnitude % 10);
            magnitude /= 10;
        } while (magnitude > 0);
        if (negative && units != 0) {
            scratch[--pos] = '-';
        }
        gen.writeFieldName(name);
        gen.writeNumber(scratch, pos, end - pos);
    }

    /** Writes {@code "ext"} with its text verbatim, or nothing when it is null. */
    public static void writeExt(JsonGenerator gen, RawJson ext) throws IOException {
        if (ext != null) {
            gen.writeFieldName("ext");
            gen.writeRawValue(ext.json());
        }
    }

    /** Writes a string array, or nothing when the list is null. */
    public static void writeStringList(JsonGenerator gen, String name, List<String> values) throws IOException {
        if (values != null) {
            gen.writeFieldName(name);
            gen.writeStartArray();
            for (int i = 0, n = values.size(); i < n; i++) {
                gen.writeString(values.get(i));
            }
            gen.writeEndArray();
        }
    }

    /** Writes an integer array (a null element as JSON null), or nothing when the list is null. */
    public static void writeIntList(JsonGenerator gen, String name, List<Integer> values) throws IOException {
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

    /** Writes {@code "name"} and the object through {@code writer}, or nothing when the value is null. */
    public static <T> void writeObject(JsonGenerator gen, String name, T value, ObjectWriter<T> writer)
            throws IOException {
        if (value != null) {
            gen.writeFieldName(name);
            writer.write(gen, value);
        }
    }

    /** Writes an array of objects through {@code writer} (a null element as JSON null), or nothing for null. */
    public static <T> void writeObjectList(JsonGenerator gen, String name, List<T> values, ObjectWriter<T> writer)
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
