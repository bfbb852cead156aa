package dev.merlin.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The load generator's Netty side: one event loop, N keep-alive HTTP/1.1 connections to a loopback port, one request
 * in flight per connection (no pipelining). The {@link OpenLoopScheduler} decides what is sent when; this class only
 * moves bytes, drives the scheduler's timer and prints a progress line each second.
 */
public final class HttpLoadClient implements AutoCloseable {

    /** Every request comes from the embedded demo's seller {@code demo-ssp} (Merlin answers 401 to strangers). */
    static final String SELLER_AUTHORIZATION = "Bearer demo-ssp-token";
    private static final int MAX_RESPONSE_BYTES = 1 << 20;
    private static final long CONNECT_TIMEOUT_MILLIS = 5_000;

    private final EventLoopGroup group;
    private final Transport transport;
    private final int port;
    private final String path;

    /** A client for {@code http://127.0.0.1:port/path}; connections are opened per step. */
    public HttpLoadClient(int port, String path) {
        this.transport = Transport.detect();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("load-client-io"),
                transport.ioHandler());
        this.port = port;
        this.path = path;
    }

    /**
     * What one step sends; {@code windowSeconds} above 0 also keeps a latency histogram per window of the measured
     * time (the soak compares its first and last), {@code progressSeconds} is how often a progress line is printed.
     */
    public record Plan(String server, double ratePerSecond, int connections, double warmupSeconds,
                       double durationSeconds, double drainSeconds, int maxQueuedPerConnection, int windowSeconds,
                       int progressSeconds) {

        /** A step without windows, printing progress every second. */
        public Plan(String server, double ratePerSecond, int connections, double warmupSeconds,
                    double durationSeconds, double drainSeconds, int maxQueuedPerConnection) {
            this(server, ratePerSecond, connections, warmupSeconds, durationSeconds, drainSeconds,
                    maxQueuedPerConnection, 0, 1);
        }

        long warmupRequests() {
            return Math.round(ratePerSecond * warmupSeconds);
        }

        long totalRequests() {
            return warmupRequests() + Math.max(1, Math.round(ratePerSecond * durationSeconds));
        }
    }

    /**
     * Runs one step: opens the connections, sends on schedule, waits for the answers (at most the drain time after
     * the last send), closes the connections and returns what was measured.
     */
    public StepResult run(RequestCorpus corpus, Plan plan, PrintStream progress) throws InterruptedException {
        try (CorpusMix mix = new CorpusMix(corpus, port, path)) {
            return run(mix, plan, progress);
        }
    }

    /** Runs one step as above, sending what {@code mix} builds for each slot of the schedule. */
    StepResult run(RequestMix mix, Plan plan, PrintStream progress) throws InterruptedException {
        EventLoop loop = group.next();
        Step step = new Step(mix, plan, loop, progress);
        Channel[] channels = new Channel[plan.connections()];
        try {
            for (int i = 0; i < channels.length; i++) {
                channels[i] = connect(loop, step, i);
            }
            step.channels = channels;
            loop.execute(step::start);
            double boundSeconds = plan.warmupSeconds() + plan.durationSeconds() + plan.drainSeconds() + 10;
            try {
                return step.done.get((long) (boundSeconds * 1000), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("step did not finish within " + boundSeconds + " s", e);
            }
        } finally {
            loop.submit(() -> step.isClosing = true).syncUninterruptibly();
            for (Channel channel : channels) {
                if (channel != null) {
                    channel.close().syncUninterruptibly();
                }
            }
        }
    }

    private Channel connect(EventLoop loop, Step step, int index) throws InterruptedException {
        return new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT_MILLIS)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_RESPONSE_BYTES),
                                new ResponseHandler(step, index));
                    }
                })
                .connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).sync().channel();
    }

    /** Releases the event loop. */
    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One step's state; everything but {@link #done} is touched only on the event loop. */
    private final class Step {
        final RequestMix mix;
        final Plan plan;
        final EventLoop loop;
        final PrintStream progress;
        final Recorder recorder = new Recorder(3);
        final Histogram total = new Histogram(3);
        final List<Histogram> windows = new ArrayList<>();
        final Map<String, Long> unexpected = new TreeMap<>();
        /** Completed on the event loop with the step's figures, taken there: late answers change nothing after. */
        final CompletableFuture<StepResult> done = new CompletableFuture<>();
        final RequestMix.Sent[] inFlight;
        Channel[] channels;
        OpenLoopScheduler scheduler;
        Histogram interval;
        long startNanos;
        boolean isClosing;
        boolean isDraining;
        int second;

        Step(RequestMix mix, Plan plan, EventLoop loop, PrintStream progress) {
            this.mix = mix;
            this.plan = plan;
            this.loop = loop;
            this.progress = progress;
            this.inFlight = new RequestMix.Sent[plan.connections()];
        }

        void start() {
            startNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
            scheduler = new OpenLoopScheduler(plan.connections(), plan.ratePerSecond(), startNanos,
                    plan.totalRequests(), plan.warmupRequests(), plan.maxQueuedPerConnection(), recorder, this::send);
            loop.schedule(this::tick, 1, TimeUnit.MILLISECONDS);
            loop.schedule(this::report, 1, TimeUnit.SECONDS);
        }

        void send(int connection, long request) {
            RequestMix.Sent sent = mix.next(request);
            inFlight[connection] = sent;
            channels[connection].writeAndFlush(sent.request(), channels[connection].voidPromise());
        }

        void tick() {
            if (done.isDone()) {
                return;
            }
            long next = scheduler.sendDue(System.nanoTime());
            if (next != Long.MAX_VALUE) {
                loop.schedule(this::tick, Math.max(0, next - System.nanoTime()), TimeUnit.NANOSECONDS);
            } else if (!isDraining) {
                isDraining = true;
                loop.schedule(() -> {
                    for (int c = 0; c < inFlight.length; c++) {
                        noAnswer(c, "no-answer-within-drain");
                    }
                    scheduler.abandonOutstanding("no-answer-within-drain", System.nanoTime());
                    finish();
                }, (long) (plan.drainSeconds() * 1000), TimeUnit.MILLISECONDS);
                finishIfDone();
            }
        }

        void onResponse(int connection, FullHttpResponse response) {
            if (scheduler == null) {
                return;
            }
            RequestMix.Sent sent = inFlight[connection];
            inFlight[connection] = null;
            if (sent != null && !mix.onAnswer(sent, response)) {
                unexpected.merge(sent.kind().name().toLowerCase(Locale.ROOT) + " " + response.status().code(), 1L,
                        Long::sum);
            }
            scheduler.onResponse(connection, response.status().code(), System.nanoTime());
            finishIfDone();
        }

        void onClosed(int connection) {
            if (!isClosing && scheduler != null && !done.isDone()) {
                noAnswer(connection, "connection-closed");
                scheduler.onConnectionClosed(connection, "connection-closed", System.nanoTime());
                finishIfDone();
            }
        }

        void noAnswer(int connection, String reason) {
            RequestMix.Sent sent = inFlight[connection];
            if (sent != null) {
                inFlight[connection] = null;
                mix.onNoAnswer(sent, reason);
            }
        }

        void finishIfDone() {
            if (scheduler.isDone()) {
                finish();
            }
        }

        void finish() {
            if (!done.isDone()) {
                interval = recorder.getIntervalHistogram(interval);
                record(interval);
                done.complete(result());
            }
        }

        /** Adds an interval's latencies to the total and, with windows, to the current window. */
        void record(Histogram latencies) {
            total.add(latencies);
            if (plan.windowSeconds() > 0) {
                int measuredSeconds = Math.max(0, second - 1 - (int) Math.round(plan.warmupSeconds()));
                int window = Math.min(measuredSeconds / plan.windowSeconds(),
                        Math.max(0, (int) Math.ceil(plan.durationSeconds() / plan.windowSeconds()) - 1));
                while (windows.size() <= window) {
                    windows.add(new Histogram(3));
                }
                windows.get(window).add(latencies);
            }
        }

        void report() {
            if (done.isDone()) {
                return;
            }
            second++;
            interval = recorder.getIntervalHistogram(interval);
            record(interval);
            if (second % plan.progressSeconds() == 0) {
                String phase = second <= plan.warmupSeconds() ? "warm-up" : "measure";
                progress.printf(Locale.ROOT, "  [%s %,.0f/s] %3ds %-7s sent %,9d  done %,9d  waiting %,6d"
                                + "  last 1s: n %,7d p50 %.3f ms  p99 %.3f ms  max %.3f ms%n",
                        plan.server(), plan.ratePerSecond(), second, phase, scheduler.dispatched(),
                        scheduler.finished(), scheduler.outstanding(), interval.getTotalCount(),
                        interval.getValueAtPercentile(50) / 1e6, interval.getValueAtPercentile(99) / 1e6,
                        interval.getMaxValue() / 1e6);
            }
            loop.schedule(this::report, 1, TimeUnit.SECONDS);
        }

        StepResult result() {
            long windowNanos = Math.max(1, scheduler.lastResponseNanos() - scheduler.measureStartNanos());
            double throughput = scheduler.measuredResponses() * 1e9 / windowNanos;
            return new StepResult(plan.server(), plan.ratePerSecond(), plan.connections(), plan.warmupSeconds(),
                    plan.durationSeconds(), plan.totalRequests(), scheduler.measuredResponses(), throughput,
                    total, scheduler.statusCounts(), scheduler.failures(), new TreeMap<>(unexpected),
                    List.copyOf(windows), null, null);
        }
    }

    /** Hands each response's status to the step, and releases it. */
    private static final class ResponseHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final Step step;
        private final int connection;

        ResponseHandler(Step step, int connection) {
            this.step = step;
            this.connection = connection;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            step.onResponse(connection, response);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            step.onClosed(connection);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
