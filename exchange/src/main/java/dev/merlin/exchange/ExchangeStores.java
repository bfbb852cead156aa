package dev.merlin.exchange;

import dev.merlin.config.MaintenanceConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.SegmentDefinition;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.auction.CatalogSource;
import dev.merlin.exchange.auction.FrequencyStore;
import dev.merlin.exchange.auction.SpendLedger;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.flows.DataFlowLedger;
import dev.merlin.exchange.flows.DspDeletions;
import dev.merlin.exchange.flows.FlowAggregate;
import dev.merlin.exchange.flows.FlowRecipients;
import dev.merlin.exchange.privacy.ErasureRegistry;
import dev.merlin.exchange.privacy.IdSyncStore;
import dev.merlin.exchange.privacy.OptOutRegistry;
import dev.merlin.exchange.privacy.RolloutStats;
import dev.merlin.exchange.privacy.UserHash;
import dev.merlin.exchange.segments.SegmentCensus;
import dev.merlin.exchange.segments.SegmentStore;
import dev.merlin.exchange.segments.SegmentStoreSettings;
import dev.merlin.exchange.sellers.SellerStats;
import dev.merlin.exchange.tracking.Attribution;
import dev.merlin.exchange.tracking.CampaignStats;
import dev.merlin.exchange.tracking.ClickLedger;
import dev.merlin.exchange.tracking.SegmentRules;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The stores under the data dir, and their open and close order: each Chronicle Map store in turn (their file
 * locks refuse a second process on this data dir), then the event log, so a refused start adds no log file. Closed
 * in the reverse order; a failure while opening closes what was already opened. Opening, purging and closing are
 * start-up, maintenance and shut-down work, never an event loop's.
 */
public final class ExchangeStores implements AutoCloseable {

    /**
     * How long an erasure is remembered: the longest charge window (30 days, {@code stores.chargedWindowSeconds})
     * and the events API's oldest accepted event (30 days), plus a day.
     */
    public static final long ERASURE_MEMORY_SECONDS = 61L * 86_400;

    /** The click purge's first run comes this long after the charge purge's, so the two scans do not coincide. */
    private static final Duration CLICKS_AFTER_CHARGES = Duration.ofMinutes(1);
    /** The erasure purge's first run after start-up, at the latest: a daily period need not wait a day. */
    private static final Duration ERASURES_FIRST_RUN = Duration.ofHours(2);

    private final LongSupplier epochSecondsClock;
    private final List<AutoCloseable> opened = new ArrayList<>();
    /** How often the segment census counts each segment's users (its first count is at start-up). */
    /** Rows of the rollout report: (day, country, arm) over the retention, for 250 countries in two arms. */
    private static final long ROLLOUT_ROWS = 2L * 250 * DataFlowLedger.RETENTION_DAYS;
    private static final Duration CENSUS_PERIOD = Duration.ofMinutes(1);

    private final SegmentStore segments;
    private final SegmentCensus census;
    private final IdSyncStore idSyncs;
    private final SpendLedger spend;
    private final FrequencyStore frequency;
    private final CampaignStats stats;
    private final SellerStats sellerStats;
    private final Attribution attribution;
    private final ClickLedger clicks;
    private final SegmentRules rules;
    private final OptOutRegistry optOuts;
    private final ErasureRegistry erasures;
    private final EventLog events;
    private final DataFlowLedger flows;
    private final DspDeletions deletions;
    private final RolloutStats rollout;

    /** Opens every store under the config's data dir, in order; throws after closing those opened if one fails. */
    public static ExchangeStores open(MerlinConfig config, CatalogSource catalog, UserHash userHash,
                                      LongSupplier epochSecondsClock) {
        return new ExchangeStores(config, catalog, userHash, epochSecondsClock);
    }

