package dev.merlin.exchange.auction;

import java.util.Arrays;

/**
 * Bitsets of campaign positions as plain {@code long[]} words: one bit per campaign, ANDed and ORed per request
 * without allocation. All arrays of one index have the same length.
 *
 * <p>Two representations, picked by density: a dense set is one bit per campaign ({@code long[]}); a sparse one
 * (a seat's or an advertiser domain's few campaigns) is its sorted positions ({@code int[]}), 32 bits per member
 * instead of one bit per campaign of the catalogue. The range operations ({@code fromWord} inclusive, {@code toWord}
 * exclusive) let the auction compute its candidates one block of words at a time and stop early.
 */
final class CampaignBits {

    private CampaignBits() {
    }

    static long[] create(int campaigns) {
        return new long[(campaigns + 63) >>> 6];
    }

    static void set(long[] bits, int index) {
        bits[index >>> 6] |= 1L << index;
    }

    static void unset(long[] bits, int index) {
        bits[index >>> 6] &= ~(1L << index);
    }

    static boolean get(long[] bits, int index) {
        return (bits[index >>> 6] & (1L << index)) != 0;
    }

    static void fill(long[] bits, int campaigns) {
        Arrays.fill(bits, -1L);
        int tail = campaigns & 63;
        if (tail != 0) {
            bits[bits.length - 1] = (1L << tail) - 1;
        }
    }

    static void copy(long[] from, long[] to) {
        System.arraycopy(from, 0, to, 0, from.length);
    }

    static void clear(long[] bits) {
        Arrays.fill(bits, 0L);
    }

    /** {@code target &= (values | any)}; {@code values} may be null (no campaign targets this value). */
    static void andValueOrAny(long[] target, long[] values, long[] any) {
        if (values == null) {
            and(target, any);
            return;
        }
        for (int i = 0; i < target.length; i++) {
            target[i] &= values[i] | any[i];
        }
    }

    static void and(long[] target, long[] other) {
        for (int i = 0; i < target.length; i++) {
            target[i] &= other[i];
        }
    }

    static void or(long[] target, long[] other) {
        for (int i = 0; i < target.length; i++) {
            target[i] |= other[i];
        }
    }

    static void andNot(long[] target, long[] other) {
        for (int i = 0; i < target.length; i++) {
            target[i] &= ~other[i];
        }
    }

    static boolean isEmpty(long[] bits) {
        for (long word : bits) {
            if (word != 0) {
                return false;
            }
        }
        return true;
    }

    /** The first set bit at or after {@code from}, or -1. */
    static int next(long[] bits, int from) {
        int word = from >>> 6;
        if (word >= bits.length) {
            return -1;
        }
        long w = bits[word] & (-1L << from);
        while (true) {
            if (w != 0) {
                return (word << 6) + Long.numberOfTrailingZeros(w);
            }
            if (++word == bits.length) {
                return -1;
            }
            w = bits[word];
        }
    }

    static void copy(long[] from, long[] to, int fromWord, int toWord) {
        System.arraycopy(from, fromWord, to, fromWord, toWord - fromWord);
    }

    static void clear(long[] bits, int fromWord, int toWord) {
        Arrays.fill(bits, fromWord, toWord, 0L);
    }

    /** {@code target &= (values | any)} over the words {@code [fromWord, toWord)}; {@code values} may be null. */
    static void andValueOrAny(long[] target, long[] values, long[] any, int fromWord, int toWord) {
        if (values == null) {
            and(target, any, fromWord, toWord);
            return;
        }
        for (int i = fromWord; i < toWord; i++) {
            target[i] &= values[i] | any[i];
        }
    }

    static void and(long[] target, long[] other, int fromWord, int toWord) {
        for (int i = fromWord; i < toWord; i++) {
            target[i] &= other[i];
        }
    }

    static void or(long[] target, long[] other, int fromWord, int toWord) {
        for (int i = fromWord; i < toWord; i++) {
            target[i] |= other[i];
        }
    }

    static void andNot(long[] target, long[] other, int fromWord, int toWord) {
        for (int i = fromWord; i < toWord; i++) {
            target[i] &= ~other[i];
        }
    }

    /** Sets in {@code target} the members of the sparse set {@code members} that fall in {@code [fromWord, toWord)}. */
    static void orSparse(long[] target, int[] members, int fromWord, int toWord) {
        int end = toWord << 6;
        for (int i = lowerBound(members, fromWord << 6); i < members.length && members[i] < end; i++) {
            set(target, members[i]);
        }
    }

    /** Clears in {@code target} the members of the sparse set that fall in {@code [fromWord, toWord)}. */
    static void andNotSparse(long[] target, int[] members, int fromWord, int toWord) {
        int end = toWord << 6;
        for (int i = lowerBound(members, fromWord << 6); i < members.length && members[i] < end; i++) {
            unset(target, members[i]);
        }
    }

    /** Whether the sparse set holds {@code position}. */
    static boolean containsSparse(int[] members, int position) {
        return Arrays.binarySearch(members, position) >= 0;
    }

    /** The first index of {@code members} holding a position {@code >= position}. */
    private static int lowerBound(int[] members, int position) {
        int low = 0;
        int high = members.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (members[mid] < position) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /** The first set bit at or after {@code from} in the words before {@code toWord}, or -1. */
    static int next(long[] bits, int from, int toWord) {
        int word = from >>> 6;
        if (word >= toWord) {
            return -1;
        }
        long w = bits[word] & (-1L << from);
        while (true) {
            if (w != 0) {
                return (word << 6) + Long.numberOfTrailingZeros(w);
            }
            if (++word == toWord) {
                return -1;
            }
            w = bits[word];
        }
    }

    /** True when none of the words {@code [fromWord, toWord)} has a bit set. */
    static boolean isEmpty(long[] bits, int fromWord, int toWord) {
        for (int i = fromWord; i < toWord; i++) {
            if (bits[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
