package dev.merlin.exchange.http;

import dev.merlin.exchange.tuning.ExchangeTuning;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
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
 * was wrong. So on a connection {@link #askFor asked} to linger, the first close shuts the write side only (the
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

    /** Call before writing a refusal with {@code Connection: close}: the close that follows it lingers. */
    static void askFor(Channel channel) {
        channel.attr(ASKED).set(Boolean.TRUE);
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
