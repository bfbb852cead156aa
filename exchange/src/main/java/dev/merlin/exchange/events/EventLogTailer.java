package dev.merlin.exchange.events;

import static dev.merlin.exchange.events.EventFormat.BODY_HEADER_LENGTH;
import static dev.merlin.exchange.events.EventFormat.BODY_LENGTH_OFFSET;
import static dev.merlin.exchange.events.EventFormat.CHECKSUM_OFFSET;
import static dev.merlin.exchange.events.EventFormat.FILE_HEADER_LENGTH;
import static dev.merlin.exchange.events.EventFormat.FRAME_LENGTH;
import static dev.merlin.exchange.events.EventFormat.MAGIC;
import static dev.merlin.exchange.events.EventFormat.MAGIC_OFFSET;
import static dev.merlin.exchange.events.EventFormat.MAX_BODY_LENGTH;
import static dev.merlin.exchange.events.EventFormat.ORDER;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Follows the event log while it is written: hands out the intact records after a {@link Position}, in file order,
 * each with the position after it, so that a reader can store where it stopped and go on from there later.
 *
 * <p>Unlike {@link EventLogReader} it leaves nothing out (erasure and opt-out records go out like the rest) and it
 * waits at a record that is not whole yet in the newest file: the writer may be writing it right now. A record that
 * is not whole in an older file can only be a tail torn by a crash: reading goes on with the next file.
 */
public final class EventLogTailer {

    /** Where a record starts: a log file's name and a byte offset in it. */
    public record Position(String file, long offset) {

        @Override
        public String toString() {
            return file + ":" + offset;
        }
    }

    /** A chunk holds any whole record: the largest body and its frame. */
    private static final int CHUNK_BYTES = MAX_BODY_LENGTH + FRAME_LENGTH;

    private final Path dataDir;
    private final CRC32C crc = new CRC32C();
    private final LoggedRecord record = new LoggedRecord();
    private int handed;
    /** The log's files as last listed: listed again only after a read that found nothing (a new file may be next). */
    private List<Path> files;
    private boolean isListStale;
    private ByteBuffer chunk = ByteBuffer.allocate(64 * 1024).order(ORDER);

    /** A tailer of the log under {@code <dataDir>/events/}. */
    public EventLogTailer(Path dataDir) {
        this.dataDir = dataDir;
    }

    /**
     * Hands {@code sink} up to {@code max} records after {@code from} (null: from the first record of the oldest
     * file), in log order, each in the same {@link LoggedRecord} (a view: copy what you keep); returns how many, 0
     * when there is nothing new yet.
     */
    public int read(Position from, int max, Consumer<LoggedRecord> sink) throws IOException {
        handed = 0;
        if (files == null || isListStale) {
            files = EventLogReader.files(dataDir);
        }
        int index = firstFile(files, from);
        for (int i = index; i < files.size() && handed < max; i++) {
            String name = files.get(i).getFileName().toString();
            long offset = from != null && name.equals(from.file()) ? from.offset() : FILE_HEADER_LENGTH;
            boolean isNewest = i == files.size() - 1;
            if (!readFile(files.get(i), name, offset, max, sink) && isNewest) {
                break;
            }
        }
        isListStale = handed == 0;
        return handed;
    }

    /** How many bytes of the log lie after {@code from}: how far a reader at {@code from} is behind. */
    public long bytesAfter(Position from) throws IOException {
        List<Path> files = EventLogReader.files(dataDir);
        long behind = 0;
        for (int i = firstFile(files, from); i < files.size(); i++) {
            Path file = files.get(i);
            long size;
            try {
                size = Files.size(file);
            } catch (NoSuchFileException removed) {
                continue;
            }
            boolean isCurrent = from != null && file.getFileName().toString().equals(from.file());
            behind += Math.max(0, size - (isCurrent ? from.offset() : FILE_HEADER_LENGTH));
        }
        return behind;
    }

    /** The index of {@code from}'s file, or of the first file created after it when it is gone. */
    private static int firstFile(List<Path> files, Position from) {
        if (from == null) {
            return 0;
        }
        long[] wanted = EventFormat.parse(from.file());
        for (int i = 0; i < files.size(); i++) {
            long[] have = EventFormat.parse(files.get(i).getFileName().toString());
            if (wanted == null || have[0] > wanted[0] || have[0] == wanted[0] && have[1] >= wanted[1]) {
                return i;
            }
        }
        return files.size();
    }

    /**
     * Hands on the whole records of {@code file} from {@code offset} on; returns true when the file was read to its
     * end or ends in damage (go on with the next file), false when it stopped at a record not whole yet or at
     * {@code max}.
     */
    private boolean readFile(Path file, String name, long offset, int max, Consumer<LoggedRecord> sink)
            throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (!hasHeader(channel)) {
                return channel.size() >= FILE_HEADER_LENGTH; // a bad header is damage; a short one may be new
            }
            long at = offset;
            while (handed < max) {
                long size = channel.size();
                if (at >= size) {
                    return true;
                }
                int length = fill(channel, at, (int) Math.min(CHUNK_BYTES, size - at));
                int used = parse(name, at, length, max, sink);
                if (used < 0) {
                    return true; // damage: nothing after it in this file can be trusted
                }
                if (used == 0) {
                    return false; // a record not whole yet
                }
                at += used;
            }
            return false;
        } catch (NoSuchFileException removed) {
            return true;
        }
    }

    private boolean hasHeader(FileChannel channel) throws IOException {
        if (channel.size() < FILE_HEADER_LENGTH) {
            return false;
        }
        fill(channel, 0, FILE_HEADER_LENGTH);
        return chunk.getInt(MAGIC_OFFSET) == MAGIC;
    }

    private int fill(FileChannel channel, long at, int length) throws IOException {
        if (chunk.capacity() < length) {
            chunk = ByteBuffer.allocate(Math.max(length, chunk.capacity() * 2)).order(ORDER);
        }
        chunk.clear().limit(length);
        while (chunk.hasRemaining()) {
            if (channel.read(chunk, at + chunk.position()) < 0) {
                break;
            }
        }
        return chunk.position();
    }

    /**
     * Hands on the whole records among the first {@code length} bytes of the chunk (file offset {@code base}) while
     * fewer than {@code max} were handed on; returns the bytes they take, 0 when the first is not whole yet, -1 at
     * damage before any.
     */
    private int parse(String name, long base, int length, int max, Consumer<LoggedRecord> sink) {
        byte[] bytes = chunk.array();
        int offset = 0;
        while (offset + FRAME_LENGTH <= length && handed < max) {
            int bodyLength = chunk.getInt(offset + BODY_LENGTH_OFFSET);
            if (bodyLength < BODY_HEADER_LENGTH || bodyLength > MAX_BODY_LENGTH) {
                return offset == 0 ? -1 : offset;
            }
            int bodyAt = offset + FRAME_LENGTH;
            if (bodyLength > length - bodyAt) {
                break;
            }
            crc.reset();
            crc.update(bytes, bodyAt, bodyLength);
            int next = bodyAt + bodyLength;
            try {
                if ((int) crc.getValue() != chunk.getInt(offset + CHECKSUM_OFFSET)) {
                    throw new IllegalStateException("checksum mismatch");
                }
                record.point(bytes, chunk, bodyAt, bodyLength, name, base + offset, base + next);
            } catch (IllegalStateException damaged) {
                return offset == 0 ? -1 : offset;
            }
            sink.accept(record);
            handed++;
            offset = next;
        }
        return offset;
    }
}
