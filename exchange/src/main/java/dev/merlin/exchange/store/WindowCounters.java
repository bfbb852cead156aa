package dev.merlin.exchange.store;

import java.nio.file.Path;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.values.Values;

/**
 * Counts per 64-bit key within a time window, off-heap in a persisted Chronicle Map: frequency caps
 * (impressions per user and campaign) and segment rules wanting more events than {@link RecentTimes} keeps ("at
 * least N times within a window"; other rules use {@link RecentTimes}, a sliding window).
 *
 * <p>Value, one {@code long}:
 * <pre>
 *  63            32 31             0
 * +----------------+----------------+
 * | window start   | count in the   |
 * | (epoch seconds)| window         |
 * +----------------+----------------+
 * </pre>
 * A window opens at the first event and lasts {@code windowSeconds}; the next event after it opens a new one.
 * Reads reuse per-thread key and value objects ({@code getUsing}): no allocation.
 */
public final class WindowCounters implements AutoCloseable {

    private final ChronicleMapFiles.Opened<LongValue, LongValue> opened;
    private final ThreadLocal<LongValue[]> scratch = ThreadLocal.withInitial(
            () -> new LongValue[] {Values.newHeapInstance(LongValue.class), Values.newHeapInstance(LongValue.class)});

    /** Opens {@code dataDir/fileName}, sized for {@code entries} keys. */
    public WindowCounters(Path dataDir, String fileName, String name, long entries) {
        this.opened = ChronicleMapFiles.open(dataDir, fileName,
                ChronicleMap.of(LongValue.class, LongValue.class).name(name).entries(entries));
    }

    /** The count in the window still open at {@code nowEpochSeconds}; 0 when none is. */
    public int count(long key, long nowEpochSeconds, int windowSeconds) {
        LongValue[] kv = scratch.get();
        kv[0].setValue(key);
        LongValue value = opened.map().getUsing(kv[0], kv[1]);
        if (value == null) {
            return 0;
        }
        long packed = value.getValue();
        return nowEpochSeconds - (packed >>> 32) >= windowSeconds ? 0 : (int) packed;
    }

    /**
     * Counts one event and returns the count in its window (1 when it opened a new window); -1 when the store is
     * full and the event was not counted.
     */
    public int increment(long key, long nowEpochSeconds, int windowSeconds) {
        LongValue[] kv = scratch.get();
        kv[0].setValue(key);
        try (ExternalMapQueryContext<LongValue, LongValue, ?> context = opened.map().queryContext(kv[0])) {
            context.updateLock().lock();
            MapEntry<LongValue, LongValue> entry = context.entry();
            long packed = nowEpochSeconds << 32 | 1L;
            if (entry != null) {
                long old = entry.value().get().getValue();
                if (nowEpochSeconds - (old >>> 32) < windowSeconds) {
                    packed = old + 1;
                }
                kv[1].setValue(packed);
                entry.doReplaceValue(context.wrapValueAsData(kv[1]));
            } else {
                kv[1].setValue(packed);
                context.absentEntry().doInsert(context.wrapValueAsData(kv[1]));
            }
            return (int) packed;
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (!ChronicleMapFiles.isFull(e)) {
                throw e;
            }
            return -1;
        }
    }

    /**
     * Takes back one event counted at {@code eventEpochSeconds}: true when the window open at {@code nowEpochSeconds}
     * opened at or before it and still counts one; false, changing nothing, when that window is over or opened later
     * (the event was counted in one already closed) or the key is gone.
     */
    public boolean decrement(long key, long eventEpochSeconds, long nowEpochSeconds, int windowSeconds) {
        LongValue[] kv = scratch.get();
        kv[0].setValue(key);
        try (ExternalMapQueryContext<LongValue, LongValue, ?> context = opened.map().queryContext(kv[0])) {
            context.updateLock().lock();
            MapEntry<LongValue, LongValue> entry = context.entry();
            if (entry == null) {
                return false;
            }
            long old = entry.value().get().getValue();
            long start = old >>> 32;
            if ((int) old <= 0 || start > eventEpochSeconds || nowEpochSeconds - start >= windowSeconds) {
                return false;
            }
            kv[1].setValue(old - 1);
            entry.doReplaceValue(context.wrapValueAsData(kv[1]));
            return true;
        }
    }

    /** Forgets a key (erasure). */
    public void remove(long key) {
        LongValue[] kv = scratch.get();
        kv[0].setValue(key);
        opened.map().remove(kv[0]);
    }

    /** Mixes a user hash and a small index into one key; never 0. */
    public static long key(long userHash, int index) {
        long h = (userHash ^ (index * 0xC2B2AE3D27D4EB4FL)) * 0x9E3779B97F4A7C15L;
        return h == 0 ? 1 : h;
    }

    @Override
    public void close() {
        opened.close();
    }
}
