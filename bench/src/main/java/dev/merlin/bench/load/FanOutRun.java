package dev.merlin.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.merlin.config.AuctionConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.dspsim.DspSimulator;
import dev.merlin.dspsim.Latency;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The DSP fan-out comparison ({@code make load ARGS="--dsps 1,3 --find-max"}): for each number of DSPs, N in-JVM
 * simulated DSPs answering at once with a bid, Merlin forked with a config whose {@code dsps:} lists them, and the
 * same steps as a load run (or the same find-max ramp). Reports each N's rate as a ratio to N = 0 (internal
 * campaigns only, same fork, same corpus), the calls and bids the simulators saw, and the answers later than the
 * request's {@code tmax} counted from the write.
 */
final class FanOutRun {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final double DRAIN_SECONDS = 5;
    private static final String PATH = "/openrtb2/auction";

    private final LoadOptions options;
    private final LoadOptions.FanOutOptions fanOut;
    private final PrintStream out;

    FanOutRun(LoadOptions options, PrintStream out) {
        this.options = options;
        this.fanOut = options.fanOut();
        this.out = out;
    }

    /** What the simulators and the tmax timing saw during one step. */
    record DspTraffic(long dspCalls, long dspBids, long lateAnswers, long timedAnswers) {

        /** One line, per auction sent. */
        String line(long auctions) {
            return String.format(Locale.ROOT, "dsp calls %,d (%.2f per auction), dsp bids %,d, answers later than"
                    + " tmax %,d of %,d", dspCalls, auctions == 0 ? 0 : dspCalls / (double) auctions, dspBids,
                    lateAnswers, timedAnswers);
        }

