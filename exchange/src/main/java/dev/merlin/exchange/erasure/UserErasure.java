package dev.merlin.exchange.erasure;

import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventType;
import dev.merlin.exchange.events.EventWriter;
import dev.merlin.exchange.flows.DataFlowLedger;
import dev.merlin.exchange.flows.DspDeletions;
import dev.merlin.exchange.privacy.ErasureRegistry;
import dev.merlin.exchange.privacy.IdSyncStore;
import dev.merlin.exchange.privacy.OptOutRegistry;
import dev.merlin.exchange.privacy.PairwiseIds;
import dev.merlin.exchange.privacy.UserHash;
import dev.merlin.exchange.tracking.TrackingService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * What an erasure or an opt-out does on a node, in one place, whether the user asked this node (the privacy
 * endpoints) or another node of the cluster ({@code cluster.PrivacyShare}, through Kafka):
 * <ul>
 *   <li>the user's hash is remembered first ({@link ErasureRegistry}; an opt-out also in {@link OptOutRegistry}), so
 *       that late notices and app events put nothing back and the consent gate refuses the user's data;</li>
 *   <li>the data goes: segments, rule progress, views, frequency counts, the ids DSPs synced (another node's erasure
 *       removes the segments this node still holds and then publishes their tombstone again; see {@link #apply});</li>
 *   <li>every DSP this node sent the user's data to is asked to delete it ({@link DspDeletions}), and the
 *       node's record of those recipients goes;</li>
 *   <li>an {@link EventType#ERASURE} or {@link EventType#OPT_OUT} record in this node's event log makes its exports
 *       leave the user out (another node's: when the log refuses it, the record waits in a bounded queue and is
 *       written by {@link #logAgain}; the rest is applied at once).</li>
 * </ul>
 * A registry too full to remember the user never stops the rest: each counts what it could not hold, and the data
 * goes all the same. What is then not guaranteed: without a place in the opt-out registry, a request naming the user
 * without the browser's opt-out cookie (a seller's bid request, a pixel hit from a browser that lost the cookie) is
 * decided on its own signals; without a place in the erasure registry, late notices and app events are not refused.
 * The browser that opted out keeps its opt-out cookie, and its uid cookie is deleted.
 */
public final class UserErasure {

    /** How many refused event-log records of other nodes' erasures wait to be written again; beyond, counted. */
    static final int UNLOGGED_CAPACITY = 4 * 1024;

    /** Told of every erasure and opt-out asked on this node, once it took effect here. */
    public interface Listener {
        /** The user {@code uid} was erased (or opted out, {@code isOptOut}) here at {@code epochSeconds}. */
        void erased(String uid, boolean isOptOut, long epochSeconds);
    }

    /** What an erasure asked on this node found: data held, the log record written, DSPs asked to delete. */
    public record Result(boolean held, boolean logged, int dspsAsked) {
    }

    /** What became of another node's erasure here. */
    public enum Remote {
        /** Applied now. */
        APPLIED,
        /** This node already knew it (or a later one, or the user's opt-out): a replay, nothing to do. */
        KNOWN,
        /** Older than the erasures a node remembers: the user may have come back since; not applied. */
        TOO_OLD,
        /** Applied now, but the event log refused its record (full or closing): it waits for {@link #logAgain}. */
        NOT_LOGGED
    }

    private final TrackingService tracking;
    private final OptOutRegistry optOuts;
    private final ErasureRegistry erasures;
    private final PairwiseIds pairwiseIds;
    private final UserHash userHash;
    private final EventLog eventLog;
    private final LongSupplier epochSecondsClock;
    private final long memorySeconds;
    private final DataFlowLedger flows;
    private final DspDeletions deletions;
    private final IdSyncStore idSyncs;
    private volatile Listener listener;
    /** Other nodes' erasures applied here whose event-log record the log refused, oldest first. */
    private final ManyToOneConcurrentArrayQueue<Unlogged> unlogged =
            new ManyToOneConcurrentArrayQueue<>(UNLOGGED_CAPACITY);
    private final AtomicLong unloggedDropped = new AtomicLong();

    /** An event-log record of another node's erasure, to be written again. */
    private record Unlogged(long hash, boolean isOptOut, long epochSeconds, int node) {
    }

    /**
     * Erasure over these stores. {@code flows}, {@code deletions} and {@code idSyncs} may be null (none kept);
     * {@code memorySeconds} is how long the registry remembers an erasure.
     */
    public UserErasure(Stores stores, PairwiseIds pairwiseIds, UserHash userHash, LongSupplier epochSecondsClock,
                       long memorySeconds) {
        this.tracking = stores.tracking();
        this.optOuts = stores.optOuts();
        this.erasures = stores.erasures();
        this.eventLog = stores.eventLog();
        this.flows = stores.flows();
        this.deletions = stores.deletions();
        this.idSyncs = stores.idSyncs();
        this.pairwiseIds = pairwiseIds;
        this.userHash = userHash;
        this.epochSecondsClock = epochSecondsClock;
        this.memorySeconds = memorySeconds;
    }

    /** What an erasure touches; {@code flows}, {@code deletions} and {@code idSyncs} may be null. */
    public record Stores(TrackingService tracking, OptOutRegistry optOuts, ErasureRegistry erasures,
                         EventLog eventLog, DataFlowLedger flows, DspDeletions deletions, IdSyncStore idSyncs) {
    }

    /** Tells {@code listener} (null: nobody) of every erasure asked here from now on. */
    public void listen(Listener listener) {
        this.listener = listener;
    }

    /**
     * Erases the user {@code uid}, who asked this node ({@code isOptOut}: and opts out for good). The listener
     * hears of it whether or not the log took its record: the data is gone either way.
     */
    public Result erase(String uid, boolean isOptOut) {
        long now = epochSecondsClock.getAsLong();
        long hash = userHash.hash(uid);
        remember(uid, hash, isOptOut, now);
        boolean held = tracking.erase(uid);
        Held ids = eraseIdsAndFlows(uid, hash, isOptOut, now);
        boolean logged = log(hash, isOptOut, now, -1);
        Listener heard = listener;
        if (heard != null) {
            heard.erased(uid, isOptOut, now);
        }
        return new Result(held || ids.held(), logged, ids.dspsAsked());
    }

    /**
     * Applies an erasure (or opt-out) that node {@code node} was asked for at {@code epochSeconds}, as {@link #erase}
     * does: the registries first, then the data, then the event-log record. Idempotent: an erasure this node already
     * knows of (the same or a later one, or the user's opt-out) is {@link Remote#KNOWN}, so a replay of the topic
     * after a restart erases nothing the user made since. A log that refuses the record (full disk, closing) holds
     * back nothing else: the record waits for {@link #logAgain} ({@link Remote#NOT_LOGGED}).
     *
     * <p>The segments: the node that was asked publishes their tombstone, but another node's write that crossed it (an
     * app event accepted there before it read the erasure) lands after it, on every node. So the segments this node
     * still holds are removed here and, only when it held some, their tombstone published again; a node that holds
     * nothing publishes nothing, a tombstone read from the topic is applied without publishing, and a remote record
     * is never published again, so one erasure costs at most one tombstone per node and no loop.
     */
    public Remote apply(int node, String uid, boolean isOptOut, long epochSeconds) {
        long hash = userHash.hash(uid);
        ErasureRegistry.Refusal known = erasures.refusal(hash, epochSeconds);
        if (known == ErasureRegistry.Refusal.USER_OPT_OUT
                || (!isOptOut && known == ErasureRegistry.Refusal.USER_ERASED)) {
            return Remote.KNOWN;
        }
        long now = epochSecondsClock.getAsLong();
        if (!isOptOut && epochSeconds < now - memorySeconds) {
            return Remote.TOO_OLD;
        }
        remember(uid, hash, isOptOut, epochSeconds);
        tracking.eraseApplied(uid);
        eraseIdsAndFlows(uid, hash, isOptOut, now);
        // a record waiting already goes first: the log writes them in the order they were applied
        if (unlogged.isEmpty() && log(hash, isOptOut, now, node)) {
            return Remote.APPLIED;
        }
        if (!unlogged.offer(new Unlogged(hash, isOptOut, now, node))) {
            unloggedDropped.incrementAndGet();
        }
        return Remote.NOT_LOGGED;
    }

    /**
     * Writes the event-log records of other nodes' erasures that the log refused, oldest first, until it refuses one
     * again; how many it wrote. Called by the thread that applies them.
     */
    public int logAgain() {
        int written = 0;
        for (Unlogged record = unlogged.peek(); record != null; record = unlogged.peek()) {
            if (!log(record.hash(), record.isOptOut(), record.epochSeconds(), record.node())) {
                break;
            }
            unlogged.poll();
            written++;
        }
        return written;
    }

    /** Records of other nodes' erasures waiting for the event log to take them. */
    public int unlogged() {
        return unlogged.size();
    }

    /**
     * Records of other nodes' erasures never logged, the queue for them full (the data was erased all the same; the
     * exports do not leave those users out).
     */
    public long unloggedDropped() {
        return unloggedDropped.get();
    }

    /** Whether the opt-out registry holds the user (a full one may not). */
    public boolean isOptedOut(String uid) {
        return optOuts.contains(uid);
    }

    /** Remembers the erasure in both registries as far as they have room; a full one counts it and goes on. */
    private void remember(String uid, long hash, boolean isOptOut, long epochSeconds) {
        if (isOptOut) {
            optOuts.add(uid, epochSeconds);
            erasures.optedOut(hash, epochSeconds);
        } else {
            erasures.erased(hash, epochSeconds);
        }
    }

    /** Whether synced ids or recipients were held, and how many DSPs were asked to delete. */
    private record Held(boolean held, int dspsAsked) {
    }

    /** Erases the synced ids and asks the DSPs that got the user's data to delete it. */
    private Held eraseIdsAndFlows(String uid, long hash, boolean isOptOut, long now) {
        boolean held = idSyncs != null && idSyncs.erase(hash) > 0;
        int asked = 0;
        if (flows != null) {
            // the DSPs are asked (durably) before the recipients are forgotten: a failure in between leaves them
            // listed, and repeating the erasure asks again
            DataFlowLedger.UserFlows recipients = flows.recipientsOf(hash);
            if (deletions != null) {
                // each DSP is asked to delete the id it was sent: its pairwise id for this user
                asked = deletions.request(hash, dsp -> pairwiseIds.of(dsp, uid), toAsk(recipients), why(isOptOut),
                        now);
            }
            held |= !flows.erase(hash).recipients().isEmpty();
        }
        return new Held(held, asked);
    }

    private boolean log(long hash, boolean isOptOut, long now, int fromNode) {
        EventWriter record = eventLog.begin(isOptOut ? EventType.OPT_OUT : EventType.ERASURE, now * 1000L)
                .put("u", Long.toHexString(hash)).put("why", why(isOptOut));
        if (fromNode >= 0) {
            record.put("node", (long) fromNode);
        }
        return eventLog.commit(record);
    }

    private static String why(boolean isOptOut) {
        return isOptOut ? "optout" : "request";
    }

    /** The DSPs that received the user's data; every DSP with an endpoint when the ledger could not keep them all. */
    private List<String> toAsk(DataFlowLedger.UserFlows recipients) {
        if (recipients.isTruncated()) {
            return deletions.dspsWithEndpoints();
        }
        List<String> ids = new ArrayList<>(recipients.recipients().size());
        for (DataFlowLedger.UserRecipient r : recipients.recipients()) {
            ids.add(r.dsp());
        }
        return ids;
    }
}
