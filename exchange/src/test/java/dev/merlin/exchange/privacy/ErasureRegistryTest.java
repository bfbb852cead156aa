package dev.merlin.exchange.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.exchange.privacy.ErasureRegistry.Refusal;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ErasureRegistryTest {

    private static final long T0 = 1_780_000_000L;
    private static final long USER = 0x1234_5678_9abc_def0L;

    @TempDir
    Path dataDir;

    @Test
    void anErasureRefusesWhatHappenedUpToItAndNotAfter() {
        try (ErasureRegistry registry = new ErasureRegistry(dataDir, 1_000)) {
            registry.erased(USER, T0);
            assertEquals(Refusal.USER_ERASED, registry.refusal(USER, T0 - 3_600));
            assertEquals(Refusal.USER_ERASED, registry.refusal(USER, T0), "an auction in the second of the erasure");
            assertNull(registry.refusal(USER, T0 + 1), "the user came back after the erasure");
            assertNull(registry.refusal(USER + 1, T0 - 3_600), "another user");
            assertNull(registry.refusal(0, T0), "no user");
        }
    }

    @Test
    void aLaterErasureMovesTheLineAndAnEarlierOneDoesNotMoveItBack() {
        try (ErasureRegistry registry = new ErasureRegistry(dataDir, 1_000)) {
            registry.erased(USER, T0);
            registry.erased(USER, T0 + 600);
            assertEquals(Refusal.USER_ERASED, registry.refusal(USER, T0 + 300));
            registry.erased(USER, T0 + 60); // a clock stepped back
            assertEquals(Refusal.USER_ERASED, registry.refusal(USER, T0 + 300));
            assertNull(registry.refusal(USER, T0 + 601));
        }
    }

    @Test
    void anOptOutRefusesEverythingAndALaterErasureDoesNotUndoIt() {
        try (ErasureRegistry registry = new ErasureRegistry(dataDir, 1_000)) {
            registry.erased(USER, T0 - 60);
            registry.optedOut(USER, T0);
            registry.erased(USER, T0 + 60);
            assertEquals(Refusal.USER_OPT_OUT, registry.refusal(USER, T0 - 3_600));
            assertEquals(Refusal.USER_OPT_OUT, registry.refusal(USER, T0 + 86_400), "an auction long after");
            assertEquals("user_opt_out", Refusal.USER_OPT_OUT.label());
            assertEquals("user_erased", Refusal.USER_ERASED.label());
        }
    }

    @Test
    void theRegistrySurvivesARestart() {
        try (ErasureRegistry registry = new ErasureRegistry(dataDir, 1_000)) {
            registry.erased(USER, T0);
            registry.optedOut(USER + 1, T0);
        }
        try (ErasureRegistry reopened = new ErasureRegistry(dataDir, 1_000)) {
            assertEquals(Refusal.USER_ERASED, reopened.refusal(USER, T0));
            assertNull(reopened.refusal(USER, T0 + 1));
            assertEquals(Refusal.USER_OPT_OUT, reopened.refusal(USER + 1, T0 + 1));
        }
    }

    /** A full registry never stands in the way of an erasure: the write is counted, nothing is thrown. */
    @Test
    void aFullRegistryCountsInsteadOfThrowing() {
        try (ErasureRegistry registry = new ErasureRegistry(dataDir, 1_000)) {
            long users = 0;
            while (registry.fullRejections() == 0 && users < 1_000_000) {
                users++;
                registry.erased(users * 0x9E37_79B9_7F4A_7C15L, T0);
            }
            assertTrue(registry.fullRejections() > 0, "a 1,000-entry registry never filled after " + users);
            long held = registry.size();
            registry.optedOut(USER, T0); // one more, after it filled: counted, not thrown
            assertEquals(2, registry.fullRejections());
            assertEquals(held, registry.size());
        }
    }

    @Test
    void purgingForgetsOldErasuresKeepsRecentOnesAndEveryOptOut() {
        try (ErasureRegistry registry = new ErasureRegistry(dataDir, 1_000)) {
            registry.erased(USER, T0);
            registry.erased(USER + 1, T0 + 86_400);
            registry.optedOut(USER + 2, T0);
            assertEquals(1, registry.purgeErasedBefore(T0 + 1));
            assertNull(registry.refusal(USER, T0 - 60), "forgotten");
            assertEquals(Refusal.USER_ERASED, registry.refusal(USER + 1, T0));
            assertEquals(Refusal.USER_OPT_OUT, registry.refusal(USER + 2, T0 + 365 * 86_400L));
            assertEquals(2, registry.size());
            assertEquals(0, registry.purgeErasedBefore(T0 + 1), "nothing left to forget");
        }
    }
}