        Map<String, Object> summary(long auctions) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("dspCalls", dspCalls);
            map.put("dspCallsPerAuction", auctions == 0 ? 0 : Math.round(dspCalls * 1000.0 / auctions) / 1000.0);
            map.put("dspBids", dspBids);
            map.put("lateAnswers", lateAnswers);
            map.put("timedAnswers", timedAnswers);
            return map;
        }
    }

    /** One N's outcome: its steps, the one reported (the best sustainable, or the fixed-rate step) and its traffic. */
    private record Outcome(int dsps, List<StepResult> steps, StepResult reported, Map<StepResult, DspTraffic> traffic,
                           Map<String, Double> merlinDspCounters) {
    }

    /** Runs every N in turn and prints and writes the comparison. */
    void run(String[] args) throws Exception {
        RequestCorpus corpus = options.corpus() == null ? RequestCorpus.validSamples()
                : RequestCorpus.fromDirectory(options.corpus());
        int[] tmaxMillis = tmaxMillis(corpus, ConfigLoader.loadDefault().auction());
        out.printf(Locale.ROOT, "load: %s%n", LoadGenerator.machine());
        out.printf(Locale.ROOT, "load: corpus %s: %d requests; fan-out over %s DSPs (latency %s, bid rate 1)%n",
                corpus.source(), corpus.size(), fanOut.dspCounts(), Latency.parse(fanOut.dspLatency()));
        if (fanOut.merlinCpus() != null) {
            CpuPinning.pinThisJvmAwayFrom(fanOut.merlinCpus(), "load: Merlin's forks on CPU %s; this JVM (generator"
                    + " and simulators) on CPU %s%n", out);
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (int dsps : fanOut.dspCounts()) {
            outcomes.add(measure(dsps, corpus, tmaxMillis));
        }
        printSummary(outcomes);
        writeSummary(args, corpus, outcomes);
    }

    private Outcome measure(int dsps, RequestCorpus corpus, int[] tmaxMillis) throws Exception {
        List<DspSimulator> sims = new ArrayList<>();
        Path dir = Files.createTempDirectory("merlin-fanout-");
        Thread deleteDirOnSignal = LoadGenerator.deleteOnSignal(dir);
        try {
            for (int i = 0; i < dsps; i++) {
                sims.add(DspSimulator.builder().bidRate(1).latency(Latency.parse(fanOut.dspLatency())).seed(i + 1)
                        .seat("load-seat").recordLastRequest(false).start());
            }
            Path config = dir.resolve("merlin-fanout.yaml");
            Files.writeString(config, withPipelining(configYaml(sims), fanOut.dspPipelining()),
                    StandardCharsets.UTF_8);
            List<String> command = new ArrayList<>(CpuPinning.java(fanOut.merlinCpus(),
                    ForkedMerlin.Launch.jar(fanOut.merlinJar(), fanOut.merlinJvmArgs()).command()));
            command.addAll(List.of("--config", config.toString()));
            Files.createDirectories(options.outDir());
            Path log = options.outDir().resolve("fanout-merlin-" + dsps + "-dsps.log").toAbsolutePath();
            Files.deleteIfExists(log);
            try (ForkedMerlin merlin = ForkedMerlin.start(new ForkedMerlin.Launch(List.copyOf(command)),
                    ForkedMerlin.freePort(), dir.resolve("data"), log, START_TIMEOUT);
                 HttpLoadClient client = new HttpLoadClient(merlin.port(), PATH)) {
                out.printf(Locale.ROOT, "%nload: == %d DSPs == Merlin forked (pid %d, 127.0.0.1:%d, log %s)%s%n",
                        dsps, merlin.pid(), merlin.port(), log, simulatorPorts(sims));
                Outcome steps = steps(dsps, corpus, tmaxMillis, merlin.port(), client, sims);
                Map<String, Double> counters = merlinDspCounters(merlin);
                out.println("  " + dsps + " DSPs, Merlin's own DSP counters over all steps: "
                        + (counters.isEmpty() ? "none (it exposes no merlin_dsp_*_total yet)" : counters));
                merlin.stop(STOP_TIMEOUT);
                return new Outcome(dsps, steps.steps(), steps.reported(), steps.traffic(), counters);
            }
        } finally {
            for (DspSimulator sim : sims) {
                sim.close();
            }
            LoadGenerator.keepUntilDone(deleteDirOnSignal);
            LoadGenerator.deleteTree(dir);
        }
    }

    private Outcome steps(int dsps, RequestCorpus corpus, int[] tmaxMillis, int port, HttpLoadClient client,
                          List<DspSimulator> sims) throws InterruptedException {
        Map<StepResult, DspTraffic> traffic = new IdentityHashMap<>();
        List<StepResult> all = new ArrayList<>();
        LoadGenerator.StepRunner runner = rate -> {
            long callsBefore = dspCalls(sims);
            long bidsBefore = dspBids(sims);
            try (CorpusMix mix = new CorpusMix(corpus, port, PATH, tmaxMillis)) {
                StepResult result = client.run(mix, plan(dsps, rate), out);
                DspTraffic seen = new DspTraffic(dspCalls(sims) - callsBefore, dspBids(sims) - bidsBefore,
                        mix.lateAnswers(), mix.timedAnswers());
                traffic.put(result, seen);
                all.add(result);
                out.println("  " + dsps + " DSPs: " + seen.line(result.requests()));
                return result;
            }
        };
        if (fanOut.forkWarmupSeconds() > 0) {
            warmUp(corpus, tmaxMillis, port, client);
        }
        StepResult reported;
        List<StepResult> ramp;
        if (options.findMax()) {
            ramp = LoadGenerator.ramp(runner, options.rate(), options, out);
            reported = LoadGenerator.best(ramp, options);
        } else {
            reported = runner.run(options.rate());
            out.println(reported.line());
            ramp = List.of(reported);
        }
        return new Outcome(dsps, ramp, reported, traffic, Map.of());
    }

    /** The fresh fork's JIT warm-up: the starting rate for {@code --fork-warmup} seconds, not counted. */
    private void warmUp(RequestCorpus corpus, int[] tmaxMillis, int port, HttpLoadClient client)
            throws InterruptedException {
        out.printf(Locale.ROOT, "  JIT warm-up of the fork: %,.0f req/s for %.0f s, not counted%n", options.rate(),
                fanOut.forkWarmupSeconds());
        try (CorpusMix mix = new CorpusMix(corpus, port, PATH, tmaxMillis)) {
            client.run(mix, plan("fork-warmup", options.rate(), 0, fanOut.forkWarmupSeconds()), out);
        }
    }

    private HttpLoadClient.Plan plan(int dsps, double rate) {
        return plan("dsps" + dsps, rate, options.warmupSeconds(), options.durationSeconds());
    }

    private HttpLoadClient.Plan plan(String name, double rate, double warmupSeconds, double durationSeconds) {
        int maxQueued = (int) Math.max(1024, rate * 2 / options.connections());
        return new HttpLoadClient.Plan(name, rate, options.connections(), warmupSeconds, durationSeconds,
                DRAIN_SECONDS, maxQueued);
    }

    private void printSummary(List<Outcome> outcomes) {
        String rateName = options.findMax() ? "max rate/s" : "throughput/s";
        out.println();
        out.println("== summary: DSP fan-out, " + (options.findMax() ? "find-max, SLO p99 <= " + options.sloMillis()
                + " ms, no errors" : "fixed rate " + String.format(Locale.ROOT, "%,.0f", options.rate()) + " req/s")
                + "; " + options.connections() + " connections, " + options.durationSeconds() + " s per step ==");
        out.printf(Locale.ROOT, "%-5s %13s %8s %9s %9s %9s %13s %10s %12s%n", "dsps", rateName, "vs 0", "p50 ms",
                "p99 ms", "max ms", "dsp calls", "dsp bids", "late > tmax");
        double reference = rate(outcomes.get(0).reported());
        for (Outcome o : outcomes) {
            StepResult r = o.reported();
            if (r == null) {
                out.printf(Locale.ROOT, "%-5d no sustainable rate found%n", o.dsps());
                continue;
            }
            DspTraffic t = o.traffic().get(r);
            out.printf(Locale.ROOT, "%-5d %,13.0f %8.3f %9.3f %9.3f %9.3f %,13d %,10d %,12d%n", o.dsps(), rate(r),
                    reference == 0 ? Double.NaN : rate(r) / reference, r.millisAt(50), r.millisAt(99),
                    r.maxMillis(), t.dspCalls(), t.dspBids(), t.lateAnswers());
        }
        long late = 0;
        for (Outcome o : outcomes) {
            for (DspTraffic t : o.traffic().values()) {
                late += t.lateAnswers();
            }
        }
        out.println(late == 0 ? "no answer later than tmax (every step, from the write)"
                : late + " answers later than their request's tmax over all steps (from the write)");
    }

    private double rate(StepResult r) {
        return r == null ? 0 : options.findMax() ? r.ratePerSecond() : r.throughput();
    }

    private void writeSummary(String[] args, RequestCorpus corpus, List<Outcome> outcomes) throws IOException {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("time", Instant.now().toString());
        summary.put("command", "LoadGenerator " + String.join(" ", args));
        summary.put("machine", LoadGenerator.machine());
        summary.put("corpus", Map.of("source", corpus.source(), "requests", corpus.size()));
        summary.put("mode", options.findMax() ? "find-max" : "fixed-rate");
        summary.put("dspLatency", fanOut.dspLatency());
        summary.put("dspPipelining", fanOut.dspPipelining());
        double reference = rate(outcomes.get(0).reported());
        List<Map<String, Object>> runs = new ArrayList<>();
        for (Outcome o : outcomes) {
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("dsps", o.dsps());
            run.put("rate", rate(o.reported()));
            run.put("ratioToInternalOnly", reference == 0 ? null : Math.round(rate(o.reported()) / reference * 1000)
                    / 1000.0);
            List<Map<String, Object>> steps = new ArrayList<>();
            for (StepResult s : o.steps()) {
                Map<String, Object> step = s.summary();
                step.put("dspTraffic", o.traffic().get(s).summary(s.requests()));
                steps.add(step);
            }
            run.put("steps", steps);
            run.put("merlinDspCounters", o.merlinDspCounters());
            runs.add(run);
        }
        summary.put("runs", runs);
        Path json = options.outDir().resolve("load-fanout.json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), summary);
        out.println("load: wrote " + json);
    }

    /** Merlin's {@code merlin_dsp_*_total} counters from {@code GET /metrics}, summed over their labels. */
    private Map<String, Double> merlinDspCounters(ForkedMerlin merlin) {
        Map<String, Double> counters = new TreeMap<>();
        try {
            String text = merlin.get("/metrics", null, Duration.ofSeconds(10)).body();
            for (String line : text.split("\n")) {
                if (!line.startsWith("merlin_dsp_")) {
                    continue;
                }
                int end = line.indexOf('{') > 0 ? line.indexOf('{') : line.indexOf(' ');
                String name = end > 0 ? line.substring(0, end) : line;
                if (name.endsWith("_total")) {
                    double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    counters.merge(name, value, Double::sum);
                }
            }
        } catch (IOException | NumberFormatException e) {
            out.println("  (could not read Merlin's /metrics: " + e + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return counters;
    }

    /** The embedded default configuration with a {@code dsps:} section naming each simulator. */
    static String configYaml(List<DspSimulator> sims) throws IOException {
        String base;
        try (InputStream in = ConfigLoader.class.getResourceAsStream(ConfigLoader.DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IOException(ConfigLoader.DEFAULT_RESOURCE + " is missing from the class path");
            }
            base = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (sims.isEmpty()) {
            return base;
        }
        StringBuilder yaml = new StringBuilder(base).append("\n# simulated DSPs of the fan-out run\ndsps:\n");
        for (int i = 0; i < sims.size(); i++) {
            yaml.append("  - id: load-dsp-").append(i + 1).append('\n')
                    .append("    name: Load DSP ").append(i + 1).append(" (simulated)\n")
                    .append("    endpoint: ").append(sims.get(i).endpoint()).append('\n')
                    .append("    region: USA\n")
                    .append("    maxQps: 0\n");
        }
        return yaml.toString();
    }

    /** The config text {@code yaml} (from {@link #configYaml}) with each DSP's {@code pipelining} at {@code depth}. */
    static String withPipelining(String yaml, int depth) {
        String line = "\n    maxQps: 0\n";
        return depth == 1 ? yaml : yaml.replace(line, line + "    pipelining: " + depth + "\n");
    }

    /**
     * The config text {@code yaml} (from {@link #configYaml}) with {@code server.transport} set to {@code transport}.
     *
     * @throws IllegalStateException when the text has no {@code server.transport: auto} line to set
     */
    static String withTransport(String yaml, String transport) {
        String line = "\n  transport: auto ";
        if (!yaml.contains(line)) {
            throw new IllegalStateException("the default config has no 'server.transport: auto' line to set");
        }
        return yaml.replace(line, "\n  transport: " + transport + " ");
    }

    /** Each request's effective tmax as Merlin computes it (its own, or the default, within the bounds). */
    static int[] tmaxMillis(RequestCorpus corpus, AuctionConfig auction) throws IOException {
        ObjectMapper json = new ObjectMapper();
        int[] tmax = new int[corpus.size()];
        for (int i = 0; i < tmax.length; i++) {
            JsonNode value = json.readTree(corpus.bodies().get(i)).get("tmax");
            tmax[i] = auction.effectiveTmaxMs(value != null && value.canConvertToInt() ? value.intValue() : null);
        }
        return tmax;
    }

    private static String simulatorPorts(List<DspSimulator> sims) {
        if (sims.isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder(", simulated DSPs on");
        for (DspSimulator sim : sims) {
            s.append(" :").append(sim.port());
        }
        return s.toString();
    }

    private static long dspCalls(List<DspSimulator> sims) {
        long calls = 0;
        for (DspSimulator sim : sims) {
            calls += sim.stats().requests();
        }
        return calls;
    }

    private static long dspBids(List<DspSimulator> sims) {
        long bids = 0;
        for (DspSimulator sim : sims) {
            bids += sim.stats().bids();
        }
        return bids;
    }
}
