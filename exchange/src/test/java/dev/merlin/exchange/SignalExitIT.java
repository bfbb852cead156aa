package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real exchange as a child process: SIGTERM and SIGINT (Ctrl-C) stop it cleanly and it exits 0, so
 * {@code make run} stopped by either does not report {@code Error 143} or {@code Error 130}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SignalExitIT {

    @TempDir
    Path work;
    private Process process;

    @AfterEach
    void killIfStillRunning() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT"})
    void aSignalStopsTheExchangeCleanlyWithExitCodeZero(String signal) throws Exception {
        Path output = work.resolve("exchange.log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(GracefulShutdownIT.JVM_FLAGS);
        if (Runtime.version().feature() >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-Xmx128m", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--port", Integer.toString(freePort()), "--data-dir", work.resolve("data").toString()));
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        awaitOutput(output, "Merlin listening");

        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "no exit within 60 s of SIG" + signal + ":\n"
                + read(output));
        assertEquals(0, process.exitValue(), "exit code after SIG" + signal + ":\n" + read(output));
        assertTrue(read(output).contains("Merlin stopped"), read(output));
    }

    /** Waits until the child printed {@code text}, failing if it exits first or takes over 90 s. */
    private void awaitOutput(Path output, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!read(output).contains(text)) {
            if (System.nanoTime() - deadline > 0) {
                fail("the exchange did not print '" + text + "' within 90 s:\n" + read(output));
            }
            if (process.waitFor(50, TimeUnit.MILLISECONDS)) {
                fail("the exchange exited with " + process.exitValue() + " before starting:\n" + read(output));
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String read(Path output) throws IOException {
        return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
    }
}
