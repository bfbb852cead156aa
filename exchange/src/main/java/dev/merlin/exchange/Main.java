package dev.merlin.exchange;

import dev.merlin.config.ConfigException;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.catalogue.ConfigReload;
import java.io.PrintStream;
import java.net.BindException;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * Starts the exchange: {@code java -jar exchange.jar [--config FILE] [--host ADDR] [--port N] [--data-dir DIR]
 * [--node-id N] [--kafka HOST:PORT]}.
 * SIGTERM (or Ctrl-C) stops it gracefully and it exits 0.
 */
public final class Main {

    static final String USAGE = String.join("\n",
            "Usage: java -jar exchange/target/exchange.jar [--config FILE] [--host ADDR] [--port N]"
                    + " [--data-dir DIR] [--node-id N] [--kafka HOST:PORT]",
            "",
            "  --config FILE    YAML configuration (default: the embedded demo configuration)",
            "  --host ADDR      address to listen on, overrides server.host (default 127.0.0.1; 0.0.0.0: every",
            "                   interface, refused while a published demo secret is still configured)",
            "  --port N         HTTP port, overrides server.port (default 8080);",
            "                   a loopback exchange.publicUrl follows it",
            "  --data-dir DIR   where stores and logs live, overrides dataDir (default ./data)",
            "  --node-id N      this node's number, 0 to 1023, overrides exchange.nodeId (default 0)",
            "  --kafka HOST:PORT  the Kafka cluster nodes share, overrides cluster.kafka.bootstrap",
            "                   (default: none, a node on its own)",
            "  --help           this text");

    /** Netty's system property: how many buffers its leak detector lets pass between two it tracks. */
    static final String LEAK_SAMPLING_PROPERTY = "io.netty.leakDetection.samplingInterval";
    /**
     * Merlin's default for {@link #LEAK_SAMPLING_PROPERTY}, where Netty's is 128: every tracked buffer records a
     * stack trace (a {@code Throwable}), which at 128 cost about 2 % of a saturated event loop with a DSP in the
     * auction (async-profiler, 2026-12-07). A buffer leaked by every request of some kind is still reported after a
     * few thousand such requests; tests run with Netty's paranoid level, which tracks every buffer.
     */
    static final int LEAK_SAMPLING_INTERVAL = 4096;

    private Main() {
    }

    /** Sets Merlin's leak-detection sampling unless the JVM was started with one ({@code -D}). */
    static void defaultLeakSampling(Properties properties) {
        properties.putIfAbsent(LEAK_SAMPLING_PROPERTY, Integer.toString(LEAK_SAMPLING_INTERVAL));
    }

