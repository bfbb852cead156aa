package dev.merlin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The tuning knobs: one default in the records, the same in the shipped YAML, and key-path errors when bad. */
class TuningKnobsTest {

    @Test
    void theShippedYamlStatesTheRecordsDefaults() {
        MerlinConfig shipped = ConfigLoader.loadDefault();
        ServerConfig server = ServerConfig.defaults();
        assertEquals(server.backlog(), shipped.server().backlog());
        assertEquals(server.writeBufferLowBytes(), shipped.server().writeBufferLowBytes());
        assertEquals(server.writeBufferHighBytes(), shipped.server().writeBufferHighBytes());
        assertEquals(server.slowWorkThreads(), shipped.server().slowWorkThreads());
        assertEquals(server.slowWorkQueue(), shipped.server().slowWorkQueue());
        assertEquals(server.transport(), shipped.server().transport());
        assertEquals(EventLogConfig.defaults(), shipped.eventLog());
        assertEquals(MaintenanceConfig.defaults(), shipped.maintenance());
        assertEquals(StoresConfig.defaults(), shipped.stores());
    }

    @Test
    void defaultsAreTheValuesTheCodeHadHardCoded() {
        ServerConfig server = ServerConfig.defaults();
        assertEquals(1024, server.backlog());
        assertEquals(32 * 1024, server.writeBufferLowBytes());
        assertEquals(64 * 1024, server.writeBufferHighBytes());
        assertEquals(1, server.slowWorkThreads());
        assertEquals(64, server.slowWorkQueue());
        assertEquals("auto", server.transport());
        MaintenanceConfig maintenance = MaintenanceConfig.defaults();
        assertEquals(3_600, maintenance.expiredUsersPurgeSeconds());
        assertEquals(600, maintenance.expiredChargesPurgeSeconds());
        assertEquals(600, maintenance.expiredClicksPurgeSeconds());
        assertEquals(86_400, maintenance.oldErasuresPurgeSeconds());
        assertEquals(256 * 1024, EventLogConfig.defaults().batchBytes());
        assertEquals(16 * 1024, EventLogConfig.defaults().maxEventBytes());
        assertEquals(100_000L, StoresConfig.defaults().optOutEntries());
        StoresConfig small = StoresConfig.small(10_000L);
        assertEquals(10_000L, small.optOutEntries(), "a tenth of the users, at least 10,000");
        assertEquals(10_000L, small.erasureEntries());
        assertEquals(500_000L, StoresConfig.builder().segmentUsers(5_000_000L).build().erasureEntries());
    }

    @Test
    void aBadKnobIsNamedByItsKeyPath() {
        assertEquals("server.writeBufferHighBytes", failure("server:\n  writeBufferLowBytes: 131072\n"));
        assertEquals("server.backlog", failure("server:\n  backlog: 0\n"));
        assertEquals("server.slowWorkQueue", failure("server:\n  slowWorkQueue: 0\n"));
        assertEquals("server.slowWorkThreads", failure("server:\n  slowWorkThreads: 65\n"));
        assertEquals("server.transport", failure("server:\n  transport: kqueue\n"));
        assertEquals("maintenance.expiredChargesPurgeSeconds",
                failure("maintenance:\n  expiredChargesPurgeSeconds: 10\n"));
        assertEquals("maintenance.oldErasuresPurgeSeconds", failure("maintenance:\n  oldErasuresPurgeSeconds: 60\n"));
        assertEquals("maintenance.intervalSeconds", failure("maintenance:\n  intervalSeconds: 60\n"));
        assertEquals("eventLog.maxEventBytes", failure("eventLog:\n  maxEventBytes: 2097152\n"));
        assertEquals("eventLog.batchBytes", failure("eventLog:\n  batchBytes: 100\n"));
        assertEquals("stores.optOutEntries", failure("stores:\n  optOutEntries: 10\n"));
        assertEquals("stores.erasureEntries", failure("stores:\n  erasureEntries: 10\n"));
    }

    @Test
    void aKnobSetInYamlIsBound() {
        MerlinConfig config = ConfigLoader.parse("server:\n  backlog: 4096\n  slowWorkThreads: 2\n  transport: nio\n"
                + "maintenance:\n  expiredUsersPurgeSeconds: 600\neventLog:\n  batchBytes: 65536\n", "test");
        assertEquals(4096, config.server().backlog());
        assertEquals(2, config.server().slowWorkThreads());
        assertEquals("nio", config.server().transport());
        assertEquals(600, config.maintenance().expiredUsersPurgeSeconds());
        assertEquals(600, config.maintenance().expiredChargesPurgeSeconds());
        assertEquals(65_536, config.eventLog().batchBytes());
    }

    @Test
    void theCopiesForFlagsKeepEverySection() {
        MerlinConfig shipped = ConfigLoader.loadDefault();
        MerlinConfig moved = shipped.withHost("::1").withPort(9090).withDataDir("/tmp/elsewhere");
        assertEquals(shipped.sellers(), moved.sellers(), "--host kept the sellers");
        assertEquals(shipped.maintenance(), moved.maintenance());
        assertEquals(shipped.tracking(), moved.tracking());
        assertEquals(shipped.withHost("::1").withPort(9090).withDataDir("/tmp/elsewhere"), moved);
        assertEquals(shipped, moved.toBuilder().server(shipped.server()).dataDir(shipped.dataDir()).build());
        assertEquals(List.of(), MerlinConfig.builder().build().sellers());
    }

    private static String failure(String yaml) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "test")).keyPath();
    }
}
