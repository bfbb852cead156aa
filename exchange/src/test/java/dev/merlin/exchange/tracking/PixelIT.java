package dev.merlin.exchange.tracking;

import static dev.merlin.exchange.tracking.LoopbackExchange.assertPixel;
import static dev.merlin.exchange.tracking.LoopbackExchange.setCookie;
import static dev.merlin.exchange.tracking.LoopbackExchange.uidSet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code GET /px} over loopback: the GIF always, a uid cookie only when recording is allowed, and what is recorded
 * (seen through {@code /privacy/users/{uid}} and the activity counters).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PixelIT {

    private static final String SPORTS_VIEW = "/px?pid=px-kaze&ev=page_view&cat=IAB17-40&country=JPN";
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
    void aRecordedHitAnswersTheGifAndSetsALongLivedCrossSiteUidCookie() throws Exception {
        HttpResponse<byte[]> response = exchange.get(SPORTS_VIEW);
        assertPixel(response);
        String cookie = setCookie(response, "uid").orElseThrow();
        String uid = LoopbackExchange.cookieValue(cookie);
        assertTrue(uid.matches("[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{22}"), "128 random bits and their tag: " + uid);
        assertTrue(exchange.server().runtime().uidCookies().isIssued(uid), "signed by this exchange: " + uid);
        assertTrue(cookie.contains("Max-Age=" + 395L * 86_400), cookie);
        assertTrue(cookie.contains("SameSite=None"), cookie);
        assertTrue(cookie.contains("Secure"), cookie);
        assertTrue(cookie.toLowerCase(Locale.ROOT).contains("httponly"), cookie);
        assertTrue(cookie.contains("Path=/"), cookie);
        assertEquals(1, activity("recorded"));
    }

    @Test
    void twoSportsPageViewsPutTheUidInSportsFans() throws Exception {
        String uid = uidSet(exchange.get(SPORTS_VIEW));
        assertEquals(List.of(), exchange.segmentsOf(uid), "one view is not two");
        HttpResponse<byte[]> second = exchange.get(SPORTS_VIEW, "Cookie", "uid=" + uid);
        assertPixel(second);
        assertEquals(uid, uidSet(second), "the same uid is kept (and its cookie refreshed)");
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf(uid));
    }

    @Test
    void twoHitsWithoutCookieAreTwoDifferentUsers() throws Exception {
        String first = uidSet(exchange.get(SPORTS_VIEW));
        String second = uidSet(exchange.get(SPORTS_VIEW));
        assertNotEquals(first, second);
        assertEquals(List.of(), exchange.segmentsOf(first));
        assertEquals(List.of(), exchange.segmentsOf(second));
    }

    @Test
    void anExplicitDeviceIdIsTheUserAndNoCookieIsSet() throws Exception {
        HttpResponse<byte[]> response = exchange.get(SPORTS_VIEW + "&did=ifa-pixel-1");
        assertPixel(response);
        assertFalse(setCookie(response, "uid").isPresent(), "an app's device id needs no cookie");
        exchange.get(SPORTS_VIEW + "&did=ifa-pixel-1");
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf("ifa-pixel-1"));
    }

    @Test
    void aUidMerlinIssuedIsNoDeviceIdSoNoPageWritesIntoAnotherBrowsersProfile() throws Exception {
        String victim = uidSet(exchange.get(SPORTS_VIEW));
        for (int i = 0; i < 2; i++) {
            HttpResponse<byte[]> forged = exchange.get(SPORTS_VIEW + "&did=" + victim);
            assertPixel(forged);
            assertFalse(setCookie(forged, "uid").isPresent(), "a refused hit sets no cookie");
        }
        assertEquals(2, activity("refused_merlin_uid"));
        assertEquals(List.of(), exchange.segmentsOf(victim), "one view of its own, none written by another page");
        exchange.get(SPORTS_VIEW, "Cookie", "uid=" + victim);
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf(victim), "the browser's own second view still counts");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "/px                                                          | missing_pixel_id",
        "/px?ev=page_view&country=JPN                                 | missing_pixel_id",
        "/px?pid=px-nobody&ev=page_view&country=JPN                   | unknown_pixel",
        "/px?pid=px-kaze&ev=purchase&value=abc&country=JPN            | bad_value",
        "/px?pid=px-kaze&ev=purchase&value=-5&country=JPN             | bad_value",
        "/px?pid=px-kaze&ev=purchase&value=NaN&country=JPN            | bad_value",
        "/px?pid=px-kaze&ev=purchase&value=Infinity&country=JPN       | bad_value",
        "/px?pid=px-kaze&ev=purchase&value=5&cur=XYZ&country=JPN      | unknown_currency",
        "/px?pid=px-kaze&ev=page_view&cat=IAB17&coppa=1&country=JPN   | refused_coppa",
        "/px?pid=px-kaze&ev=page_view&cat=IAB17&gdpr=1&country=JPN    | refused_gdpr_no_consent_string",
        "/px?pid=px-kaze&ev=page_view&cat=IAB17&gdpr=1&gdpr_consent=not-tcf&country=JPN | refused_gdpr_invalid_consent",
        "/px?pid=px-kaze&ev=page_view&cat=IAB17&us_privacy=1YYN&country=JPN | refused_us_privacy_opt_out",
        "/px?pid=px-kaze&ev=page_view&cat=IAB17&country=USA           | refused_region_not_rolled_out",
        "/px?pid=px-kaze&ev=page_view&cat=IAB17                       | refused_region_not_rolled_out",
        "/px?pid=px-kaze&ev=page_view&cat=IAB17&coppa=%24%7BCOPPA%7D&country=JPN | refused_coppa",
    })
    void badOrRefusedHitsStillAnswerTheGifButSetNoCookieAndRecordNothing(String uri, String outcome)
            throws Exception {
        String withDevice = uri.trim() + (uri.contains("?") ? "&" : "?") + "did=ifa-refused";
        for (int i = 0; i < 2; i++) { // twice: a page_view rule needs two
            assertPixel(exchange.get(withDevice));
            HttpResponse<byte[]> response = exchange.get(uri.trim(), "Cookie", "uid=uid-refused");
            assertPixel(response);
            assertFalse(setCookie(response, "uid").isPresent(), "no cookie when nothing may be recorded");
        }
        assertEquals(4, activity(outcome.trim()));
        assertEquals(0, activity("recorded"));
        assertEquals(List.of(), exchange.segmentsOf("ifa-refused"));
        assertEquals(List.of(), exchange.segmentsOf("uid-refused"));
    }

    /** Global Privacy Control: the browser says "do not sell or share", and a cross-site profile is sharing. */
    @Test
    void aBrowserSendingGlobalPrivacyControlIsNotProfiled() throws Exception {
        for (int i = 0; i < 2; i++) { // twice: a page_view rule needs two
            HttpResponse<byte[]> response = exchange.get(SPORTS_VIEW, "Cookie", "uid=uid-gpc", "Sec-GPC", "1");
            assertPixel(response);
            assertFalse(setCookie(response, "uid").isPresent(), "no cookie when nothing may be recorded");
            assertPixel(exchange.get(SPORTS_VIEW + "&did=ifa-gpc", "Sec-GPC", "1"));
        }
        assertEquals(4, activity("refused_gpc"));
        assertEquals(0, activity("recorded"));
        assertEquals(List.of(), exchange.segmentsOf("uid-gpc"));
        assertEquals(List.of(), exchange.segmentsOf("ifa-gpc"));
        // Sec-GPC: 0 (or any other value) is no signal
        exchange.get(SPORTS_VIEW, "Cookie", "uid=uid-no-gpc", "Sec-GPC", "0");
        exchange.get(SPORTS_VIEW, "Cookie", "uid=uid-no-gpc", "Sec-GPC", "0");
        assertEquals(2, activity("recorded"));
    }

    @Test
    void aRefusedHitWithoutCookieSetsNone() throws Exception {
        HttpResponse<byte[]> response = exchange.get("/px?pid=px-kaze&ev=page_view&coppa=1&country=JPN");
        assertPixel(response);
        assertTrue(response.headers().allValues("set-cookie").isEmpty(), response.headers().map().toString());
    }

    @Test
    void thePixelRecordsOnlyGetButAnswersAnyMethodWithItsGif() throws Exception {
        HttpResponse<byte[]> response = exchange.post(SPORTS_VIEW, "");
        assertPixel(response);
        assertEquals(0, activity("recorded"));
        assertEquals(1, activity("method"));
    }

    @Test
    void aTooLongParameterIsCountedNotRecorded() throws Exception {
        HttpResponse<byte[]> response = exchange.get(SPORTS_VIEW + "&ids=" + "x".repeat(300));
        assertPixel(response);
        assertFalse(setCookie(response, "uid").isPresent());
        assertEquals(1, activity("param_too_long"));
    }

    @Test
    void aDeviceIdTooLongForTheSegmentStoreStillGetsTheGif() throws Exception {
        String did = "d".repeat(200);
        HttpResponse<byte[]> response = exchange.get("/px?pid=px-kaze&ev=video_like&cat=IAB17&country=JPN&did=" + did);
        assertPixel(response);
        assertEquals(1, activity("bad_device_id"));
    }

    @Test
    void aForgedOverlongUidCookieStillGetsTheGif() throws Exception {
        HttpResponse<byte[]> response = exchange.get("/px?pid=px-kaze&ev=video_like&cat=IAB17&country=JPN",
                "Cookie", "uid=" + "u".repeat(200));
        assertPixel(response);
        String fresh = setCookie(response, "uid").orElseThrow();
        assertFalse(fresh.contains("u".repeat(129)), "a forged uid is replaced by a fresh one: " + fresh);
        assertEquals(1, activity("recorded"));
    }

    private long activity(String outcome) {
        return exchange.server().metrics().activityCount("pixel", outcome);
    }
}
