package dev.merlin.exchange.auction;

import org.agrona.AsciiEncoding;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A bounded write position in an Agrona buffer that writes text as UTF-8: verbatim, JSON-string-escaped, or
 * form-encoded as {@link java.net.URLEncoder} does. Reused: {@link #wrap} points it at a buffer, an offset and a
 * maximum length, and nothing it writes allocates (an {@link org.agrona.ExpandableArrayBuffer} grows only while it is
 * smaller than the longest answer so far).
 *
 * <p>Writing past the maximum length throws {@link Overflow#INSTANCE}, one shared exception without a stack trace:
 * the caller tells it apart by its type and answers that the text did not fit.
 */
final class TextCursor {

    private static final byte[] HEX_LOWER = {
        '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    private static final byte[] HEX_UPPER = {
        '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
    private static final int MICROS_DIGITS = 6;

    /** The text would pass the cursor's maximum length. */
    static final class Overflow extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final Overflow INSTANCE = new Overflow();

        private Overflow() {
            super("the text would pass the buffer's maximum length", null, false, false);
        }
    }

    private MutableDirectBuffer buffer;
    private int position;
    private int limit;
    private boolean isJsonString;

    /**
     * Points the cursor at {@code buffer} from {@code offset}, writing at most {@code maxLength} bytes (less when the
     * buffer is not expandable and ends first); text is JSON-escaped when {@code isJsonString}.
     */
    TextCursor wrap(MutableDirectBuffer buffer, int offset, int maxLength, boolean isJsonString) {
        this.buffer = buffer;
        this.position = offset;
        long end = (long) offset + maxLength;
        this.limit = (int) Math.min(end, buffer.isExpandable() ? Integer.MAX_VALUE - 8 : buffer.capacity());
        this.isJsonString = isJsonString;
        return this;
    }

    /** The buffer written into. */
    MutableDirectBuffer buffer() {
        return buffer;
    }

    /** Where the next byte goes. */
    int position() {
        return position;
    }

    /** Takes back what was written since {@code earlier}, a {@link #position()} read before. */
    TextCursor rewind(int earlier) {
        if (earlier > position) {
            throw new IllegalArgumentException("cannot rewind forward, to " + earlier + " from " + position);
        }
        position = earlier;
        return this;
    }

    private void reserve(int bytes) {
        if (position + bytes > limit) {
            throw Overflow.INSTANCE;
        }
    }

    /** One ASCII character that needs no escaping in any context it is written to. */
    TextCursor ascii(char c) {
        reserve(1);
        buffer.putByte(position++, (byte) c);
        return this;
    }

    /** ASCII text that needs no escaping (JSON syntax, field names, URL parts Merlin chose). */
    TextCursor ascii(String text) {
        int length = text.length();
        reserve(length);
        for (int i = 0; i < length; i++) {
            buffer.putByte(position + i, (byte) text.charAt(i));
        }
        position += length;
        return this;
    }

    /** Bytes already written at {@code from} in {@code source} (text in the same encoding and escaping). */
    TextCursor copy(DirectBuffer source, int from, int length) {
        reserve(length);
        buffer.putBytes(position, source, from, length);
        position += length;
        return this;
    }

    /** {@code text} as UTF-8, JSON-escaped when this cursor writes a JSON string. */
    TextCursor text(CharSequence text) {
        return text(text, 0, text.length());
    }

    /**
     * Characters {@code from} to {@code to} of {@code text} as UTF-8, JSON-escaped when this cursor writes a JSON
     * string: quote, backslash and control characters escaped, the line and paragraph separators U+2028 and U+2029
     * too (JavaScript before ES2019 ends a string at them), a lone surrogate as {@code \\uXXXX} (UTF-8 cannot
     * carry it); verbatim otherwise, a lone surrogate as {@code ?} as {@link String#getBytes} writes it.
     */
    TextCursor text(CharSequence text, int from, int to) {
        int i = from;
        if (text instanceof String string) {
            i = plainRun(string, from, to);
        }
        for (; i < to; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                if (isJsonString && (c < 0x20 || c == '"' || c == '\\')) {
                    escape(c);
                } else {
                    reserve(1);
                    buffer.putByte(position++, (byte) c);
                }
            } else if (c < 0x800) {
                reserve(2);
                buffer.putByte(position++, (byte) (0xc0 | c >> 6));
                buffer.putByte(position++, (byte) (0x80 | c & 0x3f));
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))) {
                codePoint(Character.toCodePoint(c, text.charAt(++i)));
            } else if (Character.isSurrogate(c)) {
                if (isJsonString) {
                    escape(c);
                } else {
                    ascii('?');
                }
            } else if (isJsonString && (c == '\u2028' || c == '\u2029')) {
                escape(c);
            } else {
                reserve(3);
                buffer.putByte(position++, (byte) (0xe0 | c >> 12));
                buffer.putByte(position++, (byte) (0x80 | c >> 6 & 0x3f));
                buffer.putByte(position++, (byte) (0x80 | c & 0x3f));
            }
        }
        return this;
    }

    private void codePoint(int codePoint) {
        reserve(4);
        buffer.putByte(position++, (byte) (0xf0 | codePoint >> 18));
        buffer.putByte(position++, (byte) (0x80 | codePoint >> 12 & 0x3f));
        buffer.putByte(position++, (byte) (0x80 | codePoint >> 6 & 0x3f));
        buffer.putByte(position++, (byte) (0x80 | codePoint & 0x3f));
    }

    /**
     * Writes the run of characters from {@code from} that are printable ASCII needing no escape here, in one bounds
     * check; returns where the run ended (the first character the general loop must look at).
     */
    private int plainRun(String text, int from, int to) {
        int end = from;
        while (end < to) {
            char c = text.charAt(end);
            if (c < 0x20 || c >= 0x80 || isJsonString && (c == '"' || c == '\\')) {
                break;
            }
            end++;
        }
        int length = end - from;
        if (length > 0) {
            reserve(length);
            buffer.putStringWithoutLengthAscii(position, text, from, length);
            position += length;
        }
        return end;
    }

    private void escape(char c) {
        switch (c) {
            case '"': ascii('\\').ascii('"'); return;
            case '\\': ascii('\\').ascii('\\'); return;
            case '\n': ascii('\\').ascii('n'); return;
            case '\r': ascii('\\').ascii('r'); return;
            case '\t': ascii('\\').ascii('t'); return;
            case '\b': ascii('\\').ascii('b'); return;
            case '\f': ascii('\\').ascii('f'); return;
            default:
                reserve(6);
                buffer.putByte(position++, (byte) '\\');
                buffer.putByte(position++, (byte) 'u');
                for (int shift = 12; shift >= 0; shift -= 4) {
                    buffer.putByte(position++, HEX_LOWER[c >> shift & 0xf]);
                }
        }
    }

    /**
     * {@code text} form-encoded as {@link java.net.URLEncoder#encode(String, java.nio.charset.Charset)} writes it in
     * UTF-8: letters, digits and {@code .-*_} as they are, a space as {@code +}, every other byte of the character's
     * UTF-8 form as {@code %XX}; a lone surrogate as {@code ?} ({@code %3F}). The result is ASCII that needs no JSON
     * escaping. Returns the characters written.
     */
    int urlEncoded(CharSequence text) {
        int start = position;
        int length = text.length();
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '.' || c == '-' || c == '*' || c == '_') {
                ascii(c);
            } else if (c == ' ') {
                ascii('+');
            } else if (c < 0x80) {
                percent(c);
            } else if (c < 0x800) {
                percent(0xc0 | c >> 6);
                percent(0x80 | c & 0x3f);
            } else if (Character.isHighSurrogate(c) && i + 1 < length
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                int codePoint = Character.toCodePoint(c, text.charAt(++i));
                percent(0xf0 | codePoint >> 18);
                percent(0x80 | codePoint >> 12 & 0x3f);
                percent(0x80 | codePoint >> 6 & 0x3f);
                percent(0x80 | codePoint & 0x3f);
            } else if (Character.isSurrogate(c)) {
                percent('?');
            } else {
                percent(0xe0 | c >> 12);
                percent(0x80 | c >> 6 & 0x3f);
                percent(0x80 | c & 0x3f);
            }
        }
        return position - start;
    }

    /** Bytes already written (ASCII) form-encoded again, as {@link #urlEncoded} would encode them. */
    int urlEncoded(DirectBuffer source, int from, int length) {
        int start = position;
        for (int i = from; i < from + length; i++) {
            byte b = source.getByte(i);
            if (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
                    || b == '.' || b == '-' || b == '*' || b == '_') {
                ascii((char) b);
            } else if (b == ' ') {
                ascii('+');
            } else {
                percent(b & 0xff);
            }
        }
        return position - start;
    }

    private void percent(int octet) {
        reserve(3);
        buffer.putByte(position++, (byte) '%');
        buffer.putByte(position++, HEX_UPPER[octet >> 4 & 0xf]);
        buffer.putByte(position++, HEX_UPPER[octet & 0xf]);
    }

    /** A whole number in decimal; returns the characters written. */
    int decimal(long value) {
        reserve(value < 0 ? 20 : AsciiEncoding.digitCount(value));
        int written = buffer.putLongAscii(position, value);
        position += written;
        return written;
    }

    /** A whole number, 0 or more, as lower-case hex without leading zeros ({@link Long#toHexString}). */
    TextCursor hex(long value) {
        int digits = Math.max(1, (Long.SIZE - Long.numberOfLeadingZeros(value) + 3) / 4);
        reserve(digits);
        for (int i = digits - 1; i >= 0; i--) {
            buffer.putByte(position++, HEX_LOWER[(int) (value >>> (i * 4)) & 0xf]);
        }
        return this;
    }

    /** Bytes as lower-case hex, two digits each. */
    TextCursor hex(byte[] bytes, int from, int length) {
        reserve(2 * length);
        for (int i = from; i < from + length; i++) {
            buffer.putByte(position++, HEX_LOWER[bytes[i] >> 4 & 0xf]);
            buffer.putByte(position++, HEX_LOWER[bytes[i] & 0xf]);
        }
        return this;
    }

    /**
     * {@code micros} millionths as a plain decimal number (never exponent notation), without trailing zeros after
     * the point: 1,700,000 is {@code 1.7}, 253,731,343 is {@code 253.731343}, 0 is {@code 0}. Returns the characters
     * written.
     */
    int micros(long micros) {
        int start = position;
        if (micros < 0) {
            ascii('-');
            micros = -micros;
        }
        decimal(micros / 1_000_000L);
        long fraction = micros % 1_000_000L;
        if (fraction != 0) {
            int digits = MICROS_DIGITS;
            while (fraction % 10 == 0) {
                fraction /= 10;
                digits--;
            }
            reserve(1 + digits);
            buffer.putByte(position++, (byte) '.');
            for (int i = digits - 1; i >= 0; i--) {
                buffer.putByte(position + i, (byte) ('0' + fraction % 10));
                fraction /= 10;
            }
            position += digits;
        }
        return position - start;
    }
}
