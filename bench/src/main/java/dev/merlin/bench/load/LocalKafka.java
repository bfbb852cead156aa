package dev.merlin.bench.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One KRaft node (broker and controller) in a child process on free loopback ports, as {@code examples/kafka.sh}
 * starts it, from the classpath {@code make kafka} uses; its log in {@code broker.log} under its directory. Killed
 * with {@code SIGKILL} and started again on the same data for the outage ({@link KafkaOutage}).
 */
final class LocalKafka {

    private final String classpath;
    private final Path dir;
    private final int port;
    private final int controllerPort;
    private volatile Process process;
    private int niceness;
    private Thread reaper;

    LocalKafka(String classpath, Path dir) throws IOException {
        this.classpath = classpath;
        this.dir = dir;
        this.port = freePort();
        this.controllerPort = freePort();
    }

    /** The broker's CPU time so far (user and system, all threads), in ms; -1 when it is not running or unknown. */
    long cpuMillis() {
        Process running = process;
        return running == null ? -1 : PairedSlices.cpuMillis(running.toHandle());
    }

    /**
     * Runs the broker at this {@code nice} level from its next start (0: as this process): on a machine where it shares
     * the cores with the Merlin being measured, a high one leaves Merlin the CPU a remote broker would.
     */
    LocalKafka nice(int level) {
        this.niceness = level;
        return this;
    }

    String bootstrap() {
        return "127.0.0.1:" + port;
    }

    void format() throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("server.properties"), String.join("\n",
                "process.roles=broker,controller", "node.id=1",
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port, "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + dir.resolve("logs"), "num.partitions=3", "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1", "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0", ""));
        Process format = java("kafka.tools.StorageTool", "format", "--standalone", "-t",
                "u-d5b5KfTHyHMDqlMXW4HA", "-c", dir.resolve("server.properties").toString());
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IllegalStateException("formatting the broker's storage failed; see " + dir);
        }
    }

    /**
     * Starts the broker and waits until it listens. The first start also registers a shutdown hook that kills it,
     * so a run stopped by Ctrl-C or {@code kill} (not {@code kill -9}) leaves no broker behind.
     */
    void start() throws IOException, InterruptedException {
        if (reaper == null) {
            reaper = new Thread(() -> {
                Process running = process;
                if (running != null) {
                    running.destroyForcibly();
                }
            }, "local-kafka-reaper");
            Runtime.getRuntime().addShutdownHook(reaper);
        }
        process = java("kafka.Kafka", dir.resolve("server.properties").toString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the broker exited: see " + dir.resolve("broker.log"));
                }
                Thread.sleep(100); // polling the broker's port, bounded by the deadline
            }
        }
        throw new IllegalStateException("the broker did not listen on " + port + " within 60 s");
    }

    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Process java(String main, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        if (niceness > 0) {
            command.addAll(List.of("nice", "-n", Integer.toString(niceness)));
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xms256m", "-Xmx1g", "-cp", classpath, main));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile())).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
