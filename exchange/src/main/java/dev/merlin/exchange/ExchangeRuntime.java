package dev.merlin.exchange;

import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.auction.BidResponseBuilder;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.FrequencyStore;
import dev.merlin.exchange.auction.NoticeUrls;
import dev.merlin.exchange.auction.SpendLedger;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.segments.SegmentStore;
import dev.merlin.exchange.segments.SegmentStoreSettings;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * What a running exchange owns besides its sockets: the compiled campaigns and the stores under the data dir.
 * Opened at start-up before the port is bound, closed last at shutdown.
 */
public final class ExchangeRuntime implements AutoCloseable {

    private final MerlinConfig config;
    private final ExchangeMetrics metrics;
    private final LongSupplier epochSecondsClock;
    private final CampaignCatalog catalog;
    private final Currencies currencies;
    private final BidResponseBuilder responses;
    private final SegmentStore segments;
    private final SpendLedger spend;
    private final FrequencyStore frequency;

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
        this.responses = new BidResponseBuilder(currencies, new NoticeUrls(config.exchange().publicUrl()));
        Path dataDir = Path.of(config.dataDir());
        StoresConfig stores = config.stores();
        SegmentStoreSettings segmentSettings = SegmentStoreSettings.defaults()
                .withMaxSegmentsPerUser(stores.maxSegmentsPerUser());
        segmentSettings = new SegmentStoreSettings(stores.segmentUsers(), stores.averageKeyBytes(),
                Math.min(stores.averageSegmentsPerUser(), stores.maxSegmentsPerUser()), stores.maxSegmentsPerUser(),
                segmentSettings.maxKeyChars());
        this.segments = SegmentStore.open(dataDir, segmentSettings, epochSecondsClock);
        SpendLedger ledger = null;
        try {
            ledger = new SpendLedger(catalog, dataDir, stores.chargedImpressions(), epochSecondsClock.getAsLong());
            this.frequency = new FrequencyStore(dataDir, stores.frequencyEntries());
        } catch (RuntimeException e) {
            if (ledger != null) {
                ledger.close();
            }
            segments.close();
            throw e;
        }
        this.spend = ledger;
        metrics.gauge("merlin_segment_store_users", "Users held in the segment store", segments::size);
        metrics.gauge("merlin_segment_store_full", "1 when the segment store has refused a write for lack of room",
                () -> segments.isFull() ? 1 : 0);
        metrics.counter("merlin_segment_store_full_rejections_total",
                "Segment writes dropped because the store was full", segments::fullRejections);
        metrics.counter("merlin_charge_map_full_rejections_total",
                "Notices not charged because the charge-once map was full", spend::refusedFull);
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

    /** Builds bid responses. */
    public BidResponseBuilder responses() {
        return responses;
    }

    /** Users' segments. */
    public SegmentStore segments() {
        return segments;
    }

    /** Spend, budgets, pacing, charge-once. */
    public SpendLedger spend() {
        return spend;
    }

    /** Frequency caps. */
    public FrequencyStore frequency() {
        return frequency;
    }

    @Override
    public void close() {
        try {
            frequency.close();
        } finally {
            try {
                spend.close();
            } finally {
                segments.close();
            }
        }
    }
}
