package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code make dsp-pairs ARGS='--merlin-cpus LIST'}: the CPU lists it takes, and taskset doing what it says. */
class CpuPinningTest {

    @Test
    void aListNamesCpusThisMachineHasAndLeavesOneForTheGenerator() {
        assertEquals(BitSet.valueOf(new long[] {0b1}), CpuPinning.parse("--merlin-cpus", "0", 2));
        BitSet three = CpuPinning.parse("--merlin-cpus", "0,2-3", 8);
        assertEquals("0,2,3", CpuPinning.format(three));
        assertEquals("1,4,5,6,7", CpuPinning.format(CpuPinning.rest(three, 8)));
        assertEquals(List.of("taskset", "-c", "0,2,3"), CpuPinning.prefix(three));
        assertEquals(List.of("taskset", "-c", "0,2,3", "java", "-XX:+UseG1GC", "-Xmx1g", "-jar", "x.jar"),
                CpuPinning.java(three, List.of("java", "-Xmx1g", "-jar", "x.jar")));
        assertEquals(List.of("java", "-jar", "x.jar"), CpuPinning.java(null, List.of("java", "-jar", "x.jar")));
        for (String bad : List.of("", "a", "0-", "-1", "1-0", "2", "0,,1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CpuPinning.parse("--merlin-cpus", bad, 2), "'" + bad + "'");
            assertTrue(e.getMessage().startsWith("--merlin-cpus"), e.getMessage());
        }
        IllegalArgumentException all = assertThrows(IllegalArgumentException.class,
                () -> CpuPinning.parse("--merlin-cpus", "0-1", 2));
        assertTrue(all.getMessage().contains("no CPU for the load generator"), all.getMessage());
    }

    @Test
    void aForkStartedWithThePrefixRunsOnlyOnItsCpus() throws Exception {
        assumeTaskset();
        List<String> command = new ArrayList<>(CpuPinning.prefix(BitSet.valueOf(new long[] {0b1})));
        command.addAll(List.of("grep", "Cpus_allowed_list", "/proc/self/status"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(10, TimeUnit.SECONDS));
        assertEquals("Cpus_allowed_list:\t0", output.trim());
    }

    /** Pins this test JVM to every CPU it already has: taskset runs on the JVM's own pid, and nothing changes. */
    @Test
    void thisJvmCanBePinned() throws Exception {
        assumeTaskset();
        int cpus = Runtime.getRuntime().availableProcessors();
        BitSet all = new BitSet();
        all.set(0, cpus);
        CpuPinning.pinThisJvm(all);
        String status = Files.readString(Path.of("/proc/self/status"));
        String expected = cpus == 1 ? "0" : "0-" + (cpus - 1);
        assertTrue(status.contains("Cpus_allowed_list:\t" + expected), status);
    }

    private static void assumeTaskset() {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/taskset")) && Files.exists(Path.of("/proc/self/status")),
                "taskset (util-linux) or /proc is not on this machine: CPU pinning cannot be checked here");
    }

    /** On one CPU a JVM would pick the serial collector; a pinned fork keeps G1, as make run's JVM has here. */
    @Test
    void aPinnedJvmKeepsG1() throws Exception {
        assumeTaskset();
        List<String> java = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+PrintFlagsFinal", "-version");
        Process process = new ProcessBuilder(CpuPinning.java(BitSet.valueOf(new long[] {0b1}), java))
                .redirectErrorStream(true).start();
        String flags = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertTrue(flags.matches("(?s).*bool UseG1GC\\s+= true.*"), "G1 off in the pinned JVM");
        assertTrue(flags.matches("(?s).*bool UseSerialGC\\s+= false.*"), "serial collector in the pinned JVM");
    }
}
