package dev.merlin.dspsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Latency and price specs: their command line forms and the values they draw. */
class DistributionsTest {

    private static final int SAMPLES = 20_000;

    @Test
    void parsesTheThreeLatencyForms() {
        assertEquals(5_000_000L, Latency.parse("5").delayNanos(0.3, 0.7));
        assertEquals(500_000L, Latency.parse("0.5").delayNanos(0.9, 0.1));
        Latency uniform = Latency.parse("2..10");
        assertEquals(2_000_000L, uniform.delayNanos(0, 0.5));
        assertEquals(6_000_000L, uniform.delayNanos(0.5, 0.5));
        assertEquals(2.0, uniform.minMillis());
        assertTrue(Latency.parse("lognormal:5:50").toString().contains("median 5.00 ms p99 50.0 ms"));
        assertThrows(IllegalArgumentException.class, () -> Latency.parse("ten"));
        assertThrows(IllegalArgumentException.class, () -> Latency.parse("10..2"));
        assertThrows(IllegalArgumentException.class, () -> Latency.parse("lognormal:50:5"));
        assertThrows(IllegalArgumentException.class, () -> Latency.parse("-1"));
    }

    @Test
    void logNormalHasTheConfiguredMedianAndP99() {
        Latency latency = Latency.logNormalMillis(5, 50);
        double[] millis = new double[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            millis[i] = latency.delayNanos(Draws.unit(3, i, Draws.LATENCY_A), Draws.unit(3, i, Draws.LATENCY_B)) / 1e6;
        }
        Arrays.sort(millis);
        double median = millis[SAMPLES / 2];
        double p99 = millis[(int) (SAMPLES * 0.99)];
        assertEquals(5, median, 0.5, "median");
        assertEquals(50, p99, 7, "p99");
    }

    @Test
    void parsesTheThreePriceForms() {
        assertEquals(1.5, Price.parse("1.5").cpm(9, 0.4));
        Price uniform = Price.parse("0.5..3");
        assertEquals(0.5, uniform.cpm(0, 0));
        assertEquals(1.75, uniform.cpm(0, 0.5));
        Price floor = Price.parse("floor:1.2");
        assertEquals(2.4, floor.cpm(2, 0.9));
        assertEquals(1.0, floor.cpm(0, 0.9), "no floor: 1.0 unless given");
        assertEquals(0.8, Price.parse("floor:1.2:0.8").cpm(0, 0.9));
        assertEquals(1.234568, Price.fixed(1.2345678).cpm(0, 0), "whole micros");
        assertThrows(IllegalArgumentException.class, () -> Price.parse("3..1"));
        assertThrows(IllegalArgumentException.class, () -> Price.parse("floor:x"));
        assertThrows(IllegalArgumentException.class, () -> Price.parse("NaN"));
    }

    @Test
    void drawsAreUniformAndRepeatable() {
        int below = 0;
        for (int i = 0; i < SAMPLES; i++) {
            double u = Draws.unit(11, i, Draws.BID);
            assertTrue(u >= 0 && u < 1);
            assertEquals(u, Draws.unit(11, i, Draws.BID));
            below += u < 0.25 ? 1 : 0;
        }
        assertEquals(0.25, below / (double) SAMPLES, 0.02);
    }

    @Test
    void mainReadsItsFlags() {
        SimOptions.Builder b = SimOptions.builder();
        long maxSeconds = Main.parse(new String[] {"--port", "0", "--bid-rate", "0.8", "--latency-ms", "lognormal:5:40",
            "--price", "floor:2", "--currency", "EUR", "--seat", "s1", "--fault", "reset=0.1", "--fault",
            "wrong-imp-id=0.05", "--gzip-rate", "1", "--no-deals", "--no-record", "--max-seconds", "30"}, b);
        SimOptions o = b.build();
        assertEquals(30, maxSeconds);
        assertEquals(0.8, o.bidRate());
        assertEquals("EUR", o.currency());
        assertEquals("s1", o.seat());
        assertEquals(0.1, o.faultRate(Fault.RESET));
        assertEquals(0.05, o.faultRate(Fault.WRONG_IMP_ID));
        assertEquals(0, o.faultRate(Fault.GARBAGE));
        assertEquals(false, o.isDealBidding());
        assertEquals(false, o.isRecordingLastRequest());
        assertEquals(-2, Main.parse(new String[] {"--help"}, SimOptions.builder()));
        assertThrows(IllegalArgumentException.class, () -> Main.parse(new String[] {"--fault", "explode=1"},
                SimOptions.builder()));
        assertThrows(IllegalArgumentException.class, () -> Main.parse(new String[] {"--port"}, SimOptions.builder()));
        assertThrows(IllegalArgumentException.class, () -> Main.parse(new String[] {"--bogus", "1"},
                SimOptions.builder()));
    }
}
