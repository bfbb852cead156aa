package dev.merlin.exchange;

import static dev.merlin.exchange.tracking.LoopbackExchange.appBanner;
import static dev.merlin.exchange.tracking.LoopbackExchange.json;
import static dev.merlin.exchange.tracking.LoopbackExchange.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.merlin.exchange.tracking.LoopbackExchange;
import dev.merlin.protocol.ErrorReason;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bid request naming a key twice is refused over real HTTP with 400, the key's path and the counted reason
 * {@code duplicate_key} (issue 9: one rule for every JSON reader, as {@code /events} already does).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DuplicateKeysIT {

    @TempDir
    Path dataDir;

    @Test
    void aBidRequestWithADuplicateKeyIsA400CountedAsDuplicateKey() throws Exception {
        try (LoopbackExchange exchange = new LoopbackExchange(dataDir)) {
            String valid = appBanner("dup-1", null, null, "");
            // the first imp id is "1"; a second "id" in the same imp would win in a last-wins reader
            String twice = valid.replace("{\"id\":\"1\",", "{\"id\":\"1\",\"id\":\"2\",");
            HttpResponse<byte[]> refused = exchange.bid(twice);
            assertEquals(400, refused.statusCode(), text(refused));
            JsonNode body = json(refused);
            assertEquals("duplicate key \"imp[0].id\"", body.path("error").asText(), text(refused));
            assertEquals("imp[0].id", body.path("path").asText(), text(refused));
            assertEquals(1, exchange.server().metrics().bidRequestsRejected(ErrorReason.DUPLICATE_KEY));
            String metrics = text(exchange.get("/metrics"));
            assertTrue(metrics.contains("merlin_bid_requests_rejected_total{reason=\"duplicate_key\"} 1.0"),
                    metrics);

            // a duplicate inside an ext object, which is passed through raw, is refused too
            HttpResponse<byte[]> ext = exchange.bid(appBanner("dup-2", null, null, ",\"ext\":{\"a\":1,\"a\":2}"));
            assertEquals(400, ext.statusCode(), text(ext));
            assertEquals("ext.a", json(ext).path("path").asText(), text(ext));
            assertEquals(2, exchange.server().metrics().bidRequestsRejected(ErrorReason.DUPLICATE_KEY));

            // the server carries on: the same request without the duplicate is served
            HttpResponse<byte[]> served = exchange.bid(valid);
            assertTrue(served.statusCode() == 200 || served.statusCode() == 204, text(served));
        }
    }
}
