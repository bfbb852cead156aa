package dev.merlin.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.merlin.protocol.model.BidRequest;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Duplicate keys are refused at every object level the decoder reads, skips or passes through (issue 9): never
 * "last wins", which would let two readers of the same bytes (a proxy, a DSP, us) see different requests.
 */
class DuplicateKeyTest {

    private static final String IMP = "{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}";

    /** A valid request with {@code extra} appended inside the top-level object and {@code imp} as its only imp. */
    private static String request(String imp, String extra) {
        return "{\"id\":\"r1\",\"imp\":[" + imp + "],\"site\":{\"id\":\"s\",\"domain\":\"example.com\"}" + extra + "}";
    }

    private static String manyKeys(int count, String prefix) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : ",").append('"').append(prefix).append(i).append("\":").append(i);
        }
        return sb.append('}').toString();
    }

    @SuppressWarnings("checkstyle:MethodLength") // a table of cases, one per line
    static Stream<Arguments> duplicates() {
        String big = manyKeys(40, "k");
        String bigWithDup = big.substring(0, big.length() - 1) + ",\"k7\":1}";
        return Stream.of(
                Arguments.of("request", "{\"id\":\"r1\",\"id\":\"r2\",\"imp\":[" + IMP + "],\"site\":{\"id\":\"s\"}}",
                        "id"),
                Arguments.of("request, apart", request(IMP, ",\"tmax\":100,\"test\":0,\"tmax\":120"), "tmax"),
                Arguments.of("imp", request("{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250},\"id\":\"2\"}", ""),
                        "imp[0].id"),
                Arguments.of("second imp", "{\"id\":\"r1\",\"imp\":[" + IMP + ",{\"id\":\"2\",\"bidfloor\":1,"
                        + "\"banner\":{\"w\":1,\"h\":1},\"bidfloor\":0}],\"site\":{\"id\":\"s\"}}", "imp[1].bidfloor"),
                Arguments.of("banner", request("{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250,\"w\":1}}", ""),
                        "imp[0].banner.w"),
                Arguments.of("banner format", request(
                        "{\"id\":\"1\",\"banner\":{\"format\":[{\"w\":300,\"h\":250,\"h\":50}]}}", ""),
                        "imp[0].banner.format[0].h"),
                Arguments.of("video", request(
                        "{\"id\":\"1\",\"video\":{\"mimes\":[\"video/mp4\"],\"mimes\":[\"video/webm\"]}}", ""),
                        "imp[0].video.mimes"),
                Arguments.of("audio", request("{\"id\":\"1\",\"audio\":{\"mimes\":[\"audio/mp4\"],\"feed\":1,"
                        + "\"feed\":2}}", ""), "imp[0].audio.feed"),
                Arguments.of("native", request("{\"id\":\"1\",\"native\":{\"request\":\"{}\",\"ver\":\"1.2\","
                        + "\"ver\":\"1.1\"}}", ""), "imp[0].native.ver"),
                Arguments.of("native request object", request("{\"id\":\"1\",\"native\":{\"request\":"
                        + "{\"ver\":\"1.2\",\"assets\":[],\"ver\":\"1.1\"}}}", ""), "imp[0].native.request.ver"),
                Arguments.of("pmp deal", request("{\"id\":\"1\",\"banner\":{\"w\":1,\"h\":1},\"pmp\":{\"deals\":"
                        + "[{\"id\":\"d\",\"bidfloor\":1,\"bidfloor\":2}]}}", ""), "imp[0].pmp.deals[0].bidfloor"),
                Arguments.of("imp ext (raw)", request("{\"id\":\"1\",\"banner\":{\"w\":1,\"h\":1},\"ext\":"
                        + "{\"prebid\":{\"bidder\":{\"a\":{}},\"bidder\":{\"b\":{}}}}}", ""),
                        "imp[0].ext.prebid.bidder"),
                Arguments.of("site", request(IMP, "").replace("\"domain\":\"example.com\"",
                        "\"domain\":\"example.com\",\"domain\":\"evil.example\""), "site.domain"),
                Arguments.of("publisher", "{\"id\":\"r1\",\"imp\":[" + IMP + "],\"site\":{\"id\":\"s\","
                        + "\"publisher\":{\"id\":\"p1\",\"id\":\"p2\"}}}", "site.publisher.id"),
                Arguments.of("content", "{\"id\":\"r1\",\"imp\":[" + IMP + "],\"site\":{\"id\":\"s\","
                        + "\"content\":{\"language\":\"en\",\"language\":\"ja\"}}}", "site.content.language"),
                Arguments.of("app", "{\"id\":\"r1\",\"imp\":[" + IMP + "],\"app\":{\"bundle\":\"a.b\","
                        + "\"bundle\":\"c.d\"}}", "app.bundle"),
                Arguments.of("device", request(IMP, ",\"device\":{\"ip\":\"1.2.3.4\",\"ip\":\"5.6.7.8\"}"),
                        "device.ip"),
                Arguments.of("geo", request(IMP, ",\"device\":{\"geo\":{\"country\":\"USA\",\"country\":\"DEU\"}}"),
                        "device.geo.country"),
                Arguments.of("device ext", request(IMP, ",\"device\":{\"ext\":{\"atts\":3,\"atts\":0}}"),
                        "device.ext.atts"),
                Arguments.of("user", request(IMP, ",\"user\":{\"buyeruid\":\"a\",\"buyeruid\":\"b\"}"),
                        "user.buyeruid"),
                Arguments.of("user ext", request(IMP, ",\"user\":{\"ext\":{\"consent\":\"A\",\"consent\":\"B\"}}"),
                        "user.ext.consent"),
                Arguments.of("eid uid", request(IMP, ",\"user\":{\"eids\":[{\"source\":\"s\",\"uids\":"
                        + "[{\"id\":\"a\",\"atype\":1,\"id\":\"b\"}]}]}"), "user.eids[0].uids[0].id"),
                Arguments.of("regs", request(IMP, ",\"regs\":{\"gdpr\":1,\"gdpr\":0}"), "regs.gdpr"),
                Arguments.of("regs ext", request(IMP, ",\"regs\":{\"ext\":{\"gdpr\":1,\"gdpr\":0}}"),
                        "regs.ext.gdpr"),
                Arguments.of("source", request(IMP, ",\"source\":{\"tid\":\"a\",\"tid\":\"b\"}"), "source.tid"),
                Arguments.of("source ext schain", request(IMP, ",\"source\":{\"ext\":{\"schain\":{\"ver\":\"1.0\","
                        + "\"complete\":1,\"complete\":0}}}"), "source.ext.schain.complete"),
                Arguments.of("request ext (raw)", request(IMP, ",\"ext\":{\"a\":1,\"b\":[{\"c\":1}],\"a\":2}"),
                        "ext.a"),
                Arguments.of("inside an array in a raw ext", request(IMP, ",\"ext\":{\"b\":[{\"c\":1,\"c\":2}]}"),
                        "ext.b[0].c"),
                Arguments.of("unknown field, skipped", request(IMP, ",\"x-custom\":{\"k\":1,\"k\":2}"),
                        "x-custom.k"),
                Arguments.of("unknown key twice", request(IMP, ",\"x-custom\":1,\"x-custom\":2"), "x-custom"),
                Arguments.of("large raw ext (hash set)", request(IMP, ",\"ext\":" + bigWithDup), "ext.k7"),
                Arguments.of("large request (hash set)",
                        request(IMP, "," + bigWithDup.substring(1, bigWithDup.length() - 1)), "k7"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("duplicates")
    void refusesADuplicateKeyNamingItsPath(String level, String json, String path) throws InvalidRequestException {
        BidRequestDecoder decoder = new BidRequestDecoder();
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> decode(decoder, json));
        assertEquals(ErrorReason.DUPLICATE_KEY, e.reason(), e.getMessage());
        assertEquals(path, e.path());
        assertEquals("duplicate key \"" + path + "\"", e.getMessage());
        // the decoder carries on: the next request on the same instance decodes
        assertNotNull(decode(decoder, request(IMP, "")));
    }

    @Test
    void theSameKeyInDifferentObjectsIsNoDuplicate() throws InvalidRequestException {
        String big = manyKeys(40, "k");
        String json = "{\"id\":\"r1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":1,\"h\":1,\"ext\":" + big + "},"
                + "\"ext\":" + big + "},{\"id\":\"2\",\"banner\":{\"w\":1,\"h\":1},\"ext\":" + big + "}],"
                + "\"site\":{\"id\":\"s\",\"publisher\":{\"id\":\"p\",\"ext\":{\"id\":1}}},\"ext\":{\"id\":{\"id\":1},"
                + "\"k0\":" + big + "}," + big.substring(1, big.length() - 1) + "}";
        BidRequestDecoder decoder = new BidRequestDecoder();
        for (int i = 0; i < 3; i++) {
            BidRequest request = decode(decoder, json);
            assertEquals(2, request.imp.size());
            assertEquals("p", request.site.publisher.id);
        }
    }

    @Test
    void aRefusedDocumentLeavesNoKeysBehind() throws InvalidRequestException {
        BidRequestDecoder decoder = new BidRequestDecoder();
        // fails deep inside imp[0].ext with keys of every open level on the stack
        String failing = request("{\"id\":\"1\",\"banner\":{\"w\":1,\"h\":1},\"ext\":{\"a\":{\"b\":1,\"b\":2}}}", "");
        assertThrows(InvalidRequestException.class, () -> decode(decoder, failing));
        // those keys ("id", "imp", "ext", "a", "b") must not count against the next document
        BidRequest next = decode(decoder, "{\"b\":1,\"a\":{\"b\":2},\"ext\":{\"a\":1},\"id\":\"r2\",\"imp\":["
                + IMP + "],\"site\":{\"id\":\"s\"}}");
        assertEquals("r2", next.id);
    }

    private static BidRequest decode(BidRequestDecoder decoder, String json) throws InvalidRequestException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return decoder.decode(bytes, 0, bytes.length);
    }
}
