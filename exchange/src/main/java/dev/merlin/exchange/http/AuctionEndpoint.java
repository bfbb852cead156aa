package dev.merlin.exchange.http;

import dev.merlin.config.SellerConfig;
import dev.merlin.exchange.bid.BidAnswer;
import dev.merlin.exchange.bid.BidCompletion;
import dev.merlin.exchange.bid.BidPath;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.sellers.Sellers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayDeque;
import org.agrona.DirectBuffer;

/**
 * {@code POST /openrtb2/auction} over HTTP: resolves the authenticated seller, hands the body bytes to the
 * {@link BidPath} (which decodes, decides, runs the auction and encodes the answer) and turns its answer into the
 * HTTP response, with {@code content-type}, {@code content-length} and {@code x-openrtb-version}.
 */
public final class AuctionEndpoint {

    /** What one event-loop thread reuses: a copy of a body that is not on the heap, and the synchronous answer. */
    private static final class LoopState {
        byte[] body;
        /** Requests' seats in the bid path, reused: one per auction in flight on this loop. */
        final ArrayDeque<InFlight> free = new ArrayDeque<>();

        LoopState(int bodyBytes) {
            this.body = new byte[bodyBytes];
        }

        InFlight take(ChannelHandlerContext ctx) {
            InFlight request = free.poll();
            if (request == null) {
                request = new InFlight();
            }
            request.ctx = ctx;
            request.inHandle = true;
            request.answeredNow = null;
            request.ticket = 0;
            return request;
        }

        void give(InFlight request) {
            request.ctx = null;
            request.answeredNow = null;
            free.push(request);
        }
    }

    /** One bid request in the bid path: its channel, and how its answer goes out. */
    private static final class InFlight {
        ChannelHandlerContext ctx;
        /** Whether {@link #handle} is still running for it: an answer then is returned, not written. */
        boolean inHandle;
        FullHttpResponse answeredNow;
        /** Its place in the connection's answers ({@link OrderedResponses#defer}), once it answers later. */
        long ticket;
    }

    private final Sellers sellers;
    private final BidPath bidPath;
    private final ExchangeMetrics metrics;
    private final FastThreadLocal<LoopState> states;
    private final BidCompletion<InFlight> answered = this::answered;

    /** The endpoint of {@code sellers}' bid requests, answered by {@code bidPath}. */
    public AuctionEndpoint(Sellers sellers, BidPath bidPath, ExchangeMetrics metrics, int maxBodyBytes) {
        this.sellers = sellers;
        this.bidPath = bidPath;
        this.metrics = metrics;
        int bodyBytes = Math.min(maxBodyBytes, 64 * 1024);
        this.states = new FastThreadLocal<>() {
            @Override
            protected LoopState initialValue() {
                return new LoopState(bodyBytes);
            }
        };
    }

    /**
     * Answers the bid request. Returns the response when the bid path answered before returning (today, always);
     * null when a stage finishes later, and then {@link #answered} writes the response through {@code ctx} itself.
     */
    FullHttpResponse handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        // the seller gate refused strangers before their body was read, and knows who this one is
        SellerConfig seller = SellerGate.sellerOf(ctx.channel());
        if (seller == null) {
            seller = SellerGate.seller(sellers, request.headers(), ctx.channel().remoteAddress());
        }
        if (seller == null) {
            return SellerGate.unauthorized(ctx, metrics, request.headers().get(HttpHeaderNames.AUTHORIZATION));
        }
        LoopState state = states.get();
        ByteBuf body = request.content();
        int length = body.readableBytes();
        byte[] bytes;
        int offset;
        if (body.hasArray()) {
            bytes = body.array();
            offset = body.arrayOffset() + body.readerIndex();
        } else {
            if (state.body.length < length) {
                state.body = new byte[length];
            }
            bytes = state.body;
            body.getBytes(body.readerIndex(), bytes, 0, length);
            offset = 0;
        }
        InFlight inFlight = state.take(ctx);
        bidPath.handle(bytes, offset, length, seller.id(), inFlight, answered);
        inFlight.inHandle = false;
        FullHttpResponse response = inFlight.answeredNow;
        if (response != null) {
            state.give(inFlight);
            return response;
        }
        // a stage finishes later: its answer keeps this request's place among the connection's answers
        inFlight.ticket = OrderedResponses.of(ctx.channel()).deferWhileReading();
        return null;
    }

    /**
     * The bid path's completion, on the request's event loop: the answer as an HTTP response, returned by
     * {@link #handle} when it comes before {@code handle} returns, else given to the connection's
     * {@link OrderedResponses} under the request's ticket, so pipelined answers still leave in request order.
     */
    private void answered(BidAnswer answer, InFlight inFlight) {
        FullHttpResponse response = toResponse(inFlight.ctx.alloc(), answer);
        if (inFlight.inHandle) {
            inFlight.answeredNow = response;
            return;
        }
        ChannelHandlerContext ctx = inFlight.ctx;
        long ticket = inFlight.ticket;
        states.get().give(inFlight);
        OrderedResponses order = OrderedResponses.of(ctx.channel());
        if (order == null) {
            response.release();
            return;
        }
        order.answerWhileReading(ticket, response);
    }

    private static FullHttpResponse toResponse(ByteBufAllocator alloc, BidAnswer answer) {
        if (answer.status() == BidAnswer.NO_CONTENT) {
            return HttpResponses.empty(alloc, HttpResponseStatus.NO_CONTENT);
        }
        ByteBuf content = copy(alloc, answer.body(), answer.bodyLength());
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(answer.status()), content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                .set(HttpResponses.OPENRTB_VERSION_HEADER, HttpResponses.OPENRTB_VERSION);
        return response;
    }

    private static ByteBuf copy(ByteBufAllocator alloc, DirectBuffer body, int length) {
        ByteBuf content = alloc.buffer(length);
        byte[] array = body.byteArray();
        if (array != null) {
            content.writeBytes(array, body.wrapAdjustment(), length);
        } else {
            body.getBytes(0, content.internalNioBuffer(0, length), length);
            content.writerIndex(length);
        }
        return content;
    }
}
