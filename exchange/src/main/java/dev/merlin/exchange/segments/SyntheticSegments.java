package dev.merlin.exchange.segments;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Deterministic synthetic users for demos and benchmarks: UUID-shaped keys and a few segments each.
 *
 * <p>User {@code i}'s key, segments and TTLs depend only on {@code i}, so a benchmark can look up the
 * users a generated file loaded without reading the file. Keys come from a bijective 64-bit mix of the
 * index (an odd multiple, then splitmix64's finalizer), so distinct indexes give distinct keys.
 */
public final class SyntheticSegments {

    /** Generated segment ids are drawn from {@code 1..SEGMENT_ID_RANGE}. */
    public static final int SEGMENT_ID_RANGE = 1000;
    /** Shortest generated TTL: one day. */
    public static final long MIN_TTL_SECONDS = 86_400L;
    /** Longest generated TTL: thirty days. */
    public static final long MAX_TTL_SECONDS = 30 * 86_400L;
    /** Length of a generated key. */
    public static final int KEY_CHARS = 36;

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final long GOLDEN = 0x9E37_79B9_7F4A_7C15L;

    private SyntheticSegments() {
    }

    /** The key of user {@code index}, e.g. {@code 8c2b1f0e-3d4a-9b7c-51e2-a0f4c3d2b1e0}. */
    public static String userKey(long index) {
        StringBuilder sb = new StringBuilder(KEY_CHARS);
        appendUserKey(index, sb);
        return sb.toString();
    }

    /** Appends the key of user {@code index} to {@code into} without allocating. */
    public static void appendUserKey(long index, StringBuilder into) {
        long hi = mix((index + 1) * GOLDEN);
        long lo = mix(hi ^ GOLDEN);
        appendHex(hi, 60, 8, into);
        into.append('-');
        appendHex(hi, 28, 4, into);
        into.append('-');
        appendHex(hi, 12, 4, into);
        into.append('-');
        appendHex(lo, 60, 4, into);
        into.append('-');
        appendHex(lo, 44, 12, into);
    }

    /**
     * Fills the first {@code count} slots with user {@code index}'s distinct segment ids and TTLs.
     * {@code count} must not exceed {@link #SEGMENT_ID_RANGE}.
     */
    public static void segmentsOf(long index, int count, int[] segmentIds, long[] ttlSeconds) {
        long state = mix(index + 0x5EED_5EEDL);
        for (int i = 0; i < count; i++) {
            int id;
            boolean duplicate;
            do {
                state += GOLDEN;
                id = 1 + (int) Long.remainderUnsigned(mix(state), SEGMENT_ID_RANGE);
                duplicate = false;
                for (int j = 0; j < i; j++) {
                    duplicate |= segmentIds[j] == id;
                }
            } while (duplicate);
            state += GOLDEN;
            segmentIds[i] = id;
            ttlSeconds[i] = MIN_TTL_SECONDS
                    + Long.remainderUnsigned(mix(state), MAX_TTL_SECONDS - MIN_TTL_SECONDS + 1);
        }
    }

    /**
     * Writes {@code users} users with {@code segmentsPerUser} lines each to {@code file}.
     *
     * @return the number of bytes written
     */
    public static long writeFile(Path file, long users, int segmentsPerUser, ProgressListener progress)
            throws IOException {
        if (users < 0 || segmentsPerUser < 1 || segmentsPerUser > SEGMENT_ID_RANGE) {
            throw new IllegalArgumentException("users >= 0 and 1 <= segmentsPerUser <= " + SEGMENT_ID_RANGE);
        }
        int[] ids = new int[segmentsPerUser];
        long[] ttls = new long[segmentsPerUser];
        StringBuilder key = new StringBuilder(KEY_CHARS);
        byte[] line = new byte[KEY_CHARS + 32];
        long written = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            byte[] header = ("# merlin synthetic segments: " + users + " users x " + segmentsPerUser
                    + " segments\n# user-key,segment,ttlSeconds\n").getBytes(StandardCharsets.US_ASCII);
            out.write(header);
            written += header.length;
            for (long u = 0; u < users; u++) {
                key.setLength(0);
                appendUserKey(u, key);
                segmentsOf(u, segmentsPerUser, ids, ttls);
                for (int s = 0; s < segmentsPerUser; s++) {
                    int n = 0;
                    for (int c = 0; c < KEY_CHARS; c++) {
                        line[n++] = (byte) key.charAt(c);
                    }
                    line[n++] = ',';
                    n = writeDecimal(ids[s], line, n);
                    line[n++] = ',';
                    n = writeDecimal(ttls[s], line, n);
                    line[n++] = '\n';
                    out.write(line, 0, n);
                    written += n;
                }
                if ((u & 0xFFFF) == 0) {
                    progress.onProgress(u, users);
                }
            }
        }
        progress.onProgress(users, users);
        return written;
    }

    /** Told how many users have been written so far. */
    @FunctionalInterface
    public interface ProgressListener {
        /** Called every few thousand users and once at the end. */
        void onProgress(long usersWritten, long usersTotal);
    }

    /** splitmix64's finalizer: a bijection on 64-bit values with good avalanche. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    private static void appendHex(long value, int topShift, int digits, StringBuilder into) {
        for (int i = 0; i < digits; i++) {
            into.append(HEX[(int) (value >>> (topShift - 4 * i)) & 0xF]);
        }
    }

    private static int writeDecimal(long value, byte[] into, int at) {
        if (value == 0) {
            into[at] = '0';
            return at + 1;
        }
        int digits = 0;
        for (long v = value; v > 0; v /= 10) {
            digits++;
        }
        int end = at + digits;
        for (int i = end - 1; i >= at; i--) {
            into[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return end;
    }
}
