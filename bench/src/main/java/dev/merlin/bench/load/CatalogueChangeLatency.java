package dev.merlin.bench.load;

import dev.merlin.bench.SyntheticCampaigns;
import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.CampaignConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.CreativeConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.Money;
import dev.merlin.config.TargetingConfig;
import dev.merlin.config.TrackingConfig;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * How soon a change through the admin API reaches the auction on a large catalogue ({@code make load-change}):
 * Merlin in-process with {@code --campaigns} synthetic campaigns ({@link SyntheticCampaigns}) plus one probe campaign
 * that outbids them all on a 300x250 banner. Each trial pauses the probe with {@code PATCH /admin/campaigns/probe}
 * while auctions are sent one after another over loopback, and times, from the moment the call is sent: the first
 * auction the probe no longer wins (the pause in effect), and the call's answer (the new catalogue built, swapped in
 * and saved). Then it resumes the probe and times the same for the first auction it wins again (a resume waits for the
 * catalogue build). Prints every trial and the worst of each.
 *
 * <p>Bounded: {@code --trials} (default 5, at most 50); every wait gives up after 60 s and fails the run. Options:
 * {@code --campaigns N} (default 100000), {@code --trials K}.
 */
public final class CatalogueChangeLatency {

    private static final String PROBE = "probe";
    private static final String REQUEST = "{\"id\":\"latency\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250},"
            + "\"bidfloor\":0.01,\"bidfloorcur\":\"USD\"}],\"site\":{\"id\":\"s1\",\"domain\":\"news.example\","
            + "\"page\":\"https://news.example/a\"},\"device\":{\"ua\":\"Mozilla/5.0\",\"ip\":\"203.0.113.7\","
            + "\"geo\":{\"country\":\"JPN\"}},\"tmax\":500,\"cur\":[\"USD\"]}";
    private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final URI auction;
    private final URI probe;
    private final String sellerToken;
    private final String adminToken;

    private CatalogueChangeLatency(int port, String sellerToken, String adminToken) {
        this.auction = URI.create("http://127.0.0.1:" + port + "/openrtb2/auction");
        this.probe = URI.create("http://127.0.0.1:" + port + "/admin/campaigns/" + PROBE);
        this.sellerToken = sellerToken;
        this.adminToken = adminToken;
    }

    /** Runs the trials and exits 0, or 1 when a change failed or never reached the auction. */
    public static void main(String[] args) throws Exception {
        int campaigns = 100_000;
        int trials = 5;
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--campaigns" -> campaigns = Integer.parseInt(value);
                case "--trials" -> trials = Integer.parseInt(value);
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        if (trials < 1 || trials > 50 || campaigns < 0) {
            throw new IllegalArgumentException("--trials must be 1 to 50 and --campaigns not negative");
        }
        System.exit(run(campaigns, trials, System.out) ? 0 : 1);
    }

    private static boolean run(int campaigns, int trials, PrintStream out) throws Exception {
        Path dataDir = Files.createTempDirectory("merlin-change-latency-");
        Thread deleteDataDirOnSignal = LoadGenerator.deleteOnSignal(dataDir);
        MerlinConfig synthetic = SyntheticCampaigns.network(campaigns, 42);
        List<AdvertiserConfig> advertisers = new ArrayList<>(synthetic.advertisers());
        advertisers.add(new AdvertiserConfig("adv-probe", null, "seat-probe", List.of(probeCampaign())));
        MerlinConfig defaults = ConfigLoader.loadDefault();
        // the demo's sellers and admin token; its pixels, event sources and rules name the demo's advertisers
        MerlinConfig config = defaults.withPort(0).withDataDir(dataDir.toString())
                .withTracking(new TrackingConfig(null, null, null, null, null, defaults.tracking().adminToken(), null))
                .withAdvertisers(synthetic.segments(), advertisers).validate();
        out.printf(Locale.ROOT, "change latency: %s, %,d synthetic campaigns + the probe%n", LoadGenerator.machine(),
                campaigns);
        long started = System.nanoTime();
        try (MerlinServer merlin = new MerlinServer(config).start()) {
            out.printf(Locale.ROOT, "started in %.1f s%n", (System.nanoTime() - started) / 1e9);
            CatalogueChangeLatency driver = new CatalogueChangeLatency(merlin.port(),
                    config.sellers().get(0).tokens().get(0), config.tracking().adminToken());
            return driver.trials(trials, out);
        } finally {
            LoadGenerator.keepUntilDone(deleteDataDirOnSignal);
            LoadGenerator.deleteTree(dataDir);
        }
    }

