package dev.merlin.exchange.bid;

import dev.merlin.config.AuctionConfig;
import dev.merlin.exchange.auction.AuctionEngine;
import dev.merlin.exchange.auction.AuctionIds;
import dev.merlin.exchange.auction.AuctionResult;
import dev.merlin.exchange.auction.BidResponseWriter;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.CatalogSource;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.ExternalBid;
import dev.merlin.exchange.auction.FrequencyStore;
import dev.merlin.exchange.auction.NoticeUrls;
import dev.merlin.exchange.auction.PriceCrypto;
import dev.merlin.exchange.auction.SpendLedger;
import dev.merlin.exchange.privacy.UserHash;
import dev.merlin.exchange.auction.UserKeys;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventType;
import dev.merlin.exchange.events.EventWriter;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.metrics.StageLatency;
import dev.merlin.exchange.privacy.ConsentGate;
import dev.merlin.exchange.privacy.Holdout;
import dev.merlin.exchange.privacy.OutboundRules;
import dev.merlin.exchange.privacy.PrivacyDecision;
import dev.merlin.exchange.privacy.RolloutStats;
import dev.merlin.exchange.segments.SegmentStore;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.DecodeLimits;
import dev.merlin.protocol.InvalidRequestException;
import dev.merlin.protocol.model.BidRequest;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The one bid path: body bytes and the authenticated seller in, the answer (status, encoded body, no-bid reason)
 * out through a {@link BidCompletion}. In order: decode and validate → the answer's currency → the privacy decision
 * (consent and Merlin's own opt-out, in the {@link ConsentGate}) → the user's segments → the {@link AuctionStage} →
 * Merlin's auction id → the AUCTION event → the winners' commitments (a campaign's in the {@link SpendLedger}, a
 * DSP's with the {@link ExternalWinRecorder}) → the encoded response, whose campaign wins count against the user's
 * frequency caps ({@link FrequencyStore}) as it leaves.
 *
 * <p>No transport here: the HTTP endpoint and the whole-path benchmark both call {@link #handle}. A stage may finish
 * later (the auction waiting for DSPs on the same event loop): the per-request state lives in a {@link BidContext}
 * from the calling thread's pool, and the completion runs exactly once, when the answer is written. Today every stage
 * finishes at once and the completion runs before {@code handle} returns.
 */
public final class BidPath {

    private final DecodeLimits decodeLimits;
    private final int maxImps;
    private final int maxResponseBytes;
    private final CatalogSource catalog;
    private final Currencies currencies;
    private final double takeRate;
    private final NoticeUrls noticeUrls;
    private final int maxMarkupLength;
    private final SpendLedger spend;
    private final FrequencyStore frequency;
    private final ConsentGate consent;
    private final SegmentStore segmentStore;
    private final UserHash userHashing;
    private final AuctionIds auctionIds;
    private final EventLog events;
    private final ExchangeMetrics metrics;
    private final LongSupplier epochSecondsClock;
    private final LongSupplier nanoClock;
    private final AuctionConfig timing;
    private final AuctionStage auctionStage;
    private final ExternalWinRecorder externalWins;
    private final PriceCrypto[] priceKeysByDsp;
    private final RolloutStats rollout;
    private final ThreadLocal<BidContextPool> pools;

    private BidPath(Builder b) {
        this.decodeLimits = Objects.requireNonNull(b.decodeLimits, "decodeLimits");
        this.maxImps = b.decodeLimits.maxImps();
        this.maxResponseBytes = b.maxResponseBytes;
        this.catalog = Objects.requireNonNull(b.catalog, "catalog");
        this.currencies = Objects.requireNonNull(b.currencies, "currencies");
        this.takeRate = b.takeRate;
        this.noticeUrls = Objects.requireNonNull(b.noticeUrls, "noticeUrls");
        this.maxMarkupLength = b.maxMarkupLength;
        this.spend = Objects.requireNonNull(b.spend, "spend");
        this.frequency = Objects.requireNonNull(b.frequency, "frequency");
        this.consent = Objects.requireNonNull(b.consent, "consent");
        this.segmentStore = Objects.requireNonNull(b.segments, "segments");
        this.userHashing = Objects.requireNonNull(b.userHash, "userHash");
        this.auctionIds = Objects.requireNonNull(b.auctionIds, "auctionIds");
        this.events = Objects.requireNonNull(b.events, "events");
        this.metrics = Objects.requireNonNull(b.metrics, "metrics");
        this.epochSecondsClock = Objects.requireNonNull(b.epochSecondsClock, "epochSecondsClock");
        this.nanoClock = Objects.requireNonNull(b.nanoClock, "nanoClock");
        this.timing = Objects.requireNonNull(b.timing, "auctionTiming");
        this.auctionStage = Objects.requireNonNull(b.auctionStage, "auctionStage");
        this.externalWins = Objects.requireNonNull(b.externalWins, "externalWins");
        this.priceKeysByDsp = Objects.requireNonNull(b.priceKeysByDsp, "dspPriceKeys").clone();
        this.rollout = b.rollout;
        if (maxResponseBytes <= 0) {
            throw new IllegalArgumentException("maxResponseBytes must be positive, was " + maxResponseBytes);
        }
        this.pools = ThreadLocal.withInitial(this::newPool);
    }

    /** A builder naming each collaborator of the path. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Answers one bid request that arrives now (the path's nano clock). The body is read before this returns (the
     * caller may reuse it then); the completion runs exactly once on this thread, now or when a later stage
     * finishes. An unexpected failure of a store throws from here (or from whoever finishes the stage) and the
     * completion does not run.
     *
     * @param body       the request body, {@code length} bytes from {@code offset}
     * @param sellerId   the authenticated seller's id
     * @param attachment handed back to {@code completion} with the answer
     */
    public <A> void handle(byte[] body, int offset, int length, String sellerId, A attachment,
                           BidCompletion<A> completion) {
        handle(body, offset, length, sellerId, nanoClock.getAsLong(), attachment, completion);
    }

    /**
     * Answers one bid request that arrived at {@code arrivalNanos} ({@link System#nanoTime()} scale, as the path's
     * nano clock reads): its time budget ({@link BidContext#deadlineNanos()}) counts from then. Otherwise as
     * {@link #handle(byte[], int, int, String, Object, BidCompletion)}.
     */
    @SuppressWarnings("unchecked")
    public <A> void handle(byte[] body, int offset, int length, String sellerId, long arrivalNanos, A attachment,
                           BidCompletion<A> completion) {
        BidContextPool pool = pools.get();
        BidContext context = pool.acquire();
        context.start(sellerId, arrivalNanos, attachment, (BidCompletion<Object>) completion);
        // the catalogue is read once per request: the auction finishes on it, however late its DSPs answer
        context.engine = pool.engineFor(catalog.current());
        context.stageNanos = nanoClock.getAsLong();
        try {
            if (decode(pool, context, body, offset, length) && beforeAuction(pool, context)) {
                context.enterAuction();
                auctionStage.run(context);
            }
        } catch (RuntimeException | Error e) {
            if (context.isInUse()) {
                pool.release(context);
            }
            throw e;
        }
    }

    private boolean decode(BidContextPool pool, BidContext context, byte[] body, int offset, int length) {
        context.largestBody = Math.max(context.largestBody, length);
        try {
            pool.decoder.decode(body, offset, length, context.model);
            context.request = context.model;
        } catch (InvalidRequestException e) {
            metrics.bidRequestRejected(e.reason());
            context.answerError(BidAnswer.BAD_REQUEST, e.reason().label(), e.getMessage(), e.path());
            complete(context);
            return false;
        }
        metrics.bidRequestAccepted();
        mark(context, StageLatency.Stage.DECODE);
        return true;
    }

    /** Clock, time budget, currency, privacy and segments; false when the request is already answered (no-bid). */
    private boolean beforeAuction(BidContextPool pool, BidContext context) {
        long now = epochSecondsClock.getAsLong();
        context.nowEpochSeconds = now;
        BidRequest request = context.request;
        long budgetMillis = timing.effectiveTmaxMs(request.tmax) - timing.responseMarginMs();
        context.deadlineNanos = context.startNanos + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
        context.currency = pool.writer.responseCurrency(request);
        if (context.currency == null) {
            noBid(context, "unknown_currency");
            return false;
        }
        String userKey = UserKeys.select(request);
        PrivacyDecision privacy = consent.decide(request, userKey);
        context.privacy = privacy;
        context.arm = consent.arm(request, userKey, privacy);
        mark(context, StageLatency.Stage.PRIVACY);
        if (!privacy.mayUsePersonalData()) {
            metrics.contextualOnly(privacy.reason());
            userKey = null;
        }
        context.segments.clear();
        if (userKey != null) {
            segmentStore.read(userKey, now, context.segments);
        }
        context.userHash = userHashing.hash(userKey);
        context.userKey = userKey;
        mark(context, StageLatency.Stage.SEGMENTS);
        return true;
    }

    /** The rest of the path once the auction stage has its result; {@link BidContext#resume()} calls it. */
    void afterAuction(BidContext context) {
        long auctionEnd = nanoClock.getAsLong();
        StageLatency.Writer stages = context.pool.stages;
        stages.record(StageLatency.Stage.AUCTION, auctionEnd - context.stageNanos - context.dspWaitNanos);
        if (context.dspWaitNanos > 0) {
            stages.record(StageLatency.Stage.DSP_WAIT, context.dspWaitNanos);
        }
        context.stageNanos = auctionEnd;
        BidRequest request = context.request;
        AuctionResult result = context.result;
        long now = context.nowEpochSeconds;
        context.auctionId = result.count() == 0 ? 0 : auctionIds.next();
        logAuction(context);
        if (context.arm != Holdout.NO_ARM) {
            long charges = charges(result);
            metrics.rolloutAuction(context.arm, result.count(), charges);
            if (rollout != null) {
                rollout.add(Math.floorDiv(now, 86_400L), context.arm, Holdout.country(request), result.count(),
                        charges);
            }
        }
        if (result.count() == 0) {
            noBid(context, noBidLabel(result.noBidReason()));
            return;
        }
        boolean isTest = request.test != null && request.test == 1;
        if (!recordCommitments(request, result, context.auctionId, isTest, now)) {
            noBid(context, "commitments_full");
            return;
        }
        metrics.bids(result.count());
        mark(context, StageLatency.Stage.RECORD);
        encode(context, isTest);
    }

    private static long charges(AuctionResult result) {
        long micros = 0;
        for (int i = 0; i < result.count(); i++) {
            micros += result.chargeMicros(i);
        }
        return micros;
    }

    /** Writes the bids into the context's answer; an answer that cannot be sent takes its commitments back. */
    private void encode(BidContext context, boolean isTest) {
        BidRequest request = context.request;
        AuctionResult result = context.result;
        int length;
        try {
            length = context.pool.writer.write(request, result, context.currency, context.sellerId,
                    context.userHash, context.auctionId, context.nowEpochSeconds, context.answer, 0,
                    maxResponseBytes);
        } catch (RuntimeException e) {
            if (!isTest) {
                releaseCommitments(request, result, context.auctionId);
            }
            context.answerError(BidAnswer.INTERNAL_ERROR, "encoding_failed",
                    "cannot encode the bid response: " + e.getMessage(), null);
            complete(context);
            return;
        }
        if (length < 0) {
            if (!isTest) {
                releaseCommitments(request, result, context.auctionId);
            }
            noBid(context, length == BidResponseWriter.MARKUP_TOO_LONG ? "markup_too_long" : "response_too_large");
            return;
        }
        if (!isTest) {
            if (context.pool.writer.droppedCount() > 0) {
                releaseDropped(request, result, context.auctionId, context.pool.writer);
            }
            countFrequency(result, context.userHash, context.nowEpochSeconds);
        }
        mark(context, StageLatency.Stage.ENCODE);
        context.answerBody(BidAnswer.OK, length);
        complete(context);
    }

    /**
     * Counts each campaign's win in the answer against the user's frequency cap as the answer leaves (its commitment
     * is recorded), so that the user's next auction sees it before any notice comes back: a notice counts nothing
     * again. Not for a test request, nor without a user hash (no user, or one whose data may not be used).
     */
    private void countFrequency(AuctionResult result, long userHash, long nowEpochSeconds) {
        if (userHash == 0) {
            return;
        }
        for (int i = 0; i < result.count(); i++) {
            if (result.external(i) == null) {
                frequency.record(userHash, result.campaign(i), nowEpochSeconds);
            }
        }
    }

    /** Takes back the wins of the DSP bids the writer left out of the answer (their markup was too long). */
    private void releaseDropped(BidRequest request, AuctionResult result, long auctionId, BidResponseWriter writer) {
        for (int i = 0; i < result.count(); i++) {
            if (writer.isDropped(i)) {
                externalWins.release(auctionId, request.imp.get(result.impIndex(i)).id);
            }
        }
    }

    private void noBid(BidContext context, String reason) {
        metrics.noBid(reason);
        context.answerEmpty(BidAnswer.NO_CONTENT, reason);
        complete(context);
    }

    /** Times {@code stage} as ending now, on this thread's stage timers; the next stage starts now. */
    private void mark(BidContext context, StageLatency.Stage stage) {
        long now = nanoClock.getAsLong();
        context.pool.stages.record(stage, now - context.stageNanos);
        context.stageNanos = now;
    }

    /** Hands the answer to the caller, then gives the context back to its pool. */
    static void complete(BidContext context) {
        try {
            context.completion.complete(context, context.attachment);
        } finally {
            context.pool.release(context);
        }
    }

    /**
     * Persists the commitments the engine reserved for the campaigns that won ({@code SpendLedger}) and records the
     * DSPs' wins ({@link ExternalWinRecorder}), before the response leaves, so that a restart still holds them; a
     * test request's are cancelled and its DSP wins not recorded (its notices charge nothing). False, with every
     * commitment and win of the auction taken back, when either has no room: then no bid.
     */
    private boolean recordCommitments(BidRequest request, AuctionResult result, long auctionId, boolean isTest,
                                      long nowEpochSeconds) {
        if (isTest) {
            for (int i = 0; i < result.count(); i++) {
                if (result.external(i) == null) {
                    spend.cancel(result.campaign(i), result.chargeMicros(i) / 1000L, nowEpochSeconds);
                }
            }
            return true;
        }
        for (int i = 0; i < result.count(); i++) {
            String impId = request.imp.get(result.impIndex(i)).id;
            ExternalBid external = result.external(i);
            boolean isRecorded = external == null
                    ? spend.recordCommitment(auctionId, impId, result.campaign(i), result.chargeMicros(i) / 1000L,
                            nowEpochSeconds)
                    : externalWins.record(auctionId, impId, external, result.chargeMicros(i), nowEpochSeconds);
            if (!isRecorded) {
                takeBack(request, result, auctionId, i, nowEpochSeconds);
                return false;
            }
        }
        return true;
    }

    /**
     * Takes back an auction's commitments when winner {@code failed}'s could not be recorded: those recorded before
     * it released, the campaigns' reservations from it on cancelled.
     */
    private void takeBack(BidRequest request, AuctionResult result, long auctionId, int failed,
                          long nowEpochSeconds) {
        for (int j = 0; j < result.count(); j++) {
            String impId = request.imp.get(result.impIndex(j)).id;
            if (result.external(j) != null) {
                if (j < failed) {
                    externalWins.release(auctionId, impId);
                }
            } else if (j >= failed || !spend.release(auctionId, impId)) {
                spend.cancel(result.campaign(j), result.chargeMicros(j) / 1000L, nowEpochSeconds);
            }
        }
    }

    /** Releases the recorded commitments and DSP wins of an auction whose answer could not be sent. */
    private void releaseCommitments(BidRequest request, AuctionResult result, long auctionId) {
        for (int i = 0; i < result.count(); i++) {
            String impId = request.imp.get(result.impIndex(i)).id;
            if (result.external(i) == null) {
                spend.release(auctionId, impId);
            } else {
                externalWins.release(auctionId, impId);
            }
        }
    }

    /**
     * The auction outcome to the event log: request id, seller, bids, and Merlin's auction id and the first winner
     * with its price when there are bids: its campaign ({@code c}) or, for a DSP, the DSP's id ({@code dsp}).
     */
    private void logAuction(BidContext context) {
        AuctionResult result = context.result;
        EventWriter event = events.begin(EventType.AUCTION, context.nowEpochSeconds * 1000L)
                .put("rid", context.request.id)
                .put("s", context.sellerId)
                .put("bids", result.count());
        if (context.arm != Holdout.NO_ARM) {
            event.put("arm", Holdout.label(context.arm));
            String country = OutboundRules.userCountry(context.request);
            if (country != null) {
                event.put("cc", country);
            }
        }
        if (result.count() > 0) {
            event.put("a", context.auctionId);
            if (result.external(0) == null) {
                event.put("c", result.campaign(0).id());
            } else {
                event.put("dsp", result.external(0).dspId);
            }
            event.put("price", result.priceMicros(0));
        }
        events.commit(event);
    }

    private static String noBidLabel(int reason) {
        switch (reason) {
            case AuctionResult.NO_ELIGIBLE: return "no_eligible";
            case AuctionResult.UNKNOWN_CURRENCY: return "unknown_currency";
            case AuctionResult.NO_SECURE_URL: return "no_secure_url";
            default: return "no_candidates";
        }
    }

    /** An engine over {@code campaigns} for the calling thread (once per thread and catalogue). */
    AuctionEngine newEngine(CampaignCatalog campaigns) {
        return new AuctionEngine(campaigns, currencies, takeRate, spend, frequency)
                .canLinkSecurely(noticeUrls.canLinkSecurely());
    }

    private BidContextPool newPool() {
        AuctionEngine engine = newEngine(catalog.current());
        BidResponseWriter writer = new BidResponseWriter(currencies, noticeUrls, maxMarkupLength, priceKeysByDsp);
        return new BidContextPool(this, new BidRequestDecoder(decodeLimits), engine, writer,
                metrics.stages().forThisThread(), maxImps);
    }

    /** This thread's pool; for tests. */
    BidContextPool pool() {
        return pools.get();
    }

    /** Names each collaborator of a {@link BidPath}; every one is required. */
    public static final class Builder {
        private DecodeLimits decodeLimits;
        private int maxResponseBytes;
        private CatalogSource catalog;
        private Currencies currencies;
        private double takeRate;
        private NoticeUrls noticeUrls;
        private int maxMarkupLength;
        private SpendLedger spend;
        private FrequencyStore frequency;
        private ConsentGate consent;
        private SegmentStore segments;
        private UserHash userHash;
        private AuctionIds auctionIds;
        private EventLog events;
        private ExchangeMetrics metrics;
        private LongSupplier epochSecondsClock;
        private LongSupplier nanoClock = System::nanoTime;
        private AuctionConfig timing = AuctionConfig.defaults();
        private AuctionStage auctionStage = AuctionStage.ENGINE;
        private ExternalWinRecorder externalWins = ExternalWinRecorder.NONE;
        private PriceCrypto[] priceKeysByDsp = {};
        private RolloutStats rollout;

        private Builder() {
        }

        /** Bounds on the decoded request (depth, imps, strings, ids). */
        public Builder decodeLimits(DecodeLimits limits) {
            this.decodeLimits = limits;
            return this;
        }

        /** {@code server.maxResponseBytes}: a larger answer becomes a no-bid. */
        public Builder maxResponseBytes(int maxBytes) {
            this.maxResponseBytes = maxBytes;
            return this;
        }

        /** The compiled campaigns, the currencies and the take rate. */
        public Builder campaigns(CatalogSource catalog, Currencies currencies, double takeRate) {
            this.catalog = catalog;
            this.currencies = currencies;
            this.takeRate = takeRate;
            return this;
        }

        /**
         * The signed notice and click links of the bids (whether secure imps can be linked follows from them) and
         * {@code server.maxMarkupLength}: a longer markup after substitution becomes a no-bid.
         */
        public Builder links(NoticeUrls urls, int maxMarkupLength) {
            this.noticeUrls = urls;
            this.maxMarkupLength = maxMarkupLength;
            return this;
        }

        /** Budgets, pacing and commitments. */
        public Builder spend(SpendLedger spend) {
            this.spend = spend;
            return this;
        }

        /** Frequency caps. */
        public Builder frequency(FrequencyStore frequency) {
            this.frequency = frequency;
            return this;
        }

        /** The privacy decision, opt-out included. */
        public Builder consent(ConsentGate consent) {
            this.consent = consent;
            return this;
        }

        /** Users' segments. */
        public Builder segments(SegmentStore segments) {
            this.segments = segments;
            return this;
        }

        /** The keyed user hash. */
        public Builder userHash(UserHash userHash) {
            this.userHash = userHash;
            return this;
        }

        /** Merlin's auction ids. */
        public Builder auctionIds(AuctionIds auctionIds) {
            this.auctionIds = auctionIds;
            return this;
        }

        /** Where the AUCTION event goes. */
        public Builder events(EventLog events) {
            this.events = events;
            return this;
        }

        /** The counters. */
        public Builder metrics(ExchangeMetrics metrics) {
            this.metrics = metrics;
            return this;
        }

        /** The clock, seconds since the epoch; read once per request. */
        public Builder clock(LongSupplier epochSecondsClock) {
            this.epochSecondsClock = epochSecondsClock;
            return this;
        }

        /**
         * The clock of requests' time budgets, {@link System#nanoTime()} scale (unless given): read once per request
         * that {@link BidPath#handle} is not told the arrival time of.
         */
        public Builder nanoClock(LongSupplier nanoClock) {
            this.nanoClock = nanoClock;
            return this;
        }

        /**
         * The {@code auction} config: a request's time budget ({@link BidContext#deadlineNanos()}) is its effective
         * {@code tmax} less the response margin; {@link AuctionConfig#defaults()} unless given.
         */
        public Builder auctionTiming(AuctionConfig timing) {
            this.timing = timing;
            return this;
        }

        /** Where DSPs' wins are recorded; {@link ExternalWinRecorder#NONE} unless given. */
        public Builder externalWins(ExternalWinRecorder recorder) {
            this.externalWins = recorder;
            return this;
        }

        /**
         * The price keys of each DSP, by its index ({@code ExternalBid.dsp}; null: none): its winning markup's
         * {@code ${AUCTION_PRICE}} is then encrypted. None unless given.
         */
        public Builder dspPriceKeys(PriceCrypto[] byDsp) {
            this.priceKeysByDsp = byDsp;
            return this;
        }

        /** The rollout's durable report by arm, counted for each auction in the trial; none unless given. */
        public Builder rollout(RolloutStats stats) {
            this.rollout = stats;
            return this;
        }

        /** The auction step; {@link AuctionStage#ENGINE} unless given. */
        public Builder auctionStage(AuctionStage stage) {
            this.auctionStage = stage;
            return this;
        }

        /** The path. */
        public BidPath build() {
            return new BidPath(this);
        }
    }
}
