package dev.merlin.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.merlin.protocol.model.RawJson;
import java.io.IOException;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Selective copies of an ext object, and fixed-point numbers written without a String. */
class ExtFieldsTest {

    private interface Body {
        void write(JsonGenerator gen) throws IOException;
    }

    private static String json(Body body) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonGenerator gen = JsonFieldWriter.FACTORY.createGenerator(text)) {
            gen.writeStartObject();
            body.write(gen);
            gen.writeEndObject();
        }
        return text.toString();
    }

    @Test
    void extWithoutTheNamesIsVerbatimWhenItCannotHoldThem() throws IOException {
        RawJson ext = RawJson.of("{ \"a\" : 1.50, \"b\":{\"gdprx\":1}}");
        assertEquals("{\"ext\":{ \"a\" : 1.50, \"b\":{\"gdprx\":1}}}",
                json(gen -> ExtFields.writeExtWithout(gen, ext, "gdpr")));
    }

    @Test
    void extWithoutTheNamesDropsOnlyTopLevelKeysAndKeepsNumbersExact() throws IOException {
        RawJson ext = RawJson.of("{\"gdpr\":1,\"a\":1.50,\"b\":{\"gdpr\":2},\"us_privacy\":\"1YNN\",\"c\":[1e3]}");
        // values exact (decimals copied as BigDecimal), though an exponent's spelling may change
        assertEquals("{\"ext\":{\"a\":1.50,\"b\":{\"gdpr\":2},\"c\":[1E+3]}}",
                json(gen -> ExtFields.writeExtWithout(gen, ext, "gdpr", "us_privacy")));
    }

    @Test
    void escapedNamesAreFound() throws IOException {
        RawJson ext = RawJson.of("{\"\\u0067dpr\":1,\"x\":\"\\\"\"}");
        assertTrue(ExtFields.mayContain(ext, "gdpr"));
        assertEquals("{\"ext\":{\"x\":\"\\\"\"}}", json(gen -> ExtFields.writeExtWithout(gen, ext, "gdpr")));
        assertEquals("{\"gdpr\":1}", json(gen -> ExtFields.copyFieldsOnly(gen, ext, "gdpr")));
    }

    @Test
    void mayContainNeedsTheQuotedName() {
        assertFalse(ExtFields.mayContain(RawJson.of("{\"consentx\":1,\"a\":\"consent is given\"}"), "consent"));
        assertTrue(ExtFields.mayContain(RawJson.of("{\"a\":\"consent\"}"), "consent"), "a value may match: safe");
    }

    @Test
    void notAnObjectCopiesNothing() throws IOException {
        assertEquals("{}", json(gen -> ExtFields.copyFieldsExcept(gen, RawJson.of("[1,2]"), "a")));
        assertEquals("{}", json(gen -> ExtFields.copyFieldsExcept(gen, null, "a")));
    }

    @ParameterizedTest
    @CsvSource({
        "1234500, 6, 1.2345",
        "1000000, 6, 1",
        "0,       6, 0",
        "-5,      2, -0.05",
        "-3501,   2, -35.01",
        "16120,   2, 161.2",
        "7,       0, 7",
        "9223372036854775807, 6, 9223372036854.775807",
    })
    void fixedPointIsPlainDecimal(long units, int scale, String expected) throws IOException {
        char[] scratch = new char[JsonFieldWriter.FIXED_POINT_CHARS];
        assertEquals("{\"n\":" + expected + "}",
                json(gen -> JsonFieldWriter.writeFixedPoint(gen, "n", units, scale, scratch)));
    }
}
