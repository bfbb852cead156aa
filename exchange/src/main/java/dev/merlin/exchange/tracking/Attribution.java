package dev.merlin.exchange.tracking;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.CampaignSlots;
import dev.merlin.exchange.auction.CatalogSource;
import dev.merlin.exchange.store.ChronicleMapFiles;
import dev.merlin.exchange.store.WindowCounters;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.values.Values;

/**
 * Last-touch attribution: a conversion is credited to the same user's last click on the advertiser's campaigns
 * within the click window, else to the last impression within the view window; each conversion (by order id,
 * when the advertiser sends one) at most once.
 *
 * <p>Touches live off-heap, one per (user, advertiser, kind), keyed by the user's 64-bit hash mixed with a hash of
 * the advertiser's id (never its position in the config):
 * <pre>
 *  63          40 39                       0
 * +--------------+--------------------------+
 * | campaign id  | epoch seconds of touch   |
 * | hash, 24 bit |                          |
 * +--------------+--------------------------+
 * </pre>
 * A touch is credited only to a campaign of the converting advertiser whose id hashes the same: after a restart
 * with advertisers or campaigns reordered, added or removed, a touch never becomes another advertiser's
 * conversion.
 *
 * <p>Every order id (when the advertiser sends one) is remembered the first time it is seen, credited or not, so
 * that the same order re-fired later is never credited, whatever touch happened in between.
 */
public final class Attribution implements AutoCloseable {

    static final String TOUCH_FILE = "last-touches.cm3";
    static final String CONVERSION_FILE = "conversions.cm3";
    private static final int CLICK = 0;
    private static final int VIEW = 1;
    private static final long SECONDS_MASK = (1L << 40) - 1;
    private static final int CAMPAIGN_HASH_MASK = (1 << 24) - 1;

    /** A credited conversion. */
    public record Credit(Campaign campaign, boolean isClick, long touchEpochSeconds) {
    }

    /** What became of a conversion: credited to a touch, or why not. */
    public record Outcome(Credit credit, NoCredit missing) {
        static final Outcome NO_TOUCH = new Outcome(null, NoCredit.NO_TOUCH);
        static final Outcome DUPLICATE = new Outcome(null, NoCredit.DUPLICATE);

        /** True when a campaign was credited. */
        public boolean isCredited() {
            return credit != null;
        }
    }

    /** The outcome when nothing is credited. */
    public enum NoCredit {
        /** No click or impression of the advertiser's within the windows. */
        NO_TOUCH,
        /** This order id was already seen (credited or not). */
        DUPLICATE
    }

    private final CatalogSource catalog;
    private final int clickWindowSeconds;
    private final int viewWindowSeconds;
    private final ChronicleMapFiles.Opened<LongValue, LongValue> touches;
    private final ChronicleMapFiles.Opened<CharSequence, Long> conversions;
    private final ThreadLocal<LongValue[]> scratch = ThreadLocal.withInitial(
            () -> new LongValue[] {Values.newHeapInstance(LongValue.class), Values.newHeapInstance(LongValue.class)});

    /** Opens the touch and conversion stores under {@code dataDir}. */
    public Attribution(CatalogSource catalog, TrackingConfig.AttributionConfig config, Path dataDir, long entries) {
        this.catalog = catalog;
        this.clickWindowSeconds = config.clickWindowSeconds();
        this.viewWindowSeconds = config.viewWindowSeconds();
        this.touches = ChronicleMapFiles.open(dataDir, TOUCH_FILE,
                ChronicleMap.of(LongValue.class, LongValue.class).name("merlin-touches").entries(entries));
        try {
            this.conversions = ChronicleMapFiles.open(dataDir, CONVERSION_FILE,
                    ChronicleMap.of(CharSequence.class, Long.class).name("merlin-conversions")
                            .entries(entries).averageKeySize(48));
        } catch (RuntimeException e) {
            touches.close();
            throw e;
        }
    }

    /** Remembers a click as the user's latest on this campaign's advertiser. */
    public void click(long userHash, Campaign campaign, long nowEpochSeconds) {
        touch(userHash, campaign, CLICK, nowEpochSeconds);
    }

    /** Remembers an impression as the user's latest of this campaign's advertiser. */
    public void impression(long userHash, Campaign campaign, long nowEpochSeconds) {
        touch(userHash, campaign, VIEW, nowEpochSeconds);
    }

    private void touch(long userHash, Campaign campaign, int kind, long nowEpochSeconds) {
        if (userHash == 0) {
            return;
        }
        LongValue[] kv = scratch.get();
        kv[0].setValue(touchKey(userHash, campaign.advertiserId(), kind));
        kv[1].setValue((long) campaignHash(campaign.id()) << 40 | (nowEpochSeconds & SECONDS_MASK));
        try {
            touches.map().put(kv[0], kv[1]);
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (!ChronicleMapFiles.isFull(e)) {
                throw e;
            }
        }
    }

