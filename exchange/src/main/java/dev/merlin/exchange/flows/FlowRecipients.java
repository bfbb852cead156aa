package dev.merlin.exchange.flows;

import dev.merlin.exchange.store.ChronicleMapFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.values.Values;

/**
 * Which companies received a user's personal data: per user hash, up to {@link #MAX_RECIPIENTS} DSPs, each with
 * the union of the data categories it got and the first and last time, in a persisted Chronicle Map
 * ({@code flow-recipients.cm3}). A flow that carried no personal data is not recorded here (the aggregate counts it).
 * A user who reached more DSPs keeps the first {@link #MAX_RECIPIENTS}; the record is marked truncated, and an
 * erasure of a truncated user calls every DSP with a deletion endpoint, so none is missed.
 *
 * <p>Value, text, fixed-width lower-case hex so it is read and rewritten in place without allocating:
 * <pre>
 * flags (1 char: '-', or 'T' truncated: a DSP beyond the last slot received data too)
 * then per DSP, 34 chars: DSP key (16) | categories (2) | first, epoch s (8) | last, epoch s (8)
 * e.g. -9f2c...e1 05 6929a6a0 6929a6dc   (without the spaces)
 * </pre>
 * The DSP key is a 64-bit hash of the DSP's id (stable across a restart that reorders the DSPs).
 *
 * <p>Recording reuses a per-thread key and text value: no allocation on an event loop.
 */
public final class FlowRecipients implements AutoCloseable {

    /** DSPs kept per user. */
    public static final int MAX_RECIPIENTS = 32;

    static final String FILE = "flow-recipients.cm3";
    private static final int HEADER = 1;
    private static final int SLOT = 34;
    private static final char TRUNCATED = 'T';
    private static final char COMPLETE = '-';
    private static final int CATEGORIES_AT = 16;
    private static final int FIRST_AT = 18;
    private static final int LAST_AT = 26;

    /** One company that received the user's data. */
    public record Recipient(long dspKey, int categories, long firstEpochSeconds, long lastEpochSeconds) {
    }

    /** What is held about one user: its recipients, and whether more received data than could be kept. */
    public record Held(List<Recipient> recipients, boolean isTruncated) {

        /** Nothing held. */
        public static final Held NONE = new Held(List.of(), false);
    }

    private final ChronicleMapFiles.Opened<LongValue, CharSequence> opened;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
    private final AtomicLong refusedFull = new AtomicLong();

    /** Opens {@code dataDir/flow-recipients.cm3}, sized for {@code users} users. */
    public FlowRecipients(Path dataDir, long users) {
        this.opened = ChronicleMapFiles.open(dataDir, FILE, ChronicleMap.of(LongValue.class, CharSequence.class)
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
        try (ExternalMapQueryContext<LongValue, CharSequence, ?> context = opened.map().queryContext(s.key)) {
            context.updateLock().lock();
            MapEntry<LongValue, CharSequence> entry = context.entry();
            StringBuilder value = s.value;
            value.setLength(0);
            if (entry != null) {
                entry.value().getUsing(value);
            }
            if (!isWellFormed(value)) {
                value.setLength(0);
                value.append(COMPLETE);
            }
            int count = (value.length() - HEADER) / SLOT;
            for (int d = 0; d < categoriesByDsp.length; d++) {
                if (categoriesByDsp[d] != 0) {
                    count = add(value, count, dspKeys[d], categoriesByDsp[d], epochSeconds);
                }
            }
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

    /** Adds one DSP's flow to the value; returns the new slot count. */
    private static int add(StringBuilder value, int count, long dspKey, int categories, long epochSeconds) {
        for (int i = 0; i < count; i++) {
            int at = HEADER + i * SLOT;
            if (hex(value, at, 16) == dspKey) {
                putHex(value, at + CATEGORIES_AT, 2, hex(value, at + CATEGORIES_AT, 2) | categories);
                putHex(value, at + LAST_AT, 8, epochSeconds);
                return count;
            }
        }
        if (count == MAX_RECIPIENTS) {
            value.setCharAt(0, TRUNCATED);
            return count;
        }
        int at = value.length();
        value.setLength(at + SLOT);
        putHex(value, at, 16, dspKey);
        putHex(value, at + CATEGORIES_AT, 2, categories & 0xFF);
        putHex(value, at + FIRST_AT, 8, epochSeconds);
        putHex(value, at + LAST_AT, 8, epochSeconds);
        return count + 1;
    }

    private static boolean isWellFormed(CharSequence value) {
        int length = value.length();
        if (length < HEADER || (length - HEADER) % SLOT != 0 || (length - HEADER) / SLOT > MAX_RECIPIENTS) {
            return false;
        }
        char flags = value.charAt(0);
        if (flags != COMPLETE && flags != TRUNCATED) {
            return false;
        }
        for (int i = HEADER; i < length; i++) {
            if (Character.digit(value.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static long hex(CharSequence text, int at, int digits) {
        long v = 0;
        for (int i = 0; i < digits; i++) {
            v = v << 4 | Character.digit(text.charAt(at + i), 16);
        }
        return v;
    }

    private static void putHex(StringBuilder text, int at, int digits, long v) {
        for (int i = digits - 1; i >= 0; i--) {
            text.setCharAt(at + i, Character.forDigit((int) (v & 0xF), 16));
            v >>>= 4;
        }
    }

    /** What is held about the user; {@link Held#NONE} when nothing is. */
    public Held read(long userHash) {
        LongValue key = Values.newHeapInstance(LongValue.class);
        key.setValue(userHash);
        CharSequence value = opened.map().get(key);
        return value == null ? Held.NONE : decode(value);
    }

    /** Forgets the user (erasure) and returns what was held. */
    public Held remove(long userHash) {
        LongValue key = Values.newHeapInstance(LongValue.class);
        key.setValue(userHash);
        CharSequence value = opened.map().remove(key);
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

    private static Held decode(CharSequence value) {
        if (!isWellFormed(value)) {
            return Held.NONE;
        }
        int count = (value.length() - HEADER) / SLOT;
        List<Recipient> recipients = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int at = HEADER + i * SLOT;
            recipients.add(new Recipient(hex(value, at, 16), (int) hex(value, at + CATEGORIES_AT, 2),
                    hex(value, at + FIRST_AT, 8), hex(value, at + LAST_AT, 8)));
        }
        return new Held(List.copyOf(recipients), value.charAt(0) == TRUNCATED);
    }

    @Override
    public void close() {
        opened.close();
    }

    /** A thread's reused key and value text. */
    private static final class Scratch {
        final LongValue key = Values.newHeapInstance(LongValue.class);
        final StringBuilder value = new StringBuilder(HEADER + MAX_RECIPIENTS * SLOT);
    }
}
