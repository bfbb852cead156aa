package dev.merlin.exchange.bid;

import dev.merlin.protocol.JsonText;
import dev.merlin.exchange.auction.AuctionResult;
import dev.merlin.exchange.auction.AuctionEngine;
import dev.merlin.exchange.auction.ExternalBids;
import dev.merlin.exchange.privacy.PrivacyDecision;
import dev.merlin.exchange.segments.SegmentSet;
import dev.merlin.protocol.model.BidRequest;
import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bid request in flight on {@link BidPath}: the decoded request, the user's segments, its time budget, the DSPs'
 * bids, the auction result and the answer being written. Taken from its thread's pool when the request arrives and
 * given back once its {@link BidCompletion} has run, so that an event loop with several auctions waiting holds one
 * context each and a context is never shared by two requests at once. Confined to the thread that took it.
 */
public final class BidContext implements BidAnswer {

    private static final Logger LOG = LoggerFactory.getLogger(BidContext.class);

    private static final int IDLE = 0;
    private static final int STARTED = 1;
    private static final int IN_AUCTION = 2;

    final BidContextPool pool;
    /** The engine over the catalogue this request started on. */
    AuctionEngine engine;
    final SegmentSet segments = new SegmentSet();
    final AuctionResult result;
    /** The DSPs' validated bids the auction stage adds; emptied when the request starts and when it is answered. */
    final ExternalBids externalBids = new ExternalBids(8);
    final ExpandableArrayBuffer answer;
    /** The model every request on this context decodes into: reset, not reallocated. */
    final BidRequest model = new BidRequest();
    /** The longest body decoded into {@link #model}: its pool keeps the objects that body needed. */
    int largestBody;
    /** The decoded request: {@link #model} once it decoded, else null. */
    BidRequest request;
    String sellerId;
    PrivacyDecision privacy;
    String currency;
    long nowEpochSeconds;
    long startNanos;
    /** The end of the last stage timed ({@code metrics.StageLatency}), nano clock. */
    long stageNanos;
    /** How long the auction stage waited for DSPs, nanoseconds; 0 when it called none. */
    long dspWaitNanos;
    long deadlineNanos;
    long userHash;
    /** Merlin's key for the user ({@code auction.UserKeys}); null when none, or personal data may not be used. */
    String userKey;
    /** The user's arm in the rollout's holdout ({@code privacy.Holdout}): none, treatment or control. */
    int arm;
    long auctionId;
    Object attachment;
    BidCompletion<Object> completion;
    private int state = IDLE;
    private int status;
    private int bodyLength;
    private String reason;

    BidContext(BidContextPool pool, int maxImps) {
        this.pool = pool;
        this.result = new AuctionResult(maxImps);
        this.answer = new ExpandableArrayBuffer(4096);
    }

    /** The decoded bid request. */
    public BidRequest request() {
        return request;
    }

    /** The user's live segments; empty when personal data may not be used or the user is unknown. */
    public SegmentSet segments() {
        return segments;
    }

    /** Where the auction writes its winners. */
    public AuctionResult result() {
        return result;
    }

    /** The user's keyed hash, 0 when personal data may not be used. */
    public long userHash() {
        return userHash;
    }

    /** Merlin's key for the user; null when there is none or personal data may not be used. */
    public String userKey() {
        return userKey;
    }

    /** The request's time, read once when it arrived: seconds since the epoch. */
    public long nowEpochSeconds() {
        return nowEpochSeconds;
    }

    /** The authenticated seller's id. */
    public String sellerId() {
        return sellerId;
    }

    /** Merlin's privacy decision for the request: whether personal data may be used, and if not, why. */
    public PrivacyDecision privacy() {
        return privacy;
    }

    /** When the request arrived, {@link System#nanoTime()} scale: where its time budget starts. */
    public long startNanos() {
        return startNanos;
    }

    /**
     * When the answer must be written, {@link System#nanoTime()} scale: {@link #startNanos()} plus the request's
     * effective {@code tmax} less the response margin ({@code auction} config).
     */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    /**
     * The DSPs' bids for this request: the auction stage adds the validated ones ({@link ExternalBids#add()})
     * before {@link #runEngine()}, which decides each one's outcome. Empty when the request starts.
     */
    public ExternalBids externalBids() {
        return externalBids;
    }

