package dev.merlin.exchange.events;

import static dev.merlin.exchange.events.EventFormat.BODY_LENGTH_OFFSET;
import static dev.merlin.exchange.events.EventFormat.CHECKSUM_OFFSET;
import static dev.merlin.exchange.events.EventFormat.CREATED_OFFSET;
import static dev.merlin.exchange.events.EventFormat.FILE_HEADER_LENGTH;
import static dev.merlin.exchange.events.EventFormat.FRAME_LENGTH;
import static dev.merlin.exchange.events.EventFormat.MAGIC;
import static dev.merlin.exchange.events.EventFormat.MAGIC_OFFSET;
import static dev.merlin.exchange.events.EventFormat.ORDER;
import static dev.merlin.exchange.events.EventFormat.VERSION;
import static dev.merlin.exchange.events.EventFormat.VERSION_OFFSET;
import static dev.merlin.exchange.tuning.ExchangeTuning.EVENT_LOG_ABANDONED_CLAIM_NANOS;
import static dev.merlin.exchange.tuning.ExchangeTuning.EVENT_LOG_MAX_RETRY_MILLIS;
import static dev.merlin.exchange.tuning.ExchangeTuning.EVENT_LOG_MESSAGES_PER_DUTY_CYCLE;
import static dev.merlin.exchange.tuning.ExchangeTuning.EVENT_LOG_MIN_RETRY_MILLIS;

