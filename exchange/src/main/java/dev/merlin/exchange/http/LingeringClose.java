package dev.merlin.exchange.http;

import dev.merlin.exchange.tuning.ExchangeTuning;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection after the answer that refused it the way nginx's {@code lingering_close} does. First in the
 * pipeline, one per connection.
 *
 * <p>A server that closes a TCP socket with bytes of the client's still unread (the rest of a too-large body, a
 * request pipelined behind a refused one) makes the kernel send a reset, and the reset may reach the client before
 * it has read the answer: it then sees "connection reset" instead of the {@code 413} or {@code 400} that says what
 * was wrong. So after a refusal written with {@link #answerThenClose}, the first close shuts the write side only (the
 * client reads the end of the stream right after the answer), whatever still arrives is dropped unparsed, and the
 * connection closes when the client closes its side or after {@link ExchangeTuning#LINGER_MILLIS}, whichever comes
 * first. Closes while it lingers wait for that end; a channel that cannot half-close closes at once.
 */
final class LingeringClose extends ChannelOutboundHandlerAdapter {

    private static final AttributeKey<Boolean> ASKED = AttributeKey.valueOf("merlin.lingeringClose");

    private final long lingerMillis;
    private boolean isLingering;

    LingeringClose(long lingerMillis) {
        this.lingerMillis = lingerMillis;
    }

    /**
     * Writes a refusal with {@code Connection: close} from {@code ctx}'s place in the pipeline and closes once it is
     * written; the close lingers.
     */
    static void answerThenClose(ChannelHandlerContext ctx, FullHttpResponse response) {
        answerThenClose(ctx, ctx.channel(), response);
    }

    /** As {@link #answerThenClose(ChannelHandlerContext, FullHttpResponse)}, written from the pipeline's tail. */
    static void answerThenClose(Channel channel, FullHttpResponse response) {
        answerThenClose(channel, channel, response);
    }

    private static void answerThenClose(ChannelOutboundInvoker writer, Channel channel, FullHttpResponse response) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        channel.attr(ASKED).set(Boolean.TRUE);
        writer.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        Channel channel = ctx.channel();
        if (isLingering) {
            channel.closeFuture().addListener(closed -> promise.trySuccess());
            return;
        }
        if (channel.attr(ASKED).get() == null || !channel.isActive() || !(channel instanceof DuplexChannel duplex)) {
            ctx.close(promise);
            return;
        }
        isLingering = true;
        channel.closeFuture().addListener(closed -> promise.trySuccess());
        ctx.pipeline().addFirst(new Discard());
        channel.config().setAutoRead(true);
        duplex.shutdownOutput().addListener(shut -> {
            if (!shut.isSuccess()) {
                ctx.close();
            }
        });
        // the client's end of stream closes the channel by itself (no half-closure); this bounds a silent client
        ctx.executor().schedule(() -> ctx.close(), lingerMillis, TimeUnit.MILLISECONDS);
    }

    /** First in the pipeline while lingering: what the client still sends is released, never parsed. */
    private static final class Discard extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // nothing after this handler reads any more
        }
    }
}
