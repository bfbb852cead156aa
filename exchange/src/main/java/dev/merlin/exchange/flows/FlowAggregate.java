package dev.merlin.exchange.flows;

import dev.merlin.exchange.store.ChronicleMapFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.values.Values;

/**
 * The data-flow ledger's aggregate: how many flows went out per (UTC day, user region, DSP, DSP region, data
 * categories, flow kind), in a persisted Chronicle Map ({@code data-flows.cm3}) that survives a restart. Counting
 * reuses a per-thread key and value and takes one entry lock: no allocation on an event loop.
 *
 * <p>Key, 104 bytes, fixed size; strings are ASCII, zero-padded, at most 32 characters (a DSP id, a region name or
 * a country code are all that; a longer one is cut):
 * <pre>
 *  0        4      5            6          8               40              72              104
 * +--------+------+------------+----------+---------------+---------------+---------------+
 * | epoch  | kind | categories | reserved | user region   | DSP region    | DSP id        |
 * | day LE | code | (bit set)  | (zero)   | (32 bytes)    | (32 bytes)    | (32 bytes)    |
 * +--------+------+------------+----------+---------------+---------------+---------------+
 * </pre>
 * Value: the count, one {@code long}.
 */
public final class FlowAggregate implements AutoCloseable {

    static final String FILE = "data-flows.cm3";
    static final int KEY_BYTES = 104;
    static final int TEXT_BYTES = 32;
    private static final int USER_REGION_OFFSET = 8;
    private static final int DSP_REGION_OFFSET = 40;
    private static final int DSP_ID_OFFSET = 72;

    /** One aggregate row: a count of flows sharing every other field. */
    public record Row(LocalDate day, String userRegion, String dsp, String dspRegion, int categories,
                      FlowKind kind, long count) {
    }

    private final ChronicleMapFiles.Opened<byte[], LongValue> opened;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
    private final AtomicLong refusedFull = new AtomicLong();

    /** Opens {@code dataDir/data-flows.cm3}, sized for {@code entries} distinct rows. */
    public FlowAggregate(Path dataDir, long entries) {
        this.opened = ChronicleMapFiles.open(dataDir, FILE, ChronicleMap.of(byte[].class, LongValue.class)
                .name("merlin-data-flows").constantKeySizeBySample(new byte[KEY_BYTES]).entries(entries));
    }

    /**
     * Counts {@code flows} flows of {@code kind} on {@code epochDay}; false when the map is full and they were not
     * counted (counted in {@link #refusedFull}).
     */
    public boolean add(long epochDay, FlowKind kind, int categories, CharSequence userRegion, CharSequence dspRegion,
                       CharSequence dspId, long flows) {
        Scratch s = scratch.get();
        byte[] key = s.key;
        int day = (int) epochDay;
        key[0] = (byte) day;
        key[1] = (byte) (day >>> 8);
        key[2] = (byte) (day >>> 16);
        key[3] = (byte) (day >>> 24);
        key[4] = (byte) kind.code();
        key[5] = (byte) categories;
        key[6] = 0;
        key[7] = 0;
        putText(key, USER_REGION_OFFSET, userRegion);
        putText(key, DSP_REGION_OFFSET, dspRegion);
        putText(key, DSP_ID_OFFSET, dspId);
        try (ExternalMapQueryContext<byte[], LongValue, ?> context = opened.map().queryContext(key)) {
            context.updateLock().lock();
            MapEntry<byte[], LongValue> entry = context.entry();
            if (entry != null) {
                s.value.setValue(entry.value().get().getValue() + flows);
                entry.doReplaceValue(context.wrapValueAsData(s.value));
            } else {
                s.value.setValue(flows);
                context.absentEntry().doInsert(context.wrapValueAsData(s.value));
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

    /**
     * The rows from {@code from} to {@code to} (inclusive), of one DSP or (null) of all, sorted by day, DSP, user
     * region, kind and categories. Reads the whole map: reports' work, off the event loops.
     */
    public List<Row> rows(LocalDate from, LocalDate to, String dspId) {
        long fromDay = from.toEpochDay();
        long toDay = to.toEpochDay();
        List<Row> rows = new ArrayList<>();
        opened.map().forEachEntry(entry -> {
            byte[] key = entry.key().get();
            long day = key[0] & 0xFF | (key[1] & 0xFF) << 8 | (key[2] & 0xFF) << 16 | key[3] << 24;
            if (day < fromDay || day > toDay) {
                return;
            }
            String dsp = text(key, DSP_ID_OFFSET);
            FlowKind kind = FlowKind.fromCode(key[4]);
            if (kind == null || dspId != null && !dspId.equals(dsp)) {
                return;
            }
            rows.add(new Row(LocalDate.ofEpochDay(day), text(key, USER_REGION_OFFSET), dsp,
                    text(key, DSP_REGION_OFFSET), key[5] & 0xFF, kind, entry.value().get().getValue()));
        });
        rows.sort(Comparator.comparing(Row::day).thenComparing(Row::dsp).thenComparing(Row::userRegion)
                .thenComparing(Row::kind).thenComparingInt(Row::categories));
        return rows;
    }

    /** Flows not counted because the map was full. */
    public long refusedFull() {
        return refusedFull.get();
    }

    private static void putText(byte[] key, int offset, CharSequence text) {
        int n = text == null ? 0 : Math.min(text.length(), TEXT_BYTES);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            key[offset + i] = c > 0x20 && c < 0x7F ? (byte) c : (byte) '?';
        }
        for (int i = n; i < TEXT_BYTES; i++) {
            key[offset + i] = 0;
        }
    }

    private static String text(byte[] key, int offset) {
        int n = 0;
        while (n < TEXT_BYTES && key[offset + n] != 0) {
            n++;
        }
        return new String(key, offset, n, StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        opened.close();
    }

    /** A thread's reused key and value. */
    private static final class Scratch {
        final byte[] key = new byte[KEY_BYTES];
        final LongValue value = Values.newHeapInstance(LongValue.class);
    }
}
