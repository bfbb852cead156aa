package dev.merlin.exchange.http;

import dev.merlin.config.SellerConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.AuctionEngine;
import dev.merlin.exchange.auction.AuctionIds;
import dev.merlin.exchange.auction.AuctionResult;
import dev.merlin.exchange.auction.BidResponseWriter;
import dev.merlin.exchange.auction.SpendLedger;
import dev.merlin.exchange.auction.UserKeys;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventType;
import dev.merlin.exchange.events.EventWriter;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.PrivacyDecision;
import dev.merlin.exchange.segments.SegmentSet;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.InvalidRequestException;
import dev.merlin.protocol.model.BidRequest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.FastThreadLocal;
import org.agrona.ExpandableArrayBuffer;

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
        final BidResponseWriter writer;
        final ExpandableArrayBuffer response = new ExpandableArrayBuffer(4096);
        byte[] body;

        ThreadState(ExchangeRuntime runtime) {
            this.decoder = new BidRequestDecoder(runtime.config().requests().toDecodeLimits());
            this.engine = new AuctionEngine(runtime.catalog(), runtime.currencies(),
                    runtime.config().exchange().takeRate(), runtime.spend(), runtime.frequency())
                    .canLinkSecurely(runtime.noticeUrls().canLinkSecurely());
            this.result = new AuctionResult(runtime.config().requests().maxImps());
            this.writer = new BidResponseWriter(runtime.currencies(), runtime.noticeUrls(),
                    runtime.config().server().maxMarkupLength());
            this.body = new byte[Math.min(runtime.config().server().maxBodyBytes(), 64 * 1024)];
        }
    }

    private final ExchangeRuntime runtime;
    private final ExchangeMetrics metrics;
    private final FastThreadLocal<ThreadState> states;
    private final int maxResponseBytes;

    AuctionEndpoint(ExchangeRuntime runtime) {
        this.runtime = runtime;
        this.maxResponseBytes = runtime.config().server().maxResponseBytes();
        this.metrics = runtime.metrics();
        this.states = new FastThreadLocal<>() {
            @Override
            protected ThreadState initialValue() {
                return new ThreadState(runtime);
            }
        };
    }

    FullHttpResponse handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        // the seller gate refused strangers before their body was read; this resolves who it was
        SellerConfig seller = SellerGate.seller(runtime.sellers(), request.headers(), ctx.channel().remoteAddress());
        if (seller == null) {
            return SellerGate.unauthorized(ctx, metrics, request.headers().get(HttpHeaderNames.AUTHORIZATION));
        }
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
        return auction(ctx, bidRequest, seller.id(), state);
    }

    private FullHttpResponse auction(ChannelHandlerContext ctx, BidRequest request, String sellerId,
                                     ThreadState state) {
        long now = runtime.nowEpochSeconds();
        String currency = state.writer.responseCurrency(request);
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
        long auctionId = result.count() == 0 ? 0 : runtime.auctionIds().next();
        logAuction(request, sellerId, result, auctionId, now);
        if (result.count() == 0) {
            metrics.noBid(noBidLabel(result.noBidReason()));
            return HttpResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT);
        }
        boolean isTest = request.test != null && request.test == 1;
        if (!recordCommitments(request, result, auctionId, isTest, now)) {
            metrics.noBid("commitments_full");
            return HttpResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT);
        }
        metrics.bids(result.count());
        // at most server.maxResponseBytes: a larger answer is not written and becomes a no-bid
        int length;
        try {
            length = state.writer.write(request, result, currency, sellerId, userHash, auctionId, now,
                    state.response, 0, maxResponseBytes);
        } catch (RuntimeException e) {
            if (!isTest) {
                releaseCommitments(request, result, AuctionIds.format(auctionId));
            }
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "cannot encode the bid response: " + e.getMessage(), null);
        }
        String tooLarge = length == BidResponseWriter.MARKUP_TOO_LONG ? "markup_too_long"
                : length == BidResponseWriter.RESPONSE_TOO_LARGE ? "response_too_large" : null;
        if (tooLarge != null) {
            if (!isTest) {
                releaseCommitments(request, result, AuctionIds.format(auctionId));
            }
            metrics.noBid(tooLarge);
            return HttpResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT);
        }
        ByteBuf content = ctx.alloc().buffer(length, length).writeBytes(state.response.byteArray(), 0, length);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                .set(HttpResponses.OPENRTB_VERSION_HEADER, HttpResponses.OPENRTB_VERSION);
        return response;
    }

    /**
     * Persists the commitments the engine reserved for the winners ({@code SpendLedger}), before the response
     * leaves, so that a restart still holds them; a test request's are cancelled (its notices charge nothing).
     * False, with every commitment of the auction taken back, when the commitment map is full: then no bid.
     */
    private boolean recordCommitments(BidRequest request, AuctionResult result, long auctionId, boolean isTest,
                                      long nowEpochSeconds) {
        SpendLedger ledger = runtime.spend();
        if (isTest) {
            for (int i = 0; i < result.count(); i++) {
                ledger.cancel(result.campaign(i), result.chargeMicros(i) / 1000L, nowEpochSeconds);
            }
            return true;
        }
        String id = AuctionIds.format(auctionId);
        for (int i = 0; i < result.count(); i++) {
            if (!ledger.recordCommitment(id, request.imp.get(result.impIndex(i)).id, result.campaign(i),
                    result.chargeMicros(i) / 1000L, nowEpochSeconds)) {
                for (int j = 0; j < result.count(); j++) {
                    if (j >= i || !ledger.release(id, request.imp.get(result.impIndex(j)).id)) {
                        ledger.cancel(result.campaign(j), result.chargeMicros(j) / 1000L, nowEpochSeconds);
                    }
                }
                return false;
            }
        }
        return true;
    }

    /** Releases the recorded commitments of an auction whose answer could not be sent. */
    private void releaseCommitments(BidRequest request, AuctionResult result, String auctionId) {
        for (int i = 0; i < result.count(); i++) {
            runtime.spend().release(auctionId, request.imp.get(result.impIndex(i)).id);
        }
    }

    /**
     * The auction outcome to the event log: request id, seller, bids, and Merlin's auction id and the first winner with its
     * price when there are bids.
     */
    private void logAuction(BidRequest request, String sellerId, AuctionResult result, long auctionId,
                            long nowEpochSeconds) {
        EventLog log = runtime.events();
        EventWriter event = log.begin(EventType.AUCTION, nowEpochSeconds * 1000L)
                .put("rid", request.id)
                .put("s", sellerId)
                .put("bids", result.count());
        if (result.count() > 0) {
            event.put("a", auctionId).put("c", result.campaign(0).id()).put("price", result.priceMicros(0));
        }
        log.commit(event);
    }

    private static String noBidLabel(int reason) {
        switch (reason) {
            case AuctionResult.NO_ELIGIBLE: return "no_eligible";
            case AuctionResult.UNKNOWN_CURRENCY: return "unknown_currency";
            case AuctionResult.NO_SECURE_URL: return "no_secure_url";
            default: return "no_candidates";
        }
    }
}
