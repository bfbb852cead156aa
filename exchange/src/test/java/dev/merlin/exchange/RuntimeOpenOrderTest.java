package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.events.EventLogReader;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stores' locks are taken before the event log opens, so a refused second start leaves no trace. */
class RuntimeOpenOrderTest {

    @Test
    void aSecondRuntimeOnTheSameDataDirFailsBeforeCreatingAnEventsFile(@TempDir Path dataDir) throws Exception {
        MerlinConfig config = ConfigLoader.loadDefault().withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L));
        try (ExchangeRuntime first = ExchangeRuntime.open(config, new ExchangeMetrics())) {
            List<Path> files = EventLogReader.files(dataDir);
            assertEquals(1, files.size(), "the first runtime's log file");
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> ExchangeRuntime.open(config, new ExchangeMetrics()));
            assertTrue(refused.getMessage().contains("already open"), refused.getMessage());
            assertEquals(files, EventLogReader.files(dataDir), "no stray events file from the refused start");
            first.segments().add("still-works", config.segmentId("sports-fans"), 1_900_000_000L, 1_800_000_000L);
        }
    }
}
