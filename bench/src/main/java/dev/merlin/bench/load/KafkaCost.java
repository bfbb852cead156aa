package dev.merlin.bench.load;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.MerlinServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * What Kafka costs the bid path ({@code make kafka-cost}): the throughput of Merlin on the embedded config without
 * Kafka against the same node with its event log, segments and the rest going to a real broker (a child process,
 * {@link LocalKafka}), in the same run, as their ratio (the goal: at least {@value #GOAL}).
 *
 * <p>By default both nodes run at once, each a process of its own ({@code make run}'s jar and heap, fresh data
 * dirs), and {@link PairedSlices} compares them at saturation in alternating slices ({@code --pairs}, default
 * {@value #DEFAULT_PAIRS}; {@code --slice} seconds, default {@value #DEFAULT_SLICE_SECONDS}; {@code --offered} req/s,
 * default {@value #DEFAULT_OFFERED_RATE}), judged on the median pair: the node's rate drifts by 10-15 % over minutes
 * on this VM, more than the goal's margin, and slices seconds apart in both orders see the same machine. Each node
 * first serves {@code --jit-warmup S} seconds at saturation (default {@value #DEFAULT_PAIRED_JIT_WARMUP_SECONDS};
 * not counted).
 *
 * <p>{@code --find-max} instead runs make load's find-max (p99 within the SLO, no errors) on each kind in turn, a
 * fresh node each time, {@code --rounds} times (default {@value #DEFAULT_ROUNDS}, every other round Kafka first),
 * judged on the median round; a step that misses the SLO is measured once more. Each find-max takes minutes, so a
 * round's two sides see different minutes of the VM. Its nodes run in this JVM (after a throwaway node of each kind
 * served {@code --jit-warmup} seconds, so the first Kafka node does not pay alone for compiling the Kafka client)
 * unless {@code --fork} runs each as a process of its own: in this JVM every new node makes C2 compile again, and the
 * node measured second inherits the first one's profile.
 *
 * <p>On this 2-core machine the broker shares the cores with the nodes and the load generator, where a cluster's
 * broker has machines of its own. The paired default runs it at {@code nice 0}, an equal, so its whole CPU counts
 * against the Kafka node; {@code --find-max} runs it at {@code nice 19} by default (its earlier figures were measured
 * so), which leaves the nodes the CPU they would have beside a broker elsewhere. {@code --broker-nice N} sets it.
 *
 * <p>Options: {@code --kafka-cp FILE} (required), {@code --pairs N} (1 to 51), {@code --slice S},
 * {@code --offered R}, {@code --broker-nice N}, {@code --jit-warmup S}, {@code --find-max}, {@code --rounds K}
 * (1 to 5), {@code --fork}, and make load's step options ({@code --connections}, default
 * {@value #DEFAULT_CONNECTIONS}, and {@code --warmup}, a slice's uncounted first seconds; with {@code --find-max}
 * also {@code --rate}, {@code --duration}, {@code --slo-ms}, {@code --max-rate}, {@code --resolution}).
 */
public final class KafkaCost {

    /**
     * Connections unless {@code --connections} says otherwise. The generator keeps one request in flight per
     * connection, so with make load's 4 the max rate is about 4 ÷ one request's round trip, a latency figure where a
     * 1-s stall of this VM decides a step; 64 keep enough requests in flight that the max rate is the node's capacity,
     * the throughput the cost goal is about.
     */
    static final int DEFAULT_CONNECTIONS = 64;

    /** Rounds unless {@code --rounds} says otherwise: an odd number, so that one round is the median. */
    static final int DEFAULT_ROUNDS = 3;

    /** find-max's bisection here unless {@code --resolution} says otherwise: within 4 %, not make load's 10 %. */
    static final double DEFAULT_RESOLUTION = 1.04;

    /** The goal: with Kafka at least this share of the rate without it. */
    static final double GOAL = 0.9;

    /** Each kind's uncounted warm-up unless {@code --jit-warmup} says otherwise. */
    static final double DEFAULT_JIT_WARMUP_SECONDS = 30;

    /**
     * Each forked node's uncounted warm-up at saturation before the pairs, unless {@code --jit-warmup} says otherwise:
     * with 30 s the Kafka node's C2 compiler thread still used 8 % of its CPU over the first three pairs (the node
     * without Kafka 2 %), per-thread {@code /proc} ticks, 2026-12-06.
     */
    static final double DEFAULT_PAIRED_JIT_WARMUP_SECONDS = 60;

    private static final double MAX_JIT_WARMUP_SECONDS = 600;

    /** The broker's nice level with {@code --find-max} unless {@code --broker-nice} says otherwise (paired: 0). */
    static final int FIND_MAX_BROKER_NICE = 19;

    /** Pairs of slices unless {@code --pairs} says otherwise: an odd number, so that one pair is the median. */
    static final int DEFAULT_PAIRS = 9;

    private static final int MAX_PAIRS = 51;

    /** Each slice's counted seconds unless {@code --slice} says otherwise. */
    static final double DEFAULT_SLICE_SECONDS = 10;

    /**
     * The rate each slice offers unless {@code --offered} says otherwise: about twice what this 2-core machine answers
     * at saturation (34,000-50,000 req/s at 64 connections, 2026-12-06), so both kinds run saturated; a faster machine
     * shows as slices refused as not saturated.
     */
    static final double DEFAULT_OFFERED_RATE = 80_000;

    /** The longest a Kafka slice waits for its node to publish its backlog; longer fails the run. */
    private static final Duration CATCH_UP_LIMIT = Duration.ofSeconds(120);

    private static final String LAG_GAUGE = "merlin_kafka_events_lag_bytes";
    /** The notice secret of the measured node (and {@link KafkaOutage}'s): a node with Kafka must set one. */
    static final String NOTICE_SECRET = "bench-kafka-notice-secret-0123456789";
    /** The identity secret of the measured node (and {@link KafkaOutage}'s): a node with Kafka must set one. */
    static final String IDENTITY_SECRET = "bench-kafka-identity-secret-0123456789";

    /** How often the Kafka node's backlog is read while it publishes: each read renders its whole /metrics. */
    private static final long CATCH_UP_POLL_MILLIS = 100;

    /** The jar a {@code --fork} node runs: {@code make run}'s. */
    private static final Path FORK_JAR = Path.of("exchange/target/exchange.jar");

    private KafkaCost() {
    }

    /**
     * Runs the comparison; exits 0 when it measured (paired: more than half the pairs valid; find-max: both kinds
     * found a sustainable rate in every round), 1 otherwise, whether or not the goal was met.
     */
    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        String classpath = Files.readString(options.kafkaClasspath()).trim();
        boolean isMeasured = options.paired() == null
                ? run(classpath, options.load(), options.rounds(), System.out)
                : runPaired(classpath, options, System.out);
        System.exit(isMeasured ? 0 : 1);
    }

    /** The command line: the Kafka classpath file, the rounds, and make load's step options. */
    record Options(Path kafkaClasspath, Rounds rounds, LoadOptions load, PairedSlices.Plan paired) {

        /** Parses {@code args}; refuses a missing classpath file, rounds outside 1–5, a warm-up outside 0–600 s. */
        static Options parse(String[] args) {
            Path classpathFile = null;
            int rounds = DEFAULT_ROUNDS;
            Integer brokerNice = null;
            Double jitWarmupSeconds = null;
            List<String> flags = new ArrayList<>();
            int pairs = DEFAULT_PAIRS;
            double sliceSeconds = DEFAULT_SLICE_SECONDS;
            double offered = DEFAULT_OFFERED_RATE;
            List<String> loadArgs = new ArrayList<>(List.of("--find-max"));
            for (int i = 0; i < args.length; i += 2) {
                String value = i + 1 < args.length ? args[i + 1] : "";
                switch (args[i]) {
                    case "--kafka-cp" -> classpathFile = Path.of(value);
                    case "--rounds" -> rounds = Integer.parseInt(value);
                    case "--broker-nice" -> brokerNice = Integer.parseInt(value);
                    case "--jit-warmup" -> jitWarmupSeconds = Double.parseDouble(value);
                    case "--pairs" -> pairs = Integer.parseInt(value);
                    case "--slice" -> sliceSeconds = Double.parseDouble(value);
                    case "--offered" -> offered = Double.parseDouble(value);
                    case "--fork", "--find-max" -> {
                        flags.add(args[i]);
                        i--; // a flag: no value after it
                    }
                    default -> {
                        loadArgs.add(args[i]);
                        if (args[i].startsWith("--") && args[i].contains("=")) {
                            i--; // make load's --option=value: one argument, no value after it
                        } else {
                            loadArgs.add(value);
                        }
                    }
                }
            }
            boolean isFindMax = flags.contains("--find-max");
            if (jitWarmupSeconds == null) {
                jitWarmupSeconds = isFindMax ? DEFAULT_JIT_WARMUP_SECONDS : DEFAULT_PAIRED_JIT_WARMUP_SECONDS;
            }
            if (brokerNice == null) {
                brokerNice = isFindMax ? FIND_MAX_BROKER_NICE : 0;
            }
            addDefault(loadArgs, "--connections", Integer.toString(DEFAULT_CONNECTIONS));
            addDefault(loadArgs, "--resolution", Double.toString(DEFAULT_RESOLUTION));
            if (classpathFile == null || !Files.isRegularFile(classpathFile) || rounds < 1 || rounds > 5
                    || !(jitWarmupSeconds >= 0 && jitWarmupSeconds <= MAX_JIT_WARMUP_SECONDS)
                    || pairs < 1 || pairs > MAX_PAIRS || !(sliceSeconds >= 1 && sliceSeconds <= 600)
                    || !(offered >= 1_000 && offered <= 1e6)) {
                throw new IllegalArgumentException("--kafka-cp FILE is required, --rounds is 1 to 5, --jit-warmup"
                        + " 0 to " + (int) MAX_JIT_WARMUP_SECONDS + " s, --pairs 1 to " + MAX_PAIRS + ", --slice 1 to"
                        + " 600 s and --offered 1,000 to 1,000,000 req/s");
            }
            LoadOptions load = LoadOptions.parse(loadArgs.toArray(new String[0]));
            PairedSlices.Plan paired = isFindMax ? null : new PairedSlices.Plan(pairs, load.warmupSeconds(),
                    sliceSeconds, offered, load.connections());
            return new Options(classpathFile, new Rounds(rounds, brokerNice, jitWarmupSeconds,
                    flags.contains("--fork") || !isFindMax), load, paired);
        }
    }

    /** Adds {@code option value} to {@code args} unless they give it, as {@code --option value} or {@code =value}. */
    private static void addDefault(List<String> args, String option, String value) {
        if (args.stream().noneMatch(arg -> arg.equals(option) || arg.startsWith(option + "="))) {
            args.add(option);
            args.add(value);
        }
    }

    /**
     * How the comparison runs: rounds, the broker's nice level, the uncounted warm-up of each kind, and whether each
     * node is a process of its own ({@code --fork}) rather than a server in this JVM.
     */
    record Rounds(int count, int brokerNice, double jitWarmupSeconds, boolean isForked) {
    }

    private static boolean run(String classpath, LoadOptions options, Rounds rounds, PrintStream out)
            throws Exception {
        Path work = Files.createTempDirectory("merlin-kafka-cost-");
        Thread deleteWorkOnSignal = LoadGenerator.deleteOnSignal(work);
        LocalKafka broker = new LocalKafka(classpath, work.resolve("kafka")).nice(rounds.brokerNice());
        RequestCorpus corpus = RequestCorpus.validSamples();
        List<String> lines = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        boolean isFound = true;
        try {
            broker.format();
            broker.start();
            out.printf(Locale.ROOT, "kafka cost: %s; broker on %s at nice %d%n", LoadGenerator.machine(),
                    broker.bootstrap(), rounds.brokerNice());
            if (rounds.jitWarmupSeconds() > 0 && !rounds.isForked()) {
                for (boolean isKafka : new boolean[] {false, true}) {
                    warmUp(node(work.resolve("warm-up-" + isKafka), isKafka ? broker : null),
                            isKafka ? "warm-up-kafka" : "warm-up", corpus, options, rounds.jitWarmupSeconds(), out);
                }
            }
            for (int round = 0; round < rounds.count(); round++) {
                double without = 0;
                double with = 0;
                for (int k = 0; k < 2; k++) {
                    boolean isKafka = (k == 1) == (round % 2 == 0);
                    Path dataDir = work.resolve("node-" + round + "-" + (isKafka ? "kafka" : "plain"));
                    String name = isKafka ? "merlin-kafka" : "merlin";
                    double rate = rounds.isForked()
                            ? forkedMaxRate(dataDir, isKafka ? broker.bootstrap() : null, corpus, options, rounds,
                                    name, out)
                            : maxRate(node(dataDir, isKafka ? broker : null), corpus, options, name, out);
                    if (isKafka) {
                        with = rate;
                    } else {
                        without = rate;
                    }
                }
                isFound &= without > 0 && with > 0;
                double ratio = without == 0 ? 0 : with / without;
                ratios.add(ratio);
                lines.add(String.format(Locale.ROOT, "round %d (%s first): without Kafka %,.0f req/s, with Kafka"
                        + " %,.0f req/s: with/without %.3f", round + 1, round % 2 == 0 ? "without" : "with", without,
                        with, ratio));
            }
            out.println();
            out.printf(Locale.ROOT, "== kafka cost: find-max, SLO p99 <= %s ms, %d connections, %s s per step,"
                    + " bisected to within %s ==%n", options.sloMillis(), options.connections(),
                    options.durationSeconds(), options.resolution());
            lines.forEach(out::println);
            double median = median(ratios);
            out.printf(Locale.ROOT, "median with/without over %d round(s): %.3f: goal >= %s %s%n", ratios.size(),
                    median, GOAL, median >= GOAL ? "met" : "NOT met");
            return isFound;
        } finally {
            broker.kill();
            LoadGenerator.keepUntilDone(deleteWorkOnSignal);
            LoadGenerator.deleteTree(work);
        }
    }

    /**
     * The default comparison: both nodes forked at once ({@code make run}'s jar and heap, fresh data dirs), each
     * warmed for {@code --jit-warmup} seconds at saturation (not counted), then {@link PairedSlices}: slices of each
     * at saturation, alternating, the goal judged on the median pair's ratio. A Kafka slice ends once the node has
     * published its whole event log (its {@code merlin_kafka_events_lag_bytes} is 0), so that publishing its events
     * never runs in the other node's slice; the node's CPU until then is the slice's, and how much was left and how
     * long it took is printed.
     */
    private static boolean runPaired(String classpath, Options options, PrintStream out) throws Exception {
        Path work = Files.createTempDirectory("merlin-kafka-cost-");
        Thread deleteWorkOnSignal = LoadGenerator.deleteOnSignal(work);
        Rounds rounds = options.rounds();
        PairedSlices.Plan plan = options.paired();
        LocalKafka broker = new LocalKafka(classpath, work.resolve("kafka")).nice(rounds.brokerNice());
        RequestCorpus corpus = RequestCorpus.validSamples();
        try {
            broker.format();
            broker.start();
            out.printf(Locale.ROOT, "kafka cost: %s; broker on %s at nice %d%n", LoadGenerator.machine(),
                    broker.bootstrap(), rounds.brokerNice());
            try (ForkedMerlin plain = fork(work.resolve("plain"), null, "merlin", out);
                 ForkedMerlin kafka = fork(work.resolve("kafka-node"), broker.bootstrap(), "merlin-kafka", out)) {
                PairedSlices.Target without = new PairedSlices.Target("merlin", plain.port(), () -> "",
                        plain::cpuMillis);
                PairedSlices.Target with = new PairedSlices.Target("merlin-kafka", kafka.port(), () -> catchUp(kafka),
                        kafka::cpuMillis);
                Map<String, LongSupplier> others = new LinkedHashMap<>();
                others.put("broker", broker::cpuMillis);
                others.put("generator", PairedSlices::ownCpuMillis);
                List<PairedSlices.Pair> pairs = PairedSlices.warmUpAndRun(without, with, others, plan,
                        rounds.jitWarmupSeconds(), corpus, "kafka cost", out);
                List<Double> ratios = PairedSlices.ratios(pairs, false);
                out.println();
                out.printf(Locale.ROOT, "== kafka cost: %d pairs of %s s slices at saturation (%,.0f req/s offered),"
                        + " %d connections, broker at nice %d ==%n", plan.pairs(), plan.sliceSeconds(),
                        plan.offeredRate(), plan.connections(), rounds.brokerNice());
                List<Double> cpu = PairedSlices.ratios(pairs, true);
                out.printf(Locale.ROOT, "node CPU per answer, without/with (the Kafka node's until its backlog was"
                        + " published): %s, median %.3f%n", PairedSlices.format(cpu), median(cpu));
                double median = median(ratios);
                out.printf(Locale.ROOT, "throughput with/without per pair: %s%n", PairedSlices.format(ratios));
                out.printf(Locale.ROOT, "median with/without over %d valid pair(s) of %d: %.3f: goal >= %s %s%n",
                        ratios.size(), pairs.size(), median, GOAL, median >= GOAL ? "met" : "NOT met");
                return ratios.size() * 2 > pairs.size();
            }
        } finally {
            broker.kill();
            LoadGenerator.keepUntilDone(deleteWorkOnSignal);
            LoadGenerator.deleteTree(work);
        }
    }

    private static ForkedMerlin fork(Path dataDir, String bootstrap, String name, PrintStream out) throws Exception {
        Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        Path config = Files.writeString(dataDir.resolveSibling(dataDir.getFileName() + ".yaml"), forkConfigYaml());
        List<String> command = new ArrayList<>(forkCommand(FORK_JAR, bootstrap));
        command.addAll(List.of("--config", config.toString()));
        ForkedMerlin merlin = ForkedMerlin.start(new ForkedMerlin.Launch(command), ForkedMerlin.freePort(), dataDir,
                log, Duration.ofSeconds(120));
        out.printf(Locale.ROOT, "kafka cost: %s forked (pid %d, log %s)%n", name, merlin.pid(), log);
        return merlin;
    }

    /**
     * Waits until {@code node} has published its event log to Kafka; returns what was left and how long it took, or
     * "" when nothing was. Throws when it is not done within {@link #CATCH_UP_LIMIT}: the broker is not taking what
     * the node publishes, and no ratio would mean anything.
     */
    private static String catchUp(ForkedMerlin node) throws Exception {
        long started = System.nanoTime();
        long first = lagBytes(node);
        if (first < 0) {
            throw new IllegalStateException("the Kafka node's /metrics gives no " + LAG_GAUGE);
        }
        long lag = first;
        while (lag != 0 && System.nanoTime() - started < CATCH_UP_LIMIT.toNanos()) {
            Thread.sleep(CATCH_UP_POLL_MILLIS);
            lag = lagBytes(node);
        }
        if (first == 0) {
            return "";
        }
        long millis = (System.nanoTime() - started) / 1_000_000L;
        if (lag != 0) {
            throw new IllegalStateException(String.format(Locale.ROOT, "the Kafka node still had %,d of its %,d"
                    + " bytes to publish after %,d ms; see its log", lag, first, millis));
        }
        return String.format(Locale.ROOT, "(then its backlog of %,d B published in %,d ms)", first, millis);
    }

    /** The node's {@code merlin_kafka_events_lag_bytes}, or -1 when {@code /metrics} does not give it. */
    static long lagBytes(ForkedMerlin node) throws Exception {
        return lagBytes(node.get("/metrics", null, Duration.ofSeconds(10)).body());
    }

    /** {@code merlin_kafka_events_lag_bytes} in a Prometheus text exposition, or -1 when it is absent. */
    static long lagBytes(String metrics) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(LAG_GAUGE + " ")) {
                return (long) Double.parseDouble(line.substring(LAG_GAUGE.length() + 1).trim());
            }
        }
        return -1;
    }

    /**
     * The command line of a forked node: {@code make run}'s jar and heap, node id 1, and {@code --kafka bootstrap}
     * unless that is null ({@link ForkedMerlin} adds the port and the data dir; the caller a {@code --config}, with
     * Kafka one that sets the shared secrets, see {@link #forkConfigYaml}).
     */
    static List<String> forkCommand(Path jar, String bootstrap) {
        List<String> command = new ArrayList<>(ForkedMerlin.Launch.jar(jar,
                List.of(LoadOptions.DEFAULT_MERLIN_JVM.split(" "))).command());
        command.addAll(List.of("--node-id", "1"));
        if (bootstrap != null) {
            command.addAll(List.of("--kafka", bootstrap));
        }
        return command;
    }

    /**
     * {@code --fork}: the node in a JVM of its own, as in a cluster (its JIT warmed by {@code --jit-warmup} seconds at
     * the starting rate, not counted), then make load's find-max against it from this JVM.
     */
    private static double forkedMaxRate(Path dataDir, String bootstrap, RequestCorpus corpus, LoadOptions options,
                                        Rounds rounds, String name, PrintStream out) throws Exception {
        try (ForkedMerlin merlin = fork(dataDir, bootstrap, name, out)) {
            if (rounds.jitWarmupSeconds() > 0) {
                serve(merlin.port(), name + "-jit-warm-up", corpus, options, rounds.jitWarmupSeconds(), out);
            }
            return findMax(merlin.port(), corpus, options, name, out);
        }
    }

    /** The median of {@code values} (the mean of the middle two for an even count); 0 for none. */
    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    /**
     * The config of both forked nodes: the embedded default with {@link #NOTICE_SECRET} and {@link #IDENTITY_SECRET}
     * added, which a node with Kafka must set; the node without Kafka gets them too, so that the two differ by Kafka
     * alone.
     */
    static String forkConfigYaml() throws IOException {
        String yaml = FanOutRun.configYaml(List.of())
                .replaceFirst("(?m)^exchange:\n", "exchange:\n  noticeSecret: " + NOTICE_SECRET + "\n")
                .replaceFirst("(?m)^privacy:\n", "privacy:\n  identitySecret: " + IDENTITY_SECRET + "\n");
        MerlinConfig parsed = ConfigLoader.parse(yaml, "the forked nodes' config");
        if (!NOTICE_SECRET.equals(parsed.exchange().noticeSecret())
                || !IDENTITY_SECRET.equals(parsed.privacy().identitySecret())) {
            throw new IllegalStateException("the embedded default has no exchange: or privacy: section to put the"
                    + " shared secrets in");
        }
        return yaml;
    }

    /**
     * A fresh node's config on {@code dataDir}, publishing to {@code broker} unless that is null; both arms with the
     * secrets a node with Kafka must set, so that they differ by Kafka alone.
     */
    private static MerlinConfig node(Path dataDir, LocalKafka broker) {
        MerlinConfig config = ConfigLoader.loadDefault().withSharedSecrets(NOTICE_SECRET, IDENTITY_SECRET).withPort(0)
                .withDataDir(dataDir.toString()).withNodeId(1);
        return (broker == null ? config : config.withKafkaBootstrap(broker.bootstrap())).validate();
    }

    /** Serves the starting rate for {@code seconds} on a throwaway node; nothing of it is counted. */
    private static void warmUp(MerlinConfig config, String name, RequestCorpus corpus, LoadOptions options,
                               double seconds, PrintStream out) throws Exception {
        try (MerlinServer merlin = new MerlinServer(config).start()) {
            serve(merlin.port(), name, corpus, options, seconds, out);
        }
    }

    /** Serves the starting rate for {@code seconds} to the node on {@code port}; nothing of it is counted. */
    private static void serve(int port, String name, RequestCorpus corpus, LoadOptions options, double seconds,
                              PrintStream out) throws Exception {
        out.printf(Locale.ROOT, "kafka cost: %s, %.0f s at %,.0f req/s (JIT warm-up, not counted)%n", name, seconds,
                options.rate());
        HttpLoadClient client = new HttpLoadClient(port, "/openrtb2/auction");
        try {
            StepResult result = client.run(corpus, plan(name, options.rate(), options.connections(), 0, seconds), out);
            out.println(result.line() + "  (JIT warm-up, not counted)");
        } finally {
            client.close();
        }
    }

    /** One step's plan: 5 s to drain, a queue of two seconds' requests per connection (at least 1,024). */
    private static HttpLoadClient.Plan plan(String name, double rate, int connections, double warmupSeconds,
                                            double seconds) {
        return new HttpLoadClient.Plan(name, rate, connections, warmupSeconds, seconds, 5,
                (int) Math.max(1024, rate * 2 / connections));
    }

    private static double maxRate(MerlinConfig config, RequestCorpus corpus, LoadOptions options, String name,
                                  PrintStream out) throws Exception {
        try (MerlinServer merlin = new MerlinServer(config).start()) {
            return findMax(merlin.port(), corpus, options, name, out);
        }
    }

    private static double findMax(int port, RequestCorpus corpus, LoadOptions options, String name,
                                  PrintStream out) throws Exception {
        out.println("kafka cost: find-max for " + name);
        HttpLoadClient client = new HttpLoadClient(port, "/openrtb2/auction");
        try {
            LoadGenerator.StepRunner once = rate -> client.run(corpus, plan(name, rate, options.connections(),
                    options.warmupSeconds(), options.durationSeconds()), out);
            // a step that misses the SLO is measured once more, as the gate does: one stall of this VM (40-75 ms,
            // neither GC nor safepoint) in an 8 s step otherwise ends a ramp far below what the node sustains
            LoadGenerator.StepRunner twice = rate -> {
                StepResult first = once.run(rate);
                if (first.isSustainable(options.sloMillis())) {
                    return first;
                }
                out.println(first.line() + "  -> missed, measured once more");
                return once.run(rate);
            };
            List<StepResult> steps = LoadGenerator.ramp(twice, options.rate(), options, out);
            StepResult best = LoadGenerator.best(steps, options);
            return best == null ? 0 : best.ratePerSecond();
        } finally {
            client.close();
        }
    }
}
