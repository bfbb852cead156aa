package dev.merlin.exchange.http;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;

/** Aggregates request bodies up to a limit and answers a larger one with our 413 JSON error. */
final class BoundedAggregator extends HttpObjectAggregator {

    private final ExchangeMetrics metrics;

    BoundedAggregator(int maxBodyBytes, ExchangeMetrics metrics) {
        super(maxBodyBytes);
        this.metrics = metrics;
    }

    /**
     * {@code Expect: 100-continue} with a declared length over the limit: Netty would answer its own empty 413; answer
     * ours instead (JSON, counted), before the client sends the body. The connection carries on.
     */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object response = super.newContinueResponse(start, maxContentLength, pipeline);
        if (response instanceof HttpResponse
                && ((HttpResponse) response).status().code() == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code()) {
            ReferenceCountUtil.release(response);
            metrics.httpError(413, "body_too_large");
            return HttpResponses.error(pipeline.channel().alloc(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    tooLargeMessage(), "");
        }
        return response;
    }

    private String tooLargeMessage() {
        return "request body is larger than " + maxContentLength() + " bytes";
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        metrics.httpError(413, "body_too_large");
        FullHttpResponse response = HttpResponses.error(ctx.alloc(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                tooLargeMessage(), "");
        // A declared length over the limit on a keep-alive connection: the rest of the body is skipped and the
        // connection carries on. A body that grew past the limit while streaming has no safe end: close.
        boolean keepOpen = !(oversized instanceof FullHttpMessage) && HttpUtil.isKeepAlive(oversized);
        if (keepOpen) {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
