package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ConfigException;
import dev.merlin.config.MerlinConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.util.Properties;

/** The command line: {@code [--config FILE] [--port N] [--data-dir DIR]}. */
class MainTest {

    @Test
    void noFlagsIsTheEmbeddedDemo() {
        MerlinConfig config = Main.configure(new String[0]);
        assertEquals(8080, config.server().port());
        assertEquals("./data", config.dataDir());
        assertTrue(config.advertisers().size() >= 12);
    }

    @Test
    void nettysLeakDetectorSamplesOneBufferIn4096UnlessTheJvmIsToldOtherwise() {
        Properties fresh = new Properties();
        Main.defaultLeakSampling(fresh);
        assertEquals("4096", fresh.getProperty("io.netty.leakDetection.samplingInterval"));
        Properties told = new Properties();
        told.setProperty("io.netty.leakDetection.samplingInterval", "1");
        Main.defaultLeakSampling(told);
        assertEquals("1", told.getProperty("io.netty.leakDetection.samplingInterval"), "-D wins");
    }

    @Test
    void flagsOverrideTheConfig(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m.yaml");
        Files.writeString(file, "server:\n  port: 7000\ndataDir: /srv/merlin\n");
        MerlinConfig config = Main.configure(new String[] {"--config", file.toString(), "--port", "9090",
            "--data-dir", dir.toString()});
        assertEquals(9090, config.server().port());
        assertEquals(dir.toString(), config.dataDir());
        assertEquals("http://127.0.0.1:9090", Main.configure(new String[] {"--port", "9090"}).exchange().publicUrl());
    }