import dev.merlin.config.EventLogConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer thread's work: drains the ring into a batch buffer, frames each event with its length and CRC-32C,
 * appends batches to the current file, rotates at the size limit and forces to disk at least every
 * {@code flushMillis} and on rotation and close. See {@link EventFormat} for the format.
 *
 * <p>A write error (a full disk, say) keeps the batch and the file: the writer cuts the file back to its last whole
 * batch, stops draining the ring and retries the same batch in the same file after a backoff that doubles from
 * {@code EVENT_LOG_MIN_RETRY_MILLIS} to {@code EVENT_LOG_MAX_RETRY_MILLIS} ({@code ExchangeTuning}). Meanwhile the ring
 * fills and producers are refused and count the refusals ({@link EventLog#commit} returns {@code false}), so nothing
 * the log accepted is lost and the directory gains no new files; writing resumes when space returns. Failures are
 * counted by {@link #writeFailures()}. A file whose header cannot be written is deleted, not left empty. Only at
 * close, when retrying could hang shutdown, does a failed batch count as {@link #lost()}. The log never stops the
 * exchange.
 */
final class EventLogAgent implements Agent, ControlledMessageHandler {

    /** Opens a new log file; a seam so that tests can fail writes the way a full disk does. */
    @FunctionalInterface
    interface FileOpener {
        FileChannel open(Path file) throws IOException;
    }

    static final FileOpener CREATE_NEW = file -> FileChannel.open(file, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);

    private static final Logger LOG = LoggerFactory.getLogger(EventLogAgent.class);

    private final RingBuffer ring;
    private final Path directory;
    private final long fileBytes;
    private final long flushMillis;
    private final EpochClock clock;
    private final ByteBuffer batchBytes;
    private final ByteBuffer checksumView;
    private final UnsafeBuffer batch;
    private final CRC32C crc = new CRC32C();
    private final FileOpener opener;

    private FileChannel channel;
    private Path currentFile;
    private long filePosition;
    private long lastFileMillis;
    private long nextSeq;
    private int batchPosition;
    private int batchEvents;
    private long unforcedBytes;
    private long firstUnforcedMillis;
    private int consecutiveFailures;
    private long retryAtMillis;
    private long retryMillis;
    private boolean isClosing;

    private volatile long written;
    private volatile long lost;
    private volatile long forces;
    private volatile long writeFailures;

    EventLogAgent(RingBuffer ring, Path directory, EventLogConfig config, EpochClock clock, int maxEventBytes,
                  FileOpener opener) throws IOException {
        this.opener = opener;
        this.ring = ring;
        this.directory = directory;
        this.fileBytes = config.fileBytes();
        this.flushMillis = config.flushMillis();
        this.clock = clock;
        // two of the largest events always fit, whatever the configured batch
        this.batchBytes = ByteBuffer.allocateDirect(Math.max(config.batchBytes(),
                2 * (FRAME_LENGTH + maxEventBytes)));
        this.checksumView = batchBytes.duplicate();
        this.batch = new UnsafeBuffer(batchBytes);
        Files.createDirectories(directory);
        scanExisting();
        openNewFile(); // fail fast at start-up when the directory is not writable
    }

    @Override
    public String roleName() {
        return "merlin-event-log";
    }

    @Override
    public int doWork() {
        if (retryAtMillis != 0) {
            if (clock.time() < retryAtMillis || !writeBatch()) {
                return 0; // backing off: the ring holds what comes meanwhile, producers are refused once it is full
            }
        }
        int work = ring.controlledRead(this, EVENT_LOG_MESSAGES_PER_DUTY_CYCLE);
        if (retryAtMillis == 0) {
            writeBatch();
        }
        if (unforcedBytes > 0 && clock.time() - firstUnforcedMillis >= flushMillis) {
            force();
        }
        return work;
    }

    @Override
    public Action onMessage(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
        int recordLength = FRAME_LENGTH + length;
        long logicalPosition = filePosition + batchPosition;
        if (logicalPosition > FILE_HEADER_LENGTH && logicalPosition + recordLength > fileBytes) {
            if (!writeBatch()) {
                return Action.ABORT; // the event stays in the ring until the batch before it is written
            }
            rotate();
        }
        if (batch.capacity() - batchPosition < recordLength && !writeBatch()) {
            return Action.ABORT;
        }
        int at = batchPosition;
        int bodyAt = at + FRAME_LENGTH;
        batch.putInt(at + BODY_LENGTH_OFFSET, length, ORDER);
        batch.putBytes(bodyAt, buffer, index, length);
        checksumView.clear().position(bodyAt).limit(bodyAt + length);
        crc.reset();
        crc.update(checksumView);
        batch.putInt(at + CHECKSUM_OFFSET, (int) crc.getValue(), ORDER);
        batchPosition = bodyAt + length;
        batchEvents++;
        return Action.CONTINUE;
    }

    /** Drains whatever is left in the ring, then forces and closes the file. Producers have stopped by now. */
    @Override
    public void onClose() {
        isClosing = true; // from here a batch that cannot be written is lost and counted, not retried
        // Loop on positions, not on read()'s count: a read that only skips the padding at the ring's end counts 0.
        long stuckSinceNanos = 0;
        while (ring.consumerPosition() < ring.producerPosition()) {
            if (ring.controlledRead(this) > 0) {
                writeBatch();
                stuckSinceNanos = 0;
            } else if (stuckSinceNanos == 0) {
                stuckSinceNanos = System.nanoTime();
            } else if (System.nanoTime() - stuckSinceNanos > EVENT_LOG_ABANDONED_CLAIM_NANOS) {
                // only a producer that died between claim and commit can leave this; don't hang shutdown on it
                LOG.error("event log: {} bytes left in the ring behind an uncommitted claim", ring.size());
                break;
            } else {
                Thread.onSpinWait();
            }
        }
        writeBatch();
        closeFile();
        syncDirectory();
    }

    long written() {
        return written;
    }

    long lost() {
        return lost;
    }

    long forces() {
        return forces;
    }

    long writeFailures() {
        return writeFailures;
    }

    /**
     * Appends the batch to the current file. On failure cuts the file back to its last whole batch, keeps the batch
     * and schedules a retry; returns whether the batch is out of the buffer (written, or lost while closing).
     */
    private boolean writeBatch() {
        if (batchPosition == 0) {
            retryAtMillis = 0;
            return true;
        }
        int events = batchEvents;
        try {
            if (channel == null) {
                openNewFile();
            }
            batchBytes.clear().limit(batchPosition);
            while (batchBytes.hasRemaining()) {
                channel.write(batchBytes);
            }
        } catch (IOException e) {
            fail("write to " + (channel == null ? "a new file in " + directory : currentFile), e);
            cutBack();
            if (!isClosing) {
                retryMillis = retryMillis == 0 ? EVENT_LOG_MIN_RETRY_MILLIS
                        : Math.min(EVENT_LOG_MAX_RETRY_MILLIS, 2 * retryMillis);
                retryAtMillis = clock.time() + retryMillis;
                writeFailures = writeFailures + 1; // last: whoever sees the count sees the retry scheduled
                return false;
            }
            lost = lost + events;
            clearBatch();
            writeFailures = writeFailures + 1;
            return true;
        }
        if (unforcedBytes == 0) {
            firstUnforcedMillis = clock.time();
        }
        filePosition += batchPosition;
        unforcedBytes += batchPosition;
        written = written + events;
        consecutiveFailures = 0;
        retryAtMillis = 0;
        retryMillis = 0;
        clearBatch();
        return true;
    }

    private void clearBatch() {
        batchPosition = 0;
        batchEvents = 0;
    }

    /** Drops a partly written batch from the file so that the retry appends it once; abandons the file if it can't. */
    private void cutBack() {
        if (channel == null) {
            return;
        }
        try {
            channel.truncate(filePosition);
            channel.position(filePosition);
        } catch (IOException e) {
            LOG.warn("event log: cannot cut {} back to {} bytes; continuing in a new file", currentFile,
                    filePosition, e);
            closeQuietly();
        }
    }

    private void force() {
        if (channel == null) {
            return;
        }
        try {
            channel.force(false);
            forces = forces + 1;
            unforcedBytes = 0;
        } catch (IOException e) {
            fail("force " + currentFile, e);
            closeQuietly(); // what fsync failed to write is unknown: continue in a new file
        }
    }

    private void rotate() {
        closeFile();
        syncDirectory();
        try {
            openNewFile();
        } catch (IOException e) {
            fail("open a new file in " + directory, e);
        }
    }

    private void closeFile() {
        if (channel == null) {
            return;
        }
        force();
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            LOG.warn("closing event log file {} failed", currentFile, e);
        }
        channel = null;
    }

    private void openNewFile() throws IOException {
        long createdMillis = Math.max(clock.time(), lastFileMillis);
        Path file = directory.resolve(EventFormat.fileName(createdMillis, nextSeq));
        FileChannel opened = opener.open(file);
        try {
            ByteBuffer header = ByteBuffer.allocate(FILE_HEADER_LENGTH).order(ORDER);
            header.putInt(MAGIC_OFFSET, MAGIC).putShort(VERSION_OFFSET, (short) VERSION)
                    .putLong(CREATED_OFFSET, createdMillis);
            while (header.hasRemaining()) {
                opened.write(header);
            }
        } catch (IOException e) {
            try {
                opened.close();
                Files.deleteIfExists(file); // never leave a file without a header behind
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
                nextSeq++; // the name is taken: the next attempt must not collide with it
            }
            throw e;
        }
        lastFileMillis = createdMillis;
        nextSeq++;
        channel = opened;
        currentFile = file;
        filePosition = FILE_HEADER_LENGTH;
        unforcedBytes = FILE_HEADER_LENGTH;
        firstUnforcedMillis = clock.time();
    }

    /** Continues after the newest existing file, so that names keep sorting in creation order across restarts. */
    private void scanExisting() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                long[] parsed = EventFormat.parse(file.getFileName().toString());
                if (parsed != null) {
                    lastFileMillis = Math.max(lastFileMillis, parsed[0]);
                    nextSeq = Math.max(nextSeq, parsed[1] + 1);
                }
            }
        }
    }

    /** Makes new and rotated file names durable; best effort, as some file systems refuse to sync a directory. */
    private void syncDirectory() {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // nothing more to do: the files themselves are forced
        }
    }

    private void fail(String what, IOException e) {
        consecutiveFailures++;
        if (Integer.bitCount(consecutiveFailures) == 1) { // 1st, 2nd, 4th, 8th... in a row: log, don't flood
            LOG.error("event log: {} failed ({} in a row); {}", what, consecutiveFailures,
                    isClosing ? "events in that batch are lost" : "retrying the batch, refusing new events meanwhile",
                    e);
        }
    }

    private void closeQuietly() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // abandoning the file anyway
            }
            channel = null;
        }
    }
}
