package dev.merlin.exchange.segments;

import java.nio.charset.StandardCharsets;

/**
 * Parses one line of a segment file, {@code user-key,segment,ttlSeconds}, from bytes without allocating.
 *
 * <p>Blank lines and lines starting with {@code #} are skipped; spaces around fields are ignored. The
 * parsed fields stay in this object until the next call. Keys are UTF-8; an all-ASCII key (the usual
 * IFA or UUID) is copied without decoding.
 */
final class SegmentLineParser {

    /** The line holds a record; read {@link #userKey}, {@link #segmentId} and {@link #ttlSeconds}. */
    static final int RECORD = 0;
    /** A blank or comment line. */
    static final int SKIP = 1;
    /** A malformed line; {@link #error} says why. */
    static final int ERROR = 2;

    final StringBuilder userKey = new StringBuilder(64);
    int segmentId;
    long ttlSeconds;
    String error;

    private final int maxKeyChars;

    SegmentLineParser(int maxKeyChars) {
        this.maxKeyChars = maxKeyChars;
    }

    /** Parses {@code line[start, end)}, without the line terminator (a trailing {@code \r} is tolerated). */
    int parse(byte[] line, int start, int end) {
        error = null;
        if (end > start && line[end - 1] == '\r') {
            end--;
        }
        int from = skipSpaces(line, start, end);
        if (from == end || line[from] == '#') {
            return SKIP;
        }
        int firstComma = indexOf(line, from, end, (byte) ',');
        int secondComma = firstComma < 0 ? -1 : indexOf(line, firstComma + 1, end, (byte) ',');
        if (secondComma < 0 || indexOf(line, secondComma + 1, end, (byte) ',') >= 0) {
            return fail("expected 3 fields: user-key,segment,ttlSeconds");
        }
        int keyEnd = trimEnd(line, from, firstComma);
        if (keyEnd == from) {
            return fail("empty user key");
        }
        if (!copyKey(line, from, keyEnd)) {
            return ERROR;
        }
        long segment = parseLong(line, skipSpaces(line, firstComma + 1, secondComma),
                trimEnd(line, firstComma + 1, secondComma));
        if (segment == Long.MIN_VALUE || segment < Integer.MIN_VALUE || segment > Integer.MAX_VALUE) {
            return fail("segment is not an int");
        }
        long ttl = parseLong(line, skipSpaces(line, secondComma + 1, end), trimEnd(line, secondComma + 1, end));
        if (ttl == Long.MIN_VALUE || ttl <= 0) {
            return fail("ttlSeconds is not a positive integer");
        }
        segmentId = (int) segment;
        ttlSeconds = ttl;
        return RECORD;
    }

    /** Parses a line given as text (tests and tools). */
    int parse(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        return parse(bytes, 0, bytes.length);
    }

    private boolean copyKey(byte[] line, int from, int to) {
        userKey.setLength(0);
        boolean ascii = true;
        for (int i = from; i < to; i++) {
            if (line[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            for (int i = from; i < to; i++) {
                userKey.append((char) line[i]);
            }
        } else {
            userKey.append(new String(line, from, to - from, StandardCharsets.UTF_8));
        }
        if (userKey.length() > maxKeyChars) {
            fail("user key longer than " + maxKeyChars + " chars");
            return false;
        }
        return true;
    }

    private int fail(String reason) {
        error = reason;
        return ERROR;
    }

    /** Decimal with optional sign; {@code Long.MIN_VALUE} when empty, not a number or overflowing. */
    private static long parseLong(byte[] b, int from, int to) {
        if (from >= to) {
            return Long.MIN_VALUE;
        }
        boolean negative = b[from] == '-';
        int i = negative || b[from] == '+' ? from + 1 : from;
        if (i == to || to - i > 18) {
            return Long.MIN_VALUE;
        }
        long value = 0;
        for (; i < to; i++) {
            int digit = b[i] - '0';
            if (digit < 0 || digit > 9) {
                return Long.MIN_VALUE;
            }
            value = value * 10 + digit;
        }
        return negative ? -value : value;
    }

    private static int indexOf(byte[] b, int from, int to, byte wanted) {
        for (int i = from; i < to; i++) {
            if (b[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    private static int skipSpaces(byte[] b, int from, int to) {
        while (from < to && (b[from] == ' ' || b[from] == '\t')) {
            from++;
        }
        return from;
    }

    private static int trimEnd(byte[] b, int from, int to) {
        while (to > from && (b[to - 1] == ' ' || b[to - 1] == '\t')) {
            to--;
        }
        return to;
    }
}
