package dev.merlin.exchange.dsp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;

/**
 * A small DSP for the client's tests, on 127.0.0.1 and an ephemeral port: it records the connections it accepted and
 * the requests it read, and answers each request as its {@link Behaviour} says (well, badly, or never).
 */
final class StubDsp implements AutoCloseable {

    /** How the stub answers one request. */
    @FunctionalInterface
    interface Behaviour {
        void answer(Request request);
    }

    /** One request as the stub read it, and the means to answer it. */
    record Request(ChannelHandlerContext ctx, String method, String uri, HttpHeaders headers, byte[] body,
                   int numberOnConnection) {

        /** Answers with a full response. */
        void respond(int status, byte[] content, String... headerPairs) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(content));
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.length);
            for (int i = 0; i < headerPairs.length; i += 2) {
                response.headers().set(headerPairs[i], headerPairs[i + 1]);
            }
            ctx.writeAndFlush(response);
        }

        /** Writes bytes as they are, under the HTTP codec (and over TLS when there is TLS). */
        void raw(String bytes) {
            ctx.pipeline().context(HttpServerCodec.class)
                    .writeAndFlush(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private volatile Behaviour behaviour;
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    final Queue<Request> requests = new ConcurrentLinkedQueue<>();

    private StubDsp(Behaviour behaviour, SslContext tls) throws InterruptedException {
        this.behaviour = behaviour;
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline pipeline = ch.pipeline();
                        if (tls != null) {
                            pipeline.addLast(tls.newHandler(ch.alloc()));
                        }
                        pipeline.addLast(new Counting())
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(16 << 20))
                                .addLast(new Answering());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    static StubDsp start(Behaviour behaviour) throws InterruptedException {
        return new StubDsp(behaviour, null);
    }

    static StubDsp startTls(Behaviour behaviour, SslContext tls) throws InterruptedException {
        return new StubDsp(behaviour, tls);
    }

    void behaviour(Behaviour next) {
        behaviour = next;
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    String url(String scheme) {
        return scheme + "://127.0.0.1:" + port() + "/bid";
    }

    /** The last request read so far. */
    Request lastRequest() {
        Request last = null;
        for (Request request : requests) {
            last = request;
        }
        return last;
    }

    static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Counting extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            accepted.incrementAndGet();
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closed.incrementAndGet();
            ctx.fireChannelInactive();
        }
    }

    private final class Answering extends SimpleChannelInboundHandler<FullHttpRequest> {
        private int count;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
            ByteBuf content = msg.content();
            Request request = new Request(ctx, msg.method().name(), msg.uri(), msg.headers().copy(),
                    ByteBufUtil.getBytes(content), ++count);
            requests.add(request);
            behaviour.answer(request);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
