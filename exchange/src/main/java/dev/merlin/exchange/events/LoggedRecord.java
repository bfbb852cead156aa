package dev.merlin.exchange.events;

import static dev.merlin.exchange.events.EventFormat.BODY_HEADER_LENGTH;
import static dev.merlin.exchange.events.EventFormat.FIELD_COUNT_OFFSET;
import static dev.merlin.exchange.events.EventFormat.KIND_LONG;
import static dev.merlin.exchange.events.EventFormat.KIND_NULL;
import static dev.merlin.exchange.events.EventFormat.KIND_STRING;
import static dev.merlin.exchange.events.EventFormat.MILLIS_OFFSET;
import static dev.merlin.exchange.events.EventFormat.TYPE_OFFSET;

import dev.merlin.exchange.events.EventLogTailer.Position;
import dev.merlin.protocol.JsonText;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;

/**
 * One whole, checked record of the event log as an {@link EventLogTailer} hands it out: a view of the bytes it read,
 * reused for the next record, so that a reader that only forwards records (the Kafka events agent) builds no
 * {@link Event}, no map and no string per record.
 *
 * <p>{@link #json()} writes the same bytes as {@code event().toJson().getBytes(UTF_8)}, straight from the record:
 * ASCII text is escaped byte by byte; a record that needs characters (a non-ASCII string, whose U+2028 and U+2029
 * are escaped, or malformed UTF-8, which decodes to U+FFFD), a non-ASCII field name, a field named twice (the
 * event keeps its first place and last value) or a time outside years 1970-9999 takes the {@link Event} path for
 * that part or record. Not thread-safe: one per reader.
 */
public final class LoggedRecord {

    /** Time of day, from the start of the day in milliseconds: {@code HH:mm:ss.SSS}. */
    private static final int TIME_OF_DAY_LENGTH = 12;
    private static final long MILLIS_PER_DAY = 86_400_000L;
    /** 10000-01-01T00:00:00Z: four-digit years end here. */
    private static final long YEAR_10000_MILLIS = 253_402_300_800_000L;
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private byte[] bytes;
    private ByteBuffer buffer;
    private int at;
    private int length;
    private String file;
    private long offset;
    private long nextOffset;
    private EventType type;
    private int fieldCount;

    private byte[] out = new byte[512];
    private int size;
    private int[] nameAt = new int[16];
    private long datedDay = Long.MIN_VALUE;
    private final byte[] date = new byte[11];
    private final StringBuilder text = new StringBuilder();

    /**
     * Points this view at the body of {@code length} bytes at {@code at} (in {@code bytes}, read through
     * {@code buffer}), found in {@code file} at {@code offset}; throws {@link IllegalStateException} when the body
     * does not follow the layout (as {@link EventLogReader#decode} does), leaving nothing of it taken.
     */
    void point(byte[] bytes, ByteBuffer buffer, int at, int length, String file, long offset, long nextOffset) {
        EventType checked = check(buffer, at, length);
        this.bytes = bytes;
        this.buffer = buffer;
        this.at = at;
        this.length = length;
        this.file = file;
        this.offset = offset;
        this.nextOffset = nextOffset;
        this.type = checked;
        this.fieldCount = buffer.get(at + FIELD_COUNT_OFFSET) & 0xFF;
    }

    /** The record's type. */
    public EventType type() {
        return type;
    }

    /** The log file the record is in. */
    public String file() {
        return file;
    }

    /** Where the record starts in its file. */
    public long offset() {
        return offset;
    }

    /** Where the record starts. */
    public Position at() {
        return new Position(file, offset);
    }

    /** Where the next record starts. */
    public Position next() {
        return new Position(file, nextOffset);
    }

    /** The record decoded: its fields in a map (allocates; for records that need their fields). */
    public Event event() {
        return EventLogReader.decode(bytes, buffer, at, length);
    }

