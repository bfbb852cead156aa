package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.IdentityKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.AgentInvoker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The maintenance agent runs each task at its period, and a task that throws is counted and does not stop the
 * others or its own next run. Driven through {@code doWork} with a hand-moved clock: no thread, no sleep.
 */
class MaintenanceTest {

    private static final byte[] SECRET = "maintenance-test-secret".getBytes(StandardCharsets.UTF_8);

    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final ExchangeMetrics metrics = new ExchangeMetrics();

    @Test
    void aFailingTaskIsCountedAndTheOthersAndItsNextRunStillHappen() {
        AtomicInteger failingRuns = new AtomicInteger();
        AtomicInteger otherRuns = new AtomicInteger();
        Maintenance agent = new Maintenance(List.of(
                new Maintenance.Task("failing", "nothing", Duration.ofMinutes(1), Duration.ofMinutes(10), () -> {
                    failingRuns.incrementAndGet();
                    throw new IllegalStateException("the store is unmapped");
                }),
                new Maintenance.Task("other", "entries", Duration.ofMinutes(1), Duration.ofMinutes(10),
                        () -> otherRuns.incrementAndGet())), nanos::get, metrics);

        assertEquals(0, agent.doWork(), "nothing is due before the first run");
        advance(Duration.ofMinutes(1));
        assertEquals(2, agent.doWork());
        assertEquals(1, metrics.maintenanceFailures("failing"));
        assertEquals(0, metrics.maintenanceFailures("other"));
        assertEquals(1, otherRuns.get(), "the task after the failing one ran");

        advance(Duration.ofMinutes(9));
        assertEquals(0, agent.doWork(), "the period is measured from the end of the last run");
        advance(Duration.ofMinutes(1));
        assertEquals(2, agent.doWork());
        assertEquals(2, failingRuns.get(), "the failing task runs again at its period");
        assertEquals(2, metrics.maintenanceFailures("failing"));
        assertEquals(2, otherRuns.get());
    }

    @Test
    void aTaskThatThrowsAnErrorIsCountedAndTheAgentKeepsRunningEveryTask() {
        AtomicInteger failingRuns = new AtomicInteger();
        AtomicInteger otherRuns = new AtomicInteger();
        List<Throwable> handled = new ArrayList<>();
        Maintenance agent = new Maintenance(List.of(
                new Maintenance.Task("overflowing", "nothing", Duration.ofMinutes(1), Duration.ofMinutes(10), () -> {
                    failingRuns.incrementAndGet();
                    throw new StackOverflowError();
                }),
                new Maintenance.Task("other", "entries", Duration.ofMinutes(1), Duration.ofMinutes(10),
                        () -> otherRuns.incrementAndGet())), nanos::get, metrics);
        // Agrona's invoker handles a pass as the node's runner does: an Error is rethrown, which ends the thread
        AgentInvoker invoker = new AgentInvoker(handled::add, null, agent);
        invoker.start();

        advance(Duration.ofMinutes(1));
        assertEquals(2, assertDoesNotThrow(invoker::invoke, "an Error rethrown here would end every purge"));
        assertEquals(1, metrics.maintenanceFailures("overflowing"));
        assertEquals(1, otherRuns.get(), "the task after the failing one ran");
        advance(Duration.ofMinutes(10));
        assertEquals(2, invoker.invoke());
        assertEquals(2, failingRuns.get(), "it runs again at its period");
        assertEquals(2, otherRuns.get());
        assertEquals(2, metrics.maintenanceFailures("overflowing"));
        assertEquals(List.of(), handled);
    }

    @Test
    void theStoresPurgesRunAtTheirPeriodsAfterAFailingOne(@TempDir Path dataDir) {
        MerlinConfig config = ConfigLoader.loadDefault().withDataDir(dataDir.toString())
                .withStores(new StoresConfig(10_000L, null, null, null, 10_000L, 10_000L));
        AtomicLong now = new AtomicLong(1_800_000_000L);
        try (ExchangeStores stores = ExchangeStores.open(config, new CampaignCatalog(config),
                IdentityKeys.of(SECRET).userHash(), now::get)) {
            int fans = config.segmentId("sports-fans");
            stores.segments().add("short-lived", fans, now.get() + 60, now.get());
            stores.segments().add("long-lived", fans, now.get() + 86_400, now.get());
            List<Maintenance.Task> tasks = new ArrayList<>();
            tasks.add(new Maintenance.Task("broken", "nothing", Duration.ZERO, Duration.ofMinutes(1), () -> {
                throw new IllegalStateException("broken");
            }));
            tasks.addAll(stores.purges(config.maintenance()));
            Maintenance agent = new Maintenance(tasks, nanos::get, metrics);
            now.addAndGet(120);

            assertEquals(1, agent.doWork(), "only the broken task is due at start");
            assertEquals(2, stores.segments().size());
            advance(Duration.ofMinutes(10));
            assertEquals(2, agent.doWork(), "the broken task and the charge purge");
            advance(Duration.ofMinutes(1));
            assertEquals(2, agent.doWork(), "the broken task and the click purge");
            advance(Duration.ofMinutes(49));
            agent.doWork();
            assertEquals(1, stores.segments().size(), "the user purge ran an hour after start");
            assertEquals(0, metrics.maintenanceFailures("expired_users"));
            assertEquals(4, metrics.maintenanceFailures("broken"));
        }
    }

    private void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }
}
