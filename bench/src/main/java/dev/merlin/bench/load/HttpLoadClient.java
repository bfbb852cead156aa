package dev.merlin.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;
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
        this.group = new MultiThreadIoEventLoopGroup(1, transport.ioHandler());
        this.port = port;
        this.path = path;
    }

    /** What one step sends. */
    public record Plan(String server, double ratePerSecond, int connections, double warmupSeconds,
                       double durationSeconds, double drainSeconds, int maxQueuedPerConnection) {

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
        EventLoop loop = group.next();
        Step step = new Step(corpus, plan, loop, progress);
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
            step.release();
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
        final Plan plan;
        final EventLoop loop;
        final PrintStream progress;
        final Recorder recorder = new Recorder(3);
        final Histogram total = new Histogram(3);
        /** Completed on the event loop with the step's figures, taken there: late answers change nothing after. */
        final CompletableFuture<StepResult> done = new CompletableFuture<>();
        final ByteBuf[] bodies;
        final HttpHeaders[] headers;
        Channel[] channels;
        OpenLoopScheduler scheduler;
        Histogram interval;
        long startNanos;
        boolean isClosing;
        boolean isDraining;
        int second;

        Step(RequestCorpus corpus, Plan plan, EventLoop loop, PrintStream progress) {
            this.plan = plan;
            this.loop = loop;
            this.progress = progress;
            bodies = new ByteBuf[corpus.size()];
            headers = new HttpHeaders[corpus.size()];
            for (int i = 0; i < bodies.length; i++) {
                byte[] body = corpus.bodies().get(i);
                bodies[i] = Unpooled.directBuffer(body.length).writeBytes(body);
                headers[i] = new DefaultHttpHeaders()
                        .set(HttpHeaderNames.HOST, "127.0.0.1:" + port)
                        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                        .set(HttpHeaderNames.AUTHORIZATION, SELLER_AUTHORIZATION)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            }
        }

        void start() {
            startNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
            scheduler = new OpenLoopScheduler(plan.connections(), plan.ratePerSecond(), startNanos,
                    plan.totalRequests(), plan.warmupRequests(), plan.maxQueuedPerConnection(), recorder, this::send);
            loop.schedule(this::tick, 1, TimeUnit.MILLISECONDS);
            loop.schedule(this::report, 1, TimeUnit.SECONDS);
        }

        void send(int connection, long request) {
            int i = (int) (request % bodies.length);
            channels[connection].writeAndFlush(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                    path, bodies[i].retainedDuplicate(), headers[i], EmptyHttpHeaders.INSTANCE),
                    channels[connection].voidPromise());
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
                    scheduler.abandonOutstanding("no-answer-within-drain", System.nanoTime());
                    finish();
                }, (long) (plan.drainSeconds() * 1000), TimeUnit.MILLISECONDS);
                finishIfDone();
            }
        }

        void onResponse(int connection, int status) {
            if (scheduler != null) {
                scheduler.onResponse(connection, status, System.nanoTime());
                finishIfDone();
            }
        }

        void onClosed(int connection) {
            if (!isClosing && scheduler != null && !done.isDone()) {
                scheduler.onConnectionClosed(connection, "connection-closed", System.nanoTime());
                finishIfDone();
            }
        }

        void finishIfDone() {
            if (scheduler.isDone()) {
                finish();
            }
        }

        void finish() {
            if (!done.isDone()) {
                total.add(recorder.getIntervalHistogram());
                done.complete(result());
            }
        }

        void report() {
            if (done.isDone()) {
                return;
            }
            second++;
            interval = recorder.getIntervalHistogram(interval);
            total.add(interval);
            String phase = second <= plan.warmupSeconds() ? "warm-up" : "measure";
            progress.printf(Locale.ROOT, "  [%s %,.0f/s] %3ds %-7s sent %,9d  done %,9d  waiting %,6d"
                            + "  last 1s: n %,7d p50 %.3f ms  p99 %.3f ms  max %.3f ms%n",
                    plan.server(), plan.ratePerSecond(), second, phase, scheduler.dispatched(),
                    scheduler.finished(), scheduler.outstanding(), interval.getTotalCount(),
                    interval.getValueAtPercentile(50) / 1e6, interval.getValueAtPercentile(99) / 1e6,
                    interval.getMaxValue() / 1e6);
            loop.schedule(this::report, 1, TimeUnit.SECONDS);
        }

        StepResult result() {
            long windowNanos = Math.max(1, scheduler.lastResponseNanos() - scheduler.measureStartNanos());
            double throughput = scheduler.measuredResponses() * 1e9 / windowNanos;
            return new StepResult(plan.server(), plan.ratePerSecond(), plan.connections(), plan.warmupSeconds(),
                    plan.durationSeconds(), plan.totalRequests(), scheduler.measuredResponses(), throughput,
                    total, scheduler.statusCounts(), scheduler.failures());
        }

        void release() {
            for (ByteBuf body : bodies) {
                body.release();
            }
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
            step.onResponse(connection, response.status().code());
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
