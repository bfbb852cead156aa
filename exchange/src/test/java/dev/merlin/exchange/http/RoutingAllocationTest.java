package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * An auction request through {@link OrderedResponses}, {@link HttpChecks} and {@link RouteTable} (its JSON body
 * checks included) allocates next to nothing of theirs: what remains per request is the one promise Netty makes for
 * the answer's write ({@code ctx.write}) and, where the JIT does not scalar-replace it (it does when this test runs
 * alone, not always in a JVM shared with other tests), the iterator over the {@code Host} values that tells one Host
 * from two. Measured with the thread allocation counter; the codec, the aggregator and the endpoint are outside it.
 */
class RoutingAllocationTest {

    private static final int WARMUP = 200_000;
    private static final int MEASURED = 100_000;
    private static final int ROUNDS = 10;
    /** Netty's iterator over one header's values ({@code DefaultHeaders.ValueIterator}), when it is allocated. */
    private static final int HEADER_ITERATOR_BYTES = 40;

    /** Stands for the socket: takes every write at once, releases it and completes its promise. */
    private static final class Kernel extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ReferenceCountUtil.release(msg);
            promise.setSuccess();
        }
    }

    @Test
    void routingAnAuctionRequestAllocatesOnlyTheWritePromiseAndAtMostTheHostIterator() {
        ExchangeMetrics metrics = new ExchangeMetrics();
        FullHttpResponse answer = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT,
                Unpooled.buffer(0));
        RouteTable routes = RouteTable.builder(metrics)
                .path(ExchangeRoutes.AUCTION_PATH).post(HttpChecks.jsonBody(metrics, (ctx, r) -> answer.retain()))
                .path("/px").get((ctx, r) -> answer.retain())
                .build();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(new Kernel(), new OrderedResponses(), new HttpChecks(metrics), routes);
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                ExchangeRoutes.AUCTION_PATH, Unpooled.buffer(2).writeShort('{' << 8 | '}'));
        request.headers().set(HttpHeaderNames.HOST, "x")
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, 2);
        for (int i = 0; i < WARMUP; i++) {
            channel.pipeline().fireChannelRead(request.retain());
        }
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        ChannelPromise[] promises = new ChannelPromise[MEASURED];
        long promiseBytes = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < MEASURED; i++) {
                promises[i] = channel.newPromise();
            }
            promiseBytes = Math.min(promiseBytes, (threads.getThreadAllocatedBytes(id) - before) / MEASURED);
        }
        long fewest = Long.MAX_VALUE;
        long allowed = promiseBytes + HEADER_ITERATOR_BYTES;
        for (int round = 0; round < ROUNDS && fewest > promiseBytes * MEASURED; round++) {
            long probe = threads.getThreadAllocatedBytes(id);
            long counterCost = threads.getThreadAllocatedBytes(id) - probe;
            long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < MEASURED; i++) {
                channel.pipeline().fireChannelRead(request.retain());
            }
            fewest = Math.min(fewest, threads.getThreadAllocatedBytes(id) - before - counterCost);
        }
        assertEquals(1, request.refCnt(), "every routed request was released");
        assertEquals(1, answer.refCnt(), "every answer was written and released");
        double perRequest = (double) fewest / MEASURED;
        assertTrue(perRequest <= allowed, "bytes per request: " + perRequest + " in the best round, one promise: "
                + promiseBytes);
        assertEquals(0, metrics.httpErrors(415, "content_type"));
        request.release();
        answer.release();
        channel.finishAndReleaseAll();
    }
}
