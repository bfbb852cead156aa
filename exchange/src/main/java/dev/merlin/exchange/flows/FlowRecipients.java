package dev.merlin.exchange.flows;

import dev.merlin.exchange.store.ChronicleMapFiles;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.values.Values;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Which companies received a user's personal data: per user hash, up to {@link #MAX_RECIPIENTS} DSPs, each with
 * the union of the data categories it got and the first and last time, in a persisted Chronicle Map
 * ({@code flow-recipients.cm3}). A flow that carried no personal data is not recorded here (the aggregate counts it).
 * A user who reached more DSPs keeps the first {@link #MAX_RECIPIENTS}; the record is marked truncated, and an
 * erasure of a truncated user calls every DSP with a deletion endpoint, so none is missed.
 *
 * <p>Value, little-endian, 8 + 24 bytes per DSP (only the slots in use are stored):
 * <pre>
 *  0           4           8
 * +-----------+-----------+---- slot 0 ----------------------------------------------+---- slot 1 ...
 * | count     | flags     | DSP key (int64) | first (uint32 s) | last (uint32 s) | categories (int32) |
 * +-----------+-----------+-----------------------------------------------------------+
 * flags bit 0: truncated (a DSP beyond the last slot received data too)
 * </pre>
 * The DSP key is a 64-bit hash of the DSP's id (stable across a restart that reorders the DSPs).
 *
 * <p>Recording reuses per-thread buffers, one per value size: no allocation on an event loop.
 */
public final class FlowRecipients implements AutoCloseable {

    /** DSPs kept per user. */
    public static final int MAX_RECIPIENTS = 32;

    static final String FILE = "flow-recipients.cm3";
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final int HEADER = 8;
    private static final int SLOT = 24;
    private static final int TRUNCATED = 1;

    /** One company that received the user's data. */
    public record Recipient(long dspKey, int categories, long firstEpochSeconds, long lastEpochSeconds) {
    }

    /** What is held about one user: its recipients, and whether more received data than could be kept. */
    public record Held(List<Recipient> recipients, boolean isTruncated) {

        /** Nothing held. */
        public static final Held NONE = new Held(List.of(), false);
    }

    private final ChronicleMapFiles.Opened<LongValue, byte[]> opened;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
    private final AtomicLong refusedFull = new AtomicLong();

    /** Opens {@code dataDir/flow-recipients.cm3}, sized for {@code users} users. */
    public FlowRecipients(Path dataDir, long users) {
        this.opened = ChronicleMapFiles.open(dataDir, FILE, ChronicleMap.of(LongValue.class, byte[].class)
                .name("merlin-flow-recipients").entries(users).averageValueSize(HEADER + 3 * SLOT));
    }

    /** The key a DSP's id is recorded under: 64-bit FNV-1a, never 0. */
    public static long dspKey(String dspId) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < dspId.length(); i++) {
            h = (h ^ dspId.charAt(i)) * 0x100000001b3L;
        }
        return h == 0 ? 1 : h;
    }

    /**
     * Records that the user received, at {@code epochSeconds}, {@code categoriesByDsp[i]} from the DSP whose key is
     * {@code dspKeys[i]}; DSPs with no categories are skipped, nothing at all is a no-op. False when the map is full.
     */
    public boolean record(long userHash, long epochSeconds, int[] categoriesByDsp, long[] dspKeys) {
        boolean isAny = false;
        for (int categories : categoriesByDsp) {
            isAny |= categories != 0;
        }
        if (!isAny) {
            return true;
        }
        Scratch s = scratch.get();
        s.key.setValue(userHash);
        try (ExternalMapQueryContext<LongValue, byte[], ?> context = opened.map().queryContext(s.key)) {
            context.updateLock().lock();
            MapEntry<LongValue, byte[]> entry = context.entry();
            UnsafeBuffer held = entry == null ? s.empty() : s.read(entry.value());
            int count = held.getInt(0, ORDER);
            int flags = held.getInt(4, ORDER);
            UnsafeBuffer out = s.out;
            out.putBytes(0, held, 0, HEADER + count * SLOT);
            for (int d = 0; d < categoriesByDsp.length; d++) {
                if (categoriesByDsp[d] == 0) {
                    continue;
                }
                int slot = find(out, count, dspKeys[d]);
                if (slot >= 0) {
                    int at = HEADER + slot * SLOT;
                    out.putInt(at + 12, (int) epochSeconds, ORDER);
                    out.putInt(at + 16, out.getInt(at + 16, ORDER) | categoriesByDsp[d], ORDER);
                } else if (count < MAX_RECIPIENTS) {
                    int at = HEADER + count * SLOT;
                    out.putLong(at, dspKeys[d], ORDER);
                    out.putInt(at + 8, (int) epochSeconds, ORDER);
                    out.putInt(at + 12, (int) epochSeconds, ORDER);
                    out.putInt(at + 16, categoriesByDsp[d], ORDER);
                    out.putInt(at + 20, 0, ORDER);
                    count++;
                } else {
                    flags |= TRUNCATED;
                }
            }
            out.putInt(0, count, ORDER);
            out.putInt(4, flags, ORDER);
            byte[] value = s.sized(count);
            out.getBytes(0, value, 0, value.length);
            if (entry != null) {
                entry.doReplaceValue(context.wrapValueAsData(value));
            } else {
                context.absentEntry().doInsert(context.wrapValueAsData(value));
            }
            return true;
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (!ChronicleMapFiles.isFull(e)) {
                throw e;
            }
            refusedFull.incrementAndGet();
            return false;
        }
    }

    private static int find(UnsafeBuffer value, int count, long dspKey) {
        for (int i = 0; i < count; i++) {
            if (value.getLong(HEADER + i * SLOT, ORDER) == dspKey) {
                return i;
            }
        }
        return -1;
    }

    /** What is held about the user; {@link Held#NONE} when nothing is. */
    public Held read(long userHash) {
        LongValue key = Values.newHeapInstance(LongValue.class);
        key.setValue(userHash);
        byte[] value = opened.map().get(key);
        return value == null ? Held.NONE : decode(value);
    }

    /** Forgets the user (erasure) and returns what was held. */
    public Held remove(long userHash) {
        LongValue key = Values.newHeapInstance(LongValue.class);
        key.setValue(userHash);
        byte[] value = opened.map().remove(key);
        return value == null ? Held.NONE : decode(value);
    }

    /** Users held. */
    public long size() {
        return opened.map().longSize();
    }

    /** Records not kept because the map was full. */
    public long refusedFull() {
        return refusedFull.get();
    }

    private static Held decode(byte[] bytes) {
        UnsafeBuffer value = new UnsafeBuffer(bytes);
        int count = Math.min(value.getInt(0, ORDER), (bytes.length - HEADER) / SLOT);
        List<Recipient> recipients = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int at = HEADER + i * SLOT;
            recipients.add(new Recipient(value.getLong(at, ORDER), value.getInt(at + 16, ORDER),
                    Integer.toUnsignedLong(value.getInt(at + 8, ORDER)),
                    Integer.toUnsignedLong(value.getInt(at + 12, ORDER))));
        }
        return new Held(List.copyOf(recipients), (value.getInt(4, ORDER) & TRUNCATED) != 0);
    }

    @Override
    public void close() {
        opened.close();
    }

    /** A thread's reused key and buffers: one array per value size, a working copy, an empty value. */
    private static final class Scratch {
        final LongValue key = Values.newHeapInstance(LongValue.class);
        final byte[][] bySize = new byte[MAX_RECIPIENTS + 1][];
        final UnsafeBuffer out = new UnsafeBuffer(new byte[HEADER + MAX_RECIPIENTS * SLOT]);
        final UnsafeBuffer held = new UnsafeBuffer(new byte[HEADER + MAX_RECIPIENTS * SLOT]);

        Scratch() {
            for (int i = 0; i <= MAX_RECIPIENTS; i++) {
                bySize[i] = new byte[HEADER + i * SLOT];
            }
        }

        byte[] sized(int count) {
            return bySize[count];
        }

        UnsafeBuffer empty() {
            held.putLong(0, 0L);
            return held;
        }

        /** The stored value in {@link #held}; a value of a size no record has is read as empty. */
        UnsafeBuffer read(Data<byte[]> stored) {
            long size = stored.size();
            int count = (int) ((size - HEADER) / SLOT);
            if (size < HEADER || count > MAX_RECIPIENTS || HEADER + count * SLOT != size) {
                return empty();
            }
            byte[] bytes = stored.getUsing(bySize[count]);
            held.putBytes(0, bytes, 0, bytes.length);
            return held;
        }
    }
}
