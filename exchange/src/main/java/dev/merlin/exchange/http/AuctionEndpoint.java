package dev.merlin.exchange.http;

import dev.merlin.config.MerlinConfig;
import dev.merlin.config.RequestLimitsConfig;
import dev.merlin.config.SellerConfig;
import dev.merlin.exchange.auction.AuctionEngine;
import dev.merlin.exchange.auction.AuctionIds;
import dev.merlin.exchange.auction.AuctionResult;
import dev.merlin.exchange.auction.BidResponseBuilder;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.FrequencyStore;
import dev.merlin.exchange.auction.MarkupTooLongException;
import dev.merlin.exchange.auction.NoticeUrls;
import dev.merlin.exchange.auction.SpendLedger;
import dev.merlin.exchange.auction.UserKeys;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventType;
import dev.merlin.exchange.events.EventWriter;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.ConsentGate;
import dev.merlin.exchange.privacy.OptOutRegistry;
import dev.merlin.exchange.privacy.PrivacyDecision;
import dev.merlin.exchange.privacy.UserHash;
import dev.merlin.exchange.segments.SegmentSet;
import dev.merlin.exchange.segments.SegmentStore;
import dev.merlin.exchange.sellers.Sellers;
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
import java.util.function.LongSupplier;

/**
 * {@code POST /openrtb2/auction}: decode and validate straight from the body bytes, decide whether user data may
 * be used, read the user's segments, run the auction and answer 200 with the bids or 204 — all on the event loop,
 * with per-thread decoder, engine and result objects.
 */
public final class AuctionEndpoint {

    /** What one event-loop thread reuses from request to request. */
    private static final class ThreadState {
        final BidRequestDecoder decoder;
        final AuctionEngine engine;
        final SegmentSet segments = new SegmentSet();
        final AuctionResult result;
        byte[] body;

        ThreadState(AuctionEndpoint owner) {
            this.decoder = new BidRequestDecoder(owner.requests.toDecodeLimits());
            this.engine = new AuctionEngine(owner.catalog, owner.currencies, owner.takeRate, owner.spend,
                    owner.frequency).canLinkSecurely(owner.canLinkSecurely);
            this.result = new AuctionResult(owner.requests.maxImps());
            this.body = new byte[Math.min(owner.maxBodyBytes, 64 * 1024)];
        }
    }

    private final Sellers sellers;
    private final CampaignCatalog catalog;
    private final Currencies currencies;
    private final SpendLedger spend;
    private final FrequencyStore frequency;
    private final BidResponseBuilder responses;
    private final ConsentGate consent;
    private final OptOutRegistry optOuts;
    private final SegmentStore segmentStore;
    private final UserHash userHashing;
    private final AuctionIds auctionIds;
    private final EventLog eventLog;
    private final RequestLimitsConfig requests;
    private final double takeRate;
    private final boolean canLinkSecurely;
    private final int maxBodyBytes;
    private final LongSupplier epochSecondsClock;
    private final ExchangeMetrics metrics;
    private final BidResponseEncoder encoder = new BidResponseEncoder();
    private final FastThreadLocal<ThreadState> states;
    private final int maxResponseBytes;

    /** The bid endpoint, with the stores and services an auction reads and writes. */
    public AuctionEndpoint(Sellers sellers, CampaignCatalog catalog, Currencies currencies, SpendLedger spend,
                           FrequencyStore frequency, NoticeUrls noticeUrls, BidResponseBuilder responses,
                           ConsentGate consent, OptOutRegistry optOuts, SegmentStore segmentStore, UserHash userHash,
                           AuctionIds auctionIds, EventLog eventLog, MerlinConfig config, ExchangeMetrics metrics,
                           LongSupplier epochSecondsClock) {
        this.sellers = sellers;
        this.catalog = catalog;
        this.currencies = currencies;
        this.spend = spend;
        this.frequency = frequency;
        this.responses = responses;
        this.consent = consent;
        this.optOuts = optOuts;
        this.segmentStore = segmentStore;
        this.userHashing = userHash;
        this.auctionIds = auctionIds;
        this.eventLog = eventLog;
        this.requests = config.requests();
        this.takeRate = config.exchange().takeRate();
        this.canLinkSecurely = noticeUrls.canLinkSecurely();
        this.maxBodyBytes = config.server().maxBodyBytes();
        this.maxResponseBytes = config.server().maxResponseBytes();
        this.metrics = metrics;
        this.epochSecondsClock = epochSecondsClock;
        this.states = new FastThreadLocal<>() {
            @Override
            protected ThreadState initialValue() {
                return new ThreadState(AuctionEndpoint.this);
            }
        };
    }

    FullHttpResponse handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        // the seller gate refused strangers before their body was read; this resolves who it was
        SellerConfig seller = SellerGate.seller(sellers, request.headers(), ctx.channel().remoteAddress());
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
        long now = epochSecondsClock.getAsLong();
        String currency = responses.responseCurrency(request);
        if (currency == null) {
            metrics.noBid("unknown_currency");
            return HttpResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT);
        }
        PrivacyDecision privacy = consent.decide(request);
        String userKey = null;
        if (privacy.mayUsePersonalData()) {
            userKey = UserKeys.select(request);
            if (optOuts.contains(userKey)) {
                privacy = consent.decide(request, true);
                userKey = null;
            }
        }
        if (!privacy.mayUsePersonalData()) {
            metrics.contextualOnly(privacy.reason());
        }
        SegmentSet segments = state.segments;
        segments.clear();
        if (userKey != null) {
            segmentStore.read(userKey, now, segments);
        }
        long userHash = userHashing.hash(userKey);
        AuctionResult result = state.result;
        state.engine.run(request, segments, userHash, now, result);
        long auctionId = result.count() == 0 ? 0 : auctionIds.next();
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
        // the buffer cannot grow past server.maxResponseBytes: a larger answer fails to encode and becomes a no-bid
        ByteBuf content = ctx.alloc().buffer(1024, maxResponseBytes);
        String tooLarge = null;
        try (ByteBufOutputStream out = new ByteBufOutputStream(content)) {
            encoder.encode(responses.build(request, result, currency, sellerId, userHash, auctionId, now),
                    out);
        } catch (MarkupTooLongException e) {
            tooLarge = "markup_too_long";
        } catch (IndexOutOfBoundsException e) {
            tooLarge = "response_too_large"; // the content buffer reached its maximum capacity
        } catch (IOException | RuntimeException e) {
            content.release();
            if (!isTest) {
                releaseCommitments(request, result, AuctionIds.format(auctionId));
            }
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "cannot encode the bid response: " + e.getMessage(), null);
        }
        if (tooLarge != null) {
            content.release();
            if (!isTest) {
                releaseCommitments(request, result, AuctionIds.format(auctionId));
            }
            metrics.noBid(tooLarge);
            return HttpResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT);
        }
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
        SpendLedger ledger = spend;
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
            spend.release(auctionId, request.imp.get(result.impIndex(i)).id);
        }
    }

    /**
     * The auction outcome to the event log: request id, seller, bids, and Merlin's auction id and the first winner with its
     * price when there are bids.
     */
    private void logAuction(BidRequest request, String sellerId, AuctionResult result, long auctionId,
                            long nowEpochSeconds) {
        EventLog log = eventLog;
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
