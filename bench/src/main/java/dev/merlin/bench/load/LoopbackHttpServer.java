package dev.merlin.bench.load;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The HTTP server the bench's reference servers ({@link BareHttpServer}, {@link FloorServer}) run on: Netty on
 * {@code 127.0.0.1} with the same codec, keep-alive and aggregation as Merlin's front door, and the server's own
 * handler last in each connection's pipeline.
 */
final class LoopbackHttpServer implements AutoCloseable {

    /** The largest request body aggregated. */
    static final int MAX_BODY_BYTES = 1 << 20;

    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final Transport transport;

    private LoopbackHttpServer(EventLoopGroup group, Channel serverChannel, Transport transport) {
        this.transport = transport;
        this.group = group;
        this.serverChannel = serverChannel;
    }

    /**
     * Binds {@code 127.0.0.1:port} (0: an ephemeral port) with {@code ioThreads} event loops; each new connection's
     * last handler is {@code handler} applied to the transport in use.
     */
    static LoopbackHttpServer start(int ioThreads, int port, Function<Transport, ChannelHandler> handler)
            throws InterruptedException {
        Transport transport = Transport.server();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(ioThreads, transport.ioHandler());
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                                    new HttpObjectAggregator(MAX_BODY_BYTES), handler.apply(transport));
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).sync().channel();
            return new LoopbackHttpServer(group, channel, transport);
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The transport's name: {@code io_uring}, {@code epoll} or {@code nio}. */
    String transportName() {
        return transport.name();
    }

    /** The bound port. */
    int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** Blocks until the server's port is closed (a forked server's main thread waits here). */
    void awaitClose() throws InterruptedException {
        serverChannel.closeFuture().sync();
    }

    /** Closes the port, every connection and the event loops. */
    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
