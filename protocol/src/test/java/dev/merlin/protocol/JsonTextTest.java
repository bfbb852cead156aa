package dev.merlin.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonTextTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anyStringReadsBackAsWritten() throws Exception {
        Random random = new Random(10);
        for (int n = 0; n < 2_000; n++) {
            StringBuilder text = new StringBuilder();
            for (int i = random.nextInt(40); i > 0; i--) {
                text.append((char) (random.nextBoolean() ? random.nextInt(0x80) : random.nextInt(0xD7FF)));
            }
            StringBuilder json = new StringBuilder();
            JsonText.appendString(json, text.toString());
            assertEquals(text.toString(), JSON.readTree(json.toString()).asText());
            assertFalse(json.indexOf("\u2028") >= 0 || json.indexOf("\n") >= 0, json.toString());
        }
    }

    @Test
    void theErrorBodyHasThePathOnlyWhenThereIsOne() throws Exception {
        JsonNode withPath = JSON.readTree(JsonText.error("imp[0].banner.w must be \"positive\"", "imp[0].banner.w"));
        assertEquals("imp[0].banner.w must be \"positive\"", withPath.get("error").asText());
        assertEquals("imp[0].banner.w", withPath.get("path").asText());
        JsonNode without = JSON.readTree(JsonText.error("no path", null));
        assertFalse(without.has("path"));
    }
}
