package dev.merlin.exchange;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.auction.AuctionIds;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.CampaignSlots;
import dev.merlin.exchange.catalogue.ConfigReload;
import dev.merlin.exchange.catalogue.LiveCatalogue;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.NoticeRouting;
import dev.merlin.exchange.auction.NoticeSecret;
import dev.merlin.exchange.auction.NoticeUrls;
import dev.merlin.exchange.bid.BidPath;
import dev.merlin.exchange.cluster.EventPublisher;
import dev.merlin.exchange.cluster.NoticeRelay;
import dev.merlin.exchange.cluster.PassErrors;
import dev.merlin.exchange.cluster.PrivacyShare;
import dev.merlin.exchange.cluster.SegmentReplicator;
import dev.merlin.exchange.erasure.UserErasure;
import dev.merlin.exchange.cluster.SharedLimits;
import dev.merlin.exchange.dsp.ConnectedDsp;
import dev.merlin.exchange.dsp.DspAccounts;
import dev.merlin.exchange.dsp.DspNotifier;
import dev.merlin.exchange.dsp.DspWinLedger;
import dev.merlin.exchange.dashboard.DashboardSampler;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.flows.DataFlowLedger;
import dev.merlin.exchange.flows.DspDeletions;
import dev.merlin.exchange.http.AuctionEndpoint;
import dev.merlin.exchange.http.CatalogueEndpoint;
import dev.merlin.exchange.http.ClickEndpoint;
import dev.merlin.exchange.http.DashboardEndpoint;
import dev.merlin.exchange.http.DataFlowsEndpoint;
import dev.merlin.exchange.http.Endpoints;
import dev.merlin.exchange.http.EventsEndpoint;
import dev.merlin.exchange.http.HttpPipeline;
import dev.merlin.exchange.http.NoticeEndpoint;
import dev.merlin.exchange.http.PixelEndpoint;
import dev.merlin.exchange.http.PrivacyEndpoints;
import dev.merlin.exchange.http.ReportsEndpoint;
import dev.merlin.exchange.http.RolloutReportEndpoint;
import dev.merlin.exchange.http.UserSyncEndpoints;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.ConsentGate;
import dev.merlin.exchange.privacy.Holdout;
import dev.merlin.exchange.privacy.IdentityKeys;
import dev.merlin.exchange.privacy.OutboundRules;
import dev.merlin.exchange.privacy.UidCookies;
import dev.merlin.exchange.privacy.UserHash;
import dev.merlin.exchange.sellers.Sellers;
import dev.merlin.exchange.sellers.SellersJson;
import dev.merlin.exchange.tracking.TrackingService;
import dev.merlin.exchange.tuning.ExchangeTuning;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds the exchange's services and endpoints from the configuration, the stores
 * ({@link ExchangeStores}), the counters and the clock, and owns the two threads besides the event loops — the
 * maintenance agent (store purges) and the report worker. Opened at start-up once the port is checked (before any
 * connection is accepted), closed last at shutdown. Nothing it builds receives it: each endpoint gets exactly what it
 * uses.
 */
