package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CorpusMixTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void eachRequestSentCarriesAnIdOfItsOwnAndOtherwiseItsSample() throws Exception {
        byte[] sample = "{\"imp\":[{\"id\":\"1\"}],\"id\":\"some-request-id\",\"at\":1,\"ext\":{\"id\":\"inner\"}}"
                .getBytes(StandardCharsets.UTF_8);
        byte[] noId = "{\"imp\":[{\"id\":\"1\"}],\"at\":2}".getBytes(StandardCharsets.UTF_8);
        RequestCorpus corpus = new RequestCorpus("test", List.of("a.json", "b.json"), List.of(sample, noId),
                List.of());
        try (CorpusMix mix = new CorpusMix(corpus, 8080, "/openrtb2/auction")) {
            ObjectNode first = body(mix.next(0));
            ObjectNode again = body(mix.next(2));
            assertEquals("load-0", first.get("id").asText());
            assertEquals("load-2", again.get("id").asText(), "the same sample, sent again, with another id");
            ObjectNode expected = (ObjectNode) JSON.readTree(sample);
            expected.put("id", "load-0");
            assertEquals(expected, first, "only the top-level id changes");
            assertEquals("inner", first.at("/ext/id").asText());
            assertEquals(JSON.readTree(noId), body(mix.next(1)), "a sample without an id goes as it is");
            assertNotEquals(first.get("id"), again.get("id"));
        }
    }

    private static ObjectNode body(RequestMix.Sent sent) throws Exception {
        FullHttpRequest request = sent.request();
        try {
            String text = request.content().toString(StandardCharsets.UTF_8);
            assertEquals(request.content().readableBytes(),
                    request.headers().getInt(HttpHeaderNames.CONTENT_LENGTH).intValue(), "content-length");
            return (ObjectNode) JSON.readTree(text);
        } finally {
            request.release();
        }
    }
}
