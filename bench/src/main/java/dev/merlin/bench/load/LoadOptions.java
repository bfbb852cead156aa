package dev.merlin.bench.load;

import dev.merlin.config.DspConfig;
import dev.merlin.dspsim.Latency;
import java.net.URI;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.TreeSet;

/**
 * The load generator's command line, parsed and checked.
 *
 * @param target           the exchange's auction URL on loopback, or null to start Merlin (forked, or in-process)
 * @param corpus           a directory of request files, or null for the shared samples' valid requests
 * @param connections      keep-alive connections per server
 * @param rate             requests per second (the starting rate with {@code --find-max})
 * @param durationSeconds  measured seconds per step
 * @param warmupSeconds    seconds per step sent first and not recorded
 * @param findMax          ramp the rate to the highest one meeting the SLO
 * @param sloMillis        the p99 latency a sustainable rate must keep
 * @param maxRate          the ramp never goes above this rate
 * @param maxSteps         the ramp runs at most this many steps per server
 * @param resolution       the ramp stops bisecting once the first failed rate is within this factor of the best
 *                         sustained one (1.1: the max rate is known to within 10 %)
 * @param measureBare      also measure the bare 204 server and report ratios
 * @param outDir           where the {@code .hgrm} files and the JSON summary go
 * @param help             print the usage and exit
 * @param soak             the soak or the crash test against a forked Merlin, or null for a load run
 * @param fanOut           the DSP fan-out comparison ({@code --dsps}), or null
 * @param fork             Merlin and the bare server each in a JVM of their own (the default), or null: both in the
 *                         generator's JVM ({@code --in-process}), or not started here ({@code --target}, the soak,
 *                         the crash test and the fan-out, which fork Merlin their own way)
 */
