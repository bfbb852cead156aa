package dev.merlin.exchange.privacy;

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
 * The regional rollout's report, by arm ({@link Holdout}): per (UTC day, user country, arm) the auctions of users in
 * the trial, those Merlin answered with a bid, and what the buyers of those bids pay, in a persisted Chronicle Map
 * ({@code rollout.cm3}) that survives a restart. Comparing the control arm (held out, contextual) with the treatment
 * arm (audience data used) in each country is what measures that country's rollout.
 *
 * <p>Counting reuses a per-thread key and value and takes one entry lock: no allocation on an event loop. Key, text:
 * {@code <epoch day>|<arm>|<country>} (the country the holdout saw, {@link Holdout#country}, three letters
 * upper-cased, {@code ??} when unknown or not three letters). Value: three counts of 16 lower-case hex digits each
 * (auctions, auctions with a bid, charge micros), text like the data-flow ledger's, read and rewritten without
 * allocating.
 */
public final class RolloutStats implements AutoCloseable {

    /** The file under the data dir. */
    public static final String FILE = "rollout.cm3";
    /** The country of a request whose user's country is not known. */
    public static final String UNKNOWN_COUNTRY = "??";

    private static final char SEPARATOR = '|';
    private static final int COUNT_DIGITS = 16;
    private static final int COUNTS = 3;
    private static final int COUNTRY_CHARS = 3;

    /**
     * One row: {@code auctions} in {@code arm} ({@link Holdout#TREATMENT} or {@link Holdout#CONTROL}) from users in
     * {@code country} on {@code day}, {@code withBid} of them answered with a bid, {@code chargeMicros} what the
     * buyers of those bids pay (the exchange currency's micros, as bid).
     */
    public record Row(LocalDate day, String country, int arm, long auctions, long withBid, long chargeMicros) {
    }

    private final ChronicleMapFiles.Opened<CharSequence, CharSequence> opened;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
    private final AtomicLong refusedFull = new AtomicLong();

    /** Opens {@code dataDir/rollout.cm3}, sized for {@code entries} distinct (day, country, arm) rows. */
    public RolloutStats(Path dataDir, long entries) {
        this.opened = ChronicleMapFiles.open(dataDir, FILE, ChronicleMap.of(CharSequence.class, CharSequence.class)
                .name("merlin-rollout").averageKeySize(12).averageValueSize(COUNT_DIGITS * COUNTS).entries(entries));
    }

    /**
     * Counts one auction in {@code arm} from a user in {@code country} (null: unknown) on {@code epochDay}, with
     * {@code bids} bids whose buyers pay {@code chargeMicros}; {@link Holdout#NO_ARM} counts nothing. False when the
     * map is full and it was not counted ({@link #refusedFull}). Allocation-free.
     */
    public boolean add(long epochDay, int arm, CharSequence country, int bids, long chargeMicros) {
        if (arm != Holdout.TREATMENT && arm != Holdout.CONTROL) {
            return false;
        }
        Scratch s = scratch.get();
        StringBuilder key = s.key;
        key.setLength(0);
        key.append(epochDay).append(SEPARATOR).append(arm).append(SEPARATOR);
        appendCountry(key, country);
        try (ExternalMapQueryContext<CharSequence, CharSequence, ?> context = opened.map().queryContext(key)) {
            context.updateLock().lock();
            MapEntry<CharSequence, CharSequence> entry = context.entry();
            StringBuilder value = s.value;
            value.setLength(0);
            if (entry != null) {
                entry.value().getUsing(value);
            }
            long auctions = count(value, 0) + 1;
            long withBid = count(value, 1) + (bids > 0 ? 1 : 0);
            long charges = count(value, 2) + Math.max(0, chargeMicros);
            putCounts(value, auctions, withBid, charges);
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

    /**
     * The rows from {@code from} to {@code to} (inclusive), sorted by day, country and arm. Reads the whole map: a
     * report's work, off the event loops.
     */
    public List<Row> rows(LocalDate from, LocalDate to) {
        long fromDay = from.toEpochDay();
        long toDay = to.toEpochDay();
        List<Row> rows = new ArrayList<>();
        opened.map().forEachEntry(entry -> {
            String[] fields = entry.key().get().toString().split("\\|", -1);
            if (fields.length != 3) {
                return;
            }
            long day;
            int arm;
            try {
                day = Long.parseLong(fields[0]);
                arm = Integer.parseInt(fields[1]);
            } catch (NumberFormatException e) {
                return;
            }
            if (day < fromDay || day > toDay || arm != Holdout.TREATMENT && arm != Holdout.CONTROL) {
                return;
            }
            CharSequence value = entry.value().get();
            rows.add(new Row(LocalDate.ofEpochDay(day), fields[2], arm, count(value, 0), count(value, 1),
                    count(value, 2)));
        });
        rows.sort(Comparator.comparing(Row::day).thenComparing(Row::country).thenComparingInt(Row::arm));
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

    /** Auctions not counted because the map was full. */
    public long refusedFull() {
        return refusedFull.get();
    }

    /** The {@code index}th count in a value; a missing or damaged one counts 0. */
    private static long count(CharSequence value, int index) {
        int from = index * COUNT_DIGITS;
        if (value.length() != COUNT_DIGITS * COUNTS) {
            return 0;
        }
        long count = 0;
        for (int i = from; i < from + COUNT_DIGITS; i++) {
            int digit = Character.digit(value.charAt(i), 16);
            if (digit < 0) {
                return 0;
            }
            count = count << 4 | digit;
        }
        return count;
    }

    private static void putCounts(StringBuilder value, long auctions, long withBid, long charges) {
        value.setLength(COUNT_DIGITS * COUNTS);
        putCount(value, 0, auctions);
        putCount(value, 1, withBid);
        putCount(value, 2, charges);
    }

    private static void putCount(StringBuilder value, int index, long count) {
        for (int i = (index + 1) * COUNT_DIGITS - 1; i >= index * COUNT_DIGITS; i--) {
            value.setCharAt(i, Character.forDigit((int) (count & 0xF), 16));
            count >>>= 4;
        }
    }

    /** Three ASCII letters, upper-cased; else {@link #UNKNOWN_COUNTRY}: no claim of a request reaches the key as is. */
    private static void appendCountry(StringBuilder key, CharSequence country) {
        if (country == null || country.length() != COUNTRY_CHARS) {
            key.append(UNKNOWN_COUNTRY);
            return;
        }
        for (int i = 0; i < COUNTRY_CHARS; i++) {
            char c = Character.toUpperCase(country.charAt(i));
            if (c < 'A' || c > 'Z') {
                key.setLength(key.length() - i);
                key.append(UNKNOWN_COUNTRY);
                return;
            }
            key.append(c);
        }
    }

    @Override
    public void close() {
        opened.close();
    }

    /** A thread's reused key and value. */
    private static final class Scratch {
        final StringBuilder key = new StringBuilder(32);
        final StringBuilder value = new StringBuilder(COUNT_DIGITS * COUNTS);
    }
}
