package dev.merlin.exchange.http;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An endpoint that runs another off the event loop (a report that walks many days of stores): it takes a ticket from
 * the connection's {@link OrderedResponses}, which pauses reading and keeps later answers behind this one, runs the
 * endpoint on the slow-work executor and hands its answer back to the event loop. A full queue answers {@code 503}.
 * The endpoint it runs must answer at once (not later itself).
 *
 * <p>An executor is small and shared by the requests of one {@link Lane}: advertisers' reports on one; whatever the
 * operator asks with the admin token (the admin API, the dashboard's data, every report) on another, so that no
 * report token can keep the operator waiting. A {@link Gate} decides on the event loop, before a request may queue,
 * whether it carries the token its route needs, so that requests without one are refused at once and cannot fill
 * the queue.
 * Whatever the endpoint throws, an {@link Error} too, is answered {@code 500}: an unanswered ticket would leave the
 * connection's reading paused until its idle timeout.
 */
final class SlowWork implements Endpoint {

    /** Decides on the event loop whether a request may wait for the slow-work executor. */
    @FunctionalInterface
    interface Gate {

        /** Null when {@code request} may be run; otherwise the answer to give at once (a {@code 401}). */
        FullHttpResponse refusal(ChannelHandlerContext ctx, FullHttpRequest request);
    }

    /**
     * An executor and what a request that finds its queue full is told: {@code 503} with {@code message}, counted
     * as {@code merlin_http_errors_total{reason}}.
     */
    record Lane(Executor executor, String reason, String message) {

        /** Reports: their own executor, {@code reports_busy}. */
        static Lane reports(Executor executor) {
            return new Lane(executor, "reports_busy", "too many reports in progress; try again shortly");
        }

        /** What the operator asks with the admin token: the operator's own executor, {@code admin_busy}. */
        static Lane admin(Executor executor) {
            return new Lane(executor, "admin_busy", "too many admin requests in progress; try again shortly");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(SlowWork.class);
    private static final Gate OPEN = (ctx, request) -> null;

    private final Gate gate;
    private final Endpoint slow;
    private final Function<FullHttpRequest, Lane> lanes;
    private final ExchangeMetrics metrics;

    /** Runs {@code slow} on the reports' {@code executor} for every request (for endpoints that need no token). */
    SlowWork(Endpoint slow, Executor executor, ExchangeMetrics metrics) {
        this(OPEN, slow, Lane.reports(executor), metrics);
    }

    /** Runs {@code slow} on {@code lane} for the requests {@code gate} lets through; answers the rest at once. */
    SlowWork(Gate gate, Endpoint slow, Lane lane, ExchangeMetrics metrics) {
        this(gate, slow, request -> lane, metrics);
    }

    /**
     * Runs {@code slow} for the requests {@code gate} lets through, each on the lane {@code lanes} chooses for it
     * (on the event loop, after the gate: by whose token it carries); answers the rest at once.
     */
    SlowWork(Gate gate, Endpoint slow, Function<FullHttpRequest, Lane> lanes, ExchangeMetrics metrics) {
        this.gate = gate;
        this.slow = slow;
        this.lanes = lanes;
        this.metrics = metrics;
    }

    @Override
    public FullHttpResponse handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        FullHttpResponse refused = gate.refusal(ctx, request);
        if (refused != null) {
            return refused;
        }
        Lane lane = lanes.apply(request);
        OrderedResponses order = OrderedResponses.of(ctx.channel());
        long ticket = order.defer();
        request.retain();
        try {
            lane.executor().execute(() -> run(ctx, order, ticket, request));
        } catch (RejectedExecutionException e) {
            request.release();
            metrics.httpError(503, lane.reason());
            order.answer(ticket, HttpResponses.error(ctx.alloc(), HttpResponseStatus.SERVICE_UNAVAILABLE,
                    lane.message(), null));
        }
        return null;
    }

    /**
     * On the slow-work thread: answers, then gives the answer to the event loop, which writes it in turn. Nothing
     * thrown leaves: the pool's thread lives on, and the ticket is answered, or the connection closed when not even
     * a {@code 500} can be built (memory exhausted).
     */
    private void run(ChannelHandlerContext ctx, OrderedResponses order, long ticket, FullHttpRequest request) {
        FullHttpResponse answer;
        try {
            answer = answer(ctx, request);
        } catch (Throwable e) { // not even the 500 could be built: closing ends the wait
            answer = null;
        }
        if (answer != null && !answer.headers().contains(HttpHeaderNames.CACHE_CONTROL)) {
            // reports, the admin API and the dashboard's data are an advertiser's or the operator's alone
            answer.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        }
        FullHttpResponse written = answer;
        try {
            ctx.executor().execute(() -> {
                if (written == null) {
                    ctx.close();
                } else {
                    order.answer(ticket, written);
                }
            });
        } catch (RejectedExecutionException e) {
            if (written != null) {
                written.release(); // the event loop is shutting down: the connection closes unanswered
            }
        }
    }

    private FullHttpResponse answer(ChannelHandlerContext ctx, FullHttpRequest request) {
        try {
            return slow.handle(ctx, request);
        } catch (Throwable e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt(); // thrown unchecked by the endpoint: the pool still sees it
            }
            metrics.httpError(500, "slow_work_failed");
            // what failed, and where, is for the operator's log, not for whoever holds a report token
            LOG.warn("{} {} failed", request.method(), HttpChecks.path(request.uri()), e);
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "the request failed on the server; its log says why", null);
        } finally {
            request.release();
        }
    }
}
