package dev.merlin.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * Open-loop load generator: sends OpenRTB requests from a corpus to Merlin at a fixed rate (or ramps the rate with
 * {@code --find-max}), then runs the same schedule against a bare Netty server answering 204 on loopback and reports
 * Merlin's throughput and latency percentiles as ratios to it. Writes {@code .hgrm} files and a JSON summary.
 *
 * <p>Bounded: every step has a fixed request count and a drain deadline, the ramp has a step cap, and the target
 * must be on loopback. Run {@code --help} for the options.
 */
public final class LoadGenerator {

    private static final double DRAIN_SECONDS = 5;
    private static final double RAMP_FACTOR = 2;

    private final LoadOptions options;
    private final PrintStream out;

    private LoadGenerator(LoadOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** Runs the generator and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the generator; returns 0 on a completed run (a soak or crash test: one that passed), 1 when it could not
     * run or a soak or crash check failed, 2 on bad arguments.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("load: " + e.getMessage());
            return 2;
        }
        if (options.help()) {
            out.print(LoadOptions.USAGE);
            return 0;
        }
        try {
            if (options.fanOut() != null) {
                new FanOutRun(options, out).run(args);
                return 0;
            }
            if (options.soak() != null) {
                boolean isPass = options.soak().isCrashTest() ? new CrashRun(options, out).run(args)
                        : new SoakRun(options, out).run(args);
                return isPass ? 0 : 1;
            }
            new LoadGenerator(options, out).execute(args);
            return 0;
        } catch (Exception e) {
            err.println("load: " + e);
            return 1;
        }
    }

    /** Sends one fixed-rate step to one server. */
    @FunctionalInterface
    interface StepRunner {
        StepResult run(double rate) throws InterruptedException;
    }

    private void execute(String[] args) throws Exception {
        RequestCorpus corpus = options.corpus() == null ? RequestCorpus.validSamples()
                : RequestCorpus.fromDirectory(options.corpus());
        out.printf(Locale.ROOT, "load: %s%n", machine());
        out.printf(Locale.ROOT, "load: corpus %s: %d requests, %d skipped%n", corpus.source(), corpus.size(),
                corpus.skipped().size());
        corpus.skipped().forEach(s -> out.println("  skipped " + s));
        if (options.fork() != null && options.fork().cpus() != null) {
            CpuPinning.pinThisJvmAwayFrom(options.fork().cpus(), "load: the forks on CPU %s; this JVM (the generator)"
                    + " on CPU %s%n", out);
        }
        List<HttpLoadClient> clients = new ArrayList<>();
        try (LoadServers servers = LoadServers.start(options, out); HiccupMeter hiccups = HiccupMeter.start()) {
            try {
                HttpLoadClient merlinClient = new HttpLoadClient(servers.merlinPort(), options.path());
                clients.add(merlinClient);
                StepRunner merlinSteps = withHiccups(withCpu(rate -> merlinClient.run(corpus, plan("merlin", rate),
                        out), servers.merlinCpuMillis()), hiccups);
                StepRunner bareSteps = null;
                if (servers.barePort() > 0) {
                    HttpLoadClient bareClient = new HttpLoadClient(servers.barePort(), options.path());
                    clients.add(bareClient);
                    bareSteps = withHiccups(withCpu(rate -> bareClient.run(corpus, plan("bare", rate), out),
                            servers.bareCpuMillis()), hiccups);
                }
                if (options.fork() != null && options.fork().warmupSeconds() > 0) {
                    warmUpForks(corpus, clients);
                }
                measureAndSummarize(args, corpus, servers.placement(), merlinSteps, bareSteps);
            } finally {
                for (HttpLoadClient client : clients) {
                    client.close();
                }
            }
        }
    }

    /**
     * {@code steps} with each step's CPU per answer: the server's ({@code serverCpuMillis}, a forked process) and
     * this JVM's, the generator's. Unchanged when the server is not a fork: in-process, its CPU is the generator's.
     */
    static StepRunner withCpu(StepRunner steps, LongSupplier serverCpuMillis) {
        if (serverCpuMillis == null) {
            return steps;
        }
        return rate -> {
            long server = serverCpuMillis.getAsLong();
            long generator = PairedSlices.ownCpuMillis();
            StepResult result = steps.run(rate);
            long serverAfter = serverCpuMillis.getAsLong();
            long generatorAfter = PairedSlices.ownCpuMillis();
            boolean isKnown = server >= 0 && serverAfter >= 0 && generator >= 0 && generatorAfter >= 0;
            return isKnown ? result.withCpu(StepResult.Cpu.of(serverAfter - server, generatorAfter - generator,
                    result.answers())) : result;
        };
    }

    /** {@code steps} with the generator's hiccups during each step ({@link HiccupMeter}). */
    static StepRunner withHiccups(StepRunner steps, HiccupMeter meter) {
        return rate -> {
            meter.interval();
            StepResult result = steps.run(rate);
            return result.withHiccups(StepResult.Hiccups.of(meter.interval()));
        };
    }

    /** A fresh fork's JIT compiles for tens of seconds: each fork gets {@code --fork-warmup} s at --rate, uncounted. */
    private void warmUpForks(RequestCorpus corpus, List<HttpLoadClient> clients) throws InterruptedException {
        double seconds = options.fork().warmupSeconds();
        out.printf(Locale.ROOT, "load: JIT warm-up of each fork: %,.0f req/s for %.0f s, not counted%n",
                options.rate(), seconds);
        for (HttpLoadClient client : clients) {
            client.run(corpus, plan("fork-warmup", options.rate(), 0, seconds), out);
        }
    }

    /** Runs the steps (find-max or one fixed rate) and writes what they measured to {@code load-summary.json}. */
    private void measureAndSummarize(String[] args, RequestCorpus corpus, String placement, StepRunner merlinSteps,
                                     StepRunner bareSteps) throws Exception {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("time", Instant.now().toString());
        summary.put("command", "LoadGenerator " + String.join(" ", args));
        summary.put("machine", machine());
        summary.put("servers", placement);
        summary.put("corpus", Map.of("source", corpus.source(), "requests", corpus.size()));
        summary.put("mode", options.findMax() ? "find-max" : "fixed-rate");
        if (options.findMax()) {
            findMax(merlinSteps, bareSteps, summary);
        } else {
            fixedRate(merlinSteps, bareSteps, summary);
        }
        Files.createDirectories(options.outDir());
        Path json = options.outDir().resolve("load-summary.json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), summary);
        out.println("load: wrote " + json);
    }

    private void fixedRate(StepRunner merlinSteps, StepRunner bareSteps, Map<String, Object> summary)
            throws Exception {
        StepResult merlin = merlinSteps.run(options.rate());
        summary.put("merlin", merlin.summary());
        writeHgrm("load-merlin.hgrm", merlin);
        StepResult bare = null;
        if (bareSteps != null) {
            bare = bareSteps.run(options.rate());
            summary.put("bare", bare.summary());
            writeHgrm("load-bare.hgrm", bare);
            summary.put("ratios", ratios(merlin, bare, merlin.throughput(), bare.throughput()));
        }
        out.println();
        out.println("== summary: fixed rate " + format("%,.0f", options.rate()) + " req/s, "
                + options.connections() + " connections, " + options.durationSeconds() + " s measured ==");
        out.println(merlin.line());
        if (bare != null) {
            out.println(bare.line());
            printRatios(merlin, bare, "throughput", merlin.throughput(), bare.throughput());
            printCpu(merlin, bare, summary);
        }
    }

    private void findMax(StepRunner merlinSteps, StepRunner bareSteps, Map<String, Object> summary)
            throws Exception {
        out.println("load: find-max for merlin from " + format("%,.0f", options.rate()) + " req/s, SLO p99 <= "
                + options.sloMillis() + " ms");
        List<StepResult> merlinRamp = ramp(merlinSteps, options.rate(), options, out);
        StepResult merlinBest = best(merlinRamp, options);
        summary.put("merlinSteps", merlinRamp.stream().map(StepResult::summary).toList());
        summary.put("merlinMaxRate", merlinBest == null ? 0 : merlinBest.ratePerSecond());
        StepResult bareSame = null;
        StepResult bareBest = null;
        if (bareSteps != null) {
            double sameRate = merlinBest == null ? options.rate() : merlinBest.ratePerSecond();
            // the ramp's first counted step is at Merlin's max rate, after the bare server's own JIT warm-up
            out.println("load: find-max for bare from Merlin's max rate " + format("%,.0f", sameRate) + " req/s");
            List<StepResult> bareRamp = ramp(bareSteps, sameRate, options, out);
            bareSame = bareRamp.get(0);
            bareBest = best(bareRamp, options);
            summary.put("bareAtMerlinMax", bareSame.summary());
            summary.put("bareSteps", bareRamp.stream().map(StepResult::summary).toList());
            summary.put("bareMaxRate", bareBest == null ? 0 : bareBest.ratePerSecond());
        }
        out.println();
        out.println("== summary: find-max, SLO p99 <= " + options.sloMillis() + " ms, no errors; "
                + options.connections() + " connections, " + options.durationSeconds() + " s per step ==");
        if (merlinBest == null) {
            out.println("merlin: no sustainable rate found (lowest tried " + format("%,.0f",
                    merlinRamp.get(merlinRamp.size() - 1).ratePerSecond()) + " req/s)");
            return;
        }
        writeHgrm("load-merlin.hgrm", merlinBest);
        out.println("merlin max sustainable rate: " + format("%,.0f", merlinBest.ratePerSecond()) + " req/s");
        out.println(merlinBest.line());
        if (bareSame != null) {
            writeHgrm("load-bare.hgrm", bareSame);
            out.println(bareSame.line());
            double bareMax = bareBest == null ? 0 : bareBest.ratePerSecond();
            out.println("bare max sustainable rate: " + format("%,.0f", bareMax) + " req/s"
                    + (bareBest != null && bareBest.ratePerSecond() >= options.maxRate() ? " (the --max-rate cap)"
                    : ""));
            printRatios(merlinBest, bareSame, "max rate", merlinBest.ratePerSecond(), bareMax);
            summary.put("ratios", ratios(merlinBest, bareSame, merlinBest.ratePerSecond(), bareMax));
            printCpu(merlinBest, bareSame, summary);
        }
    }

    /**
     * After one uncounted warm-up step at the start rate, doubles the rate until a step fails, then bisects
     * between the last good and first bad rate until they are within {@link LoadOptions#resolution} of each other.
     */
    static List<StepResult> ramp(StepRunner steps, double startRate, LoadOptions options, PrintStream out)
            throws InterruptedException {
        // a cold JIT makes the first step's tail look like an overload: run it once, uncounted
        StepResult warmUp = steps.run(startRate);
        out.println(warmUp.line() + "  (JIT warm-up, not counted)");
        List<StepResult> results = new ArrayList<>();
        double rate = startRate;
        double good = 0;
        double bad = Double.POSITIVE_INFINITY;
        for (int step = 0; step < options.maxSteps(); step++) {
            StepResult result = steps.run(rate);
            results.add(result);
            boolean isSustainable = result.isSustainable(options.sloMillis());
            out.println(result.line() + (isSustainable ? "  -> sustainable" : "  -> NOT sustainable"));
            if (isSustainable) {
                good = Math.max(good, rate);
            } else {
                bad = Math.min(bad, rate);
            }
            double next;
            if (bad == Double.POSITIVE_INFINITY) {
                if (rate >= options.maxRate()) {
                    break;
                }
                next = Math.min(rate * RAMP_FACTOR, options.maxRate());
            } else if (good == 0) {
                next = rate / RAMP_FACTOR;
                if (next < 1) {
                    break;
                }
            } else {
                if (bad / good <= options.resolution()) {
                    break;
                }
                next = (good + bad) / 2;
            }
            rate = Math.round(next);
        }
        return results;
    }

    static StepResult best(List<StepResult> steps, LoadOptions options) {
        return steps.stream().filter(s -> s.isSustainable(options.sloMillis()))
                .max(Comparator.comparingDouble(StepResult::ratePerSecond)).orElse(null);
    }

    private HttpLoadClient.Plan plan(String server, double rate) {
        return plan(server, rate, options.warmupSeconds(), options.durationSeconds());
    }

    private HttpLoadClient.Plan plan(String server, double rate, double warmupSeconds, double durationSeconds) {
        int maxQueued = (int) Math.max(1024, rate * 2 / options.connections());
        return new HttpLoadClient.Plan(server, rate, options.connections(), warmupSeconds, durationSeconds,
                DRAIN_SECONDS, maxQueued);
    }

    private Map<String, Object> ratios(StepResult merlin, StepResult bare, double merlinRate, double bareRate) {
        Map<String, Object> ratios = new LinkedHashMap<>();
        ratios.put(options.findMax() ? "maxRate" : "throughput", ratio(merlinRate, bareRate));
        for (double p : StepResult.PERCENTILES) {
            ratios.put("p" + StepResult.label(p), ratio(merlin.millisAt(p), bare.millisAt(p)));
        }
        ratios.put("max", ratio(merlin.maxMillis(), bare.maxMillis()));
        return ratios;
    }

    private void printRatios(StepResult merlin, StepResult bare, String rateName, double merlinRate,
                             double bareRate) {
        out.printf(Locale.ROOT, "%-12s %12s %12s %12s%n", "merlin/bare", "merlin", "bare", "ratio");
        out.printf(Locale.ROOT, "%-12s %12.1f %12.1f %12.3f%n", rateName, merlinRate, bareRate,
                ratio(merlinRate, bareRate));
        for (double p : StepResult.PERCENTILES) {
            out.printf(Locale.ROOT, "%-12s %12.3f %12.3f %12.3f%n", "p" + StepResult.label(p) + " ms",
                    merlin.millisAt(p), bare.millisAt(p), ratio(merlin.millisAt(p), bare.millisAt(p)));
        }
        out.printf(Locale.ROOT, "%-12s %12.3f %12.3f %12.3f%n", "max ms", merlin.maxMillis(), bare.maxMillis(),
                ratio(merlin.maxMillis(), bare.maxMillis()));
    }

    /**
     * The CPU each answer cost the machine at the same rate, server and generator together, when both servers are
     * forks. While the generator shares the machine's cores, {@code (bare + its generator) / (merlin + its
     * generator)} is what the max-rate ratio tends to once both are CPU-bound.
     */
    private void printCpu(StepResult merlin, StepResult bare, Map<String, Object> summary) {
        if (merlin.cpu() == null || bare.cpu() == null) {
            return;
        }
        double merlinTotal = merlin.cpu().serverMicrosPerAnswer() + merlin.cpu().generatorMicrosPerAnswer();
        double bareTotal = bare.cpu().serverMicrosPerAnswer() + bare.cpu().generatorMicrosPerAnswer();
        out.printf(Locale.ROOT, "%-12s %12s %12s %12s%n", "CPU us/ans", "merlin", "bare", "bare/merlin");
        out.printf(Locale.ROOT, "%-12s %12.1f %12.1f %12.3f%n", "server", merlin.cpu().serverMicrosPerAnswer(),
                bare.cpu().serverMicrosPerAnswer(), ratio(bare.cpu().serverMicrosPerAnswer(),
                        merlin.cpu().serverMicrosPerAnswer()));
        out.printf(Locale.ROOT, "%-12s %12.1f %12.1f %12.3f  (the machine's CPU per answer)%n", "+generator",
                merlinTotal, bareTotal, ratio(bareTotal, merlinTotal));
        summary.put("cpuPerAnswerRatio", ratio(bareTotal, merlinTotal));
    }

    private static double ratio(double a, double b) {
        return b == 0 ? Double.NaN : Math.round(a / b * 1000) / 1000.0;
    }

    private void writeHgrm(String name, StepResult result) throws IOException {
        Files.createDirectories(options.outDir());
        Path file = options.outDir().resolve(name);
        try (PrintStream ps = new PrintStream(Files.newOutputStream(file), false, "UTF-8")) {
            ps.printf(Locale.ROOT, "# %s at %.0f req/s, %d connections, latency from intended send time in ms%n",
                    result.server(), result.ratePerSecond(), result.connections());
            result.latencyNanos().outputPercentileDistribution(ps, 1e6);
        }
        out.println("load: wrote " + file);
    }

    static String machine() {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return format("%d cores, %s %s, Java %s (%s), load average %.2f, transport %s",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("java.version"),
                System.getProperty("java.vm.name"), load, Transport.detect().name());
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }

    /**
     * Deletes {@code dir} when this JVM is stopped by a signal (Ctrl-C, {@code kill}) before its caller's own
     * clean-up ran: a killed run would otherwise leave its forks' Chronicle files, gigabytes, under {@code /tmp}.
     * The caller removes the hook with {@link #keepUntilDone} once it deleted the tree itself.
     */
    static Thread deleteOnSignal(Path dir) {
        Thread hook = new Thread(() -> {
            try {
                deleteTree(dir);
            } catch (IOException | UncheckedIOException e) {
                System.err.println("could not delete " + dir + ": " + e);
            }
        }, "delete-" + dir.getFileName());
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    /** Removes a hook of {@link #deleteOnSignal}; nothing to do once the JVM is already stopping. */
    static void keepUntilDone(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException stopping) {
            // the hook runs, or ran
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
