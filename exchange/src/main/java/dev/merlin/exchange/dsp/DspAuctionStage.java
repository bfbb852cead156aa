package dev.merlin.exchange.dsp;

import dev.merlin.config.AuctionConfig;
import dev.merlin.config.SellerConfig;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.ExternalBid;
import dev.merlin.exchange.auction.ExternalBids;
import dev.merlin.exchange.bid.AuctionStage;
import dev.merlin.exchange.bid.BidContext;
import dev.merlin.exchange.flows.FlowCategories;
import dev.merlin.exchange.flows.FlowRecorder;
import dev.merlin.exchange.privacy.OutboundPolicy;
import dev.merlin.exchange.privacy.OutboundRules;
import dev.merlin.exchange.privacy.OutboundUser;
import dev.merlin.protocol.BidResponseDecoder;
import dev.merlin.protocol.BidResponseLimits;
import dev.merlin.protocol.InvalidBidResponseException;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.BidResponse;
import dev.merlin.protocol.model.Imp;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exchange auction: sends the request to each DSP that wants it and has time for it, waits for their answers on
 * the request's own event loop without blocking it, validates their bids, then runs one auction in which they and
 * Merlin's campaigns compete, and resumes the bid path.
 *
 * <p>Time: the request's budget is its {@code tmax} ({@code auction.*} default and bounds) from when it arrived,
 * minus {@code auction.responseMarginMs} for the answer to reach the seller. Each DSP gets what is left minus
 * {@code auction.dspMarginMs}, at most its {@code timeoutMs}, and is told that as its {@code tmax}; a DSP with less
 * than {@code auction.minDspTimeMs} left, or whose recent p95 exceeds it ({@link DspHealth}), is not called. Every
 * call ends by its own deadline ({@link DspHttpClient}); a timer at the auction's deadline finishes the auction
 * even so, and an answer after it is dropped and counted.
 *
 * <p>Off an event loop (the whole-path benchmark, tests without Netty) no DSP is called: Merlin's campaigns bid
 * alone, as with no DSPs configured.
 */
public final class DspAuctionStage implements AuctionStage, DspCallback {

    private static final Logger LOG = LoggerFactory.getLogger(DspAuctionStage.class);
    private static final long NANOS_PER_MS = 1_000_000L;
    /** Free fan-outs kept per event loop; more in flight at once are made and dropped. */
    private static final int KEPT_FANOUTS = 64;

    private final ConnectedDsp[] dsps;
    private final AuctionConfig auction;
    private final Map<String, SellerConfig> sellers;
    private final Currencies currencies;
    private final DspLossNotices losses;
    private final DspStageMetrics metrics;
    private final OutboundShaping shaping;
    private final FlowRecorder flows;
    private final FastThreadLocal<LoopState> states = new FastThreadLocal<>() {
        @Override
        protected LoopState initialValue() {
            return new LoopState();
        }
    };

    /**
     * The stage over {@code dsps}.
     *
     * @param sellers    the configured sellers by id (their node in the supply chain)
     * @param currencies floor and bid conversion
     * @param losses     where losing bids' {@code lurl}s go
     * @param shaping    whether each DSP is called and what of the user's data its request carries
     * @param flows      told each request that left (every call but one that could not connect) and its user's
     *                   recipients (every DSP it was sent to)
     */
    public DspAuctionStage(List<ConnectedDsp> dsps, AuctionConfig auction, Map<String, SellerConfig> sellers,
                           Currencies currencies, DspLossNotices losses, DspStageMetrics metrics,
                           OutboundShaping shaping, FlowRecorder flows) {
        this.flows = flows;
        this.dsps = dsps.toArray(new ConnectedDsp[0]);
        this.auction = auction;
        this.sellers = Map.copyOf(sellers);
        this.currencies = currencies;
        this.losses = losses;
        this.metrics = metrics;
        this.shaping = shaping;
    }

