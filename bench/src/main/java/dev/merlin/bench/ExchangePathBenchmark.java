package dev.merlin.bench;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.AuctionEngine;
import dev.merlin.exchange.auction.AuctionResult;
import dev.merlin.exchange.auction.BidResponseWriter;
import dev.merlin.exchange.auction.UserKeys;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.PrivacyDecision;
import dev.merlin.exchange.segments.SegmentSet;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.model.BidRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.agrona.ExpandableArrayBuffer;
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
 * One bid request through the whole in-JVM path, as the event loop runs it: decode → privacy decision → segment
 * lookup (Chronicle Map) → auction over the embedded demo campaigns → bid response encoded to bytes. No sockets.
 *
 * <p>The request is a Japanese news app on an iPhone whose user (by IFA) is in the sports-fans segment, so the
 * segment-targeted Kaze Sportswear campaign wins. Allocation allowance: the decoded model and the response
 * (model objects, strings, the JSON generator) are allocated per request; the auction and the lookup are not.
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

    private Path dataDir;
    private ExchangeRuntime runtime;
    private BidRequestDecoder decoder;
    private AuctionEngine engine;
    private AuctionResult result;
    private SegmentSet segments;
    private BidResponseWriter writer;
    private ExpandableArrayBuffer out;
    private byte[] request;
    private long now;

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
        runtime.segments().add(IFA, config.segmentId("sports-fans"), now + 86_400, now);
        decoder = new BidRequestDecoder(config.requests().toDecodeLimits());
        engine = new AuctionEngine(runtime.catalog(), runtime.currencies(), config.exchange().takeRate(),
                runtime.spend(), runtime.frequency()).canLinkSecurely(runtime.noticeUrls().canLinkSecurely());
        result = new AuctionResult(config.requests().maxImps());
        segments = new SegmentSet();
        writer = new BidResponseWriter(runtime.currencies(), runtime.noticeUrls(), config.server().maxMarkupLength());
        out = new ExpandableArrayBuffer(4096);
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
        String json = out.getStringWithoutLengthUtf8(0, Math.max(size, 0));
        if (size <= 0 || !json.contains("kaze-sports-fans-apac")) {
            throw new IllegalStateException("the path did not bid for the segment campaign: " + json);
        }
    }

    /** Closes the stores and removes the temp dir. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        runtime.close();
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** decode → privacy → segments → auction → encode; returns the response size. */
    @Benchmark
    public int path() throws Exception {
        BidRequest bidRequest = decoder.decode(request, 0, request.length);
        PrivacyDecision privacy = runtime.consent().decide(bidRequest);
        String userKey = privacy.mayUsePersonalData() ? UserKeys.select(bidRequest) : null;
        segments.clear();
        if (userKey != null) {
            runtime.segments().read(userKey, now, segments);
        }
        long userHash = runtime.userHash().hash(userKey);
        engine.run(bidRequest, segments, userHash, now, result);
        if (result.count() == 0) {
            return 0;
        }
        String currency = writer.responseCurrency(bidRequest);
        int size = writer.write(bidRequest, result, currency, null, userHash, 1L, now, out, 0, Integer.MAX_VALUE);
        // the bids are never sent: their commitments go back, or the campaigns' budgets would fill up with them
        for (int i = 0; i < result.count(); i++) {
            runtime.spend().cancel(result.campaign(i), result.chargeMicros(i) / 1000L, now);
        }
        return size;
    }

    /** Baseline: decoding alone. */
    @Benchmark
    public Object decodeOnly() throws Exception {
        return decoder.decode(request, 0, request.length);
    }
}
