package dev.merlin.bench.load;

import java.net.URI;
import java.nio.file.Path;

/**
 * The load generator's command line, parsed and checked.
 *
 * @param target           the exchange's auction URL on loopback, or null to start Merlin in-process
 * @param corpus           a directory of request files, or null for the shared samples' valid requests
 * @param connections      keep-alive connections per server
 * @param rate             requests per second (the starting rate with {@code --find-max})
 * @param durationSeconds  measured seconds per step
 * @param warmupSeconds    seconds per step sent first and not recorded
 * @param findMax          ramp the rate to the highest one meeting the SLO
 * @param sloMillis        the p99 latency a sustainable rate must keep
 * @param maxRate          the ramp never goes above this rate
 * @param maxSteps         the ramp runs at most this many steps per server
 * @param measureBare      also measure the bare 204 server and report ratios
 * @param outDir           where the {@code .hgrm} files and the JSON summary go
 * @param help             print the usage and exit
 */
public record LoadOptions(URI target, Path corpus, int connections, double rate, double durationSeconds,
                          double warmupSeconds, boolean findMax, double sloMillis, double maxRate, int maxSteps,
                          boolean measureBare, Path outDir, boolean help) {

    /** The longest step the generator accepts: it must stop by itself. */
    static final double MAX_DURATION_SECONDS = 600;

    static final String USAGE = String.join("\n",
            "usage: LoadGenerator [options]   (make load ARGS='...')",
            "",
            "Sends OpenRTB requests at a fixed rate (open loop: latency counts from the intended send time) over",
            "keep-alive connections, then the same schedule to a bare Netty server answering 204, and reports",
            "Merlin's figures as ratios to it.",
            "",
            "  --target URL        http://127.0.0.1:PORT/openrtb2/auction (loopback only); default: start Merlin",
            "                      in-process on an ephemeral port with the embedded config and a temp data dir",
            "  --corpus DIR        send every *.json in DIR; default: the valid requests of shared/openrtb-samples",
            "  --connections N     keep-alive connections, one request in flight each (default 4)",
            "  --rate R            requests per second; the starting rate with --find-max (default 2000)",
            "  --duration S        measured seconds per step (default 10, at most 600)",
            "  --warmup S          seconds per step sent before measuring (default 2)",
            "  --find-max          raise the rate until p99 exceeds --slo-ms or errors appear; report the highest",
            "                      sustainable rate of Merlin and of the bare server",
            "  --slo-ms MS         p99 latency bound for --find-max (default 10)",
            "  --max-rate R        --find-max never exceeds this rate (default 200000)",
            "  --max-steps N       --find-max runs at most N steps per server (default 12)",
            "  --no-bare           skip the bare-server comparison",
            "  --out DIR           where .hgrm files and load-summary.json go (default bench-results)",
            "  --help              this text",
            "");

    /** Parses the arguments; throws {@link IllegalArgumentException} naming the bad one. */
    public static LoadOptions parse(String... args) {
        URI target = null;
        Path corpus = null;
        int connections = 4;
        double rate = 2000;
        double duration = 10;
        double warmup = 2;
        boolean findMax = false;
        double slo = 10;
        double maxRate = 200_000;
        int maxSteps = 12;
        boolean bare = true;
        Path out = Path.of("bench-results");
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            switch (name) {
                case "--help": case "-h": help = true; break;
                case "--find-max": findMax = true; break;
                case "--no-bare": bare = false; break;
                default:
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(name + " needs a value (see --help)");
                        }
                        value = args[++i];
                    }
                    switch (name) {
                        case "--target": target = loopbackTarget(value); break;
                        case "--corpus": corpus = Path.of(value); break;
                        case "--connections": connections = (int) positive(name, value, 1, 1024); break;
                        case "--rate": rate = positive(name, value, 1, 1e7); break;
                        case "--duration": duration = positive(name, value, 0.1, MAX_DURATION_SECONDS); break;
                        case "--warmup": warmup = positive(name, value, 0, MAX_DURATION_SECONDS); break;
                        case "--slo-ms": slo = positive(name, value, 0.001, 60_000); break;
                        case "--max-rate": maxRate = positive(name, value, 1, 1e7); break;
                        case "--max-steps": maxSteps = (int) positive(name, value, 1, 50); break;
                        case "--out": out = Path.of(value); break;
                        default: throw new IllegalArgumentException("unknown option " + name + " (see --help)");
                    }
            }
        }
        if (findMax && rate > maxRate) {
            throw new IllegalArgumentException("--rate " + (long) rate + " is above --max-rate " + (long) maxRate
                    + ": --find-max starts at --rate and never goes above --max-rate");
        }
        return new LoadOptions(target, corpus, connections, rate, duration, warmup, findMax, slo, maxRate, maxSteps,
                bare, out, help);
    }

    private static double positive(String name, String value, double min, double max) {
        double number;
        try {
            number = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " " + value + ": not a number");
        }
        if (!(number >= min && number <= max)) {
            throw new IllegalArgumentException(name + " " + value + ": allowed " + min + " to " + max);
        }
        return number;
    }

    /** Accepts only {@code http://127.0.0.1:PORT/...} or {@code localhost}: the generator never leaves the machine. */
    static URI loopbackTarget(String value) {
        URI uri;
        try {
            uri = URI.create(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--target " + value + ": not a URL");
        }
        if (!"http".equals(uri.getScheme()) || uri.getPort() <= 0
                || !("127.0.0.1".equals(uri.getHost()) || "localhost".equals(uri.getHost()))) {
            throw new IllegalArgumentException("--target " + value
                    + ": expected http://127.0.0.1:PORT/path (loopback only, explicit port)");
        }
        return uri;
    }

    /** The request path of the target (default {@code /openrtb2/auction}). */
    String path() {
        String path = target == null ? null : target.getRawPath();
        return path == null || path.isEmpty() ? "/openrtb2/auction" : path;
    }
}
