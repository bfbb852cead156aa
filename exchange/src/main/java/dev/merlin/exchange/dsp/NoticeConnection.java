package dev.merlin.exchange.dsp;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * One keep-alive connection of the {@link NoticeTransport}, and the handler at the end of its pipeline: carries one
 * notice's GET at a time. All on the transport's loop.
 */
final class NoticeConnection extends ChannelInboundHandlerAdapter {

    private static final TimeoutException TIMED_OUT = new TimeoutException("no answer within the call timeout");
    private static final ClosedChannelException CLOSED = new ClosedChannelException();

    final String origin;
    private final NoticeTransport transport;
    private final SslContext sslContext;
    private final String host;
    private final int port;
    private Channel channel;
    /** The notice whose call is under way on this connection, or null when idle. */
    private Notice notice;
    private Future<?> timer;
    private int status;
    private long bodyBytes;
    private boolean isKeptAlive;

    NoticeConnection(NoticeTransport transport, String origin, SslContext sslContext, String host, int port) {
        this.transport = transport;
        this.origin = origin;
        this.sslContext = sslContext;
        this.host = host;
        this.port = port;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ChannelPipeline pipeline = ctx.pipeline();
        if (sslContext != null) {
            SslHandler tls = sslContext.newHandler(ctx.alloc(), host, port);
            SSLEngine engine = tls.engine();
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
            pipeline.addBefore(ctx.name(), "tls", tls);
        }
        pipeline.addBefore(ctx.name(), "http", new HttpClientCodec());
    }

    /** A new connection for {@code notice}: its GET goes out once connected. */
    void connect(ChannelFuture connecting, Notice first, String target, String hostHeader) {
        channel = connecting.channel();
        begin(first);
        connecting.addListener((ChannelFuture connected) -> {
            if (connected.isSuccess()) {
                write(target, hostHeader);
            } else {
                end(-1, connected.cause());
                channel.close();
            }
        });
    }

    /** Sends {@code next}'s GET on this idle connection. */
    void send(Notice next, String target, String hostHeader) {
        begin(next);
        write(target, hostHeader);
    }

    private void begin(Notice next) {
        notice = next;
        status = 0;
        bodyBytes = 0;
        isKeptAlive = false;
        timer = transport.afterTimeout(this::timedOut);
    }

    private void write(String target, String hostHeader) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target,
                Unpooled.EMPTY_BUFFER);
        request.headers().set(HttpHeaderNames.HOST, hostHeader)
                .set(HttpHeaderNames.USER_AGENT, "Merlin")
                .set(HttpHeaderNames.ACCEPT, "*/*");
        channel.writeAndFlush(request).addListener((ChannelFuture written) -> {
            if (!written.isSuccess()) {
                end(-1, written.cause());
                channel.close();
            }
        });
    }

    private void timedOut() {
        timer = null;
        end(-1, TIMED_OUT);
        channel.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (notice == null || ((HttpObject) msg).decoderResult().isFailure()) {
                // bytes no call waits for, or an answer that isn't HTTP: the connection is not trusted again
                Throwable cause = ((HttpObject) msg).decoderResult().cause();
                end(-1, cause != null ? cause : CLOSED);
                ctx.close();
                return;
            }
            if (msg instanceof HttpResponse) {
                HttpResponse response = (HttpResponse) msg;
                status = response.status().code();
                isKeptAlive = HttpUtil.isKeepAlive(response);
            }
            if (msg instanceof HttpContent) {
                bodyBytes += ((HttpContent) msg).content().readableBytes();
                if (bodyBytes > DspNotifier.MAX_BODY_BYTES) {
                    // answered: the rest of the body is not worth reading
                    end(status, null);
                    ctx.close();
                } else if (msg instanceof LastHttpContent) {
                    end(status, null);
                    if (isKeptAlive) {
                        transport.release(this);
                    } else {
                        ctx.close();
                    }
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        end(-1, CLOSED);
        transport.forget(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        end(-1, cause);
        ctx.close();
    }

    /** Ends the call under way, if any, exactly once. */
    private void end(int endStatus, Throwable failure) {
        Notice ending = notice;
        if (ending == null) {
            return;
        }
        notice = null;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        transport.ended(ending, failure == null ? endStatus : -1, failure);
    }

    void close() {
        channel.close();
    }
}