    /**
     * The US-ASCII bytes of the text field {@code name} (as {@code event().string(name)} encoded so), or null when
     * the record has no such field or its value is not text.
     */
    public byte[] asciiField(String name) {
        int p = at + BODY_HEADER_LENGTH;
        int valueAt = -1;
        int valueLength = 0;
        for (int i = 0; i < fieldCount; i++) {
            byte kind = buffer.get(p);
            int nameLength = buffer.get(p + 1) & 0xFF;
            boolean isName = isName(p + 2, nameLength, name);
            p += 2 + nameLength;
            if (isName) {
                valueAt = -1; // the last field of that name is the event's
            }
            if (kind == KIND_LONG) {
                p += Long.BYTES;
            } else if (kind == KIND_STRING) {
                int n = buffer.getShort(p) & 0xFFFF;
                if (isName) {
                    valueAt = p + Short.BYTES;
                    valueLength = n;
                }
                p += Short.BYTES + n;
            }
        }
        if (valueAt < 0) {
            return null;
        }
        for (int i = valueAt; i < valueAt + valueLength; i++) {
            if (bytes[i] < 0) {
                return new String(bytes, valueAt, valueLength, StandardCharsets.UTF_8)
                        .getBytes(StandardCharsets.US_ASCII);
            }
        }
        return Arrays.copyOfRange(bytes, valueAt, valueAt + valueLength);
    }

    /** The event as one line of JSON in UTF-8: the bytes of {@code event().toJson()}. */
    public byte[] json() {
        if (!hasPlainNames()) {
            return event().toJson().getBytes(StandardCharsets.UTF_8);
        }
        long millis = buffer.getLong(at + MILLIS_OFFSET);
        size = 0;
        ascii("{\"type\":\"");
        ascii(type.name());
        ascii("\",\"time\":\"");
        if (millis >= 0 && millis < YEAR_10000_MILLIS) {
            time(millis);
        } else {
            ascii(Event.TIME.format(Instant.ofEpochMilli(millis)));
        }
        put((byte) '"');
        int p = at + BODY_HEADER_LENGTH;
        for (int i = 0; i < fieldCount; i++) {
            byte kind = buffer.get(p);
            int nameLength = buffer.get(p + 1) & 0xFF;
            ascii(",\"");
            copy(p + 2, nameLength);
            ascii("\":");
            p += 2 + nameLength;
            if (kind == KIND_LONG) {
                ascii(Long.toString(buffer.getLong(p)));
                p += Long.BYTES;
            } else if (kind == KIND_STRING) {
                int n = buffer.getShort(p) & 0xFFFF;
                string(p + Short.BYTES, n);
                p += Short.BYTES + n;
            } else {
                ascii("null");
            }
        }
        put((byte) '}');
        return Arrays.copyOf(out, size);
    }

    /** Whether every field name is ASCII and none comes twice (else the map an event is has another shape). */
    private boolean hasPlainNames() {
        if (nameAt.length < fieldCount) {
            nameAt = new int[fieldCount];
        }
        int p = at + BODY_HEADER_LENGTH;
        for (int i = 0; i < fieldCount; i++) {
            byte kind = buffer.get(p);
            int nameLength = buffer.get(p + 1) & 0xFF;
            for (int j = p + 2; j < p + 2 + nameLength; j++) {
                if (bytes[j] < 0) {
                    return false;
                }
            }
            for (int k = 0; k < i; k++) {
                int other = nameAt[k];
                int otherLength = buffer.get(other - 1) & 0xFF;
                if (Arrays.equals(bytes, other, other + otherLength, bytes, p + 2, p + 2 + nameLength)) {
                    return false;
                }
            }
            nameAt[i] = p + 2;
            p += 2 + nameLength;
            if (kind == KIND_LONG) {
                p += Long.BYTES;
            } else if (kind == KIND_STRING) {
                p += Short.BYTES + (buffer.getShort(p) & 0xFFFF);
            }
        }
        return true;
    }

