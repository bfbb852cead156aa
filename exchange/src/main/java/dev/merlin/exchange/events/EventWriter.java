package dev.merlin.exchange.events;

import static dev.merlin.exchange.events.EventFormat.BODY_HEADER_LENGTH;
import static dev.merlin.exchange.events.EventFormat.FIELD_COUNT_OFFSET;
import static dev.merlin.exchange.events.EventFormat.KIND_LONG;
import static dev.merlin.exchange.events.EventFormat.KIND_NULL;
import static dev.merlin.exchange.events.EventFormat.KIND_STRING;
import static dev.merlin.exchange.events.EventFormat.MAX_FIELDS;
import static dev.merlin.exchange.events.EventFormat.MAX_NAME_LENGTH;
import static dev.merlin.exchange.events.EventFormat.MAX_STRING_BYTES;
import static dev.merlin.exchange.events.EventFormat.MILLIS_OFFSET;
import static dev.merlin.exchange.events.EventFormat.ORDER;
import static dev.merlin.exchange.events.EventFormat.RESERVED_OFFSET;
import static dev.merlin.exchange.events.EventFormat.TYPE_OFFSET;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A reusable, allocation-free encoder for one event at a time, owned by one producer thread; obtained from
 * {@link EventLog#begin} and handed back with {@link EventLog#commit}.
 *
 * <p>Field names are short constants of 1–32 characters from {@code [A-Za-z0-9_.-]}, other than {@code type} and
 * {@code time} (the reader prints those itself); a bad name is a programming error and throws. A value that does not
 * fit (the event passes its size limit, more than 255 fields, a string over 65,535 UTF-8 bytes) marks the event
 * oversized: later puts are ignored and {@link EventLog#commit} refuses it and counts it as dropped. Names are not
 * checked for duplicates.
 *
 * <pre>
 * Body (the ring buffer message and, unchanged, the file record body)
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |                     epoch millis (int64)                      |
 * |                                                               |
 * +-------------------------------+---------------+---------------+
 * |    type code (uint16)         | field count   | reserved (0)  |
 * +-------------------------------+---------------+---------------+
 * |                     fields, back to back ...                  |
 * +---------------------------------------------------------------+
 *
 * Field
 * +---------------+---------------+-------------------------------+
 * |  kind (uint8) | name length n |  name, n ASCII bytes ...      |
 * +---------------+---------------+-------------------------------+
 * kind 1 LONG:   value (int64)
 * kind 2 STRING: byte length m (uint16), then m bytes of UTF-8 (unpaired surrogates become '?')
 * kind 3 NULL:   nothing (a null string)
 *
 * An AUCTION event, for example (the fields each type carries are listed on {@link EventType}):
 * +---------------------------------------------------------------+
 * | millis | 1 | 5 | 0 | STR "rid" | STR "s" (seller id) | LONG "bids" | STR "c" | LONG "price" |
 * +---------------------------------------------------------------+
 * </pre>
 */
public final class EventWriter {

    private static final VarHandle COMMITTING;

    static {
        try {
            COMMITTING = MethodHandles.lookup().findVarHandle(EventWriter.class, "committing", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final EventLog log;
    private final UnsafeBuffer buffer;
    private final int capacity;
    private EventType type;
    private int length;
    private int fieldCount;
    private boolean isOversized;

    /** 1 while this writer's thread is inside {@link EventLog#commit}; read by {@link EventLog#close}. */
    @SuppressWarnings("unused")
    private volatile int committing;
    /** Events this writer's thread had refused for want of room (or a closed log); written only by that thread. */
    private volatile long dropped;
    /** Events this writer's thread had refused for their size; written only by that thread. */
    private volatile long droppedOversized;

    EventWriter(EventLog log, int capacity) {
        this.log = log;
        this.capacity = capacity;
        this.buffer = new UnsafeBuffer(new byte[capacity]);
    }

    void reset(EventType type, long epochMillis) {
        this.type = type;
        buffer.putLong(MILLIS_OFFSET, epochMillis, ORDER);
        buffer.putShort(TYPE_OFFSET, (short) type.code(), ORDER);
        buffer.putByte(FIELD_COUNT_OFFSET, (byte) 0);
        buffer.putByte(RESERVED_OFFSET, (byte) 0);
        length = BODY_HEADER_LENGTH;
        fieldCount = 0;
        isOversized = false;
    }

    /** Adds a whole-number field (prices as micros, ids, counts). */
    public EventWriter put(String name, long value) {
        int at = putName(KIND_LONG, name, Long.BYTES);
        if (at >= 0) {
            buffer.putLong(at, value, ORDER);
            endField(at + Long.BYTES);
        }
        return this;
    }

    /** Adds a text field, encoded as UTF-8; {@code null} is recorded as a null value. */
    public EventWriter put(String name, CharSequence value) {
        if (value == null) {
            int at = putName(KIND_NULL, name, 0);
            if (at >= 0) {
                endField(at);
            }
            return this;
        }
        int at = putName(KIND_STRING, name, Short.BYTES);
        if (at < 0) {
            return this;
        }
        int end = encodeUtf8(value, at + Short.BYTES);
        if (end < 0 || end - at - Short.BYTES > MAX_STRING_BYTES) {
            isOversized = true;
            return this;
        }
        buffer.putShort(at, (short) (end - at - Short.BYTES), ORDER);
        endField(end);
        return this;
    }

    /** The type given to {@link EventLog#begin}. */
    public EventType type() {
        return type;
    }

    /** Bytes encoded so far (the body length). */
    public int encodedLength() {
        return length;
    }

    /** Whether a value did not fit, so that {@link EventLog#commit} will refuse this event. */
    public boolean isOversized() {
        return isOversized;
    }

    DirectBuffer buffer() {
        return buffer;
    }

    /** Writes kind and name; returns where the value goes, or -1 when the event is (now) oversized. */
    private int putName(byte kind, String name, int valueBytes) {
        int nameLength = checkName(name);
        if (isOversized) {
            return -1;
        }
        int at = length;
        if (fieldCount == MAX_FIELDS || capacity - at < 2 + nameLength + valueBytes) {
            isOversized = true;
            return -1;
        }
        buffer.putByte(at, kind);
        buffer.putByte(at + 1, (byte) nameLength);
        for (int i = 0; i < nameLength; i++) {
            buffer.putByte(at + 2 + i, (byte) name.charAt(i));
        }
        return at + 2 + nameLength;
    }

    private void endField(int end) {
        length = end;
        fieldCount++;
        buffer.putByte(FIELD_COUNT_OFFSET, (byte) fieldCount);
    }

    /** Returns the end of the encoded bytes, or -1 when they do not fit. */
    private int encodeUtf8(CharSequence value, int at) {
        int limit = capacity;
        int n = value.length();
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                if (at >= limit) {
                    return -1;
                }
                buffer.putByte(at++, (byte) c);
            } else if (c < 0x800) {
                if (at + 2 > limit) {
                    return -1;
                }
                buffer.putByte(at++, (byte) (0xC0 | c >> 6));
                buffer.putByte(at++, (byte) (0x80 | c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
                if (at + 4 > limit) {
                    return -1;
                }
                int cp = Character.toCodePoint(c, value.charAt(++i));
                buffer.putByte(at++, (byte) (0xF0 | cp >> 18));
                buffer.putByte(at++, (byte) (0x80 | cp >> 12 & 0x3F));
                buffer.putByte(at++, (byte) (0x80 | cp >> 6 & 0x3F));
                buffer.putByte(at++, (byte) (0x80 | cp & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (at >= limit) {
                    return -1;
                }
                buffer.putByte(at++, (byte) '?');
            } else {
                if (at + 3 > limit) {
                    return -1;
                }
                buffer.putByte(at++, (byte) (0xE0 | c >> 12));
                buffer.putByte(at++, (byte) (0x80 | c >> 6 & 0x3F));
                buffer.putByte(at++, (byte) (0x80 | c & 0x3F));
            }
        }
        return at;
    }

    private static int checkName(String name) {
        int n = name.length();
        if (n == 0 || n > MAX_NAME_LENGTH || isReserved(name)) {
            throw new IllegalArgumentException("event field name must be 1-32 characters of [A-Za-z0-9_.-], "
                    + "not 'type' or 'time': '" + name + "'");
        }
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            boolean isAllowed = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '_' || c == '.' || c == '-';
            if (!isAllowed) {
                throw new IllegalArgumentException("event field name must be 1-32 characters of [A-Za-z0-9_.-]: '"
                        + name + "'");
            }
        }
        return n;
    }

    private static boolean isReserved(String name) {
        return name.length() == 4 && name.charAt(0) == 't' && (name.equals("type") || name.equals("time"));
    }

    // Called by EventLog on this writer's thread only.

    void enterCommit() {
        committing = 1; // volatile store: orders it before EventLog reads isClosed (Dekker with close())
    }

    void exitCommit() {
        COMMITTING.setRelease(this, 0);
    }

    boolean isCommitting() {
        return committing != 0;
    }

    void countDropped() {
        dropped = dropped + 1; // single writer: this thread
    }

    /** Events refused for want of room or because the log was closed (not for their size). */
    long dropped() {
        return dropped;
    }

    void countDroppedOversized() {
        droppedOversized = droppedOversized + 1; // single writer: this thread
    }

    long droppedOversized() {
        return droppedOversized;
    }
}
