package dev.merlin.exchange;

import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.AuctionIds;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.FrequencyStore;
import dev.merlin.exchange.auction.NoticeSecret;
import dev.merlin.exchange.auction.NoticeUrls;
import dev.merlin.exchange.auction.SpendLedger;
import dev.merlin.exchange.auction.UserHash;
import dev.merlin.exchange.bid.BidPath;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.privacy.ConsentGate;
import dev.merlin.exchange.privacy.ErasureRegistry;
import dev.merlin.exchange.privacy.IdentityKeys;
import dev.merlin.exchange.privacy.OptOutRegistry;
import dev.merlin.exchange.segments.SegmentStore;
import dev.merlin.exchange.sellers.SellerStats;
import dev.merlin.exchange.sellers.Sellers;
import dev.merlin.exchange.segments.SegmentStoreSettings;
import dev.merlin.exchange.tracking.Attribution;
import dev.merlin.exchange.tracking.ClickLedger;
import dev.merlin.exchange.tracking.CampaignStats;
import dev.merlin.exchange.tracking.SegmentRules;
import dev.merlin.exchange.tracking.TrackingService;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * What a running exchange owns besides its sockets: the compiled campaigns and the stores under the data dir.
 * Opened at start-up once the port is bound (before any connection is accepted), closed last at shutdown.
 */
