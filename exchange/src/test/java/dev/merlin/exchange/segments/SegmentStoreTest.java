package dev.merlin.exchange.segments;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentStoreTest {

    private static final long NOW = 1_800_000_000L;
    private static final String USER = "6f1c2a9e-0b4d-4e7a-9c3f-2d8e1b5a7c90";

    @TempDir
    Path dataDir;

    private final AtomicLong clock = new AtomicLong(NOW);
    private SegmentStore store;

    @BeforeEach
    void open() {
        store = SegmentStore.open(dataDir, settings(10_000, 8), clock::get);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static SegmentStoreSettings settings(long entries, int maxSegmentsPerUser) {
        return SegmentStoreSettings.defaults().withEntries(entries).withMaxSegmentsPerUser(maxSegmentsPerUser);
    }

    @Test
    void unknownUserReadsNothing() {
        SegmentSet into = new SegmentSet();
        into.add(99);
        assertFalse(store.read(USER, NOW, into));
        assertEquals(0, into.size(), "read clears the caller's set");
        assertEquals(0, store.size());
    }

    @Test
    void addedSegmentsAreReadBackUntilTheyExpire() {
        store.add(USER, 7, NOW + 60, NOW);
        store.add(USER, 12, NOW + 3600, NOW);
        SegmentSet into = new SegmentSet();

        assertTrue(store.read(USER, NOW, into));
        assertEquals(2, into.size());
        assertTrue(into.contains(7));
        assertTrue(into.contains(12));

        assertTrue(store.read(USER, NOW + 59, into));
        assertTrue(into.contains(7));
        assertTrue(store.read(USER, NOW + 60, into), "expiry is exclusive: at NOW+60 segment 7 has lapsed");
        assertFalse(into.contains(7));
        assertEquals(1, into.size());
        assertFalse(store.read(USER, NOW + 3600, into), "every segment lapsed");
        assertEquals(0, into.size());
        assertEquals(1, store.size(), "reads never remove");
    }

    @Test
    void refreshKeepsTheLaterExpiry() {
        store.add(USER, 7, NOW + 60, NOW);
        store.add(USER, 7, NOW + 600, NOW);
        store.add(USER, 7, NOW + 300, NOW);
        assertEquals(List.of(new SegmentEntry(7, NOW + 600)), store.describe(USER, NOW));
    }

    @Test
    void addDropsTheUsersExpiredSegments() {
        store.add(USER, 1, NOW + 10, NOW);
        store.add(USER, 2, NOW + 1000, NOW);
        clock.set(NOW + 500);
        store.add(USER, 3, NOW + 2000);
        // describe at time 0 would show expired-but-held segments too: segment 1 is physically gone
        assertEquals(List.of(new SegmentEntry(2, NOW + 1000), new SegmentEntry(3, NOW + 2000)),
                store.describe(USER, 0));
    }

    @Test
    void addingAnExpiredSegmentStoresNothing() {
        store.add(USER, 1, NOW, NOW);
        store.add(USER, 2, NOW - 5, NOW);
        assertEquals(0, store.size());
        store.add(USER, 3, NOW + 10, NOW);
        store.add(USER, 4, NOW + 5, NOW + 20);
        assertEquals(0, store.size(), "the user's last segment lapsed and nothing live was added: entry removed");
    }

    @Test
    void capEvictsTheSoonestExpiringSegment() {
        store.close();
        store = SegmentStore.open(dataDir.resolve("capped"), settings(1000, 3), clock::get);
        store.add(USER, 1, NOW + 300, NOW);
        store.add(USER, 2, NOW + 100, NOW);
        store.add(USER, 3, NOW + 200, NOW);
        store.add(USER, 4, NOW + 50, NOW);
        assertEquals(List.of(new SegmentEntry(1, NOW + 300), new SegmentEntry(3, NOW + 200),
                new SegmentEntry(4, NOW + 50)), store.describe(USER, NOW), "segment 2 expired soonest of those held");
        store.add(USER, 1, NOW + 400, NOW);
        assertEquals(3, store.describe(USER, NOW).size(), "refreshing a held segment evicts nothing");
    }

    @Test
    void addAllWritesSeveralSegmentsAtOnce() {
        store.addAll(USER, new int[] {5, 6, 7, 99}, new long[] {NOW + 10, NOW - 1, NOW + 30, 0}, 3, NOW);
        assertEquals(List.of(new SegmentEntry(5, NOW + 10), new SegmentEntry(7, NOW + 30)), store.describe(USER, NOW));
        assertThrows(IllegalArgumentException.class, () -> store.addAll(USER, new int[1], new long[1], 2, NOW));
    }

    @Test
    void eraseRemovesEverythingHeld() {
        store.add(USER, 1, NOW + 10, NOW);
        store.add("other-user", 1, NOW + 10, NOW);
        assertTrue(store.erase(USER));
        assertFalse(store.erase(USER));
        assertFalse(store.read(USER, NOW, new SegmentSet()));
        assertEquals(List.of(), store.describe(USER, 0));
        assertEquals(1, store.size());
    }

    @Test
    void purgeRemovesUsersWhoseSegmentsAllExpired() {
        for (int u = 0; u < 300; u++) {
            store.add(SyntheticSegments.userKey(u), 1, NOW + 10, NOW);
            if (u % 3 == 0) {
                store.add(SyntheticSegments.userKey(u), 2, NOW + 100, NOW);
            }
        }
        assertEquals(0, store.purgeExpired(NOW + 9));
        assertEquals(200, store.purgeExpired(NOW + 10));
        assertEquals(100, store.size());
        assertTrue(store.read(SyntheticSegments.userKey(3), NOW + 10, new SegmentSet()));
        assertFalse(store.read(SyntheticSegments.userKey(4), NOW, new SegmentSet()));
        assertEquals(100, store.purgeExpired(NOW + 100));
        assertEquals(0, store.size());
    }

    @Test
    void describeListsLiveSegmentsBySegmentId() {
        store.add(USER, 30, NOW + 3, NOW);
        store.add(USER, 10, NOW + 1, NOW);
        store.add(USER, 20, NOW + 2, NOW);
        assertEquals(List.of(new SegmentEntry(10, NOW + 1), new SegmentEntry(20, NOW + 2),
                new SegmentEntry(30, NOW + 3)), store.describe(USER, NOW));
        assertEquals(List.of(new SegmentEntry(20, NOW + 2), new SegmentEntry(30, NOW + 3)),
                store.describe(USER, NOW + 1));
        assertEquals(List.of(), store.describe("nobody", NOW));
    }

    @Test
    void expiriesPastTheYear2106AreClamped() {
        store.add(USER, 1, Long.MAX_VALUE, NOW);
        assertEquals(List.of(new SegmentEntry(1, SegmentRecord.MAX_EXPIRES_AT_EPOCH_SECONDS)),
                store.describe(USER, NOW));
    }

    @Test
    void keysOutsideTheAllowedLengthAreRefused() {
        String tooLong = "k".repeat(SegmentStoreSettings.DEFAULT_MAX_KEY_CHARS + 1);
        assertThrows(IllegalArgumentException.class, () -> store.add(tooLong, 1, NOW + 1, NOW));
        assertThrows(IllegalArgumentException.class, () -> store.add("", 1, NOW + 1, NOW));
        assertFalse(store.read(tooLong, NOW, new SegmentSet()));
        assertFalse(store.read(null, NOW, new SegmentSet()));
        assertFalse(store.erase(tooLong));
    }

    @Test
    void aStringBuilderKeyFindsTheSameUser() {
        store.add(USER, 1, NOW + 10, NOW);
        StringBuilder key = new StringBuilder().append(USER);
        assertTrue(store.read(key, NOW, new SegmentSet()));
        store.add(key, 2, NOW + 10, NOW);
        assertEquals(1, store.size());
    }

    @Test
    void closingAndReopeningKeepsTheData() {
        for (int u = 0; u < 1000; u++) {
            store.add(SyntheticSegments.userKey(u), u, NOW + 100 + u, NOW);
        }
        store.close();
        assertFalse(Files.exists(dataDir.resolve(SegmentStore.OPEN_MARKER_NAME)), "a clean close removes the marker");

        store = SegmentStore.open(dataDir, settings(10_000, 8), clock::get);
        assertFalse(store.recoveredOnOpen());
        assertEquals(1000, store.size());
        SegmentSet into = new SegmentSet();
        for (int u = 0; u < 1000; u++) {
            assertTrue(store.read(SyntheticSegments.userKey(u), NOW, into));
            assertEquals(u, into.get(0));
        }
        assertEquals(List.of(new SegmentEntry(999, NOW + 1099)), store.describe(SyntheticSegments.userKey(999), NOW));
    }

    @Test
    void aSecondOpenOfTheSameStoreFailsFast() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SegmentStore.open(dataDir, settings(10_000, 8), clock::get));
        assertTrue(e.getMessage().contains("already open"), e.getMessage());
    }

    @Test
    @Timeout(120)
    void aFullStoreCountsRejectionsAndNeverThrows() {
        store.close();
        store = SegmentStore.open(dataDir.resolve("tiny"), settings(100, 8), clock::get);
        StringBuilder key = new StringBuilder();
        int added = 0;
        while (!store.isFull() && added < 1_000_000) {
            key.setLength(0);
            SyntheticSegments.appendUserKey(added, key);
            store.add(key, 1, NOW + 10, NOW);
            added++;
        }
        assertTrue(store.isFull(), "a store sized for 100 users fills up within 1M inserts; inserted " + added);
        assertEquals(1, store.fullRejections());
        long held = store.size();
        assertTrue(held >= 100, "holds at least its configured entries, held " + held);

        List<String> told = new ArrayList<>();
        store.listen(new SegmentStore.ChangeListener() {
            @Override
            public void changed(CharSequence userKey, int[] segmentIds, int[] expiresAt, int count) {
                told.add(userKey.toString());
            }

            @Override
            public void erased(CharSequence userKey) {
                told.add("erased " + userKey);
            }
        });
        store.add(SyntheticSegments.userKey(added + 1), 1, NOW + 10, NOW);
        assertEquals(2, store.fullRejections());
        assertEquals(held, store.size());
        assertEquals(List.of(), told, "a write the full store refused is not news for other nodes");
        SegmentSet into = new SegmentSet();
        assertTrue(store.read(SyntheticSegments.userKey(0), NOW, into), "earlier users are still readable");
        assertFalse(store.read(SyntheticSegments.userKey(added + 1), NOW, into));

        store.add(SyntheticSegments.userKey(0), 2, NOW + 10, NOW);
        assertTrue(store.read(SyntheticSegments.userKey(0), NOW, into));
        assertTrue(into.contains(2), "a held user with room in its entry is still updated");
        assertEquals(List.of(SyntheticSegments.userKey(0).toString()), told, "an accepted write is");
    }

    @Test
    @Timeout(60)
    void concurrentAddsForOneUserLoseNoUpdate() throws Exception {
        store.close();
        store = SegmentStore.open(dataDir.resolve("concurrent"), settings(1000, 400), clock::get);
        int perThread = 200;
        CountDownLatch start = new CountDownLatch(1);
        Thread[] threads = new Thread[2];
        Throwable[] failures = new Throwable[threads.length];
        for (int t = 0; t < threads.length; t++) {
            int base = t * perThread;
            int index = t;
            threads[t] = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        store.add(USER, base + i, NOW + 100, NOW);
                    }
                } catch (Throwable e) {
                    failures[index] = e;
                }
            });
            threads[t].start();
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(50));
        }
        for (Throwable failure : failures) {
            if (failure != null) {
                throw new AssertionError(failure);
            }
        }
        SegmentSet into = new SegmentSet();
        assertTrue(store.read(USER, NOW, into));
        assertEquals(2 * perThread, into.size());
    }

    @Test
    void readAllocatesNothingOnceWarm() {
        ThreadMXBean threads =
                (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        int users = 1000;
        String[] keys = new String[users];
        StringBuilder[] missing = new StringBuilder[users];
        for (int u = 0; u < users; u++) {
            keys[u] = SyntheticSegments.userKey(u);
            missing[u] = new StringBuilder(SyntheticSegments.userKey(users + u));
            for (int s = 0; s < 8; s++) {
                store.add(keys[u], s * 100 + u % 100, NOW + 10 + s, NOW);
            }
        }
        SegmentSet into = new SegmentSet();
        for (int i = 0; i < 200_000; i++) {
            lookUp(keys, missing, i, into);
        }

        // the quietest of five rounds: a late JIT recompilation on a busy machine allocates in the compiler's
        // bookkeeping, not in read(), and must not fail the test
        int lookups = 10_000;
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long found = 0;
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < lookups; i++) {
                found += lookUp(keys, missing, i, into);
            }
            allocated = Math.min(allocated, threads.getCurrentThreadAllocatedBytes() - before);
            assertEquals(lookups / 2, found, "present users are found with live segments, absent ones are not");
        }
        assertTrue(allocated < 1024, allocated + " bytes allocated over " + lookups + " warm lookups");
    }

    /** Present user (live segments depend on the time) or absent user, alternating. */
    private int lookUp(String[] keys, StringBuilder[] missing, int i, SegmentSet into) {
        int u = i % keys.length;
        if ((i & 1) == 0) {
            boolean hit = store.read(keys[u], NOW + (i & 7), into);
            return hit && into.size() >= 1 ? 1 : 0;
        }
        return store.read(missing[u], NOW, into) ? 1 : 0;
    }

    @Test
    void settingsNameTheValueOutOfRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SegmentStoreSettings(0, 36, 8, 64, 128));
        assertTrue(e.getMessage().startsWith("segments.entries: 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SegmentStoreSettings(10, 36, 65, 64, 128));
        assertNotNull(SegmentStoreSettings.defaults());
        assertEquals(1_000_000L, SegmentStoreSettings.defaults().entries());
    }
}
