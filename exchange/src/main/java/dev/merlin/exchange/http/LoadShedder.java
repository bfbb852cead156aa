package dev.merlin.exchange.http;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Answers a new request {@code 503} with {@code Retry-After} as soon as its headers arrive while the server's
 * unwritten answers are over their budget ({@link UnwrittenBytes}): its body is dropped unread and nothing is run
 * for it. {@code /health}, {@code /status} and {@code /metrics} are always answered, so that an operator and a load
 * balancer can still see the server; a pixel hit gets its GIF (nothing recorded, counted as activity {@code pixel}
 * outcome {@code shed}). A request that expected {@code 100-continue} gets its 503 with
 * {@code Connection: close}, as the seller gate does.
 *
 * <p>One instance per connection ({@link HeaderGate}).
 */
final class LoadShedder extends HeaderGate {

    /** Seconds a shed client is asked to wait: the backlog drains at the clients' reading speed, not ours. */
    static final String RETRY_AFTER_SECONDS = "1";

    private final UnwrittenBytes budget;
    private final ExchangeMetrics metrics;

    LoadShedder(UnwrittenBytes budget, ExchangeMetrics metrics) {
        this.budget = budget;
        this.metrics = metrics;
    }

    @Override
    FullHttpResponse refusal(ChannelHandlerContext ctx, HttpRequest request) {
        if (!budget.isOverBudget()) {
            return null;
        }
        String path = HttpChecks.path(request.uri());
        if ("/health".equals(path) || "/status".equals(path) || "/metrics".equals(path)) {
            return null; // answered whatever the load: small, and run on the event loop
        }
        metrics.requestShed("unwritten_budget");
        if ("/px".equals(path)) {
            // a pixel always answers its GIF (43 bytes): shed, nothing recorded, counted as the pixel's outcome too
            metrics.activity("pixel", "shed");
            return PixelEndpoint.gifResponse();
        }
        FullHttpResponse response = HttpResponses.error(ctx.alloc(), HttpResponseStatus.SERVICE_UNAVAILABLE,
                "the server is busy writing answers its clients have not read; try again shortly", null);
        response.headers().set(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        return response;
    }
}
