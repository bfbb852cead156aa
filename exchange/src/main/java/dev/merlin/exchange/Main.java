package dev.merlin.exchange;

import dev.merlin.config.ConfigException;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Starts the exchange: {@code java -jar exchange.jar [--config FILE] [--port N] [--data-dir DIR]}. SIGTERM (or
 * Ctrl-C) stops it gracefully.
 */
public final class Main {

    static final String USAGE = String.join("\n",
            "Usage: java -jar exchange/target/exchange.jar [--config FILE] [--port N] [--data-dir DIR]",
            "",
            "  --config FILE    YAML configuration (default: the embedded demo configuration)",
            "  --port N         HTTP port, overrides server.port (default 8080);",
            "                   a loopback exchange.publicUrl follows it",
            "  --data-dir DIR   where stores and logs live, overrides dataDir (default ./data)",
            "  --help           this text");

    private Main() {
    }

    /** Entry point. Exit code 2 for bad arguments or configuration, 1 when the server cannot start. */
    public static void main(String[] args) throws InterruptedException {
        // no usage analytics or banners from Chronicle, also under plain `java -jar`
        System.setProperty("chronicle.analytics.disable", "true");
        System.setProperty("chronicle.announcer.disable", "true");
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
        try {
            Files.createDirectories(Path.of(config.dataDir()));
        } catch (IOException e) {
            System.err.println("merlin: cannot create data dir " + config.dataDir() + ": " + e.getMessage());
            System.exit(1);
        }
        MerlinServer server = new MerlinServer(config);
        try {
            server.start();
        } catch (Exception e) {
            System.err.println("merlin: cannot start on port " + config.server().port() + ": " + e);
            server.close();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "merlin-shutdown"));
        server.awaitClose();
        stopped.await();
    }

    /** Parses flags and loads the configuration; null means help was asked for. */
    static MerlinConfig configure(String[] args) {
        Path configFile = null;
        Integer port = null;
        String dataDir = null;
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
}
