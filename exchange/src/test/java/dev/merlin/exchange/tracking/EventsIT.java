package dev.merlin.exchange.tracking;

import static dev.merlin.exchange.tracking.LoopbackExchange.T0;
import static dev.merlin.exchange.tracking.LoopbackExchange.json;
import static dev.merlin.exchange.tracking.LoopbackExchange.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.merlin.exchange.ExchangeRuntime;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /events} over loopback: the API key, malformed batches (400, nothing recorded), and per-event
 * rejections (202 with a reason per rejected event; the valid events recorded).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EventsIT {

    private static final int SPORTS_FANS = 101;
    /** One valid event that joins sports-fans on its own (video_like, IAB17, Japan). */
    private static final String LIKE = "{\"user\":\"ifa-valid\",\"event\":\"video_like\",\"category\":\"IAB17\","
            + "\"consent\":{\"country\":\"JPN\"}}";

    @TempDir
    Path dataDir;
    private LoopbackExchange exchange;

    @BeforeEach
    void start() throws InterruptedException {
        exchange = new LoopbackExchange(dataDir);
    }

    @AfterEach
    void stop() {
        exchange.close();
    }

    @Test
    void withoutAKeyOrWithAWrongKeyTheAnswerIs401AndNothingIsRecorded() throws Exception {
        String batch = "{\"events\":[" + LIKE + "]}";
        HttpResponse<byte[]> none = exchange.post("/events", batch, "Content-Type", "application/json");
        assertEquals(401, none.statusCode());
        assertTrue(none.headers().firstValue("www-authenticate").orElse("").startsWith("Bearer"));
        assertEquals(401, exchange.post("/events", batch, "Authorization", "Bearer demo-sakura-app-key-0002")
                .statusCode());
        assertEquals(401, exchange.post("/events", batch, "Authorization", "demo-sakura-app-key-0001").statusCode(),
                "the key must come as a bearer token");
        assertEquals(401, exchange.post("/events", batch, "Authorization", "Bearer " + LoopbackExchange.ADMIN_TOKEN)
                .statusCode(), "the admin token is not a source's key");
        assertEquals(0, recorded());
        assertEquals(List.of(), exchange.segmentsOf("ifa-valid"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "not json",
        "{\"events\":[" + LIKE + "",
        "",
        "null",
        "[]",
        "{}",
        "{\"events\":{}}",
        "{\"events\":\"" + "x" + "\"}",
        "{\"events\":[" + LIKE + ",5]}",
        "{\"events\":[" + LIKE + ",null]}",
        "{\"events\":[" + LIKE + ",[" + LIKE + "]]}",
    })
    void aMalformedBatchIs400AndRecordsNothing(String body) throws Exception {
        HttpResponse<byte[]> response = exchange.events(body);
        assertEquals(400, response.statusCode(), text(response));
        assertTrue(text(response).contains("nothing was recorded"), text(response));
        assertEquals(0, recorded());
        assertEquals(List.of(), exchange.segmentsOf("ifa-valid"), "the valid event of a malformed batch too");
    }

    /**
     * Anything after the one JSON document, and a key twice in one object, are refused by reason (they were accepted
     * with 202 before, the rest silently ignored or the last value taken).
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "{\"events\":[" + LIKE + "]} garbage | events_trailing_data",
        "{\"events\":[" + LIKE + "]}{\"events\":[" + LIKE + "]} | events_trailing_data",
        "{\"events\":[" + LIKE + "]}] | events_trailing_data",
        "{\"events\":[],\"events\":[" + LIKE + "]} | events_duplicate_key",
        "{\"events\":[{\"user\":\"ifa-valid\",\"user\":\"ifa-other\",\"event\":\"video_like\"}]}"
                + " | events_duplicate_key",
    })
    void trailingDataAndDuplicateKeysAre400CountedByReason(String line) throws Exception {
        int bar = line.lastIndexOf(" | ");
        String body = line.substring(0, bar);
        String cause = line.substring(bar + 3);
        HttpResponse<byte[]> response = exchange.events(body);
        assertEquals(400, response.statusCode(), text(response));
        assertTrue(text(response).contains("nothing was recorded"), text(response));
        assertEquals(1, exchange.server().metrics().httpErrors(400, cause), text(response));
        assertEquals(0, recorded());
        assertEquals(List.of(), exchange.segmentsOf("ifa-valid"));
    }

    @Test
    void aBatchOverTheLimitIs400AndRecordsNothing() throws Exception {
        StringBuilder batch = new StringBuilder("{\"events\":[");
        for (int i = 0; i < 1_001; i++) {
            batch.append(i == 0 ? "" : ",").append(LIKE);
        }
        HttpResponse<byte[]> response = exchange.events(batch.append("]}").toString());
        assertEquals(400, response.statusCode(), text(response));
        assertTrue(text(response).contains("1001"), text(response));
        assertEquals(0, recorded());
        assertEquals(List.of(), exchange.segmentsOf("ifa-valid"));
    }

    @Test
    void aNullTimeIsTheArrivalTimeLikeAMissingOne() throws Exception {
        String nullTime = LIKE.replace("ifa-valid", "ifa-null-time").replace("{\"user\"", "{\"time\":null,\"user\"");
        assertTrue(nullTime.contains("\"time\":null"), nullTime);
        HttpResponse<byte[]> response = exchange.events("{\"events\":[" + LIKE + "," + nullTime + "]}");
        assertEquals(202, response.statusCode(), text(response));
        assertEquals(2, json(response).path("accepted").asInt(), text(response));
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf("ifa-valid"), "control: no time field");
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf("ifa-null-time"),
                "time:null must mean now, not epoch 0 (whose segment would have expired long ago)");
    }

    @Test
    void aBatchAtTheLimitIsAccepted() throws Exception {
        StringBuilder batch = new StringBuilder("{\"events\":[");
        for (int i = 0; i < 1_000; i++) {
            batch.append(i == 0 ? "" : ",").append(LIKE.replace("ifa-valid", "ifa-" + i));
        }
        HttpResponse<byte[]> response = exchange.events(batch.append("]}").toString());
        assertEquals(202, response.statusCode(), text(response));
        assertEquals(1_000, json(response).path("accepted").asInt());
        assertEquals(1_000, recorded());
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf("ifa-999"));
    }

    @Test
    void invalidAndRefusedEventsAreRejectedWithAReasonAndTheValidOnesRecorded() throws Exception {
        String batch = "{\"events\":["
                + LIKE + ","                                                                            // 0 ok
                + "{\"event\":\"video_like\",\"category\":\"IAB17\",\"consent\":{\"country\":\"JPN\"}},"   // 1 user
                + "{\"user\":\"\",\"event\":\"video_like\",\"consent\":{\"country\":\"JPN\"}},"            // 2 user
                + "{\"user\":\"ifa-2\",\"category\":\"IAB17\",\"consent\":{\"country\":\"JPN\"}},"         // 3 event
                + "{\"user\":\"ifa-3\",\"event\":\"video_like\",\"category\":\"IAB17\",\"time\":\"yesterday\","
                + "\"consent\":{\"country\":\"JPN\"}},"                                                 // 4 time
                + "{\"user\":\"ifa-4\",\"event\":\"video_like\",\"category\":\"IAB17\",\"time\":" + (T0 - 31L * 86_400)
                + ",\"consent\":{\"country\":\"JPN\"}},"                                                // 5 old
                + "{\"user\":\"ifa-5\",\"event\":\"video_like\",\"category\":\"IAB17\",\"time\":" + (T0 + 7_200)
                + ",\"consent\":{\"country\":\"JPN\"}},"                                                // 6 future
                + "{\"user\":\"ifa-6\",\"event\":\"purchase\",\"value\":5,\"currency\":\"XYZ\","
                + "\"consent\":{\"country\":\"JPN\"}},"                                                 // 7 currency
                + "{\"user\":\"ifa-7\",\"event\":\"purchase\",\"value\":-1,\"consent\":{\"country\":\"JPN\"}},"  // 8
                + "{\"user\":\"ifa-8\",\"event\":\"video_like\",\"category\":\"IAB17\","
                + "\"consent\":{\"coppa\":1,\"country\":\"JPN\"}},"                                     // 9 coppa
                + "{\"user\":\"ifa-9\",\"event\":\"video_like\",\"category\":\"IAB17\","
                + "\"consent\":{\"country\":\"USA\"}},"                                                 // 10 region
                + "{\"user\":\"ifa-10\",\"event\":\"video_like\",\"category\":\"IAB17\"},"              // 11 region
                + "{\"user\":\"ifa-11\",\"event\":\"video_like\",\"category\":\"IAB17\","
                + "\"consent\":{\"gdpr\":1,\"country\":\"JPN\"}},"                                      // 12 gdpr
                + "{\"user\":\"ifa-12\",\"event\":\"video_like\",\"category\":\"IAB17\","
                + "\"consent\":{\"us_privacy\":\"1YYN\",\"country\":\"JPN\"}},"                         // 13 ccpa
                + "{\"user\":\"ifa-13\",\"event\":\"video_like\",\"category\":\"IAB17\","
                + "\"consent\":{\"lmt\":1,\"country\":\"JPN\"}},"                                       // 14 lmt
                + "{\"user\":\"ifa-14\",\"event\":\"video_like\",\"category\":\"IAB17\",\"time\":" + (T0 - 3_600)
                + ",\"consent\":{\"country\":\"JPN\"}}"                                                 // 15 ok
                + "]}";
        HttpResponse<byte[]> response = exchange.events(batch);
        assertEquals(202, response.statusCode(), text(response));
        JsonNode body = json(response);
        assertEquals(2, body.path("accepted").asInt(), text(response));
        assertEquals(14, body.path("rejected").asInt(), text(response));
        String[] expected = {null, "user", "user", "event", "time", "30 days", "future", "currency XYZ", "value",
            "consent: coppa", "consent: region_not_rolled_out", "consent: region_not_rolled_out",
            "consent: gdpr_no_consent_string", "consent: us_privacy_opt_out", "consent: lmt", null};
        JsonNode rejections = body.path("rejections");
        int r = 0;
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == null) {
                continue;
            }
            JsonNode rejection = rejections.get(r++);
            assertEquals(i, rejection.path("index").asInt(), text(response));
            assertTrue(rejection.path("reason").asText().contains(expected[i]),
                    "event " + i + ": " + rejection.path("reason").asText());
        }
        assertEquals(14, rejections.size());
        assertEquals(2, recorded());
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf("ifa-valid"));
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf("ifa-14"));
        for (int i = 2; i <= 13; i++) {
            assertEquals(List.of(), exchange.segmentsOf("ifa-" + i), "ifa-" + i);
        }
        assertEquals(1, exchange.server().metrics().activityCount("app", "refused_coppa"));
    }

    @Test
    void aRejectedEventDoesNotCountTowardsAMinCountRule() throws Exception {
        String watch = "{\"user\":\"ifa-w\",\"event\":\"video_watch\",\"category\":\"IAB17\","
                + "\"consent\":{\"country\":\"JPN\"}}";
        String refused = watch.replace("\"country\":\"JPN\"", "\"coppa\":1,\"country\":\"JPN\"");
        HttpResponse<byte[]> response = exchange.events("{\"events\":[" + watch + "," + refused + "," + watch + "]}");
        assertEquals(202, response.statusCode());
        assertEquals(List.of(), exchange.segmentsOf("ifa-w"), "two watches recorded, one refused");
        exchange.events("{\"events\":[" + watch + "]}");
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf("ifa-w"));
    }

    @Test
    void anInfiniteValueIsRejected() throws Exception {
        HttpResponse<byte[]> response = exchange.events("{\"events\":[{\"user\":\"ifa-inf\",\"event\":\"purchase\","
                + "\"value\":1e400,\"consent\":{\"country\":\"JPN\"}}]}");
        assertEquals(202, response.statusCode(), text(response));
        assertEquals(0, json(response).path("accepted").asInt(), text(response));
        assertEquals(1, json(response).path("rejected").asInt(), text(response));
    }

    /** Two different users' purchases, each with orderId "" (as some SDKs send an unset field). */
    @Test
    void anEmptyOrderIdIsNoOrderIdLikeOnThePixel() throws Exception {
        ExchangeRuntime runtime = exchange.server().runtime();
        String campaign = "sakura-video-global";
        for (String ifa : new String[] {"ifa-buyer-1", "ifa-buyer-2"}) {
            runtime.tracking().impression(runtime.catalog().byId(campaign), exchange.userHash(ifa),
                    runtime.nowEpochSeconds());
        }
        exchange.clock.addAndGet(60);
        for (String ifa : new String[] {"ifa-buyer-1", "ifa-buyer-2"}) {
            HttpResponse<byte[]> response = exchange.events("{\"events\":[{\"user\":\"" + ifa
                    + "\",\"event\":\"purchase\",\"value\":10,\"orderId\":\"\",\"consent\":{\"country\":\"JPN\"}}]}");
            assertEquals(1, json(response).path("accepted").asInt(), text(response));
        }
        assertEquals(2, runtime.stores().stats().get(campaign, CampaignStats.Metric.CONVERSIONS,
                LocalDate.ofEpochDay(T0 / 86_400)), "the second user's purchase is no duplicate of order \"\"");
    }

    /**
     * A user the privacy path cannot name once stored (a space, a slash, a question mark, a non-ASCII letter) is
     * rejected by the rule the pixel reads {@code did} with, counted {@code bad_user}; the valid events are recorded.
     */
    @Test
    void aUserThatIsNotAUsableKeyIsRejectedWithACountedReason() throws Exception {
        String[] users = {"app user/7", "a?b", "caf\u00e9", "a%2Fb"};
        StringBuilder batch = new StringBuilder("{\"events\":[");
        for (String user : users) {
            batch.append(LIKE.replace("ifa-valid", user)).append(',');
        }
        batch.append(LIKE).append("]}");
        HttpResponse<byte[]> response = exchange.events(batch.toString());
        assertEquals(202, response.statusCode(), text(response));
        JsonNode body = json(response);
        assertEquals(1, body.path("accepted").asInt(), text(response));
        assertEquals(users.length, body.path("rejected").asInt(), text(response));
        for (JsonNode rejection : body.path("rejections")) {
            assertTrue(rejection.path("reason").asText().startsWith("user must be"), text(response));
        }
        assertEquals(users.length, exchange.server().metrics().activityCount("app", "bad_user"));
        assertEquals(1, recorded());
        for (String user : users) {
            assertEquals(List.of(), exchange.server().runtime().stores().segments().describe(user, T0), user);
        }
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf("ifa-valid"));
    }

    @Test
    void aBatchTheEventLogCannotTakeIs503WithRetryAfterAndRecordsNothing() throws Exception {
        // as while stopping, or with the ring full behind a full disk
        exchange.server().runtime().stores().events().close();
        HttpResponse<byte[]> response = exchange.events("{\"events\":[" + LIKE + ",{\"user\":\"\"}]}");
        assertEquals(503, response.statusCode(), text(response));
        assertEquals("1", response.headers().firstValue("retry-after").orElse(""));
        assertTrue(text(response).contains("send the batch again"), text(response));
        assertEquals(0, recorded());
        assertEquals(1, exchange.server().metrics().activityCount("app", "refused_event_log_full"));
        assertEquals(1, exchange.server().metrics().httpErrors(503, "event_log_full"));
    }

    private long recorded() {
        return exchange.server().metrics().activityCount("app", "recorded");
    }
}
