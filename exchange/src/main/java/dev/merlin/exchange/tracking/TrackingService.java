package dev.merlin.exchange.tracking;

import dev.merlin.config.MerlinConfig;
import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.CatalogSource;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.FrequencyStore;
import dev.merlin.exchange.privacy.UserHash;
import dev.merlin.exchange.secrets.Secrets;
import dev.merlin.exchange.segments.SegmentStore;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What happens to one piece of activity that passed the consent gate: segment rules, conversion attribution and
 * campaign statistics. Also clicks, impressions and erasure. Shared by the pixel, the events API and the notices.
 */
public final class TrackingService {

    /** What an activity event did. */
    public record Recorded(int[] segmentsJoined, Attribution.Outcome conversion) {
    }

    private final CatalogSource catalog;
    private final Currencies currencies;
    private final SegmentStore segments;
    private final SegmentRules rules;
    private final Attribution attribution;
    private final CampaignStats stats;
    private final FrequencyStore frequency;
    private final UserHash userHash;
    private final Map<String, String> pixelAdvertisers = new HashMap<>();
    private final TrackingConfig.EventSourceConfig[] sources;
    private final byte[][] sourceKeyDigests;
    private final Set<String> conversionEvents;

    /** Wires the stores; the caller owns and closes them. */
    public TrackingService(MerlinConfig config, CatalogSource catalog, Currencies currencies, SegmentStore segments,
                           SegmentRules rules, Attribution attribution, CampaignStats stats,
                           FrequencyStore frequency, UserHash userHash) {
        this.catalog = catalog;
        this.currencies = currencies;
        this.segments = segments;
        this.rules = rules;
        this.attribution = attribution;
        this.stats = stats;
        this.frequency = frequency;
        this.userHash = userHash;
        for (TrackingConfig.PixelConfig pixel : config.tracking().pixels()) {
            pixelAdvertisers.put(pixel.id(), pixel.advertiser());
        }
        this.sources = config.tracking().eventSources().toArray(new TrackingConfig.EventSourceConfig[0]);
        this.sourceKeyDigests = new byte[sources.length][];
        for (int i = 0; i < sources.length; i++) {
            sourceKeyDigests[i] = Secrets.digest(sources[i].apiKey());
        }
        this.conversionEvents = new HashSet<>(config.tracking().attribution().conversionEvents());
    }

    /** The advertiser owning a pixel, or null for an unknown pixel id. */
    public String pixelAdvertiser(String pixelId) {
        return pixelId == null ? null : pixelAdvertisers.get(pixelId);
    }

    /** The event source an API key belongs to, or null; keys are compared in constant time ({@link Secrets}). */
    public TrackingConfig.EventSourceConfig sourceForKey(String apiKey) {
        if (apiKey == null) {
            return null;
        }
        int found = Secrets.indexOf(sourceKeyDigests, Secrets.digest(apiKey));
        return found < 0 ? null : sources[found];
    }

    /** Whether {@code event} counts as a conversion. */
    public boolean isConversion(String event) {
        return conversionEvents.contains(event);
    }

    /**
     * Records one consented activity event: segment rules for the user, and — for a conversion event — last-touch
     * attribution to one of the advertiser's campaigns, counted in that campaign's statistics. Attribution windows
     * are measured from when the event happened ({@code eventEpochSeconds}, at most {@code now}), not from when it
     * arrived: a late-reported conversion keeps its touches, and a touch after the conversion is never credited.
     */
    public Recorded record(String sourceId, String advertiserId, String userKey, String event, String category,
                           double value, String currency, String orderId, long eventEpochSeconds, long now) {
        long userHash = this.userHash.hash(userKey);
        int[] joined = rules.apply(sourceId, userKey, userHash, event, category, value, eventEpochSeconds, now);
        Attribution.Outcome conversion = null;
        if (isConversion(event)) {
            conversion = attribution.attribute(userHash, advertiserId, orderId,
                    Math.min(eventEpochSeconds, now));
            if (conversion.isCredited()) {
                Campaign campaign = conversion.credit().campaign();
                stats.add(campaign, CampaignStats.Metric.CONVERSIONS, 1, now);
                long valueMicros = value > 0 ? currencies.toMicros(value, currency) : 0;
                if (valueMicros > 0) {
                    stats.add(campaign, CampaignStats.Metric.CONVERSION_VALUE_MICROS, valueMicros, now);
                }
            }
        }
        return new Recorded(joined, conversion);
    }

    /** A charged impression: statistics, and the user's latest view of the advertiser when known. */
    public void impression(Campaign campaign, long userHash, long now) {
        stats.add(campaign, CampaignStats.Metric.IMPRESSIONS, 1, now);
        if (userHash != 0) {
            attribution.impression(userHash, campaign, now);
        }
    }

    /** A click: statistics, and the user's latest click on the advertiser when known. */
    public void click(Campaign campaign, long userHash, long now) {
        stats.add(campaign, CampaignStats.Metric.CLICKS, 1, now);
        if (userHash != 0) {
            attribution.click(userHash, campaign, now);
        }
    }

    /** Erases everything held about a user key: segments, rule counts, clicks and views, frequency counts. */
    public boolean erase(String userKey) {
        boolean held = segments.erase(userKey);
        eraseDerived(this.userHash.hash(userKey));
        return held;
    }

    /**
     * Erases everything held about a user key that another node was asked to erase: what {@link #erase} does, but the
     * store's listener hears of the segments only when this node still held some (their tombstone from the node that
     * was asked is then published again, see {@link SegmentStore#eraseHeld}); returns whether it held any.
     */
    public boolean eraseApplied(String userKey) {
        boolean held = segments.eraseHeld(userKey);
        eraseDerived(this.userHash.hash(userKey));
        return held;
    }

    /**
     * Erases what this node derived from the user's activity — progress towards segment rules, views awaiting a
     * conversion, frequency counts — but not the segments.
     */
    private void eraseDerived(long userHash) {
        rules.erase(userHash);
        attribution.erase(userHash);
        frequency.erase(userHash, catalog.current().slots().size());
    }

    /** The campaign catalog. */
    public CampaignCatalog catalog() {
        return catalog.current();
    }

    /** Per-campaign statistics. */
    public CampaignStats stats() {
        return stats;
    }
}
