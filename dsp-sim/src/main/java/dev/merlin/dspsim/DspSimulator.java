package dev.merlin.dspsim;

import com.fasterxml.jackson.core.JsonFactory;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A simulated DSP: a Netty HTTP/1.1 server (keep-alive, answers in request order when pipelined) that answers
 * OpenRTB bid requests POSTed to any path with bids, no-bids or configured faults, after a configured latency
 * (scheduled on the event loop, never slept), and records the win, bill and loss notices its bids point back at.
 *
 * <pre>{@code
 * try (DspSimulator dsp = DspSimulator.builder().bidRate(0.8).latency(Latency.fixedMillis(5))
 *         .price(Price.uniform(0.5, 2)).fault(Fault.RESET, 0.01).start()) {
 *     String endpoint = dsp.endpoint();   // http://127.0.0.1:<port>/bid
 *     ...
 *     dsp.stats().awaitRequests(1, Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p>Besides {@code POST}: {@code GET /win}, {@code /bill}, {@code /loss} (recorded notices, answered 200),
 * {@code GET /stats} (the counters as JSON), {@code GET /summary} (one line of them), {@code GET /health}.
 */
public final class DspSimulator implements AutoCloseable {

    private static final int MAX_INITIAL_LINE_BYTES = 8192;
    private static final int MAX_HEADER_BYTES = 16384;

    private final SimOptions options;
    private final SimStats stats;
    private final JsonFactory json = new JsonFactory();
    private final BidRequestReader reader = new BidRequestReader(json);
    private final AtomicLong requestNumbers = new AtomicLong();
    private final EventLoopGroup group;
    private final SimTransport transport;
    private volatile Channel serverChannel;
    private volatile AnswerWriter writer;

    private DspSimulator(SimOptions options) {
        this.options = options;
        this.stats = new SimStats(options.recentNotices());
        this.transport = SimTransport.detect();
        // named, so that a profile or /proc/PID/task tells the simulator's CPU from its host JVM's
        this.group = new MultiThreadIoEventLoopGroup(options.ioThreads(), new DefaultThreadFactory("dsp-sim-io"),
                transport.ioHandler());
    }

    /** A builder of options; its {@code start()} starts a simulator. */
    public static SimOptions.Builder builder() {
        return SimOptions.builder();
    }

    /**
     * Starts a simulator: binds its port and returns once it accepts connections; throws
     * {@link IllegalStateException} naming the address when it cannot bind (the port is taken, say).
     */
    public static DspSimulator start(SimOptions options) throws InterruptedException {
        DspSimulator sim = new DspSimulator(options);
        try {
            sim.bind();
            return sim;
        } catch (Exception e) {
            sim.close();
            if (e instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            // Netty's sync() rethrows the bind's IOException without declaring it
            throw new IllegalStateException("dsp-sim cannot listen on " + options.host() + ":" + options.port()
                    + ": " + e.getMessage(), e);
        }
    }

    private void bind() throws InterruptedException {
        int maxBody = options.maxRequestBytes();
        serverChannel = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                // accepted only once the notice URLs, which name the bound port, are known
                .option(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(MAX_INITIAL_LINE_BYTES, MAX_HEADER_BYTES, 65536),
                                new HttpObjectAggregator(maxBody), new SimHandler(DspSimulator.this));
                    }
                })
                .bind(new InetSocketAddress(options.host(), options.port())).sync().channel();
        String base = options.noticeBaseUrl() != null ? options.noticeBaseUrl() : baseUrl();
        writer = new AnswerWriter(json, options, base);
        serverChannel.config().setAutoRead(true);
    }

    /** The bound port (the ephemeral one when the options said 0). */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** {@code http://host:port}, the simulator's own address. */
    public String baseUrl() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return "http://" + host + ":" + port();
    }

    /** The conventional bid endpoint: {@code http://host:port/bid} (any path answers bid requests). */
    public String endpoint() {
        return baseUrl() + "/bid";
    }

    /** What this simulator received and answered, live. */
    public SimStats stats() {
        return stats;
    }

    /** The options it runs with. */
    public SimOptions options() {
        return options;
    }

    /** The Netty transport in use ({@code epoll} or {@code nio}). */
    public String transportName() {
        return transport.name();
    }

    /** Closes the port, every connection and the event loops; waits for them. */
    @Override
    public void close() {
        Channel ch = serverChannel;
        if (ch != null) {
            ch.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    long nextRequestNumber() {
        return requestNumbers.getAndIncrement();
    }

    JsonFactory json() {
        return json;
    }

    BidRequestReader reader() {
        return reader;
    }

    AnswerWriter writer() {
        return writer;
    }
}
