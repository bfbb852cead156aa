package dev.merlin.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.OpenRtbDatabind;
import dev.merlin.protocol.model.BidRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The databind baseline must build the same model as the streaming decoder, or the benchmark compares unequal work. */
class DatabindUpconvertTest {

    private static final String HEAD = "{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],";

    static List<String> requests() {
        return List.of(
                HEAD + "\"regs\":{\"ext\":{\"gdpr\":1,\"us_privacy\":\"1YNN\",\"gpp\":\"gpp-25\",\"gpp_sid\":[7,8]}}}",
                HEAD + "\"regs\":{\"gpp\":\"gpp-26\",\"gpp_sid\":[8],\"ext\":{\"gpp\":\"gpp-25\",\"gpp_sid\":[7]}}}",
                HEAD + "\"regs\":{\"gpp\":\"gpp-26\",\"ext\":{\"gpp_sid\":[7]}}}",
                HEAD + "\"user\":{\"ext\":{\"consent\":\"c\","
                        + "\"eids\":[{\"source\":\"s\",\"uids\":[{\"id\":\"u\"}]}]}}}",
                HEAD + "\"app\":{\"bundle\":\"b\"},\"device\":{\"os\":\"ios\",\"ext\":{\"atts\":2,\"ifv\":\"x\"}}}",
                HEAD + "\"app\":{\"bundle\":\"b\"},\"device\":{\"os\":\"ios\",\"ext\":{\"ifv\":\"x\"}}}");
    }

    @ParameterizedTest
    @MethodSource("requests")
    void databindAndUpconvertEqualTheStreamingDecoder(String json) throws Exception {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        BidRequest streamed = new BidRequestDecoder().decode(bytes, 0, bytes.length);
        BidRequest bound = DatabindUpconvert.apply(OpenRtbDatabind.mapper(),
                OpenRtbDatabind.mapper().readValue(bytes, BidRequest.class));
        assertEquals(streamed, bound, json);
    }
}
