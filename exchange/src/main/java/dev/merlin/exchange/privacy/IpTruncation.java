package dev.merlin.exchange.privacy;

/**
 * Truncates IP addresses for outbound requests that may not carry personal data: IPv4 to its /24 (last octet 0),
 * IPv6 to its /56 (the rest zero), written in canonical form (RFC 5952: lower case, no leading zeros, the longest run
 * of two or more zero groups as {@code ::}). An IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) is truncated as the
 * IPv4 address it is, since its /56 would be all zeros.
 *
 * <p>Parsing is strict: anything that is not a plain address (leading zeros in an IPv4 octet, a zone id, a port,
 * spaces, a second {@code ::}) is malformed, and a malformed address is dropped by the caller, never passed on.
 * Writes into a caller's {@code char[]}: allocation-free. Not thread-safe (keeps its group scratch).
 */
final class IpTruncation {

    /** The longest text either method writes ({@code ffff:ffff:ffff:ff00::} or {@code ::ffff:255.255.255.0}). */
    static final int MAX_CHARS = 24;

    private static final int GROUPS = 8;

    private final int[] groups = new int[GROUPS];
    private final int[] tailGroups = new int[GROUPS];
    private final int[] octets = new int[4];

    /** Writes the /24 of the IPv4 address {@code ip} into {@code out}: its length, -1 when {@code ip} is malformed. */
    int truncateIpv4(String ip, char[] out) {
        if (ip == null || !parseIpv4(ip, 0, ip.length(), octets)) {
            return -1;
        }
        return writeIpv4(octets[0], octets[1], octets[2], out, 0);
    }

    /** Writes the /56 of the IPv6 address {@code ip} into {@code out}: its length, -1 when {@code ip} is malformed. */
    int truncateIpv6(String ip, char[] out) {
        if (ip == null || ip.length() < 2 || ip.length() > 45 || !parseIpv6(ip)) {
            return -1;
        }
        int[] g = groups;
        if (g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff) {
            int pos = 0;
            out[pos++] = ':';
            out[pos++] = ':';
            pos = writeHex(0xffff, out, pos);
            out[pos++] = ':';
            return writeIpv4(g[6] >>> 8, g[6] & 0xff, g[7] >>> 8, out, pos);
        }
        g[3] &= 0xff00;
        g[4] = 0;
        g[5] = 0;
        g[6] = 0;
        g[7] = 0;
        return writeIpv6(g, out);
    }

    private static boolean parseIpv4(String s, int from, int to, int[] into) {
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                if (digits > 0 && value == 0) {
                    return false;
                }
                value = value * 10 + (c - '0');
                digits++;
                if (digits > 3 || value > 255) {
                    return false;
                }
            } else if (c == '.') {
                if (digits == 0 || part == 3) {
                    return false;
                }
                into[part++] = value;
                value = 0;
                digits = 0;
            } else {
                return false;
            }
        }
        if (digits == 0 || part != 3) {
            return false;
        }
        into[3] = value;
        return true;
    }

    private boolean parseIpv6(String s) {
        int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            return false;
        }
        int[] g = groups;
        if (gap < 0) {
            return parseGroups(s, 0, s.length(), g, 0, true) == GROUPS;
        }
        int head = gap == 0 ? 0 : parseGroups(s, 0, gap, g, 0, false);
        if (head < 0) {
            return false;
        }
        int tail = gap + 2 == s.length() ? 0 : parseGroups(s, gap + 2, s.length(), tailGroups, 0, true);
        if (tail < 0 || head + tail > GROUPS - 1) {
            return false;
        }
        for (int i = head; i < GROUPS - tail; i++) {
            g[i] = 0;
        }
        System.arraycopy(tailGroups, 0, g, GROUPS - tail, tail);
        return true;
    }

    /**
     * Parses colon-separated groups of 1-4 hex digits from {@code s[from, to)} into {@code into}, the last may be a
     * dotted IPv4 address (two groups) when {@code ipv4Last}; the number of groups, or -1 when malformed.
     */
    private int parseGroups(String s, int from, int to, int[] into, int at, boolean ipv4Last) {
        int count = at;
        int start = from;
        while (true) {
            int end = s.indexOf(':', start);
            if (end < 0 || end > to) {
                end = to;
            }
            if (end == start || count >= GROUPS) {
                return -1;
            }
            if (end == to && ipv4Last && s.indexOf('.', start) >= 0 && s.indexOf('.', start) < to) {
                if (count > GROUPS - 2 || !parseIpv4(s, start, end, octets)) {
                    return -1;
                }
                into[count++] = octets[0] << 8 | octets[1];
                into[count++] = octets[2] << 8 | octets[3];
                return count;
            }
            if (end - start > 4) {
                return -1;
            }
            int value = 0;
            for (int i = start; i < end; i++) {
                int digit = Character.digit(s.charAt(i), 16);
                if (digit < 0 || s.charAt(i) > 'f') {
                    return -1;
                }
                value = value << 4 | digit;
            }
            into[count++] = value;
            if (end == to) {
                return count;
            }
            start = end + 1;
        }
    }

    private static int writeIpv6(int[] g, char[] out) {
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < GROUPS; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < GROUPS && g[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        int pos = 0;
        for (int i = 0; i < GROUPS; i++) {
            if (i == bestStart) {
                out[pos++] = ':';
                out[pos++] = ':';
                i += bestLength - 1;
                continue;
            }
            if (i > 0 && i != bestStart + bestLength) {
                out[pos++] = ':';
            }
            pos = writeHex(g[i], out, pos);
        }
        return pos;
    }

    private static int writeHex(int value, char[] out, int pos) {
        boolean started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int digit = value >>> shift & 0xf;
            if (digit != 0 || started || shift == 0) {
                out[pos++] = Character.forDigit(digit, 16);
                started = true;
            }
        }
        return pos;
    }

    private static int writeIpv4(int a, int b, int c, char[] out, int pos) {
        pos = writeDecimal(a, out, pos);
        out[pos++] = '.';
        pos = writeDecimal(b, out, pos);
        out[pos++] = '.';
        pos = writeDecimal(c, out, pos);
        out[pos++] = '.';
        out[pos++] = '0';
        return pos;
    }

    private static int writeDecimal(int value, char[] out, int pos) {
        if (value >= 100) {
            out[pos++] = (char) ('0' + value / 100);
        }
        if (value >= 10) {
            out[pos++] = (char) ('0' + value / 10 % 10);
        }
        out[pos++] = (char) ('0' + value % 10);
        return pos;
    }
}