    private boolean isName(int p, int nameLength, String name) {
        if (nameLength != name.length()) {
            return false;
        }
        for (int i = 0; i < nameLength; i++) {
            if (bytes[p + i] != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** {@code uuuu-MM-dd'T'HH:mm:ss.SSS}, the date worked out once a day. */
    private void time(long millis) {
        long day = millis / MILLIS_PER_DAY;
        if (day != datedDay) {
            byte[] text = (LocalDate.ofEpochDay(day) + "T").getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(text, 0, date, 0, date.length);
            datedDay = day;
        }
        reserve(date.length + TIME_OF_DAY_LENGTH);
        System.arraycopy(date, 0, out, size, date.length);
        size += date.length;
        int ofDay = (int) (millis - day * MILLIS_PER_DAY);
        two(ofDay / 3_600_000);
        out[size++] = ':';
        two(ofDay / 60_000 % 60);
        out[size++] = ':';
        two(ofDay / 1_000 % 60);
        out[size++] = '.';
        int milli = ofDay % 1_000;
        out[size++] = (byte) ('0' + milli / 100);
        two(milli % 100);
        out[size++] = 'Z';
    }

    private void two(int value) {
        out[size++] = (byte) ('0' + value / 10);
        out[size++] = (byte) ('0' + value % 10);
    }

    /** A JSON string as {@link JsonText#appendString} writes it, in UTF-8. */
    private void string(int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (bytes[i] < 0) {
                text.setLength(0);
                JsonText.appendString(text, new String(bytes, from, n, StandardCharsets.UTF_8));
                byte[] encoded = text.toString().getBytes(StandardCharsets.UTF_8);
                reserve(encoded.length);
                System.arraycopy(encoded, 0, out, size, encoded.length);
                size += encoded.length;
                return;
            }
        }
        reserve(n * 6 + 2);
        out[size++] = '"';
        for (int i = from; i < from + n; i++) {
            byte b = bytes[i];
            switch (b) {
                case '"' -> escape('"');
                case '\\' -> escape('\\');
                case '\n' -> escape('n');
                case '\r' -> escape('r');
                case '\t' -> escape('t');
                default -> {
                    if (b < 0x20) {
                        out[size++] = '\\';
                        out[size++] = 'u';
                        out[size++] = '0';
                        out[size++] = '0';
                        out[size++] = HEX[b >> 4];
                        out[size++] = HEX[b & 0xF];
                    } else {
                        out[size++] = b;
                    }
                }
            }
        }
        out[size++] = '"';
    }

    private void escape(char c) {
        out[size++] = '\\';
        out[size++] = (byte) c;
    }

    private void ascii(String s) {
        reserve(s.length());
        for (int i = 0; i < s.length(); i++) {
            out[size++] = (byte) s.charAt(i);
        }
    }

    private void copy(int from, int n) {
        reserve(n);
        System.arraycopy(bytes, from, out, size, n);
        size += n;
    }

    private void put(byte b) {
        reserve(1);
        out[size++] = b;
    }

    private void reserve(int n) {
        if (size + n > out.length) {
            out = Arrays.copyOf(out, Math.max(size + n, out.length * 2));
        }
    }

    /**
     * The type of the body of {@code length} bytes at {@code at} once it is known to follow the layout, building
     * nothing unless a check fails (then the message, which names the field). The log's one set of layout checks:
     * {@link EventLogReader#decode} relies on it too.
     */
    static EventType check(ByteBuffer buffer, int at, int length) {
        int end = at + length;
        int code = buffer.getShort(at + TYPE_OFFSET) & 0xFFFF;
        EventType type = EventType.fromCode(code);
        if (type == null) {
            throw new IllegalStateException("unknown event type code " + code);
        }
        int fieldCount = buffer.get(at + FIELD_COUNT_OFFSET) & 0xFF;
        int p = at + BODY_HEADER_LENGTH;
        for (int i = 0; i < fieldCount; i++) {
            if (p + 2 > end) {
                throw new IllegalStateException("field " + i + " runs past the record");
            }
            byte kind = buffer.get(p);
            int nameLength = buffer.get(p + 1) & 0xFF;
            int nameAt = p + 2;
            p = nameAt + nameLength;
            if (nameLength == 0 || p > end) {
                throw new IllegalStateException("field " + i + " has a bad name length");
            }
            switch (kind) {
                case KIND_LONG -> p += Long.BYTES;
                case KIND_STRING -> p = p + Short.BYTES > end
                        ? end + 1 : p + Short.BYTES + (buffer.getShort(p) & 0xFFFF);
                case KIND_NULL -> {
                }
                default -> throw new IllegalStateException("field " + name(buffer, nameAt, nameLength)
                        + " has unknown kind " + kind);
            }
            if (p > end) {
                throw new IllegalStateException("field " + name(buffer, nameAt, nameLength) + " runs past the record");
            }
        }
        if (p != end) {
            throw new IllegalStateException((end - p) + " bytes left after the last field");
        }
        return type;
    }

    /** A field's name as the event has it (US-ASCII), for a message. */
    private static String name(ByteBuffer buffer, int at, int length) {
        byte[] name = new byte[length];
        buffer.get(at, name);
        return new String(name, StandardCharsets.US_ASCII);
    }
}
