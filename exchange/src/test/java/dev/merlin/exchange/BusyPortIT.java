package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.MerlinConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second exchange started on a port already in use fails on the port before it opens a store or the event log:
 * the data dir is left as it was (empty, or not there at all) and the one line printed names the port.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BusyPortIT {

    @TempDir
    Path work;

    @Test
    void aBusyPortFailsTheStartBeforeAnythingIsCreatedUnderTheDataDir() throws Exception {
        Path emptyDataDir = Files.createDirectory(work.resolve("empty"));
        Path absentDataDir = work.resolve("absent");
        try (ServerSocket taken = new ServerSocket(0)) {
            int port = taken.getLocalPort();
            for (Path dataDir : List.of(emptyDataDir, absentDataDir)) {
                String line = failedStart(port, dataDir);
                assertTrue(line.startsWith("merlin: cannot bind port " + port + ": "), line);
            }
        }
        try (Stream<Path> files = Files.list(emptyDataDir)) {
            assertEquals(List.of(), files.toList(), "nothing was created in the data dir");
        }
        assertFalse(Files.exists(absentDataDir), "the data dir was not created");
    }

    @Test
    void aFreePortStartsAndCreatesTheDataDir() throws Exception {
        Path dataDir = work.resolve("fresh");
        MerlinConfig config = Main.configure(new String[] {"--port", "0", "--data-dir", dataDir.toString()});
        try (MerlinServer server = new MerlinServer(config).start()) {
            assertTrue(server.port() > 0);
            assertTrue(Files.exists(dataDir.resolve("segments.cm3")), "the stores are open under the data dir");
        }
    }

    /** Starts Main's way on {@code port} with {@code dataDir}; asserts it failed and returns what it printed. */
    private static String failedStart(int port, Path dataDir) {
        MerlinConfig config = Main.configure(new String[] {"--port", Integer.toString(port), "--data-dir",
            dataDir.toString()});
        MerlinServer server = new MerlinServer(config);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        assertFalse(Main.start(server::start, server::close, port, err), "started on a port already in use");
        return bytes.toString(StandardCharsets.UTF_8).strip();
    }
}
