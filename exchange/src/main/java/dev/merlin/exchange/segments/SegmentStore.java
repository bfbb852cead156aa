package dev.merlin.exchange.segments;

import dev.merlin.exchange.store.ChronicleMapFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.map.MapSegmentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users' segments in one off-heap Chronicle Map persisted under the data directory.
 *
 * <p>The key is the user key the auction picked (exchange user id, {@code user.buyeruid}, {@code user.id}
 * or device IFA); the value is the user's segment ids, each with an expiry, laid out as described in
 * {@link SegmentRecordMarshaller}. {@link #read} is the bid-path call and allocates nothing per call;
 * the writes belong to the event path and take Chronicle's per-entry (segment) lock, so concurrent adds
 * for one user never lose an update.
 *
 * <p><b>Restart and {@code kill -9}.</b> The map lives in a memory-mapped file, so every completed write
 * is in the OS page cache the moment it returns and survives the process. Chronicle Map 2026.1 has no
 * {@code createOrRecoverPersistedTo} (recovery is unsafe as the normal way to open). {@link ChronicleMapFiles}
 * opens it the way every Merlin store opens: a marker file
 * {@code segments.cm3.open}, held with an OS file lock, exists exactly while a process has the store open,
 * and a marker left behind by a process that died means {@code recoverPersistedTo}.
 *
 * <p><b>A full store</b> is counted ({@link #fullRejections()}), flagged ({@link #isFull()}) and logged
 * once; the write is dropped and nothing is thrown.
 */
public final class SegmentStore implements AutoCloseable {

    /** The map file's name under the data directory. */
    public static final String FILE_NAME = "segments.cm3";
    /** Present, and locked, while a process has the store open. */
    public static final String OPEN_MARKER_NAME = FILE_NAME + ".open";

    private static final Logger LOG = LoggerFactory.getLogger(SegmentStore.class);

    private final ChronicleMapFiles.Opened<CharSequence, SegmentRecord> opened;
    private final ChronicleMap<CharSequence, SegmentRecord> map;
    private final SegmentStoreSettings settings;
    private final LongSupplier epochSecondsClock;
    private final Path file;
    private final ThreadLocal<WriteScratch> writeScratch;
    private final AtomicLong fullRejections = new AtomicLong();
    private final AtomicBoolean fullLogged = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean full;
    private volatile ChangeListener listener;

    /**
     * Told of every change made through {@code add}, {@code addAll}, {@code erase} and {@code eraseHeld} (not through
     * {@code apply} and {@code applyErasure}, the changes other nodes made), once the store holds it: on the writing
     * thread, under the user's entry lock, so it must not block.
     */
    public interface ChangeListener {

        /** The user's segments after the change: the first {@code count} pairs (none: the user holds nothing). */
        void changed(CharSequence userKey, int[] segmentIds, int[] expiresAt, int count);

        /** The user was erased. */
        void erased(CharSequence userKey);
    }

    private SegmentStore(ChronicleMapFiles.Opened<CharSequence, SegmentRecord> opened,
                         SegmentStoreSettings settings, LongSupplier epochSecondsClock, Path file) {
        this.opened = opened;
        this.map = opened.map();
        this.settings = settings;
        this.epochSecondsClock = epochSecondsClock;
        this.file = file;
        int scratchCapacity = settings.maxSegmentsPerUser() + 1;
        this.writeScratch = ThreadLocal.withInitial(() -> new WriteScratch(scratchCapacity));
    }

    /** Opens (creating or recovering) the store under {@code dataDir}, with the wall clock for writes. */
    public static SegmentStore open(Path dataDir, SegmentStoreSettings settings) {
        return open(dataDir, settings, () -> System.currentTimeMillis() / 1000L);
    }

    /**
     * Opens (creating or recovering) the store under {@code dataDir}. Start-up work: it maps the file and,
     * after an unclean stop, scans it. Fails fast if another process has it open or it cannot be recovered.
     *
     * @param epochSecondsClock the time used by {@link #add(CharSequence, int, long)} to drop expired segments
     */
    public static SegmentStore open(Path dataDir, SegmentStoreSettings settings, LongSupplier epochSecondsClock) {
        Path file = dataDir.resolve(FILE_NAME);
        boolean fileExisted = Files.exists(file);
        long startNanos = System.nanoTime();
        ChronicleMapFiles.Opened<CharSequence, SegmentRecord> opened =
                ChronicleMapFiles.open(dataDir, FILE_NAME, builder(settings));
        long openMillis = (System.nanoTime() - startNanos) / 1_000_000L;
        try {
            LOG.info("segment store {}: {} users, file {} MB, {} in {} ms", file, opened.map().longSize(),
                    Files.size(file) >> 20, opened.recovered() ? "recovered" : fileExisted ? "reopened" : "created",
                    openMillis);
        } catch (IOException e) {
            opened.close();
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return new SegmentStore(opened, settings, epochSecondsClock, file);
    }

    private static ChronicleMapBuilder<CharSequence, SegmentRecord> builder(
            SegmentStoreSettings settings) {
        return ChronicleMap.of(CharSequence.class, SegmentRecord.class)
                .name("merlin-segments")
                .entries(settings.entries())
                .averageKeySize(settings.averageKeyBytes())
                .averageValueSize((double) settings.averageSegmentsPerUser() * SegmentRecordMarshaller.PAIR_BYTES)
                .valueMarshaller(SegmentRecordMarshaller.INSTANCE);
    }

    /**
     * Copies the user's live segments (expiry after {@code nowEpochSeconds}) into {@code into}, which is
     * cleared first. Allocation-free: the value is decoded into {@code into}'s own scratch record.
     *
     * @return whether the user has at least one live segment
     */
    public boolean read(CharSequence userKey, long nowEpochSeconds, SegmentSet into) {
        into.clear();
        if (!isUsableKey(userKey)) {
            return false;
        }
        SegmentRecord record = map.getUsing(userKey, into.scratch);
        if (record == null) {
            return false;
        }
        final int[] ids = record.segmentIds;
        final int[] expiries = record.expiresAt;
        for (int i = 0, n = record.count; i < n; i++) {
            if (Integer.toUnsignedLong(expiries[i]) > nowEpochSeconds) {
                into.append(ids[i]);
            }
        }
        return !into.isEmpty();
    }

    /** Inserts or refreshes a segment for a user, with the store's clock as "now"; see the four-argument form. */
    public void add(CharSequence userKey, int segmentId, long expiresAtEpochSeconds) {
        add(userKey, segmentId, expiresAtEpochSeconds, epochSecondsClock.getAsLong());
    }

    /**
     * Inserts or refreshes a segment for a user (the later expiry wins), dropping the user's expired
     * segments while the entry is locked. At the per-user cap the soonest-expiring segment makes room.
     * A segment already expired at {@code nowEpochSeconds} is not stored. A full store drops the write
     * and counts it; nothing is thrown for that.
     *
     * @throws IllegalArgumentException if the key is null, empty or longer than {@code maxKeyChars}
     */
    public void add(CharSequence userKey, int segmentId, long expiresAtEpochSeconds, long nowEpochSeconds) {
        WriteScratch scratch = writeScratch.get();
        scratch.oneSegmentId[0] = segmentId;
        scratch.oneExpiresAt[0] = expiresAtEpochSeconds;
        write(userKey, scratch.oneSegmentId, scratch.oneExpiresAt, 1, nowEpochSeconds, scratch.record, false);
    }

    /**
     * Adds several segments to one user under a single entry lock: {@link #add(CharSequence, int, long, long)}
     * for each of the first {@code count} pairs, in order. The bulk loader's path.
     *
     * @throws IllegalArgumentException if the key is unusable or {@code count} exceeds the arrays
     */
    public void addAll(CharSequence userKey, int[] segmentIds, long[] expiresAtEpochSeconds, int count,
                       long nowEpochSeconds) {
        if (count < 0 || count > segmentIds.length || count > expiresAtEpochSeconds.length) {
            throw new IllegalArgumentException("count " + count + " does not fit the arrays");
        }
        write(userKey, segmentIds, expiresAtEpochSeconds, count, nowEpochSeconds, writeScratch.get().record, false);
    }

    /**
     * Replaces the user's segments with the first {@code count} pairs (none: removes the user), telling no
     * {@link ChangeListener}: how a change another node made is applied here.
     */
    public void apply(CharSequence userKey, int[] segmentIds, long[] expiresAtEpochSeconds, int count,
                      long nowEpochSeconds) {
        write(userKey, segmentIds, expiresAtEpochSeconds, count, nowEpochSeconds, writeScratch.get().record, true);
    }

    /** Removes what is held for the user, telling no {@link ChangeListener}: another node's erasure applied here. */
    public boolean applyErasure(CharSequence userKey) {
        return remove(userKey);
    }

    /** Tells {@code changes} of every change from now on (null: no one); one listener at a time. */
    public void listen(ChangeListener changes) {
        listener = changes;
    }

    private void write(CharSequence userKey, int[] segmentIds, long[] expiresAtEpochSeconds, int count,
                       long nowEpochSeconds, SegmentRecord record, boolean isReplace) {
        requireUsableKey(userKey);
        try (ExternalMapQueryContext<CharSequence, SegmentRecord, ?> context = map.queryContext(userKey)) {
            context.updateLock().lock();
            MapEntry<CharSequence, SegmentRecord> entry = context.entry();
            if (entry != null && !isReplace) {
                entry.value().getUsing(record);
            } else {
                record.clear();
            }
            boolean changed = record.dropExpired(nowEpochSeconds) || isReplace;
            for (int i = 0; i < count; i++) {
                if (expiresAtEpochSeconds[i] > nowEpochSeconds) {
                    record.upsert(segmentIds[i], expiresAtEpochSeconds[i], settings.maxSegmentsPerUser());
                    changed = true;
                }
            }
            if (!changed) {
                return;
            }
            if (record.count == 0) {
                if (entry != null) {
                    entry.doRemove();
                }
            } else if (entry != null) {
                entry.doReplaceValue(context.wrapValueAsData(record));
            } else {
                context.absentEntry().doInsert(context.wrapValueAsData(record));
                full = false;
            }
            // told once the write is in: a write the full store refused (below) is not news for other nodes
            ChangeListener changes = listener;
            if (changes != null && !isReplace) {
                changes.changed(userKey, record.segmentIds, record.expiresAt, record.count);
            }
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (!ChronicleMapFiles.isFull(e)) {
                throw e;
            }
            rejectFull(e);
        }
    }

    /**
     * Removes everything held for the user (privacy erasure); returns whether anything was held. The
     * {@link ChangeListener} hears of it either way: another node may hold the user.
     */
    public boolean erase(CharSequence userKey) {
        if (!isUsableKey(userKey)) {
            return false;
        }
        ChangeListener changes = listener;
        if (changes != null) {
            changes.erased(userKey);
        }
        return remove(userKey);
    }

    /**
     * Removes what is held for the user, and tells the {@link ChangeListener} only when something was: another
     * node's erasure applied here. The node that was asked published the tombstone; what this store still holds was
     * written after it or is not yet replaced by it, so the tombstone goes out again (it wins on every node), while a
     * store that holds nothing publishes nothing. Returns whether anything was held.
     */
    public boolean eraseHeld(CharSequence userKey) {
        return remove(userKey, true);
    }

    private boolean remove(CharSequence userKey) {
        return remove(userKey, false);
    }

    /** Removes what is held for the user; {@code isTold}: the listener is told, under the entry lock, as a write. */
    private boolean remove(CharSequence userKey, boolean isTold) {
        if (!isUsableKey(userKey)) {
            return false;
        }
        try (ExternalMapQueryContext<CharSequence, SegmentRecord, ?> context = map.queryContext(userKey)) {
            context.updateLock().lock();
            MapEntry<CharSequence, SegmentRecord> entry = context.entry();
            if (entry == null) {
                return false;
            }
            entry.doRemove();
            // told under the entry lock, as a write tells it: a write racing this one is published in the same order
            ChangeListener changes = listener;
            if (isTold && changes != null) {
                changes.erased(userKey);
            }
            return true;
        }
    }

    /**
     * Removes every user whose segments have all expired, one Chronicle segment lock at a time. Users
     * with some live segments are left for their next write to trim (reads already skip expired ones).
     * Maintenance work for a background thread, never the event loop: it walks the whole map.
     *
     * @return the number of users removed
     */
    public long purgeExpired(long nowEpochSeconds) {
        SegmentRecord record = new SegmentRecord(settings.maxSegmentsPerUser());
        long[] removed = new long[1];
        for (int segment = 0, segments = map.segments(); segment < segments; segment++) {
            try (MapSegmentContext<CharSequence, SegmentRecord, ?> context = map.segmentContext(segment)) {
                context.forEachSegmentEntry(entry -> {
                    entry.value().getUsing(record);
                    for (int i = 0; i < record.count; i++) {
                        if (record.expiresAt(i) > nowEpochSeconds) {
                            return;
                        }
                    }
                    entry.doRemove();
                    removed[0]++;
                });
            }
        }
        return removed[0];
    }

    /** What {@link #forEachUser} hands over: one user's live segments, in the first {@code count} pairs. */
    public interface UserVisitor {

        /** The arrays are reused for the next user: copy what is kept. */
        void visit(CharSequence userKey, int[] segmentIds, long[] expiresAt, int count);
    }

    /**
     * Hands every user holding a live segment at {@code nowEpochSeconds} to {@code visitor}, segment by segment of the
     * map, under each segment's lock. Maintenance or offline work, never the event loop: it walks the whole map.
     */
    public void forEachUser(long nowEpochSeconds, UserVisitor visitor) {
        SegmentRecord record = new SegmentRecord(settings.maxSegmentsPerUser());
        int[] ids = new int[settings.maxSegmentsPerUser() + 1];
        long[] expiries = new long[ids.length];
        StringBuilder key = new StringBuilder();
        for (int segment = 0, segments = map.segments(); segment < segments; segment++) {
            try (MapSegmentContext<CharSequence, SegmentRecord, ?> context = map.segmentContext(segment)) {
                context.forEachSegmentEntry(entry -> {
                    entry.value().getUsing(record);
                    int live = 0;
                    for (int i = 0; i < record.count && live < ids.length; i++) {
                        if (record.expiresAt(i) > nowEpochSeconds) {
                            ids[live] = record.segmentIds[i];
                            expiries[live++] = record.expiresAt(i);
                        }
                    }
                    if (live > 0) {
                        key.setLength(0);
                        key.append(entry.key().get());
                        visitor.visit(key, ids, expiries, live);
                    }
                });
            }
        }
    }

    /**
     * Counts, for each segment id below {@code counts.length}, the users holding it live at {@code nowEpochSeconds}
     * into {@code counts} (added to what it holds). Maintenance work, never the event loop: it walks the whole map.
     */
    public void countUsers(long nowEpochSeconds, long[] counts) {
        SegmentRecord record = new SegmentRecord(settings.maxSegmentsPerUser());
        for (int segment = 0, segments = map.segments(); segment < segments; segment++) {
            try (MapSegmentContext<CharSequence, SegmentRecord, ?> context = map.segmentContext(segment)) {
                context.forEachSegmentEntry(entry -> {
                    entry.value().getUsing(record);
                    for (int i = 0; i < record.count; i++) {
                        int id = record.segmentIds[i];
                        if (record.expiresAt(i) > nowEpochSeconds && id >= 0 && id < counts.length) {
                            counts[id]++;
                        }
                    }
                });
            }
        }
    }

    /** The user's live segments with their expiry, by segment id, for the privacy endpoint. */
    public List<SegmentEntry> describe(CharSequence userKey, long nowEpochSeconds) {
        if (!isUsableKey(userKey)) {
            return List.of();
        }
        SegmentRecord record = map.getUsing(userKey, new SegmentRecord(settings.maxSegmentsPerUser()));
        if (record == null) {
            return List.of();
        }
        List<SegmentEntry> entries = new ArrayList<>(record.count);
        for (int i = 0; i < record.count; i++) {
            if (record.expiresAt(i) > nowEpochSeconds) {
                entries.add(new SegmentEntry(record.segmentIds[i], record.expiresAt(i)));
            }
        }
        entries.sort(Comparator.comparingInt(SegmentEntry::segmentId));
        return entries;
    }

    /** The number of users held. */
    public long size() {
        return map.longSize();
    }

    /** Writes dropped because the store had no room, since open. */
    public long fullRejections() {
        return fullRejections.get();
    }

    /** Whether the last write of a new user found the store full. */
    public boolean isFull() {
        return full;
    }

    /** Whether this open recovered the file after an unclean stop. */
    public boolean recoveredOnOpen() {
        return opened.recovered();
    }

    /** The map file. */
    public Path file() {
        return file;
    }

    /** The sizing the store was opened with (an existing file keeps the sizing it was created with). */
    public SegmentStoreSettings settings() {
        return settings;
    }

    /** Closes the map and removes the open marker, which records a clean stop. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            opened.close();
        }
    }

    /** Whether this store can hold {@code userKey}: not null, 1 to {@code maxKeyChars} chars. */
    public boolean isUsableKey(CharSequence userKey) {
        return userKey != null && userKey.length() > 0 && userKey.length() <= settings.maxKeyChars();
    }

    private void requireUsableKey(CharSequence userKey) {
        if (!isUsableKey(userKey)) {
            throw new IllegalArgumentException("user key must have 1.." + settings.maxKeyChars() + " chars, got "
                    + (userKey == null ? "null" : userKey.length() + " chars"));
        }
    }

    /**
     * Chronicle Map 2026.1 signals no room with {@code IllegalStateException("<map>: Attempt to allocate #N
     * extra segment tier, M is maximum. ...")} and an oversized entry with {@code IllegalArgumentException(
     * "<map>: Entry is too large: requires N chunks, M is maximum.")}.
     */

    private void rejectFull(RuntimeException cause) {
        full = true;
        fullRejections.incrementAndGet();
        if (fullLogged.compareAndSet(false, true)) {
            LOG.error("segment store {} is full at {} users (sized for {}): new segments are dropped and counted; "
                    + "raise segments.entries and rebuild the store. Cause: {}", file, map.longSize(),
                    settings.entries(), firstLine(cause.getMessage()));
        }
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }


    /** Per-thread buffers of the write path (the event path runs on a few threads). */
    private static final class WriteScratch {
        final SegmentRecord record;
        final int[] oneSegmentId = new int[1];
        final long[] oneExpiresAt = new long[1];

        WriteScratch(int capacity) {
            record = new SegmentRecord(capacity);
        }
    }
}
