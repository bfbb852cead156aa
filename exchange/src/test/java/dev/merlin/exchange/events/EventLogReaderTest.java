package dev.merlin.exchange.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.EventLogConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventLogReaderTest {

    private static final long MILLIS = 1_795_946_400_123L; // 2026-11-29T10:00:00.123Z
    /** Frame 8 + body header 12 + one long field named "seq" (1 + 1 + 3 + 8). */
    private static final int SEQ_RECORD_BYTES = 33;

    @TempDir
    Path dataDir;

    private Path writeSeqEvents(int count, Integer fileBytes) throws IOException {
        try (EventLog log = EventLog.open(dataDir, EventLogConfig.builder().fileBytes(fileBytes).build())) {
            for (int i = 0; i < count; i++) {
                assertTrue(log.commit(log.begin(EventType.BILL, MILLIS).put("seq", i)));
            }
        }
        List<Path> files = EventLogReader.files(dataDir);
        return files.get(files.size() - 1);
    }

    private EventLogReader.Summary read(List<Event> into) throws IOException {
        return EventLogReader.read(dataDir, into::add);
    }

    @Test
    void tailTornInsideTheBodyIsReportedAndTheIntactRecordsAreReturned() throws IOException {
        Path last = writeSeqEvents(100, null);
        long size = Files.size(last);
        truncate(last, size - 5);

        List<Event> events = new ArrayList<>();
        EventLogReader.Summary summary = read(events);

        assertEquals(99, events.size());
        assertEquals(98, events.get(98).longValue("seq"));
        assertEquals(1, summary.damage().size());
        EventLogReader.Damage damage = summary.damage().get(0);
        assertEquals(last, damage.file());
        assertEquals(size - SEQ_RECORD_BYTES, damage.offset());
        assertTrue(damage.reason().startsWith("torn record"), damage.reason());
    }

    @Test
    void tailTornInsideTheFrameIsReported() throws IOException {
        Path last = writeSeqEvents(10, null);
        long lastRecordAt = Files.size(last) - SEQ_RECORD_BYTES;
        truncate(last, lastRecordAt + 3);

        List<Event> events = new ArrayList<>();
        EventLogReader.Summary summary = read(events);

        assertEquals(9, events.size());
        assertEquals(lastRecordAt, summary.damage().get(0).offset());
        assertTrue(summary.damage().get(0).reason().contains("less than a frame"));
    }

    @Test
    void corruptedBodyFailsTheChecksumAndIsNeverParsed() throws IOException {
        Path last = writeSeqEvents(10, null);
        long valueAt = Files.size(last) - 8; // inside the last record's long value
        try (FileChannel channel = FileChannel.open(last, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {0x7F}), valueAt);
        }
        List<Event> events = new ArrayList<>();
        EventLogReader.Summary summary = read(events);
        assertEquals(9, events.size());
        assertEquals("checksum mismatch", summary.damage().get(0).reason());
    }

    @Test
    void zeroFilledTailIsReportedNotMisParsed() throws IOException {
        Path last = writeSeqEvents(10, null);
        long size = Files.size(last);
        Files.write(last, new byte[64], StandardOpenOption.APPEND);
        List<Event> events = new ArrayList<>();
        EventLogReader.Summary summary = read(events);
        assertEquals(10, events.size());
        assertEquals(size, summary.damage().get(0).offset());
        assertEquals("bad record length 0", summary.damage().get(0).reason());
    }

    @Test
    void damageInOneFileDoesNotHideTheFollowingFiles() throws IOException {
        writeSeqEvents(1_000, 4_096);
        List<Path> files = EventLogReader.files(dataDir);
        assertTrue(files.size() > 3);
        Path first = files.get(0);
        truncate(first, Files.size(first) - 1);

        List<Event> events = new ArrayList<>();
        EventLogReader.Summary summary = read(events);
        assertEquals(999, events.size());
        assertEquals(1, summary.damage().size());
        assertEquals(first, summary.damage().get(0).file());
        assertEquals(999, events.get(998).longValue("seq"));
    }

    @Test
    void emptyFileIsSkippedAndTornHeaderIsReported() throws IOException {
        writeSeqEvents(3, null);
        Path dir = EventFormat.directory(dataDir);
        Files.createFile(dir.resolve(EventFormat.fileName(MILLIS * 10, 900)));
        Files.write(dir.resolve(EventFormat.fileName(MILLIS * 10, 901)), new byte[] {'M', 'E', 'V'});
        Files.writeString(dir.resolve("notes.txt"), "not a log file");

        List<Event> events = new ArrayList<>();
        EventLogReader.Summary summary = read(events);
        assertEquals(3, events.size());
        assertEquals(3, summary.files());
        assertEquals(1, summary.damage().size());
        assertTrue(summary.damage().get(0).reason().startsWith("torn file header"));
    }

    @Test
    void missingDirectoryReadsAsEmpty() throws IOException {
        assertEquals(List.of(), EventLogReader.readAll(dataDir.resolve("nowhere")));
    }

    @Test
    void commandPrintsJsonLinesFilteredByTypeAndSince() throws IOException {
        try (EventLog log = EventLog.open(dataDir, EventLogConfig.defaults())) {
            log.commit(log.begin(EventType.WIN, MILLIS).put("rid", "r1").put("price", 123));
            log.commit(log.begin(EventType.BILL, MILLIS).put("rid", "r1"));
            log.commit(log.begin(EventType.WIN, MILLIS + 60_000).put("rid", "r2").put("price", 456));
        }
        String dir = dataDir.toString();

        assertEquals("""
                {"type":"WIN","time":"2026-11-29T10:00:00.123Z","rid":"r1","price":123}
                {"type":"WIN","time":"2026-11-29T10:01:00.123Z","rid":"r2","price":456}
                """, run(0, "--data-dir", dir, "--type", "WIN"));
        assertEquals("""
                {"type":"WIN","time":"2026-11-29T10:01:00.123Z","rid":"r2","price":456}
                """, run(0, "--data-dir", dir, "--since", "2026-11-29T10:00:30Z"));
        assertEquals("{\"WIN\":2,\"BILL\":1,\"total\":3}\n", run(0, "--data-dir", dir, "--count"));
        assertEquals("{\"BILL\":1,\"total\":1}\n", run(0, "--data-dir", dir, "--count", "--type", "bill"));
        assertEquals("{\"total\":0}\n", run(0, "--data-dir", dir, "--count", "--since", "2026-11-30"));
        assertEquals("", run(2, "--data-dir", dir, "--type", "NOPE"));
        assertEquals("", run(2, "--since", "yesterday"));
    }

    @Test
    void anErasedUsersEventsUpToTheErasureAreLeftOutOfTheExportInEveryFile() throws IOException {
        try (EventLog log = EventLog.open(dataDir, EventLogConfig.builder().fileBytes(4_096).build())) {
            for (int i = 0; i < 200; i++) { // spread over several files before the erasure
                log.commit(log.begin(EventType.PIXEL, MILLIS).put("u", "aa").put("seq", i));
            }
            log.commit(log.begin(EventType.APP_EVENT, MILLIS + 1_000).put("u", "aa").put("ev", "video_watch"));
            log.commit(log.begin(EventType.PIXEL, MILLIS + 1_000).put("u", "bb").put("seq", 0));
            log.commit(log.begin(EventType.BILL, MILLIS + 1_000).put("rid", "r1").put("charged_micros", 1176));
            log.commit(log.begin(EventType.ERASURE, MILLIS + 2_000).put("u", "aa").put("why", "request"));
            log.commit(log.begin(EventType.PIXEL, MILLIS + 3_000).put("u", "aa").put("seq", 200)); // came back
            log.commit(log.begin(EventType.OPT_OUT, MILLIS + 5_000).put("u", "bb").put("why", "optout"));
            log.commit(log.begin(EventType.PIXEL, MILLIS + 6_000).put("u", "bb").put("seq", 1));
        }
        assertTrue(EventLogReader.files(dataDir).size() > 2, "the erased events span files");

        List<Event> events = new ArrayList<>();
        EventLogReader.Summary summary = read(events);

        assertEquals(List.of("BILL r1", "ERASURE aa", "PIXEL aa 200", "OPT_OUT bb"),
                events.stream().map(EventLogReaderTest::describe).toList());
        assertEquals(4, summary.events());
        assertEquals(200 + 1 + 2, summary.erasedLeftOut());
        assertEquals("{\"BILL\":1,\"PIXEL\":1,\"OPT_OUT\":1,\"ERASURE\":1,\"total\":4}\n",
                run(0, "--data-dir", dataDir.toString(), "--count"));
        assertEquals("", run(0, "--data-dir", dataDir.toString(), "--type", "APP_EVENT"));
    }

    private static String describe(Event event) {
        Map<String, Object> fields = event.fields();
        return event.type() + " " + (fields.containsKey("u") ? fields.get("u") : fields.get("rid"))
                + (event.type() == EventType.PIXEL ? " " + fields.get("seq") : "");
    }

    private static String run(int expectedStatus, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = EventLogReader.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(expectedStatus, status, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(size);
        }
    }
}
