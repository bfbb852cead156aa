package dev.merlin.exchange;

import static dev.merlin.exchange.tracking.LoopbackExchange.appBanner;
import static dev.merlin.exchange.tracking.LoopbackExchange.assertPixel;
import static dev.merlin.exchange.tracking.LoopbackExchange.json;
import static dev.merlin.exchange.tracking.LoopbackExchange.text;
import static dev.merlin.exchange.tracking.LoopbackExchange.uidSet;
import static dev.merlin.exchange.tracking.LoopbackExchange.winner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.exchange.tracking.LoopbackExchange;
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
 * The audience network end to end over loopback, on the embedded demo config: what a user does in the Sakura TV
 * app, or on Kaze's site, changes which ad the same user gets in a news app — Kaze's segment campaign
 * {@code kaze-sports-fans-apac} (sports-fans, East Asia). The same activity from an opted-out or a COPPA user
 * changes nothing.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TrackingIT {

    private static final String SEGMENT_CAMPAIGN = "kaze-sports-fans-apac";
    private static final String SPORTS_VIEW = "/px?pid=px-kaze&ev=page_view&cat=IAB17&country=JPN";

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
    void threeSportsVideosInTheAppWinTheSportsCampaignOnTheUsersNextBidRequest() throws Exception {
        String ifa = "6d92078a-8246-4ba4-ae5b-76104861e7dc";
        String before = winner(exchange.bid(appBanner("before", null, ifa, "")));
        assertNotEquals(SEGMENT_CAMPAIGN, before, "without a segment the sports campaign does not bid");

        HttpResponse<byte[]> accepted = exchange.events(watches(ifa, 3, "{\"country\":\"JPN\"}"));
        assertEquals(202, accepted.statusCode(), text(accepted));
        assertEquals(3, json(accepted).path("accepted").asInt(), text(accepted));

        assertEquals(SEGMENT_CAMPAIGN, winner(exchange.bid(appBanner("after", null, ifa, ""))));
        assertEquals(before, winner(exchange.bid(appBanner("someone-else", null,
                "0f8fad5b-d9cb-469f-a165-70867728950e", ""))), "another user's request is unchanged");
        assertNotEquals(SEGMENT_CAMPAIGN, winner(exchange.bid(appBanner("coppa-inventory", null, ifa,
                ",\"regs\":{\"coppa\":1}"))), "child-directed inventory never uses the segment");
    }

    @Test
    void twoWatchesAreNotEnough() throws Exception {
        String ifa = "0b8a3c1e-6f0e-4a55-9a4e-1d7f1f2b3c4d";
        assertEquals(202, exchange.events(watches(ifa, 2, "{\"country\":\"JPN\"}")).statusCode());
        assertNotEquals(SEGMENT_CAMPAIGN, winner(exchange.bid(appBanner("two", null, ifa, ""))));
    }

    @Test
    void twoSportsPagesOnKazesSiteWinTheSportsCampaignForThatUid() throws Exception {
        String uid = uidSet(exchange.get(SPORTS_VIEW));
        assertNotEquals(SEGMENT_CAMPAIGN, winner(exchange.bid(appBanner("one-view", uid, null, ""))));
        assertPixel(exchange.get(SPORTS_VIEW, "Cookie", "uid=" + uid));
        assertEquals(SEGMENT_CAMPAIGN, winner(exchange.bid(appBanner("two-views", uid, null, ""))));
    }

    @Test
    void anOptedOutUsersActivityChangesNothing() throws Exception {
        // a browser that was in the segment opts out: erased, and nothing it does afterwards counts
        String uid = uidSet(exchange.get(SPORTS_VIEW));
        exchange.get(SPORTS_VIEW, "Cookie", "uid=" + uid);
        assertEquals(SEGMENT_CAMPAIGN, winner(exchange.bid(appBanner("in-segment", uid, null, ""))));
        assertEquals(200, exchange.get("/optout", "Cookie", "uid=" + uid).statusCode());
        assertNotEquals(SEGMENT_CAMPAIGN, winner(exchange.bid(appBanner("erased", uid, null, ""))));
        for (int i = 0; i < 4; i++) {
            HttpResponse<byte[]> hit = exchange.get(SPORTS_VIEW, "Cookie", "merlin_optout=1; uid=" + uid);
            assertPixel(hit);
            assertTrue(hit.headers().allValues("set-cookie").isEmpty());
        }
        assertNotEquals(SEGMENT_CAMPAIGN, winner(exchange.bid(appBanner("after-hits", uid, null, ""))));

        // an app's pixel for a device whose browser carries the opt-out cookie
        String ifa = "9a1f2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d";
        for (int i = 0; i < 4; i++) {
            assertPixel(exchange.get(SPORTS_VIEW + "&did=" + ifa, "Cookie", "merlin_optout=1"));
        }
        assertNotEquals(SEGMENT_CAMPAIGN, winner(exchange.bid(appBanner("opted-device", null, ifa, ""))));
        assertEquals(List.of(), exchange.segmentsOf(uid));
        assertEquals(List.of(), exchange.segmentsOf(ifa));
        assertEquals(2, exchange.server().metrics().activityCount("pixel", "recorded"),
                "only the two hits before the opt-out were recorded");
    }

    @Test
    void aPixelHitTheEventLogRefusesStillGetsTheGifAndIsCountedAsNotLogged() throws Exception {
        // as while stopping, or with the ring full behind a full disk
        exchange.server().runtime().stores().events().close();
        assertPixel(exchange.get(SPORTS_VIEW));
        assertEquals(0, exchange.server().metrics().activityCount("pixel", "recorded"));
        assertEquals(1, exchange.server().metrics().activityCount("pixel", "recorded_not_logged"));
    }

    @Test
    void aCoppaUsersActivityChangesNothing() throws Exception {
        String ifa = "c0ffee00-1111-4222-8333-444455556666";
        String before = winner(exchange.bid(appBanner("before", null, ifa, "")));
        HttpResponse<byte[]> response = exchange.events(watches(ifa, 5, "{\"coppa\":1,\"country\":\"JPN\"}"));
        assertEquals(202, response.statusCode(), text(response));
        assertEquals(0, json(response).path("accepted").asInt(), text(response));
        assertEquals(5, json(response).path("rejected").asInt());
        assertTrue(text(response).contains("consent: coppa"), text(response));
        HttpResponse<byte[]> like = exchange.events("{\"events\":[{\"user\":\"" + ifa + "\",\"event\":\"video_like\","
                + "\"category\":\"IAB17\",\"consent\":{\"coppa\":1,\"country\":\"JPN\"}}]}");
        assertEquals(0, json(like).path("accepted").asInt());
        assertEquals(before, winner(exchange.bid(appBanner("after", null, ifa, ""))));
        assertNotEquals(SEGMENT_CAMPAIGN, before);
        assertEquals(List.of(), exchange.segmentsOf(ifa));
        assertFalse(exchange.server().metrics().activityCount("app", "recorded") > 0);
    }

    /** A batch of {@code n} sports video watches (categories IAB17-1, IAB17-2, …) by one user. */
    private static String watches(String user, int n, String consent) {
        StringBuilder batch = new StringBuilder("{\"events\":[");
        for (int i = 0; i < n; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"user\":\"").append(user)
                    .append("\",\"event\":\"video_watch\",\"category\":\"IAB17-").append(i + 1)
                    .append("\",\"time\":").append(LoopbackExchange.T0 - 60L * (n - i))
                    .append(",\"consent\":").append(consent).append('}');
        }
        return batch.append("]}").toString();
    }
}
