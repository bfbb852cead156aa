package dev.merlin.exchange.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rollout report's durable counts by (day, country, arm): real Chronicle Map files in a temp dir. */
class RolloutStatsTest {

    private static final LocalDate DAY = LocalDate.parse("2026-12-05");

    @Test
    void countsEachArmsAuctionsBidsAndChargesAndKeepsThemAcrossAReopen(@TempDir Path dir) {
        try (RolloutStats stats = new RolloutStats(dir, 1_000)) {
            stats.add(DAY.toEpochDay(), Holdout.TREATMENT, "JPN", 2, 3_500_000);
            stats.add(DAY.toEpochDay(), Holdout.TREATMENT, "jpn", 0, 0);
            stats.add(DAY.toEpochDay(), Holdout.CONTROL, "JPN", 1, 1_200_000);
            stats.add(DAY.toEpochDay(), Holdout.CONTROL, "KOR", 0, 0);
            stats.add(DAY.plusDays(1).toEpochDay(), Holdout.CONTROL, "JPN", 1, 1_000_000);
            assertFalse(stats.add(DAY.toEpochDay(), Holdout.NO_ARM, "JPN", 1, 1_000_000), "outside the trial");
        }
        try (RolloutStats stats = new RolloutStats(dir, 1_000)) {
            assertEquals(List.of(
                    new RolloutStats.Row(DAY, "JPN", Holdout.TREATMENT, 2, 1, 3_500_000),
                    new RolloutStats.Row(DAY, "JPN", Holdout.CONTROL, 1, 1, 1_200_000),
                    new RolloutStats.Row(DAY, "KOR", Holdout.CONTROL, 1, 0, 0)), stats.rows(DAY, DAY));
            assertEquals(4, stats.rows(DAY, DAY.plusDays(1)).size());
            assertEquals(List.of(new RolloutStats.Row(DAY.plusDays(1), "JPN", Holdout.CONTROL, 1, 1, 1_000_000)),
                    stats.rows(DAY.plusDays(1), DAY.plusDays(3)));
        }
    }

    @Test
    void whatARequestClaimsAsItsCountryNeverReachesTheKeyAsItCame(@TempDir Path dir) {
        try (RolloutStats stats = new RolloutStats(dir, 1_000)) {
            for (String claimed : new String[] {"J|P", "JP", "JAPAN", "J1N", "", "\u00c9TA", "a|b|c"}) {
                stats.add(DAY.toEpochDay(), Holdout.CONTROL, claimed, 0, 0);
            }
            stats.add(DAY.toEpochDay(), Holdout.CONTROL, null, 0, 0);
            assertEquals(List.of(new RolloutStats.Row(DAY, RolloutStats.UNKNOWN_COUNTRY, Holdout.CONTROL, 8, 0, 0)),
                    stats.rows(DAY, DAY));
        }
    }

    @Test
    void aFullMapRefusesAndCountsInsteadOfThrowing(@TempDir Path dir) {
        try (RolloutStats stats = new RolloutStats(dir, 100)) {
            int counted = 0;
            for (int day = 0; day < 20_000 && stats.refusedFull() == 0; day++) {
                counted += stats.add(DAY.toEpochDay() + day, Holdout.TREATMENT, "JPN", 1, 1) ? 1 : 0;
            }
            assertTrue(stats.refusedFull() > 0, "a map sized for 100 rows filled within 20,000 days");
            assertTrue(counted >= 100, "at least the rows it was sized for: " + counted);
            assertTrue(stats.add(DAY.toEpochDay(), Holdout.TREATMENT, "JPN", 1, 1), "an existing row still counts");
            assertEquals(2, stats.rows(DAY, DAY).get(0).auctions());
        }
    }

    @Test
    void purgeForgetsTheDaysBeforeTheFirstKept(@TempDir Path dir) {
        try (RolloutStats stats = new RolloutStats(dir, 1_000)) {
            for (int day = 0; day < 10; day++) {
                stats.add(DAY.toEpochDay() + day, Holdout.CONTROL, "JPN", 0, 0);
            }
            assertEquals(4, stats.purgeBefore(DAY.plusDays(4)));
            List<RolloutStats.Row> left = stats.rows(DAY, DAY.plusDays(20));
            assertEquals(6, left.size());
            assertEquals(DAY.plusDays(4), left.get(0).day());
        }
    }

    @Test
    void countingAnAuctionAllocatesNothing(@TempDir Path dir) {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        try (RolloutStats stats = new RolloutStats(dir, 1_000)) {
            long day = DAY.toEpochDay();
            for (int i = 0; i < 20_000; i++) {
                stats.add(day, (i & 1) + 1, i % 3 == 0 ? "KOR" : "JPN", i & 1, i);
            }
            long fewest = Long.MAX_VALUE;
            for (int round = 0; round < 5 && fewest > 0; round++) {
                long before = threads.getThreadAllocatedBytes(id);
                for (int i = 0; i < 10_000; i++) {
                    stats.add(day, (i & 1) + 1, i % 3 == 0 ? "KOR" : "JPN", i & 1, i);
                }
                fewest = Math.min(fewest, threads.getThreadAllocatedBytes(id) - before);
            }
            assertEquals(0, fewest, "bytes allocated by 10,000 counts in the best round");
        }
    }
}
