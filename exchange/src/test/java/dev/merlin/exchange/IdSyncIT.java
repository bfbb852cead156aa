package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.merlin.config.AuctionConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.DspConfig;
import dev.merlin.config.DspPrivacy;
import dev.merlin.config.DspUserSync;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.PrivacyConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.dspsim.DspSimulator;
import dev.merlin.dspsim.Price;
import dev.merlin.exchange.privacy.IdSyncStore;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * User sync over real HTTP, as Prebid Server's clients call it: {@code /cookie_sync} lists the DSPs to sync with and
 * their URLs, {@code /setuid} keeps a DSP's id under Merlin's signed uid, and the bid request to that DSP (only that
 * one) carries it as {@code buyeruid}; consent, opt-out, GPC and forged cookies refuse; erasure, restart and expiry.
 */
@Timeout(120)
class IdSyncIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long NOW = 1_781_524_800L;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static MerlinConfig config(Path dataDir, DspSimulator a, DspSimulator b) {
        DspConfig syncsByImage = DspConfig.of("alpha", "Alpha DSP", a.endpoint(), "JPN")
                .toBuilder().usersync(new DspUserSync("https://sync.alpha.example/sync?gdpr={{gdpr}}&gdpr_consent="
                        + "{{gdpr_consent}}&redir={{redirect_url}}", "redirect")).build();
        DspConfig vendor = DspConfig.of("beta", "Beta DSP", b.endpoint(), "JPN").toBuilder()
                .privacy(new DspPrivacy(null, 77, null, null, null, null, null))
                .usersync(new DspUserSync("https://beta.example/usersync?r={{redirect_url}}", "iframe")).build();
        MerlinConfig base = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L)).withDsps(List.of(syncsByImage, vendor));
        return base.toBuilder().auction(AuctionConfig.builder().maxTmaxMs(5000).build())
                .privacy(PrivacyConfig.builder().personalizationCountries(List.of()).build()).build().validate();
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder at(MerlinServer server, String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery));
    }

    private static String uidCookie(HttpResponse<?> response) {
        for (String cookie : response.headers().allValues("set-cookie")) {
            if (cookie.startsWith("uid=")) {
                return cookie.substring(4, cookie.indexOf(';'));
            }
        }
        return null;
    }

    /** A sync as a browser starts it: its uid (as it had, or as {@code /cookie_sync} set) and its setuid path. */
    private record SyncStart(String uid, String setuidPath) {
        String path(String dspUid) {
            return setuidPath.replace("$UID", dspUid);
        }
    }

    /**
     * {@code POST /cookie_sync} for one DSP from a browser holding {@code merlinUid} (null: none), and the path of the
     * DSP's redirect back to Merlin's {@code /setuid}, {@code $UID} still in it.
     */
    private SyncStart startSync(MerlinServer server, String merlinUid, String dsp) throws Exception {
        HttpRequest.Builder request = at(server, "/cookie_sync").POST(HttpRequest.BodyPublishers.ofString(
                "{\"bidders\":[\"" + dsp + "\"],\"gdpr\":0,\"gdpr_consent\":\"\"}"));
        if (merlinUid != null) {
            request.header("Cookie", "uid=" + merlinUid);
        }
        HttpResponse<String> answer = send(request);
        assertEquals(200, answer.statusCode(), answer.body());
        JsonNode statuses = JSON.readTree(answer.body()).get("bidder_status");
        assertEquals(1, statuses.size(), answer.body());
        String url = URLDecoder.decode(statuses.get(0).get("usersync").get("url").asText(), StandardCharsets.UTF_8);
        String uid = merlinUid != null ? merlinUid : uidCookie(answer);
        assertNotNull(uid, "a browser without a uid gets one with its syncs");
        return new SyncStart(uid, url.substring(url.indexOf("/setuid?")));
    }

    private HttpResponse<String> setuid(MerlinServer server, String path, String merlinUid) throws Exception {
        return send(at(server, path).header("Cookie", "uid=" + merlinUid).GET());
    }

    private HttpResponse<String> auction(MerlinServer server, String merlinUid) throws Exception {
        ObjectNode request = (ObjectNode) JSON.readTree(Files.readString(
                Path.of("../examples/requests/iab26spec-simple-banner.json")));
        request.put("tmax", 5000);
        ((ObjectNode) request.get("user")).put("buyeruid", merlinUid);
        request.putObject("device").putObject("geo").put("country", "JPN");
        return send(at(server, "/openrtb2/auction").header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + DemoSeller.TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request))));
    }

    private static JsonNode lastUser(DspSimulator sim) throws Exception {
        return JSON.readTree(sim.stats().lastRequest().body()).path("user");
    }

    @Test
    void aSyncedIdGoesToItsDspOnlyUntilErasedOrExpiredAndSurvivesARestart(@TempDir Path dataDir) throws Exception {
        AtomicLong clock = new AtomicLong(NOW);
        try (DspSimulator alpha = DspSimulator.builder().price(Price.fixed(0.01)).recordLastRequest(true).start();
             DspSimulator beta = DspSimulator.builder().price(Price.fixed(0.01)).recordLastRequest(true).start()) {
            MerlinConfig config = config(dataDir, alpha, beta);
            String uid;
            try (MerlinServer server = new MerlinServer(config, clock::get).start()) {
                HttpResponse<String> list = send(at(server, "/cookie_sync").POST(HttpRequest.BodyPublishers
                        .ofString("{\"gdpr\":0,\"gdpr_consent\":\"\",\"limit\":5}")));
                assertEquals(200, list.statusCode(), list.body());
                JsonNode answer = JSON.readTree(list.body());
                assertEquals("no_cookie", answer.get("status").asText());
                uid = uidCookie(list);
                assertNotNull(uid, "a browser without a uid gets one with its syncs");
                assertEquals(2, answer.get("bidder_status").size(), list.body());
                JsonNode alphaSync = answer.get("bidder_status").get(0);
                assertEquals("alpha", alphaSync.get("bidder").asText());
                assertEquals("redirect", alphaSync.get("usersync").get("type").asText());
                String url = alphaSync.get("usersync").get("url").asText();
                assertTrue(url.startsWith("https://sync.alpha.example/sync?gdpr=0&gdpr_consent=&redir="), url);
                String redirect = URLDecoder.decode(url.substring(url.indexOf("redir=") + 6), StandardCharsets.UTF_8);
                assertTrue(redirect.startsWith(config.exchange().publicUrl() + "/setuid?bidder=alpha&gdpr=0"),
                        "the redirect is Merlin's own /setuid: " + redirect);
                assertTrue(redirect.matches(".*&st=[0-9]+\\.[A-Za-z0-9_-]{22}&f=i&uid=\\$UID"), redirect);

                HttpResponse<String> stored = setuid(server, redirect.substring(redirect.indexOf("/setuid?"))
                        .replace("$UID", "ALPHA-ID-1"), uid);
                assertEquals(200, stored.statusCode(), stored.body());
                assertEquals("image/gif", stored.headers().firstValue("content-type").orElse(""));
                assertEquals(uid, uidCookie(stored), "the browser keeps its uid");

                assertEquals(200, auction(server, uid).statusCode());
                assertEquals("ALPHA-ID-1", lastUser(alpha).path("buyeruid").asText());
                assertFalse(lastUser(beta).has("buyeruid"), "beta never synced: it gets no buyeruid");

                HttpResponse<String> again = send(at(server, "/cookie_sync").header("Cookie", "uid=" + uid)
                        .POST(HttpRequest.BodyPublishers.ofString("{}")));
                JsonNode left = JSON.readTree(again.body());
                assertEquals("ok", left.get("status").asText());
                assertEquals(1, left.get("bidder_status").size(), "alpha is synced: " + again.body());
                assertEquals("beta", left.get("bidder_status").get(0).get("bidder").asText());
            }
            try (MerlinServer restarted = new MerlinServer(config, clock::get).start()) {
                assertEquals(200, auction(restarted, uid).statusCode());
                assertEquals("ALPHA-ID-1", lastUser(alpha).path("buyeruid").asText(), "kept across a restart");
                String admin = config.tracking().adminToken();
                assertEquals(200, send(at(restarted, "/privacy/users/" + uid).header("Authorization",
                        "Bearer " + admin).DELETE()).statusCode());
                assertEquals(200, auction(restarted, uid).statusCode());
                assertFalse(lastUser(alpha).has("buyeruid"), "erased with the user");

                HttpResponse<String> resynced = setuid(restarted,
                        startSync(restarted, uid, "alpha").path("ALPHA-ID-2"), uid);
                assertEquals(200, resynced.statusCode());
                assertEquals(uid, uidCookie(resynced), "the browser keeps its uid");
                clock.addAndGet(31L * 86_400);
                assertEquals(200, auction(restarted, uid).statusCode());
                assertFalse(lastUser(alpha).has("buyeruid"), "expired after 30 days");
            }
        }
    }

    @Test
    void forgedCookiesBadUidsAndRefusedConsentWriteNothing(@TempDir Path dataDir) throws Exception {
        try (DspSimulator alpha = DspSimulator.builder().price(Price.fixed(0.01)).recordLastRequest(true).start();
             DspSimulator beta = DspSimulator.builder().price(Price.fixed(0.01)).recordLastRequest(true).start();
             MerlinServer server = new MerlinServer(config(dataDir, alpha, beta), () -> NOW).start()) {
            String victim = server.runtime().uidCookies().issue();
            String forged = victim.substring(0, victim.length() - 2) + (victim.endsWith("AA") ? "BB" : "AA");
            HttpResponse<String> attempt = setuid(server, startSync(server, victim, "alpha").path("ATTACKER"), forged);
            assertEquals(403, attempt.statusCode(), "a forged uid is none, and the victim's sync is not its");
            assertNull(uidCookie(attempt));
            long victimHash = server.runtime().userHash().hash(victim);
            assertNull(server.runtime().stores().idSyncs().buyerUid(victimHash, 0, NOW),
                    "nothing was written under the victim's uid");

            String[][] refused = {
                {"/setuid?bidder=alpha&uid=" + "x".repeat(129), "400"},
                {"/setuid?bidder=alpha&uid=bad%01id", "400"},
                {"/setuid?bidder=alpha&uid=a%20b", "400"},
                {"/setuid?bidder=gamma&uid=x", "400"},
                {"/setuid?uid=x", "400"},
                {"/setuid?bidder=alpha&uid=x&f=z", "400"},
                {"/setuid?bidder=alpha&uid=x&gdpr=1", "451"},
                {"/setuid?bidder=beta&uid=x&gdpr=1&gdpr_consent=not-a-tcf-string", "451"},
            };
            for (String[] request : refused) {
                HttpResponse<String> answer = send(at(server, request[0]).header("Cookie", "uid=" + victim).GET());
                assertEquals(Integer.parseInt(request[1]), answer.statusCode(), request[0] + ": " + answer.body());
                assertTrue(answer.body().contains("\"error\""), answer.body());
            }
            HttpResponse<String> gpc = send(at(server, "/setuid?bidder=alpha&uid=x").header("Cookie", "uid=" + victim)
                    .header("Sec-GPC", "1").GET());
            assertEquals(451, gpc.statusCode(), "Global Privacy Control refuses");
            HttpResponse<String> optedOut = send(at(server, "/setuid?bidder=alpha&uid=x")
                    .header("Cookie", "uid=" + victim + "; merlin_optout=1").GET());
            assertEquals(401, optedOut.statusCode());
            assertNull(server.runtime().stores().idSyncs().buyerUid(victimHash, 0, NOW), "none of them wrote");
            HttpResponse<String> bad = send(at(server, "/cookie_sync").POST(HttpRequest.BodyPublishers.ofString(
                    "{\"bidders\": [")));
            assertEquals(400, bad.statusCode(), bad.body());
        }
    }

    @Test
    void aPageElsewhereCannotMakeAVisitorsBrowserStoreOrDeleteADspIdItChose(@TempDir Path dataDir) throws Exception {
        AtomicLong clock = new AtomicLong(NOW);
        try (DspSimulator alpha = DspSimulator.builder().price(Price.fixed(0.01)).start();
             DspSimulator beta = DspSimulator.builder().price(Price.fixed(0.01)).start();
             MerlinServer server = new MerlinServer(config(dataDir, alpha, beta), clock::get).start()) {
            IdSyncStore store = server.runtime().stores().idSyncs();
            SyncStart victim = startSync(server, null, "alpha");
            SyncStart later = startSync(server, victim.uid(), "alpha");
            SyncStart victimBeta = startSync(server, victim.uid(), "beta");
            assertEquals(200, setuid(server, victim.path("VICTIM-ID"), victim.uid()).statusCode());
            long victimHash = server.runtime().userHash().hash(victim.uid());
            SyncStart attacker = startSync(server, null, "alpha");
            String betaPath = victimBeta.setuidPath();
            String betaState = betaPath.substring(betaPath.indexOf("&st=") + 4, betaPath.indexOf("&f="));
            String[] forgedByAPage = {
                "/setuid?bidder=alpha&uid=ATTACKER-ID&f=i",                // no state: an <img> on any page
                attacker.path("ATTACKER-ID"),                              // the attacker's own sync's state
                "/setuid?bidder=alpha&st=" + betaState + "&uid=ATTACKER-ID", // the victim's state for another DSP
                "/setuid?bidder=alpha&uid=",                               // deleting the victim's sync
                "/setuid?bidder=alpha&st=" + betaState.replace('.', 'x') + "&uid=ATTACKER-ID",
            };
            for (String path : forgedByAPage) {
                HttpResponse<String> answer = setuid(server, path, victim.uid());
                assertEquals(403, answer.statusCode(), path + ": " + answer.body());
                assertTrue(answer.body().contains("cookie_sync"), answer.body());
            }
            assertEquals(200, setuid(server, victimBeta.path("VICTIM-BETA"), victim.uid()).statusCode(),
                    "the browser's own sync still goes through");
            assertEquals("VICTIM-BETA", store.buyerUid(victimHash, 1, clock.get()).toString());
            clock.addAndGet(3_601);
            assertEquals(403, setuid(server, later.path("ATTACKER-ID"), victim.uid()).statusCode(),
                    "a state is good for an hour");
            assertEquals("VICTIM-ID", store.buyerUid(victimHash, 0, clock.get()).toString(), "none of them wrote");
            assertEquals(forgedByAPage.length + 1, server.metrics().activityCount("setuid", "bad_state"));
        }
    }

    @Test
    void aFullStoreRefusesNewSyncsWith503AndAnOversizedCookieSyncIs413(@TempDir Path dataDir) throws Exception {
        try (DspSimulator alpha = DspSimulator.builder().price(Price.fixed(0.01)).start();
             DspSimulator beta = DspSimulator.builder().price(Price.fixed(0.01)).start();
             MerlinServer server = new MerlinServer(config(dataDir, alpha, beta), () -> NOW).start()) {
            SyncStart first = startSync(server, null, "alpha");
            // a second /cookie_sync before the DSP's redirect came back (another tab): /cookie_sync lists a DSP only
            // while the browser holds no id for it, so this is how a kept sync gets replaced before it expires
            SyncStart renewal = startSync(server, first.uid(), "alpha");
            assertEquals(200, setuid(server, first.path("HELD-1"), first.uid()).statusCode());
            String held = first.uid();
            IdSyncStore store = server.runtime().stores().idSyncs();
            for (long user = 1; user < 1_000_000 && store.refusedFull() < 500; user++) {
                store.put(user, 0, "FILLER-" + user, NOW + 3_600);
            }
            assertTrue(store.refusedFull() >= 500, "the store filled up");
            long sizeWhenFull = store.size();

            int refused = 0;
            for (int attempt = 0; attempt < 100 && refused == 0; attempt++) {
                SyncStart browser = startSync(server, null, "alpha");
                HttpResponse<String> answer = setuid(server, browser.path("NEW-" + attempt), browser.uid());
                if (answer.statusCode() == 503) {
                    refused++;
                    assertTrue(answer.body().contains("\"error\""), answer.body());
                } else {
                    assertEquals(200, answer.statusCode(), answer.body());
                }
            }
            assertEquals(1, refused, "a new sync into the full store is refused with 503");
            assertEquals(1, server.metrics().activityCount("setuid", "store_full"));
            assertTrue(store.size() <= sizeWhenFull + 100, "nothing beyond what fitted was written");

            HttpResponse<String> renewed = setuid(server, renewal.path("HELD-2"), held);
            assertEquals(200, renewed.statusCode(), "a browser with a held sync still renews it: " + renewed.body());
            assertEquals("HELD-2", store.buyerUid(server.runtime().userHash().hash(held), 0, NOW).toString());

            String oversized = "{\"bidders\":[\"" + "a".repeat(20_000) + "\"]}";
            HttpResponse<String> tooLarge = send(at(server, "/cookie_sync")
                    .POST(HttpRequest.BodyPublishers.ofString(oversized)));
            assertEquals(413, tooLarge.statusCode(), tooLarge.body());
            assertTrue(tooLarge.body().contains("16384 bytes"), tooLarge.body());
            assertEquals(1, server.metrics().activityCount("cookie_sync", "too_large"));
        }
    }
}
