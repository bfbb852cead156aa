package dev.merlin.bench.load;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.MerlinServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Live catalogue changes under load ({@code make load-churn}): Merlin in-process with the embedded config, the valid
 * samples sent open loop at a fixed rate in blocks of the same run, alternately without changes and while a driver
 * changes a campaign's bid through the admin API ({@code PATCH /admin/campaigns/{id}}) every second. The blocks are
 * interleaved in rounds (quiet then changing, then changing then quiet, ...), so drift and warm-up over the run fall on
 * both alike; the latencies of all quiet blocks and of all changing blocks are pooled and their p99 compared. Prints
 * every block, the failed requests (must be 0), the changes applied and refused, and the pooled p99 with changes as a
 * ratio to without (the goal: at most 1.2).
 *
 * <p>Bounded: {@code --rounds} (default 6, at most 30) × 2 blocks of {@code --duration} seconds (default 10, at most
 * 600), after one warm-up block. Options: {@code --rate R} (default 1000), {@code --connections N} (default 4),
 * {@code --duration S}, {@code --rounds K}, {@code --warmup S} (per block, default 1; the first block, not counted,
 * sends with changes for 10 s more so that the change path is compiled before anything is measured),
 * {@code --call get} (the control: the driver reads the campaign every second instead of changing it, so what the
 * admin call alone costs shows apart from what a change costs).
 */
public final class CatalogueChurn {

    private static final String CAMPAIGN = "northwind-run-of-network";
    private static final double DRAIN_SECONDS = 5;
    private static final double FIRST_WARMUP_SECONDS = 10;

    private CatalogueChurn() {
    }

    /** Runs the blocks and exits 0, or 1 when a request failed or a change was refused. */
    public static void main(String[] args) throws Exception {
        double rate = 1_000;
        int connections = 4;
        double duration = 10;
        double warmup = 1;
        int rounds = 6;
        boolean isReadOnly = false;
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--rate" -> rate = Double.parseDouble(value);
                case "--connections" -> connections = Integer.parseInt(value);
                case "--duration" -> duration = Double.parseDouble(value);
                case "--warmup" -> warmup = Double.parseDouble(value);
                case "--rounds" -> rounds = Integer.parseInt(value);
                case "--call" -> isReadOnly = "get".equals(value);
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        if (duration <= 0 || duration > LoadOptions.MAX_DURATION_SECONDS) {
            throw new IllegalArgumentException("--duration must be in (0, 600]: " + duration);
        }
        if (rounds < 1 || rounds > 30) {
            throw new IllegalArgumentException("--rounds must be 1 to 30: " + rounds);
        }
        System.exit(run(new Options(rate, connections, duration, warmup, rounds, isReadOnly), System.out) ? 0 : 1);
    }

    private record Options(double rate, int connections, double duration, double warmup, int rounds,
                           boolean isReadOnly) {

        Options withWarmup(double seconds) {
            return new Options(rate, connections, duration, seconds, rounds, isReadOnly);
        }

        HttpLoadClient.Plan plan(String name, double warmupSeconds) {
            return new HttpLoadClient.Plan(name, rate, connections, warmupSeconds, duration, DRAIN_SECONDS,
                    (int) Math.max(1024, rate * 2 / connections));
        }
    }

