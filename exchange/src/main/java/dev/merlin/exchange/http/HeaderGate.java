package dev.merlin.exchange.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Answers a request on its headers alone when {@link #refusal} says so: nothing further down the pipeline sees it,
 * and its body, if any arrives, is dropped unread while the connection carries on. A request that expected
 * {@code 100-continue} gets its answer with {@code Connection: close}, since whether its body follows is the client's
 * to decide. Requests the codec could not parse pass, for {@link HttpChecks} to answer.
 *
 * <p>One instance per connection: it remembers whether it is dropping a refused request's body.
 */
abstract class HeaderGate extends ChannelInboundHandlerAdapter {

    private boolean isDroppingBody;

    /** The counted answer refusing {@code request}, or null to let it through. */
    abstract FullHttpResponse refusal(ChannelHandlerContext ctx, HttpRequest request);

    /** Called at every request's head, parsed or not, before {@link #refusal}; nothing by default. */
    void begin() {
    }

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            isDroppingBody = false;
            begin();
            FullHttpResponse refusal = request.decoderResult().isSuccess() ? refusal(ctx, request) : null;
            if (refusal != null) {
                answer(ctx, request, refusal);
                isDroppingBody = !(msg instanceof LastHttpContent);
                ReferenceCountUtil.release(msg);
                return;
            }
        } else if (isDroppingBody && msg instanceof HttpContent) {
            isDroppingBody = !(msg instanceof LastHttpContent);
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private static void answer(ChannelHandlerContext ctx, HttpRequest request, FullHttpResponse response) {
        if (HttpUtil.is100ContinueExpected(request)) {
            LingeringClose.answerThenClose(ctx, response);
        } else {
            ctx.writeAndFlush(response);
        }
    }
}
