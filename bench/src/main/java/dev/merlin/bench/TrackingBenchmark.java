package dev.merlin.bench;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.http.HttpPipeline;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.tracking.TrackingService;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * Tracking per event on the embedded demo config, with the real stores (Chronicle Map files in a temporary dir):
 *
 * <ul>
 *   <li>{@code ruleApplication}: {@link TrackingService#record} of a {@code video_watch} (IAB17-40) from the
 *       Sakura TV app — it matches {@code sports-video-watchers} (at least 3 within 7 days): the off-heap window
 *       counter is incremented and, from the third watch on, the sports-fans membership is renewed in the segment
 *       store. Users cycle through a ring of {@value #USERS}, so every user is past the count in steady state.
 *       Baseline {@code ruleLookupOnly}: an event no rule names (hash and rule lookup, nothing written).</li>
 *   <li>{@code pixelHit}: one {@code GET /px?pid=px-kaze&ev=page_view&cat=IAB17&country=JPN} with a returning
 *       user's {@code uid} cookie, raw bytes through the real {@link HttpPipeline} on an {@link EmbeddedChannel}
 *       (codec, aggregator, handler, consent gate, rules, event log commit, the GIF and its {@code Set-Cookie}
 *       out); outbound buffers are released. Baseline {@code pixelUnknownId}: the same request for an unknown
 *       pixel id (parsed, answered with the GIF, nothing recorded).</li>
 * </ul>
 *
 * <p>Allocation allowance ({@code gc.alloc.rate.norm}): {@code ruleApplication} at most 128 B/op (measured 80: the
 * {@code Recorded} result, the joined-segments array and the rule list's iterator; {@code ruleLookupOnly} 24, the
 * result alone); {@code pixelHit} at most 6 KB/op (measured about 4.8 KB) — the pixel is not the bid path: Netty's
 * request and response objects, {@code QueryStringDecoder}'s map, the cookie decode and {@code Set-Cookie} encode
 * and the consent signals record are allocated per hit ({@code pixelUnknownId}: about 3.4 KB). The event log's
 * writer thread runs as in production and appends {@code PIXEL} events to a file in the temporary dir.
 *
 * <p>Run with the JVM flags from the Makefile ({@code JVM_FLAGS}); forks inherit them:
 * {@code java $JVM_FLAGS -jar bench/target/benchmarks.jar TrackingBenchmark -f 1 -wi 3 -i 5 -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(2)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class TrackingBenchmark {

    static final int USERS = 1 << 12;
    /** 2026-05-28 20:26:40 UTC: a fixed mid-day clock, so windows and TTLs behave the same in every run. */
    private static final long NOW = 1_780_000_000L;

    private Path dataDir;
    private ExchangeRuntime runtime;
    private TrackingService tracking;
    private EmbeddedChannel channel;
    private String[] users;
    private ByteBuf[] pixelRequests;
    private ByteBuf unknownPixelRequest;
    private int next;

    /** Opens the demo exchange's stores and a pipeline; checks that each benchmarked call does what it claims. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dataDir = Files.createTempDirectory("merlin-tracking-bench");
        MerlinConfig config = ConfigLoader.loadDefault().withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(100_000L)).validate();
        runtime = ExchangeRuntime.open(config, new ExchangeMetrics(), () -> NOW);
        tracking = runtime.tracking();
        channel = new EmbeddedChannel();
        new HttpPipeline(runtime).configure(channel.pipeline());

        users = new String[USERS];
        pixelRequests = new ByteBuf[USERS];
        for (int i = 0; i < USERS; i++) {
            users[i] = String.format("%08x-0000-4000-8000-%012x", i, (long) i * 2654435761L);
            String uid = String.format("%032x", (long) i * 0x9E3779B97F4A7C15L);
            pixelRequests[i] = request("/px?pid=px-kaze&ev=page_view&cat=IAB17&country=JPN", "uid=" + uid);
        }
        unknownPixelRequest = request("/px?pid=px-nobody&ev=page_view&cat=IAB17&country=JPN", "uid=0123456789abcdef");

        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < USERS; i++) {
                ruleApplication();
            }
        }
        if (ruleApplication().segmentsJoined().length != 1) {
            throw new IllegalStateException("a third video_watch must renew sports-fans");
        }
        if (ruleLookupOnly().segmentsJoined().length != 0) {
            throw new IllegalStateException("app_close must match no rule");
        }
        long before = runtime.metrics().activityCount("pixel", "recorded");
        if (pixelHit() <= 43 || runtime.metrics().activityCount("pixel", "recorded") != before + 1) {
            throw new IllegalStateException("a pixel hit must answer the 43-byte GIF and be recorded");
        }
        if (pixelUnknownId() <= 43 || runtime.metrics().activityCount("pixel", "unknown_pixel") != 1) {
            throw new IllegalStateException("an unknown pixel must answer the GIF and record nothing");
        }
    }

    private static ByteBuf request(String uri, String cookie) {
        byte[] bytes = ("GET " + uri + " HTTP/1.1\r\nHost: px.merlin.example\r\nUser-Agent: Mozilla/5.0\r\n"
                + "Referer: https://kaze.example/running/shoes\r\nCookie: " + cookie + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        return Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes));
    }

    /** Closes the channel and the stores, and removes the temporary dir. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        channel.finishAndReleaseAll();
        runtime.close();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public TrackingService.Recorded ruleApplication() {
        String user = users[next++ & (USERS - 1)];
        return tracking.record("sakura-tv-app", "sakura-streaming", user, "video_watch", "IAB17-40", 0, null, null,
                NOW, NOW);
    }

    @Benchmark
    public TrackingService.Recorded ruleLookupOnly() {
        String user = users[next++ & (USERS - 1)];
        return tracking.record("sakura-tv-app", "sakura-streaming", user, "app_close", "IAB17-40", 0, null, null,
                NOW, NOW);
    }

    @Benchmark
    public int pixelHit() {
        return exchange(pixelRequests[next++ & (USERS - 1)]);
    }

    @Benchmark
    public int pixelUnknownId() {
        return exchange(unknownPixelRequest);
    }

    /** Writes one request in, reads the response out and releases it; returns the response's size in bytes. */
    private int exchange(ByteBuf request) {
        channel.writeInbound(request.duplicate());
        int bytes = 0;
        Object out;
        while ((out = channel.readOutbound()) != null) {
            if (out instanceof ByteBuf buf) {
                bytes += buf.readableBytes();
            }
            ReferenceCountUtil.release(out);
        }
        return bytes;
    }
}
