package dev.merlin.exchange.events;

import static dev.merlin.exchange.tuning.ExchangeTuning.EVENT_LOG_MAX_RETRY_MILLIS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.EventLogConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A full disk: the writer keeps its file, refuses rather than loses, leaves no empty files and resumes. */
@Timeout(60)
class EventLogDiskFullTest {

    private static final long BASE_MILLIS = 1_795_946_400_000L; // 2026-11-29T10:00:00Z
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final int RING_BYTES = 1_024;

    @TempDir
    Path dataDir;

    private final AtomicLong nowMillis = new AtomicLong(BASE_MILLIS);
    private final DiskFullFileChannel.Disk disk = new DiskFullFileChannel.Disk();

    @Test
    void aFullDiskRetriesTheSameFileRefusesWhatDoesNotFitAndResumesWhenSpaceReturns() throws IOException {
        disk.partialBytes = 13; // a torn record the retry must not leave in the file
        EventLog log = open();
        disk.isFull.set(true);

        int accepted = commitUntilRefused(log, 0);
        long failures = retryTimes(log, 50);
        assertTrue(failures >= 50, "failures: " + failures);
        assertEquals(1, EventLogReader.files(dataDir).size(), "files while the disk is full");
        assertEquals(0, log.written());
        assertTrue(log.dropped() >= 1, "a full ring refuses and counts");
        long refused = log.dropped();

        disk.isFull.set(false);
        nowMillis.addAndGet(EVENT_LOG_MAX_RETRY_MILLIS);
        Await.until(() -> log.written() == accepted, DEADLINE, "the writer to resume");
        assertTrue(log.commit(log.begin(EventType.PIXEL, BASE_MILLIS).put("seq", 1_000)), "room again");
        log.close();

        assertEquals(accepted + 1L, log.written());
        assertEquals(1, refused, "only the commit the full ring refused");
        assertEquals(refused, log.dropped(), "nothing accepted was lost");
        assertEquals(1, EventLogReader.files(dataDir).size());
        List<Event> events = EventLogReader.readAll(dataDir);
        assertEquals(accepted + 1, events.size());
        for (int i = 0; i < accepted; i++) {
            assertEquals(i, events.get(i).longValue("seq"));
        }
        assertEquals(1_000, events.get(accepted).longValue("seq"));
    }

    @Test
    void aFileThatCannotBeCutBackIsLeftAndNewFilesWhoseHeaderFailsAreDeleted() throws IOException {
        EventLog log = open();
        disk.isFull.set(true);
        disk.truncateFails.set(true);

        int accepted = commitUntilRefused(log, 0);
        retryTimes(log, 50);
        List<Path> files = EventLogReader.files(dataDir);
        assertEquals(1, files.size(), "no empty files: " + files);

        disk.isFull.set(false);
        nowMillis.addAndGet(EVENT_LOG_MAX_RETRY_MILLIS);
        Await.until(() -> log.written() == accepted, DEADLINE, "the writer to resume");
        log.close();

        files = EventLogReader.files(dataDir);
        assertEquals(2, files.size(), "the abandoned file and the one written after recovery: " + files);
        for (Path file : files) {
            assertTrue(Files.size(file) >= EventFormat.FILE_HEADER_LENGTH, file + " has a header");
        }
        List<Event> events = EventLogReader.readAll(dataDir);
        assertEquals(accepted, events.size());
        assertEquals(1, log.dropped(), "only the commit the full ring refused");
    }

    @Test
    void closingOnAFullDiskCountsTheUnwrittenEventsAsLostInsteadOfHanging() throws IOException {
        EventLog log = open();
        disk.isFull.set(true);
        int accepted = commitUntilRefused(log, 0);
        long refused = log.dropped();
        Await.until(() -> log.writeFailures() >= 1, DEADLINE, "the first failed write");
        log.close();

        assertEquals(0, log.written());
        assertEquals(refused + accepted, log.dropped(), "every commit counted once as written or dropped");
    }

    @Test
    void eventsPastARotationWaitInTheRingWhileTheDiskIsFullAndArriveInOrderAfterIt() throws IOException {
        int fileBytes = 4_096;
        EventLogConfig config = EventLogConfig.builder().ringBufferBytes(64 * 1024).fileBytes(fileBytes).build();
        EventLog log = EventLog.openStopped(dataDir, config, nowMillis::get, disk);
        disk.isFull.set(true);
        int accepted = commitUntilRefused(log, 0); // more than one file holds: the batch stops at the rotation
        assertTrue(accepted * 40 > 2 * fileBytes, "accepted: " + accepted);
        log.startWriter();
        retryTimes(log, 5);
        assertEquals(1, EventLogReader.files(dataDir).size(), "files while the disk is full");

        disk.isFull.set(false);
        nowMillis.addAndGet(EVENT_LOG_MAX_RETRY_MILLIS);
        Await.until(() -> log.written() == accepted, DEADLINE, "the writer to resume");
        log.close();

        assertEquals(1, log.dropped(), "only the commit the full ring refused");
        List<Path> files = EventLogReader.files(dataDir);
        assertTrue(files.size() > 2, "rotated after recovery: " + files.size());
        for (Path file : files) {
            assertTrue(Files.size(file) <= fileBytes, file + " is " + Files.size(file) + " bytes");
        }
        List<Event> events = EventLogReader.readAll(dataDir);
        assertEquals(accepted, events.size());
        for (int i = 0; i < accepted; i++) {
            assertEquals(i, events.get(i).longValue("seq"));
        }
    }

    private EventLog open() throws IOException {
        EventLog log = EventLog.openStopped(dataDir, EventLogConfig.builder().ringBufferBytes(RING_BYTES).build(),
                nowMillis::get, disk);
        log.startWriter();
        return log;
    }

    /** Commits until the ring is full (the writer is backing off, so nothing drains); returns how many it took. */
    private static int commitUntilRefused(EventLog log, int from) {
        int seq = from;
        while (log.commit(log.begin(EventType.PIXEL, BASE_MILLIS).put("seq", seq))) {
            seq++;
        }
        return seq - from;
    }

    /** Moves the clock past each backoff in turn and waits for the retry to fail; returns the failures so far. */
    private long retryTimes(EventLog log, int retries) {
        for (int i = 0; i < retries; i++) {
            long before = log.writeFailures();
            nowMillis.addAndGet(EVENT_LOG_MAX_RETRY_MILLIS);
            Await.until(() -> log.writeFailures() > before, DEADLINE, "retry " + i);
        }
        return log.writeFailures();
    }
}
