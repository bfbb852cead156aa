package dev.merlin.exchange.flows;

import dev.merlin.config.DspConfig;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventType;
import dev.merlin.exchange.privacy.DataCategories;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data-flow ledger: every bid request, sync and notice sent to a DSP is counted in the durable aggregate
 * ({@link FlowAggregate}: day, user region, DSP, DSP region, categories, kind) and written to the event log as a
 * {@link EventType#DATA_FLOW} record; the users whose personal data a flow carried are remembered with their
 * recipients ({@link FlowRecipients}) until they are erased.
 *
 * <p>The aggregate is the exact count: an event the log refuses (its ring full) is counted in
 * {@link #eventsNotLogged} but still counted in the aggregate. Thread-safe; recording allocates nothing and never
 * throws ({@link #failures}).
 */
public final class DataFlowLedger implements FlowRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(DataFlowLedger.class);

    /** The longest date range a report covers, in days. */
    public static final int MAX_REPORT_DAYS = 400;
    /** How long the aggregate keeps a day's counts, in days: two report ranges, about 26 months. */
    public static final int RETENTION_DAYS = 2 * MAX_REPORT_DAYS;

    private static final long SECONDS_PER_DAY = 86_400L;

    private final DspConfig[] dsps;
    private final long[] dspKeys;
    private final Map<String, Integer> indexById = new HashMap<>();
    private final Map<Long, DspConfig> byKey = new HashMap<>();
    private final FlowAggregate aggregate;
    private final FlowRecipients recipients;
    private final EventLog events;
    private final AtomicLong eventsNotLogged = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final LongSupplier epochSecondsClock;

    /**
     * A ledger over the configured {@code dsps} (by their index in that list), counting into {@code aggregate} and
     * {@code recipients} and logging to {@code events} (null: no event records); a notice's time is read from
     * {@code epochSecondsClock}.
     */
    public DataFlowLedger(List<DspConfig> dsps, FlowAggregate aggregate, FlowRecipients recipients,
                          EventLog events, LongSupplier epochSecondsClock) {
        this.epochSecondsClock = epochSecondsClock;
        this.dsps = dsps.toArray(new DspConfig[0]);
        this.dspKeys = new long[this.dsps.length];
        for (int i = 0; i < this.dsps.length; i++) {
            dspKeys[i] = FlowRecipients.dspKey(this.dsps[i].id());
            indexById.put(this.dsps[i].id(), i);
            byKey.put(dspKeys[i], this.dsps[i]);
        }
        this.aggregate = aggregate;
        this.recipients = recipients;
        this.events = events;
    }

    @Override
    public void bidRequest(int dspIndex, CharSequence userRegion, int categories, long epochSeconds) {
        record(FlowKind.BID_REQUEST, dspIndex, userRegion, categories, epochSeconds);
    }

    /** One user sync with the DSP at {@code dspIndex}, carrying {@code categories}. */
    public void sync(int dspIndex, CharSequence userRegion, int categories, long epochSeconds) {
        record(FlowKind.SYNC, dspIndex, userRegion, categories, epochSeconds);
    }

    /** A notice carries no personal data; it is counted under its auction's user region. */
    @Override
    public void notice(int dspIndex, CharSequence userRegion) {
        record(FlowKind.NOTICE, dspIndex, userRegion == null ? FlowCategories.UNKNOWN_REGION : userRegion,
                DataCategories.NONE, epochSecondsClock.getAsLong());
    }

    private void record(FlowKind kind, int dspIndex, CharSequence userRegion, int categories, long epochSeconds) {
        if (dspIndex < 0 || dspIndex >= dsps.length) {
            return;
        }
        DspConfig dsp = dsps[dspIndex];
        try {
            aggregate.add(Math.floorDiv(epochSeconds, SECONDS_PER_DAY), kind, categories, userRegion, dsp.region(),
                    dsp.id(), 1);
        } catch (RuntimeException e) {
            failed(e);
        }
        EventLog log = events;
        if (log != null && !log.commit(log.begin(EventType.DATA_FLOW, epochSeconds * 1000L).put("k", kind.label())
                .put("dsp", dsp.id()).put("dr", dsp.region()).put("ur", userRegion).put("cat", categories))) {
            eventsNotLogged.incrementAndGet();
        }
    }

    /**
     * A store failed (closed while the last calls end at shut-down, damaged): counted and logged once, never thrown
     * into the caller's path (an auction, the notice loop).
     */
    private void failed(RuntimeException e) {
        if (failures.getAndIncrement() == 0) {
            LOG.error("the data-flow ledger could not record a flow; later failures are only counted", e);
        }
    }

    @Override
    public void recipients(long userHash, long epochSeconds, int[] categoriesByDsp) {
        if (userHash != 0) {
            try {
                recipients.record(userHash, epochSeconds, categoriesByDsp, dspKeys);
            } catch (RuntimeException e) {
                failed(e);
            }
        }
    }

    /** The DSP's index in the configured DSPs, or -1 when no DSP has that id. */
    public int dspIndex(String dspId) {
        Integer index = indexById.get(dspId);
        return index == null ? -1 : index;
    }

    /** The configured DSPs, by index. */
    public List<DspConfig> dsps() {
        return List.of(dsps);
    }

    /** The aggregate's rows from {@code from} to {@code to} inclusive, of one DSP or (null) all. */
    public List<FlowAggregate.Row> rows(LocalDate from, LocalDate to, String dspId) {
        return aggregate.rows(from, to, dspId);
    }

    /** One company that received a user's data, resolved against the configuration. */
    public record UserRecipient(String dsp, String name, String region, int categories, long firstEpochSeconds,
                                long lastEpochSeconds) {
    }

    /** The user's recipients, resolved, and whether more received data than were kept. */
    public record UserFlows(List<UserRecipient> recipients, boolean isTruncated) {
    }

    /** Which companies received the user's personal data. */
    public UserFlows recipientsOf(long userHash) {
        return resolve(recipients.read(userHash));
    }

    /**
     * Forgets the user's recipients (erasure; the aggregate's counts are not per user and stay) and returns them.
     */
    public UserFlows erase(long userHash) {
        return resolve(recipients.remove(userHash));
    }

    private UserFlows resolve(FlowRecipients.Held held) {
        List<UserRecipient> resolved = new ArrayList<>(held.recipients().size());
        for (FlowRecipients.Recipient r : held.recipients()) {
            DspConfig dsp = byKey.get(r.dspKey());
            resolved.add(new UserRecipient(dsp == null ? "unknown-" + Long.toHexString(r.dspKey()) : dsp.id(),
                    dsp == null ? "a DSP no longer configured" : dsp.name(), dsp == null ? "??" : dsp.region(),
                    r.categories(), r.firstEpochSeconds(), r.lastEpochSeconds()));
        }
        return new UserFlows(List.copyOf(resolved), held.isTruncated());
    }

    /** Forgets the aggregate's days older than {@link #RETENTION_DAYS}; returns how many rows. */
    public long purgeOld() {
        long today = Math.floorDiv(epochSecondsClock.getAsLong(), SECONDS_PER_DAY);
        return aggregate.purgeBefore(LocalDate.ofEpochDay(today - RETENTION_DAYS));
    }

    /** Flow records the event log refused (full or closing); the aggregate counted them all the same. */
    public long eventsNotLogged() {
        return eventsNotLogged.get();
    }

    /** Flows or recipients not recorded because a store failed (not for want of room). */
    public long failures() {
        return failures.get();
    }

    /** Flows the aggregate could not count because its map was full. */
    public long aggregateFull() {
        return aggregate.refusedFull();
    }

    /** Users' recipient records not kept because their map was full. */
    public long recipientsFull() {
        return recipients.refusedFull();
    }
}
