package dev.merlin.bench;

import dev.merlin.exchange.segments.SegmentSet;
import dev.merlin.exchange.segments.SegmentStore;
import dev.merlin.exchange.segments.SegmentStoreSettings;
import dev.merlin.exchange.segments.SyntheticSegments;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Segment lookup on the bid path: {@link SegmentStore#read} of a user in a persisted Chronicle Map holding
 * {@code users} users (default 10M, 8 segments each), beside an on-heap {@code HashMap<String, int[]>}
 * holding the same users and doing the same copy of live segment ids into a {@link SegmentSet}.
 *
 * <p>Every call looks up a different user drawn at random from the whole population (a ring of 2^20
 * pre-built keys), so most lookups miss the CPU caches, as they do in production. {@code *Miss} looks up
 * users that are not in the store.
 *
 * <p>{@code memoryRoundTrip} is the machine's floor for these figures, not a store: one read of a random cache line
 * of a file mapping as large as the store's file, where each read's address comes from the previous read, so no two
 * reads overlap. A lookup of a random user in a hash map this large needs at least one such read, a Chronicle Map
 * lookup two (its hash slot, then the entry the slot points at). {@code -p users=10000} gives the in-cache cost of
 * the same calls.
 *
 * <p>Allowance: <b>0 B/op</b> for {@code chronicleHit} and {@code chronicleMiss} ({@code gc.alloc.rate.norm});
 * the value is decoded into the {@code SegmentSet}'s own reused record. Target (issue 3): at most 200 ns/op
 * at 10M users.
 *
 * <p>The trial set-up builds the store in a temporary directory (and prints the build time and file size),
 * which at 10M users takes tens of seconds per fork; {@code -p users=1000000} gives a quicker run.
 * Run with the JVM flags from the Makefile ({@code JVM_FLAGS}); forks inherit them:
 * {@code java $JVM_FLAGS -jar bench/target/benchmarks.jar SegmentLookup -f 1 -wi 3 -i 5 -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class SegmentLookupBenchmark {

    private static final int SEGMENTS_PER_USER = 8;
    private static final int KEY_RING = 1 << 20;
    private static final int MISS_RING = 1 << 16;

    /** Keys to look up, shared by the subject and the baseline. */
    @State(Scope.Benchmark)
    public static class Keys {
        @Param("10000000")
        public int users;

        String[] present;
        String[] absent;
        long nowEpochSeconds;

        void build() {
            nowEpochSeconds = System.currentTimeMillis() / 1000L;
            SplittableRandom random = new SplittableRandom(42);
            present = new String[KEY_RING];
            for (int i = 0; i < KEY_RING; i++) {
                present[i] = SyntheticSegments.userKey(random.nextInt(users));
            }
            absent = new String[MISS_RING];
            for (int i = 0; i < MISS_RING; i++) {
                absent[i] = SyntheticSegments.userKey((long) users + i);
            }
        }
    }

    /** The subject: a persisted Chronicle Map store with every user in it. */
    @State(Scope.Benchmark)
    public static class ChronicleState extends Keys {
        Path dataDir;
        SegmentStore store;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            build();
            dataDir = Files.createTempDirectory("merlin-segment-bench");
            long start = System.nanoTime();
            store = SegmentStore.open(dataDir, SegmentStoreSettings.defaults().withEntries(users));
            int[] ids = new int[SEGMENTS_PER_USER];
            long[] ttls = new long[SEGMENTS_PER_USER];
            long[] expiries = new long[SEGMENTS_PER_USER];
            StringBuilder key = new StringBuilder(SyntheticSegments.KEY_CHARS);
            for (int u = 0; u < users; u++) {
                key.setLength(0);
                SyntheticSegments.appendUserKey(u, key);
                SyntheticSegments.segmentsOf(u, SEGMENTS_PER_USER, ids, ttls);
                for (int s = 0; s < SEGMENTS_PER_USER; s++) {
                    expiries[s] = nowEpochSeconds + ttls[s];
                }
                store.addAll(key, ids, expiries, SEGMENTS_PER_USER, nowEpochSeconds);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (store.size() != users || store.fullRejections() != 0) {
                throw new IllegalStateException("store holds " + store.size() + " of " + users + " users");
            }
            System.out.printf(Locale.ROOT, "%n[segment store] %,d users x %d segments built in %.1f s "
                            + "(%,.0f users/s); file %s = %,d MB%n", users, SEGMENTS_PER_USER, seconds,
                    users / seconds, store.file(), Files.size(store.file()) >> 20);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            store.close();
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The baseline: the same users in an on-heap map, value = {id, expiry, id, expiry, ...}. */
    @State(Scope.Benchmark)
    public static class HashMapState extends Keys {
        HashMap<String, int[]> map;

        @Setup(Level.Trial)
        public void setUp() {
            build();
            map = new HashMap<>(users * 4 / 3 + 1);
            int[] ids = new int[SEGMENTS_PER_USER];
            long[] ttls = new long[SEGMENTS_PER_USER];
            for (int u = 0; u < users; u++) {
                SyntheticSegments.segmentsOf(u, SEGMENTS_PER_USER, ids, ttls);
                int[] value = new int[2 * SEGMENTS_PER_USER];
                for (int s = 0; s < SEGMENTS_PER_USER; s++) {
                    value[2 * s] = ids[s];
                    value[2 * s + 1] = (int) (nowEpochSeconds + ttls[s]);
                }
                map.put(SyntheticSegments.userKey(u), value);
            }
        }
    }

    /**
     * The floor: a file mapping as large as the store's file for {@code users}, every 64-byte line holding the index
     * of the next line in one random cycle through all of them.
     */
    @State(Scope.Thread)
    public static class MemoryFloorState {
        private static final int LINE = 64;

        @Param("10000000")
        public int users;

        Path dir;
        MappedByteBuffer lines;
        int position;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            dir = Files.createTempDirectory("merlin-memory-floor");
            long storeBytes;
            try (SegmentStore empty = SegmentStore.open(dir.resolve("sizing"),
                    SegmentStoreSettings.defaults().withEntries(users))) {
                storeBytes = Files.size(empty.file());
            }
            long bytes = Math.min(storeBytes, Integer.MAX_VALUE) & -LINE;
            int count = (int) (bytes / LINE);
            int[] order = new int[count];
            for (int i = 0; i < count; i++) {
                order[i] = i;
            }
            SplittableRandom random = new SplittableRandom(42);
            for (int i = count - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
            try (FileChannel channel = FileChannel.open(dir.resolve("lines"), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                lines = channel.map(FileChannel.MapMode.READ_WRITE, 0, bytes);
            }
            for (int i = 0; i < count; i++) {
                lines.putInt(order[i] * LINE, order[i + 1 == count ? 0 : i + 1]);
            }
            position = order[0];
            System.out.printf(Locale.ROOT, "%n[memory floor] %,d MB mapped (the %,d-user store's file), %,d lines%n",
                    bytes >> 20, users, count);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            lines = null;
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Per-thread lookup state, as an event-loop thread holds it. */
    @State(Scope.Thread)
    public static class Cursor {
        final SegmentSet into = new SegmentSet();
        int next;
    }

    @Benchmark
    public int chronicleHit(ChronicleState state, Cursor cursor) {
        String key = state.present[cursor.next++ & (KEY_RING - 1)];
        return state.store.read(key, state.nowEpochSeconds, cursor.into) ? cursor.into.size() : -1;
    }

    @Benchmark
    public int chronicleMiss(ChronicleState state, Cursor cursor) {
        String key = state.absent[cursor.next++ & (MISS_RING - 1)];
        return state.store.read(key, state.nowEpochSeconds, cursor.into) ? cursor.into.size() : -1;
    }

    @Benchmark
    public int hashMapHit(HashMapState state, Cursor cursor) {
        return hashMapRead(state, state.present[cursor.next++ & (KEY_RING - 1)], cursor.into);
    }

    @Benchmark
    public int hashMapMiss(HashMapState state, Cursor cursor) {
        return hashMapRead(state, state.absent[cursor.next++ & (MISS_RING - 1)], cursor.into);
    }

    /** One dependent read of a random cache line in a mapping the size of the store: the memory floor. */
    @Benchmark
    public int memoryRoundTrip(MemoryFloorState floor) {
        int next = floor.lines.getInt(floor.position * MemoryFloorState.LINE);
        floor.position = next;
        return next;
    }

    private static int hashMapRead(HashMapState state, String key, SegmentSet into) {
        into.clear();
        int[] pairs = state.map.get(key);
        if (pairs == null) {
            return -1;
        }
        for (int i = 0; i < pairs.length; i += 2) {
            if (Integer.toUnsignedLong(pairs[i + 1]) > state.nowEpochSeconds) {
                into.add(pairs[i]);
            }
        }
        return into.size();
    }
}
