package dev.merlin.exchange.events;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.EventLogConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class EventLogTest {

    private static final long BASE_MILLIS = 1_795_946_400_000L; // 2026-11-29T10:00:00Z
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    Path dataDir;

    @Test
    void twoProducersTenThousandEventsAllArriveInPerProducerOrderAfterClose() throws Exception {
        int perProducer = 5_000;
        EventLog log = EventLog.open(dataDir, EventLogConfig.defaults());
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger refused = new AtomicInteger();
        Thread[] producers = new Thread[2];
        for (int p = 0; p < producers.length; p++) {
            int producer = p;
            producers[p] = new Thread(() -> {
                awaitQuietly(start);
                for (int i = 0; i < perProducer; i++) {
                    EventWriter w = log.begin(producer == 0 ? EventType.WIN : EventType.BILL, BASE_MILLIS + i);
                    w.put("producer", producer).put("seq", i).put("rid", "p" + producer + "-r" + i)
                            .put("price", i * 1_000L + producer);
                    if (!log.commit(w)) {
                        refused.incrementAndGet();
                    }
                }
            }, "producer-" + p);
            producers[p].start();
        }
        start.countDown();
        for (Thread producer : producers) {
            producer.join();
        }
        log.close();

        assertEquals(0, refused.get(), "refused commits");
        assertEquals(2L * perProducer, log.written());
        assertEquals(0, log.dropped());
        List<Event> events = EventLogReader.readAll(dataDir);
        assertEquals(2 * perProducer, events.size());
        int[] next = new int[2];
        for (Event event : events) {
            int producer = (int) event.longValue("producer");
            int seq = next[producer]++;
            assertEquals(seq, event.longValue("seq"), "order of producer " + producer);
            assertEquals(producer == 0 ? EventType.WIN : EventType.BILL, event.type());
            assertEquals(BASE_MILLIS + seq, event.epochMillis());
            assertEquals("p" + producer + "-r" + seq, event.string("rid"));
            assertEquals(seq * 1_000L + producer, event.longValue("price"));
            assertEquals(List.of("producer", "seq", "rid", "price"), List.copyOf(event.fields().keySet()));
        }
        assertEquals(perProducer, next[0]);
        assertEquals(perProducer, next[1]);
    }

    @Test
    void rotationAtFileBytesProducesSeveralFilesAndLosesNothing() throws IOException {
        int fileBytes = 4_096;
        int count = 3_000;
        try (EventLog log = EventLog.open(dataDir, EventLogConfig.builder().fileBytes(fileBytes).build())) {
            for (int i = 0; i < count; i++) {
                assertTrue(log.commit(log.begin(EventType.CLICK, BASE_MILLIS).put("seq", i).put("cid", "c-" + i)));
            }
        }
        List<Path> files = EventLogReader.files(dataDir);
        assertTrue(files.size() > 10, "files: " + files.size());
        for (Path file : files) {
            assertTrue(Files.size(file) <= fileBytes, file + " is " + Files.size(file) + " bytes");
        }
        List<Path> sortedByName = files.stream().sorted().toList();
        assertEquals(sortedByName, files, "name order is creation order");
        List<Event> events = EventLogReader.readAll(dataDir);
        assertEquals(count, events.size());
        for (int i = 0; i < count; i++) {
            assertEquals(i, events.get(i).longValue("seq"));
            assertEquals("c-" + i, events.get(i).string("cid"));
        }
    }

    @Test
    void fullRingRefusesWithoutWaitingAndCountsExactlyTheRefusedEvents() throws IOException {
        int ringBytes = 1_024;
        EventLog log = EventLog.openStopped(dataDir, EventLogConfig.builder().ringBufferBytes(ringBytes).build(),
                SystemEpochClock.INSTANCE);
        int attempts = 100;
        int accepted = 0;
        for (int i = 0; i < attempts; i++) {
            if (log.commit(log.begin(EventType.PIXEL, BASE_MILLIS).put("seq", i))) {
                assertEquals(i, accepted, "once full, the ring stays full while nobody drains it");
                accepted++;
            }
        }
        // body 12 + field (1 kind + 1 name length + 3 name + 8 value) = 25; ring record 8 + 25 aligned to 8 = 40
        assertEquals(ringBytes / 40, accepted);
        assertEquals(attempts - accepted, log.dropped());
        assertEquals(0, log.written());

        log.startWriter();
        int acceptedBeforeStart = accepted;
        Await.until(() -> log.written() == acceptedBeforeStart, DEADLINE, "the writer to drain the ring");
        assertTrue(log.commit(log.begin(EventType.PIXEL, BASE_MILLIS).put("seq", attempts)), "room again");
        log.close();

        assertEquals(accepted + 1L, log.written());
        assertEquals(attempts - accepted, log.dropped());
        List<Event> events = EventLogReader.readAll(dataDir);
        assertEquals(accepted + 1, events.size());
        for (int i = 0; i < accepted; i++) {
            assertEquals(i, events.get(i).longValue("seq"));
        }
        assertEquals(attempts, events.get(accepted).longValue("seq"));
    }

    @Test
    void oversizedEventIsRefusedAndCounted() throws IOException {
        try (EventLog log = EventLog.open(dataDir, EventLogConfig.defaults())) {
            EventWriter w = log.begin(EventType.APP_EVENT, BASE_MILLIS).put("blob", "x".repeat(log.maxEventBytes()));
            assertTrue(w.isOversized());
            assertFalse(log.commit(w));
            assertEquals(1, log.dropped());
            assertTrue(log.commit(log.begin(EventType.APP_EVENT, BASE_MILLIS).put("ok", 1)));
        }
        assertEquals(1, EventLogReader.readAll(dataDir).size());
    }

    @Test
    void commitAfterCloseIsRefusedAndCountedAndCloseIsIdempotent() throws IOException {
        EventLog log = EventLog.open(dataDir, EventLogConfig.defaults());
        assertTrue(log.commit(log.begin(EventType.OPT_OUT, BASE_MILLIS).put("uid", "u1")));
        log.close();
        assertFalse(log.commit(log.begin(EventType.ERASURE, BASE_MILLIS).put("uid", "u1")));
        log.close();
        assertAll(
                () -> assertEquals(1, log.written()),
                () -> assertEquals(1, log.dropped()),
                () -> assertEquals(1, EventLogReader.readAll(dataDir).size()));
    }

    @Test
    void closeDrainsEverythingQueuedWhenTheWriterNeverRan() throws IOException {
        EventLog log = EventLog.openStopped(dataDir, EventLogConfig.defaults(), SystemEpochClock.INSTANCE);
        for (int i = 0; i < 500; i++) {
            assertTrue(log.commit(log.begin(EventType.AUCTION, BASE_MILLIS + i).put("seq", i)));
        }
        log.close();
        assertEquals(500, log.written());
        assertEquals(500, EventLogReader.readAll(dataDir).size());
    }

    @Test
    void closeWhileProducersAreRunningCountsEveryCommitOnceAsWrittenOrDropped() throws Exception {
        EventLog log = EventLog.open(dataDir, EventLogConfig.builder().ringBufferBytes(64 * 1024).build());
        int producerCount = 2;
        long[] attempts = new long[producerCount];
        long[] accepted = new long[producerCount];
        long[] acceptedAfterClose = new long[producerCount];
        AtomicBoolean hasClosed = new AtomicBoolean();
        Thread[] producers = new Thread[producerCount];
        for (int p = 0; p < producerCount; p++) {
            int producer = p;
            producers[p] = new Thread(() -> {
                long seq = 0;
                int afterClose = 0;
                while (afterClose < 1_000) {
                    boolean isAfterClose = hasClosed.get();
                    if (log.commit(log.begin(EventType.PIXEL, BASE_MILLIS).put("p", producer).put("seq", seq++))) {
                        accepted[producer]++;
                        if (isAfterClose) {
                            acceptedAfterClose[producer]++;
                        }
                    }
                    if (isAfterClose) {
                        afterClose++;
                    }
                }
                attempts[producer] = seq;
            });
            producers[p].start();
        }
        Await.until(() -> log.written() > 10_000, DEADLINE, "some events to be written");
        log.close();
        hasClosed.set(true);
        for (Thread producer : producers) {
            producer.join();
        }
        long totalAttempts = attempts[0] + attempts[1];
        long totalAccepted = accepted[0] + accepted[1];
        assertEquals(0, acceptedAfterClose[0] + acceptedAfterClose[1], "accepted after close() returned");
        assertEquals(totalAccepted, log.written(), "every accepted event is on disk");
        assertEquals(totalAttempts - totalAccepted, log.dropped());
        List<Event> events = EventLogReader.readAll(dataDir);
        assertEquals(totalAccepted, events.size());
        long[] lastSeq = {-1, -1};
        for (Event event : events) {
            int producer = (int) event.longValue("p");
            long seq = event.longValue("seq");
            assertTrue(seq > lastSeq[producer], "per-producer order");
            lastSeq[producer] = seq;
        }
    }

    @Test
    void writerForcesWithinFlushMillisWithoutClose() throws IOException {
        try (EventLog log = EventLog.open(dataDir, EventLogConfig.builder().flushMillis(10).build())) {
            assertTrue(log.commit(log.begin(EventType.WIN, BASE_MILLIS).put("rid", "r1")));
            Await.until(() -> log.written() == 1, DEADLINE, "the event to be written");
            Await.until(() -> log.forces() >= 1, DEADLINE, "a force within flushMillis");
            assertEquals(1, EventLogReader.readAll(dataDir).size(), "readable while the log is open");
        }
    }

    @Test
    void writerWaitsForFlushMillisBeforeForcingAndForcesOnClose() throws IOException {
        EventLog log = EventLog.open(dataDir, EventLogConfig.builder().flushMillis(60_000).build());
        assertTrue(log.commit(log.begin(EventType.WIN, BASE_MILLIS).put("rid", "r1")));
        Await.until(() -> log.written() == 1, DEADLINE, "the event to be written");
        assertEquals(0, log.forces(), "forced before flushMillis passed");
        log.close();
        assertEquals(1, log.forces());
    }

    @Test
    void reopeningContinuesInANewFileThatSortsAfterTheOldOnes() throws IOException {
        try (EventLog log = EventLog.open(dataDir, EventLogConfig.defaults())) {
            log.commit(log.begin(EventType.WIN, BASE_MILLIS).put("run", 1));
        }
        try (EventLog log = EventLog.open(dataDir, EventLogConfig.defaults())) {
            log.commit(log.begin(EventType.WIN, BASE_MILLIS).put("run", 2));
        }
        assertEquals(2, EventLogReader.files(dataDir).size());
        List<Event> events = EventLogReader.readAll(dataDir);
        assertEquals(List.of(1L, 2L), events.stream().map(e -> e.longValue("run")).toList());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
