package dev.merlin.exchange.privacy;

import dev.merlin.config.DspConfig;
import dev.merlin.exchange.store.ChronicleMapFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.MapSegmentContext;
import net.openhft.chronicle.values.Values;

/**
 * The ids DSPs gave Merlin's users through user sync ({@code /setuid}), kept server-side in {@code id-sync.cm3}
 * under Merlin's user hash and the DSP's id, each until it expires: what fills {@code user.buyeruid} in the bid
 * request to that DSP, and only to that DSP ({@link BuyerUids}). Survives restart; erased with the user; expired
 * entries are purged by the maintenance agent.
 *
 * <p>Keyed by a 64-bit mix of the user hash and the DSP id's hash; the value ({@code <expiry> <dsp id> <uid>})
 * repeats the DSP id, which a read checks, so a collision of two keys can never hand one DSP another's id. A DSP id
 * rather than its index keys an entry, so a reordered DSP list keeps every sync. Reads allocate nothing.
 *
 * <p>Every DSP id the store was ever opened with is kept beside it ({@value #DSPS_FILE}), so an erasure still finds a
 * user's syncs with a DSP since removed from the configuration. A full map refuses a new sync ({@link #put} returns
 * false, counted in {@link #refusedFull()}); a sync already kept can still be renewed.
 */
public final class IdSyncStore implements BuyerUids, AutoCloseable {

    /** The file under the data dir. */
    public static final String FILE = "id-sync.cm3";
    /** The longest uid a DSP may sync, in characters (printable ASCII). */
    public static final int MAX_UID_CHARS = 128;
    /** Beside the store: every DSP id it has held syncs for, one per line, so erasure reaches removed DSPs too. */
    public static final String DSPS_FILE = "id-sync-dsps.txt";

    private final ChronicleMapFiles.Opened<LongValue, CharSequence> opened;
    private final String[] dspIds;
    private final long[] dspHashes;
    private final long[] everyDspHash;
    private final LongAdder refusedFull = new LongAdder();
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /** Opens the store under {@code dataDir} for the configured {@code dsps}, sized for {@code entries} syncs. */
    public IdSyncStore(Path dataDir, List<DspConfig> dsps, long entries) {
        this.opened = ChronicleMapFiles.open(dataDir, FILE, ChronicleMap.of(LongValue.class, CharSequence.class)
                .name("merlin-id-sync").entries(entries).averageValueSize(64));
        this.dspIds = new String[dsps.size()];
        this.dspHashes = new long[dsps.size()];
        for (int i = 0; i < dspIds.length; i++) {
            dspIds[i] = dsps.get(i).id();
            dspHashes[i] = dspHash(dspIds[i]);
        }
        Set<String> everyDsp = rememberDsps(dataDir.resolve(DSPS_FILE), dspIds);
        this.everyDspHash = everyDsp.stream().mapToLong(IdSyncStore::dspHash).toArray();
    }

    private static long dspHash(String dspId) {
        return mix(dspId.hashCode() * 0x9E37_79B9_7F4A_7C15L + dspId.length());
    }

