package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code make kafka-cost}'s options (the paired slices by default, the uncounted warm-up of each kind, find-max's
 * rounds and bisection, and their bounds), the Kafka node's backlog read from its metrics, and the median it judges
 * the goal on.
 */
class KafkaCostTest {

    @TempDir
    Path dir;

    @Test
    void eachKindIsWarmedUpForThirtySecondsUnlessToldOtherwise() throws Exception {
        Path classpath = Files.writeString(dir.resolve("kafka.classpath"), "a.jar");
        assertEquals(60.0, KafkaCost.Options.parse(new String[] {"--kafka-cp", classpath.toString()}).rounds()
                .jitWarmupSeconds(), "the paired default warms each fork for a minute");
        KafkaCost.Options defaults = KafkaCost.Options.parse(new String[] {"--kafka-cp", classpath.toString(),
            "--find-max"});
        assertEquals(30.0, defaults.rounds().jitWarmupSeconds());
        assertEquals(3, defaults.rounds().count(), "an odd number of rounds: the median is one of them");
        assertEquals(1.04, defaults.load().resolution(), "bisected to within 4 %, finer than make load's 10 %");
        assertEquals(64, defaults.load().connections(), "a throughput figure: enough requests in flight");
        KafkaCost.Options none = KafkaCost.Options.parse(new String[] {"--kafka-cp", classpath.toString(),
            "--find-max", "--jit-warmup", "0", "--rounds", "2", "--rate", "4000"});
        assertEquals(0.0, none.rounds().jitWarmupSeconds());
        assertEquals(2, none.rounds().count());
        assertEquals(4000.0, none.load().rate(), "make load's options pass through");
        assertEquals(1.2, KafkaCost.Options.parse(new String[] {"--kafka-cp", classpath.toString(), "--resolution",
            "1.2"}).load().resolution());
        assertEquals(1.2, KafkaCost.Options.parse(new String[] {"--kafka-cp", classpath.toString(),
            "--resolution=1.2"}).load().resolution(), "the --option=value form is not overridden by the default");
        assertEquals(4, KafkaCost.Options.parse(new String[] {"--kafka-cp", classpath.toString(), "--connections",
            "4"}).load().connections());
    }

    @Test
    void byDefaultNinePairsOfTenSecondSlicesAtSaturation() throws Exception {
        Path classpath = Files.writeString(dir.resolve("kafka.classpath"), "a.jar");
        PairedSlices.Plan plan = KafkaCost.Options.parse(new String[] {"--kafka-cp", classpath.toString()}).paired();
        assertEquals(new PairedSlices.Plan(9, 2, 10, 80_000, 64), plan, "an odd number of pairs: one is the median");
        assertEquals(0, KafkaCost.Options.parse(new String[] {"--kafka-cp", classpath.toString()}).rounds()
                .brokerNice(), "paired: the broker competes for the cores as an equal");
        assertEquals(19, KafkaCost.Options.parse(new String[] {"--kafka-cp", classpath.toString(), "--find-max"})
                .rounds().brokerNice(), "find-max: as its earlier figures were measured");
        assertEquals(10, KafkaCost.Options.parse(new String[] {"--kafka-cp", classpath.toString(), "--broker-nice",
            "10"}).rounds().brokerNice());
        assertEquals(new PairedSlices.Plan(15, 1, 20, 50_000, 8), KafkaCost.Options.parse(new String[] {
            "--kafka-cp", classpath.toString(), "--pairs", "15", "--slice", "20", "--offered", "50000",
            "--connections", "8", "--warmup", "1"}).paired());
        for (String[] bad : new String[][] {{"--pairs", "0"}, {"--pairs", "52"}, {"--slice", "0.5"},
            {"--slice", "601"}, {"--offered", "999"}, {"--offered", "NaN"}}) {
            assertThrows(IllegalArgumentException.class, () -> KafkaCost.Options.parse(new String[] {
                "--kafka-cp", classpath.toString(), bad[0], bad[1]}), String.join(" ", bad));
        }
    }

