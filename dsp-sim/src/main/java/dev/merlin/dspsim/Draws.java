package dev.merlin.dspsim;

/**
 * The simulator's random numbers: each is a pure function of the seed, the request's arrival number and a slot, so
 * the k-th request a simulator receives meets the same fate in every run with the same seed, whatever thread
 * handles it and without shared mutable state.
 */
final class Draws {

    /** Slot of the draw that picks a fault. */
    static final int FAULT = 0;
    /** Slot of the draw that decides bid or no-bid. */
    static final int BID = 1;
    /** Slots of the two draws a latency uses. */
    static final int LATENCY_A = 2;
    static final int LATENCY_B = 3;
    /** Slot of the draw that decides a gzip answer. */
    static final int GZIP = 4;
    /** First slot of the per-imp price draws (one per imp after it). */
    static final int PRICE = 16;

    private static final double UNIT = 0x1.0p-53;

    private Draws() {
    }

    /** A uniform double in [0, 1) for this seed, request number and slot. */
    static double unit(long seed, long requestNumber, int slot) {
        long x = mix(seed ^ mix(requestNumber * 0x9E3779B97F4A7C15L + slot));
        return (x >>> 11) * UNIT;
    }

    /** SplitMix64's finaliser: a bijective scramble of 64 bits. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
