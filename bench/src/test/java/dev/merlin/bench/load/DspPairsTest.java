package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code make dsp-pairs}'s options: make kafka-cost's pairs by default, one DSP answering at once; their bounds. */
class DspPairsTest {

    @Test
    void byDefaultOneDspAnsweringAtOnceAndKafkaCostsPairs() {
        DspPairs.Options defaults = DspPairs.Options.parse(new String[0]);
        assertEquals(1, defaults.dsps());
        assertEquals("0", defaults.dspLatency());
        assertEquals(new PairedSlices.Plan(9, 2, 10, 80_000, 64), defaults.plan());
        assertEquals(60.0, defaults.jitWarmupSeconds());
        DspPairs.Options three = DspPairs.Options.parse(new String[] {"--dsps", "3", "--dsp-latency", "5",
            "--pairs", "5", "--slice", "20", "--offered", "50000", "--connections", "32", "--warmup", "1",
            "--jit-warmup", "0"});
        assertEquals(3, three.dsps());
        assertEquals("5", three.dspLatency());
        assertEquals(new PairedSlices.Plan(5, 1, 20, 50_000, 32), three.plan());
        assertEquals(0.0, three.jitWarmupSeconds());
    }

    @Test
    void anythingOutOfRangeOrUnknownIsRefused() {
        for (String[] bad : new String[][] {{"--dsps", "0"}, {"--dsps", "9"}, {"--pairs", "0"}, {"--slice", "0"},
            {"--offered", "10"}, {"--connections", "0"}, {"--warmup", "-1"}, {"--jit-warmup", "601"},
            {"--dsp-latency", "soon"}, {"--dsps"}}) {
            assertThrows(IllegalArgumentException.class, () -> DspPairs.Options.parse(bad), String.join(" ", bad));
        }
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> DspPairs.Options.parse(new String[] {"--rate", "5"}));
        assertTrue(unknown.getMessage().contains("--rate"), unknown.getMessage());
    }
}
