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
        super(maxBodyBytes, true);
        this.metrics = metrics;
    }

    /**
     * A refused expectation ({@code Expect: 100-continue} with a declared length over the limit → 413, any other
     * expectation → 417): answer our JSON error, counted, with {@code Connection: close}, and close once it is
     * written. A client may send the body anyway, and the codec would read it as requests of their own (smuggling),
     * so nothing after a refused expectation is read.
     */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object response = super.newContinueResponse(start, maxContentLength, pipeline);
        if (!(response instanceof HttpResponse)) {
            return response;
        }
        int code = ((HttpResponse) response).status().code();
        FullHttpResponse refusal;
        if (code == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code()) {
            metrics.httpError(413, "body_too_large");
            refusal = HttpResponses.error(pipeline.channel().alloc(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    tooLargeMessage(), "");
        } else if (code == HttpResponseStatus.EXPECTATION_FAILED.code()) {
            metrics.httpError(417, "expectation_failed");
            refusal = HttpResponses.error(pipeline.channel().alloc(), HttpResponseStatus.EXPECTATION_FAILED,
                    "only Expect: 100-continue is supported", "");
        } else {
            return response;
        }
        ReferenceCountUtil.release(response);
        refusal.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return refusal;
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
            LingeringClose.answerThenClose(ctx, response);
        }
    }
}
