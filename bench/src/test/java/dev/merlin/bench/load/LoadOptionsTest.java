package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadOptionsTest {

    @Test
    void parsesBothFlagForms() {
        LoadOptions options = LoadOptions.parse("--find-max", "--duration", "5", "--slo-ms=20", "--connections=8",
                "--target", "http://127.0.0.1:9090/openrtb2/auction", "--no-bare");
        assertTrue(options.findMax());
        assertEquals(5, options.durationSeconds());
        assertEquals(20, options.sloMillis());
        assertEquals(8, options.connections());
        assertEquals(9090, options.target().getPort());
        assertEquals("/openrtb2/auction", options.path());
        assertTrue(!options.measureBare());
    }

    @Test
    void aTransportGoesToBothForksAndOnlyToForksMakeLoadStartsItself() {
        assertEquals("io_uring", LoadOptions.parse("--transport", "io_uring").fork().transport());
        assertNull(LoadOptions.parse("--find-max").fork().transport(), "each fork's default without --transport");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.parse("--transport", "kqueue"));
        assertTrue(bad.getMessage().startsWith("--transport is one of"), bad.getMessage());
        for (String[] elsewhere : List.of(new String[] {"--in-process"},
                new String[] {"--target", "http://127.0.0.1:8080/openrtb2/auction"}, new String[] {"--dsps", "1"})) {
            List<String> args = new ArrayList<>(List.of(elsewhere));
            args.addAll(List.of("--transport", "epoll"));
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> LoadOptions.parse(args.toArray(new String[0])), String.join(" ", args));
            assertTrue(refused.getMessage().startsWith("--transport sets the servers"), refused.getMessage());
        }
    }

    @Test
    void targetMustBeLoopbackWithAPort() {
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--target", "http://example.com:80/x"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--target", "http://10.0.0.1:80/x"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--target", "http://127.0.0.1/x"));
    }

    @Test
    void runsAreBounded() {
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--duration", "100000"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--max-steps", "1000"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--rate", "0"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--bogus", "1"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--resolution", "1"),
                "a bisection that never ends");
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--resolution", "3"));
    }

    /** --find-max would measure its start rate and report it as the maximum even above --max-rate. */
    @Test
    void findMaxCannotStartAboveItsCap() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.parse("--find-max", "--rate", "400", "--max-rate", "100"));
        assertTrue(e.getMessage().contains("--max-rate 100"), e.getMessage());
        assertEquals(100, LoadOptions.parse("--find-max", "--rate", "100", "--max-rate", "100").maxRate());
        assertEquals(400, LoadOptions.parse("--rate", "400", "--max-rate", "100").rate(), "a fixed rate has no cap");
    }

    @Test
    void helpPrintsUsageAndBadFlagsExitWithTwo() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, LoadGenerator.run(new String[] {"--help"}, new PrintStream(out, true), System.err));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--find-max"));
        assertEquals(2, LoadGenerator.run(new String[] {"--rate"}, System.out,
                new PrintStream(new ByteArrayOutputStream())));
    }

    @Test
    void soakFindsItsRateUnlessOneIsGivenAndTheCrashTestAlwaysHasOne() {
        LoadOptions.SoakOptions soak = LoadOptions.parse("--soak", "--soak-seconds", "90").soak();
        assertEquals(0, soak.fixedRate(), "0: find the maximum first");
        assertEquals(90, soak.seconds());
        assertEquals(List.of("-Xms2g", "-Xmx2g", "-Xmn1g", "-XX:MaxTenuringThreshold=1", "-XX:+AlwaysPreTouch",
                "-XX:MaxGCPauseMillis=5"),
                soak.merlinJvmArgs());
        assertEquals(500, LoadOptions.parse("--soak", "--rate", "500").soak().fixedRate());
        LoadOptions.SoakOptions crash = LoadOptions.parse("--crash", "--kill-after", "3").soak();
        assertTrue(crash.isCrashTest());
        assertEquals(2000, crash.fixedRate());
        assertEquals(3, crash.killAfterSeconds());
        assertEquals(null, LoadOptions.parse("--rate", "5").soak());
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--soak", "--crash"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--soak", "--soak-seconds", "4000"));
        assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.parse("--soak", "--target", "http://127.0.0.1:9090/openrtb2/auction"));
    }

    @Test
    void merlinAndTheBareServerAreForkedWithTheSameFlagsUnlessInProcessOrStartedElsewhere() {
        LoadOptions.ForkOptions fork = LoadOptions.parse("--find-max", "--merlin-jvm", "-Xmx1g -Xms1g").fork();
        assertEquals(List.of("-Xmx1g", "-Xms1g"), fork.jvmArgs());
        assertEquals(Path.of("exchange/target/exchange.jar"), fork.merlinJar());
        assertEquals(LoadOptions.DEFAULT_FORK_WARMUP_SECONDS, fork.warmupSeconds());
        assertEquals(5, LoadOptions.parse("--fork-warmup", "5").fork().warmupSeconds());
        assertTrue(LoadOptions.parse().measureBare(), "the bare server is forked too, not dropped");
        assertEquals(null, LoadOptions.parse("--in-process").fork(), "both in the generator's JVM");
        assertEquals(null, LoadOptions.parse("--target", "http://127.0.0.1:9090/openrtb2/auction").fork());
        assertEquals(null, LoadOptions.parse("--dsps", "1").fork(), "the fan-out forks Merlin its own way");
        assertEquals(null, LoadOptions.parse("--soak").fork(), "so does the soak");
        for (String[] clash : List.of(
                new String[] {"--in-process", "--target", "http://127.0.0.1:9090/openrtb2/auction"},
                new String[] {"--in-process", "--dsps", "1"}, new String[] {"--in-process", "--crash"})) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse(clash));
            assertTrue(e.getMessage().startsWith("--in-process"), e.getMessage());
        }
    }

    @Test
    void merlinCpusPinsTheForksOnly() {
        assertEquals(null, LoadOptions.parse("--dsps", "1").fanOut().merlinCpus(), "unpinned unless asked");
        assertEquals(null, LoadOptions.parse().fork().cpus());
        if (Runtime.getRuntime().availableProcessors() >= 2) {
            assertEquals("0", CpuPinning.format(LoadOptions.parse("--dsps", "1", "--merlin-cpus", "0").fanOut()
                    .merlinCpus()));
            assertEquals("0", CpuPinning.format(LoadOptions.parse("--merlin-cpus", "0").fork().cpus()));
            for (String[] notForked : List.of(new String[] {"--merlin-cpus", "0", "--in-process"},
                    new String[] {"--merlin-cpus", "0", "--target", "http://127.0.0.1:9090/openrtb2/auction"})) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> LoadOptions.parse(notForked));
                assertTrue(e.getMessage().startsWith("--merlin-cpus"), e.getMessage());
            }
        }
    }
}
