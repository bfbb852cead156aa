package dev.merlin.exchange.events;

import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The on-disk format of the event log, shared by {@link EventLogAgent} (writes) and {@link EventLogReader} (reads).
 * All integers are little-endian.
 *
 * <p>Files live in {@code <dataDir>/events/} and are named {@code events-<epochMillis>-<seq>.log} with both numbers
 * zero-padded (13 and 6 digits), so that a plain name sort is creation order. A writer never appends to a file it
 * did not create, so a record torn by a crash can only be the last one of a file.
 *
 * <pre>
 * File header (16 bytes)
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |                  magic 'M' 'E' 'V' 'L' (4 bytes)              |
 * +-------------------------------+-------------------------------+
 * |      version (uint16) = 1     |        reserved (zero)        |
 * +-------------------------------+-------------------------------+
 * |                 created at, epoch millis (int64)              |
 * |                                                               |
 * +---------------------------------------------------------------+
 * followed by records, back to back, no padding.
 *
 * Record = frame (8 bytes) + body
 * +---------------------------------------------------------------+
 * |                     body length (int32)                       |
 * +---------------------------------------------------------------+
 * |                 CRC-32C of the body (int32)                   |
 * +---------------------------------------------------------------+
 * |                     body: see {@link EventWriter}             |
 * |                             ...                               |
 * +---------------------------------------------------------------+
 * </pre>
 *
 * <p>A reader accepts a record only when the whole body is present, the length is within bounds and the CRC
 * matches; the first record that fails ends that file (reported, never mis-parsed).
 */
final class EventFormat {

    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    /** "MEVL" read as a little-endian int. */
    static final int MAGIC = 'M' | 'E' << 8 | 'V' << 16 | 'L' << 24;
    static final int VERSION = 1;
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int CREATED_OFFSET = 8;
    static final int FILE_HEADER_LENGTH = 16;

    static final int BODY_LENGTH_OFFSET = 0;
    static final int CHECKSUM_OFFSET = 4;
    static final int FRAME_LENGTH = 8;

    /** Body: epoch millis (8), type code (2), field count (1), reserved (1). */
    static final int MILLIS_OFFSET = 0;
    static final int TYPE_OFFSET = 8;
    static final int FIELD_COUNT_OFFSET = 10;
    static final int RESERVED_OFFSET = 11;
    static final int BODY_HEADER_LENGTH = 12;

    /** Field kinds. */
    static final byte KIND_LONG = 1;
    static final byte KIND_STRING = 2;
    static final byte KIND_NULL = 3;

    static final int MAX_FIELDS = 255;
    static final int MAX_NAME_LENGTH = 32;
    static final int MAX_STRING_BYTES = 0xFFFF;

    /** A reader rejects any frame claiming a longer body than this: it can only be damage. */
    static final int MAX_BODY_LENGTH = 1024 * 1024;

    static final String DIRECTORY = "events";
    static final String FILE_PREFIX = "events-";
    static final String FILE_SUFFIX = ".log";

    private EventFormat() {
    }

    /** The directory that holds the log files. */
    static Path directory(Path dataDir) {
        return dataDir.resolve(DIRECTORY);
    }

    static String fileName(long createdEpochMillis, long seq) {
        return String.format("%s%013d-%06d%s", FILE_PREFIX, createdEpochMillis, seq, FILE_SUFFIX);
    }

    /** Whether {@code name} is a log file's name. */
    static boolean isLogFileName(String name) {
        return parse(name) != null;
    }

    /** {@code [epochMillis, seq]} from a log file's name, or {@code null} if it is not one. */
    static long[] parse(String name) {
        if (!name.startsWith(FILE_PREFIX) || !name.endsWith(FILE_SUFFIX)) {
            return null;
        }
        String middle = name.substring(FILE_PREFIX.length(), name.length() - FILE_SUFFIX.length());
        int dash = middle.indexOf('-');
        if (dash <= 0 || dash == middle.length() - 1) {
            return null;
        }
        try {
            return new long[] {Long.parseLong(middle.substring(0, dash)), Long.parseLong(middle.substring(dash + 1))};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
