package dev.merlin.protocol;

/**
 * Boxed numbers and short strings the decoder has produced before, handed out again instead of allocating: a floor
 * of 0.5, a width of 300 (beyond {@link Integer#valueOf}'s -128..127), a currency "USD" or a category "IAB12".
 *
 * <p>Each cache is direct-mapped: a value hashes to one slot, a hit returns the slot's object, a miss creates the
 * object and puts it in the slot (replacing what was there). So memory is bounded by the slot counts whatever the
 * input, and a value that changes on every request costs what it cost without the cache. Boxed values and strings are
 * immutable, so sharing them between requests changes nothing a reader of the model can see.
 *
 * <p>Strings are cached only where the decoder asks for it: fields whose values come from a small vocabulary
 * (currencies, countries, OS names, categories, mime types) and the two ids that repeat from request to request
 * (impression ids, mostly "1", "2", ..., and deal ids, a seller's configured deals); never request, user or device
 * ids, user agents or URLs. Not thread-safe: one per decoder.
 */
final class ValueCache {

    /** Longest string kept, in characters. */
    static final int MAX_STRING_LENGTH = 32;

    private static final int INT_SLOTS = 1024;
    private static final int DOUBLE_SLOTS = 256;
    private static final int STRING_SLOTS = 512;

    private final Integer[] ints = new Integer[INT_SLOTS];
    private final Double[] doubles = new Double[DOUBLE_SLOTS];
    private final String[] strings = new String[STRING_SLOTS];

    Integer box(int value) {
        if (value >= -128 && value <= 127) {
            return Integer.valueOf(value);
        }
        int slot = value & (INT_SLOTS - 1);
        Integer cached = ints[slot];
        if (cached != null && cached == value) {
            return cached;
        }
        Integer boxed = Integer.valueOf(value);
        ints[slot] = boxed;
        return boxed;
    }

    Double box(double value) {
        long bits = Double.doubleToRawLongBits(value);
        int hash = (int) (bits ^ (bits >>> 32));
        int slot = (hash ^ (hash >>> 16)) & (DOUBLE_SLOTS - 1);
        Double cached = doubles[slot];
        if (cached != null && Double.doubleToRawLongBits(cached) == bits) {
            return cached;
        }
        Double boxed = Double.valueOf(value);
        doubles[slot] = boxed;
        return boxed;
    }

    /** The string of {@code length} characters of {@code chars} from {@code offset}: a cached one when short. */
    String text(char[] chars, int offset, int length) {
        if (length > MAX_STRING_LENGTH) {
            return new String(chars, offset, length);
        }
        int hash = 0;
        for (int i = offset; i < offset + length; i++) {
            hash = 31 * hash + chars[i];
        }
        int slot = (hash ^ (hash >>> 16)) & (STRING_SLOTS - 1);
        String cached = strings[slot];
        if (cached != null && sameText(cached, chars, offset, length)) {
            return cached;
        }
        String text = new String(chars, offset, length);
        strings[slot] = text;
        return text;
    }

    private static boolean sameText(String text, char[] chars, int offset, int length) {
        if (text.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (text.charAt(i) != chars[offset + i]) {
                return false;
            }
        }
        return true;
    }
}
