package dev.merlin.exchange.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.DspConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The synced-id store on real Chronicle files: each DSP reads only its own id, until it expires; a restart keeps the
 * syncs; erasure reaches a DSP since removed from the configuration; a full map refuses new syncs (counted) but still
 * renews the ones it holds; the purge removes exactly the expired.
 */
class IdSyncStoreTest {

    private static final long NOW = 1_781_524_800L;
    private static final long USER = 0x5EED_1234_ABCDL;
    private static final DspConfig ALPHA = DspConfig.of("alpha", "Alpha", "http://127.0.0.1:1/bid", "JPN");
    private static final DspConfig BETA = DspConfig.of("beta", "Beta", "http://127.0.0.1:2/bid", "JPN");

    private static String uid(IdSyncStore store, long user, int dsp, long now) {
        CharSequence uid = store.buyerUid(user, dsp, now);
        return uid == null ? null : uid.toString();
    }

    @Test
    void eachDspReadsOnlyItsOwnIdUntilItExpires(@TempDir Path dir) {
        try (IdSyncStore store = new IdSyncStore(dir, List.of(ALPHA, BETA), 10_000)) {
            assertTrue(store.put(USER, 0, "A-1", NOW + 60));
            assertEquals("A-1", uid(store, USER, 0, NOW));
            assertNull(uid(store, USER, 1, NOW), "beta never synced");
            assertNull(uid(store, USER + 1, 0, NOW), "another user has none");
            assertNull(uid(store, USER, 0, NOW + 60), "expired at its expiry");
            assertNull(uid(store, USER, 2, NOW), "an index outside the DSP list reads nothing");
            assertThrows(IllegalArgumentException.class, () -> store.put(USER, 1, "has space", NOW + 60));
        }
    }

    @Test
    void syncsSurviveARestartAndAReorderedDspList(@TempDir Path dir) {
        try (IdSyncStore store = new IdSyncStore(dir, List.of(ALPHA, BETA), 10_000)) {
            store.put(USER, 0, "A-1", NOW + 60);
            store.put(USER, 1, "B-1", NOW + 60);
        }
        try (IdSyncStore reopened = new IdSyncStore(dir, List.of(BETA, ALPHA), 10_000)) {
            assertEquals("B-1", uid(reopened, USER, 0, NOW), "beta is first now; its id follows it");
            assertEquals("A-1", uid(reopened, USER, 1, NOW));
            assertEquals(2, reopened.size());
        }
    }

    @Test
    void erasureReachesADspNoLongerConfigured(@TempDir Path dir) throws Exception {
        try (IdSyncStore store = new IdSyncStore(dir, List.of(ALPHA, BETA), 10_000)) {
            store.put(USER, 0, "A-1", NOW + 60);
            store.put(USER, 1, "B-1", NOW + 60);
        }
        try (IdSyncStore withoutBeta = new IdSyncStore(dir, List.of(ALPHA), 10_000)) {
            assertEquals(2, withoutBeta.erase(USER), "beta's sync is erased although beta is gone from the config");
            assertEquals(0, withoutBeta.size());
        }
        assertEquals(List.of("alpha", "beta"), Files.readAllLines(dir.resolve(IdSyncStore.DSPS_FILE)));
        try (IdSyncStore betaBack = new IdSyncStore(dir, List.of(ALPHA, BETA), 10_000)) {
            assertNull(uid(betaBack, USER, 1, NOW), "nothing of beta's came back");
        }
    }

    @Test
    void aFullMapRefusesNewSyncsAndCountsButRenewsHeldOnes(@TempDir Path dir) {
        try (IdSyncStore store = new IdSyncStore(dir, List.of(ALPHA), 1_000)) {
            long stored = 0;
            for (long user = 1; user < 200_000 && store.refusedFull() == 0; user++) {
                stored += store.put(user, 0, "UID-" + user, NOW + 60) ? 1 : 0;
            }
            assertTrue(store.refusedFull() > 0, "a map sized for 1,000 syncs filled within 200,000");
            assertTrue(stored >= 1_000, "at least what it was sized for: " + stored);
            assertTrue(store.put(1, 0, "UID-9", NOW + 120), "a held sync is renewed in place");
            assertEquals("UID-9", uid(store, 1, 0, NOW + 90));
        }
    }

    @Test
    void thePurgeRemovesExactlyTheExpired(@TempDir Path dir) {
        try (IdSyncStore store = new IdSyncStore(dir, List.of(ALPHA, BETA), 10_000)) {
            for (long user = 1; user <= 100; user++) {
                store.put(user, (int) (user % 2), "U" + user, user <= 30 ? NOW : NOW + 3_600);
            }
            assertEquals(30, store.purgeExpired(NOW));
            assertEquals(70, store.size());
            assertNull(uid(store, 30, 0, NOW - 1), "purged");
            assertEquals("U31", uid(store, 31, 1, NOW));
        }
    }
}