    /**
     * Credits a conversion of {@code advertiserId} by the user, made at {@code eventEpochSeconds}: the last click
     * within the click window before it, else the last impression within the view window before it. A touch made
     * after the conversion is never credited for it.
     *
     * @param orderId the advertiser's id for the conversion (null: every conversion event is distinct); remembered
     *                however the conversion ends, so a re-fired order is never credited
     * @return the credited touch, or why there is none
     */
    public Outcome attribute(long userHash, String advertiserId, String orderId, long eventEpochSeconds) {
        if (catalog.current().advertiserIndex(advertiserId) < 0) {
            return Outcome.NO_TOUCH;
        }
        if (orderId != null && !firstSeen(advertiserId + "/" + orderId, eventEpochSeconds)) {
            return Outcome.DUPLICATE;
        }
        if (userHash == 0) {
            return Outcome.NO_TOUCH;
        }
        Credit credit = lastTouch(userHash, advertiserId, CLICK, clickWindowSeconds, eventEpochSeconds);
        if (credit == null) {
            credit = lastTouch(userHash, advertiserId, VIEW, viewWindowSeconds, eventEpochSeconds);
        }
        return credit == null ? Outcome.NO_TOUCH : new Outcome(credit, null);
    }

    /** Remembers an order id; false when it was seen before. A full store remembers nothing and says "first". */
    private boolean firstSeen(String orderKey, long eventEpochSeconds) {
        try {
            return conversions.map().putIfAbsent(orderKey, eventEpochSeconds) == null;
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (!ChronicleMapFiles.isFull(e)) {
                throw e;
            }
            return true;
        }
    }

    private Credit lastTouch(long userHash, String advertiserId, int kind, int windowSeconds, long at) {
        LongValue[] kv = scratch.get();
        kv[0].setValue(touchKey(userHash, advertiserId, kind));
        LongValue value = touches.map().getUsing(kv[0], kv[1]);
        if (value == null) {
            return null;
        }
        long packed = value.getValue();
        long touchedAt = packed & SECONDS_MASK;
        if (at - touchedAt > windowSeconds || at < touchedAt) {
            return null;
        }
        Campaign campaign = campaignOf(advertiserId, (int) (packed >>> 40));
        return campaign == null ? null : new Credit(campaign, kind == CLICK, touchedAt);
    }

    /** The advertiser's campaign whose id hashes to {@code hash}, or null (removed, or another advertiser's). */
    private Campaign campaignOf(String advertiserId, int hash) {
        CampaignCatalog campaigns = catalog.current();
        for (int i = 0; i < campaigns.size(); i++) {
            Campaign campaign = campaigns.get(i);
            if (campaign.advertiserId().equals(advertiserId) && campaignHash(campaign.id()) == hash) {
                return campaign;
            }
        }
        return null;
    }

    /** The touch key: stable across restarts whatever the order of advertisers in the config. */
    private static long touchKey(long userHash, String advertiserId, int kind) {
        return WindowCounters.key(userHash, advertiserId.hashCode() * 2 + kind);
    }

    /** 24 bits of a campaign id (String.hashCode is specified, so stable across JVMs), mixed. */
    static int campaignHash(String campaignId) {
        int h = campaignId.hashCode() * 0x9E3779B1;
        return (h ^ (h >>> 24)) & CAMPAIGN_HASH_MASK;
    }

    /**
     * Forgets the user's clicks and impressions for every advertiser (erasure): those of the catalogue in use and
     * those whose campaigns it has since dropped (a removed advertiser's touches are erased too).
     */
    public void erase(long userHash) {
        LongValue[] kv = scratch.get();
        CampaignCatalog current = catalog.current();
        Set<String> advertiserIds = new HashSet<>();
        for (AdvertiserConfig advertiser : current.advertisers()) {
            advertiserIds.add(advertiser.id());
        }
        CampaignSlots slots = current.slots();
        for (int slot = 0; slot < slots.size(); slot++) {
            Campaign campaign = slots.get(slot);
            if (campaign != null) {
                advertiserIds.add(campaign.advertiserId());
            }
        }
        for (String advertiserId : advertiserIds) {
            for (int kind = CLICK; kind <= VIEW; kind++) {
                kv[0].setValue(touchKey(userHash, advertiserId, kind));
                touches.map().remove(kv[0]);
            }
        }
    }

    @Override
    public void close() {
        try {
            touches.close();
        } finally {
            conversions.close();
        }
    }
}
