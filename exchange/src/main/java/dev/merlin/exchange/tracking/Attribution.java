package dev.merlin.exchange.tracking;

import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.store.ChronicleMapFiles;
import dev.merlin.exchange.store.WindowCounters;
import java.nio.file.Path;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.values.Values;

/**
 * Last-touch attribution: a conversion is credited to the same user's last click on the advertiser's campaigns
 * within the click window, else to the last impression within the view window; each conversion (by order id,
 * when the advertiser sends one) at most once.
 *
 * <p>Touches live off-heap, one per (user, advertiser, kind), keyed by the user's 64-bit hash:
 * <pre>
 *  63          40 39                       0
 * +--------------+--------------------------+
 * | campaign idx | epoch seconds of touch   |
 * +--------------+--------------------------+
 * </pre>
 */
public final class Attribution implements AutoCloseable {

    static final String TOUCH_FILE = "touches.cm3";
    static final String CONVERSION_FILE = "conversions.cm3";
    private static final int CLICK = 0;
    private static final int VIEW = 1;
    private static final long SECONDS_MASK = (1L << 40) - 1;

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
        /** This order id was already credited. */
        DUPLICATE
    }

    private final CampaignCatalog catalog;
    private final int clickWindowSeconds;
    private final int viewWindowSeconds;
    private final ChronicleMapFiles.Opened<LongValue, LongValue> touches;
    private final ChronicleMapFiles.Opened<CharSequence, Long> conversions;
    private final ThreadLocal<LongValue[]> scratch = ThreadLocal.withInitial(
            () -> new LongValue[] {Values.newHeapInstance(LongValue.class), Values.newHeapInstance(LongValue.class)});

    /** Opens the touch and conversion stores under {@code dataDir}. */
    public Attribution(CampaignCatalog catalog, TrackingConfig.AttributionConfig config, Path dataDir, long entries) {
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
        int advertiser = catalog.advertiserIndex(campaign.advertiserId());
        LongValue[] kv = scratch.get();
        kv[0].setValue(WindowCounters.key(userHash, advertiser * 2 + kind));
        kv[1].setValue((long) campaign.index() << 40 | (nowEpochSeconds & SECONDS_MASK));
        try {
            touches.map().put(kv[0], kv[1]);
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (!ChronicleMapFiles.isFull(e)) {
                throw e;
            }
        }
    }

    /**
     * Credits a conversion of {@code advertiserId} by the user: the last click within the click window, else the
     * last impression within the view window.
     *
     * @param orderId the advertiser's id for the conversion (null: every conversion event is distinct)
     * @return the credited touch, or why there is none
     */
    public Outcome attribute(long userHash, String advertiserId, String orderId, long nowEpochSeconds) {
        int advertiser = catalog.advertiserIndex(advertiserId);
        if (userHash == 0 || advertiser < 0) {
            return Outcome.NO_TOUCH;
        }
        Credit credit = lastTouch(userHash, advertiser, CLICK, clickWindowSeconds, nowEpochSeconds);
        if (credit == null) {
            credit = lastTouch(userHash, advertiser, VIEW, viewWindowSeconds, nowEpochSeconds);
        }
        if (credit == null) {
            return Outcome.NO_TOUCH;
        }
        if (orderId != null && conversions.map().putIfAbsent(advertiserId + "/" + orderId, nowEpochSeconds) != null) {
            return Outcome.DUPLICATE;
        }
        return new Outcome(credit, null);
    }

    private Credit lastTouch(long userHash, int advertiser, int kind, int windowSeconds, long now) {
        LongValue[] kv = scratch.get();
        kv[0].setValue(WindowCounters.key(userHash, advertiser * 2 + kind));
        LongValue value = touches.map().getUsing(kv[0], kv[1]);
        if (value == null) {
            return null;
        }
        long packed = value.getValue();
        long at = packed & SECONDS_MASK;
        int campaignIndex = (int) (packed >>> 40);
        if (now - at > windowSeconds || now < at || campaignIndex >= catalog.size()) {
            return null;
        }
        return new Credit(catalog.get(campaignIndex), kind == CLICK, at);
    }

    /** Forgets the user's clicks and impressions for every advertiser (erasure). */
    public void erase(long userHash) {
        LongValue[] kv = scratch.get();
        for (int advertiser = 0; advertiser < catalog.advertisers().size(); advertiser++) {
            for (int kind = CLICK; kind <= VIEW; kind++) {
                kv[0].setValue(WindowCounters.key(userHash, advertiser * 2 + kind));
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