    @Test
    void theNodeIdAndKafkaFlagsSetTheNodeAndTheCluster(@TempDir Path dir) throws Exception {
        MerlinConfig alone = Main.configure(new String[0]);
        assertFalse(alone.cluster().hasKafka(), "no Kafka unless asked for");
        Path shared = dir.resolve("shared.yaml");
        Files.writeString(shared, "exchange:\n  noticeSecret: main-test-notice-secret-0123456789abcdef\n"
                + "privacy:\n  identitySecret: main-test-identity-secret-0123456789abcdef\n");
        MerlinConfig node = Main.configure(new String[] {"--config", shared.toString(), "--node-id", "2", "--kafka",
            "127.0.0.1:9092"});
        assertEquals(2, node.exchange().nodeId());
        assertEquals("127.0.0.1:9092", node.cluster().kafka().bootstrap());
        assertTrue(node.cluster().hasKafka());
        ConfigException noSecrets = assertThrows(ConfigException.class,
                () -> Main.configure(new String[] {"--node-id", "2", "--kafka", "127.0.0.1:9092"}));
        assertEquals("exchange.noticeSecret", noSecrets.keyPath(), "the demo config shares no secret with other nodes");
        ConfigException noNodeId = assertThrows(ConfigException.class,
                () -> Main.configure(new String[] {"--config", shared.toString(), "--kafka", "127.0.0.1:9092"}));
        assertEquals("exchange.nodeId", noNodeId.keyPath(), noNodeId.getMessage());
        ConfigException badBroker = assertThrows(ConfigException.class,
                () -> Main.configure(new String[] {"--kafka", "127.0.0.1"}));
        assertEquals("cluster.kafka.bootstrap", badBroker.keyPath(), badBroker.getMessage());
        ConfigException badNode = assertThrows(ConfigException.class,
                () -> Main.configure(new String[] {"--node-id", "1024"}));
        assertEquals("exchange.nodeId", badNode.keyPath(), badNode.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Main.configure(new String[] {"--node-id", "x"}))
                .getMessage().contains("--node-id"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Main.configure(new String[] {"--kafka"}))
                .getMessage().contains("--kafka"));
    }

    @Test
    void theHostFlagOverridesServerHostAndAPublicOneWithDemoSecretsIsRefusedBeforeAnythingOpens(@TempDir Path dir) {
        assertEquals("127.0.0.1", Main.configure(new String[0]).server().host());
        assertEquals("localhost", Main.configure(new String[] {"--host", "localhost"}).server().host());
        Path data = dir.resolve("data");
        ConfigException refused = assertThrows(ConfigException.class,
                () -> Main.configure(new String[] {"--host", "0.0.0.0", "--data-dir", data.toString()}));
        assertTrue(refused.getMessage().contains("server.host") && refused.getMessage().contains("tracking.adminToken"),
                refused.getMessage());
        assertFalse(Files.exists(data), "nothing was created");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Main.configure(new String[] {"--host"}))
                .getMessage().contains("--host"));
    }

    @Test
    void theDemoListensOnLoopbackOnly(@TempDir Path dir) throws InterruptedException {
        MerlinConfig config = Main.configure(new String[] {"--port", "0", "--data-dir", dir.toString()});
        MerlinServer server = new MerlinServer(config).start();
        try {
            assertTrue(server.localAddress().getAddress().isLoopbackAddress(), server.localAddress().toString());
        } finally {
            server.close();
        }
    }

    @Test
    void helpReturnsNoConfig() {
        assertNull(Main.configure(new String[] {"--help"}));
    }

    @Test
    void badArgumentsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Main.configure(new String[] {"--bogus"}))
                .getMessage().contains("--bogus"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Main.configure(new String[] {"--port", "x"}))
                .getMessage().contains("--port"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Main.configure(new String[] {"--config"}))
                .getMessage().contains("needs a value"));
        ConfigException range = assertThrows(ConfigException.class,
                () -> Main.configure(new String[] {"--port", "70000"}));
        assertEquals("server.port", range.keyPath());
    }

    @Test
    void aMissingConfigFileIsRefusedBeforeAnythingStarts(@TempDir Path dir) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Main.configure(new String[] {"--config", dir.resolve("nope.yaml").toString()}));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void aStartUpFailureIsOneLineWithTheCauseChainAndNoPortUnlessBindingFailed() {
        UncheckedIOException readOnly = new UncheckedIOException("cannot open the event log under /d",
                new FileSystemException("/d/events: Read-only file system"));
        assertEquals("merlin: cannot start: cannot open the event log under /d: /d/events: Read-only file system",
                Main.startFailure(new RuntimeException(readOnly), 8080));
        assertEquals("merlin: cannot bind port 8080: Address already in use",
                Main.startFailure(new BindException("Address already in use"), 8080));
        assertEquals("merlin: cannot start: OutOfMemoryError: Java heap space",
                Main.startFailure(new OutOfMemoryError("Java heap space"), 8080));
    }

    @Test
    void anErrorAtStartUpIsCaughtPrintedOnOneLineAndCleanedUp() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        boolean[] cleaned = {false};
        boolean started = Main.start(() -> {
            throw new OutOfMemoryError("Direct buffer memory");
        }, () -> cleaned[0] = true, 8080, err);
        assertFalse(started);
        assertTrue(cleaned[0], "what had started is closed");
        assertEquals("merlin: cannot start: OutOfMemoryError: Direct buffer memory" + System.lineSeparator(),
                bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aPortInUseSaysSoOnOneLine(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1,
                InetAddress.getLoopbackAddress())) {
            MerlinConfig config = Main.configure(new String[] {"--port", Integer.toString(taken.getLocalPort()),
                "--data-dir", dir.toString()});
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            MerlinServer server = new MerlinServer(config);
            assertFalse(Main.start(server::start, server::close, config.server().port(),
                    new PrintStream(bytes, true, StandardCharsets.UTF_8)));
            String line = bytes.toString(StandardCharsets.UTF_8);
            assertTrue(line.startsWith("merlin: cannot bind port " + taken.getLocalPort() + ": "), line);
            assertEquals(1, line.lines().count(), line);
        }
    }
}