    @Override
    public void run(BidContext context) {
        EventExecutor executor = ThreadExecutorMap.currentExecutor();
        if (dsps.length == 0 || !(executor instanceof EventLoop loop)) {
            context.runEngine();
            context.resume();
            return;
        }
        LoopState state = states.get();
        long now = System.nanoTime();
        long deadline = context.deadlineNanos();
        Fanout fanout = state.take(context, deadline);
        SellerConfig seller = sellers.get(context.sellerId());
        Arrays.fill(state.flowCategories, 0);
        for (ConnectedDsp dsp : dsps) {
            if (dsp.config().enabled()) {
                try {
                    call(state, loop, fanout, dsp, seller, now);
                } catch (RuntimeException e) {
                    LOG.warn("DSP {}: the request could not be sent", dsp.id(), e);
                    metrics.unreadable(dsp.index());
                }
            }
        }
        flows.recipients(context.userHash(), context.nowEpochSeconds(), state.flowCategories);
        fanout.sentNanos = System.nanoTime();
        if (fanout.pending == 0) {
            state.give(fanout);
            long start = context.startNanos();
            context.runEngine();
            context.resume();
            metrics.own(System.nanoTime() - start);
            return;
        }
        fanout.timer = loop.schedule(fanout, deadline - fanout.sentNanos, TimeUnit.NANOSECONDS);
    }

    private void call(LoopState state, EventLoop loop, Fanout fanout, ConnectedDsp dsp, SellerConfig seller,
                      long now) {
        BidContext context = fanout.context;
        int verdict = dsp.targeting().check(context.request(), context.sellerId());
        if (verdict != DspTargeting.WANTED) {
            metrics.notWanted(dsp.index(), verdict);
            return;
        }
        int allowed = shaping.rules().verdict(context.privacy(), context.request(), dsp.index());
        if (allowed != OutboundRules.CALL) {
            metrics.notAllowed(dsp.index(), allowed);
            return;
        }
        long budget = Math.min(fanout.deadlineNanos - now - auction.dspMarginMs() * NANOS_PER_MS,
                dsp.config().timeoutMs() * NANOS_PER_MS);
        if (budget < auction.minDspTimeMs() * NANOS_PER_MS) {
            metrics.noTime(dsp.index());
            return;
        }
        if (dsp.health().admit(now, budget / 1000L) != Admission.SEND) {
            return;
        }
        ByteBuf body = ByteBufAllocator.DEFAULT.ioBuffer(2048);
        boolean isWritten = false;
        try {
            OutboundPolicy policy = shaping.rules().policy(context.privacy(), context.request(), dsp.index());
            OutboundUser merlin = state.merlinUser.clear();
            if (policy.sharesIdentifiers() && context.userKey() != null) {
                merlin.pairwiseId(shaping.pairwiseIds(), dsp.id(), context.userKey());
                merlin.buyerUid(shaping.buyerUids().buyerUid(context.userHash(), dsp.index(),
                        context.nowEpochSeconds()));
            }
            if (policy.sharesAudienceData()) {
                merlin.segments(context.segments(), shaping.census(), shaping.minSegmentUsers());
            }
            isWritten = state.writer.write(context.request(), seller, policy, merlin, dsp.config(),
                    (int) (budget / NANOS_PER_MS), body) == OutboundRequestWriter.Outcome.WRITTEN;
        } finally {
            if (!isWritten) {
                body.release();
            }
        }
        if (!isWritten) {
            metrics.notWanted(dsp.index(), DspTargeting.NOT_MEDIA_TYPE);
            return;
        }
        Slot slot = fanout.slots[dsp.index()];
        markImpsSent(state.writer, slot, dsp, context.request());
        fanout.pending++;
        if (!dsp.client().send(loop, body, context.request().id, now + budget, this, slot)) {
            fanout.pending--;
            return;
        }
        slot.flowCategories = state.writer.categoriesWritten();
        slot.flowRegion = FlowCategories.userRegion(context.request());
        slot.flowEpochSeconds = context.nowEpochSeconds();
        state.flowCategories[dsp.index()] = slot.flowCategories;
    }