    /** The DSP ids in {@code file} plus {@code configured}; the file rewritten (atomically) when one is new. */
    private static Set<String> rememberDsps(Path file, String[] configured) {
        try {
            Set<String> known = new LinkedHashSet<>();
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        known.add(line.strip());
                    }
                }
            }
            if (known.addAll(List.of(configured))) {
                Path written = file.resolveSibling(file.getFileName() + ".tmp");
                Files.write(written, known, StandardCharsets.UTF_8);
                Files.move(written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return known;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the list of DSPs with syncs in " + file, e);
        }
    }

    /** Whether {@code uid} is one a DSP may sync: 1 to {@link #MAX_UID_CHARS} printable ASCII characters. */
    public static boolean isValidUid(String uid) {
        if (uid == null || uid.isEmpty() || uid.length() > MAX_UID_CHARS) {
            return false;
        }
        for (int i = 0; i < uid.length(); i++) {
            char c = uid.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }

    /**
     * Keeps {@code uid} (valid: {@link #isValidUid}) as the DSP at {@code dspIndex}'s id for the user; false, and
     * counted, when the map is full and this would be a new entry.
     */
    public boolean put(long userHash, int dspIndex, String uid, long expiresAtEpochSeconds) {
        if (!isValidUid(uid)) {
            throw new IllegalArgumentException("not a uid a DSP may sync");
        }
        Scratch s = scratch.get();
        s.key.setValue(key(userHash, dspHashes[dspIndex]));
        try {
            opened.map().put(s.key, expiresAtEpochSeconds + " " + dspIds[dspIndex] + " " + uid);
            return true;
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (!ChronicleMapFiles.isFull(e)) {
                throw e;
            }
            refusedFull.increment();
            return false;
        }
    }

    /** Syncs refused because the map was full. */
    public long refusedFull() {
        return refusedFull.sum();
    }

    /** Forgets the DSP at {@code dspIndex}'s id for the user; true when there was one. */
    public boolean remove(long userHash, int dspIndex) {
        return removeKey(key(userHash, dspHashes[dspIndex]));
    }

    /**
     * Forgets every DSP's id for the user (erasure, opt-out), DSPs no longer configured included; returns how many
     * there were.
     */
    public int erase(long userHash) {
        int removed = 0;
        for (long dspHash : everyDspHash) {
            removed += removeKey(key(userHash, dspHash)) ? 1 : 0;
        }
        return removed;
    }

    private boolean removeKey(long key) {
        Scratch s = scratch.get();
        s.key.setValue(key);
        return opened.map().remove(s.key) != null;
    }

    @Override
    public CharSequence buyerUid(long userHash, int dspIndex, long nowEpochSeconds) {
        if (userHash == 0 || dspIndex < 0 || dspIndex >= dspIds.length) {
            return null;
        }
        Scratch s = scratch.get();
        s.key.setValue(key(userHash, dspHashes[dspIndex]));
        StringBuilder value = s.value;
        value.setLength(0);
        if (opened.map().getUsing(s.key, value) == null) {
            return null;
        }
        int space = indexOf(value, ' ', 0);
        int second = space < 0 ? -1 : indexOf(value, ' ', space + 1);
        if (second < 0 || parseLong(value, space) <= nowEpochSeconds
                || !regionEquals(value, space + 1, second, dspIds[dspIndex])) {
            return null;
        }
        s.uid.setLength(0);
        s.uid.append(value, second + 1, value.length());
        return s.uid;
    }

    /** Removes the syncs expired at {@code nowEpochSeconds}; maintenance work, never the event loop. */
    public long purgeExpired(long nowEpochSeconds) {
        long[] removed = new long[1];
        StringBuilder value = new StringBuilder();
        for (int segment = 0, segments = opened.map().segments(); segment < segments; segment++) {
            try (MapSegmentContext<LongValue, CharSequence, ?> context = opened.map().segmentContext(segment)) {
                context.forEachSegmentEntry(entry -> {
                    value.setLength(0);
                    value.append(entry.value().get());
                    int space = indexOf(value, ' ', 0);
                    if (space < 0 || parseLong(value, space) <= nowEpochSeconds) {
                        entry.doRemove();
                        removed[0]++;
                    }
                });
            }
        }
        return removed[0];
    }

    /** The syncs kept. */
    public long size() {
        return opened.map().longSize();
    }

    private static long key(long userHash, long dspHash) {
        return mix(userHash ^ dspHash);
    }

    private static long mix(long x) {
        x = (x ^ (x >>> 33)) * 0xFF51_AFD7_ED55_8CCDL;
        x = (x ^ (x >>> 33)) * 0xC4CE_B9FE_1A85_EC53L;
        return x ^ (x >>> 33);
    }

    private static int indexOf(CharSequence text, char c, int from) {
        for (int i = from; i < text.length(); i++) {
            if (text.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    private static long parseLong(CharSequence text, int end) {
        long value = 0;
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return Long.MIN_VALUE;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static boolean regionEquals(CharSequence text, int from, int to, String expected) {
        if (to - from != expected.length()) {
            return false;
        }
        for (int i = 0; i < expected.length(); i++) {
            if (text.charAt(from + i) != expected.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        opened.close();
    }

    /** One thread's reusable key and buffers. */
    private static final class Scratch {
        final LongValue key = Values.newHeapInstance(LongValue.class);
        final StringBuilder value = new StringBuilder(MAX_UID_CHARS + 64);
        final StringBuilder uid = new StringBuilder(MAX_UID_CHARS);
    }
}
