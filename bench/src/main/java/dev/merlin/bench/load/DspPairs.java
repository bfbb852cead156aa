package dev.merlin.bench.load;

import dev.merlin.dspsim.DspSimulator;
import dev.merlin.dspsim.Latency;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The DSP fan-out's throughput at saturation ({@code make dsp-pairs}): Merlin with internal campaigns only against
 * Merlin sending every auction to {@code --dsps N} simulated DSPs (in this JVM, bidding on every call, answering at
 * once unless {@code --dsp-latency} says otherwise), both forked at once from {@code make run}'s jar and heap, compared
 * by {@link PairedSlices} in alternating slices and judged on the median pair's ratio against the goal of
 * {@value #GOAL}. make load's {@code --dsps ... --find-max} gives the rate within a p99 SLO instead, where the DSP
 * path's latency ends the ramp before the cores are full.
 *
 * <p>Each slice also prints the simulators' calls and bids per answer (the DSP was in the loop) and the CPU per answer
 * of this JVM (the generator and the simulators together). Options: {@code --dsps N} (1 to 8, default 1),
 * {@code --dsp-latency SPEC} (default {@code 0}, in ms), {@code --pairs}, {@code --slice}, {@code --offered},
 * {@code --connections}, {@code --warmup}, {@code --jit-warmup} (as {@code make kafka-cost}'s), and
 * {@code --merlin-cpus LIST}: both forks run on those CPUs ({@code taskset -c}) and this JVM on the others, so that the
 * generator and the simulators, which stand for other machines, take no CPU from the Merlin being measured.
 * {@code --pipelining N} sets the simulated DSPs' {@code pipelining} in the forks that call them (default 1: one
 * request per connection at a time).
 *
 * <p>{@code --baseline JAR} compares two builds instead: that jar against {@code exchange/target/exchange.jar}, both
 * calling the same simulated DSPs, so a change to the DSP path is judged in the same alternating slices (the ratio
 * is the current build's throughput over the baseline's; no goal applies). {@code --baseline-pipelining N} does the
 * same with the baseline's DSPs at that pipelining (this build both times, when no jar is given).
 */
public final class DspPairs {

    /** The goal: with N DSPs at least this share of the internal-only throughput. */
    static final double GOAL = 0.4;

    private static final Path FORK_JAR = Path.of("exchange/target/exchange.jar");

    private DspPairs() {
    }

    /**
     * The command line.
     *
     * @param dsps             simulated DSPs the second node calls
     * @param dspLatency       the simulators' latency ({@link Latency#parse})
     * @param plan             the pairs
     * @param jitWarmupSeconds each node's uncounted warm-up at saturation
     * @param baseline         a jar to compare the current build with, both calling the DSPs; null: internal only
     * @param merlinCpus       the CPUs both forks run on, this JVM on the others; null: all share every CPU
     * @param transport        {@code server.transport} of both forks; null: the config's ({@code auto})
     * @param baselineTransport the baseline fork's {@code server.transport} instead (with or without
     *                         {@code baseline}: without, the current build on two transports); null: as the other
     * @param pipelining       the simulated DSPs' {@code pipelining} in the forks that call them
     * @param baselinePipelining the baseline fork's instead (as {@code baselineTransport}); null: as the other
     */
    record Options(int dsps, String dspLatency, PairedSlices.Plan plan, double jitWarmupSeconds, Path baseline,
                   BitSet merlinCpus, String transport, String baselineTransport, int pipelining,
                   Integer baselinePipelining) {

        /** Whether the two forks both call the DSPs and differ in build, transport or pipelining, not in DSPs. */
        boolean comparesBuilds() {
            return baseline != null || baselineTransport != null || baselinePipelining != null;
        }

        /** Parses {@code args}; refuses what is out of range, naming the option. */
        static Options parse(String[] args) {
            int dsps = 1;
            String latency = "0";
            int pairs = KafkaCost.DEFAULT_PAIRS;
            double slice = KafkaCost.DEFAULT_SLICE_SECONDS;
            double offered = KafkaCost.DEFAULT_OFFERED_RATE;
            int connections = KafkaCost.DEFAULT_CONNECTIONS;
            double warmup = 2;
            double jitWarmup = KafkaCost.DEFAULT_PAIRED_JIT_WARMUP_SECONDS;
            Path baseline = null;
            BitSet merlinCpus = null;
            String transport = null;
            String baselineTransport = null;
            int pipelining = 1;
            Integer baselinePipelining = null;
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(args[i] + " needs a value");
                }
                String value = args[i + 1];
                switch (args[i]) {
                    case "--dsps" -> dsps = Integer.parseInt(value);
                    case "--dsp-latency" -> latency = value;
                    case "--pairs" -> pairs = Integer.parseInt(value);
                    case "--slice" -> slice = Double.parseDouble(value);
                    case "--offered" -> offered = Double.parseDouble(value);
                    case "--connections" -> connections = Integer.parseInt(value);
                    case "--warmup" -> warmup = Double.parseDouble(value);
                    case "--jit-warmup" -> jitWarmup = Double.parseDouble(value);
                    case "--baseline" -> baseline = Path.of(value);
                    case "--merlin-cpus" -> merlinCpus = CpuPinning.parse("--merlin-cpus", value,
                            Runtime.getRuntime().availableProcessors());
                    case "--transport" -> transport = Transport.checkedName(args[i], value);
                    case "--baseline-transport" -> baselineTransport = Transport.checkedName(args[i], value);
                    case "--pipelining" -> pipelining = LoadOptions.pipelining(args[i], value);
                    case "--baseline-pipelining" -> baselinePipelining = LoadOptions.pipelining(args[i], value);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            Latency.parse(latency);
            if (dsps < 1 || dsps > 8 || pairs < 1 || pairs > 51 || !(slice >= 1 && slice <= 600)
                    || !(offered >= 1_000 && offered <= 1e6) || connections < 1 || connections > 1024
                    || !(warmup >= 0 && warmup <= 60) || !(jitWarmup >= 0 && jitWarmup <= 600)) {
                throw new IllegalArgumentException("--dsps is 1 to 8, --pairs 1 to 51, --slice 1 to 600 s, --offered"
                        + " 1,000 to 1,000,000 req/s, --connections 1 to 1,024, --warmup 0 to 60 s and --jit-warmup"
                        + " 0 to 600 s");
            }
            if (baseline != null && !Files.isRegularFile(baseline)) {
                throw new IllegalArgumentException("--baseline " + baseline + " is not a jar file here");
            }
            return new Options(dsps, latency, new PairedSlices.Plan(pairs, warmup, slice, offered, connections),
                    jitWarmup, baseline, merlinCpus, transport, baselineTransport, pipelining, baselinePipelining);
        }

    }

    /** Runs the comparison; exits 0 when more than half the pairs were valid, whether or not the goal was met. */
    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        System.exit(run(options, System.out) ? 0 : 1);
    }

    private static boolean run(Options options, PrintStream out) throws Exception {
        Path work = Files.createTempDirectory("merlin-dsp-pairs-");
        Thread deleteWork = LoadGenerator.deleteOnSignal(work);
        List<DspSimulator> sims = new ArrayList<>();
        RequestCorpus corpus = RequestCorpus.validSamples();
        try {
            String machine = LoadGenerator.machine();
            if (options.merlinCpus() != null) {
                CpuPinning.pinThisJvmAwayFrom(options.merlinCpus(), "dsp pairs: Merlin's forks on CPU %s; this JVM"
                        + " (generator and simulators) on CPU %s%n", out);
            }
            for (int i = 0; i < options.dsps(); i++) {
                sims.add(DspSimulator.builder().bidRate(1).latency(Latency.parse(options.dspLatency())).seed(i + 1)
                        .seat("load-seat").recordLastRequest(false).start());
            }
            out.printf(Locale.ROOT, "dsp pairs: %s; %d simulated DSP(s) in this JVM, latency %s%n",
                    machine, sims.size(), options.dspLatency());
            boolean isBuilds = options.comparesBuilds();
            String reference = isBuilds ? "baseline" : "internal";
            BitSet cpus = options.merlinCpus();
            Path baselineJar = options.baseline() == null ? FORK_JAR : options.baseline();
            String baselineTransport = options.baselineTransport() == null ? options.transport()
                    : options.baselineTransport();
            int baselinePipelining = options.baselinePipelining() == null ? options.pipelining()
                    : options.baselinePipelining();
            try (ForkedMerlin first = isBuilds
                    ? fork(work, reference, sims, new Fork(baselineJar, baselineTransport, baselinePipelining), cpus,
                            out)
                    : fork(work, reference, List.of(), new Fork(FORK_JAR, options.transport(), 1), cpus, out);
                 ForkedMerlin withDsps = fork(work, "dsps", sims,
                         new Fork(FORK_JAR, options.transport(), options.pipelining()), cpus, out)) {
                String name = isBuilds ? "current" : options.dsps() + "-dsp";
                PairedSlices.Target a = new PairedSlices.Target(reference, first.port(), () -> "",
                        first::cpuMillis);
                PairedSlices.Target b = new PairedSlices.Target(name, withDsps.port(), () -> "", withDsps::cpuMillis);
                Map<String, LongSupplier> others = new LinkedHashMap<>();
                others.put("generator and simulators", PairedSlices::ownCpuMillis);
                // printed per 1,000 answers, as the CPU is in µs per answer
                others.put("DSP calls per 1,000 answers", () -> calls(sims));
                others.put("DSP bids per 1,000 answers", () -> bids(sims));
                PairedSlices.Plan plan = options.plan();
                List<PairedSlices.Pair> pairs = PairedSlices.warmUpAndRun(a, b, others, plan,
                        options.jitWarmupSeconds(), corpus, "dsp pairs", out);
                List<Double> ratios = PairedSlices.ratios(pairs, false);
                report(pairs, ratios, reference, name, plan, isBuilds, out);
                return ratios.size() * 2 > pairs.size();
            }
        } finally {
            for (DspSimulator sim : sims) {
                sim.close();
            }
            LoadGenerator.keepUntilDone(deleteWork);
            LoadGenerator.deleteTree(work);
        }
    }

    private static void report(List<PairedSlices.Pair> pairs, List<Double> ratios, String reference, String name,
                               PairedSlices.Plan plan, boolean isBuilds, PrintStream out) {
        double median = KafkaCost.median(ratios);
        out.println();
        out.printf(Locale.ROOT, "== dsp pairs: %d pairs of %s s slices at saturation (%,.0f req/s offered),"
                + " %d connections ==%n", plan.pairs(), plan.sliceSeconds(), plan.offeredRate(), plan.connections());
        out.printf(Locale.ROOT, "Merlin's CPU per answer, %s/%s: median %.3f%n", reference, name,
                KafkaCost.median(PairedSlices.ratios(pairs, true)));
        out.printf(Locale.ROOT, "throughput %s/%s per pair: %s%n", name, reference, PairedSlices.format(ratios));
        out.printf(Locale.ROOT, "median %s/%s over %d valid pair(s) of %d: %.3f%s%n", name, reference, ratios.size(),
                pairs.size(), median, isBuilds ? "" : ": goal >= " + GOAL + (median >= GOAL ? " met" : " NOT met"));
    }

    /** What one fork runs: its jar, its {@code server.transport} (null: auto) and its DSPs' pipelining. */
    private record Fork(Path jar, String transport, int pipelining) {
    }

    private static ForkedMerlin fork(Path work, String name, List<DspSimulator> sims, Fork fork, BitSet cpus,
                                     PrintStream out) throws Exception {
        Path config = work.resolve(name + ".yaml");
        String yaml = FanOutRun.withPipelining(FanOutRun.configYaml(sims), fork.pipelining());
        String transport = fork.transport();
        Path jar = fork.jar();
        if (transport != null) {
            yaml = FanOutRun.withTransport(yaml, transport);
        }
        Files.writeString(config, yaml, StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(CpuPinning.java(cpus, KafkaCost.forkCommand(jar, null)));
        command.addAll(List.of("--config", config.toString()));
        Path log = work.resolve(name + ".log");
        ForkedMerlin merlin = ForkedMerlin.start(new ForkedMerlin.Launch(command), ForkedMerlin.freePort(),
                work.resolve(name), log, Duration.ofSeconds(120));
        out.printf(Locale.ROOT, "dsp pairs: %s forked from %s, server.transport %s%s (pid %d, log %s)%n", name, jar,
                transport == null ? "auto" : transport, sims.isEmpty() ? "" : ", DSP pipelining " + fork.pipelining(),
                merlin.pid(), log);
        return merlin;
    }

    private static long calls(List<DspSimulator> sims) {
        return sims.stream().mapToLong(sim -> sim.stats().requests()).sum();
    }

    private static long bids(List<DspSimulator> sims) {
        return sims.stream().mapToLong(sim -> sim.stats().bids()).sum();
    }
}