    /** The imps the writer put in the DSP's request: a bid for any other is refused. */
    private static void markImpsSent(OutboundRequestWriter writer, Slot slot, ConnectedDsp dsp, BidRequest request) {
        List<Imp> imps = request.imp;
        int words = (imps.size() + 63) >>> 6;
        if (slot.impsSent.length < words) {
            slot.impsSent = new long[words];
        }
        for (int w = 0; w < words; w++) {
            slot.impsSent[w] = 0;
        }
        for (int i = 0; i < imps.size(); i++) {
            if (writer.sendsImp(imps.get(i), dsp.config())) {
                slot.impsSent[i >>> 6] |= 1L << i;
            }
        }
    }

    /** A DSP call ended, on the loop it was sent from. */
    @Override
    public Echo onAnswer(Object attachment, int status, ByteBuf body, DspOutcome outcome, long latencyNanos) {
        Slot slot = (Slot) attachment;
        Fanout fanout = slot.owner;
        ConnectedDsp dsp = dsps[slot.dsp];
        if (outcome != DspOutcome.CONNECT_FAILED) {
            // the request left Merlin (a call that could not connect sent nothing): the ledger counts it now
            flows.bidRequest(slot.dsp, slot.flowRegion, slot.flowCategories, slot.flowEpochSeconds);
        }
        Echo echo = Echo.UNREAD;
        try {
            if (fanout.isFinished) {
                if (outcome.isAnswer()) {
                    metrics.late(slot.dsp);
                }
            } else if (outcome == DspOutcome.OK && body != null) {
                echo = takeBids(fanout, slot, dsp, body);
            } else if (outcome == DspOutcome.NO_BID) {
                dsp.metrics().noBid();
            }
        } catch (RuntimeException e) {
            LOG.warn("DSP {}: its answer could not be taken", dsp.id(), e);
            metrics.unreadable(slot.dsp);
        } finally {
            if (body != null) {
                body.release();
            }
            fanout.pending--;
        }
        if (!fanout.isFinished && fanout.pending == 0) {
            finish(fanout);
        } else if (fanout.isFinished && fanout.pending == 0) {
            states.get().give(fanout);
        }
        return echo;
    }

    /** Decodes and validates the answer into the auction's bids; whether it echoed the request's id. */
    private Echo takeBids(Fanout fanout, Slot slot, ConnectedDsp dsp, ByteBuf body) {
        LoopState state = states.get();
        int length = body.readableBytes();
        byte[] bytes = state.bytes(length);
        body.getBytes(body.readerIndex(), bytes, 0, length);
        BidContext context = fanout.context;
        try {
            state.decoder.decode(bytes, 0, length, slot.answer);
        } catch (InvalidBidResponseException e) {
            metrics.badAnswer(slot.dsp, e.reason().label());
            return Echo.UNREAD;
        }
        BidRequest request = context.request();
        int accepted = state.validators[slot.dsp].validate(slot.answer, request, request.id, slot.impsSent,
                context.externalBids());
        if (accepted == 0) {
            dsp.metrics().noBid();
        } else {
            dsp.metrics().bids(accepted);
        }
        String echoed = slot.answer.id;
        if (echoed == null || echoed.isEmpty()) {
            return Echo.UNREAD; // no id at all (a DSP's empty 200) says nothing of which request it answered
        }
        return request.id.equals(echoed) ? Echo.MATCHED : Echo.MISMATCHED;
    }

    /** The auction's deadline: finishes it with the answers that came. */
    private void deadlinePassed(Fanout fanout) {
        if (!fanout.isFinished) {
            metrics.deadline();
            finish(fanout);
        }
    }

