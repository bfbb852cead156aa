package dev.merlin.exchange.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.EventLogConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record as the tailer hands it out writes the very bytes of its event's JSON, takes its user hash as the event
 * has it, and refuses exactly the bodies the reader's decoding refuses, also when they are damaged at random.
 */
class LoggedRecordTest {

    private static final long MILLIS = 1_795_946_400_123L; // 2026-11-29T10:00:00.123Z

    @TempDir
    Path dataDir;

    @Test
    void jsonAndUserHashAreTheEventsByteForByte() throws IOException {
        long[] times = {MILLIS, 0, 1, 86_399_999, 86_400_000, -1, -86_400_001, 253_402_300_799_999L,
            253_402_300_800_000L, 951_825_600_000L, Long.MAX_VALUE / 2, Long.MIN_VALUE / 2};
        List<String> texts = List.of("", "plain", "q\"uote", "back\\slash", "new\nline\r\t", "\u0001\u001f\u007f",
                "caf\u00e9", "\u65e5\u672c", "line\u2028sep\u2029", "\ud83d\ude00 smile", "/slash</script>",
                "x".repeat(3_000));
        try (EventLog log = EventLog.open(dataDir, EventLogConfig.defaults())) {
            for (long time : times) {
                assertTrue(log.commit(log.begin(EventType.CLICK, time).put("u", "ab12cd").put("seq", time)));
            }
            for (String text : texts) {
                assertTrue(log.commit(log.begin(EventType.WIN, MILLIS).put("rid", text).put("u", text)
                        .put("price", Long.MIN_VALUE).put("n", (String) null).put("max", Long.MAX_VALUE)));
            }
            assertTrue(log.commit(log.begin(EventType.BILL, MILLIS)));
            assertTrue(log.commit(log.begin(EventType.BILL, MILLIS).put("u", 42L)));
            assertTrue(log.commit(log.begin(EventType.BILL, MILLIS).put("u", (String) null)));
            assertTrue(log.commit(log.begin(EventType.BILL, MILLIS).put("u", "first").put("a", 1).put("u", "last")));
            assertTrue(log.commit(log.begin(EventType.BILL, MILLIS).put("u", "text").put("u", 7L)));
            assertTrue(log.commit(log.begin(EventType.NOTICE_FORWARD, MILLIS).put("to", 2).put("link", "w/r1")));
        }
        List<String> seen = new ArrayList<>();
        int read = new EventLogTailer(dataDir).read(null, 1_000, record -> {
            Event event = record.event();
            assertEquals(event.type(), record.type());
            assertArrayEquals(event.toJson().getBytes(StandardCharsets.UTF_8), record.json(), event.toJson());
            assertArrayEquals(userHash(event), record.asciiField("u"), event.toJson());
            seen.add(new String(record.json(), StandardCharsets.UTF_8));
        });
        assertEquals(times.length + texts.size() + 6, read);
        assertTrue(seen.contains("{\"type\":\"BILL\",\"time\":\"2026-11-29T10:00:00.123Z\",\"u\":\"last\",\"a\":1}"),
                "a field named twice keeps its first place and its last value: " + seen);
        assertTrue(seen.get(1).startsWith("{\"type\":\"CLICK\",\"time\":\"1970-01-01T00:00:00.000Z\""), seen.get(1));
    }

    @Test
    void damagedBodiesAreRefusedExactlyWhenDecodingRefusesThemAndTheRestWriteTheSameJson() throws IOException {
        try (EventLog log = EventLog.open(dataDir, EventLogConfig.defaults())) {
            assertTrue(log.commit(log.begin(EventType.WIN, MILLIS).put("u", "user-1").put("rid", "caf\u00e9 \"r\"")
                    .put("price", 1_500_000).put("n", (String) null)));
        }
        byte[] file = Files.readAllBytes(EventLogReader.files(dataDir).get(0));
        int bodyAt = EventFormat.FILE_HEADER_LENGTH + EventFormat.FRAME_LENGTH;
        int bodyLength = ByteBuffer.wrap(file).order(EventFormat.ORDER)
                .getInt(EventFormat.FILE_HEADER_LENGTH + EventFormat.BODY_LENGTH_OFFSET);
        byte[] original = Arrays.copyOfRange(file, bodyAt, bodyAt + bodyLength);
        Random random = new Random(13);
        LoggedRecord record = new LoggedRecord();
        int refused = 0;
        for (int trial = 0; trial < 20_000; trial++) {
            byte[] body = original.clone();
            for (int k = 1 + random.nextInt(3); k > 0; k--) {
                body[random.nextInt(body.length)] = (byte) random.nextInt(256);
            }
            ByteBuffer buffer = ByteBuffer.wrap(body).order(EventFormat.ORDER);
            Event event;
            try {
                event = EventLogReader.decode(body, buffer, 0, body.length);
            } catch (IllegalStateException | IllegalArgumentException refusedByDecode) {
                assertThrows(IllegalStateException.class,
                        () -> record.point(body, buffer, 0, body.length, "f", 0, body.length));
                refused++;
                continue;
            }
            record.point(body, buffer, 0, body.length, "f", 0, body.length);
            assertArrayEquals(event.toJson().getBytes(StandardCharsets.UTF_8), record.json(), event.toJson());
            assertArrayEquals(userHash(event), record.asciiField("u"), event.toJson());
        }
        assertTrue(refused > 1_000 && refused < 19_000, "both kinds of body were tried: " + refused + " refused");
    }

    /** The key the events topic had before: the event's {@code u} text in US-ASCII, none when it is not text. */
    private static byte[] userHash(Event event) {
        Object user = event.fields().get("u");
        return user instanceof String hash ? hash.getBytes(StandardCharsets.US_ASCII) : null;
    }

    @Test
    void aRecordSaysWhereItStartsAndWhereTheNextOneDoes() throws IOException {
        try (EventLog log = EventLog.open(dataDir, EventLogConfig.defaults())) {
            assertTrue(log.commit(log.begin(EventType.CLICK, MILLIS).put("seq", 1)));
        }
        List<String> at = new ArrayList<>();
        new EventLogTailer(dataDir).read(null, 10, record -> at.add(record.at() + " " + record.next()));
        String file = EventLogReader.files(dataDir).get(0).getFileName().toString();
        assertEquals(List.of(file + ":16 " + file + ":49"), at);
    }
}
