package dev.merlin.exchange.http;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Answers a new request {@code 503} with {@code Retry-After} as soon as its headers arrive while the server's
 * unwritten answers are over their budget ({@link UnwrittenBytes}): its body is dropped unread and nothing is run
 * for it. {@code /health}, {@code /status} and {@code /metrics} are always answered, so that an operator and a load
 * balancer can still see the server; a pixel hit gets its GIF (nothing recorded, counted as activity {@code pixel}
 * outcome {@code shed}). A request that expected {@code 100-continue} gets its 503 with
 * {@code Connection: close}, as the seller gate does.
 *
 * <p>One instance per connection: it remembers whether it is dropping a shed request's body.
 */
final class LoadShedder extends ChannelInboundHandlerAdapter {

    /** Seconds a shed client is asked to wait: the backlog drains at the clients' reading speed, not ours. */
    static final String RETRY_AFTER_SECONDS = "1";

    private final UnwrittenBytes budget;
    private final ExchangeMetrics metrics;
    private boolean isDroppingBody;

    LoadShedder(UnwrittenBytes budget, ExchangeMetrics metrics) {
        this.budget = budget;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            isDroppingBody = false;
            if (budget.isOverBudget() && request.decoderResult().isSuccess() && !isAlwaysAnswered(request.uri())) {
                shed(ctx, request);
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

    private void shed(ChannelHandlerContext ctx, HttpRequest request) {
        metrics.requestShed("unwritten_budget");
        if (isPixel(request.uri())) {
            // a pixel always answers its GIF (43 bytes): shed, nothing recorded, counted as the pixel's outcome too
            metrics.activity("pixel", "shed");
            ctx.writeAndFlush(PixelEndpoint.gifResponse());
            return;
        }
        FullHttpResponse response = HttpResponses.error(ctx.alloc(), HttpResponseStatus.SERVICE_UNAVAILABLE,
                "the server is busy writing answers its clients have not read; try again shortly", null);
        response.headers().set(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        if (HttpUtil.is100ContinueExpected(request)) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(response);
        }
    }

    private static boolean isPixel(String uri) {
        String target = ExchangeHandler.originForm(uri);
        return target != null && (target.equals("/px") || target.startsWith("/px?"));
    }

    /** The paths answered whatever the load: health checks and metrics, small and run on the event loop. */
    static boolean isAlwaysAnswered(String uri) {
        String target = ExchangeHandler.originForm(uri);
        if (target == null) {
            return false;
        }
        int query = target.indexOf('?');
        String path = query < 0 ? target : target.substring(0, query);
        return path.equals("/health") || path.equals("/status") || path.equals("/metrics");
    }
}
