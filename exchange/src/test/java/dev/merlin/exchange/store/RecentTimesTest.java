package dev.merlin.exchange.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The latest N event times per key: the span of N consecutive ones, in event time, whatever the arrival order. */
class RecentTimesTest {

    private static final long T0 = 1_780_000_000L;

    @TempDir
    Path dataDir;
    private RecentTimes times;

    @BeforeEach
    void open() {
        times = new RecentTimes(dataDir, "times.cm3", "test-times", 1_000, 3);
    }

    @AfterEach
    void close() {
        times.close();
    }

    @Test
    void fewerThanNTimesHaveNoSpanAndThenTheSpanOfTheLatestN() {
        assertEquals(Long.MAX_VALUE, times.add(1, T0, 3));
        assertEquals(Long.MAX_VALUE, times.add(1, T0 + 100, 3));
        assertEquals(300, times.add(1, T0 + 300, 3));
        assertEquals(250, times.add(1, T0 + 350, 3), "the oldest dropped: 100..350");
        assertEquals(Long.MAX_VALUE, times.add(2, T0, 3), "per key");
    }

    @Test
    void aLateTimeIsPlacedInOrderAndSpansOnlyRunsThatHoldIt() {
        times.add(1, T0, 3);
        times.add(1, T0 + 1_000, 3);
        times.add(1, T0 + 5_000, 3);
        assertEquals(1_000, times.add(1, T0 + 500, 3), "T0, +500, +1000 (not +500..+5000)");
        // kept: the latest three, +500, +1000, +5000
        assertEquals(600, times.add(1, T0 + 400, 3), "+400, +500, +1000: the run that holds it");
        // +400 fell out at once (older than the latest three): kept +500, +1000, +5000
        assertEquals(4_000, times.add(1, T0 + 5_000, 3), "+1000, +5000, +5000");
    }

    @Test
    void nIsBounded() {
        assertThrows(IllegalArgumentException.class, () -> times.add(1, T0, RecentTimes.MAX_TIMES + 1));
        assertThrows(IllegalArgumentException.class, () -> times.add(1, T0, 0));
    }

    @Test
    void removeForgetsTheKey() {
        times.add(1, T0, 2);
        times.remove(1);
        assertEquals(Long.MAX_VALUE, times.add(1, T0 + 1, 2));
    }
}
