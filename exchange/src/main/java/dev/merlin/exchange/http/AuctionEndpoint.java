package dev.merlin.exchange.http;

import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.AuctionEngine;
import dev.merlin.exchange.auction.AuctionResult;
import dev.merlin.exchange.auction.UserKeys;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventType;
import dev.merlin.exchange.events.EventWriter;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.PrivacyDecision;
import dev.merlin.exchange.segments.SegmentSet;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.BidResponseEncoder;
import dev.merlin.protocol.InvalidRequestException;
import dev.merlin.protocol.model.BidRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;

/**
 * {@code POST /openrtb2/auction}: decode and validate straight from the body bytes, decide whether user data may
 * be used, read the user's segments, run the auction and answer 200 with the bids or 204 — all on the event loop,
 * with per-thread decoder, engine and result objects.
 */
final class AuctionEndpoint {

    /** What one event-loop thread reuses from request to request. */
    private static final class ThreadState {
        final BidRequestDecoder decoder;
        final AuctionEngine engine;
        final SegmentSet segments = new SegmentSet();
        final AuctionResult result;
        byte[] body;

        ThreadState(ExchangeRuntime runtime) {
            this.decoder = new BidRequestDecoder(runtime.config().requests().toDecodeLimits());
            this.engine = new AuctionEngine(runtime.catalog(), runtime.currencies(),
                    runtime.config().exchange().takeRate(), runtime.spend(), runtime.frequency());
            this.result = new AuctionResult(runtime.config().requests().maxImps());
            this.body = new byte[Math.min(runtime.config().server().maxBodyBytes(), 64 * 1024)];
        }
    }

    private final ExchangeRuntime runtime;
    private final ExchangeMetrics metrics;
    private final BidResponseEncoder encoder = new BidResponseEncoder();
    private final FastThreadLocal<ThreadState> states;

    AuctionEndpoint(ExchangeRuntime runtime) {
        this.runtime = runtime;
        this.metrics = runtime.metrics();
        this.states = new FastThreadLocal<>() {
            @Override
            protected ThreadState initialValue() {
                return new ThreadState(runtime);
            }
        };
    }

    FullHttpResponse handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        ThreadState state = states.get();
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
        BidRequest bidRequest;
        try {
            bidRequest = state.decoder.decode(bytes, offset, length);
        } catch (InvalidRequestException e) {
            metrics.bidRequestRejected(e.reason());
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, e.getMessage(), e.path());
        }
        metrics.bidRequestAccepted();
        return auction(ctx, bidRequest, state);
    }

    private FullHttpResponse auction(ChannelHandlerContext ctx, BidRequest request, ThreadState state) {
        long now = runtime.nowEpochSeconds();
        String currency = runtime.responses().responseCurrency(request);
        if (currency == null) {
            metrics.noBid("unknown_currency");
            return HttpResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT);
        }
        PrivacyDecision privacy = runtime.consent().decide(request);
        String userKey = null;
        if (privacy.mayUsePersonalData()) {
            userKey = UserKeys.select(request);
            if (runtime.optOuts().contains(userKey)) {
                privacy = runtime.consent().decide(request, true);
                userKey = null;
            }
        }
        if (!privacy.mayUsePersonalData()) {
            metrics.contextualOnly(privacy.reason());
        }
        SegmentSet segments = state.segments;
        segments.clear();
        if (userKey != null) {
            runtime.segments().read(userKey, now, segments);
        }
        long userHash = runtime.userHash().hash(userKey);
        AuctionResult result = state.result;
        state.engine.run(request, segments, userHash, now, result);
        logAuction(request, result, now);
        if (result.count() == 0) {
            metrics.noBid(noBidLabel(result.noBidReason()));
            return HttpResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT);
        }
        metrics.bids(result.count());
        ByteBuf content = ctx.alloc().buffer(1024);
        try (ByteBufOutputStream out = new ByteBufOutputStream(content)) {
            encoder.encode(runtime.responses().build(request, result, currency, userHash, now), out);
        } catch (IOException | RuntimeException e) {
            content.release();
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "cannot encode the bid response: " + e.getMessage(), null);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                .set(HttpResponses.OPENRTB_VERSION_HEADER, HttpResponses.OPENRTB_VERSION);
        return response;
    }

    /** The auction outcome to the event log: request id, bids, and the first winner with its price. */
    private void logAuction(BidRequest request, AuctionResult result, long nowEpochSeconds) {
        EventLog log = runtime.events();
        EventWriter event = log.begin(EventType.AUCTION, nowEpochSeconds * 1000L)
                .put("rid", request.id)
                .put("bids", result.count());
        if (result.count() > 0) {
            event.put("c", result.campaign(0).id()).put("price", result.priceMicros(0));
        }
        log.commit(event);
    }

    private static String noBidLabel(int reason) {
        switch (reason) {
            case AuctionResult.NO_ELIGIBLE: return "no_eligible";
            case AuctionResult.UNKNOWN_CURRENCY: return "unknown_currency";
            default: return "no_candidates";
        }
    }
}
