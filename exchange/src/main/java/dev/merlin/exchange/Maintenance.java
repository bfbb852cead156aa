package dev.merlin.exchange;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stores' periodic purges as an Agrona agent on a thread of its own, never on an event loop. Each task runs at
 * its period, measured from the end of its last run; a task that throws, an {@code Error} such as
 * {@code OutOfMemoryError} too, is counted ({@code merlin_maintenance_failures_total{task}}) and logged, and the agent
 * carries on with the others and runs it again at its next period. The agent catches the {@code Error} itself: its
 * Agrona runner would rethrow it, which ends the thread and with it every purge.
 */
public final class Maintenance implements Agent {

    private static final Logger LOG = LoggerFactory.getLogger(Maintenance.class);

    /**
     * One periodic task.
     *
     * @param name    the task's name, the {@code task} label of its failures
     * @param removed what a positive count means, for the log line ("users whose segments had all expired")
     * @param firstRun how long after start-up it first runs
     * @param period  how long after a run it runs again
     * @param purge   the work: returns how many entries it removed
     */
    public record Task(String name, String removed, Duration firstRun, Duration period, LongSupplier purge) {
    }

    private final Task[] tasks;
    private final long[] nextRunNanos;
    private final NanoClock clock;
    private final ExchangeMetrics metrics;

    /** Schedules each task's first run {@link Task#firstRun()} after now, on {@code clock}. */
    public Maintenance(List<Task> tasks, NanoClock clock, ExchangeMetrics metrics) {
        this.tasks = tasks.toArray(new Task[0]);
        this.nextRunNanos = new long[this.tasks.length];
        this.clock = clock;
        this.metrics = metrics;
        long now = clock.nanoTime();
        for (int i = 0; i < this.tasks.length; i++) {
            nextRunNanos[i] = now + this.tasks[i].firstRun().toNanos();
        }
    }

    @Override
    public String roleName() {
        return "merlin-maintenance";
    }

    /** Runs every task that is due; returns how many ran. */
    @Override
    public int doWork() {
        int ran = 0;
        for (int i = 0; i < tasks.length; i++) {
            if (clock.nanoTime() - nextRunNanos[i] >= 0) {
                run(tasks[i]);
                nextRunNanos[i] = clock.nanoTime() + tasks[i].period().toNanos();
                ran++;
            }
        }
        return ran;
    }

    private void run(Task task) {
        try {
            long removed = task.purge().getAsLong();
            if (removed > 0) {
                LOG.info("{}: removed {} {}", task.name(), removed, task.removed());
            }
        } catch (RuntimeException | Error e) {
            metrics.maintenanceFailure(task.name());
            LOG.warn("maintenance task {} failed; it runs again in {}: {}", task.name(), task.period(), e.toString());
        }
    }
}
