package dev.merlin.exchange.tracking;

import static dev.merlin.exchange.tracking.LoopbackExchange.appBanner;
import static dev.merlin.exchange.tracking.LoopbackExchange.assertPixel;
import static dev.merlin.exchange.tracking.LoopbackExchange.json;
import static dev.merlin.exchange.tracking.LoopbackExchange.setCookie;
import static dev.merlin.exchange.tracking.LoopbackExchange.text;
import static dev.merlin.exchange.tracking.LoopbackExchange.winner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sentinel id (the all-zero IFA a device reports when its user refuses tracking, {@code "0"}, ...) is no user
 * anywhere: the auction skips it for the next key, {@code /events} rejects it with a counted reason, the pixel
 * records nothing for it as {@code did}. And {@code /events} honours the App Tracking Transparency status
 * ({@code consent.atts}) the way the bid path honours {@code device.ext.atts}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SentinelIdsIT {

    private static final String ZERO_IFA = "00000000-0000-0000-0000-000000000000";
    private static final String SEGMENT_CAMPAIGN = "kaze-sports-fans-apac";

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

    private static String like(String user, String consent) {
        return "{\"user\":\"" + user + "\",\"event\":\"video_like\",\"category\":\"IAB17\",\"consent\":" + consent
                + "}";
    }

    @Test
    void eventsForASentinelUserAreRejectedWithACountedReasonAndJoinNothing() throws Exception {
        List<String> sentinels = List.of(ZERO_IFA, "0", "0000", "00000000000000000000000000000000", " ", "null",
                "UNDEFINED");
        StringBuilder batch = new StringBuilder("{\"events\":[");
        for (int i = 0; i < sentinels.size(); i++) {
            batch.append(i == 0 ? "" : ",").append(like(sentinels.get(i), "{\"country\":\"JPN\"}"));
        }
        batch.append(',').append(like("ifa-real", "{\"country\":\"JPN\"}")).append("]}");
        HttpResponse<byte[]> response = exchange.events(batch.toString());
        assertEquals(202, response.statusCode(), text(response));
        JsonNode body = json(response);
        assertEquals(1, body.path("accepted").asInt(), text(response));
        assertEquals(sentinels.size(), body.path("rejected").asInt(), text(response));
        for (JsonNode rejection : body.path("rejections")) {
            assertTrue(rejection.path("reason").asText().startsWith("sentinel_user"), text(response));
        }
        assertEquals(sentinels.size(), exchange.server().metrics().activityCount("app", "refused_sentinel_user"));
        assertEquals(List.of(), exchange.segmentsOf(ZERO_IFA));
        assertEquals(List.of(), exchange.segmentsOf("0"));
        assertEquals(List.of(101), exchange.segmentsOf("ifa-real"));
    }

    @Test
    void theAuctionSkipsASentinelBuyeruidOrUserIdForTheNextKey() throws Exception {
        String ifa = "6d92078a-8246-4ba4-ae5b-76104861e7dc";
        assertEquals(202, exchange.events("{\"events\":[" + like(ifa, "{\"country\":\"JPN\"}") + "]}").statusCode());
        // a zero buyeruid in front of a real IFA: the IFA's segments count
        assertEquals(SEGMENT_CAMPAIGN, winner(exchange.bid(appBanner("zero-buyeruid", ZERO_IFA, ifa, ""))));
        String withZeroUserId = appBanner("zero-user-id", null, ifa, "")
                .replace("}}],", "}}],\"user\":{\"id\":\"0\"},");
        assertTrue(withZeroUserId.contains("\"user\":{\"id\":\"0\"}"), withZeroUserId);
        assertEquals(SEGMENT_CAMPAIGN, winner(exchange.bid(withZeroUserId)));
    }

    @Test
    void dataHeldUnderTheZeroIfaWinsNoSegmentAuction() throws Exception {
        // a profile shared by every device that refused tracking, written before sentinels were refused
        exchange.server().runtime().stores().segments().add(ZERO_IFA, 101, exchange.clock.get() + 86_400,
                exchange.clock.get());
        for (String[] ids : new String[][] {{ZERO_IFA, null}, {null, ZERO_IFA}, {ZERO_IFA, ZERO_IFA}}) {
            HttpResponse<byte[]> response = exchange.bid(appBanner("zero", ids[0], ids[1], ""));
            assertNotEquals(SEGMENT_CAMPAIGN, winner(response), String.join(",", String.valueOf(ids[0]),
                    String.valueOf(ids[1])));
            if (response.statusCode() == 200) {
                assertFalse(text(response).contains("&u="), "no user hash in the links: " + text(response));
            }
        }
    }

    @Test
    void aPixelWhoseDeviceIdIsASentinelRecordsNothingAndSetsNoCookie() throws Exception {
        for (String did : List.of(ZERO_IFA, "0")) {
            HttpResponse<byte[]> response = exchange.get("/px?pid=px-kaze&ev=view_content&cat=IAB17&country=JPN&did="
                    + did);
            assertPixel(response);
            assertFalse(setCookie(response, "uid").isPresent(), "no uid cookie stands in for the device");
        }
        assertEquals(2, exchange.server().metrics().activityCount("pixel", "refused_sentinel_device_id"));
        assertEquals(List.of(), exchange.segmentsOf(ZERO_IFA));
    }

    @Test
    void eventsHonourTheAppTrackingTransparencyStatusLikeTheBidPath() throws Exception {
        String batch = "{\"events\":["
                + like("ifa-att-0", "{\"country\":\"JPN\",\"atts\":0}") + ","
                + like("ifa-att-1", "{\"country\":\"JPN\",\"atts\":1}") + ","
                + like("ifa-att-2", "{\"country\":\"JPN\",\"atts\":2}") + ","
                + like("ifa-att-9", "{\"country\":\"JPN\",\"atts\":9}") + ","
                + like("ifa-att-x", "{\"country\":\"JPN\",\"atts\":\"denied\"}") + ","
                + like("ifa-att-3", "{\"country\":\"JPN\",\"atts\":3}") + ","
                + like("ifa-att-none", "{\"country\":\"JPN\"}") + "]}";
        HttpResponse<byte[]> response = exchange.events(batch);
        assertEquals(202, response.statusCode(), text(response));
        JsonNode rejections = json(response).path("rejections");
        assertEquals(5, rejections.size(), text(response));
        for (int i = 0; i < 4; i++) {
            assertEquals("consent: lmt", rejections.get(i).path("reason").asText(), text(response));
        }
        assertTrue(rejections.get(4).path("reason").asText().contains("consent.atts must be an integer"),
                text(response));
        assertEquals(4, exchange.server().metrics().activityCount("app", "refused_lmt"));
        assertEquals(List.of(), exchange.segmentsOf("ifa-att-2"));
        assertEquals(List.of(101), exchange.segmentsOf("ifa-att-3"));
        assertEquals(List.of(101), exchange.segmentsOf("ifa-att-none"));
    }
}
