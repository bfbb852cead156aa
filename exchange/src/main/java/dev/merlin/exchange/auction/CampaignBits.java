package dev.merlin.exchange.auction;

import java.util.Arrays;

/**
 * Bitsets of campaign indexes as plain {@code long[]} words: one bit per campaign, ANDed and ORed per request
 * without allocation. All arrays of one index have the same length.
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
}
