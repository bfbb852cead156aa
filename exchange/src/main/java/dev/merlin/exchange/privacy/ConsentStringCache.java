package dev.merlin.exchange.privacy;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * A bounded, lock-free cache from a raw consent string (TCF or GPP) to what decoding it concluded, so that the bid
 * path decodes a string once rather than per request.
 *
 * <p>Direct-mapped: a string can only live in the slot its hash picks, and a newcomer simply replaces whoever was
 * there. That bounds memory at {@code slots} entries without a global clear (no miss storm when full), costs no lock,
 * and a hit allocates nothing. Slots are plain array elements written without fences: {@link Entry}'s fields are
 * final, so a reader sees a complete entry or a previous one, and the worst a race can do is decode a string twice.
 *
 * <pre>
 *   slots[hash(key) &amp; mask] ──► Entry { key: "CQueRSe…", value: outcome }
 * </pre>
 */
final class ConsentStringCache<V> {

    /** Longer strings are decoded every time rather than pinning a large key in the cache. */
    static final int MAX_CACHED_KEY_CHARS = 4_096;

    private final Entry<V>[] slots;
    private final int mask;
    private final Function<String, V> decoder;
    private final LongAdder decodes = new LongAdder();

    @SuppressWarnings("unchecked")
    ConsentStringCache(int slots, Function<String, V> decoder) {
        if (slots < 1 || Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("cache slots must be a power of two, was " + slots);
        }
        this.slots = (Entry<V>[]) new Entry<?>[slots];
        this.mask = slots - 1;
        this.decoder = decoder;
    }

    /** The outcome for {@code key}, decoding it on a miss. */
    V get(String key) {
        int index = index(key);
        Entry<V> entry = slots[index];
        if (entry != null && entry.key.equals(key)) {
            return entry.value;
        }
        decodes.increment();
        V value = decoder.apply(key);
        if (key.length() <= MAX_CACHED_KEY_CHARS) {
            slots[index] = new Entry<>(key, value);
        }
        return value;
    }

    /** How many strings were decoded (cache misses) since start. */
    long decodes() {
        return decodes.sum();
    }

    private int index(String key) {
        int h = key.hashCode();
        return (h ^ (h >>> 16)) & mask;
    }

    private static final class Entry<V> {
        final String key;
        final V value;

        Entry(String key, V value) {
            this.key = key;
            this.value = value;
        }
    }
}
