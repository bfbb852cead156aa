package dev.merlin.dspsim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The command line run: one line when it listens, its counters when {@code --max-seconds} stops it. */
class MainIT {

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void listensThenStopsByItselfAfterMaxSeconds() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        long start = System.nanoTime();
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            Main.main(new String[] {"--port", "0", "--max-seconds", "1", "--bid-rate", "0.5"});
        } finally {
            System.setOut(original);
        }
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        String text = captured.toString(StandardCharsets.UTF_8);
        assertTrue(text.matches("(?s)dsp-sim listening on http://127\\.0\\.0\\.1:[0-9]+/bid \\(.*bid rate 0\\.5.*"),
                text);
        assertTrue(text.contains(" stopped: 0 requests, 0 bids"), text);
        assertTrue(elapsedMillis >= 1000, "ran " + elapsedMillis + " ms");
    }
}