public final class ExchangeRuntime implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ExchangeRuntime.class);
    /**
     * How long an erasure is remembered: the longest charge window (30 days, {@code stores.chargedWindowSeconds})
     * and the events API's oldest accepted event (30 days), plus a day.
     */
    public static final long ERASURE_MEMORY_SECONDS = 61L * 86_400;

    private final MerlinConfig config;
    private final ExchangeMetrics metrics;
    private final LongSupplier epochSecondsClock;
    private final CampaignCatalog catalog;
    private final Currencies currencies;
    private final NoticeUrls noticeUrls;
    private final IdentityKeys identity;
    private final SegmentStore segments;
    private final SpendLedger spend;
    private final AuctionIds auctionIds;
    private final FrequencyStore frequency;
    private final CampaignStats stats;
    private final Attribution attribution;
    private final ClickLedger clicks;
    private final SegmentRules rules;
    private final TrackingService tracking;
    private final ConsentGate consent;
    private final EventLog events;
    private final OptOutRegistry optOuts;
    private final ErasureRegistry erasures;
    private final Sellers sellers;
    private final SellerStats sellerStats;
    private final java.util.List<AutoCloseable> closeables = new java.util.ArrayList<>();
    private final java.util.concurrent.ScheduledExecutorService maintenance =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "merlin-maintenance");
                thread.setDaemon(true);
                return thread;
            });
    private final java.util.concurrent.ThreadPoolExecutor slowWork = new java.util.concurrent.ThreadPoolExecutor(1, 1,
            0, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.ArrayBlockingQueue<>(64), runnable -> {
                Thread thread = new Thread(runnable, "merlin-reports");
                thread.setDaemon(true);
                return thread;
            });

    /** Opens the stores under the config's data dir, with the wall clock. */
    public static ExchangeRuntime open(MerlinConfig config, ExchangeMetrics metrics) {
        return open(config, metrics, () -> System.currentTimeMillis() / 1000L);
    }

    /** Opens the stores with the given clock (tests inject one). */
    public static ExchangeRuntime open(MerlinConfig config, ExchangeMetrics metrics, LongSupplier epochSecondsClock) {
        return new ExchangeRuntime(config, metrics, epochSecondsClock);
    }

    private ExchangeRuntime(MerlinConfig config, ExchangeMetrics metrics, LongSupplier epochSecondsClock) {
        this.config = config;
        this.metrics = metrics;
        this.epochSecondsClock = epochSecondsClock;
        this.catalog = new CampaignCatalog(config);
        this.currencies = new Currencies(config.exchange());
        Path dataDir = Path.of(config.dataDir());
        this.noticeUrls = new NoticeUrls(config.exchange().publicUrl(), config.exchange().secureLinkUrl(),
                NoticeSecret.load(config, dataDir));
        if (!noticeUrls.canLinkSecurely()) {
            LOG.warn("exchange.publicUrl {} is not https and exchange.securePublicUrl is not set: Merlin will not bid"
                    + " on secure imps (imp.secure=1; counted as merlin_no_bids_total{reason=\"no_secure_url\"})",
                    config.exchange().publicUrl());
        }
        this.sellers = new Sellers(config.sellers());
        this.auctionIds = new AuctionIds(config.exchange().nodeId(), System.currentTimeMillis());
        this.identity = IdentityKeys.load(config, dataDir);
        StoresConfig stores = config.stores();
        SegmentStoreSettings segmentSettings = SegmentStoreSettings.defaults()
                .withMaxSegmentsPerUser(stores.maxSegmentsPerUser());
        segmentSettings = new SegmentStoreSettings(stores.segmentUsers(), stores.averageKeyBytes(),
                Math.min(stores.averageSegmentsPerUser(), stores.maxSegmentsPerUser()), stores.maxSegmentsPerUser(),
                segmentSettings.maxKeyChars());
        try {
            this.segments = opened(SegmentStore.open(dataDir, segmentSettings, epochSecondsClock));
            this.spend = opened(new SpendLedger(catalog, dataDir, stores.chargedImpressions(),
                    stores.chargedWindowSeconds(), epochSecondsClock.getAsLong()));
            this.frequency = opened(new FrequencyStore(dataDir, stores.frequencyEntries()));
            this.stats = opened(new CampaignStats(dataDir, catalog.size()));
            this.sellerStats = opened(new SellerStats(dataDir, config.sellers().size()));
            this.attribution = opened(new Attribution(catalog, config.tracking().attribution(), dataDir,
                    stores.frequencyEntries()));
            this.clicks = opened(new ClickLedger(dataDir, stores.chargedImpressions(),
                    stores.chargedWindowSeconds()));
            this.rules = opened(new SegmentRules(config, segments, dataDir, stores.frequencyEntries()));
            this.optOuts = opened(new OptOutRegistry(dataDir, Math.max(10_000L, stores.segmentUsers() / 10)));
            this.consent = new ConsentGate(config.privacy(), optOuts);
            this.erasures = opened(new ErasureRegistry(dataDir, Math.max(10_000L, stores.segmentUsers() / 10)));
            // opt-outs recorded before the erasure registry existed, or by a process that died between the two
            UserHash userHash = identity.userHash();
            optOuts.forEach((userKey, epochSeconds) -> erasures.optedOut(userHash.hash(userKey), epochSeconds));
            // after the stores: their locks refuse a second process on this data dir before it adds a log file;
            // closed last, after the stores, as before
            try {
                this.events = EventLog.open(dataDir, config.eventLog());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot open the event log under " + dataDir, e);
            }
            closeables.add(0, events);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.tracking = new TrackingService(config, catalog, currencies, segments, rules, attribution, stats,
                frequency, identity.userHash());
        // users whose segments have all expired free their slot: hourly, on a thread of its own
        maintenance.scheduleWithFixedDelay(this::purgeExpiredUsers, 1, 1, java.util.concurrent.TimeUnit.HOURS);
        // impressions past the charge window free their slot in the charge-once map
        maintenance.scheduleWithFixedDelay(this::purgeExpiredCharges, 10, 10, java.util.concurrent.TimeUnit.MINUTES);
        // and clicked impressions free theirs in the click-once map
        maintenance.scheduleWithFixedDelay(this::purgeExpiredClicks, 11, 10, java.util.concurrent.TimeUnit.MINUTES);
        // erasures older than anything a notice or app event may still be timed at free their slot
        maintenance.scheduleWithFixedDelay(this::purgeOldErasures, 2, 24, java.util.concurrent.TimeUnit.HOURS);
        metrics.gauge("merlin_segment_store_users", "Users held in the segment store", segments::size);
        metrics.gauge("merlin_segment_store_full", "1 when the segment store has refused a write for lack of room",
                () -> segments.isFull() ? 1 : 0);
        metrics.counter("merlin_segment_store_full_rejections_total",
                "Segment writes dropped because the store was full", segments::fullRejections);
        metrics.counter("merlin_events_written_total", "Events the writer thread appended to the event log",
                events::written);
        java.util.Map<String, java.util.function.DoubleSupplier> dropped = new java.util.LinkedHashMap<>();
        dropped.put("ring_full", events::droppedFull);
        dropped.put("too_large", events::droppedOversized);
        metrics.counter("merlin_events_dropped_total", "Events the event log refused, by reason: ring_full (its ring"
                + " buffer was full, never waited on, or the log was closing), too_large (over the event size limit)",
                "reason", dropped);
        metrics.counter("merlin_events_write_failures_total",
                "Batches the event log writer failed to write (a full disk, say); each is retried in the same file",
                events::writeFailures);
        metrics.counter("merlin_charge_map_full_rejections_total",
                "Notices not charged because the charge-once map was full", spend::refusedFull);
        metrics.counter("merlin_click_map_full_rejections_total",
                "Clicks not counted because the click-once map was full", clicks::refusedFull);
        metrics.counter("merlin_erasure_registry_full_rejections_total",
                "Erasures or opt-outs the erasure registry could not remember for lack of room (the data was erased)",
                erasures::fullRejections);
        metrics.counter("merlin_uid_cookies_not_issued_total",
                "uid cookies Merlin did not sign (unsigned, forged, another key's, a device IFA), each taken as none",
                identity.uidCookies()::refused);
        metrics.gauge("merlin_erasure_registry_users", "Erased or opted-out users the erasure registry remembers",
                erasures::size);
        metrics.counter("merlin_commitment_map_full_rejections_total",
                "Bids not made because the commitment map was full", spend::commitmentsRefusedFull);
        metrics.gauge("merlin_open_commitments",
                "Won imps whose price is committed against their campaign's budgets, awaiting a notice",
                spend::openCommitments);
        metrics.gauge("merlin_charge_map_impressions",
                "Impressions the charge-once map remembers (those charged within the charge window)",
                spend::chargedImpressions);
    }

    /** The configuration. */
    public MerlinConfig config() {
        return config;
    }

    /** The counters. */
    public ExchangeMetrics metrics() {
        return metrics;
    }

    /** The clock: seconds since the epoch. */
    public long nowEpochSeconds() {
        return epochSecondsClock.getAsLong();
    }

    /** Compiled campaigns. */
    public CampaignCatalog catalog() {
        return catalog;
    }

    /** Currency conversion. */
    public Currencies currencies() {
        return currencies;
    }

    /** Signs and verifies notice and click links. */
    public NoticeUrls noticeUrls() {
        return noticeUrls;
    }

    /** The configured sellers: who may send bid requests. */
    public Sellers sellers() {
        return sellers;
    }

    /** Impressions, gross spend and publisher payout per seller and day. */
    public SellerStats sellerStats() {
        return sellerStats;
    }

    /** The keyed user hash: frequency caps, touches, erasures and the {@code u} of links are keyed by it. */
    public UserHash userHash() {
        return identity.userHash();
    }

    /** Issues and verifies Merlin's {@code uid} cookies. */
    public dev.merlin.exchange.privacy.UidCookies uidCookies() {
        return identity.uidCookies();
    }


    /** Users' segments. */
    public SegmentStore segments() {
        return segments;
    }

    /** Spend, budgets, pacing, charge-once. */
    public SpendLedger spend() {
        return spend;
    }

    /** Issues Merlin's id of each auction. */
    public AuctionIds auctionIds() {
        return auctionIds;
    }

    /** The click-once memory. */
    public ClickLedger clicks() {
        return clicks;
    }

    /** Frequency caps. */
    public FrequencyStore frequency() {
        return frequency;
    }

    /**
     * A bid path over these stores and settings: the one place the path is assembled (the HTTP endpoint and the
     * whole-path benchmark both take theirs from here).
     */
    public BidPath newBidPath() {
        return BidPath.builder()
                .decodeLimits(config.requests().toDecodeLimits())
                .maxResponseBytes(config.server().maxResponseBytes())
                .campaigns(catalog, currencies, config.exchange().takeRate())
                .links(noticeUrls, config.server().maxMarkupLength())
                .spend(spend)
                .frequency(frequency)
                .consent(consent)
                .segments(segments)
                .userHash(identity.userHash())
                .auctionIds(auctionIds)
                .events(events)
                .metrics(metrics)
                .clock(epochSecondsClock)
                .build();
    }

    /** Removes users with nothing live left from the segment store; maintenance, never on an event loop. */
    public long purgeExpiredUsers() {
        return purge("segment store", "users whose segments had all expired", "in an hour",
                () -> segments.purgeExpired(epochSecondsClock.getAsLong()));
    }

    /** Forgets charged impressions older than the charge window; maintenance, never on an event loop. */
    public long purgeExpiredCharges() {
        return purge("charge-once map", "impressions older than the charge window", "in ten minutes",
                () -> spend.purgeExpired(epochSecondsClock.getAsLong())
                        + spend.releaseExpiredCommitments(epochSecondsClock.getAsLong()));
    }

    /** Forgets clicked impressions older than the charge window; maintenance, never on an event loop. */
    public long purgeExpiredClicks() {
        return purge("click-once map", "impressions older than the charge window", "in ten minutes",
                () -> clicks.purgeExpired(epochSecondsClock.getAsLong()));
    }

    /**
     * Forgets erasures older than {@link #ERASURE_MEMORY_SECONDS}: by then every notice of an auction before the
     * erasure is past the charge window (at most 30 days) and every app event timed before it is past the events
     * API's 30-day limit. Opt-outs stay. Maintenance, never on an event loop.
     */
    public long purgeOldErasures() {
        return purge("erasure registry", "erasures older than " + ERASURE_MEMORY_SECONDS / 86_400 + " days",
                "tomorrow", () -> erasures.purgeErasedBefore(epochSecondsClock.getAsLong() - ERASURE_MEMORY_SECONDS));
    }

    /** Runs one store's purge for the maintenance thread: logs what it removed, and a failure without throwing. */
    private static long purge(String store, String what, String nextRun, java.util.function.LongSupplier purge) {
        try {
            long removed = purge.getAsLong();
            if (removed > 0) {
                LOG.info("{}: removed {} {}", store, removed, what);
            }
            return removed;
        } catch (RuntimeException e) {
            LOG.warn("{} purge failed; it runs again {}: {}", store, nextRun, e.toString());
            return 0;
        }
    }

    private <T extends AutoCloseable> T opened(T store) {
        closeables.add(store);
        return store;
    }

    /** The privacy decision, shared by the auction, the pixel and the events API. */
    public ConsentGate consent() {
        return consent;
    }

    /** Users who opted out with Merlin. */
    public OptOutRegistry optOuts() {
        return optOuts;
    }

    /** Users erased or opted out, by the user hash notice links carry. */
    public ErasureRegistry erasures() {
        return erasures;
    }

    /** The durable event log. */
    public EventLog events() {
        return events;
    }

    /**
     * A single thread, with a bounded queue, for requests whose work grows with the data (reports), so they never
     * hold an event loop; a full queue refuses the task.
     */
    public java.util.concurrent.Executor slowWork() {
        return slowWork;
    }

    /** Tracking: segment rules, attribution, statistics, erasure. */
    public TrackingService tracking() {
        return tracking;
    }

    /** Per-campaign statistics. */
    public CampaignStats stats() {
        return stats;
    }

    /** Closes every store, last opened first; idempotent. */
    @Override
    public void close() {
        // no maintenance or report may touch a store once it is unmapped: wait for them first
        maintenance.shutdownNow();
        slowWork.shutdown();
        try {
            maintenance.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS);
            slowWork.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RuntimeException failure = null;
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.remove(i).close();
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