    /**
     * Runs the auction of this request into {@link #result()} on this thread's engine: Merlin's campaigns and the
     * DSP bids in {@link #externalBids()}.
     */
    public void runEngine() {
        engine.run(request, sellerId, segments, userHash, nowEpochSeconds, externalBids, result);
    }

    /**
     * Continues the path after the auction stage (ids, event, commitments, answer, completion); exactly once per
     * request, on the thread that took the context.
     */
    public void resume() {
        if (state != IN_AUCTION) {
            throw new IllegalStateException("resumed a bid request that is not waiting for its auction");
        }
        state = STARTED;
        try {
            pool.path.afterAuction(this);
        } catch (RuntimeException e) {
            if (!isInUse()) {
                throw e;  // the answer went out; what failed came after it
            }
            LOG.error("the bid path failed after the auction of request {}", request == null ? null : request.id, e);
            answerError(BidAnswer.INTERNAL_ERROR, "internal_error", "the bid request could not be answered", null);
            BidPath.complete(this);
        } catch (Error e) {
            if (isInUse()) {
                pool.release(this);
            }
            throw e;
        }
    }

    /**
     * Answers {@code 500} instead of resuming, for an auction stage whose own work failed unexpectedly after it took
     * the request (it must then neither resume nor fail again): the request is answered, never left waiting.
     */
    public void fail(RuntimeException cause) {
        if (state != IN_AUCTION) {
            throw new IllegalStateException("failed a bid request that is not waiting for its auction", cause);
        }
        state = STARTED;
        LOG.error("the auction of request {} failed", request == null ? null : request.id, cause);
        answerError(BidAnswer.INTERNAL_ERROR, "internal_error", "the bid request could not be answered", null);
        BidPath.complete(this);
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public DirectBuffer body() {
        return answer;
    }

    @Override
    public int bodyLength() {
        return bodyLength;
    }

    @Override
    public long auctionId() {
        return status == OK ? auctionId : 0;
    }

    @Override
    public String reason() {
        return reason;
    }

    void start(String sellerId, long arrivalNanos, Object attachment, BidCompletion<Object> completion) {
        if (state != IDLE) {
            throw new IllegalStateException("a bid context is already in use");
        }
        state = STARTED;
        this.sellerId = sellerId;
        this.startNanos = arrivalNanos;
        this.stageNanos = arrivalNanos;
        this.dspWaitNanos = 0;
        this.deadlineNanos = arrivalNanos;
        this.attachment = attachment;
        this.completion = completion;
        this.request = null;
        this.currency = null;
        this.userHash = 0;
        this.userKey = null;
        this.arm = 0;
        this.auctionId = 0;
        this.status = 0;
        this.bodyLength = 0;
        this.reason = null;
        segments.clear();
        externalBids.clear();
    }

    /** Tells the path how long the auction stage waited for DSPs' answers, so its own time excludes the wait. */
    public void dspWaited(long nanos) {
        this.dspWaitNanos = nanos;
    }

    void enterAuction() {
        state = IN_AUCTION;
    }

    boolean isInUse() {
        return state != IDLE;
    }

    /**
     * True when this context holds more memory than a typical request needs: it decoded a body over
     * {@code bytes}, or its answer buffer grew past that.
     */
    boolean isLarge(int bytes) {
        return largestBody > bytes || answer.capacity() > bytes;
    }

    /** Forgets the request's objects so a pooled context holds nothing of it. */
    void clear() {
        state = IDLE;
        request = null;
        sellerId = null;
        privacy = null;
        currency = null;
        attachment = null;
        completion = null;
        reason = null;
        engine = null;
        externalBids.clear();
    }

    void answerEmpty(int status, String reason) {
        this.status = status;
        this.reason = reason;
        this.bodyLength = 0;
    }

    void answerBody(int status, int length) {
        this.status = status;
        this.reason = null;
        this.bodyLength = length;
    }

    /** Writes {@code {"error": message, "path": path}} (no path when null) as the answer. */
    void answerError(int status, String reason, String message, String path) {
        byte[] bytes = JsonText.error(message, path).getBytes(StandardCharsets.UTF_8);
        answer.putBytes(0, bytes);
        this.status = status;
        this.reason = reason;
        this.bodyLength = bytes.length;
    }
}
