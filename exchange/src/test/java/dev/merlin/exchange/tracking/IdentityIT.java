package dev.merlin.exchange.tracking;

import static dev.merlin.exchange.tracking.LoopbackExchange.appBanner;
import static dev.merlin.exchange.tracking.LoopbackExchange.json;
import static dev.merlin.exchange.tracking.LoopbackExchange.setCookie;
import static dev.merlin.exchange.tracking.LoopbackExchange.text;
import static dev.merlin.exchange.tracking.LoopbackExchange.uidSet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.exchange.privacy.IdentityKeys;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nobody can act as someone else: a {@code uid} cookie counts only when Merlin signed it, so {@code Cookie: uid=<a
 * device's IFA>} (IFAs are in every bid request) reads, erases and opts out nothing; an IFA user is read and erased
 * with the admin token, while an event source's API key learns only whether the device is held, since any source can
 * name any device; the user hash in links is keyed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdentityIT {

    private static final String IFA = "6d92078a-8246-4ba4-ae5b-76104861e7dc";
    private static final int SPORTS_FANS = 101;
    private static final int BEAUTY_ENTHUSIASTS = 103;
    private static final String SPORTS_VIEW = "/px?pid=px-kaze&ev=page_view&cat=IAB17&country=JPN";

    @TempDir
    Path dataDir;
    private LoopbackExchange exchange;

    @BeforeEach
    void start() throws Exception {
        exchange = new LoopbackExchange(dataDir);
        HttpResponse<byte[]> liked = exchange.events("{\"events\":[{\"user\":\"" + IFA + "\",\"event\":\"video_like\","
                + "\"category\":\"IAB17\",\"consent\":{\"country\":\"JPN\"}}]}");
        assertEquals(1, json(liked).path("accepted").asInt(), text(liked));
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf(IFA));
    }

    @AfterEach
    void stop() {
        exchange.close();
    }

    private HttpResponse<byte[]> asCookie(String method, String uid, String cookie) throws Exception {
        return exchange.send(method, "/privacy/users/" + uid, "Cookie", "uid=" + cookie);
    }

    @Test
    void aCookieSetToADevicesIfaReadsErasesAndOptsOutNothing() throws Exception {
        HttpResponse<byte[]> read = asCookie("GET", IFA, IFA);
        assertEquals(401, read.statusCode(), text(read));
        assertEquals(401, asCookie("DELETE", IFA, IFA).statusCode());
        HttpResponse<byte[]> optOut = exchange.get("/optout", "Cookie", "uid=" + IFA);
        assertEquals(200, optOut.statusCode());
        assertTrue(text(optOut).contains("held nothing"), text(optOut));
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf(IFA), "the device's data is untouched");
        assertTrue(!exchange.server().runtime().stores().optOuts().contains(IFA), "and the device is not opted out");
        assertEquals(0, exchange.server().metrics().activityCount("optout", "erased"));
    }

    @Test
    void aForgedOrForeignSignedCookieCountsAsAbsent() throws Exception {
        String uid = uidSet(exchange.get(SPORTS_VIEW));
        String forged = uid.substring(0, 23) + "AAAAAAAAAAAAAAAAAAAAAA";
        String foreign = IdentityKeys.of("another-exchanges-secret".getBytes(StandardCharsets.UTF_8)).uidCookies()
                .issue();
        for (String cookie : List.of(forged, foreign, "0123456789abcdef0123456789abcdef")) {
            assertEquals(401, asCookie("GET", cookie, cookie).statusCode(), cookie);
            assertEquals(401, asCookie("DELETE", cookie, cookie).statusCode(), cookie);
            // the pixel treats it as no cookie: a fresh, signed uid, and nothing recorded under the forged value
            HttpResponse<byte[]> hit = exchange.get(SPORTS_VIEW, "Cookie", "uid=" + cookie);
            String fresh = uidSet(hit);
            assertNotEquals(cookie, fresh);
            assertTrue(exchange.server().runtime().uidCookies().isIssued(fresh), fresh);
            assertEquals(List.of(), exchange.segmentsOf(cookie));
        }
        // each refused once by GET, DELETE and the pixel
        assertEquals(9, exchange.server().runtime().uidCookies().refused());
        assertTrue(text(exchange.get("/metrics")).contains("merlin_uid_cookies_not_issued_total 9.0"));
    }

    @Test
    void theBrowsersOwnSignedCookieReadsAndErasesItsOwnUid() throws Exception {
        String uid = uidSet(exchange.get(SPORTS_VIEW));
        exchange.get(SPORTS_VIEW, "Cookie", "uid=" + uid);
        HttpResponse<byte[]> read = asCookie("GET", uid, uid);
        assertEquals(200, read.statusCode(), text(read));
        assertTrue(text(read).contains("sports-fans"), text(read));
        assertEquals(403, asCookie("GET", IFA, uid).statusCode(), "a browser's uid does not reach a device");
        HttpResponse<byte[]> deleted = asCookie("DELETE", uid, uid);
        assertEquals(200, deleted.statusCode(), text(deleted));
        assertTrue(text(deleted).contains("\"erased\":true"), text(deleted));
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf(IFA));
    }

    @Test
    void theAppsApiKeyLearnsOnlyWhetherAnIfaUserIsHeldAndReachesNoBrowsersUid() throws Exception {
        String key = "Bearer " + LoopbackExchange.APP_KEY;
        HttpResponse<byte[]> read = exchange.get("/privacy/users/" + IFA, "Authorization", key);
        assertEquals(200, read.statusCode(), text(read));
        assertEquals("{\"uid\":\"" + IFA + "\",\"held\":true}", text(read),
                "no segment names: nothing records which source put the user in a segment");
        HttpResponse<byte[]> unknown = exchange.get("/privacy/users/never-seen-device", "Authorization", key);
        assertEquals("{\"uid\":\"never-seen-device\",\"held\":false}", text(unknown));

        String uid = uidSet(exchange.get(SPORTS_VIEW));
        assertEquals(403, exchange.get("/privacy/users/" + uid, "Authorization", key).statusCode(),
                "a Merlin uid is a browser's, not an app's user");
        assertEquals(403, exchange.send("DELETE", "/privacy/users/" + uid, "Authorization", key).statusCode());

        HttpResponse<byte[]> deleted = exchange.send("DELETE", "/privacy/users/" + IFA, "Authorization", key);
        assertEquals(403, deleted.statusCode(), text(deleted));
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf(IFA), "only the admin token erases a device");
    }

    @Test
    void anotherSourcesKeyNeitherSeesNorErasesWhatSeoulBeautysPixelRecorded() throws Exception {
        String device = "3b7e1f4a-92c5-4d08-b6a1-c0e5d7f28a93";
        LoopbackExchange.assertPixel(exchange.get("/px?pid=px-seoulbeauty&ev=view_content&country=JPN&did=" + device));
        assertEquals(List.of(BEAUTY_ENTHUSIASTS), exchange.segmentsOf(device));
        String pixelQuest = "Bearer demo-pixelgames-key-0001";

        HttpResponse<byte[]> read = exchange.get("/privacy/users/" + device, "Authorization", pixelQuest);
        assertEquals(200, read.statusCode(), text(read));
        assertFalse(text(read).contains("beauty-enthusiasts"), text(read));
        assertFalse(text(read).contains("segments"), text(read));
        assertFalse(text(read).contains("recipients"), "nor which DSPs received the device's data: " + text(read));
        HttpResponse<byte[]> deleted = exchange.send("DELETE", "/privacy/users/" + device, "Authorization",
                pixelQuest);
        assertEquals(403, deleted.statusCode(), text(deleted));
        assertEquals(List.of(BEAUTY_ENTHUSIASTS), exchange.segmentsOf(device), "Seoul Beauty's segment stays");
        assertEquals(1, exchange.server().metrics().httpErrors(403, "privacy_user_source_erase"));

        String admin = "Bearer " + LoopbackExchange.ADMIN_TOKEN;
        HttpResponse<byte[]> all = exchange.get("/privacy/users/" + device, "Authorization", admin);
        assertTrue(text(all).contains("beauty-enthusiasts") && text(all).contains("\"recipients\":["), text(all));
        HttpResponse<byte[]> erased = exchange.send("DELETE", "/privacy/users/" + device, "Authorization", admin);
        assertEquals(200, erased.statusCode(), text(erased));
        assertTrue(text(erased).contains("\"erased\":true"), text(erased));
        assertEquals(List.of(), exchange.segmentsOf(device));
    }

    @Test
    void anAppCannotSendEventsForABrowsersUid() throws Exception {
        String uid = uidSet(exchange.get(SPORTS_VIEW));
        HttpResponse<byte[]> response = exchange.events("{\"events\":[{\"user\":\"" + uid + "\",\"event\":"
                + "\"video_like\",\"category\":\"IAB1-7\",\"consent\":{\"country\":\"JPN\"}}]}");
        assertEquals(202, response.statusCode(), text(response));
        assertEquals(0, json(response).path("accepted").asInt(), text(response));
        assertTrue(json(response).path("rejections").get(0).path("reason").asText().startsWith("merlin_uid"),
                text(response));
        assertEquals(1, exchange.server().metrics().activityCount("app", "refused_merlin_uid"));
    }

    @Test
    void aReportTokenOrAWrongKeyIsRefusedAndNoCredentialIs401() throws Exception {
        for (String token : List.of(LoopbackExchange.KAZE_TOKEN, "demo-sakura-app-key-0002")) {
            assertEquals(403, exchange.get("/privacy/users/" + IFA, "Authorization", "Bearer " + token)
                    .statusCode(), token);
            assertEquals(403, exchange.send("DELETE", "/privacy/users/" + IFA, "Authorization", "Bearer " + token)
                    .statusCode(), token);
        }
        HttpResponse<byte[]> none = exchange.get("/privacy/users/" + IFA);
        assertEquals(401, none.statusCode());
        assertTrue(none.headers().firstValue("www-authenticate").orElse("").startsWith("Bearer"));
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf(IFA));
        assertEquals(200, exchange.send("DELETE", "/privacy/users/" + IFA, "Authorization",
                "Bearer " + LoopbackExchange.ADMIN_TOKEN).statusCode(), "the admin reaches everyone");
        assertEquals(List.of(), exchange.segmentsOf(IFA));
    }

    @Test
    void theUserHashInLinksIsKeyed() throws Exception {
        HttpResponse<byte[]> bid = exchange.bid(appBanner("keyed", null, IFA, ""));
        assertEquals(200, bid.statusCode(), text(bid));
        String body = text(bid);
        String keyed = Long.toHexString(exchange.userHash(IFA));
        assertTrue(body.contains("u=" + keyed), body);
        assertTrue(!body.contains("u=" + Long.toHexString(fnv1a(IFA))), "the unkeyed FNV-1a of the IFA: " + body);
        assertTrue(setCookie(bid, "uid").isEmpty());
    }

    private static long fnv1a(String key) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < key.length(); i++) {
            h ^= key.charAt(i);
            h *= 0x100000001b3L;
        }
        return h == 0 ? 1 : h;
    }
}
