package dev.merlin.dspsim;

/**
 * What the simulator bids: a fixed price, uniform in a range, or the imp's floor (its deal's floor on a deal bid)
 * times a multiplier. Prices are CPMs in the simulator's currency; a floor in another currency is taken as it is
 * (the simulator converts nothing).
 */
public final class Price {

    private static final double MICROS = 1_000_000d;

    private final Kind kind;
    private final double a;
    private final double b;

    private enum Kind { FIXED, UNIFORM, FLOOR_TIMES }

    private Price(Kind kind, double a, double b) {
        this.kind = kind;
        this.a = a;
        this.b = b;
    }

    /** Always {@code cpm}. */
    public static Price fixed(double cpm) {
        requireCpm("price", cpm);
        return new Price(Kind.FIXED, cpm, cpm);
    }

    /** Uniform in [{@code minCpm}, {@code maxCpm}]. */
    public static Price uniform(double minCpm, double maxCpm) {
        requireCpm("price min", minCpm);
        requireCpm("price max", maxCpm);
        if (maxCpm < minCpm) {
            throw new IllegalArgumentException("price range " + minCpm + ".." + maxCpm + ": max below min");
        }
        return new Price(Kind.UNIFORM, minCpm, maxCpm);
    }

    /** The floor times {@code multiplier}; {@code noFloorCpm} where the imp names no floor. */
    public static Price floorTimes(double multiplier, double noFloorCpm) {
        requireCpm("floor multiplier", multiplier);
        requireCpm("price without a floor", noFloorCpm);
        return new Price(Kind.FLOOR_TIMES, multiplier, noFloorCpm);
    }

    /**
     * Parses the command line form: {@code 1.5} (fixed), {@code 0.5..3} (uniform) or {@code floor:1.2} /
     * {@code floor:1.2:0.8} (floor times 1.2; 0.8, or 1.0 when not given, without a floor).
     */
    public static Price parse(String text) {
        String t = text.trim();
        try {
            if (t.startsWith("floor:")) {
                String[] parts = t.substring("floor:".length()).split(":");
                if (parts.length > 2) {
                    throw new IllegalArgumentException("price floor:MULTIPLIER[:NO_FLOOR_CPM], got " + text);
                }
                return floorTimes(Double.parseDouble(parts[0]), parts.length == 2 ? Double.parseDouble(parts[1]) : 1);
            }
            int range = t.indexOf("..");
            if (range >= 0) {
                return uniform(Double.parseDouble(t.substring(0, range)), Double.parseDouble(t.substring(range + 2)));
            }
            return fixed(Double.parseDouble(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("price: not a number in '" + text
                    + "' (CPM, MIN..MAX or floor:MULTIPLIER[:NO_FLOOR_CPM])", e);
        }
    }

    /** The price for one bid on an imp with this floor ({@code 0} = none), from a uniform draw in [0, 1). */
    double cpm(double floorCpm, double u) {
        double cpm;
        switch (kind) {
            case FIXED:
                cpm = a;
                break;
            case UNIFORM:
                cpm = a + (b - a) * u;
                break;
            case FLOOR_TIMES:
                cpm = floorCpm > 0 ? floorCpm * a : b;
                break;
            default:
                throw new IllegalStateException(kind.name());
        }
        // whole micros, so the JSON says 1.234567 rather than 1.2345670000000001
        return Math.round(cpm * MICROS) / MICROS;
    }

    @Override
    public String toString() {
        switch (kind) {
            case FIXED:
                return String.valueOf(a);
            case UNIFORM:
                return a + ".." + b;
            default:
                return "floor x " + a + " (" + b + " without a floor)";
        }
    }

    private static void requireCpm(String what, double cpm) {
        if (!(cpm >= 0) || Double.isInfinite(cpm)) {
            throw new IllegalArgumentException(what + " must be a finite number >= 0, got " + cpm);
        }
    }
}