public record LoadOptions(URI target, Path corpus, int connections, double rate, double durationSeconds,
                          double warmupSeconds, boolean findMax, double sloMillis, double maxRate, int maxSteps,
                          double resolution, boolean measureBare, Path outDir, boolean help, SoakOptions soak,
                          FanOutOptions fanOut, ForkOptions fork) {

    /**
     * The servers of a load run in processes of their own, with the same JVM flags, as {@code make run} runs
     * Merlin, so neither shares a heap, a collector or a JIT with the generator.
     *
     * @param merlinJar     the exchange jar Merlin's fork runs
     * @param jvmArgs       both forks' JVM flags
     * @param warmupSeconds traffic at the starting rate each fork gets before its first step, not counted
     * @param cpus          the CPUs both forks run on, the generator on the others ({@code --merlin-cpus}); null:
     *                      all share every CPU
     * @param transport     both forks' transport ({@code --transport}: Merlin's {@code server.transport}, the bare
     *                      server's {@link Transport#SERVER_PROPERTY}); null: each one's default ({@code auto})
     */
    public record ForkOptions(Path merlinJar, List<String> jvmArgs, double warmupSeconds, BitSet cpus,
                              String transport) {
    }

    /**
     * The fan-out comparison: the same steps against a forked Merlin connected to each number of simulated DSPs.
     *
     * @param dspCounts     the numbers of DSPs, ascending, 0 (internal campaigns only, the reference) first
     * @param dspLatency    the simulators' latency spec ({@link Latency#parse}), {@code 0} by default
     * @param merlinJar     the exchange jar the fork runs
     * @param merlinJvmArgs the fork's JVM flags
     * @param forkWarmupSeconds traffic at the starting rate each fresh fork gets before its first step, not counted:
     *                          a fork's JIT is still compiling for tens of seconds, and its tail is that compiler
     * @param merlinCpus    the CPUs the forks run on, the generator and the simulators on the others
     *                      ({@code --merlin-cpus}); null: all share every CPU
     * @param dspPipelining the simulated DSPs' {@code pipelining} in the forks' config ({@code --dsp-pipelining})
     */
    public record FanOutOptions(List<Integer> dspCounts, String dspLatency, Path merlinJar,
                                List<String> merlinJvmArgs, double forkWarmupSeconds, BitSet merlinCpus,
                                int dspPipelining) {
    }

    /** A fan-out fork's warm-up before its steps, unless {@code --fork-warmup} says otherwise. */
    static final double DEFAULT_FORK_WARMUP_SECONDS = 30;

    /** The most simulated DSPs one fan-out step connects. */
    static final int MAX_DSPS = 16;

    /**
     * The soak ({@code --soak}) or the crash test ({@code --crash}), both against Merlin in a process of its own.
     *
     * @param isCrashTest         kill -9 in the middle of the mix, restart, check; else the soak
     * @param seconds             the soak's measured seconds
     * @param fixedRate           the rate, or 0: the soak finds the maximum first and runs at 80 % of it
     * @param merlinJar           the exchange jar the fork runs
     * @param merlinJvmArgs       the fork's JVM flags (heap settings)
     * @param killAfterSeconds    the crash test's seconds of mix before the kill
     * @param afterRestartSeconds the crash test's seconds of mix after the restart
     */
    public record SoakOptions(boolean isCrashTest, double seconds, double fixedRate, Path merlinJar,
                              List<String> merlinJvmArgs, double killAfterSeconds,
                              double afterRestartSeconds) {
    }

    /** How close find-max's bisection gets unless {@code --resolution} says otherwise: within 10 %. */
    static final double DEFAULT_RESOLUTION = 1.1;

    /** The longest soak the generator accepts. */
    static final double MAX_SOAK_SECONDS = 3_600;
    /** The soak forks Merlin with the heap {@code make run} gives it. */
    static final String DEFAULT_MERLIN_JVM =
            "-Xms2g -Xmx2g -Xmn1g -XX:MaxTenuringThreshold=1 -XX:+AlwaysPreTouch -XX:MaxGCPauseMillis=5";

    /** The longest step the generator accepts: it must stop by itself. */
    static final double MAX_DURATION_SECONDS = 600;

    static final String USAGE = String.join("\n",
            "usage: LoadGenerator [options]   (make load ARGS='...')",
            "",
            "Sends OpenRTB requests at a fixed rate (open loop: latency counts from the intended send time) over",
            "keep-alive connections, then the same schedule to a bare Netty server answering 204, and reports",
            "Merlin's figures as ratios to it.",
            "",
            "  --target URL        http://127.0.0.1:PORT/openrtb2/auction (loopback only); default: fork Merlin",
            "                      (--merlin-jar, --merlin-jvm) on a free port with the embedded config and a temp",
            "                      data dir, and the bare server in a JVM of its own with the same flags",
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
            "  --resolution F      --find-max bisects until the first missed rate is within F times the best",
            "                      sustained one (default 1.1, at least 1.01)",
            "  --no-bare           skip the bare-server comparison",
            "  --in-process        start Merlin and the bare server in the generator's JVM instead of forking them",
            "                      (sooner, but they then share its heap, collector and JIT)",
            "  --fork-warmup S     seconds at --rate each fork (Merlin and the bare server, or each --dsps fork)",
            "                      gets before its steps, not counted (default 30: a fresh fork's JIT compiles for",
            "                      tens of seconds, and that is its tail meanwhile)",
            "  --out DIR           where .hgrm files and load-summary.json go (default bench-results)",
            "",
            "  --dsps N,N,...      DSP fan-out: for each N (0 = internal campaigns only, always run first), start N",
            "                      in-JVM simulated DSPs (bid rate 1, --dsp-latency-ms), fork Merlin (--merlin-jar,",
            "                      --merlin-jvm) with a config whose dsps: lists them, run the same steps (or",
            "                      --find-max) and report each N's rate as a ratio to N=0, the DSP calls the",
            "                      simulators saw and the answers later than their request's tmax (from the write);",
            "                      writes load-fanout.json. No bare-server comparison in this mode",
            "  --dsp-latency-ms S  the simulated DSPs' latency: MS, MIN..MAX or lognormal:MEDIAN:P99 (default 0)",
            "  --dsp-pipelining N  requests one connection to a simulated DSP carries at once (dsps[].pipelining,",
            "                      1 to 64; default 1)",
            "  --merlin-cpus LIST  run the forks (Merlin and the bare server, or the --dsps forks) on these CPUs",
            "                      (taskset -c, e.g. 0) and this JVM, the generator and any simulated DSPs, on the",
            "                      others, as if sellers and DSPs were other machines",
            "  --transport NAME    the forks' event loops: auto (default: epoll, else nio), epoll, nio or io_uring,",
            "                      for Merlin (server.transport) and the bare server alike",
            "",
            "  --soak              the soak (make soak): fork Merlin (--merlin-jar, fresh data dir, free port), find",
            "                      its maximum rate for the realistic mix (auctions, pixels, app events, notices,",
            "                      clicks; see SoakMix) unless --rate is given, run at 80 % of it for --soak-seconds,",
            "                      check errors, heap after GC, p99 first vs last window, fds, threads, direct",
            "                      memory; writes soak-*.json|txt to --out; exit code 1 on any FAIL",
            "  --crash             the crash test (make crash-test): the mix at --rate for --kill-after seconds,",
            "                      kill -9, restart, check stores, spend against the event log, what was lost",
            "  --soak-seconds S    the soak's measured seconds (default 600, at most 3600)",
            "  --merlin-jar PATH   the jar the fork runs (default exchange/target/exchange.jar)",
            "  --merlin-jvm ARGS   the fork's JVM flags, space-separated (default '" + DEFAULT_MERLIN_JVM + "')",
            "  --kill-after S      crash test: seconds of mix before the kill (default 20)",
            "  --after-restart S   crash test: seconds of mix after the restart (default 5)",
            "  --help              this text",
            "");

    /** Parses the arguments; throws {@link IllegalArgumentException} naming the bad one. */
    public static LoadOptions parse(String... args) {
        Parser parser = new Parser();
        for (int i = 0; i < args.length; i++) {
            i = parser.option(args, i);
        }
        return parser.options();
    }

    /** The options parsed so far; each holds its default until an argument gives it. */
    private static final class Parser {
        private URI target;
        private Path corpus;
        private int connections = 4;
        private double rate = 2000;
        private double duration = 10;
        private double warmup = 2;
        private boolean findMax;
        private double slo = 10;
        private double maxRate = 200_000;
        private int maxSteps = 12;
        private double resolution = DEFAULT_RESOLUTION;
        private boolean bare = true;
        private boolean isInProcess;
        private Path out = Path.of("bench-results");
        private boolean help;
        private boolean soak;
        private boolean crash;
        private boolean isRateGiven;
        private double soakSeconds = 600;
        private Path merlinJar = Path.of("exchange/target/exchange.jar");
        private String merlinJvm = DEFAULT_MERLIN_JVM;
        private double killAfter = 20;
        private double afterRestart = 5;
        private List<Integer> dspCounts;
        private String dspLatency = "0";
        private int dspPipelining = 1;
        private double forkWarmup = DEFAULT_FORK_WARMUP_SECONDS;
        private BitSet merlinCpus;
        private String transport;

        /** Takes the option at {@code args[i]} (with its value); returns the index of the last argument it used. */
        int option(String[] args, int i) {
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
                case "--in-process": isInProcess = true; break;
                case "--soak": soak = true; break;
                case "--crash": crash = true; break;
                default:
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(name + " needs a value (see --help)");
                        }
                        value = args[++i];
                    }
                    valueOption(name, value);
            }
            return i;
        }

        private void valueOption(String name, String value) {
            switch (name) {
                case "--target": target = loopbackTarget(value); break;
                case "--corpus": corpus = Path.of(value); break;
                case "--connections": connections = (int) positive(name, value, 1, 1024); break;
                case "--rate": rate = positive(name, value, 1, 1e7); isRateGiven = true; break;
                case "--duration": duration = positive(name, value, 0.1, MAX_DURATION_SECONDS); break;
                case "--warmup": warmup = positive(name, value, 0, MAX_DURATION_SECONDS); break;
                case "--slo-ms": slo = positive(name, value, 0.001, 60_000); break;
                case "--max-rate": maxRate = positive(name, value, 1, 1e7); break;
                case "--max-steps": maxSteps = (int) positive(name, value, 1, 50); break;
                case "--resolution": resolution = positive(name, value, 1.01, 2); break;
                case "--out": out = Path.of(value); break;
                case "--soak-seconds": soakSeconds = positive(name, value, 1, MAX_SOAK_SECONDS); break;
                case "--merlin-jar": merlinJar = Path.of(value); break;
                case "--merlin-jvm": merlinJvm = value; break;
                case "--kill-after": killAfter = positive(name, value, 0.5, MAX_DURATION_SECONDS); break;
                case "--after-restart": afterRestart = positive(name, value, 0.5, MAX_DURATION_SECONDS); break;
                case "--dsps": dspCounts = dspCounts(value); break;
                case "--dsp-latency-ms": Latency.parse(value); dspLatency = value; break;
                case "--dsp-pipelining": dspPipelining = pipelining(name, value); break;
                case "--fork-warmup": forkWarmup = positive(name, value, 0, MAX_DURATION_SECONDS); break;
                case "--merlin-cpus":
                    merlinCpus = CpuPinning.parse(name, value, Runtime.getRuntime().availableProcessors());
                    break;
                case "--transport": transport = Transport.checkedName(name, value); break;
                default: throw new IllegalArgumentException("unknown option " + name + " (see --help)");
            }
        }

        /** The options, once the combinations are checked. */
        LoadOptions options() {
            if (findMax && rate > maxRate) {
                throw new IllegalArgumentException("--rate " + (long) rate + " is above --max-rate " + (long) maxRate
                        + ": --find-max starts at --rate and never goes above --max-rate");
            }
            if (soak && crash) {
                throw new IllegalArgumentException("--soak and --crash are two runs: choose one");
            }
            SoakOptions soakOptions = null;
            if (soak || crash) {
                if (target != null) {
                    throw new IllegalArgumentException("--target: the soak and the crash test start their own"
                            + " Merlin");
                }
                List<String> jvm = jvmArgs();
                soakOptions = new SoakOptions(crash, soakSeconds, isRateGiven || crash ? rate : 0, merlinJar, jvm,
                        killAfter, afterRestart);
            }
            FanOutOptions fanOut = null;
            if (dspCounts != null) {
                if (soakOptions != null || target != null) {
                    throw new IllegalArgumentException("--dsps forks its own Merlin: not with --target, --soak or"
                            + " --crash");
                }
                List<String> jvm = jvmArgs();
                fanOut = new FanOutOptions(dspCounts, dspLatency, merlinJar, jvm, forkWarmup, merlinCpus,
                        dspPipelining);
            }
            ForkOptions forkOptions = null;
            boolean isStartedElsewhere = target != null || soakOptions != null || fanOut != null;
            if (isInProcess && isStartedElsewhere) {
                throw new IllegalArgumentException("--in-process starts Merlin in this JVM: not with --target,"
                        + " --soak, --crash or --dsps (those reach or fork their own Merlin)");
            }
            if (!isInProcess && !isStartedElsewhere) {
                forkOptions = new ForkOptions(merlinJar, jvmArgs(), forkWarmup, merlinCpus, transport);
            } else if (merlinCpus != null && fanOut == null) {
                throw new IllegalArgumentException("--merlin-cpus pins the servers make load forks: not with"
                        + " --in-process, --target, --soak or --crash");
            } else if (transport != null) {
                throw new IllegalArgumentException("--transport sets the servers make load forks itself: not with"
                        + " --in-process, --target, --soak, --crash or --dsps");
            }
            return new LoadOptions(target, corpus, connections, rate, duration, warmup, findMax, slo, maxRate,
                    maxSteps, resolution, bare && fanOut == null, out, help, soakOptions, fanOut, forkOptions);
        }

        private List<String> jvmArgs() {
            return merlinJvm.isBlank() ? List.of() : List.of(merlinJvm.trim().split("\\s+"));
        }

        /** {@code 1,3} -> [0, 1, 3]: sorted, without repeats, 0 added as the reference. */
        private static List<Integer> dspCounts(String value) {
            TreeSet<Integer> counts = new TreeSet<>();
            counts.add(0);
            for (String part : value.split(",")) {
                counts.add((int) positive("--dsps", part.trim(), 0, MAX_DSPS));
                if (!part.trim().matches("[0-9]+")) {
                    throw new IllegalArgumentException("--dsps " + value + ": whole numbers 0 to " + MAX_DSPS
                            + ", comma-separated");
                }
            }
            return List.copyOf(counts);
        }
    }

    /** A DSP's {@code pipelining} given to {@code option}: a whole number from 1 to 64, else refused. */
    static int pipelining(String option, String value) {
        int depth;
        try {
            depth = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            depth = 0;
        }
        if (depth < 1 || depth > DspConfig.MAX_PIPELINING) {
            throw new IllegalArgumentException(option + " is 1 to " + DspConfig.MAX_PIPELINING + ": " + value);
        }
        return depth;
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