    private static boolean run(Options options, PrintStream out) throws Exception {
        Path dataDir = Files.createTempDirectory("merlin-churn-");
        Thread deleteDataDirOnSignal = LoadGenerator.deleteOnSignal(dataDir);
        MerlinConfig config = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString());
        RequestCorpus corpus = RequestCorpus.validSamples();
        out.printf(Locale.ROOT, "churn: %s%n", LoadGenerator.machine());
        try (MerlinServer merlin = new MerlinServer(config).start()) {
            HttpLoadClient client = new HttpLoadClient(merlin.port(), "/openrtb2/auction");
            Churn churn = new Churn(merlin.port(), config.tracking().adminToken(), options.isReadOnly());
            try {
                // the warm-up changes the campaign too: the first changes compile the admin API, the config checks
                // and the catalogue build, and that JIT work (on these 2 cores) is start-up, not what a change costs
                StepResult first = changing(client, corpus, options.withWarmup(FIRST_WARMUP_SECONDS), churn, -1, out);
                Histogram quiet = null;
                Histogram changing = null;
                double[] roundRatios = new double[options.rounds()];
                double[] roundP99 = new double[2];
                long errors = first.errors();
                List<String> lines = new ArrayList<>();
                for (int round = 0; round < options.rounds(); round++) {
                    for (int block = 0; block < 2; block++) {
                        boolean isChanging = (block == 0) == (round % 2 == 1);
                        StepResult step = isChanging ? changing(client, corpus, options, churn, round, out)
                                : client.run(corpus, options.plan("round-" + (round + 1) + "-no-changes",
                                options.warmup()), out);
                        errors += step.errors();
                        lines.add(step.line());
                        if (isChanging) {
                            changing = pooled(changing, step.latencyNanos());
                        } else {
                            quiet = pooled(quiet, step.latencyNanos());
                        }
                        roundP99[isChanging ? 1 : 0] = step.millisAt(99);
                    }
                    roundRatios[round] = roundP99[1] / roundP99[0];
                }
                out.println();
                out.printf(Locale.ROOT, "== catalogue churn: %.0f req/s, %d connections, %d rounds of %.0f s without"
                        + " and %.0f s with a change every second ==%n", options.rate(), options.connections(),
                        options.rounds(), options.duration(), options.duration());
                lines.forEach(out::println);
                out.printf(Locale.ROOT, "failed requests: %d%n", errors);
                out.printf(Locale.ROOT, "admin calls (%s): %d answered 200, %d refused or failed; catalogue swaps"
                        + " counted by Merlin: %d%n", options.isReadOnly() ? "GET, the control" : "PATCH",
                        churn.applied.get(), churn.failed.get(), merlin.runtime().liveCatalogue().applied());
                double quietP99 = quiet.getValueAtPercentile(99) / 1e6;
                double changingP99 = changing.getValueAtPercentile(99) / 1e6;
                out.printf(Locale.ROOT, "pooled: without changes n %,d p50 %.3f p99 %.3f ms; with changes n %,d p50"
                        + " %.3f p99 %.3f ms; p99 with/without %.3f (goal <= 1.2)%n", quiet.getTotalCount(),
                        quiet.getValueAtPercentile(50) / 1e6, quietP99, changing.getTotalCount(),
                        changing.getValueAtPercentile(50) / 1e6, changingP99, changingP99 / quietP99);
                printRoundRatios(roundRatios, out);
                return errors == 0 && churn.failed.get() == 0;
            } finally {
                client.close();
            }
        } finally {
            LoadGenerator.keepUntilDone(deleteDataDirOnSignal);
            LoadGenerator.deleteTree(dataDir);
        }
    }

    /**
     * Each round's p99 with changes over without, and their median: a stall of the machine (tens of ms, neither GC
     * nor safepoint) lands in one block and moves the pooled p99 of its kind, not the median of the rounds' ratios.
     */
    private static void printRoundRatios(double[] roundRatios, PrintStream out) {
        double[] sorted = roundRatios.clone();
        Arrays.sort(sorted);
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        out.printf(Locale.ROOT, "per round, p99 with/without: %s; median %.3f (goal <= 1.2)%n",
                Arrays.stream(roundRatios).mapToObj(r -> String.format(Locale.ROOT, "%.2f", r)).toList(), median);
    }

    /** One block sent while the driver changes the campaign's bid every second. */
    private static StepResult changing(HttpLoadClient client, RequestCorpus corpus, Options options, Churn churn,
                                       int round, PrintStream out) throws InterruptedException {
        ScheduledExecutorService driver = Executors.newSingleThreadScheduledExecutor();
        try {
            driver.scheduleAtFixedRate(churn::change, 0, 1, TimeUnit.SECONDS);
            String name = round < 0 ? "merlin-warm-up-with-changes" : "round-" + (round + 1) + "-change-every-1s";
            return client.run(corpus, options.plan(name, options.warmup()), out);
        } finally {
            driver.shutdownNow();
            driver.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static Histogram pooled(Histogram pool, Histogram step) {
        if (pool == null) {
            return step.copy();
        }
        pool.add(step);
        return pool;
    }

    /** Changes the campaign's bid back and forth, once per call, through the admin API. */
    private static final class Churn {

        final AtomicLong applied = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        private final URI uri;
        private final String token;
        private final boolean isReadOnly;

        Churn(int port, String token, boolean isReadOnly) {
            this.isReadOnly = isReadOnly;
            this.uri = URI.create("http://127.0.0.1:" + port + "/admin/campaigns/" + CAMPAIGN);
            this.token = token;
        }

        void change() {
            String bid = applied.get() % 2 == 0 ? "1.25" : "1.20";
            HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json");
            HttpRequest request = isReadOnly ? builder.GET().build() : builder.method("PATCH",
                    HttpRequest.BodyPublishers.ofString("{\"bid\": {\"amount\": " + bid + "}}")).build();
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                (response.statusCode() == 200 ? applied : failed).incrementAndGet();
            } catch (IOException e) {
                failed.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