    private void finish(Fanout fanout) {
        fanout.isFinished = true;
        if (fanout.timer != null) {
            fanout.timer.cancel(false);
            fanout.timer = null;
        }
        BidContext context = fanout.context;
        fanout.context = null;
        long waited = System.nanoTime() - fanout.sentNanos;
        metrics.waited(waited);
        context.dspWaited(waited);
        long start = context.startNanos();
        try {
            boolean isRun = false;
            try {
                context.runEngine();
                notifyLosers(context);
                isRun = true;
            } catch (RuntimeException e) {
                context.fail(e);
            }
            if (isRun) {
                context.resume();
                metrics.own(System.nanoTime() - start - waited);
            }
        } finally {
            for (Slot slot : fanout.slots) {
                slot.answer.pool().reset();
            }
            if (fanout.pending == 0) {
                states.get().give(fanout);
            }
        }
    }

    private void notifyLosers(BidContext context) {
        ExternalBids bids = context.externalBids();
        for (int i = 0; i < bids.count(); i++) {
            ExternalBid bid = bids.get(i);
            if (bid.lossCode != ExternalBid.WON && bid.lossCode != ExternalBid.UNDECIDED && bid.bid.lurl != null) {
                losses.loss(dsps[bid.dsp], context.request(), bid);
            }
        }
    }

    /** One DSP's call within a fan-out. */
    private static final class Slot {
        final Fanout owner;
        final int dsp;
        final BidResponse answer = new BidResponse();
        long[] impsSent = new long[1];
        /** What the call carried, for the data-flow ledger once it is known to have left. */
        int flowCategories;
        String flowRegion;
        long flowEpochSeconds;

        Slot(Fanout owner, int dsp) {
            this.owner = owner;
            this.dsp = dsp;
        }
    }

    /** One request's calls to DSPs: pooled per event loop. */
    private final class Fanout implements Runnable {
        final Slot[] slots = new Slot[dsps.length];
        BidContext context;
        long deadlineNanos;
        long sentNanos;
        int pending;
        boolean isFinished;
        ScheduledFuture<?> timer;

        Fanout() {
            for (int i = 0; i < slots.length; i++) {
                slots[i] = new Slot(this, i);
            }
        }

        @Override
        public void run() {
            deadlinePassed(this);
        }
    }

    /** What one event loop reuses: its writer, decoder, validators, a copy buffer and free fan-outs. */
    private final class LoopState {
        final OutboundRequestWriter writer = new OutboundRequestWriter(currencies, auction);
        final BidResponseDecoder decoder =
                new BidResponseDecoder(BidResponseLimits.withMaxBodyBytes(auction.maxDspResponseBytes()));
        final DspBidValidator[] validators = new DspBidValidator[dsps.length];
        final ArrayDeque<Fanout> free = new ArrayDeque<>();
        /** The categories each DSP was sent for the request under way, by DSP index; 0 for none. */
        final int[] flowCategories = new int[dsps.length];
        byte[] copy = new byte[16 * 1024];
        final OutboundUser merlinUser = new OutboundUser();

        LoopState() {
            for (int i = 0; i < dsps.length; i++) {
                validators[i] = new DspBidValidator(i, dsps[i].config(), currencies, dsps[i].rejections());
            }
        }

        byte[] bytes(int length) {
            if (copy.length < length) {
                copy = new byte[length];
            }
            return copy;
        }

        Fanout take(BidContext context, long deadline) {
            Fanout fanout = free.poll();
            if (fanout == null) {
                fanout = new Fanout();
            }
            fanout.context = context;
            fanout.deadlineNanos = deadline;
            fanout.pending = 0;
            fanout.isFinished = false;
            fanout.timer = null;
            return fanout;
        }

        void give(Fanout fanout) {
            fanout.context = null;
            if (free.size() < KEPT_FANOUTS) {
                free.push(fanout);
            }
        }
    }
}
