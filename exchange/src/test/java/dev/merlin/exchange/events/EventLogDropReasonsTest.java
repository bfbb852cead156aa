package dev.merlin.exchange.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.EventLogConfig;
import java.io.IOException;
import java.nio.file.Path;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Why the log refused an event: too large for any log, or no room (a full ring, a closed log), counted apart. */
class EventLogDropReasonsTest {

    private static final long MILLIS = 1_795_946_400_123L;

    @TempDir
    Path dataDir;

    @Test
    void anOversizedEventIsCountedAsOversizedNotAsAFullRing() throws IOException {
        try (EventLog log = EventLog.open(dataDir, EventLogConfig.defaults())) {
            EventWriter w = log.begin(EventType.APP_EVENT, MILLIS).put("blob", "x".repeat(log.maxEventBytes()));
            assertFalse(log.commit(w));
            assertEquals(1, log.droppedOversized());
            assertEquals(0, log.droppedFull());
            assertEquals(1, log.dropped(), "the total still counts every refusal once");
        }
    }

    @Test
    void aFullRingAndAClosedLogAreCountedAsFullNotAsOversized() throws IOException {
        int ringBytes = 1_024;
        EventLog log = EventLog.openStopped(dataDir, EventLogConfig.builder().ringBufferBytes(ringBytes).build(),
                SystemEpochClock.INSTANCE);
        int refused = 0;
        for (int i = 0; i < 100; i++) {
            if (!log.commit(log.begin(EventType.PIXEL, MILLIS).put("seq", i))) {
                refused++;
            }
        }
        assertTrue(refused > 0, "nobody drains the ring: it fills");
        assertFalse(log.commit(log.begin(EventType.PIXEL, MILLIS).put("blob", "x".repeat(log.maxEventBytes()))));
        assertEquals(refused, log.droppedFull());
        assertEquals(1, log.droppedOversized());
        log.close();
        assertFalse(log.commit(log.begin(EventType.PIXEL, MILLIS).put("seq", -1)));
        assertEquals(refused + 1, log.droppedFull());
        assertEquals(refused + 2, log.dropped());
    }
}
