package dev.merlin.exchange.http;

/**
 * The one way Merlin reads a number someone else wrote — a pixel's or an app event's conversion {@code value}, a
 * notice's {@code ${AUCTION_PRICE}}: a plain JSON number, {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}, at
 * most {@link #MAX_CHARS} characters, finite. Everything else {@link Double#parseDouble} would also take — hex
 * ({@code 0x1p3}), a type suffix ({@code 5d}, {@code 1f}), {@code NaN}, {@code Infinity}, surrounding blanks, a
 * leading {@code +} or {@code .}, leading zeros — is not a number, and neither is one too large for a double.
 */
final class DecimalNumbers {

    /** The longest number read: enough for any price or value with its decimals, too short for a slow parse. */
    static final int MAX_CHARS = 32;

    private DecimalNumbers() {
    }

    /** The number {@code text} writes, or NaN when it is not a plain, finite decimal number (or is null). */
    static double parse(String text) {
        if (text == null || !isPlainDecimal(text)) {
            return Double.NaN;
        }
        double value = Double.parseDouble(text);
        return Double.isInfinite(value) ? Double.NaN : value;
    }

    /** Whether {@code text} is a JSON number of at most {@link #MAX_CHARS} characters. */
    static boolean isPlainDecimal(String text) {
        int n = text.length();
        if (n == 0 || n > MAX_CHARS) {
            return false;
        }
        int i = text.charAt(0) == '-' ? 1 : 0;
        if (i == n || !isDigit(text.charAt(i))) {
            return false;
        }
        if (text.charAt(i) == '0') {
            i++;
        } else {
            i = digits(text, i);
        }
        if (i < n && text.charAt(i) == '.') {
            int start = ++i;
            i = digits(text, i);
            if (i == start) {
                return false;
            }
        }
        if (i < n && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
            i++;
            if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
                i++;
            }
            int start = i;
            i = digits(text, i);
            if (i == start) {
                return false;
            }
        }
        return i == n;
    }

    private static int digits(String text, int i) {
        while (i < text.length() && isDigit(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