    /**
     * Entry point. Exit code 2 for bad arguments or configuration, 1 when the server cannot start, 0 after a clean
     * stop on SIGTERM or SIGINT.
     */
    public static void main(String[] args) throws InterruptedException {
        // no usage analytics or banners from Chronicle, also under plain `java -jar`
        System.setProperty("chronicle.analytics.disable", "true");
        System.setProperty("chronicle.announcer.disable", "true");
        defaultLeakSampling(System.getProperties()); // before any Netty class reads it
        MerlinConfig config;
        try {
            config = configure(args);
        } catch (IllegalArgumentException | ConfigException e) {
            System.err.println("merlin: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (config == null) {
            System.out.println(USAGE);
            return;
        }
        // the data dir is created by start-up once the port is bound: a busy port leaves nothing behind
        MerlinServer server = new MerlinServer(config);
        if (!start(server::start, server::close, config.server().port(), System.err)) {
            System.exit(1);
            return;
        }
        server.runtime().configReload().source(() -> configure(args));
        reloadOnHangUp(server.runtime().configReload());
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stop = () -> {
            server.close();
            stopped.countDown();
        };
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "merlin-shutdown"));
        stopOnSignals(stop);
        server.awaitClose();
        stopped.await();
        // stopped as asked, cleanly: exit 0, not the JVM's 128 + signal, which `make run` reports as a failure
        System.exit(0);
    }

    /**
     * SIGTERM and SIGINT (Ctrl-C) run {@code stop} (the process then exits 0); a second one while stopping ends the
     * process at once with 128 + the signal's number. Where the JVM will not hand a signal over (it runs with
     * {@code -Xrs}, say), the shutdown hook stops the server as the JVM exits.
     */
    static void stopOnSignals(Runnable stop) {
        AtomicBoolean isStopping = new AtomicBoolean();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    if (!isStopping.compareAndSet(false, true)) {
                        System.err.println("merlin: SIG" + signal.getName() + " while stopping: stopping at once");
                        Runtime.getRuntime().halt(128 + signal.getNumber());
                    }
                    stop.run();
                });
            } catch (IllegalArgumentException unavailable) {
                // the JVM keeps this signal: its default handling runs the shutdown hook
            }
        }
    }

    /**
     * SIGHUP reloads the config file's advertisers ({@link ConfigReload}); an invalid file is logged and changes
     * nothing. Where the JVM will not hand SIGHUP over (not on this platform, or {@code -Xrs}), there is no such
     * signal: {@code POST /admin/reload} does the same.
     */
    static void reloadOnHangUp(ConfigReload reload) {
        try {
            Signal.handle(new Signal("HUP"), signal -> {
                try {
                    List<String> ignored = reload.reload("signal:SIGHUP");
                    System.err.println("merlin: SIGHUP: advertisers reloaded"
                            + (ignored.isEmpty() ? "" : "; needs a restart, ignored: " + ignored));
                } catch (RuntimeException e) { // the signal thread must live on: the old catalogue keeps serving
                    System.err.println("merlin: SIGHUP: reload refused, nothing changed: " + e.getMessage());
                }
            });
        } catch (IllegalArgumentException unavailable) {
            System.err.println("merlin: SIGHUP is not available here; reload with POST /admin/reload");
        }
    }

    /** What start-up runs: opening the stores and the event log, binding the port. */
    @FunctionalInterface
    interface StartUp {
        void run() throws Exception;
    }

    /**
     * Runs {@code startUp}; on any failure, an {@link Error} such as {@link OutOfMemoryError} too, prints one line
     * with the cause chain's messages (see {@link #startFailure}), runs {@code cleanUp} and returns false.
     */
    static boolean start(StartUp startUp, Runnable cleanUp, int port, PrintStream err) {
        try {
            startUp.run();
            return true;
        } catch (Throwable e) { // start-up ends here whatever failed: one line, not a stack trace
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            err.println(startFailure(e, port));
            try {
                cleanUp.run();
            } catch (Throwable closing) { // the start-up failure is the one worth reporting
                err.println("merlin: and closing what had started failed: " + messages(closing));
            }
            return false;
        }
    }

    /**
     * One line for a failed start: {@code merlin: cannot start: <each cause's message, outermost first>}, or
     * {@code merlin: cannot bind port N: ...} when binding the port is what failed.
     */
    static String startFailure(Throwable e, int port) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            // MerlinServer reports any failed bind as a BindException, whichever transport failed
            if (t instanceof BindException) {
                return "merlin: cannot bind port " + port + ": " + messages(t);
            }
        }
        return "merlin: cannot start: " + messages(e);
    }

    /** The messages of {@code e} and its causes joined by ": ", leaving out one that only repeats its cause. */
    private static String messages(Throwable e) {
        StringBuilder line = new StringBuilder();
        int depth = 0;
        for (Throwable t = e; t != null && depth < 16; t = t.getCause() == t ? null : t.getCause(), depth++) {
            Throwable cause = t.getCause();
            String message = t.getMessage();
            if (message == null || message.isBlank()) {
                message = t.getClass().getSimpleName();
            } else if (cause != null && message.equals(cause.toString())) {
                continue; // new RuntimeException(cause): the cause says it
            } else if (t instanceof Error) {
                message = t.getClass().getSimpleName() + ": " + message;
            }
            if (line.length() > 0) {
                line.append(": ");
            }
            line.append(message.replace('\n', ' '));
        }
        return line.toString();
    }

    /** Parses flags and loads the configuration; null means help was asked for. */
    static MerlinConfig configure(String[] args) {
        Path configFile = null;
        Integer port = null;
        String dataDir = null;
        String host = null;
        Integer nodeId = null;
        String kafka = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--help":
                case "-h":
                    return null;
                case "--config":
                    configFile = Path.of(value(args, ++i, arg));
                    break;
                case "--port":
                    port = parsePort(value(args, ++i, arg));
                    break;
                case "--data-dir":
                    dataDir = value(args, ++i, arg);
                    break;
                case "--host":
                    host = value(args, ++i, arg);
                    break;
                case "--node-id":
                    nodeId = parseNodeId(value(args, ++i, arg));
                    break;
                case "--kafka":
                    kafka = value(args, ++i, arg);
                    break;
                default:
                    throw new IllegalArgumentException("unknown argument: " + arg);
            }
        }
        MerlinConfig config = configFile == null ? ConfigLoader.loadDefault() : ConfigLoader.load(configFile);
        if (port != null) {
            config = config.withPortAndLoopbackUrl(port);
        }
        if (dataDir != null) {
            config = config.withDataDir(dataDir);
        }
        if (host != null) {
            config = config.withHost(host);
        }
        if (nodeId != null) {
            config = config.withNodeId(nodeId);
        }
        if (kafka != null) {
            config = config.withKafkaBootstrap(kafka);
        }
        // validate() also refuses a non-loopback host while a published demo secret is set: before anything opens
        return config.validate();
    }

    private static String value(String[] args, int index, String flag) {
        if (index >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[index];
    }

    private static int parsePort(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--port must be a number from 0 to 65535, was " + text);
        }
    }

    private static int parseNodeId(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--node-id must be a number from 0 to 1023, was " + text);
        }
    }
}
