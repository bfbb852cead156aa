package dev.merlin.exchange.flows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import dev.merlin.config.DspConfig;
import dev.merlin.config.EventLogConfig;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.privacy.DataCategories;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The ledger over real Chronicle files in a temp dir: counts, days, per-DSP rows, recipients, restart, bounds. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DataFlowLedgerTest {

    private static final long DAY = LocalDate.of(2026, 11, 29).toEpochDay();
    private static final long NOW = DAY * 86_400L + 36_000L;
    private static final List<DspConfig> DSPS = List.of(DspConfig.of("tokyo", "Tokyo", "http://127.0.0.1:1/", "JPN"),
            DspConfig.of("berlin", "Berlin", "http://127.0.0.1:1/", "EEA"));

    @TempDir
    Path dataDir;

    private final List<AutoCloseable> open = new ArrayList<>();

    private DataFlowLedger ledger(EventLog events) {
        FlowAggregate aggregate = new FlowAggregate(dataDir, 10_000);
        FlowRecipients recipients = new FlowRecipients(dataDir, 10_000);
        open.add(aggregate);
        open.add(recipients);
        return new DataFlowLedger(DSPS, aggregate, recipients, events, () -> NOW);
    }

    private void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.remove(i).close();
        }
    }

    @Test
    void flowsAreCountedPerDayRegionDspCategoriesAndKindAndSurviveARestart() throws Exception {
        DataFlowLedger ledger = ledger(null);
        int ids = DataCategories.IDS | DataCategories.IP;
        for (int i = 0; i < 5; i++) {
            ledger.bidRequest(0, "JPN", ids, NOW);
        }
        ledger.bidRequest(0, "JPN", DataCategories.NONE, NOW);
        ledger.bidRequest(1, "??", DataCategories.NONE, NOW + 86_400L);
        ledger.notice(1, "DEU");
        ledger.notice(1, null);
        ledger.sync(0, "KOR", DataCategories.IDS, NOW);
        ledger.bidRequest(7, "JPN", ids, NOW);
        closeAll();

        DataFlowLedger reopened = ledger(null);
        LocalDate day = LocalDate.ofEpochDay(DAY);
        List<FlowAggregate.Row> rows = reopened.rows(day, day, null);
        assertEquals(List.of(
                new FlowAggregate.Row(day, "??", "berlin", "EEA", 0, FlowKind.NOTICE, 1),
                new FlowAggregate.Row(day, "DEU", "berlin", "EEA", 0, FlowKind.NOTICE, 1),
                new FlowAggregate.Row(day, "JPN", "tokyo", "JPN", 0, FlowKind.BID_REQUEST, 1),
                new FlowAggregate.Row(day, "JPN", "tokyo", "JPN", ids, FlowKind.BID_REQUEST, 5),
                new FlowAggregate.Row(day, "KOR", "tokyo", "JPN", DataCategories.IDS, FlowKind.SYNC, 1)), rows,
                "an unknown DSP index is not counted");
        assertEquals(1, reopened.rows(day.plusDays(1), day.plusDays(1), null).size());
        assertEquals(List.of(new FlowAggregate.Row(day, "??", "berlin", "EEA", 0, FlowKind.NOTICE, 1),
                new FlowAggregate.Row(day, "DEU", "berlin", "EEA", 0, FlowKind.NOTICE, 1)),
                reopened.rows(day, day, "berlin"));
        assertEquals(3, reopened.rows(day, day.plusDays(1), "berlin").size());
        closeAll();
    }

    @Test
    void aClosedStoreIsCountedNeverThrownIntoTheCaller() throws Exception {
        DataFlowLedger ledger = ledger(null);
        closeAll();
        ledger.bidRequest(0, "JPN", DataCategories.IDS, NOW);
        ledger.notice(1, "JPN");
        ledger.recipients(42L, NOW, new int[] {DataCategories.IDS, 0});
        assertEquals(3, ledger.failures());
    }

    @Test
    void countsOlderThanTheRetentionArePurged() throws Exception {
        DataFlowLedger ledger = ledger(null);
        long day = 86_400L;
        ledger.bidRequest(0, "JPN", DataCategories.NONE, NOW - (DataFlowLedger.RETENTION_DAYS + 1) * day);
        ledger.bidRequest(0, "JPN", DataCategories.NONE, NOW - DataFlowLedger.RETENTION_DAYS * day);
        ledger.bidRequest(0, "JPN", DataCategories.NONE, NOW);
        assertEquals(1, ledger.purgeOld());
        LocalDate today = LocalDate.ofEpochDay(DAY);
        assertEquals(2, ledger.rows(today.minusDays(DataFlowLedger.MAX_REPORT_DAYS * 3), today, null).size());
        closeAll();
    }

    @Test
    void aRegionIsAnAlphaThreeCountryOrUnknownAndKeyTextIsSanitised() throws Exception {
        DataFlowLedger ledger = ledger(null);
        ledger.bidRequest(0, "J\u00d6N,\n\"x", DataCategories.NONE, NOW);
        LocalDate day = LocalDate.ofEpochDay(DAY);
        assertEquals("J?N???x", ledger.rows(day, day, null).get(0).userRegion(),
                "nothing outside printable ASCII reaches a key");
        closeAll();
    }

    @Test
    void recipientsKeepTheUnionOfCategoriesWithFirstAndLastTimeAndAreErased() throws Exception {
        DataFlowLedger ledger = ledger(null);
        ledger.recipients(42L, NOW, new int[] {DataCategories.IDS, 0});
        ledger.recipients(42L, NOW + 60, new int[] {DataCategories.IP, DataCategories.EIDS});
        ledger.recipients(0L, NOW, new int[] {DataCategories.IDS, DataCategories.IDS});
        ledger.recipients(43L, NOW, new int[] {0, 0});
        DataFlowLedger.UserFlows held = ledger.recipientsOf(42L);
        assertFalse(held.isTruncated());
        assertEquals(List.of(
                new DataFlowLedger.UserRecipient("tokyo", "Tokyo", "JPN", DataCategories.IDS | DataCategories.IP, NOW,
                        NOW + 60),
                new DataFlowLedger.UserRecipient("berlin", "Berlin", "EEA", DataCategories.EIDS, NOW + 60,
                        NOW + 60)), held.recipients());
        assertTrue(ledger.recipientsOf(0L).recipients().isEmpty(), "no user, nothing kept");
        assertTrue(ledger.recipientsOf(43L).recipients().isEmpty(), "nothing personal, nothing kept");
        assertEquals(held, ledger.erase(42L));
        assertTrue(ledger.recipientsOf(42L).recipients().isEmpty());
        closeAll();
    }

    @Test
    void aUserKeepsThirtyTwoRecipientsAndIsMarkedTruncatedPastThem() throws Exception {
        try (FlowRecipients recipients = new FlowRecipients(dataDir, 1_000)) {
            int[] categories = new int[40];
            long[] keys = new long[40];
            for (int i = 0; i < 40; i++) {
                categories[i] = DataCategories.IDS;
                keys[i] = FlowRecipients.dspKey("dsp-" + i);
            }
            recipients.record(7L, NOW, categories, keys);
            FlowRecipients.Held held = recipients.read(7L);
            assertEquals(FlowRecipients.MAX_RECIPIENTS, held.recipients().size());
            assertTrue(held.isTruncated());
            assertEquals(keys[31], held.recipients().get(31).dspKey());
        }
    }

    @Test
    void recordingAllocatesNothingOnceWarm() throws Exception {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        try (EventLog events = EventLog.open(dataDir, EventLogConfig.defaults())) {
            DataFlowLedger ledger = ledger(events);
            int[] byDsp = {DataCategories.IDS | DataCategories.IP, DataCategories.NONE};
            record(ledger, byDsp, 20_000);
            long threadId = Thread.currentThread().getId();
            threads.getThreadAllocatedBytes(threadId);
            long fewest = Long.MAX_VALUE;
            long fastestNanos = Long.MAX_VALUE;
            for (int round = 0; round < 20; round++) {
                long before = threads.getThreadAllocatedBytes(threadId);
                long start = System.nanoTime();
                record(ledger, byDsp, 2_000);
                fastestNanos = Math.min(fastestNanos, System.nanoTime() - start);
                fewest = Math.min(fewest, threads.getThreadAllocatedBytes(threadId) - before);
            }
            assertEquals(0.0, fewest / 2_000.0, 0.01, "bytes per request: " + fewest + " in the best round");
            System.out.printf("ledger: %.2f us per request (2 DSPs counted and logged, 1 user's recipients)%n",
                    fastestNanos / 2_000 / 1_000.0);
            closeAll();
        }
    }

    private static void record(DataFlowLedger ledger, int[] byDsp, int requests) {
        for (int i = 0; i < requests; i++) {
            ledger.bidRequest(0, "JPN", byDsp[0], NOW);
            ledger.bidRequest(1, "JPN", byDsp[1], NOW);
            ledger.recipients(1 + (i & 1023), NOW + i, byDsp);
        }
    }
}