    private ExchangeStores(MerlinConfig config, CatalogSource catalog, UserHash userHash,
                           LongSupplier epochSecondsClock) {
        this.epochSecondsClock = epochSecondsClock;
        Path dataDir = Path.of(config.dataDir());
        StoresConfig stores = config.stores();
        try {
            segments = opened(SegmentStore.open(dataDir, segmentSettings(stores), epochSecondsClock));
            census = new SegmentCensus(segments, maxSegmentId(config), epochSecondsClock);
            idSyncs = opened(new IdSyncStore(dataDir, config.dsps(),
                    Math.max(10_000L, stores.segmentUsers() / 4 * Math.max(1, config.dsps().size()))));
            spend = opened(new SpendLedger(catalog.current(), dataDir, stores.chargedImpressions(),
                    stores.chargedWindowSeconds(), epochSecondsClock.getAsLong()));
            frequency = opened(new FrequencyStore(dataDir, stores.frequencyEntries()));
            stats = opened(new CampaignStats(dataDir, catalog.current().size()));
            sellerStats = opened(new SellerStats(dataDir, config.sellers().size()));
            attribution = opened(new Attribution(catalog, config.tracking().attribution(), dataDir,
                    stores.frequencyEntries()));
            clicks = opened(new ClickLedger(dataDir, stores.chargedImpressions(), stores.chargedWindowSeconds()));
            rules = opened(new SegmentRules(config, segments, dataDir, stores.frequencyEntries()));
            optOuts = opened(new OptOutRegistry(dataDir, stores.optOutEntries()));
            erasures = opened(new ErasureRegistry(dataDir, stores.erasureEntries()));
            // an opt-out is written to both registries, one after the other: a process killed between the two
            // leaves it only in the first, so every opt-out is put in the erasure registry again at start
            optOuts.forEach((userKey, epochSeconds) -> erasures.optedOut(userHash.hash(userKey), epochSeconds));
            FlowAggregate flowAggregate = opened(new FlowAggregate(dataDir,
                    Math.max(200_000L, 200_000L * config.dsps().size())));
            FlowRecipients flowRecipients = opened(new FlowRecipients(dataDir, stores.segmentUsers()));
            deletions = opened(new DspDeletions(dataDir, config.dsps(), DspDeletions.Settings.defaults(),
                    System::currentTimeMillis));
            rollout = opened(new RolloutStats(dataDir, ROLLOUT_ROWS));
            events = opened(openEventLog(dataDir, config));
            flows = new DataFlowLedger(config.dsps(), flowAggregate, flowRecipients, events, epochSecondsClock);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static SegmentStoreSettings segmentSettings(StoresConfig stores) {
        return new SegmentStoreSettings(stores.segmentUsers(), stores.averageKeyBytes(),
                Math.min(stores.averageSegmentsPerUser(), stores.maxSegmentsPerUser()), stores.maxSegmentsPerUser(),
                SegmentStoreSettings.defaults().maxKeyChars());
    }

    private static EventLog openEventLog(Path dataDir, MerlinConfig config) {
        try {
            return EventLog.open(dataDir, config.eventLog());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the event log under " + dataDir, e);
        }
    }

    private <T extends AutoCloseable> T opened(T store) {
        opened.add(store);
        return store;
    }

    /** Users' segments. */
    public SegmentStore segments() {
        return segments;
    }

    /** How many users hold each segment, as last counted: the k-anonymity floor of segments sent to DSPs. */
    public SegmentCensus census() {
        return census;
    }

    /** The DSPs' synced ids for Merlin's users ({@code /setuid}): {@code user.buyeruid} to each DSP. */
    public IdSyncStore idSyncs() {
        return idSyncs;
    }

    /** The purge of synced ids past their expiry, hourly, for the {@link Maintenance} agent. */
    public Maintenance.Task expiredSyncsTask() {
        return new Maintenance.Task("expired_syncs", "DSP ids synced longer ago than they are kept",
                Duration.ofHours(1), Duration.ofHours(1), () -> idSyncs.purgeExpired(epochSecondsClock.getAsLong()));
    }

    /** The segment census for the {@link Maintenance} agent: at start-up, then every minute. */
    public Maintenance.Task censusTask() {
        return new Maintenance.Task("segment_census", "nothing: it counts each segment's users (the k-anonymity"
                + " floor of segments sent to DSPs)", Duration.ZERO, CENSUS_PERIOD, census::recount);
    }

    private static int maxSegmentId(MerlinConfig config) {
        int max = 0;
        for (SegmentDefinition segment : config.segments()) {
            max = Math.max(max, segment.id());
        }
        return max;
    }

    /** Spend, budgets, pacing, commitments and charge-once. */
    public SpendLedger spend() {
        return spend;
    }

    /** Frequency caps. */
    public FrequencyStore frequency() {
        return frequency;
    }

    /** Per-campaign statistics. */
    public CampaignStats stats() {
        return stats;
    }

    /** Impressions, gross spend and publisher payout per seller and day. */
    public SellerStats sellerStats() {
        return sellerStats;
    }

    /** Users' last touches per advertiser, and the order ids seen. */
    public Attribution attribution() {
        return attribution;
    }

    /** The click-once memory. */
    public ClickLedger clicks() {
        return clicks;
    }

    /** Segment rules' recent events per user. */
    public SegmentRules rules() {
        return rules;
    }

    /** Users who opted out with Merlin. */
    public OptOutRegistry optOuts() {
        return optOuts;
    }

    /** Users erased or opted out, by the user hash notice links carry. */
    public ErasureRegistry erasures() {
        return erasures;
    }

    /** What left Merlin for DSPs, and which of them received each user's data. */
    public DataFlowLedger flows() {
        return flows;
    }

    /** The erasure requests to DSPs, durable until called. */
    public DspDeletions deletions() {
        return deletions;
    }

    /** The rollout's report by arm ({@code rollout.cm3}). */
    public RolloutStats rollout() {
        return rollout;
    }

    /** The durable event log. */
    public EventLog events() {
        return events;
    }

    /**
     * The six purges for the {@link Maintenance} agent, each at its configured period ({@code maintenance.*}), first
     * run one period after start-up (the click purge a minute after the charge purge; the erasure purge, and the
     * data-flow counts' and the rollout report's at the erasure purge's period, within two hours).
     */
    public List<Maintenance.Task> purges(MaintenanceConfig periods) {
        Duration users = Duration.ofSeconds(periods.expiredUsersPurgeSeconds());
        Duration charges = Duration.ofSeconds(periods.expiredChargesPurgeSeconds());
        Duration clicks = Duration.ofSeconds(periods.expiredClicksPurgeSeconds());
        Duration erasures = Duration.ofSeconds(periods.oldErasuresPurgeSeconds());
        return List.of(
                new Maintenance.Task("expired_users", "users whose segments had all expired", users, users,
                        this::purgeExpiredUsers),
                new Maintenance.Task("expired_charges", "charged impressions and commitments past the charge window",
                        charges, charges, this::purgeExpiredCharges),
                new Maintenance.Task("expired_clicks", "clicked impressions past the charge window",
                        charges.plus(CLICKS_AFTER_CHARGES), clicks, this::purgeExpiredClicks),
                new Maintenance.Task("old_erasures", "erasures older than " + ERASURE_MEMORY_SECONDS / 86_400 + " days",
                        erasures.compareTo(ERASURES_FIRST_RUN) < 0 ? erasures : ERASURES_FIRST_RUN, erasures,
                        this::purgeOldErasures),
                new Maintenance.Task("old_data_flows", "data-flow counts older than "
                        + DataFlowLedger.RETENTION_DAYS + " days", erasures.compareTo(ERASURES_FIRST_RUN) < 0
                        ? erasures : ERASURES_FIRST_RUN, erasures, flows::purgeOld),
                new Maintenance.Task("old_rollout_rows", "rollout report rows older than "
                        + DataFlowLedger.RETENTION_DAYS + " days", erasures.compareTo(ERASURES_FIRST_RUN) < 0
                        ? erasures : ERASURES_FIRST_RUN, erasures, this::purgeOldRolloutRows));
    }

    /** Forgets the rollout report's rows past the data-flow ledger's retention; returns how many. */
    public long purgeOldRolloutRows() {
        long today = Math.floorDiv(epochSecondsClock.getAsLong(), 86_400L);
        return rollout.purgeBefore(LocalDate.ofEpochDay(today - DataFlowLedger.RETENTION_DAYS));
    }

    /** Removes users with nothing live left from the segment store; returns how many. */
    public long purgeExpiredUsers() {
        return segments.purgeExpired(epochSecondsClock.getAsLong());
    }

    /** Forgets charged impressions older than the charge window and releases expired commitments. */
    public long purgeExpiredCharges() {
        long now = epochSecondsClock.getAsLong();
        return spend.purgeExpired(now) + spend.releaseExpiredCommitments(now);
    }

    /** Forgets clicked impressions older than the charge window. */
    public long purgeExpiredClicks() {
        return clicks.purgeExpired(epochSecondsClock.getAsLong());
    }

    /**
     * Forgets erasures older than {@link #ERASURE_MEMORY_SECONDS}: by then every notice of an auction before the
     * erasure is past the charge window (at most 30 days) and every app event timed before it is past the events
     * API's 30-day limit. Opt-outs stay.
     */
    public long purgeOldErasures() {
        return erasures.purgeErasedBefore(epochSecondsClock.getAsLong() - ERASURE_MEMORY_SECONDS);
    }

    /** Closes every store, last opened first; idempotent. Throws, after trying them all, if any failed. */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.remove(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing the stores failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