    @Test
    void theKafkaNodesBacklogIsReadFromItsMetricsByItsExactName() {
        String metrics = "# HELP merlin_kafka_events_lag_bytes Bytes of the local event log not yet acknowledged\n"
                + "# TYPE merlin_kafka_events_lag_bytes gauge\n"
                + "merlin_kafka_events_lag_bytes_max 99.0\n"
                + "merlin_kafka_events_lag_bytes 7366727.0\n"
                + "merlin_requests_total 12.0\n";
        assertEquals(7_366_727L, KafkaCost.lagBytes(metrics));
        assertEquals(0L, KafkaCost.lagBytes("merlin_kafka_events_lag_bytes 0.0\n"));
        assertEquals(-1L, KafkaCost.lagBytes("merlin_requests_total 12.0\n"), "a node without Kafka: no gauge");
    }

    @Test
    void aWarmUpOutsideZeroToSixHundredSecondsOrNoClasspathIsRefused() throws Exception {
        Path classpath = Files.writeString(dir.resolve("kafka.classpath"), "a.jar");
        for (String bad : new String[] {"-1", "601", "NaN"}) {
            assertThrows(IllegalArgumentException.class, () -> KafkaCost.Options.parse(new String[] {
                "--kafka-cp", classpath.toString(), "--jit-warmup", bad}), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> KafkaCost.Options.parse(new String[] {
            "--kafka-cp", dir.resolve("missing").toString()}));
        assertThrows(IllegalArgumentException.class, () -> KafkaCost.Options.parse(new String[] {
            "--kafka-cp", classpath.toString(), "--rounds", "6"}));
        assertThrows(IllegalArgumentException.class, () -> KafkaCost.Options.parse(new String[] {
            "--kafka-cp", classpath.toString(), "--resolution", "1.001"}), "a bisection that never ends");
    }

    @Test
    void forkRunsEachNodeAsItsOwnProcessWithKafkaOnlyForTheKafkaNode() throws Exception {
        Path classpath = Files.writeString(dir.resolve("kafka.classpath"), "a.jar");
        assertTrue(KafkaCost.Options.parse(new String[] {"--kafka-cp", classpath.toString()}).rounds().isForked(),
                "the paired default runs both nodes as processes of their own");
        assertFalse(KafkaCost.Options.parse(new String[] {"--kafka-cp", classpath.toString(), "--find-max"})
                .rounds().isForked(), "find-max's nodes run in this JVM unless --fork");
        KafkaCost.Options forked = KafkaCost.Options.parse(new String[] {"--kafka-cp", classpath.toString(),
            "--find-max", "--fork", "--rounds", "1"});
        assertTrue(forked.rounds().isForked());
        assertNull(forked.paired(), "--find-max runs rounds, not pairs");
        assertEquals(1, forked.rounds().count(), "the flag takes no value: the next option is read as one");
        Path jar = Files.writeString(dir.resolve("exchange.jar"), "");
        List<String> plain = KafkaCost.forkCommand(jar, null);
        List<String> kafka = KafkaCost.forkCommand(jar, "127.0.0.1:9092");
        assertTrue(plain.containsAll(List.of("-jar", jar.toString(), "--node-id", "1", "-Xmx2g")), plain.toString());
        assertFalse(plain.contains("--kafka"), plain.toString());
        assertEquals("127.0.0.1:9092", kafka.get(kafka.indexOf("--kafka") + 1), kafka.toString());
        // what the forked node's Main makes of its config and flags: with Kafka it needs the secrets the config adds
        Path config = Files.writeString(dir.resolve("node.yaml"), KafkaCost.forkConfigYaml());
        assertEquals(1, ConfigLoader.load(config).withNodeId(1).withKafkaBootstrap("127.0.0.1:9092").validate()
                .exchange().nodeId());
    }

    @Test
    void theGoalIsJudgedOnTheMedianRoundSoOneStalledRoundDecidesNothing() {
        assertEquals(0.93, KafkaCost.median(List.of(0.93, 0.78, 0.95)), 1e-12);
        assertEquals(0.78, KafkaCost.median(List.of(0.93, 0.78, 0.70)), 1e-12);
        assertEquals(0.9, KafkaCost.median(List.of(0.95, 0.85)), 1e-12);
        assertEquals(0.5, KafkaCost.median(List.of(0.5)), 1e-12);
        assertEquals(0.0, KafkaCost.median(List.of()), 1e-12);
    }
}
