package dev.merlin.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.CampaignConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.events.EventLogReader;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * {@code make crash-test}: {@code kill -9} in the middle of the {@link SoakMix}, then a restart on the same data dir,
 * and the checks:
 * <ul>
 *   <li>the kill left every Chronicle Map store's {@code .open} marker, and the restart recovers them and answers;</li>
 *   <li>the event log reads to its last whole record after the kill, and a tail torn in the middle of a record
 *       (what a kill during a write leaves) reads without error, only that record missing;</li>
 *   <li>what is lost is what the README promises: the events the client had its success answer for and the log
 *       does not hold were all accepted within {@code eventLog.flushMillis} before the kill;</li>
 *   <li>spend per campaign in the spend ledger (read through {@code /reports/campaigns} after the restart) equals
 *       what the log's charged win and bill records say, or exceeds it by at most what the lost and unanswered
 *       notices could have charged (a notice is charged before its record is logged);</li>
 *   <li>spend plus open commitments stays within each campaign's daily and total budget (commitments are the
 *       report's {@code committed}: today's row against the daily budget, every row against the total; a report
 *       without it fails the check);</li>
 *   <li>after the restart the mix is answered without error, and a graceful stop (SIGTERM) loses nothing: no event
 *       accepted after the restart is missing, the spend-to-log difference does not grow, no marker is left.</li>
 * </ul>
 */
final class CrashRun {

    /** What one crash test runs. */
    record Settings(ForkedMerlin.Launch launch, RequestCorpus corpus, double rate, int connections,
                    double killAfterSeconds, double afterRestartSeconds, Path outDir) {
    }

    /** The checks, the JSON summary and the printed report. */
    record Result(Checks checks, Map<String, Object> summary, String report) {
    }

    /**
     * One campaign's money as the ledger tells it after the restart: spend and open commitments today and over the
     * report's days; {@code committedTodayMicros} and {@code committedTotalMicros} -1: the report has no
     * {@code committed}.
     */
    record CampaignMoney(String campaign, long spentTodayMicros, long spentTotalMicros, long committedTodayMicros,
                         long committedTotalMicros) {
    }

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LoadOptions options;
    private final PrintStream out;

