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
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live catalogue changes under load ({@code make load-churn}): Merlin in-process with the embedded config, the valid
 * samples sent open loop at a fixed rate in three steps of the same run — without changes, while a driver changes a
 * campaign's bid through the admin API ({@code PATCH /admin/campaigns/{id}}) every second, and without changes
 * again (so that warm-up and drift show up as a difference between the two quiet steps). Prints the steps, the failed
 * requests of each (must be 0), the changes applied and refused, and p99 with changes as a ratio to each quiet step.
 *
 * <p>Bounded: {@code --duration} seconds per step (default 60, at most 600). Options: {@code --rate R} (default
 * 1000), {@code --connections N} (default 4), {@code --duration S}, {@code --warmup S} (default 5).
 */
public final class CatalogueChurn {

    private static final String CAMPAIGN = "northwind-run-of-network";
    private static final double DRAIN_SECONDS = 5;

    private CatalogueChurn() {
    }

    /** Runs the two steps and exits 0, or 1 when a request failed or a change was refused. */
    public static void main(String[] args) throws Exception {
        double rate = 1_000;
        int connections = 4;
        double duration = 60;
        double warmup = 5;
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--rate" -> rate = Double.parseDouble(value);
                case "--connections" -> connections = Integer.parseInt(value);
                case "--duration" -> duration = Double.parseDouble(value);
                case "--warmup" -> warmup = Double.parseDouble(value);
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        if (duration <= 0 || duration > LoadOptions.MAX_DURATION_SECONDS) {
            throw new IllegalArgumentException("--duration must be in (0, 600]: " + duration);
        }
        System.exit(run(rate, connections, duration, warmup, System.out) ? 0 : 1);
    }

    private static boolean run(double rate, int connections, double duration, double warmup, PrintStream out)
            throws Exception {
        Path dataDir = Files.createTempDirectory("merlin-churn-");
        MerlinConfig config = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString());
        RequestCorpus corpus = RequestCorpus.validSamples();
        out.printf(Locale.ROOT, "churn: %s%n", LoadGenerator.machine());
        try (MerlinServer merlin = new MerlinServer(config).start()) {
            HttpLoadClient client = new HttpLoadClient(merlin.port(), "/openrtb2/auction");
            int maxQueued = (int) Math.max(1024, rate * 2 / connections);
            try {
                StepResult quiet = client.run(corpus, new HttpLoadClient.Plan("merlin-no-changes", rate,
                        connections, warmup, duration, DRAIN_SECONDS, maxQueued), out);
                Churn churn = new Churn(merlin.port(), config.tracking().adminToken());
                StepResult changing;
                ScheduledExecutorService driver = Executors.newSingleThreadScheduledExecutor();
                try {
                    driver.scheduleAtFixedRate(churn::change, 1, 1, TimeUnit.SECONDS);
                    changing = client.run(corpus, new HttpLoadClient.Plan("merlin-change-every-1s", rate,
                            connections, warmup, duration, DRAIN_SECONDS, maxQueued), out);
                } finally {
                    driver.shutdownNow();
                    driver.awaitTermination(10, TimeUnit.SECONDS);
                }
                StepResult after = client.run(corpus, new HttpLoadClient.Plan("merlin-no-changes-again", rate,
                        connections, warmup, duration, DRAIN_SECONDS, maxQueued), out);
                out.println();
                out.printf(Locale.ROOT, "== catalogue churn: %.0f req/s, %d connections, %.0f s per step ==%n",
                        rate, connections, duration);
                out.println(quiet.line());
                out.println(changing.line());
                out.println(after.line());
                out.printf(Locale.ROOT, "failed requests: %d without changes, %d with changes, %d without again%n",
                        quiet.errors(), changing.errors(), after.errors());
                out.printf(Locale.ROOT, "changes: %d applied, %d refused or failed; catalogue swaps counted by"
                        + " Merlin: %d%n", churn.applied.get(), churn.failed.get(),
                        merlin.runtime().liveCatalogue().applied());
                out.printf(Locale.ROOT, "p99: %.3f ms without, %.3f ms with changes, %.3f ms without again:"
                        + " with/without %.3f and %.3f%n", quiet.millisAt(99), changing.millisAt(99),
                        after.millisAt(99),
                        changing.millisAt(99) / quiet.millisAt(99),
                        changing.millisAt(99) / after.millisAt(99));
                return quiet.errors() + changing.errors() + after.errors() == 0 && churn.failed.get() == 0;
            } finally {
                client.close();
            }
        } finally {
            LoadGenerator.deleteTree(dataDir);
        }
    }

    /** Changes the campaign's bid back and forth, once per call, through the admin API. */
    private static final class Churn {

        final AtomicLong applied = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        private final URI uri;
        private final String token;

        Churn(int port, String token) {
            this.uri = URI.create("http://127.0.0.1:" + port + "/admin/campaigns/" + CAMPAIGN);
            this.token = token;
        }

        void change() {
            String bid = applied.get() % 2 == 0 ? "1.25" : "1.20";
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"bid\": {\"amount\": " + bid + "}}"))
                    .build();
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
