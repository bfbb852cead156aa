package dev.merlin.exchange.tracking;

import static dev.merlin.exchange.tracking.LoopbackExchange.assertPixel;
import static dev.merlin.exchange.tracking.LoopbackExchange.setCookie;
import static dev.merlin.exchange.tracking.LoopbackExchange.text;
import static dev.merlin.exchange.tracking.LoopbackExchange.uidSet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * {@code GET /optout} and {@code /privacy/users/{uid}} over loopback: opting out sets a long-lived cookie, erases
 * what the browser's uid held, and every later pixel hit carrying the opt-out cookie records nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OptOutIT {

    private static final String SPORTS_VIEW = "/px?pid=px-kaze&ev=page_view&cat=IAB17&country=JPN";
    private static final int SPORTS_FANS = 101;

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
    void optOutErasesTheUidsSegmentsAndLaterHitsRecordNothing() throws Exception {
        String uid = uidSet(exchange.get(SPORTS_VIEW));
        exchange.get(SPORTS_VIEW, "Cookie", "uid=" + uid);
        HttpResponse<byte[]> before = exchange.get("/privacy/users/" + uid, "Cookie", "uid=" + uid);
        assertEquals(200, before.statusCode(), text(before));
        assertTrue(text(before).contains("\"id\":101") && text(before).contains("sports-fans"), text(before));

        HttpResponse<byte[]> optOut = exchange.get("/optout", "Cookie", "uid=" + uid);
        assertEquals(200, optOut.statusCode());
        assertTrue(text(optOut).contains("erased"), text(optOut));
        String optOutCookie = setCookie(optOut, "merlin_optout").orElseThrow();
        assertEquals("1", LoopbackExchange.cookieValue(optOutCookie));
        assertTrue(optOutCookie.contains("Max-Age=" + 1825L * 86_400), optOutCookie);
        assertTrue(optOutCookie.contains("SameSite=None") && optOutCookie.contains("Secure"), optOutCookie);
        String uidCookie = setCookie(optOut, "uid").orElseThrow();
        assertTrue(uidCookie.contains("Max-Age=0"), "the uid cookie is deleted: " + uidCookie);
        assertEquals(1, exchange.server().metrics().activityCount("optout", "erased"));

        HttpResponse<byte[]> after = exchange.get("/privacy/users/" + uid, "Cookie", "uid=" + uid);
        assertEquals(200, after.statusCode());
        assertTrue(text(after).contains("\"segments\":[]"), text(after));

        // the browser still sends its old uid (and an explicit device id) with the opt-out cookie
        for (String hit : List.of(SPORTS_VIEW, SPORTS_VIEW, SPORTS_VIEW + "&did=ifa-opted",
                SPORTS_VIEW + "&did=ifa-opted",
                "/px?pid=px-kaze&ev=purchase&value=10&country=JPN")) {
            HttpResponse<byte[]> response = exchange.get(hit, "Cookie", "merlin_optout=1; uid=" + uid);
            assertPixel(response);
            assertFalse(setCookie(response, "uid").isPresent(), "no uid cookie for an opted-out browser");
        }
        assertEquals(5, exchange.server().metrics().activityCount("pixel", "refused_user_opt_out"));
        assertEquals(List.of(), exchange.segmentsOf(uid));
        assertEquals(List.of(), exchange.segmentsOf("ifa-opted"));
    }

    @Test
    void anOptedOutUidRecordsNothingEvenWhenTheOptOutCookieIsLost() throws Exception {
        String uid = uidSet(exchange.get(SPORTS_VIEW));
        exchange.get("/optout", "Cookie", "uid=" + uid);
        for (int i = 0; i < 3; i++) {
            HttpResponse<byte[]> response = exchange.get(SPORTS_VIEW, "Cookie", "uid=" + uid);
            assertPixel(response);
            assertFalse(setCookie(response, "uid").isPresent());
        }
        assertEquals(3, exchange.server().metrics().activityCount("pixel", "refused_user_opt_out"));
        assertEquals(List.of(), exchange.segmentsOf(uid));
    }

    @Test
    void anOptedOutUidIsNotProfiledUnderTheDeviceIdItSends() throws Exception {
        String uid = uidSet(exchange.get(SPORTS_VIEW));
        exchange.get("/optout", "Cookie", "uid=" + uid);
        // the opt-out cookie is lost, the old uid cookie is not, and the page passes an explicit device id
        for (int i = 0; i < 2; i++) {
            HttpResponse<byte[]> response = exchange.get(SPORTS_VIEW + "&did=ifa-of-opted-uid", "Cookie", "uid=" + uid);
            assertPixel(response);
            assertFalse(setCookie(response, "uid").isPresent());
        }
        assertEquals(2, exchange.server().metrics().activityCount("pixel", "refused_user_opt_out"));
        assertEquals(List.of(), exchange.segmentsOf("ifa-of-opted-uid"));
        assertEquals(List.of(), exchange.segmentsOf(uid));

        // the same two hits from a browser that did not opt out profile the device id
        String other = uidSet(exchange.get(SPORTS_VIEW));
        exchange.get(SPORTS_VIEW + "&did=ifa-of-other-uid", "Cookie", "uid=" + other);
        exchange.get(SPORTS_VIEW + "&did=ifa-of-other-uid", "Cookie", "uid=" + other);
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf("ifa-of-other-uid"));
    }

    @Test
    void optOutWithoutUidSetsTheCookieAndHoldsNothing() throws Exception {
        HttpResponse<byte[]> optOut = exchange.get("/optout");
        assertEquals(200, optOut.statusCode());
        assertTrue(setCookie(optOut, "merlin_optout").isPresent());
        assertTrue(text(optOut).contains("held nothing"), text(optOut));
        assertEquals(1, exchange.server().metrics().activityCount("optout", "nothing_held"));
    }

    @Test
    void theOptOutCookieWinsOverEverySignalThatWouldAllow() throws Exception {
        HttpResponse<byte[]> response = exchange.get(SPORTS_VIEW + "&gdpr=0&us_privacy=1NNN", "Cookie",
                "merlin_optout=1");
        assertPixel(response);
        assertTrue(response.headers().allValues("set-cookie").isEmpty());
        assertEquals(1, exchange.server().metrics().activityCount("pixel", "refused_user_opt_out"));
    }

    @Test
    void someoneElsesUidCannotBeReadOrErased() throws Exception {
        String uid = uidSet(exchange.get(SPORTS_VIEW));
        exchange.get(SPORTS_VIEW, "Cookie", "uid=" + uid);
        assertEquals(401, exchange.get("/privacy/users/" + uid).statusCode(), "no credential");
        assertEquals(401, exchange.get("/privacy/users/" + uid, "Cookie", "uid=another").statusCode(),
                "an unsigned cookie is no credential");
        String otherBrowser = uidSet(exchange.get(SPORTS_VIEW));
        assertEquals(403, exchange.get("/privacy/users/" + uid, "Cookie", "uid=" + otherBrowser).statusCode(),
                "another browser's uid");
        assertEquals(403, exchange.get("/privacy/users/" + uid, "Authorization", "Bearer demo-kaze-report-token")
                .statusCode(), "an advertiser's report token is not the admin token");
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf(uid), "still held");
    }

    @Test
    void deleteErasesTheUser() throws Exception {
        String uid = uidSet(exchange.get(SPORTS_VIEW));
        exchange.get(SPORTS_VIEW, "Cookie", "uid=" + uid);
        HttpResponse<byte[]> deleted = exchange.send("DELETE", "/privacy/users/" + uid, "Cookie", "uid=" + uid);
        assertEquals(200, deleted.statusCode());
        assertTrue(text(deleted).contains("\"erased\":true"), text(deleted));
        assertEquals(List.of(), exchange.segmentsOf(uid));
    }
}
