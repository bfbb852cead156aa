package dev.merlin.exchange.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Choosing the event loops' transport by its configured name, and channels that fit each loop. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class IoTransportTest {

    @Test
    void autoTakesEpollWhereItLoadsElseNioAndNeverIoUring() {
        IoTransport expected = Epoll.isAvailable() ? IoTransport.EPOLL : IoTransport.NIO;
        assertEquals(expected, IoTransport.choose("auto"));
        assertEquals(expected, IoTransport.choose("AUTO"));
        assertEquals(IoTransport.NIO, IoTransport.choose("nio"), "the JDK's selector is always there");
    }

    @Test
    void namesAreTheConfigsAndAnUnknownOneIsRefusedWithTheChoices() {
        assertEquals(IoTransport.IO_URING, IoTransport.named("io_uring"));
        assertEquals(IoTransport.EPOLL, IoTransport.named("Epoll"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IoTransport.choose("kqueue"));
        assertEquals("unknown transport 'kqueue' (auto, io_uring, epoll or nio)", e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(IoTransport.class)
    void aNamedTransportThisMachineLacksFailsWithNettysReasonRatherThanRunningOnAnother(IoTransport transport) {
        Throwable cause = transport.unavailabilityCause();
        if (cause == null) {
            assertEquals(transport, IoTransport.choose(transport.configName()));
            return;
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> IoTransport.choose(transport.configName()));
        assertTrue(e.getMessage().startsWith(transport.configName() + " is not available on this machine"));
    }

    /** A server and a client channel of the transport's classes, on its loop, carry bytes both ways. */
    @ParameterizedTest
    @EnumSource(IoTransport.class)
    void itsLoopKnowsItAndItsChannelsRegisterOnItAndCarryBytes(IoTransport transport) throws Exception {
        Throwable unavailable = transport.unavailabilityCause();
        assumeTrue(unavailable == null, () -> transport.configName() + " is not available here: " + unavailable);
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.handlerFactory());
        try {
            EventLoop loop = group.next();
            assertEquals(transport, IoTransport.of(loop));
            Channel server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .childHandler(new Echo()).bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
            CompletableFuture<String> echoed = new CompletableFuture<>();
            Channel client = new Bootstrap().group(loop).channel(transport.socketChannel())
                    .handler(new Collect(echoed))
                    .connect((InetSocketAddress) server.localAddress()).sync().channel();
            client.writeAndFlush(Unpooled.copiedBuffer("ping", StandardCharsets.US_ASCII)).sync();
            assertEquals("ping", echoed.get(10, TimeUnit.SECONDS));
            client.close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Writes back what it reads. */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }

    /** Completes with the first four bytes read. */
    private static final class Collect extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<String> done;
        private final StringBuilder text = new StringBuilder();

        Collect(CompletableFuture<String> done) {
            this.done = done;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf bytes = (ByteBuf) msg;
            try {
                text.append(bytes.toString(StandardCharsets.US_ASCII));
            } finally {
                bytes.release();
            }
            if (text.length() >= 4) {
                done.complete(text.toString());
            }
        }
    }
}