    private boolean trials(int trials, PrintStream out) throws Exception {
        if (!Double.isFinite(awaitWinner(true, System.nanoTime()))) {
            out.println("FAIL: the probe never won before the first change");
            return false;
        }
        double[] stopped = new double[trials];
        double[] pauseAnswered = new double[trials];
        double[] resumed = new double[trials];
        double[] resumeAnswered = new double[trials];
        out.println("trial  pause: stops bidding, call answered (ms)   resume: bids again, call answered (ms)");
        for (int t = 0; t < trials; t++) {
            long sent = System.nanoTime();
            CompletableFuture<HttpResponse<String>> pause = patch("paused");
            stopped[t] = awaitWinner(false, sent);
            pauseAnswered[t] = answered(pause, sent);
            sent = System.nanoTime();
            CompletableFuture<HttpResponse<String>> resume = patch("active");
            resumed[t] = awaitWinner(true, sent);
            resumeAnswered[t] = answered(resume, sent);
            out.printf(Locale.ROOT, "%5d  %10.1f %10.1f                      %10.1f %10.1f%n", t + 1, stopped[t],
                    pauseAnswered[t], resumed[t], resumeAnswered[t]);
        }
        out.printf(Locale.ROOT, "worst: pause in effect after %.1f ms (call answered after %.1f ms); resume in effect"
                + " after %.1f ms (answered after %.1f ms)%n", max(stopped), max(pauseAnswered), max(resumed),
                max(resumeAnswered));
        return Arrays.stream(stopped).allMatch(Double::isFinite) && Arrays.stream(resumed).allMatch(Double::isFinite)
                && Arrays.stream(pauseAnswered).allMatch(Double::isFinite)
                && Arrays.stream(resumeAnswered).allMatch(Double::isFinite);
    }

    /** Milliseconds from {@code sent} to the first auction the probe wins ({@code wins}) or does not; NaN: never. */
    private double awaitWinner(boolean wins, long sent) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(auction).timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + sellerToken).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(REQUEST)).build();
        while (System.nanoTime() - sent < GIVE_UP_NANOS) {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            boolean probeWon = response.statusCode() == 200 && response.body().contains("\"cid\":\"" + PROBE + "\"");
            if (probeWon == wins) {
                return (System.nanoTime() - sent) / 1e6;
            }
        }
        return Double.NaN;
    }

    private CompletableFuture<HttpResponse<String>> patch(String status) {
        return http.sendAsync(HttpRequest.newBuilder(probe).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + adminToken).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"status\": \"" + status + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Milliseconds from {@code sent} to the change's {@code 200}; NaN for any other answer. */
    private static double answered(CompletableFuture<HttpResponse<String>> call, long sent) throws Exception {
        HttpResponse<String> response = call.get(60, TimeUnit.SECONDS);
        long now = System.nanoTime();
        return response.statusCode() == 200 ? (now - sent) / 1e6 : Double.NaN;
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElse(Double.NaN);
    }

    private static CampaignConfig probeCampaign() {
        TargetingConfig anywhere = new TargetingConfig(null, null, null, null, null, null, null, null, null);
        CreativeConfig banner = new CreativeConfig("probe-300x250", "banner", 300, 250, null, null,
                "<a href=\"${CLICK_URL}\"><img/></a>", "https://lp.example/probe", List.of("probe.example"),
                List.of("IAB1"), null, null);
        return new CampaignConfig(PROBE, new Money(20.0, "USD"), null, null, "asap", null, null, null, anywhere,
                List.of(banner));
    }
}
