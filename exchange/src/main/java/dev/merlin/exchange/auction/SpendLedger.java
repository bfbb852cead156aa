package dev.merlin.exchange.auction;

import dev.merlin.exchange.store.ChronicleMapFiles;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.MapSegmentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Campaign spend, budgets and pacing, persisted in Chronicle Maps under the data dir so that budgets survive a
 * restart; and the once-only rule: an impression (request id, imp id) is charged at most once, however many win
 * or billing notices arrive for it.
 *
 * <p>The once-only memory ({@code charged.cm3}: key request id and imp id, value the auction's time) would grow
 * without end, so it is bounded in time: a notice more than the charge window after its auction is refused
 * ({@link Charge#EXPIRED}), and {@link #purgeExpired}, run by the runtime's maintenance thread, removes what is older
 * than the window (plus a little slack). Whatever it removes can no longer be charged, so no impression is charged
 * twice, however late a notice is repeated. The oldest auction time still charged is persisted too, so that a clock
 * set back or a wider window after a restart does not reopen impressions already forgotten.
 *
 * <p>The auction reads in-memory counters ({@link #canSpend}: no allocation, no I/O); charges write through to
 * the map on the notice path. Days are UTC.
 */
public final class SpendLedger implements SpendView, AutoCloseable {

    static final String SPEND_FILE = "spend.cm3";
    static final String CHARGED_FILE = "charged.cm3";
    /** Even pacing may run this far ahead of a straight line through the day. */
    static final long PACING_AHEAD_SECONDS = 900;
    /**
     * A purge keeps this much beyond the window, so that a notice checked against the window just before a purge
     * still finds its impression when it records it a moment later.
     */
    static final long PURGE_SLACK_SECONDS = 600;
    /** Key in the spend map of the oldest auction time still charged (the last purge's cut-off). */
    private static final String PURGED_BEFORE_KEY = "charged/purged-before";

    private static final Logger LOG = LoggerFactory.getLogger(SpendLedger.class);

    /** What became of a charge. */
    public enum Charge {
        /** Spend recorded. */
        CHARGED,
        /** A notice for an impression already charged. */
        DUPLICATE,
        /** A notice later than the charge window after its auction: not charged, it may have been forgotten. */
        EXPIRED,
        /** The once-only map is full: not charged, so no advertiser is charged twice. */
        REFUSED_FULL
    }

    private final CampaignCatalog catalog;
    private final ChronicleMapFiles.Opened<CharSequence, Long> spend;
    private final ChronicleMapFiles.Opened<CharSequence, Long> charged;
    private final AtomicLongArray spentTodayMicros;
    private final AtomicLongArray spentTotalMicros;
    private final AtomicLong refusedFull = new AtomicLong();
    private final long chargeWindowSeconds;
    private volatile long purgedBeforeEpochSeconds;
    private volatile boolean isChargedMapFull;
    private volatile long currentEpochDay;

    /**
     * Opens the ledger under {@code dataDir}; {@code chargedEntries} bounds the once-only map, which must hold the
     * impressions charged in {@code chargeWindowSeconds} (plus the slack and the interval between purges).
     */
    public SpendLedger(CampaignCatalog catalog, Path dataDir, long chargedEntries, long chargeWindowSeconds,
                       long nowEpochSeconds) {
        if (chargeWindowSeconds <= 0) {
            throw new IllegalArgumentException("chargeWindowSeconds must be positive: " + chargeWindowSeconds);
        }
        this.catalog = catalog;
        this.chargeWindowSeconds = chargeWindowSeconds;
        this.spend = ChronicleMapFiles.open(dataDir, SPEND_FILE, ChronicleMap.of(CharSequence.class, Long.class)
                .name("merlin-spend").entries(Math.max(1_000, catalog.size() * 400L)).averageKeySize(40));
        try {
            this.charged = ChronicleMapFiles.open(dataDir, CHARGED_FILE,
                    ChronicleMap.of(CharSequence.class, Long.class).name("merlin-charged")
                            .entries(chargedEntries).averageKeySize(48));
        } catch (RuntimeException e) {
            spend.close();
            throw e;
        }
        this.spentTodayMicros = new AtomicLongArray(catalog.size());
        this.spentTotalMicros = new AtomicLongArray(catalog.size());
        this.currentEpochDay = Math.floorDiv(nowEpochSeconds, 86_400L);
        this.purgedBeforeEpochSeconds = orZero(spend.map().get(PURGED_BEFORE_KEY));
        for (int i = 0; i < catalog.size(); i++) {
            Campaign campaign = catalog.get(i);
            spentTotalMicros.set(i, orZero(spend.map().get(totalKey(campaign))));
            spentTodayMicros.set(i, orZero(spend.map().get(dayKey(campaign, currentEpochDay))));
        }
    }

    @Override
    public boolean canSpend(Campaign campaign, long nowEpochSeconds) {
        long day = Math.floorDiv(nowEpochSeconds, 86_400L);
        if (day != currentEpochDay) {
            rollDay(day);
        }
        int i = campaign.index;
        if (spentTotalMicros.get(i) >= campaign.totalBudgetMicros) {
            return false;
        }
        long today = spentTodayMicros.get(i);
        if (today >= campaign.dailyBudgetMicros) {
            return false;
        }
        if (campaign.isEvenPacing) {
            long secondsIntoDay = nowEpochSeconds - day * 86_400L;
            long allowedSeconds = Math.min(86_400L, secondsIntoDay + PACING_AHEAD_SECONDS);
            // spent/daily <= allowedSeconds/86400, without overflow for budgets up to ~10^8 currency units
            return (double) today * 86_400d <= (double) campaign.dailyBudgetMicros * allowedSeconds;
        }
        return true;
    }

    /**
     * Charges one impression once: {@code chargeMicros} (0 or more) is the advertiser's price for this impression
     * (already divided by 1,000 from the CPM); {@code auctionEpochSeconds} is when Merlin bid on it.
     */
    public Charge charge(String requestId, String impId, long auctionEpochSeconds, Campaign campaign,
                         long chargeMicros, long nowEpochSeconds) {
        if (chargeMicros < 0) {
            throw new IllegalArgumentException("a charge is never negative: " + chargeMicros + " micros");
        }
        if (auctionEpochSeconds < nowEpochSeconds - chargeWindowSeconds
                || auctionEpochSeconds < purgedBeforeEpochSeconds) {
            return Charge.EXPIRED;
        }
        String key = requestId + '\u0001' + impId;
        Long previous;
        try {
            previous = charged.map().putIfAbsent(key, auctionEpochSeconds);
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (!ChronicleMapFiles.isFull(e)) {
                throw e;
            }
            refusedFull.incrementAndGet();
            if (!isChargedMapFull) {
                isChargedMapFull = true;
                LOG.error("the once-only charge map is full: notices are not charged until the maintenance purge "
                        + "frees impressions older than the {} s window, or stores.chargedImpressions is raised "
                        + "(move {} aside to start a larger one): {}", chargeWindowSeconds, CHARGED_FILE,
                        e.getMessage());
            }
            return Charge.REFUSED_FULL;
        }
        if (previous != null) {
            return Charge.DUPLICATE;
        }
        if (isChargedMapFull) {
            isChargedMapFull = false;
            LOG.info("the once-only charge map has room again; {} notices were refused in all", refusedFull.get());
        }
        long day = Math.floorDiv(nowEpochSeconds, 86_400L);
        if (day != currentEpochDay) {
            rollDay(day);
        }
        int i = campaign.index;
        spentTotalMicros.addAndGet(i, chargeMicros);
        spentTodayMicros.addAndGet(i, chargeMicros);
        spend.map().merge(totalKey(campaign), chargeMicros, Long::sum);
        spend.map().merge(dayKey(campaign, day), chargeMicros, Long::sum);
        return Charge.CHARGED;
    }

    /**
     * Forgets impressions whose auction is older than the window and the slack, after recording that nothing
     * older is charged any more; returns how many. Maintenance, never on an event loop: it walks the whole map.
     */
    public long purgeExpired(long nowEpochSeconds) {
        long cutoff = nowEpochSeconds - chargeWindowSeconds - PURGE_SLACK_SECONDS;
        if (cutoff > purgedBeforeEpochSeconds) {
            // recorded first: a crash half-way through the purge must not reopen what it already removed
            spend.map().put(PURGED_BEFORE_KEY, cutoff);
            purgedBeforeEpochSeconds = cutoff;
        }
        long before = purgedBeforeEpochSeconds;
        long[] removed = new long[1];
        ChronicleMap<CharSequence, Long> map = charged.map();
        for (int segment = 0, segments = map.segments(); segment < segments; segment++) {
            try (MapSegmentContext<CharSequence, Long, ?> context = map.segmentContext(segment)) {
                context.forEachSegmentEntry(entry -> {
                    if (entry.value().get() < before) {
                        entry.doRemove();
                        removed[0]++;
                    }
                });
            }
        }
        return removed[0];
    }

    /** Impressions the once-only map remembers. */
    public long chargedImpressions() {
        return charged.map().longSize();
    }

    /** Spend of the current UTC day, micros. */
    @Override
    public long spentTodayMicros(Campaign campaign) {
        return spentTodayMicros.get(campaign.index);
    }

    /** Spend since the campaign began, micros. */
    @Override
    public long spentTotalMicros(Campaign campaign) {
        return spentTotalMicros.get(campaign.index);
    }

    /** Spend of one campaign on one UTC day, micros, from the persisted ledger. */
    public long spentOnDayMicros(Campaign campaign, LocalDate day) {
        return orZero(spend.map().get(dayKey(campaign, day.toEpochDay())));
    }

    /** Notices refused because the once-only map was full. */
    public long refusedFull() {
        return refusedFull.get();
    }

    private synchronized void rollDay(long day) {
        if (day == currentEpochDay) {
            return;
        }
        for (int i = 0; i < catalog.size(); i++) {
            spentTodayMicros.set(i, orZero(spend.map().get(dayKey(catalog.get(i), day))));
        }
        currentEpochDay = day;
    }

    private static String totalKey(Campaign campaign) {
        return "total/" + campaign.id;
    }

    private static String dayKey(Campaign campaign, long epochDay) {
        return "day/" + LocalDate.ofEpochDay(epochDay) + "/" + campaign.id;
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }

    @Override
    public void close() {
        try {
            spend.close();
        } finally {
            charged.close();
        }
    }
}
