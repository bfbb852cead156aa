package dev.merlin.dspsim;

import java.util.Locale;

/**
 * How long the simulator waits before it answers a bid request: a fixed time, uniform in a range, or log-normal
 * given its median and 99th percentile (the long right tail real DSPs show).
 */
public final class Latency {

    /** z of the 99th percentile of the standard normal distribution. */
    private static final double Z99 = 2.3263478740408408;
    private static final double MAX_MILLIS = 600_000;
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final Kind kind;
    private final double a;
    private final double b;

    private enum Kind { FIXED, UNIFORM, LOG_NORMAL }

    private Latency(Kind kind, double a, double b) {
        this.kind = kind;
        this.a = a;
        this.b = b;
    }

    /** No wait: answer as soon as the request is read. */
    public static Latency none() {
        return fixedMillis(0);
    }

    /** Always {@code millis} (fractions allowed). */
    public static Latency fixedMillis(double millis) {
        requireMillis("latency", millis);
        return new Latency(Kind.FIXED, millis, millis);
    }

    /** Uniform in [{@code minMillis}, {@code maxMillis}]. */
    public static Latency uniformMillis(double minMillis, double maxMillis) {
        requireMillis("latency min", minMillis);
        requireMillis("latency max", maxMillis);
        if (maxMillis < minMillis) {
            throw new IllegalArgumentException("latency range " + minMillis + ".." + maxMillis + ": max below min");
        }
        return new Latency(Kind.UNIFORM, minMillis, maxMillis);
    }

    /** Log-normal with this median and 99th percentile ({@code p99Millis >= medianMillis > 0}). */
    public static Latency logNormalMillis(double medianMillis, double p99Millis) {
        if (!(medianMillis > 0) || !(p99Millis >= medianMillis) || p99Millis > MAX_MILLIS) {
            throw new IllegalArgumentException("log-normal latency needs 0 < median <= p99 <= " + MAX_MILLIS
                    + " ms, got median " + medianMillis + " p99 " + p99Millis);
        }
        return new Latency(Kind.LOG_NORMAL, Math.log(medianMillis), Math.log(p99Millis / medianMillis) / Z99);
    }

    /**
     * Parses the command line form: {@code 5} (fixed), {@code 2..10} (uniform) or {@code lognormal:5:50}
     * (median 5 ms, p99 50 ms).
     */
    public static Latency parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("lognormal:")) {
                String[] parts = t.substring("lognormal:".length()).split(":");
                if (parts.length != 2) {
                    throw new IllegalArgumentException("lognormal latency is lognormal:MEDIAN:P99, got " + text);
                }
                return logNormalMillis(Double.parseDouble(parts[0]), Double.parseDouble(parts[1]));
            }
            int range = t.indexOf("..");
            if (range >= 0) {
                return uniformMillis(Double.parseDouble(t.substring(0, range)),
                        Double.parseDouble(t.substring(range + 2)));
            }
            return fixedMillis(Double.parseDouble(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("latency: not a number in '" + text
                    + "' (MS, MIN..MAX or lognormal:MEDIAN:P99)", e);
        }
    }

    /** The delay for one request, from two uniform draws in [0, 1). */
    long delayNanos(double u1, double u2) {
        double millis;
        switch (kind) {
            case FIXED:
                millis = a;
                break;
            case UNIFORM:
                millis = a + (b - a) * u1;
                break;
            case LOG_NORMAL:
                // Box-Muller: a standard normal from two uniforms; 1 - u1 is in (0, 1], so the log is finite
                double z = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
                millis = Math.min(MAX_MILLIS, Math.exp(a + b * z));
                break;
            default:
                throw new IllegalStateException(kind.name());
        }
        return (long) (millis * NANOS_PER_MILLI);
    }

    /** The smallest delay this latency can give, in milliseconds. */
    public double minMillis() {
        return kind == Kind.LOG_NORMAL ? 0 : a;
    }

    @Override
    public String toString() {
        switch (kind) {
            case FIXED:
                return a + " ms";
            case UNIFORM:
                return a + ".." + b + " ms";
            default:
                return String.format(Locale.ROOT, "log-normal median %.3g ms p99 %.3g ms", Math.exp(a),
                        Math.exp(a + b * Z99));
        }
    }

    private static void requireMillis(String what, double millis) {
        if (!(millis >= 0) || millis > MAX_MILLIS) {
            throw new IllegalArgumentException(what + " must be in [0, " + MAX_MILLIS + "] ms, got " + millis);
        }
    }
}
