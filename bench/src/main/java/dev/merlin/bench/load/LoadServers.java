package dev.merlin.bench.load;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.MerlinServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The servers one load run measures: Merlin (forked, in the generator's JVM with {@code --in-process}, or at
 * {@code --target}) and the bare 204 server (forked, or in the generator's JVM). Closing it stops what it started and
 * deletes the temporary data dir.
 */
final class LoadServers implements AutoCloseable {

    /** How long a fork may take to answer {@code /health}: a pre-touched 2 GiB heap and the stores opening. */
    private static final Duration FORK_START = Duration.ofSeconds(120);

    private Path dataDir;
    private MerlinServer merlin;
    private ForkedMerlin merlinFork;
    private BareHttpServer bare;
    private ForkedMerlin bareFork;
    private int merlinPort;
    private int barePort = -1;

    private LoadServers() {
    }

    /** Starts (or finds, with {@code --target}) Merlin, then the bare server unless {@code --no-bare}. */
    static LoadServers start(LoadOptions options, PrintStream out) throws IOException, InterruptedException {
        LoadServers servers = new LoadServers();
        try {
            servers.startMerlin(options, out);
            if (options.measureBare()) {
                servers.startBare(options, out);
            }
        } catch (IOException | RuntimeException | InterruptedException e) {
            servers.close();
            throw e;
        }
        return servers;
    }

    private void startMerlin(LoadOptions options, PrintStream out) throws IOException, InterruptedException {
        if (options.target() != null) {
            merlinPort = options.target().getPort();
            out.println("load: target " + options.target());
            return;
        }
        dataDir = Files.createTempDirectory("merlin-load-");
        LoadOptions.ForkOptions fork = options.fork();
        if (fork == null) {
            MerlinConfig config = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString());
            merlin = new MerlinServer(config).start();
            merlinPort = merlin.port();
            out.printf(Locale.ROOT, "load: started Merlin in-process on 127.0.0.1:%d (data dir %s)%n", merlinPort,
                    dataDir);
            return;
        }
        Path log = options.outDir().resolve("load-merlin-fork.log");
        List<String> command = new ArrayList<>(CpuPinning.java(fork.cpus(),
                ForkedMerlin.Launch.jar(fork.merlinJar(), fork.jvmArgs()).command()));
        if (fork.transport() != null) {
            Files.createDirectories(options.outDir());
            Path config = options.outDir().resolve("load-merlin-fork.yaml");
            Files.writeString(config, FanOutRun.withTransport(FanOutRun.configYaml(List.of()), fork.transport()),
                    StandardCharsets.UTF_8);
            command.addAll(List.of("--config", config.toString()));
        }
        merlinFork = ForkedMerlin.start(new ForkedMerlin.Launch(command), ForkedMerlin.freePort(), dataDir, log,
                FORK_START);
        merlinPort = merlinFork.port();
        out.printf(Locale.ROOT, "load: forked Merlin (pid %d, %s, JVM flags %s, server.transport %s) on 127.0.0.1:%d,"
                + " data dir %s, log %s%n", merlinFork.pid(), fork.merlinJar(), String.join(" ", fork.jvmArgs()),
                fork.transport() == null ? "auto" : fork.transport(), merlinPort, dataDir, log);
    }

    private void startBare(LoadOptions options, PrintStream out) throws IOException, InterruptedException {
        LoadOptions.ForkOptions fork = options.fork();
        int ioThreads = fork == null || fork.cpus() == null ? Runtime.getRuntime().availableProcessors()
                : fork.cpus().cardinality();
        if (fork == null) {
            bare = BareHttpServer.start(ioThreads);
            barePort = bare.port();
            out.printf(Locale.ROOT, "load: bare 204 server on 127.0.0.1:%d (%d event loops, %s)%n", barePort, ioThreads,
                    bare.transportName());
            return;
        }
        Path log = options.outDir().resolve("load-bare-fork.log");
        List<String> jvmArgs = new ArrayList<>(fork.jvmArgs());
        if (fork.transport() != null) {
            jvmArgs.add("-D" + Transport.SERVER_PROPERTY + "=" + fork.transport());
        }
        bareFork = ForkedMerlin.startBare(fork.cpus(), jvmArgs, ForkedMerlin.freePort(), ioThreads, log,
                FORK_START);
        barePort = bareFork.port();
        out.printf(Locale.ROOT, "load: forked bare 204 server (pid %d, the same JVM flags) on 127.0.0.1:%d "
                + "(%d event loops, transport %s)%n", bareFork.pid(), barePort, ioThreads,
                fork.transport() == null ? "auto" : fork.transport());
    }

    int merlinPort() {
        return merlinPort;
    }

    /** The bare server's port, or -1 without one. */
    int barePort() {
        return barePort;
    }

    /** Forked Merlin's CPU time so far in ms, or null when it is not a fork of this run (in-process, --target). */
    LongSupplier merlinCpuMillis() {
        return merlinFork == null ? null : merlinFork::cpuMillis;
    }

    /** The forked bare server's CPU time so far in ms, or null when it is not a fork. */
    LongSupplier bareCpuMillis() {
        return bareFork == null ? null : bareFork::cpuMillis;
    }

    /** Where the servers run, for the summary: {@code target}, {@code in-process} or {@code forked}. */
    String placement() {
        if (merlinFork != null) {
            return "forked";
        }
        return merlin != null ? "in-process" : "target";
    }

    @Override
    public void close() throws IOException {
        if (bare != null) {
            bare.close();
        }
        if (bareFork != null) {
            bareFork.close();
        }
        if (merlin != null) {
            merlin.close();
        }
        if (merlinFork != null) {
            merlinFork.close();
        }
        if (dataDir != null) {
            LoadGenerator.deleteTree(dataDir);
        }
    }
}
