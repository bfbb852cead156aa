package dev.merlin.exchange.tracking;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.FrequencyStore;
import dev.merlin.exchange.segments.SegmentSet;
import dev.merlin.exchange.segments.SegmentStore;
import dev.merlin.exchange.segments.SegmentStoreSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The tracking stores of the embedded demo config, opened for real (Chronicle Map files) under a temporary data
 * dir, with a clock the test moves. One extra rule is added, because the demo has no {@code minValue} rule:
 * {@code checkout} events worth at least 100 from any source put the user in {@code news-readers}.
 */
final class TrackingStores implements AutoCloseable {

    /** Thursday 2026-05-28 20:26:40 UTC: mid-day, so even pacing lets campaigns spend. */
    static final long T0 = 1_780_000_000L;
    static final int SPORTS_FANS = 101;
    static final int K_DRAMA_FANS = 105;
    static final int RECENT_PURCHASERS = 106;
    static final int NEWS_READERS = 107;
    static final int DAY = 86_400;

    final MerlinConfig config;
    final CampaignCatalog catalog;
    final SegmentStore segments;
    final SegmentRules rules;
    final Attribution attribution;
    final CampaignStats stats;
    final FrequencyStore frequency;
    final TrackingService tracking;
    long now = T0;

    /** The user hash these stores are keyed by: a fixed test key. */
    static final dev.merlin.exchange.auction.UserHash USER_HASH =
            dev.merlin.exchange.privacy.IdentityKeys.of("tracking-stores-test-secret".getBytes()).userHash();

    TrackingStores(Path dataDir) {
        this.config = demoConfig(dataDir);
        this.catalog = new CampaignCatalog(config);
        long entries = 10_000L;
        this.segments = SegmentStore.open(dataDir, SegmentStoreSettings.defaults().withEntries(entries), () -> now);
        this.rules = new SegmentRules(config, segments, dataDir, entries);
        this.attribution = new Attribution(catalog, config.tracking().attribution(), dataDir, entries);
        this.stats = new CampaignStats(dataDir, catalog.size());
        this.frequency = new FrequencyStore(dataDir, entries);
        this.tracking = new TrackingService(config, catalog, new Currencies(config.exchange()), segments, rules,
                attribution, stats, frequency, USER_HASH);
    }

    /** The embedded demo config plus the {@code big-checkouts} rule, under {@code dataDir}, with small stores. */
    static MerlinConfig demoConfig(Path dataDir) {
        MerlinConfig demo = ConfigLoader.loadDefault();
        TrackingConfig t = demo.tracking();
        List<TrackingConfig.SegmentRuleConfig> rules = new ArrayList<>(t.segmentRules());
        rules.add(new TrackingConfig.SegmentRuleConfig("big-checkouts", "*", List.of("checkout"), null, 100.0, null,
                null, "news-readers", 3 * DAY));
        return demo.withTracking(t.withSegmentRules(rules))
                .withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L))
                .validate();
    }

    /** One event through the service, happening now, with no value or order id. */
    TrackingService.Recorded event(String source, String user, String event, String category) {
        return tracking.record(source, advertiserOf(source), user, event, category, 0, null, null, now, now);
    }

    String advertiserOf(String source) {
        String pixelAdvertiser = tracking.pixelAdvertiser(source);
        if (pixelAdvertiser != null) {
            return pixelAdvertiser;
        }
        for (TrackingConfig.EventSourceConfig s : config.tracking().eventSources()) {
            if (s.id().equals(source)) {
                return s.advertiser();
            }
        }
        return "kaze-sportswear";
    }

    /** Whether the user holds a live segment, as the auction would read it now. */
    boolean holds(String user, int segmentId) {
        return holdsAt(user, segmentId, now);
    }

    boolean holdsAt(String user, int segmentId, long at) {
        SegmentSet set = new SegmentSet();
        segments.read(user, at, set);
        return set.contains(segmentId);
    }

    @Override
    public void close() {
        try (SegmentStore s = segments; SegmentRules r = rules; Attribution a = attribution; CampaignStats c = stats;
             FrequencyStore f = frequency) {
            // closed in reverse order by try-with-resources
        }
    }
}
