package dev.merlin.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * {@code make soak}: Merlin in a process of its own ({@code java -jar exchange.jar} with the heap {@code make run}
 * gives it, a fresh temp data dir, a free loopback port) under the realistic {@link SoakMix} for a fixed time at
 * 80 % of the mix's maximum rate (found first, or given), open loop. Then the pass criteria, printed as a table:
 * <ul>
 *   <li>no errors: every answer the success its kind is due, no timeouts, no connection resets;</li>
 *   <li>the schedule's rate kept (answers per second at least 95 % of it);</li>
 *   <li>heap used after an explicit full GC, last sample within ±10 % of the first;</li>
 *   <li>p99 of the last window (a minute, or a third of a shorter soak) at most 1.5× the first window's;</li>
 *   <li>no growth in open file descriptors, threads or direct buffer memory between the first and last sample.</li>
 * </ul>
 * Samples are taken once per window, half-way through it (so each window holds one explicit GC's pause), the first
 * after the warm-up. Bounded: the soak stops by itself and kills the process it started.
 */
final class SoakRun {

    static final double HEAP_TOLERANCE = 0.10;
    static final double P99_FACTOR = 1.5;
    static final double MIN_RATE_KEPT = 0.95;
    /** Transient descriptors (an event log file rotating, a JMX connection being set up) are not growth. */
    static final int FD_SLACK = 4;
    /** Netty's and the JMX agent's helper threads come and go with idle timeouts; a leak grows past this. */
    static final int THREAD_SLACK = 4;
    /** Direct memory grows in allocator chunks; a leak at soak rates passes this within minutes. */
    static final double DIRECT_TOLERANCE = 0.10;
    static final long DIRECT_SLACK_BYTES = 4L << 20;

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);

    private final LoadOptions options;
    private final LoadOptions.SoakOptions soak;
    private final PrintStream out;

    SoakRun(LoadOptions options, PrintStream out) {
        this.options = options;
        this.soak = options.soak();
        this.out = out;
    }

    /** Runs the soak; returns whether every check passed. */
    @SuppressWarnings("checkstyle:MethodLength") // the soak told as one script, step by step
    boolean run(String[] args) throws Exception {
        RequestCorpus corpus = options.corpus() == null ? RequestCorpus.validSamples()
                : RequestCorpus.fromDirectory(options.corpus());
        MerlinConfig config = ConfigLoader.loadDefault();
        String stamp = STAMP.format(Instant.now());
        Files.createDirectories(options.outDir());
        Path dataDir = Files.createTempDirectory("merlin-soak-");
        int port = ForkedMerlin.freePort();
        ForkedMerlin.Launch launch = ForkedMerlin.Launch.jar(soak.merlinJar(), soak.merlinJvmArgs());
        Path merlinLog = options.outDir().resolve("soak-" + stamp + "-merlin.log");
        StringBuilder header = new StringBuilder();
        say(header, "soak: " + LoadGenerator.machine());
        say(header, "soak: Merlin: " + String.join(" ", launch.command()) + " --port " + port + " --data-dir "
                + dataDir + "  (output in " + merlinLog + ")");
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("time", Instant.now().toString());
        summary.put("command", "LoadGenerator " + String.join(" ", args));
        summary.put("machine", LoadGenerator.machine());
        summary.put("merlin", String.join(" ", launch.command()));
        try (ForkedMerlin merlin = ForkedMerlin.start(launch, port, dataDir, merlinLog, Duration.ofSeconds(120));
             HttpLoadClient client = new HttpLoadClient(port, "/openrtb2/auction");
             JvmProbe probe = JvmProbe.attach(merlin.pid())) {
            probe.sample(0); // the JMX agent's own threads and sockets exist before the baseline
            double takeRate = config.exchange().takeRate();
            double rate = soak.fixedRate();
            if (rate == 0) {
                rate = findMaxRate(corpus, port, takeRate, client, header, summary);
            } else {
                say(header, "soak: at the given rate " + fmt("%,.0f", rate) + " req/s");
            }
            summary.put("rate", rate);
            double seconds = soak.seconds();
            int window = seconds >= 180 ? 60 : Math.max(1, (int) Math.round(seconds / 3));
            double warmup = Math.min(30, Math.max(5, seconds / 6));
            say(header, fmt("soak: %.0f s warm-up, then %.0f s measured, %d connections; windows of %d s; a JVM "
                    + "sample (after a full GC) half-way through each window", warmup, seconds,
                    options.connections(), window));
            SoakMix mix = new SoakMix(corpus, port, "soak", takeRate, null);
            List<JvmProbe.Sample> samples = Collections.synchronizedList(new ArrayList<>());
            List<String> probeFailures = Collections.synchronizedList(new ArrayList<>());
            ScheduledExecutorService probes = scheduleProbes(probe, warmup, seconds, window, samples, probeFailures);
            StepResult result;
            try {
                result = client.run(mix, new HttpLoadClient.Plan("soak", rate, options.connections(), warmup, seconds,
                        5, maxQueued(rate), window, seconds > 120 ? 10 : 1), out);
            } finally {
                probes.shutdownNow();
                probes.awaitTermination(60, TimeUnit.SECONDS);
            }
            int exitCode = merlin.stop(Duration.ofSeconds(30));
            StringBuilder report = new StringBuilder();
            Checks checks = evaluate(result, List.copyOf(samples), probeFailures, rate);
            report(report, result, mix, List.copyOf(samples), window, exitCode);
            report.append('\n').append(checks.table());
            out.println();
            out.print(report);
            summary.put("soak", result.summary());
            summary.put("windowSeconds", window);
            summary.put("windows", windows(result));
            summary.put("requestsByKind", mix.counts());
            summary.put("samples", samples.stream().map(JvmProbe.Sample::summary).toList());
            summary.put("probeFailures", List.copyOf(probeFailures));
            summary.put("merlinExitCode", exitCode);
            summary.put("checks", checks.summary());
            summary.put("pass", checks.isAllPass());
            Path json = options.outDir().resolve("soak-" + stamp + ".json");
            Path txt = options.outDir().resolve("soak-" + stamp + ".txt");
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), summary);
            Files.writeString(txt, "LoadGenerator " + String.join(" ", args) + "\n" + header + report,
                    StandardCharsets.UTF_8);
            out.println("soak: wrote " + json + " and " + txt);
            return checks.isAllPass();
        } finally {
            LoadGenerator.deleteTree(dataDir);
        }
    }

    /** Finds the mix's highest sustainable rate and returns 80 % of it, the soak's rate; notes the steps taken. */
    private double findMaxRate(RequestCorpus corpus, int port, double takeRate, HttpLoadClient client,
                               StringBuilder header, Map<String, Object> summary) throws InterruptedException {
        say(header, "soak: find-max for the mix from " + fmt("%,.0f", options.rate()) + " req/s, SLO p99 <= "
                + options.sloMillis() + " ms, " + options.durationSeconds() + " s per step");
        SoakMix rampMix = new SoakMix(corpus, port, "find-max", takeRate, null);
        List<StepResult> ramp = LoadGenerator.ramp(r -> client.run(rampMix, new HttpLoadClient.Plan(
                "find-max", r, options.connections(), options.warmupSeconds(), options.durationSeconds(), 5,
                maxQueued(r)), out), options.rate(), options, out);
        StepResult best = LoadGenerator.best(ramp, options);
        for (StepResult step : ramp) {
            line(header, "  " + step.line());
        }
        summary.put("findMaxSteps", ramp.stream().map(StepResult::summary).toList());
        if (best == null) {
            throw new IllegalStateException("find-max found no sustainable rate for the mix");
        }
        summary.put("maxRate", best.ratePerSecond());
        double rate = Math.round(0.8 * best.ratePerSecond());
        say(header, "soak: the mix's max sustainable rate " + fmt("%,.0f", best.ratePerSecond())
                + " req/s; soaking at 80 %: " + fmt("%,.0f", rate) + " req/s");
        return rate;
    }

    /** Samples Merlin's JVM half-way through each measured window, on a thread of its own. */
    private static ScheduledExecutorService scheduleProbes(JvmProbe probe, double warmup, double seconds, int window,
                                                           List<JvmProbe.Sample> samples,
                                                           List<String> probeFailures) {
        ScheduledExecutorService probes = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "soak-probe");
            thread.setDaemon(true);
            return thread;
        });
        long start = System.nanoTime();
        for (double at = warmup + window / 2.0; at < warmup + seconds; at += window) {
            probes.schedule(() -> {
                double now = (System.nanoTime() - start) / 1e9;
                try {
                    samples.add(probe.sample(now));
                } catch (IOException | RuntimeException e) {
                    probeFailures.add(fmt("%.0f s: %s", now, e));
                }
            }, Math.round(at * 1000), TimeUnit.MILLISECONDS);
        }
        return probes;
    }

    /** The pass criteria (see the class comment). */
    static Checks evaluate(StepResult result, List<JvmProbe.Sample> samples, List<String> probeFailures,
                           double rate) {
        Checks checks = new Checks();
        long requests = result.requests();
        checks.add("errors (wrong answers, timeouts, resets)", result.errors() + " of " + fmt("%,d", requests)
                + (result.errors() > 0 ? " " + result.unexpected() + " " + result.failures() : ""), "0",
                result.errors() == 0);
        checks.add("rate kept", fmt("%,.0f of %,.0f req/s", result.throughput(), rate),
                fmt(">= %.0f %%", MIN_RATE_KEPT * 100), result.throughput() >= MIN_RATE_KEPT * rate);
        List<Histogram> windows = result.windows();
        if (windows.size() < 2) {
            checks.add("p99 last window vs first", windows.size() + " windows", "2 or more", false);
        } else {
            double first = windows.get(0).getValueAtPercentile(99) / 1e6;
            double last = windows.get(windows.size() - 1).getValueAtPercentile(99) / 1e6;
            checks.add("p99 last window vs first", fmt("%.3f ms vs %.3f ms (%.2fx)", last, first, last / first),
                    fmt("<= %.1fx", P99_FACTOR), last <= P99_FACTOR * first);
        }
        if (samples.size() < 2) {
            String measured = samples.size() + " JVM samples" + (probeFailures.isEmpty() ? "" : " " + probeFailures);
            checks.add("heap after GC, last vs first", measured, "2 samples or more", false);
            checks.add("file descriptors", measured, "2 samples or more", false);
            checks.add("threads", measured, "2 samples or more", false);
            checks.add("direct memory", measured, "2 samples or more", false);
            return checks;
        }
        JvmProbe.Sample first = samples.get(0);
        JvmProbe.Sample last = samples.get(samples.size() - 1);
        long minHeap = samples.stream().mapToLong(JvmProbe.Sample::heapAfterGcBytes).min().orElse(0);
        long maxHeap = samples.stream().mapToLong(JvmProbe.Sample::heapAfterGcBytes).max().orElse(0);
        double heapChange = (double) last.heapAfterGcBytes() / first.heapAfterGcBytes() - 1;
        checks.add("heap after GC, last vs first", fmt("%s -> %s (%+.1f %%; range %s-%s)",
                mib(first.heapAfterGcBytes()), mib(last.heapAfterGcBytes()), heapChange * 100, mib(minHeap),
                mib(maxHeap)),
                fmt("within +-%.0f %%", HEAP_TOLERANCE * 100), Math.abs(heapChange) <= HEAP_TOLERANCE);
        checks.add("file descriptors", first.fileDescriptors() + " -> " + last.fileDescriptors(),
                "<= first + " + FD_SLACK, last.fileDescriptors() <= first.fileDescriptors() + FD_SLACK);
        checks.add("threads", first.threads() + " -> " + last.threads(), "<= first + " + THREAD_SLACK,
                last.threads() <= first.threads() + THREAD_SLACK);
        long directBound = Math.round(first.directBytes() * (1 + DIRECT_TOLERANCE)) + DIRECT_SLACK_BYTES;
        checks.add("direct memory (JVM direct buffer pool)", fmt("%s -> %s (%d -> %d buffers)",
                mib(first.directBytes()), mib(last.directBytes()), first.directBuffers(), last.directBuffers()),
                fmt("<= first + %.0f %% + %s", DIRECT_TOLERANCE * 100, mib(DIRECT_SLACK_BYTES)),
                last.directBytes() <= directBound);
        return checks;
    }

    private void report(StringBuilder report, StepResult result, SoakMix mix, List<JvmProbe.Sample> samples,
                        int window, int exitCode) {
        line(report, "== soak: " + fmt("%,.0f", result.ratePerSecond()) + " req/s scheduled, " + result.connections()
                + " connections, " + fmt("%.0f", result.durationSeconds()) + " s measured ==");
        line(report, result.line());
        line(report, "requests by kind (sent / success; a notice or click slot with nothing to fire sends an "
                + "auction):");
        long total = 0;
        for (long[] counts : mix.counts().values()) {
            total += counts[0];
        }
        for (Map.Entry<String, long[]> e : mix.counts().entrySet()) {
            line(report, fmt("  %-8s %,12d  %,12d  %5.1f %%", e.getKey(), e.getValue()[0], e.getValue()[1],
                    total == 0 ? 0 : 100.0 * e.getValue()[0] / total));
        }
        line(report, "latency per " + window + " s window (ms, from the intended send time):");
        line(report, fmt("  %-6s %10s %9s %9s %9s %9s", "window", "n", "p50", "p99", "p99.9", "max"));
        List<Histogram> windows = result.windows();
        for (int i = 0; i < windows.size(); i++) {
            Histogram h = windows.get(i);
            line(report, fmt("  %-6d %,10d %9.3f %9.3f %9.3f %9.3f", i + 1, h.getTotalCount(),
                    h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                    h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6));
        }
        line(report, "Merlin's JVM (heap used after an explicit full GC; threads and fds from /proc; the machine's "
                + "1-minute load average):");
        line(report, fmt("  %7s %12s %12s %8s %10s %8s %6s %10s %6s", "at s", "heap", "direct", "buffers",
                "mapped", "threads", "fds", "rss", "load"));
        for (JvmProbe.Sample s : samples) {
            line(report, fmt("  %7.1f %12s %12s %8d %10s %8d %6d %10s %6.2f", s.atSeconds(),
                    mib(s.heapAfterGcBytes()), mib(s.directBytes()), s.directBuffers(), mib(s.mappedBytes()),
                    s.threads(), s.fileDescriptors(), mib(s.rssBytes()), s.loadAverage()));
        }
        line(report, "Merlin stopped with SIGTERM, exit code " + exitCode);
    }

    private static List<Map<String, Object>> windows(StepResult result) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Histogram h : result.windows()) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("n", h.getTotalCount());
            map.put("p50", h.getValueAtPercentile(50) / 1e6);
            map.put("p99", h.getValueAtPercentile(99) / 1e6);
            map.put("p999", h.getValueAtPercentile(99.9) / 1e6);
            map.put("max", h.getMaxValue() / 1e6);
            list.add(map);
        }
        return list;
    }

    private int maxQueued(double rate) {
        return (int) Math.max(1024, rate * 2 / options.connections());
    }

    static String mib(long bytes) {
        return fmt("%.1f MiB", bytes / 1048576.0);
    }

    static String fmt(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }

    /** Prints a line now and keeps it for the text file. */
    private void say(StringBuilder header, String line) {
        out.println(line);
        line(header, line);
    }

    private static void line(StringBuilder report, String line) {
        report.append(line).append('\n');
    }
}
