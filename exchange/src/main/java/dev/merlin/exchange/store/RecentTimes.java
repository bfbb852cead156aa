package dev.merlin.exchange.store;

import java.nio.file.Path;
import java.util.Arrays;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.values.Values;

/**
 * The latest event times per 64-bit key, off-heap in a persisted Chronicle Map, for "N events within a window" over a
 * sliding window: segment rules. A key keeps at most the N latest times it was asked about, in event-time order, as
 * unsigned 32-bit epoch seconds (good until 2106); events may arrive out of order.
 */
public final class RecentTimes implements AutoCloseable {

    /** The most times kept per key. */
    public static final int MAX_TIMES = 256;

    private final ChronicleMapFiles.Opened<LongValue, byte[]> opened;
    private final ThreadLocal<LongValue> scratch =
            ThreadLocal.withInitial(() -> Values.newHeapInstance(LongValue.class));

    /** Opens {@code dataDir/fileName}, sized for {@code entries} keys of about {@code averageTimes} times each. */
    public RecentTimes(Path dataDir, String fileName, String name, long entries, int averageTimes) {
        this.opened = ChronicleMapFiles.open(dataDir, fileName, ChronicleMap.of(LongValue.class, byte[].class)
                .name(name).entries(entries).averageValueSize(4.0 * Math.max(1, Math.min(averageTimes, MAX_TIMES))));
    }

    /**
     * Adds the time of one event and keeps the {@code n} latest ({@code n} at most {@link #MAX_TIMES}); returns the
     * shortest span in seconds from the first to the last of {@code n} consecutive kept times that include this
     * event — {@link Long#MAX_VALUE} when fewer than {@code n} are kept, -1 when the store is full and the event was
     * not kept.
     */
    public long add(long key, long epochSeconds, int n) {
        if (n < 1 || n > MAX_TIMES) {
            throw new IllegalArgumentException("n must be 1 to " + MAX_TIMES + ": " + n);
        }
        LongValue k = scratch.get();
        k.setValue(key);
        try (ExternalMapQueryContext<LongValue, byte[], ?> context = opened.map().queryContext(k)) {
            context.updateLock().lock();
            MapEntry<LongValue, byte[]> entry = context.entry();
            long[] times = entry == null ? new long[0] : decode(entry.value().get());
            // insert in order (a late event lands among earlier ones), a tie after its equals
            int at = times.length;
            while (at > 0 && times[at - 1] > epochSeconds) {
                at--;
            }
            long[] merged = new long[times.length + 1];
            System.arraycopy(times, 0, merged, 0, at);
            merged[at] = epochSeconds;
            System.arraycopy(times, at, merged, at + 1, times.length - at);
            long span = Long.MAX_VALUE;
            for (int first = Math.max(0, at - n + 1); first <= at && first + n <= merged.length; first++) {
                span = Math.min(span, merged[first + n - 1] - merged[first]);
            }
            long[] kept = merged.length > n ? Arrays.copyOfRange(merged, merged.length - n, merged.length) : merged;
            byte[] value = encode(kept);
            if (entry != null) {
                entry.doReplaceValue(context.wrapValueAsData(value));
            } else {
                context.absentEntry().doInsert(context.wrapValueAsData(value));
            }
            return span;
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (!ChronicleMapFiles.isFull(e)) {
                throw e;
            }
            return -1;
        }
    }

    /** Forgets a key (erasure). */
    public void remove(long key) {
        LongValue k = scratch.get();
        k.setValue(key);
        opened.map().remove(k);
    }

    private static long[] decode(byte[] bytes) {
        long[] times = new long[bytes.length / 4];
        for (int i = 0; i < times.length; i++) {
            int b = i * 4;
            times[i] = (bytes[b] & 0xFFL) << 24 | (bytes[b + 1] & 0xFFL) << 16 | (bytes[b + 2] & 0xFFL) << 8
                    | bytes[b + 3] & 0xFFL;
        }
        return times;
    }

    private static byte[] encode(long[] times) {
        byte[] bytes = new byte[times.length * 4];
        for (int i = 0; i < times.length; i++) {
            long t = times[i];
            int b = i * 4;
            bytes[b] = (byte) (t >>> 24);
            bytes[b + 1] = (byte) (t >>> 16);
            bytes[b + 2] = (byte) (t >>> 8);
            bytes[b + 3] = (byte) t;
        }
        return bytes;
    }

    @Override
    public void close() {
        opened.close();
    }
}
