package dev.merlin.exchange.http;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * An endpoint that runs another off the event loop (a report that walks many days of stores): it takes a ticket from
 * the connection's {@link OrderedResponses}, which pauses reading and keeps later answers behind this one, runs the
 * endpoint on the slow-work executor and hands its answer back to the event loop. A full queue answers {@code 503}.
 * The endpoint it runs must answer at once (not later itself).
 */
final class SlowWork implements Endpoint {

    private final Endpoint slow;
    private final Executor executor;
    private final ExchangeMetrics metrics;

    SlowWork(Endpoint slow, Executor executor, ExchangeMetrics metrics) {
        this.slow = slow;
        this.executor = executor;
        this.metrics = metrics;
    }

    @Override
    public FullHttpResponse handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        OrderedResponses order = OrderedResponses.of(ctx.channel());
        long ticket = order.defer();
        request.retain();
        try {
            executor.execute(() -> run(ctx, order, ticket, request));
        } catch (RejectedExecutionException e) {
            request.release();
            metrics.httpError(503, "reports_busy");
            order.answer(ticket, HttpResponses.error(ctx.alloc(), HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "too many reports in progress; try again shortly", null));
        }
        return null;
    }

    /** On the slow-work thread: answers, then gives the answer to the event loop, which writes it in turn. */
    private void run(ChannelHandlerContext ctx, OrderedResponses order, long ticket, FullHttpRequest request) {
        FullHttpResponse response;
        try {
            response = slow.handle(ctx, request);
        } catch (RuntimeException e) {
            response = HttpResponses.error(ctx.alloc(), HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "the report failed: " + e, null);
        } finally {
            request.release();
        }
        FullHttpResponse answer = response;
        try {
            ctx.executor().execute(() -> order.answer(ticket, answer));
        } catch (RejectedExecutionException e) {
            answer.release(); // the event loop is shutting down: the connection closes unanswered
        }
    }
}
