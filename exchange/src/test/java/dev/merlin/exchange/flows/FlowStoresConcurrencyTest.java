package dev.merlin.exchange.flows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.merlin.exchange.privacy.DataCategories;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three threads counting into the same aggregate and recipients (as event loops and the notice loop do) while a
 * report reads: every flow counted once, every entry readable. (A {@code LongValue} value beside a variable-size
 * key failed exactly this under Chronicle Map 2026.1: entries overwrote each other, single-threaded too.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FlowStoresConcurrencyTest {

    private static final int THREADS = 3;
    private static final int FLOWS = 20_000;
    private static final long DAY = 20_786;

    @TempDir
    Path dataDir;

    @Test
    void concurrentWritersCountEveryFlowOnce() throws Exception {
        String[] regions = {"JPN", "KOR", "FRA", "??"};
        long[] keys = {FlowRecipients.dspKey("tokyo"), FlowRecipients.dspKey("berlin")};
        try (FlowAggregate aggregate = new FlowAggregate(dataDir, 100_000);
             FlowRecipients recipients = new FlowRecipients(dataDir, 10_000)) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                threads.add(new Thread(() -> {
                    int[] byDsp = new int[2];
                    for (int i = 0; i < FLOWS; i++) {
                        aggregate.add(DAY + i % 3, FlowKind.fromCode(1 + (i + thread) % 3), i % 32, regions[i % 4],
                                thread == 0 ? "JPN" : "DEU", thread == 0 ? "tokyo" : "berlin", 1);
                        byDsp[0] = 1 << (i / 500 % 5);
                        byDsp[1] = i / 500 % 2 == 0 ? DataCategories.NONE : DataCategories.IP;
                        recipients.record(1 + i % 500, 1_800_000_000L + i, byDsp, keys);
                    }
                }));
            }
            threads.forEach(Thread::start);
            LocalDate from = LocalDate.ofEpochDay(DAY);
            for (int r = 0; r < 20; r++) {
                aggregate.rows(from, from.plusDays(2), null);
                recipients.read(1 + r);
            }
            for (Thread thread : threads) {
                thread.join();
            }
            long total = aggregate.rows(from, from.plusDays(2), null).stream().mapToLong(FlowAggregate.Row::count)
                    .sum();
            assertEquals((long) THREADS * FLOWS, total);
            for (int user = 1; user <= 500; user++) {
                FlowRecipients.Held held = recipients.read(user);
                assertEquals(2, held.recipients().size(), "user " + user + ": " + held);
                assertEquals(DataCategories.ALL, held.recipients().get(0).categories());
            }
        }
    }
}