public final class ExchangeRuntime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ExchangeRuntime.class);
    /** How long the maintenance agent sleeps when no purge is due; bounds how late a purge runs and a close waits. */
    private static final long MAINTENANCE_IDLE_MILLIS = 100;
    /** Under the data dir: each campaign id's store slot, kept across restarts. */
    static final String SLOTS_FILE = "campaign-slots.txt";
    /**
     * The Kafka events agent's pause when it has nothing to do (nothing new, a batch not acknowledged yet, or its next
     * batch not due): events reach Kafka within about this after their batch is due; longer wakes the thread less.
     */
    private static final long KAFKA_EVENTS_IDLE_MILLIS = 20;
    /** The pause of the agents that read Kafka (their poll waits first) after a turn with nothing to do. */
    private static final long KAFKA_READER_IDLE_MILLIS = 10;

    private final MerlinConfig config;
    private final ExchangeMetrics metrics;
    private final LongSupplier epochSecondsClock;
    private final LiveCatalogue catalog;
    private final ConfigReload reload;
    private final Currencies currencies;
    private final NoticeUrls noticeUrls;
    private final IdentityKeys identity;
    private final Sellers sellers;
    private final AuctionIds auctionIds;
    private final ConsentGate consent;
    private final ExchangeStores stores;
    private final TrackingService tracking;
    private final AgentRunner maintenance;
    private final ThreadPoolExecutor slowWork;
    private final ThreadPoolExecutor adminWork;
    private final BuySide buySide;
    private final DashboardSampler dashboard;
    private final EventPublisher eventPublisher;
    private final AgentRunner kafkaEvents;
    private final SegmentReplicator segmentReplicator;
    private final AgentRunner kafkaSegments;
    private final PassErrors segmentsErrors = new PassErrors(LOG, "merlin-kafka-segments");
    private final PassErrors privacyErrors = new PassErrors(LOG, "merlin-kafka-privacy");
    private final UserErasure erasure;
    private final PrivacyShare privacyShare;
    private final AgentRunner kafkaPrivacy;
    /** Budgets and frequency caps shared through Kafka; null on a node on its own. */
    private final SharedLimits sharedLimits;
    private final NoticeRelay noticeRelay;
    private final AgentRunner kafkaNotices;

    /** Opens the stores under the config's data dir, with the wall clock. */
    public static ExchangeRuntime open(MerlinConfig config, ExchangeMetrics metrics) {
        return open(config, metrics, () -> System.currentTimeMillis() / 1000L);
    }

    /** Opens the stores with the given clock, in seconds since the epoch (tests inject one). */
    public static ExchangeRuntime open(MerlinConfig config, ExchangeMetrics metrics, LongSupplier epochSecondsClock) {
        return new ExchangeRuntime(config, metrics, epochSecondsClock);
    }

    private ExchangeRuntime(MerlinConfig config, ExchangeMetrics metrics, LongSupplier epochSecondsClock) {
        this.config = config;
        this.metrics = metrics;
        this.epochSecondsClock = epochSecondsClock;
        this.slowWork = newSlowWork(config.server().slowWorkThreads(), config.server().slowWorkQueue(),
                "merlin-reports");
        this.adminWork = newSlowWork(1, ExchangeTuning.ADMIN_WORK_QUEUE, "merlin-admin");
        // the admin API's overlay replaces the file's advertisers; ids keep their store slots (campaign-slots.txt)
        MerlinConfig catalogued = LiveCatalogue.withOverlay(config);
        Path dataDir = Path.of(config.dataDir());
        this.catalog = new LiveCatalogue(new CampaignCatalog(catalogued, CampaignSlots.durable(
                dataDir.resolve(SLOTS_FILE), CampaignCatalog.campaignCount(catalogued))), dataDir, epochSecondsClock);
        this.reload = new ConfigReload(catalog, config, ConfigLoader::loadDefault);
        this.currencies = new Currencies(config.exchange());
        this.noticeUrls = new NoticeUrls(config.exchange().publicUrl(), config.exchange().secureLinkUrl(),
                NoticeSecret.load(config, dataDir));
        warnWithoutSecureLinks(noticeUrls, config);
        this.sellers = new Sellers(config.sellers());
        this.auctionIds = new AuctionIds(config.exchange().nodeId(), System.currentTimeMillis());
        this.identity = IdentityKeys.load(config, dataDir);
        this.stores = ExchangeStores.open(config, catalog, identity.userHash(), epochSecondsClock);
        catalog.connect(stores.spend(), stores.events());
        this.consent = new ConsentGate(config.privacy(), ConsentGate.DEFAULT_CACHE_SLOTS, stores.optOuts(),
                Holdout.of(config, identity.holdoutHash()));
        try {
            this.tracking = new TrackingService(config, catalog, currencies, stores.segments(), stores.rules(),
                    stores.attribution(), stores.stats(), stores.frequency(), identity.userHash());
            registerStoreMetrics();
            this.erasure = newErasure(stores, tracking, identity, epochSecondsClock);
            this.buySide = BuySide.open(config, dataDir, currencies, metrics, epochSecondsClock,
                    identity.pairwiseIds(), stores.census(), stores.idSyncs(), stores.flows());
            List<Maintenance.Task> purges = new ArrayList<>(stores.purges(config.maintenance()));
            purges.add(stores.censusTask());
            purges.add(stores.expiredSyncsTask());
            purges.addAll(buySide.purges(Duration.ofSeconds(config.maintenance().expiredChargesPurgeSeconds()),
                    epochSecondsClock));
            this.maintenance = new AgentRunner(new SleepingMillisIdleStrategy(MAINTENANCE_IDLE_MILLIS),
                    error -> LOG.error("maintenance agent failed", error), null,
                    new Maintenance(purges, new SystemNanoClock(), metrics));
            this.dashboard = new DashboardSampler(metrics, catalog, stores.spend(), stores.flows(),
                    epochSecondsClock).start();
            this.eventPublisher = openEventPublisher(config, dataDir, metrics);
            this.segmentReplicator = openSegmentReplicator(config, stores, identity, metrics, epochSecondsClock);
            this.privacyShare = openPrivacyShare(config, stores, erasure, identity, metrics, epochSecondsClock);
            this.sharedLimits = openSharedLimits(config, stores, catalog, epochSecondsClock, metrics);
            this.noticeRelay = openNoticeRelay(dataDir);
        } catch (RuntimeException e) {
            stores.close();
            throw e;
        }
        startDaemon(maintenance, "merlin-maintenance");
        countGuardedErrors();
        this.kafkaEvents = startAgent(eventPublisher, KAFKA_EVENTS_IDLE_MILLIS, "merlin-kafka-events",
                "publishing events to Kafka failed; retrying");
        this.kafkaSegments = startAgent(segmentsErrors.guard(segmentReplicator), KAFKA_READER_IDLE_MILLIS,
                "merlin-kafka-segments", "replicating segments through Kafka failed; going on");
        this.kafkaPrivacy = startAgent(privacyErrors.guard(privacyShare), KAFKA_READER_IDLE_MILLIS,
                "merlin-kafka-privacy", "sharing erasures through Kafka failed; going on");
        this.kafkaNotices = startAgent(noticeRelay, KAFKA_READER_IDLE_MILLIS, "merlin-kafka-notices",
                "applying forwarded notices failed; going on");
    }

    /**
     * The relay applying the notices other nodes forwarded here when {@code cluster.kafka.bootstrap} is set, its
     * counters registered; else null.
     */
    private NoticeRelay openNoticeRelay(Path dataDir) {
        if (!config.cluster().hasKafka()) {
            return null;
        }
        NoticeRelay relay = NoticeRelay.open(config.cluster().kafka(), config.exchange().nodeId(),
                newNoticeEndpoint(), dataDir);
        metrics.counter("merlin_kafka_notices_applied", "Notices other nodes forwarded here, applied",
                relay::applied);
        metrics.counter("merlin_kafka_notices_refused", "Records of the notices topic refused: not a notice Merlin"
                + " signed, altered, another node's auction, malformed", relay::refused);
        metrics.counter("merlin_kafka_notices_errors", "Passes of the notice relay that ended in an Error (it went"
                + " on)", relay::errors);
        return relay;
    }

    /**
     * The segment replicator and the erasure sharer do not catch an {@link Error} themselves: their agents run
     * guarded (one from a pass is counted and the next pass runs), and these counters show them.
     */
    private void countGuardedErrors() {
        if (segmentReplicator != null) {
            metrics.counter("merlin_kafka_segments_errors", "Passes of the segment replicator that ended in an Error"
                    + " (it went on)", segmentsErrors::count);
        }
        if (privacyShare != null) {
            metrics.counter("merlin_kafka_privacy_errors", "Passes of the erasure sharer that ended in an Error (it"
                    + " went on)", privacyErrors::count);
        }
    }

    /** The relay of notices forwarded from other nodes, or null when no Kafka is configured. */
    public NoticeRelay noticeRelay() {
        return noticeRelay;
    }

    /** The segment replicator when {@code cluster.kafka.bootstrap} is set, listening to the store; else null. */
    private static SegmentReplicator openSegmentReplicator(MerlinConfig config, ExchangeStores stores,
                                                           IdentityKeys identity, ExchangeMetrics metrics,
                                                           LongSupplier clock) {
        if (!config.cluster().hasKafka()) {
            return null;
        }
        SegmentReplicator replicator = SegmentReplicator.open(stores.segments(), stores.erasures(), identity.userHash(),
                config.cluster().kafka(), config.exchange().nodeId(), clock);
        stores.segments().listen(replicator);
        metrics.counter("merlin_kafka_segments_published", "Segment changes Kafka acknowledged",
                replicator::published);
        metrics.counter("merlin_kafka_segments_failed", "Segment changes that did not reach Kafka",
                replicator::failed);
        metrics.counter("merlin_kafka_segments_dropped", "Segment changes dropped, the queue to Kafka full",
                replicator::dropped);
        metrics.counter("merlin_kafka_segments_applied", "Segment changes applied here: other nodes', and this"
                + " node's own replayed at start",
                replicator::applied);
        metrics.counter("merlin_kafka_segments_refused_erased", "Segment lists refused here: their user is erased or"
                + " opted out in this node's erasure registry", replicator::refusedErased);
        metrics.counter("merlin_kafka_segments_unguarded", "Users changed here during the start-up replay beyond those"
                + " remembered: an older list may have overwritten their change", replicator::unguarded);
        return replicator;
    }

    private static void warnWithoutSecureLinks(NoticeUrls noticeUrls, MerlinConfig config) {
        if (!noticeUrls.canLinkSecurely()) {
            LOG.warn("exchange.publicUrl {} is not https and exchange.securePublicUrl is not set: Merlin will not bid"
                    + " on secure imps (imp.secure=1; counted as merlin_no_bids_total{reason=\"no_secure_url\"})",
                    config.exchange().publicUrl());
        }
    }

    /**
     * Runs {@code agent} (null: none, no Kafka configured) on a daemon thread of its own, sleeping
     * {@code idleMillis} when idle; a failure is logged with {@code failure} and the agent goes on. Null for none.
     */
    private static AgentRunner startAgent(Agent agent, long idleMillis, String threadName, String failure) {
        if (agent == null) {
            return null;
        }
        AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(idleMillis),
                error -> LOG.warn(failure, error), null, agent);
        startDaemon(runner, threadName);
        return runner;
    }

    private static void startDaemon(AgentRunner runner, String threadName) {
        AgentRunner.startOnThread(runner, runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Erasure and opt-out over the stores, as the privacy endpoints and other nodes' records ask for them. */
    private static UserErasure newErasure(ExchangeStores stores, TrackingService tracking, IdentityKeys identity,
                                          LongSupplier clock) {
        return new UserErasure(new UserErasure.Stores(tracking, stores.optOuts(), stores.erasures(), stores.events(),
                stores.flows(), stores.deletions(), stores.idSyncs()), identity.pairwiseIds(), identity.userHash(),
                clock, ExchangeStores.ERASURE_MEMORY_SECONDS);
    }

    /** The erasure share when {@code cluster.kafka.bootstrap} is set, listening to the erasures; else null. */
    private static PrivacyShare openPrivacyShare(MerlinConfig config, ExchangeStores stores, UserErasure erasure,
                                                 IdentityKeys identity, ExchangeMetrics metrics, LongSupplier clock) {
        if (!config.cluster().hasKafka()) {
            return null;
        }
        PrivacyShare share = PrivacyShare.open(erasure, stores.erasures(), identity.userHash(),
                config.cluster().kafka(), config.exchange().nodeId(), clock);
        metrics.counter("merlin_kafka_privacy_published", "Erasures and opt-outs asked here that Kafka acknowledged",
                share::published);
        metrics.counter("merlin_kafka_privacy_failed", "Erasures and opt-outs that did not reach Kafka (sent again)",
                share::failed);
        metrics.counter("merlin_kafka_privacy_dropped", "Erasures and opt-outs dropped, a queue to the agent full",
                share::dropped);
        metrics.counter("merlin_kafka_privacy_applied", "Other nodes' erasures and opt-outs applied here",
                share::applied);
        metrics.counter("merlin_kafka_privacy_rejected", "Malformed records on the privacy topic, refused",
                share::rejected);
        metrics.counter("merlin_kafka_privacy_unremembered",
                "Erasures and opt-outs published as asked, the erasure registry full", share::unremembered);
        metrics.counter("merlin_kafka_privacy_unlogged_dropped",
                "Other nodes' erasures applied here whose event-log record was dropped, its queue full",
                erasure::unloggedDropped);
        return share;
    }

    /** Budgets and frequency caps shared with other nodes, or null when no Kafka is configured. */
    public SharedLimits sharedLimits() {
        return sharedLimits;
    }

    /** The share of erasures and opt-outs with the other nodes, or null when no Kafka is configured. */
    public PrivacyShare privacyShare() {
        return privacyShare;
    }

    /** The keys of users' hashes, uid cookies and pairwise ids. */
    public IdentityKeys identity() {
        return identity;
    }

    /** Erasure and opt-out on this node (what the privacy endpoints ask for). */
    public UserErasure erasure() {
        return erasure;
    }

    /** The segment replicator when {@code cluster.kafka.bootstrap} is set, else null. */
    public SegmentReplicator segmentReplicator() {
        return segmentReplicator;
    }

    /** Budgets and frequency caps shared through Kafka when {@code cluster.kafka.bootstrap} is set; else null. */
    private static SharedLimits openSharedLimits(MerlinConfig config, ExchangeStores stores, LiveCatalogue catalog,
                                                 LongSupplier epochSecondsClock, ExchangeMetrics metrics) {
        return config.cluster().hasKafka() ? SharedLimits.open(config.cluster(), config.exchange().nodeId(),
                stores.spend(), stores.frequency(), stores.erasures(), catalog, epochSecondsClock, metrics) : null;
    }

    /** The Kafka events publisher when {@code cluster.kafka.bootstrap} is set, its counters registered; else null. */
    private static EventPublisher openEventPublisher(MerlinConfig config, Path dataDir, ExchangeMetrics metrics) {
        if (!config.cluster().hasKafka()) {
            return null;
        }
        EventPublisher publisher;
        try {
            publisher = EventPublisher.open(dataDir, config.cluster().kafka(), config.exchange().nodeId());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + EventPublisher.POSITION_FILE, e);
        }
        metrics.counter("merlin_kafka_events_published", "Event-log records Kafka acknowledged",
                publisher::published);
        metrics.counter("merlin_kafka_events_failed_batches", "Batches of event-log records that did not reach"
                + " Kafka and are sent again", publisher::failedBatches);
        metrics.gauge("merlin_kafka_events_lag_bytes", "Bytes of the local event log not yet acknowledged by Kafka",
                publisher::lagBytes);
        metrics.counter("merlin_kafka_notices_forwarded", "Notices for other nodes' auctions Kafka acknowledged",
                publisher::noticesForwarded);
        metrics.counter("merlin_kafka_events_errors", "Passes of the events publisher that ended in an Error (it"
                + " went on)", publisher::errors);
        return publisher;
    }

    /** Starts the publisher on its own thread (never an event loop); null when there is none. */
    /** The Kafka events publisher, or null when no Kafka is configured. */
    public EventPublisher eventPublisher() {
        return eventPublisher;
    }

    private static ThreadPoolExecutor newSlowWork(int threads, int queue, String name) {
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queue), runnable -> {
                    Thread thread = new Thread(runnable, name);
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /** The bid path over this exchange's services and stores: one per server, its per-thread state inside. */
    public BidPath newBidPath() {
        return BidPath.builder()
                .decodeLimits(config.requests().toDecodeLimits())
                .maxResponseBytes(config.server().maxResponseBytes())
                .campaigns(catalog, currencies, config.exchange().takeRate())
                .links(noticeUrls, config.server().maxMarkupLength())
                .spend(stores.spend())
                .frequency(stores.frequency())
                .consent(consent)
                .segments(stores.segments())
                .userHash(identity.userHash())
                .auctionIds(auctionIds)
                .events(stores.events())
                .metrics(metrics)
                .clock(epochSecondsClock)
                .auctionTiming(config.auction())
                .auctionStage(buySide.stage)
                .externalWins(buySide.winRecorder())
                .dspPriceKeys(buySide.priceKeys)
                .rollout(stores.rollout())
                .build();
    }

    /** A new HTTP pipeline factory over endpoints built from this exchange's services and stores. */
    public HttpPipeline newPipeline() {
        return new HttpPipeline(config.server(), sellers, endpoints(), slowWork, adminWork, metrics);
    }

    /**
     * Win, bill and loss notices over this exchange's stores; on a node of a cluster they forward other nodes'
     * notices, and the relay applies the ones forwarded here through its own.
     */
    private NoticeEndpoint newNoticeEndpoint() {
        NoticeRouting routing = config.cluster().hasKafka()
                ? NoticeRouting.clustered(config.exchange().nodeId(), config.cluster().nodes()) : NoticeRouting.local();
        return new NoticeEndpoint(catalog.current(), noticeUrls, currencies, stores.spend(), stores.frequency(),
                tracking, stores.sellerStats(), stores.erasures(), stores.events(), config.exchange().takeRate(),
                metrics, epochSecondsClock, buySide.wins, buySide.notifier, buySide.accounts, routing);
    }

    private Endpoints endpoints() {
        EventLog events = stores.events();
        AuctionEndpoint auction = new AuctionEndpoint(sellers, newBidPath(), metrics, config.server().maxBodyBytes());
        NoticeEndpoint notices = newNoticeEndpoint();
        PixelEndpoint pixel = new PixelEndpoint(tracking, currencies, consent, stores.optOuts(), identity, events,
                config.tracking(), config.privacy(), metrics, epochSecondsClock);
        EventsEndpoint appEvents = new EventsEndpoint(tracking, currencies, consent, stores.optOuts(),
                stores.erasures(), identity, events, config.tracking(), metrics, epochSecondsClock);
        ClickEndpoint clicks = new ClickEndpoint(catalog.current(), noticeUrls, stores.clicks(), tracking,
                stores.erasures(), events, metrics, epochSecondsClock);
        ReportsEndpoint reports = new ReportsEndpoint(catalog, currencies, stores.spend(), stores.stats(),
                stores.sellerStats(), sellers, config.tracking(), metrics, epochSecondsClock, buySide.accounts,
                config.dsps());
        PrivacyEndpoints privacy = new PrivacyEndpoints(config.segments(), stores.segments(), tracking, erasure,
                identity, stores.flows(), config.tracking(), config.privacy(), metrics, epochSecondsClock);
        DataFlowsEndpoint dataFlows = new DataFlowsEndpoint(stores.flows(), config.tracking(), metrics,
                epochSecondsClock);
        UserSyncEndpoints userSync = new UserSyncEndpoints(config.dsps(), stores.idSyncs(), consent,
                new OutboundRules(config), stores.optOuts(), identity.uidCookies(), identity.userHash(),
                config.privacy().uidCookieDays(), config.exchange().publicUrl(), stores.flows(), epochSecondsClock,
                metrics);
        RolloutReportEndpoint rollout = new RolloutReportEndpoint(stores.rollout(), config.privacy().holdout(),
                currencies.exchangeCurrency(), config.tracking(), metrics, epochSecondsClock);
        return new Endpoints(auction, notices, pixel, appEvents, clicks, reports, privacy,
                SellersJson.render(config.exchange(), config.sellers()), dataFlows, userSync, rollout,
                new DashboardEndpoint(dashboard, config.tracking(), metrics),
                new CatalogueEndpoint(catalog, reload, config.tracking(), metrics));
    }

    private void registerStoreMetrics() {
        Map<String, DoubleSupplier> changes = new LinkedHashMap<>();
        changes.put("applied", catalog::applied);
        changes.put("refused", catalog::refused);
        metrics.counter("merlin_catalogue_changes_total", "Catalogue changes (admin API, config reload) by outcome:"
                + " applied, or refused (invalid, or no room for more campaign ids; nothing changed)", "outcome",
                changes);
        registerFlowMetrics();
        metrics.gauge("merlin_segment_store_users", "Users held in the segment store", stores.segments()::size);
        metrics.gauge("merlin_segment_store_full", "1 when the segment store has refused a write for lack of room",
                () -> stores.segments().isFull() ? 1 : 0);
        metrics.counter("merlin_segment_store_full_rejections_total",
                "Segment writes dropped because the store was full", stores.segments()::fullRejections);
        EventLog events = stores.events();
        metrics.counter("merlin_events_written_total", "Events the writer thread appended to the event log",
                events::written);
        Map<String, DoubleSupplier> dropped = new LinkedHashMap<>();
        dropped.put("ring_full", events::droppedFull);
        dropped.put("too_large", events::droppedOversized);
        metrics.counter("merlin_events_dropped_total", "Events the event log refused, by reason: ring_full (its ring"
                + " buffer was full, never waited on, or the log was closing), too_large (over the event size limit)",
                "reason", dropped);
        metrics.counter("merlin_events_write_failures_total",
                "Batches the event log writer failed to write (a full disk, say); each is retried in the same file",
                events::writeFailures);
        metrics.counter("merlin_charge_map_full_rejections_total",
                "Notices not charged because the charge-once map was full", stores.spend()::refusedFull);
        metrics.counter("merlin_click_map_full_rejections_total",
                "Clicks not counted because the click-once map was full", stores.clicks()::refusedFull);
        metrics.counter("merlin_erasure_registry_full_rejections_total",
                "Erasures or opt-outs the erasure registry could not remember for lack of room (the data was erased)",
                stores.erasures()::fullRejections);
        metrics.counter("merlin_optout_registry_full_rejections_total",
                "Opt-outs the opt-out registry could not remember for lack of room (the data was erased and the"
                        + " opt-out cookie set)", stores.optOuts()::fullRejections);
        metrics.gauge("merlin_optout_registry_users", "User keys the opt-out registry holds", stores.optOuts()::size);
        metrics.counter("merlin_uid_cookies_not_issued_total",
                "uid cookies Merlin did not sign (unsigned, forged, another key's, a device IFA), each taken as none",
                identity.uidCookies()::refused);
        metrics.gauge("merlin_erasure_registry_users", "Erased or opted-out users the erasure registry remembers",
                stores.erasures()::size);
        metrics.counter("merlin_commitment_map_full_rejections_total",
                "Bids not made because the commitment map was full", stores.spend()::commitmentsRefusedFull);
        metrics.gauge("merlin_open_commitments",
                "Won imps whose price is committed against their campaign's budgets, awaiting a notice",
                stores.spend()::openCommitments);
        metrics.gauge("merlin_charge_map_impressions",
                "Impressions the charge-once map remembers (those charged within the charge window)",
                stores.spend()::chargedImpressions);
    }

    /** The stores under the data dir. */
    public ExchangeStores stores() {
        return stores;
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

    /** Compiled campaigns: the catalogue in use now. */
    public CampaignCatalog catalog() {
        return catalog.current();
    }

    /** The catalogue in use and its changes (admin API, reload). */
    public LiveCatalogue liveCatalogue() {
        return catalog;
    }

    /** Reloads the config file's advertisers (SIGHUP, {@code POST /admin/reload}). */
    public ConfigReload configReload() {
        return reload;
    }

    /** Currency conversion. */
    public Currencies currencies() {
        return currencies;
    }

    /** Signs and verifies notice and click links. */
    public NoticeUrls noticeUrls() {
        return noticeUrls;
    }

    /** The keyed user hash: frequency caps, touches, erasures and the {@code u} of links are keyed by it. */
    public UserHash userHash() {
        return identity.userHash();
    }

    /** Issues and verifies Merlin's {@code uid} cookies. */
    public UidCookies uidCookies() {
        return identity.uidCookies();
    }


    /** The privacy decision, shared by the auction, the pixel and the events API. */
    public ConsentGate consent() {
        return consent;
    }

    /** Tracking: segment rules, attribution, statistics, erasure. */
    public TrackingService tracking() {
        return tracking;
    }

    /**
     * A single thread, with a bounded queue, for requests whose work grows with the data (reports), so they never
     * hold an event loop; a full queue refuses the task.
     */
    public Executor slowWork() {
        return slowWork;
    }

    /**
     * The operator's own thread, with a bounded queue, for what the operator asks with the admin token (the admin
     * API, the dashboard's data, every report): advertisers' reports never keep them waiting.
     */
    public Executor adminWork() {
        return adminWork;
    }

    /**
     * Closes every connection to the DSPs, waiting at most {@code timeoutMillis}; call it once the inbound
     * connections are drained and before the event loops stop ({@link BuySide#closeDspConnections}).
     */
    public boolean closeDspConnections(long timeoutMillis) {
        return buySide.closeDspConnections(timeoutMillis);
    }

    /** Stops the maintenance agent and the report and admin workers, then closes the stores; idempotent. */
    @Override
    public void close() {
        // no purge, report or dashboard sample may touch a store once it is unmapped: wait for them first
        dashboard.close();
        if (kafkaEvents != null) {
            kafkaEvents.close();
        }
        if (kafkaPrivacy != null) {
            kafkaPrivacy.close();
        }
        if (kafkaSegments != null) {
            kafkaSegments.close();
        }
        if (sharedLimits != null) {
            sharedLimits.close();
        }
        if (kafkaNotices != null) {
            kafkaNotices.close();
        }
        maintenance.close((int) TimeUnit.SECONDS.toMillis(ExchangeTuning.MAINTENANCE_STOP_SECONDS),
                thread -> LOG.warn("waiting for a store purge to finish before closing the stores"));
        slowWork.shutdown();
        adminWork.shutdown();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ExchangeTuning.SLOW_WORK_STOP_SECONDS);
            slowWork.awaitTermination(ExchangeTuning.SLOW_WORK_STOP_SECONDS, TimeUnit.SECONDS);
            adminWork.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        catalog.close();
        buySide.close();
        stores.close();
    }

    /** The live dashboard's sampler. */
    public DashboardSampler dashboard() {
        return dashboard;
    }

    /** DSP wins awaiting the seller's notice; null without DSPs. For tests and tools. */
    public DspWinLedger dspWins() {
        return buySide.wins;
    }

    /** The server-to-server notices to DSPs; null without DSPs. For tests and tools. */
    public DspNotifier dspNotifier() {
        return buySide.notifier;
    }

    /** What DSPs owe and sellers are paid, per day. */
    public DspAccounts accounts() {
        return buySide.accounts;
    }

    private void registerFlowMetrics() {
        DataFlowLedger flows = stores.flows();
        metrics.counter("merlin_data_flows_not_counted_total", "Data flows to DSPs the ledger could not count"
                + " because data-flows.cm3 was full", flows::aggregateFull);
        metrics.counter("merlin_data_flow_recipients_not_kept_total", "Users' DSP recipients not kept because"
                + " flow-recipients.cm3 was full", flows::recipientsFull);
        metrics.counter("merlin_data_flow_failures_total", "Data flows or recipients the ledger could not record"
                + " because a store failed", flows::failures);
        metrics.counter("merlin_rollout_rows_not_counted_total", "Auctions in the rollout's trial the report by arm"
                + " could not count because rollout.cm3 was full", stores.rollout()::refusedFull);
        metrics.counter("merlin_data_flow_events_not_logged_total", "Data-flow records the event log refused (its"
                + " ring full); the ledger's aggregate counted them", flows::eventsNotLogged);
        DspDeletions deletions = stores.deletions();
        Map<String, DoubleSupplier> byOutcome = new LinkedHashMap<>();
        for (DspDeletions.Outcome outcome : DspDeletions.Outcome.values()) {
            byOutcome.put(outcome.label(), () -> deletions.count(outcome));
        }
        metrics.counter("merlin_dsp_deletions_total", "Erasure requests Merlin called on DSPs' deletion endpoints,"
                + " by outcome: sent (2xx), refused (4xx), retried, failed (last attempt), dropped (queue full),"
                + " unconfigured (DSP or endpoint gone)", "outcome", byOutcome);
        metrics.gauge("merlin_dsp_deletions_waiting", "Erasure requests to DSPs waiting to be called or retried",
                deletions::waiting);
    }

    /** The data-flow ledger: what left Merlin for DSPs, and each user's recipients. */
    public DataFlowLedger flows() {
        return stores.flows();
    }

    /** The erasure requests to DSPs' deletion endpoints. */
    public DspDeletions deletions() {
        return stores.deletions();
    }

    /** The connected DSPs, in config order; for tests. */
    public List<ConnectedDsp> dsps() {
        return buySide.dsps;
    }
}
