package dev.merlin.exchange.http;

import dev.merlin.config.ServerConfig;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.sellers.Sellers;
import dev.merlin.exchange.tuning.ExchangeTuning;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One connection's pipeline: unwritten-answer budget ({@link UnwrittenBytes}) → request deadline → HTTP codec →
 * flow control → keep-alive → idle timeout → {@link OrderedResponses} (every answer below it leaves in request
 * order) → load shedder (503 over that budget) → seller gate (an auction request from no known seller is refused
 * before its body is read) → gzip/deflate request bodies, whole streams only ({@link RequestBodyInflater}) → bounded
 * aggregation → {@link HttpChecks} → {@link RouteTable} → {@link ConnectionErrors}. At most
 * {@code server.maxConnections} are open: one more is closed as soon as it is accepted.
 *
 * <p>Flow control: the codec decodes every request of a read at once; {@link FlowControlHandler} passes them on only
 * while the channel reads automatically, so when {@link OrderedResponses} stops reading (answers backed up, or a
 * slow answer in progress) the rest of that read waits there instead of being answered into an unbounded outbound
 * buffer.
 */
public final class HttpPipeline extends ChannelInitializer<Channel> {

    /**
     * Requests decoded but not yet answered that the codec allows: everything one read can hold (a request is at
     * least 16 bytes), since the flow-control handler may hold that much while reading is paused. Netty's default
     * (128) would close a connection whose client pipelines more than that in one packet.
     */
    static final int MAX_PIPELINE_DEPTH = 2 * ExchangeTuning.MAX_READ_BYTES / 16;

    private final ServerConfig server;
    private final ExchangeMetrics metrics;
    private final Sellers sellers;
    private final HttpChecks checks;
    private final RouteTable routes;
    private final ConnectionErrors errors;
    private final UnwrittenBytes unwritten;
    private final AtomicInteger openConnections = new AtomicInteger();
    private final ChannelGroup connections =
            new DefaultChannelGroup("merlin-connections", GlobalEventExecutor.INSTANCE);

    /**
     * A pipeline factory over the given endpoints; requests whose work grows with the data (reports) run on
     * {@code slowWork}, the admin API and the dashboard's data on {@code adminWork}, both off the event loop.
     */
    public HttpPipeline(ServerConfig server, Sellers sellers, Endpoints endpoints, Executor slowWork,
                        Executor adminWork, ExchangeMetrics metrics) {
        this(server, metrics, sellers, ExchangeRoutes.of(endpoints, slowWork, adminWork, metrics));
    }

    /** A pipeline factory answering with {@code routes}; the sharable handlers serve every connection. */
    HttpPipeline(ServerConfig server, ExchangeMetrics metrics, Sellers sellers, RouteTable routes) {
        this.server = server;
        this.metrics = metrics;
        this.sellers = sellers;
        this.routes = routes;
        this.checks = new HttpChecks(metrics);
        this.errors = new ConnectionErrors(metrics);
        this.unwritten = new UnwrittenBytes(server.maxUnwrittenBytes(), metrics);
    }

    @Override
    protected void initChannel(Channel channel) {
        metrics.connectionOpened();
        if (openConnections.incrementAndGet() > server.maxConnections()) {
            openConnections.decrementAndGet();
            metrics.connectionRefused();
            channel.close();
            return;
        }
        channel.closeFuture().addListener(closed -> openConnections.decrementAndGet());
        connections.add(channel);
        configure(channel.pipeline());
    }

    /**
     * Lets every open connection finish the request it is in, for at most {@code timeoutMillis}, then closes the
     * rest. Call once the server channel is closed, so no connection is added meanwhile.
     */
    public void drain(long timeoutMillis) {
        for (Channel channel : connections) {
            channel.eventLoop().execute(() -> {
                RequestDeadline requests = channel.pipeline().get(RequestDeadline.class);
                if (requests == null) {
                    channel.close();
                } else {
                    requests.drain();
                }
            });
        }
        connections.newCloseFuture().awaitUninterruptibly(timeoutMillis);
        connections.close().awaitUninterruptibly();
    }

    /** Connections open now (refused ones are never counted). */
    public int openConnections() {
        return openConnections.get();
    }

    /** Adds the handlers to {@code pipeline} (also used by tests on an {@code EmbeddedChannel}). */
    public void configure(ChannelPipeline pipeline) {
        HttpDecoderConfig decoder = new HttpDecoderConfig().setMaxInitialLineLength(server.maxInitialLineBytes())
                .setMaxHeaderSize(server.maxHeaderBytes()).setMaxChunkSize(ExchangeTuning.MAX_CHUNK_BYTES);
        RequestDeadline deadline = new RequestDeadline(server.requestTimeoutSeconds(), metrics);
        pipeline.addLast("linger", new LingeringClose(ExchangeTuning.LINGER_MILLIS));
        pipeline.addLast("unwritten", unwritten.tracker());
        pipeline.addLast("requestStart", deadline.firstBytes());
        pipeline.addLast("codec", new HttpServerCodec(decoder, MAX_PIPELINE_DEPTH));
        pipeline.addLast("requestDeadline", deadline);
        pipeline.addLast("flow", new FlowControlHandler());
        pipeline.addLast("keepAlive", new HttpServerKeepAliveHandler());
        pipeline.addLast("idle", new CloseWhenIdle(server.idleTimeoutSeconds()));
        pipeline.addLast("order", new OrderedResponses(metrics.stages()));
        pipeline.addLast("shedder", new LoadShedder(unwritten, metrics));
        pipeline.addLast("sellers", new SellerGate(sellers, metrics));
        pipeline.addLast("inflater", new RequestBodyInflater(server.maxBodyBytes(), metrics));
        pipeline.addLast("aggregator", new BoundedAggregator(server.maxBodyBytes(), metrics));
        pipeline.addLast("checks", checks);
        pipeline.addLast("routes", routes);
        pipeline.addLast("errors", errors);
    }

    /** Closes a connection with neither a read nor a write for {@code server.idleTimeoutSeconds}. */
    private static final class CloseWhenIdle extends IdleStateHandler {
        CloseWhenIdle(int idleTimeoutSeconds) {
            super(0, 0, idleTimeoutSeconds, TimeUnit.SECONDS);
        }

        @Override
        protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent event) {
            ctx.close();
        }
    }

    /** The server-wide budget for answers not yet taken by the kernel, shared by every connection. */
    public UnwrittenBytes unwritten() {
        return unwritten;
    }

    /** Bytes of answers written but not yet taken by the kernel, over all open connections. */
    public long bufferedResponseBytes() {
        long total = 0;
        for (Channel channel : connections) {
            var outbound = channel.unsafe().outboundBuffer();
            if (outbound != null) {
                total += outbound.totalPendingWriteBytes();
            }
        }
        return total;
    }
}
