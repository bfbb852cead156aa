package dev.merlin.exchange.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The click-once memory: once per impression, bounded in time, persisted, and never thrown by a full map. */
class ClickLedgerTest {

    private static final long T0 = 1_780_000_000L;
    private static final long WINDOW = 86_400L;

    @TempDir
    Path dataDir;
    private ClickLedger ledger;

    @AfterEach
    void close() {
        if (ledger != null) {
            ledger.close();
        }
    }

    @Test
    void anImpressionIsClickedOnceAndAnotherImpressionAgain() {
        ledger = new ClickLedger(dataDir, 1_000, WINDOW);
        assertEquals(ClickLedger.Click.COUNTED, ledger.click("r1", "1", T0, T0 + 5));
        assertEquals(ClickLedger.Click.REPEATED, ledger.click("r1", "1", T0, T0 + 6));
        assertEquals(ClickLedger.Click.COUNTED, ledger.click("r1", "2", T0, T0 + 6));
        assertEquals(ClickLedger.Click.COUNTED, ledger.click("r2", "1", T0, T0 + 6));
        ledger.close();
        ledger = new ClickLedger(dataDir, 1_000, WINDOW);
        assertEquals(ClickLedger.Click.REPEATED, ledger.click("r1", "1", T0, T0 + 60), "remembered over a restart");
    }

    @Test
    void aFullMapRefusesCountedAndRecoversOnceThePurgeForgetsClicksPastTheWindow() {
        ledger = new ClickLedger(dataDir, 1_000, WINDOW);
        int counted = 0;
        int refused = 0;
        for (int key = 0, inARow = 0; inARow < 1_000; key++) {
            assertTrue(key < 1_000_000, "the click-once map never filled");
            if (ledger.click("req-" + key, "1", T0, T0) == ClickLedger.Click.COUNTED) {
                counted++;
                inARow = 0;
            } else {
                refused++;
                inARow++;
            }
        }
        assertTrue(counted >= 1_000, "sized for 1,000, it held " + counted);
        assertEquals(refused, ledger.refusedFull(), "every refusal is counted");
        long weekLater = T0 + 7 * 86_400L;
        assertEquals(counted, ledger.purgeExpired(weekLater));
        assertEquals(ClickLedger.Click.COUNTED, ledger.click("brand-new", "1", weekLater, weekLater));
        // what was forgotten is never counted again: its clicks are a week late
        assertEquals(ClickLedger.Click.EXPIRED, ledger.click("req-0", "1", T0, weekLater));
        ledger.close();
        ledger = new ClickLedger(dataDir, 1_000, WINDOW);
        assertEquals(ClickLedger.Click.EXPIRED, ledger.click("req-0", "1", T0, T0 + 60),
                "the purge's cut-off survives a restart, even with the clock set back");
    }
}
