package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.dspsim.DspSimulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code make dsp-pairs}'s options: make kafka-cost's pairs by default, one DSP answering at once; their bounds; a
 * baseline build to compare with.
 */
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
        assertNull(three.baseline(), "without --baseline the reference is the internal-only node");
    }

    @Test
    void aBaselineMustBeAJarFileHere(@TempDir Path dir) throws IOException {
        Path jar = Files.createFile(dir.resolve("old-exchange.jar"));
        assertEquals(jar, DspPairs.Options.parse(new String[] {"--baseline", jar.toString()}).baseline());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> DspPairs.Options.parse(new String[] {"--baseline", dir.resolve("gone.jar").toString()}));
        assertTrue(missing.getMessage().contains("--baseline"), missing.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> DspPairs.Options.parse(new String[] {"--baseline", dir.toString()}), "a directory is no jar");
    }

    @Test
    void aTransportIsSetInBothForksConfigsOrInTheBaselinesAloneToCompareTransports() throws IOException {
        DspPairs.Options plain = DspPairs.Options.parse(new String[0]);
        assertNull(plain.transport());
        assertFalse(plain.comparesBuilds(), "internal-only against DSPs");
        DspPairs.Options transports = DspPairs.Options.parse(new String[] {"--transport", "io_uring",
            "--baseline-transport", "epoll"});
        assertEquals("io_uring", transports.transport());
        assertEquals("epoll", transports.baselineTransport());
        assertTrue(transports.comparesBuilds(), "the current build on two transports, both calling the DSPs");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> DspPairs.Options.parse(new String[] {"--transport", "kqueue"}));
        assertTrue(bad.getMessage().startsWith("--transport is one of"), bad.getMessage());
        String yaml = FanOutRun.withTransport(FanOutRun.configYaml(List.of()), "io_uring");
        MerlinConfig config = ConfigLoader.parse(yaml, "dsp pairs");
        assertEquals("io_uring", config.server().transport(), "the forks' config binds the transport");
        assertEquals(ConfigLoader.loadDefault().server().port(), config.server().port(), "the rest unchanged");
    }

    @Test
    void pipeliningIsSetInTheDspForksOrInTheBaselinesAloneToCompareIt() throws Exception {
        DspPairs.Options plain = DspPairs.Options.parse(new String[0]);
        assertEquals(1, plain.pipelining(), "one request per connection at a time by default");
        assertNull(plain.baselinePipelining());
        DspPairs.Options pipelined = DspPairs.Options.parse(new String[] {"--pipelining", "8"});
        assertEquals(8, pipelined.pipelining());
        assertFalse(pipelined.comparesBuilds(), "internal-only against DSPs taking 8 at once");
        DspPairs.Options compared = DspPairs.Options.parse(new String[] {"--pipelining", "8",
            "--baseline-pipelining", "1"});
        assertEquals(1, compared.baselinePipelining());
        assertTrue(compared.comparesBuilds(), "the current build both times, calling the DSP two ways");
        for (String[] bad : new String[][] {{"--pipelining", "0"}, {"--baseline-pipelining", "65"},
            {"--pipelining", "eight"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DspPairs.Options.parse(bad));
            assertTrue(e.getMessage().startsWith(bad[0] + " is 1 to 64"), e.getMessage());
        }
        try (DspSimulator sim = DspSimulator.builder().start()) {
            String yaml = FanOutRun.configYaml(List.of(sim));
            assertEquals(1, ConfigLoader.parse(yaml, "dsp pairs").dsps().get(0).pipelining());
            MerlinConfig config = ConfigLoader.parse(FanOutRun.withPipelining(yaml, 8), "dsp pairs");
            assertEquals(8, config.dsps().get(0).pipelining(), "the forks' config binds the DSP's pipelining");
            assertEquals(sim.endpoint(), config.dsps().get(0).endpoint(), "the rest unchanged");
        }
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

    @Test
    void merlinCpusTakesACpuListAndLeavesTheRestToThisJvm() {
        assertNull(DspPairs.Options.parse(new String[0]).merlinCpus(), "unpinned unless asked");
        int cpus = Runtime.getRuntime().availableProcessors();
        if (cpus >= 2) {
            assertEquals("0", CpuPinning.format(DspPairs.Options.parse(new String[] {"--merlin-cpus", "0"})
                    .merlinCpus()));
        }
        IllegalArgumentException all = assertThrows(IllegalArgumentException.class,
                () -> DspPairs.Options.parse(new String[] {"--merlin-cpus", "0-" + (cpus - 1)}));
        assertTrue(all.getMessage().startsWith("--merlin-cpus"), all.getMessage());
    }
}
