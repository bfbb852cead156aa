package dev.merlin.exchange.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.EventLogConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Encoding, through a real log and back through the reader. */
class EventWriterTest {

    private static final long MILLIS = 1_795_946_400_123L;

    @TempDir
    Path dataDir;
    private EventLog log;

    @BeforeEach
    void open() throws IOException {
        log = EventLog.open(dataDir, EventLogConfig.defaults());
    }

    @AfterEach
    void close() {
        log.close();
    }

    private Event roundTrip(EventWriter w) throws IOException {
        assertTrue(log.commit(w));
        log.close();
        List<Event> events = EventLogReader.readAll(dataDir);
        assertEquals(1, events.size());
        return events.get(0);
    }

    @Test
    void textRoundTripsAsUtf8IncludingSupplementaryCharacters() throws IOException {
        String text = "naïve — 日本語 🎉 \"quoted\" \\ tab\t";
        Event event = roundTrip(log.begin(EventType.PIXEL, MILLIS).put("s", text).put("empty", ""));
        assertEquals(text, event.string("s"));
        assertEquals("", event.string("empty"));
    }

    @Test
    void unpairedSurrogateBecomesQuestionMark() throws IOException {
        Event event = roundTrip(log.begin(EventType.PIXEL, MILLIS).put("s", "a\uD83Db\uDC00"));
        assertEquals("a?b?", event.string("s"));
    }

    @Test
    void extremesOfLongAndNullTextRoundTrip() throws IOException {
        Event event = roundTrip(log.begin(EventType.CONVERSION, -1L).put("min", Long.MIN_VALUE)
                .put("max", Long.MAX_VALUE).put("none", (CharSequence) null));
        assertEquals(Long.MIN_VALUE, event.longValue("min"));
        assertEquals(Long.MAX_VALUE, event.longValue("max"));
        assertNull(event.string("none"));
        assertEquals(-1L, event.epochMillis());
        assertEquals(EventType.CONVERSION, event.type());
    }

    @Test
    void beginDiscardsWhatWasNotCommitted() throws IOException {
        log.begin(EventType.WIN, MILLIS).put("stale", 1);
        Event event = roundTrip(log.begin(EventType.LOSS, MILLIS).put("fresh", 2));
        assertEquals(EventType.LOSS, event.type());
        assertEquals(List.of("fresh"), List.copyOf(event.fields().keySet()));
    }

    @Test
    void jsonLineHasTypeTimeWithMillisAndFieldsInOrder() throws IOException {
        Event event = roundTrip(log.begin(EventType.WIN, MILLIS).put("rid", "r\"1").put("price", 123));
        assertEquals("{\"type\":\"WIN\",\"time\":\"2026-11-29T10:00:00.123Z\",\"rid\":\"r\\\"1\",\"price\":123}",
                event.toJson());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "type", "time", "has space", "é", "quote\"", "abcdefghijklmnopqrstuvwxyz0123456"})
    void badFieldNameIsAProgrammingErrorAndThrows(String name) {
        EventWriter w = log.begin(EventType.WIN, MILLIS);
        assertThrows(IllegalArgumentException.class, () -> w.put(name, 1));
        assertThrows(IllegalArgumentException.class, () -> w.put(name, "v"));
    }

    @Test
    void moreThan255FieldsIsOversized() {
        EventWriter w = log.begin(EventType.WIN, MILLIS);
        for (int i = 0; i < 255; i++) {
            w.put("f", i);
        }
        assertFalse(w.isOversized());
        w.put("f", 255);
        assertTrue(w.isOversized());
        assertFalse(log.commit(w));
        assertEquals(1, log.dropped());
    }

    @Test
    void textThatDoesNotFitMarksTheEventOversizedAndLaterPutsAreIgnored() {
        EventWriter w = log.begin(EventType.WIN, MILLIS).put("a", 1);
        int lengthBefore = w.encodedLength();
        w.put("big", "é".repeat(log.maxEventBytes() / 2));
        assertTrue(w.isOversized());
        w.put("b", 2);
        assertEquals(lengthBefore, w.encodedLength());
        assertFalse(log.commit(w));
    }

    @Test
    void writerFromAnotherLogIsRejected() throws IOException {
        try (EventLog other = EventLog.open(dataDir.resolve("other"), EventLogConfig.defaults())) {
            EventWriter w = other.begin(EventType.WIN, MILLIS);
            assertThrows(IllegalArgumentException.class, () -> log.commit(w));
        }
    }

    @Test
    void typeCodesAreStable() {
        EventType[] expected = {EventType.AUCTION, EventType.WIN, EventType.BILL, EventType.LOSS, EventType.CLICK,
            EventType.PIXEL, EventType.APP_EVENT, EventType.CONVERSION, EventType.OPT_OUT, EventType.ERASURE,
            EventType.DATA_FLOW, EventType.CATALOGUE_CHANGE, EventType.NOTICE_FORWARD};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(i + 1, expected[i].code(), expected[i].name());
            assertEquals(expected[i], EventType.fromCode(i + 1));
        }
        assertEquals(expected.length, EventType.values().length, "a new type needs a new code and this test");
        assertNull(EventType.fromCode(0));
        assertNull(EventType.fromCode(99));
    }
}
