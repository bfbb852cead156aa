package dev.merlin.exchange.segments;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A terminal progress bar for long loads: percent of bytes, rows, rows per second and time left.
 *
 * <p>On a terminal it redraws one line with {@code \r} a few times a second; otherwise (a log, a pipe)
 * it prints a full line every few seconds. The caller passes the clock in, so rendering is testable.
 */
final class ProgressBar {

    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final long LINE_NANOS = 5_000_000_000L;

    private final PrintStream out;
    private final boolean redraw;
    private final long totalBytes;
    private final long startNanos;
    private final String label;
    private long lastPrintNanos;

    ProgressBar(PrintStream out, boolean redraw, String label, long totalBytes, long startNanos) {
        this.out = out;
        this.redraw = redraw;
        this.label = label;
        this.totalBytes = totalBytes;
        this.startNanos = startNanos;
        this.lastPrintNanos = startNanos;
    }

    /** Whether progress should redraw in place: a console is attached. */
    static boolean isTerminal() {
        return System.console() != null;
    }

    /** Reports progress; prints only when the throttle interval has passed. */
    void update(long doneBytes, long rows, long nowNanos) {
        long interval = redraw ? REDRAW_NANOS : LINE_NANOS;
        if (nowNanos - lastPrintNanos < interval) {
            return;
        }
        lastPrintNanos = nowNanos;
        print(doneBytes, rows, nowNanos);
    }

    /** Prints the final state and ends the line. */
    void finish(long doneBytes, long rows, long nowNanos) {
        print(doneBytes, rows, nowNanos);
        if (redraw) {
            out.println();
        }
        out.flush();
    }

    private void print(long doneBytes, long rows, long nowNanos) {
        String line = render(label, doneBytes, totalBytes, rows, nowNanos - startNanos);
        if (redraw) {
            out.print('\r');
            out.print(line);
            out.flush();
        } else {
            out.println(line);
        }
    }

    /** One progress line, e.g. {@code load [#######.......]  23.4%  1,234,567 rows  812,345 rows/s  ETA 0:07}. */
    static String render(String label, long doneBytes, long totalBytes, long rows, long elapsedNanos) {
        double fraction = totalBytes <= 0 ? 1.0 : Math.min(1.0, (double) doneBytes / totalBytes);
        int filled = (int) Math.round(fraction * WIDTH);
        StringBuilder sb = new StringBuilder(96).append(label).append(" [");
        for (int i = 0; i < WIDTH; i++) {
            sb.append(i < filled ? '#' : '.');
        }
        double elapsedSeconds = elapsedNanos / 1e9;
        long rowsPerSecond = elapsedSeconds <= 0 ? 0 : (long) (rows / elapsedSeconds);
        sb.append("] ").append(String.format(Locale.ROOT, "%5.1f%%", fraction * 100))
                .append("  ").append(String.format(Locale.ROOT, "%,d", rows)).append(" rows  ")
                .append(String.format(Locale.ROOT, "%,d", rowsPerSecond)).append(" rows/s  ETA ");
        if (fraction <= 0 || elapsedSeconds <= 0) {
            sb.append("--:--");
        } else {
            long remaining = Math.round(elapsedSeconds * (1 - fraction) / fraction);
            sb.append(formatDuration(remaining));
        }
        return sb.toString();
    }

    static String formatDuration(long seconds) {
        long h = seconds / 3600;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s)
                : String.format(Locale.ROOT, "%d:%02d", m, s);
    }
}
