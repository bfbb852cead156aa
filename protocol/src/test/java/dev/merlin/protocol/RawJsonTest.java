package dev.merlin.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Imp;
import dev.merlin.protocol.model.RawJson;
import java.util.List;
import org.junit.jupiter.api.Test;

class RawJsonTest {

    @Test
    void equalityIgnoresWhitespaceAndKeyOrder() {
        RawJson compact = RawJson.of("{\"a\":1,\"b\":[1,2,{\"c\":\"x\"}]}");
        RawJson spaced = RawJson.of("{ \"b\" : [ 1, 2, { \"c\": \"x\" } ],\n  \"a\" : 1 }");

        assertEquals(compact, spaced);
        assertEquals(spaced, compact);
        assertEquals(compact.hashCode(), spaced.hashCode());
    }

    @Test
    void differentValuesAreNotEqual() {
        RawJson base = RawJson.of("{\"a\":1,\"b\":[1,2]}");

        assertNotEquals(base, RawJson.of("{\"a\":2,\"b\":[1,2]}"));
        assertNotEquals(base, RawJson.of("{\"a\":1,\"b\":[2,1]}"));
        assertNotEquals(base, RawJson.of("{\"a\":1,\"b\":[1,2],\"c\":null}"));
        assertNotEquals(base, RawJson.of("{\"a\":\"1\",\"b\":[1,2]}"));
        assertNotEquals(RawJson.of("{not json"), RawJson.of("{not  json"));
        assertEquals(RawJson.of("{not json"), RawJson.of("{not json"));
        assertNotEquals(RawJson.of("{} {}"), RawJson.of("{}  {}"));
    }

    @Test
    void databindWritesTheTextVerbatim() throws Exception {
        Imp imp = new Imp();
        imp.id = "1";
        imp.ext = RawJson.of("{ \"z\" : 1, \"a\" : [true] }");
        BidRequest request = new BidRequest();
        request.id = "r";
        request.imp = List.of(imp);

        String json = OpenRtbDatabind.mapper().writeValueAsString(request);

        assertEquals("{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"ext\":{ \"z\" : 1, \"a\" : [true] }}]}", json);
    }

    @Test
    void databindReadsAnyValueIntoTextAndKeepsNumbersAsWritten() throws Exception {
        Imp imp = OpenRtbDatabind.mapper().readValue(
                "{\"id\":\"1\",\"ext\":{\"floor\":1.50,\"big\":12345678901234567890,\"s\":\"\\u00e9\\n\",\"n\":null}}",
                Imp.class);

        assertEquals("{\"floor\":1.50,\"big\":12345678901234567890,\"s\":\"\u00e9\\n\",\"n\":null}", imp.ext.json());
        assertEquals("[1,\"two\"]", OpenRtbDatabind.mapper().readValue("{\"ext\":[1,\"two\"]}", Imp.class).ext.json());
        assertNull(OpenRtbDatabind.mapper().readValue("{\"ext\":null}", Imp.class).ext);
    }

    @Test
    void databindRefusesCoercedScalars() {
        assertThrows(MismatchedInputException.class,
                () -> OpenRtbDatabind.mapper().readValue("{\"id\":\"r\",\"tmax\":\"5\"}", BidRequest.class));
        assertThrows(MismatchedInputException.class,
                () -> OpenRtbDatabind.mapper().readValue("{\"id\":\"r\",\"tmax\":5.5}", BidRequest.class));
    }
}
