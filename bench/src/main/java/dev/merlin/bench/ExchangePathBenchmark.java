package dev.merlin.bench;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.bid.BidCompletion;
import dev.merlin.exchange.bid.BidPath;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.model.BidRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One bid request through the product's whole in-JVM bid path, {@link BidPath} as the HTTP endpoint calls it: decode
 * → answer currency → privacy decision (consent and Merlin's own opt-out registry) → segment lookup (Chronicle Map)
 * → auction over the embedded demo campaigns → auction id → AUCTION event committed to the event log → the
 * winner's commitment recorded → bid response encoded into the context's answer buffer. No sockets.
 *
 * <p>The request is a Japanese news app on an iPhone whose user (by IFA) is in the sports-fans segment, so the
 * segment-targeted Kaze Sportswear campaign wins. The bid is never sent, so its commitment is released as a loss
 * notice would (the budgets would fill up otherwise); that release is the benchmark's own cost, included in the
 * figures. Allocation allowance: the decoded model and the response (model objects, strings, the JSON generator)
 * are allocated per request; the lookups, the auction and the event are not.
 * {@code decodeOnly} is the baseline: the share of the path that is decoding.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(2)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class ExchangePathBenchmark {

    static final String IFA = "6D92078A-8246-4BA4-AE5B-76104861E7DC";
    static final String SELLER = "demo-ssp";

    private Path dataDir;
    private ExchangeRuntime runtime;
    private BidPath bidPath;
    private BidRequestDecoder decoder;
    private BidRequest decoded;
    private byte[] request;
    private long now;
    private int lastStatus;
    private int lastLength;
    private String lastAnswer;

    /** Sinks the answer, and releases the bid's commitment as the loss notice of an unsent bid would. */
    private static final BidCompletion<ExchangePathBenchmark> ANSWERED = (answer, bench) -> {
        bench.lastStatus = answer.status();
        bench.lastLength = answer.bodyLength();
        if (answer.auctionId() != 0) {
            bench.runtime.stores().spend().release(answer.auctionId(), "1");
        }
        if (bench.lastAnswer == null) {
            bench.lastAnswer = answer.body().getStringWithoutLengthUtf8(0, answer.bodyLength());
        }
    };

    /** Opens the stores in a temp dir, puts the user in sports-fans and checks the path bids. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dataDir = Files.createTempDirectory("merlin-path-bench");
        MerlinConfig config = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                .withStores(new StoresConfig(100_000L, null, null, null, 100_000L, 100_000L));
        // the sample imp is secure (imp.secure=1): serve it as a node behind a TLS-terminating proxy would
        config = config.withExchange(config.exchange().withPublicUrl("https://merlin.example"));
        now = 1_796_000_000L;
        runtime = ExchangeRuntime.open(config, new ExchangeMetrics(), () -> now);
        runtime.stores().segments().add(IFA, config.segmentId("sports-fans"), now + 86_400, now);
        bidPath = runtime.newBidPath();
        decoder = new BidRequestDecoder(config.requests().toDecodeLimits());
        decoded = new BidRequest();
        request = ("{\"id\":\"news-1\",\"at\":2,\"tmax\":150,\"cur\":[\"USD\"],\"imp\":[{\"id\":\"1\","
                + "\"banner\":{\"w\":300,\"h\":250,\"format\":[{\"w\":300,\"h\":250},{\"w\":320,\"h\":50}]},"
                + "\"bidfloor\":0.5,\"bidfloorcur\":\"USD\",\"secure\":1}],"
                + "\"app\":{\"id\":\"a1\",\"bundle\":\"jp.example.news\",\"cat\":[\"IAB12\"],"
                + "\"publisher\":{\"id\":\"p1\",\"name\":\"Example News\"}},"
                + "\"device\":{\"ua\":\"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)\","
                + "\"ip\":\"203.0.113.9\","
                + "\"ifa\":\"" + IFA + "\",\"devicetype\":4,\"make\":\"Apple\",\"model\":\"iPhone\",\"os\":\"iOS\","
                + "\"osv\":\"17.0\",\"lmt\":0,\"geo\":{\"country\":\"JPN\",\"region\":\"13\",\"type\":2}},"
                + "\"regs\":{\"coppa\":0},\"source\":{\"tid\":\"t-1\"}}").getBytes(StandardCharsets.UTF_8);
        int size = path();
        if (lastStatus != 200 || size == 0 || !lastAnswer.contains("kaze-sports-fans-apac")) {
            throw new IllegalStateException("the path did not bid for the segment campaign: " + lastStatus + " "
                    + lastAnswer);
        }
        if (runtime.stores().spend().openCommitments() != 0) {
            throw new IllegalStateException("the bid's commitment was not released");
        }
    }

    /** Closes the stores and removes the temp dir. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        runtime.close();
        try (var files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** The whole bid path; returns the answer's size. */
    @Benchmark
    public int path() {
        bidPath.handle(request, 0, request.length, SELLER, this, ANSWERED);
        return lastLength;
    }

    /** Baseline: decoding alone, into a reused model as the path does. */
    @Benchmark
    public Object decodeOnly() throws Exception {
        decoder.decode(request, 0, request.length, decoded);
        return decoded;
    }
}
