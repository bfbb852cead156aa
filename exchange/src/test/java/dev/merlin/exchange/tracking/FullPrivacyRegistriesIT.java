package dev.merlin.exchange.tracking;

import static dev.merlin.exchange.tracking.LoopbackExchange.T0;
import static dev.merlin.exchange.tracking.LoopbackExchange.assertPixel;
import static dev.merlin.exchange.tracking.LoopbackExchange.cookieValue;
import static dev.merlin.exchange.tracking.LoopbackExchange.setCookie;
import static dev.merlin.exchange.tracking.LoopbackExchange.text;
import static dev.merlin.exchange.tracking.LoopbackExchange.uidSet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeStores;
import dev.merlin.exchange.privacy.ErasureRegistry;
import dev.merlin.exchange.privacy.OptOutRegistry;
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
 * Opt-out and erasure registries filled up (anyone can: a fresh signed uid from any pixel, then {@code /optout},
 * again and again) never stop an opt-out: the user's data is still erased, the answer and the opt-out cookie still
 * go out, and the registries' refusals are counted. The registries are sized by {@code stores.optOutEntries} and
 * {@code stores.erasureEntries}, here their smallest allowed size, and filled through their own API.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FullPrivacyRegistriesIT {

    private static final String SPORTS_VIEW = "/px?pid=px-kaze&ev=page_view&cat=IAB17&country=JPN";
    private static final int SPORTS_FANS = 101;
    private static final long REGISTRY_ENTRIES = 1_000L;
    /** Far more than a 1,000-entry registry holds, far fewer than the 10,000 it gets when the keys are ignored. */
    private static final int MOST_KEYS_TRIED = 5_000;

    @TempDir
    Path dataDir;
    private LoopbackExchange exchange;

    @BeforeEach
    void start() throws InterruptedException {
        exchange = new LoopbackExchange(dataDir, StoresConfig.builder().segmentUsers(10_000L)
                .frequencyEntries(10_000L).chargedImpressions(10_000L)
                .optOutEntries(REGISTRY_ENTRIES).erasureEntries(REGISTRY_ENTRIES).build());
    }

    @AfterEach
    void stop() {
        exchange.close();
    }

    @Test
    void anOptOutWithBothRegistriesFullStillErasesAnswersAndSetsTheCookie() throws Exception {
        ExchangeStores stores = exchange.server().runtime().stores();
        fill(stores.optOuts(), stores.erasures());
        String uid = uidSet(exchange.get(SPORTS_VIEW));
        exchange.get(SPORTS_VIEW, "Cookie", "uid=" + uid);
        assertEquals(List.of(SPORTS_FANS), exchange.segmentsOf(uid));

        double optOutsRefused = counter("merlin_optout_registry_full_rejections_total");
        double erasuresRefused = counter("merlin_erasure_registry_full_rejections_total");

        HttpResponse<byte[]> optOut = exchange.get("/optout", "Cookie", "uid=" + uid);

        assertEquals(200, optOut.statusCode(), text(optOut));
        assertTrue(text(optOut).contains("has been erased"), text(optOut));
        assertEquals("1", cookieValue(setCookie(optOut, "merlin_optout").orElseThrow()));
        assertTrue(setCookie(optOut, "uid").orElseThrow().contains("Max-Age=0"), "the uid cookie is deleted");
        assertEquals(List.of(), exchange.segmentsOf(uid));
        assertFalse(stores.optOuts().contains(uid), "not remembered: the registry is full");
        assertEquals(optOutsRefused + 1, counter("merlin_optout_registry_full_rejections_total"));
        assertEquals(erasuresRefused + 1, counter("merlin_erasure_registry_full_rejections_total"));

        // what still protects the browser is its opt-out cookie: hits carrying it record nothing
        HttpResponse<byte[]> later = exchange.get(SPORTS_VIEW, "Cookie", "merlin_optout=1; uid=" + uid);
        assertPixel(later);
        assertFalse(setCookie(later, "uid").isPresent());
        assertEquals(1, exchange.server().metrics().activityCount("pixel", "refused_user_opt_out"));
        assertEquals(List.of(), exchange.segmentsOf(uid));
    }

    @Test
    void anErasureWithTheErasureRegistryFullStillErases() throws Exception {
        ExchangeStores stores = exchange.server().runtime().stores();
        fill(stores.optOuts(), stores.erasures());
        String uid = uidSet(exchange.get(SPORTS_VIEW));
        exchange.get(SPORTS_VIEW, "Cookie", "uid=" + uid);

        HttpResponse<byte[]> deleted = exchange.send("DELETE", "/privacy/users/" + uid, "Cookie", "uid=" + uid);

        assertEquals(200, deleted.statusCode(), text(deleted));
        assertTrue(text(deleted).contains("\"erased\":true"), text(deleted));
        assertEquals(List.of(), exchange.segmentsOf(uid));
    }

    /** The value of the unlabelled counter {@code name} in {@code GET /metrics}; fails when there is none. */
    private double counter(String name) throws Exception {
        for (String line : text(exchange.get("/metrics")).split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        throw new AssertionError("no counter " + name + " in /metrics");
    }

    /**
     * Fills both registries through their API, as a stream of opt-outs would: until each refuses a new user (a user
     * it does not hold right after being added), failing when that takes more keys than a registry of
     * {@code stores.*Entries} could hold.
     */
    private static void fill(OptOutRegistry optOuts, ErasureRegistry erasures) {
        boolean optOutsFull = false;
        boolean erasuresFull = false;
        for (int i = 1; i <= MOST_KEYS_TRIED && !(optOutsFull && erasuresFull); i++) {
            String key = String.format("filler-%038d", i);
            if (!optOutsFull) {
                optOuts.add(key, T0);
                optOutsFull = !optOuts.contains(key);
            }
            if (!erasuresFull) {
                long hash = i * 0x9E37_79B9_7F4A_7C15L;
                erasures.optedOut(hash, T0);
                erasuresFull = erasures.state(hash) == null;
            }
        }
        assertTrue(optOutsFull, "the opt-out registry sized by stores.optOutEntries=" + REGISTRY_ENTRIES
                + " still took keys after " + MOST_KEYS_TRIED);
        assertTrue(erasuresFull, "the erasure registry sized by stores.erasureEntries=" + REGISTRY_ENTRIES
                + " still took users after " + MOST_KEYS_TRIED);
    }
}
