package dev.merlin.exchange.http;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One connection's request deadline: a request's headers and body must arrive within the timeout of its first byte,
 * else it is answered {@code 408} and the connection closes. The idle timeout alone cannot stop a client that
 * drip-feeds a request, since every byte resets it.
 *
 * <p>Two handlers share the timer: {@link #firstBytes()} sits before the codec and starts it when bytes arrive while
 * no request is in progress; this one sits after the codec and stops it at the request's last content (or starts it
 * for a pipelined request whose head came in the same read). Time while the server is not reading (answers backed
 * up, a report in progress) is the server's doing: the deadline then starts again instead of expiring.
 *
 * <p>It also knows whether the connection is inside a request (bytes of one arrived, or one is not yet answered),
 * which is what {@link #drain()} needs on shutdown: a connection between requests closes at once, one inside a
 * request is answered with {@code Connection: close} and closes after that answer.
 */
final class RequestDeadline extends ChannelDuplexHandler {

    private final long timeoutNanos;
    private final ExchangeMetrics metrics;
    private final ChannelHandler firstBytes = new FirstBytes();
    private ScheduledFuture<?> timer;
    private ChannelHandlerContext context;
    /** Requests decoded and not yet answered. */
    private int unanswered;
    private boolean isDraining;

    RequestDeadline(int timeoutSeconds, ExchangeMetrics metrics) {
        this.timeoutNanos = TimeUnit.SECONDS.toNanos(timeoutSeconds);
        this.metrics = metrics;
    }

    /** The handler to place before the codec: it starts the deadline on a request's first bytes. */
    ChannelHandler firstBytes() {
        return firstBytes;
    }

    /**
     * On the event loop, when the server stops: closes the connection if it is between requests, else marks the
     * answer to the request it is in as its last.
     */
    void drain() {
        isDraining = true;
        if (context != null && timer == null && unanswered == 0) {
            context.close();
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            unanswered++;
            start(ctx.channel());
        }
        if (msg instanceof LastHttpContent) {
            stop();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        boolean isFinal = msg instanceof HttpResponse
                && ((HttpResponse) msg).status().codeClass() != HttpStatusClass.INFORMATIONAL;
        if (isFinal && isDraining) {
            ((HttpResponse) msg).headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        if (isFinal && unanswered > 0) {
            unanswered--;
        }
        if (isFinal && isDraining && msg instanceof LastHttpContent) {
            promise = promise.unvoid().addListener(ChannelFutureListener.CLOSE);
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
        context = null;
    }

    private void start(Channel channel) {
        if (timer == null) {
            timer = channel.eventLoop().schedule(() -> expire(channel), timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void stop() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expire(Channel channel) {
        timer = null;
        if (!channel.isActive()) {
            return;
        }
        if (!channel.config().isAutoRead()) {
            start(channel);
            return;
        }
        metrics.httpError(HttpResponseStatus.REQUEST_TIMEOUT.code(), "request_timeout");
        FullHttpResponse response = HttpResponses.error(channel.alloc(), HttpResponseStatus.REQUEST_TIMEOUT,
                "the request did not arrive within " + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s", null);
        LingeringClose.answerThenClose(channel, response);
        // a client that does not take the answer either is not waited for
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    /** Before the codec: bytes while no request is in progress begin one. */
    private final class FirstBytes extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf && ((ByteBuf) msg).isReadable()) {
                start(ctx.channel());
            }
            ctx.fireChannelRead(msg);
        }
    }
}
