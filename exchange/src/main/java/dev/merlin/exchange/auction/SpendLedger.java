package dev.merlin.exchange.auction;

import dev.merlin.exchange.store.ChronicleMapFiles;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import net.openhft.chronicle.map.ChronicleMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Campaign spend, budgets and pacing, persisted in Chronicle Maps under the data dir so that budgets survive a
 * restart; and the once-only rule: an impression (request id, imp id) is charged at most once, however many win
 * or billing notices arrive for it.
 *
 * <p>The auction reads in-memory counters ({@link #canSpend}: no allocation, no I/O); charges write through to
 * the map on the notice path. Days are UTC.
 */
public final class SpendLedger implements SpendView, AutoCloseable {

    static final String SPEND_FILE = "spend.cm3";
    static final String CHARGED_FILE = "charged.cm3";
    /** Even pacing may run this far ahead of a straight line through the day. */
    static final long PACING_AHEAD_SECONDS = 900;

    private static final Logger LOG = LoggerFactory.getLogger(SpendLedger.class);

    /** What became of a charge. */
    public enum Charge {
        /** Spend recorded. */
        CHARGED,
        /** A notice for an impression already charged. */
        DUPLICATE,
        /** The once-only map is full: not charged, so no advertiser is charged twice. */
        REFUSED_FULL
    }

    private final CampaignCatalog catalog;
    private final ChronicleMapFiles.Opened<CharSequence, Long> spend;
    private final ChronicleMapFiles.Opened<CharSequence, Long> charged;
    private final AtomicLongArray spentTodayMicros;
    private final AtomicLongArray spentTotalMicros;
    private final AtomicLong refusedFull = new AtomicLong();
    private volatile long currentEpochDay;

    /** Opens the ledger under {@code dataDir}; {@code chargedEntries} bounds the once-only map. */
    public SpendLedger(CampaignCatalog catalog, Path dataDir, long chargedEntries, long nowEpochSeconds) {
        this.catalog = catalog;
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
     * Charges one impression once: {@code chargeMicros} is the advertiser's price for this impression (already
     * divided by 1,000 from the CPM).
     */
    public Charge charge(String requestId, String impId, Campaign campaign, long chargeMicros, long nowEpochSeconds) {
        String key = requestId + '\u0001' + impId;
        Long previous;
        try {
            previous = charged.map().putIfAbsent(key, nowEpochSeconds);
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (!ChronicleMapFiles.isFull(e)) {
                throw e;
            }
            if (refusedFull.getAndIncrement() == 0) {
                LOG.error("the once-only charge map is full; notices are not charged until it is enlarged: {}",
                        e.getMessage());
            }
            return Charge.REFUSED_FULL;
        }
        if (previous != null) {
            return Charge.DUPLICATE;
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

    /** Spend of the current UTC day, micros. */
    public long spentTodayMicros(Campaign campaign) {
        return spentTodayMicros.get(campaign.index);
    }

    /** Spend since the campaign began, micros. */
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
