package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime's maintenance frees the slots of users whose segments have all expired. */
class RuntimeMaintenanceTest {

    @Test
    void usersWithNothingLiveAreRemoved(@TempDir Path dataDir) {
        MerlinConfig config = ConfigLoader.loadDefault().withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L));
        AtomicLong now = new AtomicLong(1_800_000_000L);
        try (ExchangeRuntime runtime = ExchangeRuntime.open(config, new ExchangeMetrics(), now::get)) {
            int fans = config.segmentId("sports-fans");
            runtime.segments().add("short-lived", fans, now.get() + 60, now.get());
            runtime.segments().add("long-lived", fans, now.get() + 86_400, now.get());
            assertEquals(2, runtime.segments().size());
            now.addAndGet(120);
            assertEquals(1, runtime.purgeExpiredUsers());
            assertEquals(1, runtime.segments().size());
        }
    }

    @Test
    void erasuresAreForgottenOnceNothingTimedBeforeThemCanArrive(@TempDir Path dataDir) {
        MerlinConfig config = ConfigLoader.loadDefault().withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L));
        AtomicLong now = new AtomicLong(1_800_000_000L);
        try (ExchangeRuntime runtime = ExchangeRuntime.open(config, new ExchangeMetrics(), now::get)) {
            runtime.erasures().erased(42L, now.get());
            runtime.erasures().optedOut(43L, now.get());
            now.addAndGet(ExchangeRuntime.ERASURE_MEMORY_SECONDS);
            assertEquals(0, runtime.purgeOldErasures(), "a notice from the second of the erasure may still come");
            now.addAndGet(1);
            assertEquals(1, runtime.purgeOldErasures());
            assertEquals(1, runtime.erasures().size(), "the opt-out stays");
        }
    }
}