    CrashRun(LoadOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** {@code make crash-test}: runs, prints, writes {@code crash-*.json|txt}; returns whether every check passed. */
    boolean run(String[] args) throws Exception {
        LoadOptions.SoakOptions soak = options.soak();
        RequestCorpus corpus = options.corpus() == null ? RequestCorpus.validSamples()
                : RequestCorpus.fromDirectory(options.corpus());
        Settings settings = new Settings(ForkedMerlin.Launch.jar(soak.merlinJar(), soak.merlinJvmArgs()), corpus,
                soak.fixedRate(), options.connections(), soak.killAfterSeconds(), soak.afterRestartSeconds(),
                options.outDir());
        Result result = run(settings, out);
        String stamp = STAMP.format(Instant.now());
        Path json = options.outDir().resolve("crash-" + stamp + ".json");
        Path txt = options.outDir().resolve("crash-" + stamp + ".txt");
        result.summary().put("command", "LoadGenerator " + String.join(" ", args));
        JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), result.summary());
        Files.writeString(txt, "LoadGenerator " + String.join(" ", args) + "\n" + result.report(),
                StandardCharsets.UTF_8);
        out.println("crash: wrote " + json + " and " + txt);
        return result.checks().isAllPass();
    }

    /** Runs the crash test; prints progress to {@code out}. */
    @SuppressWarnings("checkstyle:MethodLength") // the crash scenario told as one script, step by step
    static Result run(Settings settings, PrintStream out) throws Exception {
        MerlinConfig config = ConfigLoader.loadDefault();
        double takeRate = config.exchange().takeRate();
        long flushMillis = config.eventLog().flushMillis();
        String adminToken = config.tracking().adminToken();
        Files.createDirectories(settings.outDir());
        Path dataDir = Files.createTempDirectory("merlin-crash-");
        Thread deleteDataDirOnSignal = LoadGenerator.deleteOnSignal(dataDir);
        int port = ForkedMerlin.freePort();
        Path merlinLog = settings.outDir().resolve("crash-" + STAMP.format(Instant.now()) + "-merlin.log");
        Checks checks = new Checks();
        Map<String, Object> summary = new LinkedHashMap<>();
        StringBuilder report = new StringBuilder();
        summary.put("time", Instant.now().toString());
        summary.put("machine", LoadGenerator.machine());
        summary.put("merlin", String.join(" ", settings.launch().command()));
        summary.put("rate", settings.rate());
        summary.put("killAfterSeconds", settings.killAfterSeconds());
        line(report, "crash: " + LoadGenerator.machine());
        line(report, "crash: Merlin: " + String.join(" ", settings.launch().command()) + " --port " + port
                + " --data-dir " + dataDir + "  (output in " + merlinLog + ")");
        line(report, SoakRun.fmt("crash: the soak's mix at %,.0f req/s over %d connections; kill -9 after %.1f s",
                settings.rate(), settings.connections(), settings.killAfterSeconds()));
        out.print(report);
        try (HttpLoadClient client = new HttpLoadClient(port, "/openrtb2/auction")) {
            EventLedger before = new EventLedger();
            AtomicLong killedAtMillis = new AtomicLong();
            StepResult beforeKill;
            try (ForkedMerlin first = ForkedMerlin.start(settings.launch(), port, dataDir, merlinLog,
                    Duration.ofSeconds(120))) {
                SoakMix mix = new SoakMix(settings.corpus(), port, "crash1", takeRate, before);
                ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor();
                try {
                    killer.schedule(() -> {
                        killedAtMillis.set(System.currentTimeMillis());
                        first.kill();
                        return null;
                    }, Math.round(settings.killAfterSeconds() * 1000), TimeUnit.MILLISECONDS);
                    beforeKill = client.run(mix, new HttpLoadClient.Plan("before-kill", settings.rate(),
                            settings.connections(), 0, settings.killAfterSeconds() + 1, 2, maxQueued(settings)), out);
                } finally {
                    killer.shutdown();
                    killer.awaitTermination(60, TimeUnit.SECONDS);
                }
                summary.put("beforeKill", beforeKill.summary());
                summary.put("beforeKillByKind", mix.counts());
            }
            long killAt = killedAtMillis.get();
            checks.add("the mix was answered until the kill", beforeKill.unexpected().isEmpty() ? "no wrong answer; "
                    + before.accepted().size() + " events accepted, " + before.unanswered().size() + " unanswered"
                    : "wrong answers " + beforeKill.unexpected(), "no wrong answer", killAt > 0
                    && beforeKill.unexpected().isEmpty());
            long chargingNotices = before.accepted().values().stream().filter(e -> e.maxChargeMicros() > 0).count();
            checks.add("notices that charge, before the kill", Long.toString(chargingNotices), "> 0",
                    chargingNotices > 0);

            List<String> stores = list(dataDir, ".cm3");
            List<String> markers = list(dataDir, ".cm3.open");
            checks.add("kill -9 leaves every store's .open marker", markers.size() + " markers, " + stores.size()
                    + " stores", "one per store", !stores.isEmpty() && markers.size() == stores.size());

            EventLedger.LogContents logAfterKill = EventLedger.read(dataDir);
            checks.add("event log reads to its last whole record", logAfterKill.events() + " events, "
                    + damage(logAfterKill.damage()), "reads without error", true);
            tornTail(dataDir, logAfterKill, checks);

            List<EventLedger.Entry> lost = before.lostFrom(logAfterKill);
            long oldestLostMillis = lost.stream().mapToLong(e -> killAt - e.answeredAtMillis()).max().orElse(0);
            long newestLostMillis = lost.stream().mapToLong(e -> killAt - e.answeredAtMillis()).min().orElse(0);
            summary.put("lostEvents", lost.size());
            summary.put("acceptedEvents", before.accepted().size());
            summary.put("lostAcceptedMillisBeforeKill", List.of(newestLostMillis, oldestLostMillis));
            checks.add("events lost to the kill", lost.size() + " of " + before.accepted().size() + " accepted"
                    + (lost.isEmpty() ? "" : SoakRun.fmt(", answered at most %d ms before the kill", oldestLostMillis)),
                    "accepted within flushMillis (" + flushMillis + " ms) before the kill",
                    oldestLostMillis <= flushMillis);

            long restartNanos = System.nanoTime();
            long logOffset = Files.size(merlinLog);
            try (ForkedMerlin second = ForkedMerlin.start(settings.launch(), port, dataDir, merlinLog,
                    Duration.ofSeconds(120))) {
                double restartSeconds = (System.nanoTime() - restartNanos) / 1e9;
                long recovered = recoveredStores(merlinLog, logOffset);
                summary.put("restartSeconds", restartSeconds);
                checks.add("restart recovers the stores", SoakRun.fmt("answers /health after %.1f s; %d stores "
                        + "recovered", restartSeconds, recovered), "every store recovered, serving",
                        recovered == stores.size());

                Map<String, CampaignMoney> money = money(second, adminToken);
                Map<String, Long> bound = chargeBound(before, logAfterKill);
                spendAgainstLog("spend = the log's charges (+ lost notices)", money, logAfterKill, bound, checks);
                summary.put("committedMicrosAtRestart", budgets(config, money, checks));

                EventLedger after = new EventLedger();
                SoakMix mix = new SoakMix(settings.corpus(), port, "crash2", takeRate, after);
                // a cold JIT after the restart may answer slowly: slow is not lost, so the drain waits long
                StepResult afterRestart = client.run(mix, new HttpLoadClient.Plan("after-restart", settings.rate(),
                        settings.connections(), 0, settings.afterRestartSeconds(), 30, maxQueued(settings)), out);
                summary.put("afterRestart", afterRestart.summary());
                checks.add("the mix after the restart", afterRestart.errors() + " errors of " + afterRestart.requests()
                        + (afterRestart.errors() > 0 ? " " + afterRestart.unexpected() + " "
                        + afterRestart.failures() : ""), "0", afterRestart.errors() == 0);
                Map<String, CampaignMoney> moneyAfter = money(second, adminToken);
                int exitCode = second.stop(Duration.ofSeconds(30));
                checks.add("graceful stop (SIGTERM)", "exit code " + exitCode, "exits within 30 s",
                        exitCode >= 0);

                checks.add("no .open marker after the graceful stop", list(dataDir, ".cm3.open").size()
                        + " markers", "0", list(dataDir, ".cm3.open").isEmpty());
                EventLedger.LogContents logAfterStop = EventLedger.read(dataDir);
                List<EventLedger.Entry> lostOnStop = after.lostFrom(logAfterStop);
                checks.add("graceful stop loses no event", lostOnStop.size() + " of " + after.accepted().size()
                        + " accepted after the restart", "0", lostOnStop.isEmpty());
                long driftMicros = 0;
                for (CampaignMoney m : moneyAfter.values()) {
                    long gapAfter = m.spentTotalMicros() - logAfterStop.chargedMicrosByCampaign()
                            .getOrDefault(m.campaign(), 0L);
                    CampaignMoney atRestart = money.get(m.campaign());
                    long gapBefore = (atRestart == null ? 0 : atRestart.spentTotalMicros())
                            - logAfterKill.chargedMicrosByCampaign().getOrDefault(m.campaign(), 0L);
                    driftMicros += Math.abs(gapAfter - gapBefore);
                }
                checks.add("spend - log charges unchanged since the restart", driftMicros + " micros", "0",
                        driftMicros == 0);
            }
        } finally {
            LoadGenerator.keepUntilDone(deleteDataDirOnSignal);
            LoadGenerator.deleteTree(dataDir);
        }
        report.setLength(0);
        report.append('\n').append(checks.table());
        out.print(report);
        summary.put("checks", checks.summary());
        summary.put("pass", checks.isAllPass());
        return new Result(checks, summary, line(new StringBuilder(), "crash: Merlin log " + merlinLog)
                .append(report).toString());
    }

    /**
     * Copies the log, cuts its newest record in half (a write the kill interrupted), and reads the copy: exactly that
     * record must be missing, reported as damage, and nothing else.
     */
    private static void tornTail(Path dataDir, EventLedger.LogContents intact, Checks checks) throws IOException {
        Path copy = Files.createTempDirectory("merlin-torn-");
        Thread deleteCopyOnSignal = LoadGenerator.deleteOnSignal(copy);
        try {
            Files.createDirectories(copy.resolve("events"));
            Path last = null;
            long lastRecordEnd = -1;
            long lastRecordStart = -1;
            for (Path file : EventLogReader.files(dataDir)) {
                Path copied = Files.copy(file, copy.resolve("events").resolve(file.getFileName()));
                long[] bounds = lastRecord(copied);
                if (bounds != null) {
                    last = copied;
                    lastRecordStart = bounds[0];
                    lastRecordEnd = bounds[1];
                }
            }
            if (last == null) {
                checks.add("a torn tail reads without error", "no record to tear", "a record", false);
                return;
            }
            long cut = lastRecordStart + (lastRecordEnd - lastRecordStart) / 2;
            try (FileChannel channel = FileChannel.open(last, StandardOpenOption.WRITE)) {
                channel.truncate(cut);
            }
            EventLogReader.Summary torn = EventLogReader.read(copy, event -> { });
            boolean isPass = torn.events() == intact.events() - 1 && torn.damage().size() >= 1;
            checks.add("a torn tail reads without error", torn.events() + " of " + intact.events() + " events, "
                    + damage(torn.damage()), "all but the torn record", isPass);
        } finally {
            LoadGenerator.keepUntilDone(deleteCopyOnSignal);
            LoadGenerator.deleteTree(copy);
        }
    }

    /**
     * Where the last whole record of a log file starts and ends, walking the frames as {@code EventFormat} lays them
     * out (16-byte file header; per record a little-endian int32 body length, a CRC and the body); null without one.
     */
    static long[] lastRecord(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long[] last = null;
        int offset = 16;
        while (offset + 8 <= bytes.length) {
            int length = buffer.getInt(offset);
            if (length <= 0 || offset + 8L + length > bytes.length) {
                break;
            }
            last = new long[] {offset, offset + 8L + length};
            offset += 8 + length;
        }
        return last;
    }

    /** Spend (today and in all) and commitments per campaign from {@code /reports/campaigns}, yesterday to tomorrow. */
    static Map<String, CampaignMoney> money(ForkedMerlin merlin, String adminToken)
            throws IOException, InterruptedException {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        HttpResponse<String> answer = merlin.get("/reports/campaigns?from=" + today.minusDays(1) + "&to="
                + today.plusDays(1), adminToken, Duration.ofSeconds(10));
        if (answer.statusCode() != 200) {
            throw new IOException("/reports/campaigns answered " + answer.statusCode() + ": " + answer.body());
        }
        Map<String, long[]> sums = new TreeMap<>();
        for (JsonNode row : JSON.readTree(answer.body()).path("rows")) {
            long[] sum = sums.computeIfAbsent(row.path("campaign").asText(), c -> new long[] {0, 0, -1, -1});
            long spent = micros(row.path("spend"));
            boolean isToday = today.toString().equals(row.path("day").asText());
            sum[1] += spent;
            if (isToday) {
                sum[0] += spent;
            }
            if (row.has("committed")) {
                long committed = micros(row.path("committed"));
                sum[3] = Math.max(0, sum[3]) + committed;
                if (isToday) {
                    sum[2] = Math.max(0, sum[2]) + committed;
                }
            }
        }
        Map<String, CampaignMoney> money = new TreeMap<>();
        sums.forEach((campaign, s) -> money.put(campaign, new CampaignMoney(campaign, s[0], s[1], s[2], s[3])));
        return money;
    }

    private static long micros(JsonNode amount) {
        return amount.isNumber() || amount.isTextual()
                ? new BigDecimal(amount.asText()).movePointRight(6).longValueExact() : 0;
    }

    /** Per campaign, the most that notices the log does not hold (accepted, or unanswered at the kill) can charge. */
    private static Map<String, Long> chargeBound(EventLedger ledger, EventLedger.LogContents log) {
        Map<String, Long> bound = new TreeMap<>();
        for (Map<String, EventLedger.Entry> entries : List.of(ledger.accepted(), ledger.unanswered())) {
            for (EventLedger.Entry e : entries.values()) {
                if (e.maxChargeMicros() > 0 && !log.identities().contains(e.identity())) {
                    bound.merge(e.campaign(), e.maxChargeMicros(), Long::sum);
                }
            }
        }
        return bound;
    }

    private static void spendAgainstLog(String name, Map<String, CampaignMoney> money, EventLedger.LogContents log,
                                        Map<String, Long> bound, Checks checks) {
        long ledgerTotal = 0;
        long logTotal = 0;
        List<String> off = new ArrayList<>();
        for (CampaignMoney m : money.values()) {
            long logged = log.chargedMicrosByCampaign().getOrDefault(m.campaign(), 0L);
            long gap = m.spentTotalMicros() - logged;
            long allowed = bound.getOrDefault(m.campaign(), 0L);
            ledgerTotal += m.spentTotalMicros();
            logTotal += logged;
            if (gap < 0 || gap > allowed) {
                off.add(m.campaign() + " ledger " + m.spentTotalMicros() + " log " + logged + " (allowed gap "
                        + allowed + ")");
            }
        }
        for (String campaign : log.chargedMicrosByCampaign().keySet()) {
            if (!money.containsKey(campaign)) {
                off.add(campaign + " charged in the log, absent from the report");
            }
        }
        long allowedTotal = bound.values().stream().mapToLong(Long::longValue).sum();
        checks.add(name, SoakRun.fmt("ledger %d, log %d micros over %d campaigns%s", ledgerTotal, logTotal,
                money.size(), off.isEmpty() ? "" : "; " + off), "0 <= gap <= " + allowedTotal + " micros",
                off.isEmpty() && logTotal > 0);
    }

    /**
     * Spend plus open commitments within each campaign's daily and total budget, commitments from the report's
     * {@code committed}; a report without it fails: the check would be spend alone.
     */
    private static long budgets(MerlinConfig config, Map<String, CampaignMoney> money, Checks checks) {
        List<String> over = new ArrayList<>();
        boolean hasCommitments = !money.isEmpty() && money.values().stream().allMatch(
                m -> m.committedTodayMicros() >= 0 && m.committedTotalMicros() >= 0);
        long committedAll = 0;
        for (AdvertiserConfig advertiser : config.advertisers()) {
            for (CampaignConfig campaign : advertiser.campaigns()) {
                CampaignMoney m = money.get(campaign.id());
                if (m == null) {
                    continue;
                }
                long committedToday = Math.max(0, m.committedTodayMicros());
                long committedTotal = Math.max(0, m.committedTotalMicros());
                committedAll += committedTotal;
                if (campaign.dailyBudget() != null
                        && m.spentTodayMicros() + committedToday > Math.round(campaign.dailyBudget() * 1e6)) {
                    over.add(campaign.id() + " today " + (m.spentTodayMicros() + committedToday));
                }
                if (campaign.totalBudget() != null
                        && m.spentTotalMicros() + committedTotal > Math.round(campaign.totalBudget() * 1e6)) {
                    over.add(campaign.id() + " total " + (m.spentTotalMicros() + committedTotal));
                }
            }
        }
        checks.add("spend + commitments <= budget", (over.isEmpty() ? "every campaign within" : "over: " + over)
                + (hasCommitments ? "; " + committedAll + " micros open commitments read"
                        : "; commitments absent from /reports/campaigns"), "daily and total budgets, commitments read",
                over.isEmpty() && hasCommitments);
        return hasCommitments ? committedAll : -1;
    }

    /** The stores the restarted Merlin logged as recovered (it logs one line per store opened after a crash). */
    private static long recoveredStores(Path log, long fromOffset) throws IOException {
        byte[] bytes = Files.readAllBytes(log);
        String text = new String(bytes, (int) Math.min(fromOffset, bytes.length),
                (int) Math.max(0, bytes.length - fromOffset), StandardCharsets.UTF_8);
        return text.lines().filter(l -> l.contains("was not closed cleanly; recovering")).count();
    }

    /** Damage without the paths: {@code 1 damaged (torn record: body of 144 bytes, only 68 present)}. */
    private static String damage(List<EventLogReader.Damage> damage) {
        return damage.isEmpty() ? "no damage" : damage.size() + " damaged (" + String.join("; ",
                damage.stream().map(EventLogReader.Damage::reason).toList()) + ")";
    }

    private static List<String> list(Path dataDir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dataDir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
        }
    }

    private static int maxQueued(Settings settings) {
        return (int) Math.max(1024, settings.rate() * 2 / settings.connections());
    }

    private static StringBuilder line(StringBuilder report, String line) {
        return report.append(line).append('\n');
    }
}
