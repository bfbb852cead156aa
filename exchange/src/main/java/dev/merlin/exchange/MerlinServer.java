package dev.merlin.exchange;

import dev.merlin.config.ConfigException;
import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.http.HttpPipeline;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.transport.IoTransport;
import dev.merlin.exchange.tuning.ExchangeTuning;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running exchange: binds the HTTP port on Netty ({@code server.transport}: io_uring, epoll or NIO) and stops
 * gracefully.
 */
public final class MerlinServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MerlinServer.class);
    /** How long close() waits for the event loops to stop (their own graceful timeout is 5 s). */
    private static final long LOOPS_STOP_MILLIS = 15_000;
    /** How long the DSP connections get to close (their reads cancelled and completed) before the loops stop. */
    private static final long DSP_CONNECTIONS_CLOSE_MILLIS = 5_000;

    private final MerlinConfig config;
    private final ExchangeMetrics metrics = new ExchangeMetrics();
    private final LongSupplier epochSecondsClock;
    private ExchangeRuntime runtime;
    private final AtomicBoolean isClosed = new AtomicBoolean();
    private EventLoopGroup group;
    private Channel serverChannel;
    private HttpPipeline pipeline;
    private String transport;

    /** A server for a validated configuration; nothing is bound until {@link #start()}. */
    public MerlinServer(MerlinConfig config) {
        this(config, () -> System.currentTimeMillis() / 1000L);
    }

    /** A server with an injected clock (tests). */
    public MerlinServer(MerlinConfig config, LongSupplier epochSecondsClock) {
        this.config = config;
        this.epochSecondsClock = epochSecondsClock;
    }

    /**
     * Checks that the port is free, creates the data dir and opens the stores, then binds the port and starts
     * accepting connections: a port already in use fails the start before anything is created under the data dir.
     */
    public MerlinServer start() throws InterruptedException {
        IoTransport io;
        try {
            io = IoTransport.choose(config.server().transport());
        } catch (IllegalStateException e) {
            throw new ConfigException("server.transport", e.getMessage());
        }
        IoHandlerFactory ioHandler = io.handlerFactory();
        Class<? extends ServerChannel> channelType = io.serverChannel();
        transport = io.configName();
        int threads = config.server().ioThreads() == 0
                ? Runtime.getRuntime().availableProcessors() : config.server().ioThreads();
        group = new MultiThreadIoEventLoopGroup(threads, ioHandler);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, config.server().backlog())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, writeBufferWaterMark())
                .childOption(ChannelOption.RCVBUF_ALLOCATOR,
                        new AdaptiveRecvByteBufAllocator(ExchangeTuning.MIN_READ_BYTES,
                                ExchangeTuning.INITIAL_READ_BYTES, ExchangeTuning.MAX_READ_BYTES));
        try {
            checkPortIsFree(bootstrap);
            createDataDir();
            runtime = ExchangeRuntime.open(config, metrics, epochSecondsClock);
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            throw e;
        }
        pipeline = runtime.newPipeline();
        metrics.gauge("merlin_connections_open", "Connections open now", pipeline::openConnections);
        metrics.gauge("merlin_unwritten_bytes", "Bytes of answers written but not yet taken by the kernel, over all"
                + " connections (503 above server.maxUnwrittenBytes)", pipeline.unwritten()::bytes);
        metrics.gauge("merlin_unwritten_bytes_peak", "The most merlin_unwritten_bytes has been since start",
                pipeline.unwritten()::peakBytes);
        try {
            serverChannel = bind(bootstrap.childHandler(pipeline));
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            runtime.close();
            throw e;
        }
        LOG.info("Merlin listening on {} port {} ({}, {} event loops)", config.server().host(), port(), transport,
                threads);
        return this;
    }

    /**
     * Binds the configured port and lets it go again at once, accepting nothing: a port in use fails the start here,
     * before the stores are opened. The port is not held while they open, so a client connecting during start-up
     * is refused rather than left waiting; a port taken in that moment fails the bind that follows.
     */
    private void checkPortIsFree(ServerBootstrap bootstrap) throws InterruptedException {
        if (config.server().port() == 0) {
            return; // an ephemeral port: the kernel picks a free one
        }
        Channel probe = bind(bootstrap.clone()
                .option(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInboundHandlerAdapter()));
        probe.close().sync();
    }

    /**
     * A connection stops reading requests while more than the high mark of its answers wait for the client, and
     * reads again below the low mark: a client that pipelines and never reads costs at most about this much.
     */
    private WriteBufferWaterMark writeBufferWaterMark() {
        return new WriteBufferWaterMark(config.server().writeBufferLowBytes(), config.server().writeBufferHighBytes());
    }

    /**
     * Binds the configured address. Whatever the transport reports when binding fails (the JDK's
     * {@link BindException}, or epoll's native I/O error) is thrown as a {@link BindException} inside an
     * {@link UncheckedIOException}: the failed operation tells a start-up failure from a busy port, not a message.
     */
    private Channel bind(ServerBootstrap bootstrap) throws InterruptedException {
        ChannelFuture bound = bootstrap.bind(bindHost(config.server().host()), config.server().port()).await();
        if (bound.isSuccess()) {
            return bound.channel();
        }
        Throwable cause = bound.cause();
        if (cause instanceof BindException busy) {
            throw new UncheckedIOException(busy);
        }
        BindException failed = new BindException(cause.toString()); // Main prints the cause's message, once
        failed.initCause(cause);
        throw new UncheckedIOException(failed);
    }

    private void createDataDir() {
        Path dataDir = Path.of(config.dataDir());
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data dir " + dataDir, e);
        }
    }

    /** {@code server.host} as the socket API takes it: an IPv6 literal without its brackets. */
    private static String bindHost(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** The address and port the server listens on. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** The bound port (useful when the config asked for port 0). */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** The event loops' transport, once started: {@code io_uring}, {@code epoll} or {@code nio}. */
    public String transport() {
        return transport;
    }

    /** The server's counters. */
    public ExchangeMetrics metrics() {
        return metrics;
    }

    /** The stores and compiled campaigns of the running server. */
    public ExchangeRuntime runtime() {
        return runtime;
    }

    /** Connections open now. */
    public int openConnections() {
        return pipeline == null ? 0 : pipeline.openConnections();
    }

    /** Bytes of answers written but not yet taken by the kernel, over all open connections. */
    public long bufferedResponseBytes() {
        return pipeline == null ? 0 : pipeline.bufferedResponseBytes();
    }

    /** Blocks until the server channel closes. */
    public void awaitClose() throws InterruptedException {
        serverChannel.closeFuture().sync();
    }

    /**
     * Stops accepting, lets each connection finish the request it is in (answered with {@code Connection: close}) for
     * at most {@code server.shutdownDrainSeconds}, closes the rest and every connection to the DSPs, then releases
     * the event loops and the stores.
     */
    @Override
    public void close() {
        if (!isClosed.compareAndSet(false, true)) {
            return;
        }
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (pipeline != null) {
            long drainMillis = TimeUnit.SECONDS.toMillis(config.server().shutdownDrainSeconds());
            pipeline.drain(drainMillis);
        }
        if (runtime != null && !runtime.closeDspConnections(DSP_CONNECTIONS_CLOSE_MILLIS)) {
            LOG.warn("connections to the DSPs still open {} ms after they were closed; stopping the event loops",
                    DSP_CONNECTIONS_CLOSE_MILLIS);
        }
        if (group != null && !group.shutdownGracefully(100, 5_000, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(LOOPS_STOP_MILLIS)) {
            // Netty 4.2.18's io_uring loop can wait forever in prepareToDestroy; the stores must close regardless
            LOG.warn("the {} event loops did not stop within {} ms; closing the stores without waiting longer",
                    transport, LOOPS_STOP_MILLIS);
        }
        if (runtime != null) {
            runtime.close();
        }
        LOG.info("Merlin stopped");
    }
}
