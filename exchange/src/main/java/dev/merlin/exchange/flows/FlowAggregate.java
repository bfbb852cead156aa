package dev.merlin.exchange.flows;

import dev.merlin.exchange.store.ChronicleMapFiles;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;

/**
 * The data-flow ledger's aggregate: how many flows went out per (UTC day, user region, DSP, DSP region, data
 * categories, flow kind), in a persisted Chronicle Map ({@code data-flows.cm3}) that survives a restart. Counting
 * reuses a per-thread key and value and takes one entry lock: no allocation on an event loop.
 *
 * <p>Key, text: {@code <epoch day>|<kind code>|<categories>|<user region>|<DSP region>|<DSP id>}, e.g.
 * {@code 20786|1|5|JPN|JPN|tokyo}; each string at most 32 characters (a DSP id, a region name or a country code
 * are all that; a longer one is cut), any character but letters, digits, {@code _ - . ?} written as {@code ?} (so
 * no report, CSV included, can be broken by what a request claimed). Value: the count, 16 lower-case hex digits
 * (text, like the key: a {@code LongValue} value beside a variable-size key corrupted entries under Chronicle Map
 * 2026.1 in a stress test, text does not, and is read and rewritten without allocating).
 */
public final class FlowAggregate implements AutoCloseable {

    static final String FILE = "data-flows.cm3";
    static final int TEXT_CHARS = 32;
    private static final char SEPARATOR = '|';
    private static final int COUNT_DIGITS = 16;

    /** One aggregate row: a count of flows sharing every other field. */
    public record Row(LocalDate day, String userRegion, String dsp, String dspRegion, int categories,
                      FlowKind kind, long count) {
    }

    private final ChronicleMapFiles.Opened<CharSequence, CharSequence> opened;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
    private final AtomicLong refusedFull = new AtomicLong();

    /** Opens {@code dataDir/data-flows.cm3}, sized for {@code entries} distinct rows. */
    public FlowAggregate(Path dataDir, long entries) {
        this.opened = ChronicleMapFiles.open(dataDir, FILE, ChronicleMap.of(CharSequence.class, CharSequence.class)
                .name("merlin-data-flows").averageKeySize(32).averageValueSize(COUNT_DIGITS).entries(entries));
    }

    /**
     * Counts {@code flows} flows of {@code kind} on {@code epochDay}; false when the map is full and they were not
     * counted (counted in {@link #refusedFull}).
     */
    public boolean add(long epochDay, FlowKind kind, int categories, CharSequence userRegion, CharSequence dspRegion,
                       CharSequence dspId, long flows) {
        Scratch s = scratch.get();
        StringBuilder key = s.key;
        key.setLength(0);
        key.append(epochDay).append(SEPARATOR).append(kind.code()).append(SEPARATOR).append(categories)
                .append(SEPARATOR);
        appendText(key, userRegion);
        key.append(SEPARATOR);
        appendText(key, dspRegion);
        key.append(SEPARATOR);
        appendText(key, dspId);
        try (ExternalMapQueryContext<CharSequence, CharSequence, ?> context = opened.map().queryContext(key)) {
            context.updateLock().lock();
            MapEntry<CharSequence, CharSequence> entry = context.entry();
            StringBuilder value = s.value;
            if (entry != null) {
                value.setLength(0);
                entry.value().getUsing(value);
                putCount(value, count(value) + flows);
                entry.doReplaceValue(context.wrapValueAsData(value));
            } else {
                putCount(value, flows);
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

    /**
     * The rows from {@code from} to {@code to} (inclusive), of one DSP or (null) of all, sorted by day, DSP, user
     * region, kind and categories. Reads the whole map: reports' work, off the event loops.
     */
    public List<Row> rows(LocalDate from, LocalDate to, String dspId) {
        long fromDay = from.toEpochDay();
        long toDay = to.toEpochDay();
        List<Row> rows = new ArrayList<>();
        opened.map().forEachEntry(entry -> {
            String[] fields = entry.key().get().toString().split("\\|", -1);
            if (fields.length != 6) {
                return;
            }
            long day;
            FlowKind kind;
            int categories;
            try {
                day = Long.parseLong(fields[0]);
                kind = FlowKind.fromCode(Integer.parseInt(fields[1]));
                categories = Integer.parseInt(fields[2]);
            } catch (NumberFormatException e) {
                return;
            }
            if (day < fromDay || day > toDay || kind == null || dspId != null && !dspId.equals(fields[5])) {
                return;
            }
            rows.add(new Row(LocalDate.ofEpochDay(day), fields[3], fields[5], fields[4], categories, kind,
                    count(entry.value().get())));
        });
        rows.sort(Comparator.comparing(Row::day).thenComparing(Row::dsp).thenComparing(Row::userRegion)
                .thenComparing(Row::kind).thenComparingInt(Row::categories));
        return rows;
    }

    /** Forgets the rows of days before {@code firstKept}; returns how many. Maintenance work, off the event loops. */
    public long purgeBefore(LocalDate firstKept) {
        long firstDay = firstKept.toEpochDay();
        List<String> old = new ArrayList<>();
        opened.map().forEachEntry(entry -> {
            String key = entry.key().get().toString();
            int end = key.indexOf(SEPARATOR);
            try {
                if (end > 0 && Long.parseLong(key, 0, end, 10) < firstDay) {
                    old.add(key);
                }
            } catch (NumberFormatException e) {
                old.add(key);
            }
        });
        for (String key : old) {
            opened.map().remove(key);
        }
        return old.size();
    }

    /** Flows not counted because the map was full. */
    public long refusedFull() {
        return refusedFull.get();
    }

    /** The count in a value; a value that is not 16 hex digits (damage) counts 0. */
    private static long count(CharSequence value) {
        if (value.length() != COUNT_DIGITS) {
            return 0;
        }
        long count = 0;
        for (int i = 0; i < COUNT_DIGITS; i++) {
            int digit = Character.digit(value.charAt(i), 16);
            if (digit < 0) {
                return 0;
            }
            count = count << 4 | digit;
        }
        return count;
    }

    private static void putCount(StringBuilder value, long count) {
        value.setLength(COUNT_DIGITS);
        for (int i = COUNT_DIGITS - 1; i >= 0; i--) {
            value.setCharAt(i, Character.forDigit((int) (count & 0xF), 16));
            count >>>= 4;
        }
    }

    private static void appendText(StringBuilder key, CharSequence text) {
        int n = text == null ? 0 : Math.min(text.length(), TEXT_CHARS);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            boolean isKept = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
                    || c == '-' || c == '.' || c == '?';
            key.append(isKept ? c : '?');
        }
    }

    @Override
    public void close() {
        opened.close();
    }

    /** A thread's reused key and value. */
    private static final class Scratch {
        final StringBuilder key = new StringBuilder(128);
        final StringBuilder value = new StringBuilder(COUNT_DIGITS);
    }
}
