package dev.merlin.bench.load;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * How late a thread that does nothing but sleep 1 ms wakes up, as jHiccup measures it: a hiccup is time in which no
 * thread of this JVM could run, whatever the server did — the generator's own pauses, the host descheduling the
 * machine, the kernel. A step's p99 that the hiccups also reach is the machine's, not the server's.
 *
 * <p>A daemon thread records each oversleep in an HdrHistogram {@link Recorder}; {@link #interval} returns what it
 * recorded since the last call. Closing it stops the thread.
 */
final class HiccupMeter implements AutoCloseable {

    private static final long SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long HIGHEST_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Recorder recorder = new Recorder(HIGHEST_NANOS, 3);
    private final Thread thread;
    private volatile boolean isRunning = true;

    private HiccupMeter() {
        thread = new Thread(this::run, "hiccup-meter");
        thread.setDaemon(true);
    }

    /** Starts measuring. */
    static HiccupMeter start() {
        HiccupMeter meter = new HiccupMeter();
        meter.thread.start();
        return meter;
    }

    private void run() {
        while (isRunning) {
            long before = System.nanoTime();
            LockSupport.parkNanos(SLEEP_NANOS);
            long late = System.nanoTime() - before - SLEEP_NANOS;
            recorder.recordValue(Math.min(HIGHEST_NANOS, Math.max(0, late)));
        }
    }

    /** The oversleeps in nanoseconds since the last call (or the start). */
    Histogram interval() {
        return recorder.getIntervalHistogram();
    }

    @Override
    public void close() throws InterruptedException {
        isRunning = false;
        thread.join(TimeUnit.SECONDS.toMillis(1));
    }
}
