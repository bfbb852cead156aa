package dev.merlin.bench.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Merlin in a process of its own, as the soak and the crash test need it: started on a loopback port and a data dir,
 * its output appended to a log file, reached over HTTP for {@code /health} and reports, stopped with SIGTERM or
 * killed with SIGKILL ({@link Process#destroyForcibly()}). Closing it kills whatever is still running.
 *
 * <p>{@link #startBare} forks the {@link BareHttpServer} the same way, so that {@code make load} compares two
 * servers that each have a JVM of their own.
 */
final class ForkedMerlin implements AutoCloseable {

    /** The JVM flags a forked Merlin needs (the jar's manifest carries them too; a class path run does not). */
    static final List<String> JVM_FLAGS = List.of("--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
            "-Dchronicle.analytics.disable=true", "-Dchronicle.announcer.disable=true");

    /** How to start Merlin: the command line up to Merlin's own arguments. */
    record Launch(List<String> command) {

        /** {@code java <jvmArgs> -jar <jar>}. */
        static Launch jar(Path jar, List<String> jvmArgs) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalArgumentException(jar + " does not exist: build it first (make build)");
            }
            List<String> command = new ArrayList<>();
            command.add(javaExecutable());
            command.addAll(jvmArgs);
            command.add("-jar");
            command.add(jar.toString());
            return new Launch(List.copyOf(command));
        }

        /** {@code java <flags> <jvmArgs> -cp <this JVM's class path> dev.merlin.exchange.Main}: for tests. */
        static Launch classPath(List<String> jvmArgs) {
            List<String> command = new ArrayList<>();
            command.add(javaExecutable());
            command.addAll(JVM_FLAGS);
            if (Runtime.version().feature() >= 24) {
                command.add("--sun-misc-unsafe-memory-access=allow");
            }
            command.addAll(jvmArgs);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add("dev.merlin.exchange.Main");
            return new Launch(List.copyOf(command));
        }

        static String javaExecutable() {
            return Path.of(System.getProperty("java.home"), "bin", "java").toString();
        }
    }

    private final String name;
    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Kills the fork when this JVM is stopped (Ctrl-C on make soak) before it could close it. */
    private final Thread killOnExit;

    private ForkedMerlin(String name, Process process, int port, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
        this.killOnExit = new Thread(process::destroyForcibly, "merlin-fork-reaper");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /**
     * Starts Merlin on {@code 127.0.0.1:port} with {@code dataDir}, output appended to {@code log}, and waits until
     * {@code /health} answers (at most {@code startTimeout}); throws naming the log when it does not.
     */
    static ForkedMerlin start(Launch launch, int port, Path dataDir, Path log, Duration startTimeout)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(launch.command());
        command.addAll(List.of("--port", Integer.toString(port), "--data-dir", dataDir.toString()));
        return launch("Merlin", command, port, log, startTimeout);
    }

    /**
     * Starts the {@link BareHttpServer} in a JVM of its own ({@code jvmArgs}, this JVM's class path, on {@code cpus}
     * unless null) on {@code 127.0.0.1:port} with {@code ioThreads} event loops, and waits until it answers.
     */
    static ForkedMerlin startBare(BitSet cpus, List<String> jvmArgs, int port, int ioThreads, Path log,
                                  Duration startTimeout) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Launch.javaExecutable());
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BareHttpServer.class.getName(),
                "--port", Integer.toString(port), "--io-threads", Integer.toString(ioThreads)));
        return launch("the bare server", CpuPinning.java(cpus, command), port, log, startTimeout);
    }

    private static ForkedMerlin launch(String name, List<String> command, int port, Path log, Duration startTimeout)
            throws IOException, InterruptedException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        ForkedMerlin fork = new ForkedMerlin(name, process, port, log);
        try {
            fork.awaitHealthy(startTimeout);
        } catch (IOException | RuntimeException | InterruptedException e) {
            fork.close();
            throw e;
        }
        return fork;
    }

    /** Waits until {@code GET /health} answers 2xx (Merlin 200, the bare server 204). */
    private void awaitHealthy(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with code " + process.exitValue() + " before it answered "
                        + "/health; its output is in " + log + ":\n" + tail(log, 20));
            }
            try {
                if (get("/health", null, Duration.ofSeconds(1)).statusCode() / 100 == 2) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(name + " did not answer /health within " + timeout.toSeconds() + " s; see "
                        + log);
            }
            process.waitFor(50, TimeUnit.MILLISECONDS);
        }
    }

    /** {@code GET path} on this Merlin, with an optional bearer token. */
    HttpResponse<String> get(String path, String bearer, Duration timeout) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(timeout).GET();
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    /** The CPU time the process has used so far (user and system, all threads), in ms; -1 where the OS does not say. */
    long cpuMillis() {
        return PairedSlices.cpuMillis(process.toHandle());
    }

    /** SIGKILL, as {@code kill -9}; returns once the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") still runs 30 s after SIGKILL");
        }
    }

    /**
     * SIGTERM, a graceful stop; returns the exit code, or -1 when it had not exited within {@code timeout} (it is
     * then killed).
     */
    int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return process.exitValue();
        }
        kill();
        return -1;
    }

    /** Kills the process if it still runs. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A loopback port nothing listens on right now. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free loopback port", e);
        }
    }

    /** The last {@code lines} lines of a file, for error messages. */
    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    /** This JVM's own heap settings, for the record. */
    static String hostJvm() {
        return String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments());
    }
}
