package dev.merlin.exchange.auction;

import dev.merlin.exchange.store.ChronicleMapFiles;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.MapSegmentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Campaign spend, open commitments, budgets and pacing, persisted in Chronicle Maps under the data dir so that
 * budgets survive a restart; and the once-only rule: an impression (auction id, imp id) is charged at most once,
 * however many win or billing notices arrive for it. The auction id is Merlin's own ({@link AuctionIds}, signed into
 * the links), never the seller's request id.
 *
 * <p><b>Commitments.</b> Bills lag the auction, so spend alone would let a campaign win far past its budget before
 * the first bill arrives. Each imp the auction wins is therefore committed at its price to the advertiser
 * ({@link #reserve}, in memory, on the event loop, without allocating) and recorded ({@link #recordCommitment},
 * {@code committed.cm3}, right after the auction, before the response is written). A win or bill turns the
 * commitment into spend at the notice's (clamped) price and releases the rest; a loss notice ({@link #release}) or
 * the end of the charge window ({@link #releaseExpiredCommitments}, the maintenance purge) releases it whole. Under
 * each campaign's lock, spend plus open commitments never exceed its daily budget nor its total budget, and pacing
 * reads the same sum. A win or bill whose commitment is gone charges at most what that leaves; for an auction of a
 * day already past, every commitment still open from before today counts against that day. A bill after its loss
 * notice is charged so too: losses are not remembered, as a seller's loss notices cost it nothing and free the budget
 * to win again, so remembering them for the charge window would let one seller fill a map every bill depends on. At
 * start the open commitments are read back from the map.
 *
 * <p>What a kill -9 can lose: a commitment reserved in memory in the instants before its record was put (the
 * response had not been written yet, so no notice can come for it); and, for a notice being charged at that
 * instant, its charge (the commitment record is removed first, so it is lost whole and the advertiser is not
 * charged, never charged twice). The maps are memory-mapped: what was put survives the process, not the machine.
 *
 * <p>The once-only memory ({@code charged.cm3}: key auction id and imp id, value the auction's time) would grow
 * without end, so it is bounded in time: a notice more than the charge window after its auction is refused
 * ({@link Charge#EXPIRED}), and {@link #purgeExpired}, run by the runtime's maintenance thread, removes what is older
 * than the window (plus a little slack). Whatever it removes can no longer be charged, so no impression is charged
 * twice, however late a notice is repeated. The oldest auction time still charged is persisted too, so that a clock
 * set back or a wider window after a restart does not reopen impressions already forgotten.
 *
 * <p>Spend is booked on the UTC day of the auction (what a commitment held against). The auction reads in-memory
 * counters ({@link #canSpend}, {@link #reserve}: no allocation, no I/O); charges write through to the map on the
 * notice path.
 *
 * <p><b>Nodes sharing budgets.</b> With {@link #shareBudgets} (a node of a cluster) the ledger also holds this node
 * to its {@link BudgetCeilings}: its own spend plus open commitments never pass what the budget log granted it
 * ({@link #grant}), for the day and in total, besides the budgets themselves. {@link #propose} names the ceilings the
 * node asks for next and holds it at once to any that are lower. Without it (one node on its own) nothing changes.
 */
public final class SpendLedger implements SpendView, AutoCloseable {

    static final String SPEND_FILE = "spend.cm3";
    static final String CHARGED_FILE = "charged.cm3";
    static final String COMMITTED_FILE = "committed.cm3";
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
    /**
     * Days of spend the map is sized for per campaign slot (every slot, the free ones added campaigns take too), beside
     * its total: the map's file is created (and zeroed) at that size when the stores open. A campaign that spends on
     * more days takes room from those that spend on fewer, and the map grows past it by up to {@link #SPEND_BLOAT}
     * times (to over a year of days for every slot) as needed. Sized for 400 days, 100,000 campaigns made a 9.5 GB
     * file and a start-up of 60 s, nearly all of it zeroing the file, and a million could not start.
     */
    static final int SPEND_DAYS_SIZED = 31;
    /** How far the spend map may grow past {@link #SPEND_DAYS_SIZED}: 13 × 32 keys is over a year of days a slot. */
    static final double SPEND_BLOAT = 13;

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

    /**
     * A charge's outcome and what it charged, micros: the notice's price, at most the commitment it settles; with no
     * commitment open (released by a loss notice, or lost in a crash) at most what is left of the budgets.
     * {@code isCommitted}: whether a charge settled the impression's open commitment (false for one a loss released).
     */
    public record Settled(Charge outcome, long chargedMicros, boolean isCommitted) {
    }

    /**
     * Spend and open commitments of one campaign, micros, read together under its lock: today's (of auctions run
     * on the current UTC day) and since the campaign began.
     */
    public record Totals(long spentTodayMicros, long committedTodayMicros, long spentTotalMicros,
                         long committedTotalMicros) {
    }

    /** Campaigns by store slot: the arrays below are indexed by {@link Campaign#slot}. */
    private final CampaignSlots catalog;
    private final ChronicleMapFiles.Opened<CharSequence, Long> spend;
    private final ChronicleMapFiles.Opened<CharSequence, Long> charged;
    /** Key auction id and imp id; value {@code auctionEpochSeconds/amountMicros/campaignId} ({@link Commitment}). */
    private final ChronicleMapFiles.Opened<CharSequence, CharSequence> committed;
    /** Per campaign: what its counters change under, so that spend + commitments is checked and moved as one. */
    private final Object[] locks;
    /** Per campaign, under its lock: the UTC day its "today" counters count (the day turns campaign by campaign). */
    private final long[] counterEpochDay;
    private final AtomicLongArray spentTodayMicros;
    private final AtomicLongArray spentTotalMicros;
    private final AtomicLongArray committedTodayMicros;
    private final AtomicLongArray committedTotalMicros;
    private final AtomicLong commitmentsRefusedFull = new AtomicLong();
    private final AtomicLong refusedFull = new AtomicLong();
    private final long chargeWindowSeconds;
    private volatile long purgedBeforeEpochSeconds;
    private volatile boolean isChargedMapFull;
    private volatile long currentEpochDay;
    /** Slots below this have their counters; a later catalogue's new campaigns are read in by {@link #adopt}. */
    private volatile int adoptedSlots;
    /** What this node may reach when it shares budgets with other nodes; null on a node on its own. */
    private volatile BudgetCeilings ceilings;

    /**
     * The ceilings a node asks the budget log for: its spend plus open commitments of the day ({@code epochDay}) and
     * in total, and those plus one slice each, at most the budgets.
     */
    public record Proposal(long epochDay, long usedTodayMicros, long usedTotalMicros, long dayCeilingMicros,
                           long totalCeilingMicros) {
    }

    /**
     * Opens the ledger under {@code dataDir}; {@code chargedEntries} bounds the once-only map, which must hold the
     * impressions charged in {@code chargeWindowSeconds} (plus the slack and the interval between purges).
     */
    public SpendLedger(CampaignCatalog catalog, Path dataDir, long chargedEntries, long chargeWindowSeconds,
                       long nowEpochSeconds) {
        if (chargeWindowSeconds <= 0) {
            throw new IllegalArgumentException("chargeWindowSeconds must be positive: " + chargeWindowSeconds);
        }
        this.catalog = catalog.slots();
        this.chargeWindowSeconds = chargeWindowSeconds;
        this.spend = ChronicleMapFiles.open(dataDir, SPEND_FILE, ChronicleMap.of(CharSequence.class, Long.class)
                .name("merlin-spend").entries(Math.max(1_000, catalog.slots().capacity() * (1L + SPEND_DAYS_SIZED)))
                .maxBloatFactor(SPEND_BLOAT).averageKeySize(40));
        try {
            this.charged = ChronicleMapFiles.open(dataDir, CHARGED_FILE,
                    ChronicleMap.of(CharSequence.class, Long.class).name("merlin-charged")
                            .entries(chargedEntries).averageKeySize(48));
        } catch (RuntimeException e) {
            spend.close();
            throw e;
        }
        try {
            this.committed = ChronicleMapFiles.open(dataDir, COMMITTED_FILE,
                    ChronicleMap.of(CharSequence.class, CharSequence.class).name("merlin-committed")
                            .entries(chargedEntries).averageKeySize(40).averageValueSize(40));
        } catch (RuntimeException e) {
            charged.close();
            spend.close();
            throw e;
        }
        int slots = this.catalog.capacity();
        this.locks = new Object[slots];
        this.counterEpochDay = new long[slots];
        this.spentTodayMicros = new AtomicLongArray(slots);
        this.spentTotalMicros = new AtomicLongArray(slots);
        this.committedTodayMicros = new AtomicLongArray(slots);
        this.committedTotalMicros = new AtomicLongArray(slots);
        this.currentEpochDay = Math.floorDiv(nowEpochSeconds, 86_400L);
        this.purgedBeforeEpochSeconds = orZero(spend.map().get(PURGED_BEFORE_KEY));
        for (int i = 0; i < slots; i++) {
            locks[i] = new Object();
            counterEpochDay[i] = currentEpochDay;
        }
        for (Campaign campaign : catalog.all()) {
            loadSpend(campaign);
        }
        this.adoptedSlots = this.catalog.size();
        recoverCommitments();
    }

    /**
     * Reads a campaign's spend from the map into its slot. A campaign that first appears in a later catalogue
     * ({@link #adopt}) starts from what the map holds for its id: spend recorded by an earlier run is not forgotten.
     */
    private void loadSpend(Campaign campaign) {
        int i = campaign.slot;
        spentTotalMicros.set(i, orZero(spend.map().get(totalKey(campaign))));
        spentTodayMicros.set(i, orZero(spend.map().get(dayKey(campaign, currentEpochDay))));
    }

    /**
     * Takes on the campaigns of a new catalogue before it is used: a campaign whose slot is new to this ledger
     * (added since start-up) reads its spend from the map. A slot already known keeps its counters: they follow the
     * campaign id across catalogues. Called by the one thread that builds catalogues.
     */
    public void adopt(CampaignCatalog next) {
        int known = adoptedSlots;
        for (Campaign campaign : next.all()) {
            if (campaign.slot >= known) {
                synchronized (locks[campaign.slot]) {
                    loadSpend(campaign);
                }
            }
        }
        adoptedSlots = catalog.size();
    }

    /**
     * Makes this ledger one node's of several sharing budgets: from now on the node spends only within the ceilings
     * it is granted ({@link #grant}), none yet. Call before any auction.
     */
    public void shareBudgets() {
        ceilings = new BudgetCeilings(catalog.capacity());
    }

    /** Whether this ledger spends within granted ceilings ({@link #shareBudgets}). */
    public boolean isSharingBudgets() {
        return ceilings != null;
    }

    /**
     * The ceilings this node asks for next, read with its spend and commitments under the campaign's lock: those plus
     * a slice each ({@code daySliceMicros} of the day's budget, {@code totalSliceMicros} of the total), at most the
     * budgets. A proposed ceiling below the one granted holds at once, before anyone reads the proposal, so that the
     * node never spends past what the budget log will say it holds. Budget sharing's thread.
     */
    public Proposal propose(Campaign campaign, long daySliceMicros, long totalSliceMicros) {
        BudgetCeilings shared = ceilings;
        int i = campaign.slot;
        synchronized (locks[i]) {
            long day = counterEpochDay[i];
            long usedToday = spentTodayMicros.get(i) + committedTodayMicros.get(i);
            long usedTotal = spentTotalMicros.get(i) + committedTotalMicros.get(i);
            long dayCeiling = Math.min(campaign.dailyBudgetMicros, saturatedSum(usedToday, daySliceMicros));
            long totalCeiling = Math.min(campaign.totalBudgetMicros, saturatedSum(usedTotal, totalSliceMicros));
            shared.set(i, day, Math.min(shared.dayCeiling(i, day), dayCeiling),
                    Math.min(shared.totalCeiling(i), totalCeiling));
            return new Proposal(day, usedToday, usedTotal, dayCeiling, totalCeiling);
        }
    }

    /** Sets the ceilings the budget log granted this node for the campaign (day {@code epochDay} and total). */
    public void grant(Campaign campaign, long epochDay, long dayCeilingMicros, long totalCeilingMicros) {
        synchronized (locks[campaign.slot]) {
            ceilings.set(campaign.slot, epochDay, dayCeilingMicros, totalCeilingMicros);
        }
    }

    /** The ceilings granted to this node: {day ceiling of {@code epochDay}, total ceiling}; checks and tests. */
    public long[] ceilings(Campaign campaign, long epochDay) {
        BudgetCeilings shared = ceilings;
        return new long[] {dayCeiling(shared, campaign, epochDay), totalCeiling(shared, campaign)};
    }

    /** The UTC day (epoch day) whose spend the "today" counters count. */
    public long currentEpochDay() {
        return currentEpochDay;
    }

    /** Whether the node's ceilings (if it shares budgets) leave room for {@code amountMicros}; under the lock. */
    private boolean isUnderCeilings(Campaign campaign, long amountMicros, long day) {
        BudgetCeilings shared = ceilings;
        if (shared == null) {
            return true;
        }
        int i = campaign.slot;
        return amountMicros <= totalCeiling(shared, campaign) - spentTotalMicros.get(i) - committedTotalMicros.get(i)
                && amountMicros <= dayCeiling(shared, campaign, day) - spentTodayMicros.get(i)
                        - committedTodayMicros.get(i);
    }

    /** A campaign's total ceiling: none (the largest value) when it has no total budget or none is shared. */
    private static long totalCeiling(BudgetCeilings shared, Campaign campaign) {
        return shared == null || campaign.totalBudgetMicros == Long.MAX_VALUE ? Long.MAX_VALUE
                : shared.totalCeiling(campaign.slot);
    }

    /** A campaign's ceiling for day {@code epochDay}: none when it has no daily budget or none is shared. */
    private static long dayCeiling(BudgetCeilings shared, Campaign campaign, long epochDay) {
        return shared == null || campaign.dailyBudgetMicros == Long.MAX_VALUE ? Long.MAX_VALUE
                : shared.dayCeiling(campaign.slot, epochDay);
    }

    private static long saturatedSum(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    /** Counts the commitments the map holds (open when the process stopped) against their campaigns again. */
    private void recoverCommitments() {
        ChronicleMap<CharSequence, CharSequence> map = committed.map();
        for (int segment = 0, segments = map.segments(); segment < segments; segment++) {
            try (MapSegmentContext<CharSequence, CharSequence, ?> context = map.segmentContext(segment)) {
                context.forEachSegmentEntry(entry -> {
                    Commitment commitment = Commitment.parse(entry.value().get());
                    Campaign campaign = commitment == null ? null : catalog.byId(commitment.campaignId);
                    if (campaign != null) {
                        add(campaign, commitment.amountMicros, commitment.auctionEpochSeconds);
                    }
                });
            }
        }
    }

    @Override
    public boolean canSpend(Campaign campaign, long nowEpochSeconds) {
        long day = Math.floorDiv(nowEpochSeconds, 86_400L);
        if (day != currentEpochDay) {
            rollDay(day);
        }
        int i = campaign.slot;
        long total = spentTotalMicros.get(i) + committedTotalMicros.get(i);
        if (total >= campaign.totalBudgetMicros) {
            return false;
        }
        // pacing reads what is spent and what is committed: the wins not billed yet are money going out
        long today = spentTodayMicros.get(i) + committedTodayMicros.get(i);
        if (today >= campaign.dailyBudgetMicros) {
            return false;
        }
        BudgetCeilings shared = ceilings;
        if (shared != null && (total >= totalCeiling(shared, campaign) || today >= dayCeiling(shared, campaign, day))) {
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
     * Commits {@code amountMicros} against the campaign's budgets when spend and open commitments leave room for it:
     * the daily budget of today's auctions and the total budget. In memory only; {@link #recordCommitment} persists
     * it. Never allocates.
     */
    @Override
    public boolean reserve(Campaign campaign, long amountMicros, long nowEpochSeconds) {
        long day = Math.floorDiv(nowEpochSeconds, 86_400L);
        if (day != currentEpochDay) {
            rollDay(day);
        }
        int i = campaign.slot;
        synchronized (locks[i]) {
            if (day != counterEpochDay[i] // the day turned again meanwhile: this auction is not today's
                    || amountMicros > campaign.totalBudgetMicros - spentTotalMicros.get(i)
                            - committedTotalMicros.get(i)
                    || amountMicros > campaign.dailyBudgetMicros - spentTodayMicros.get(i)
                            - committedTodayMicros.get(i)
                    || !isUnderCeilings(campaign, amountMicros, day)) {
                return false;
            }
            committedTotalMicros.addAndGet(i, amountMicros);
            committedTodayMicros.addAndGet(i, amountMicros);
            return true;
        }
    }

    /**
     * Takes back a commitment {@link #reserve} made but nobody will settle: the bid was not sent (a test request,
     * the response failed) or its record could not be put.
     */
    public void cancel(Campaign campaign, long amountMicros, long auctionEpochSeconds) {
        synchronized (locks[campaign.slot]) {
            add(campaign, -amountMicros, auctionEpochSeconds);
        }
    }

    /**
     * Records the commitment of a bid Merlin is about to send, so that it outlives a restart and its notice finds
     * it; false, recording nothing, when the map is full (the caller cancels the commitment and does not bid).
     */
    public boolean recordCommitment(String auctionId, String impId, Campaign campaign, long amountMicros,
                                    long auctionEpochSeconds) {
        try {
            committed.map().put(key(auctionId, impId),
                    auctionEpochSeconds + "/" + amountMicros + "/" + campaign.id);
            return true;
        } catch (IllegalStateException | IllegalArgumentException e) {
            return refusedCommitment(e);
        }
    }

    /** False for a commitment the full map refused (logged once); rethrows any other failure. */
    private boolean refusedCommitment(RuntimeException e) {
        if (!ChronicleMapFiles.isFull(e)) {
            throw e;
        }
        if (commitmentsRefusedFull.getAndIncrement() == 0) {
            LOG.error("the commitment map is full: Merlin does not bid until the maintenance purge releases "
                    + "commitments older than the {} s window, or stores.chargedImpressions is raised (move {} "
                    + "aside to start a larger one): {}", chargeWindowSeconds, COMMITTED_FILE, e.getMessage());
        }
        return false;
    }

    /**
     * {@link #recordCommitment(String, String, Campaign, long, long)} for Merlin's auction id as a number (written
     * as {@link AuctionIds#format} does), without allocating: the record's key and text are built in this thread's
     * reused builders. Bid path.
     */
    public boolean recordCommitment(long auctionId, CharSequence impId, Campaign campaign, long amountMicros,
                                    long auctionEpochSeconds) {
        RecordText text = RECORD_TEXT.get();
        StringBuilder key = text.key(auctionId, impId);
        StringBuilder record = text.record;
        record.setLength(0);
        record.append(auctionEpochSeconds).append('/').append(amountMicros).append('/').append(campaign.id);
        try {
            committed.map().put(key, record);
            return true;
        } catch (IllegalStateException | IllegalArgumentException e) {
            return refusedCommitment(e);
        }
    }

    /** {@link #release(String, String)} for Merlin's auction id as a number. */
    public boolean release(long auctionId, CharSequence impId) {
        return release(RECORD_TEXT.get().key(auctionId, impId));
    }

    /**
     * Releases the open commitment of impression (auction id, imp id) whole — its loss notice came; false when none
     * was open (already charged, released or expired).
     */
    public boolean release(String auctionId, String impId) {
        return release(key(auctionId, impId));
    }

    private boolean release(CharSequence key) {
        CharSequence record = committed.map().remove(key);
        Commitment commitment = record == null ? null : Commitment.parse(record);
        Campaign campaign = commitment == null ? null : catalog.byId(commitment.campaignId);
        if (campaign == null) {
            return false;
        }
        cancel(campaign, commitment.amountMicros, commitment.auctionEpochSeconds);
        return true;
    }

    /** {@link #settle}'s outcome alone. */
    public Charge charge(String auctionId, String impId, long auctionEpochSeconds, Campaign campaign,
                         long chargeMicros, long nowEpochSeconds) {
        return settle(auctionId, impId, auctionEpochSeconds, campaign, chargeMicros, nowEpochSeconds).outcome();
    }

    /** A charge refused because the once-only charge map is full: counted, and logged once until it has room. */
    private Settled refusedFull(RuntimeException e) {
        refusedFull.incrementAndGet();
        if (!isChargedMapFull) {
            isChargedMapFull = true;
            LOG.error("the once-only charge map is full: notices are not charged until the maintenance purge "
                    + "frees impressions older than the {} s window, or stores.chargedImpressions is raised "
                    + "(move {} aside to start a larger one): {}", chargeWindowSeconds, CHARGED_FILE,
                    e.getMessage());
        }
        return new Settled(Charge.REFUSED_FULL, 0, false);
    }

    /**
     * Charges one impression once: {@code chargeMicros} (0 or more) is the advertiser's price for this impression
     * (already divided by 1,000 from the CPM); {@code auctionEpochSeconds} is when Merlin bid on it. The impression's
     * open commitment becomes spend at that price, at most the amount committed, and the rest of it is released;
     * with none open, the charge is at most what is left of the budgets.
     */
    public Settled settle(String auctionId, String impId, long auctionEpochSeconds, Campaign campaign,
                          long chargeMicros, long nowEpochSeconds) {
        if (chargeMicros < 0) {
            throw new IllegalArgumentException("a charge is never negative: " + chargeMicros + " micros");
        }
        if (auctionEpochSeconds < nowEpochSeconds - chargeWindowSeconds
                || auctionEpochSeconds < purgedBeforeEpochSeconds) {
            return new Settled(Charge.EXPIRED, 0, false);
        }
        String key = key(auctionId, impId);
        Long previous;
        try {
            previous = charged.map().putIfAbsent(key, auctionEpochSeconds);
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (!ChronicleMapFiles.isFull(e)) {
                throw e;
            }
            return refusedFull(e);
        }
        if (previous != null) {
            return new Settled(Charge.DUPLICATE, 0, false);
        }
        if (isChargedMapFull) {
            isChargedMapFull = false;
            LOG.info("the once-only charge map has room again; {} notices were refused in all", refusedFull.get());
        }
        long day = Math.floorDiv(nowEpochSeconds, 86_400L);
        if (day != currentEpochDay) {
            rollDay(day);
        }
        long auctionDay = Math.floorDiv(auctionEpochSeconds, 86_400L);
        // claimed first: a loss notice or the purge racing this charge finds it gone and releases nothing
        CharSequence record = committed.map().remove(key);
        Commitment commitment = record == null ? null : Commitment.parse(record);
        Campaign committedTo = commitment == null ? null : catalog.byId(commitment.campaignId);
        long charge;
        boolean isCommitted = committedTo != null && committedTo.slot == campaign.slot;
        int i = campaign.slot;
        String dayKey = dayKey(campaign, auctionDay);
        synchronized (locks[i]) {
            if (isCommitted) {
                charge = Math.min(chargeMicros, commitment.amountMicros);
                add(campaign, -commitment.amountMicros, commitment.auctionEpochSeconds);
            } else {
                if (committedTo != null) {
                    cancel(committedTo, commitment.amountMicros, commitment.auctionEpochSeconds);
                }
                charge = Math.max(0, Math.min(chargeMicros, leftWithoutCommitment(campaign, auctionDay)));
            }
            spentTotalMicros.addAndGet(i, charge);
            if (auctionDay == counterEpochDay[i]) {
                spentTodayMicros.addAndGet(i, charge);
            }
            // under the lock: a past day's room is read from this map, and the commitment settled here is no
            // longer counted, so the charge must be in it before the next charge reads the day
            spend.map().merge(dayKey, charge, Long::sum);
        }
        spend.map().merge(totalKey(campaign), charge, Long::sum);
        return new Settled(Charge.CHARGED, charge, isCommitted);
    }

    /**
     * What a charge with no commitment may take: what is left of the auction day's budget and of the total (and, when
     * the node shares budgets, of its own ceilings), after spend and open commitments. For a day already past, the
     * ledger no longer counts that day's commitments apart, so every open commitment of a day before today is held
     * against it: that can only over-count. Its spend alone would not do: a bill whose commitment a loss released
     * would take the room the day's other open commitments still hold, and they would settle on top of it. The
     * caller holds the campaign's lock.
     */
    private long leftWithoutCommitment(Campaign campaign, long auctionDay) {
        int i = campaign.slot;
        long usedOnDay = auctionDay == counterEpochDay[i] ? spentTodayMicros.get(i) + committedTodayMicros.get(i)
                : orZero(spend.map().get(dayKey(campaign, auctionDay))) + committedTotalMicros.get(i)
                        - committedTodayMicros.get(i);
        long usedTotal = spentTotalMicros.get(i) + committedTotalMicros.get(i);
        long dayLeft = campaign.dailyBudgetMicros - usedOnDay;
        long totalLeft = campaign.totalBudgetMicros - usedTotal;
        BudgetCeilings shared = ceilings;
        if (shared != null) {
            dayLeft = Math.min(dayLeft, dayCeiling(shared, campaign, auctionDay) - usedOnDay);
            totalLeft = Math.min(totalLeft, totalCeiling(shared, campaign) - usedTotal);
        }
        return Math.min(dayLeft, totalLeft);
    }

    /**
     * Releases the commitments of auctions older than the charge window: no notice for them can be charged any
     * more. Returns how many. Maintenance, never on an event loop: it walks the whole map.
     */
    public long releaseExpiredCommitments(long nowEpochSeconds) {
        long cutoff = nowEpochSeconds - chargeWindowSeconds;
        long released = 0;
        ChronicleMap<CharSequence, CharSequence> map = committed.map();
        List<String> expired = new ArrayList<>();
        for (int segment = 0, segments = map.segments(); segment < segments; segment++) {
            try (MapSegmentContext<CharSequence, CharSequence, ?> context = map.segmentContext(segment)) {
                context.forEachSegmentEntry(entry -> {
                    Commitment commitment = Commitment.parse(entry.value().get());
                    if (commitment == null || commitment.auctionEpochSeconds < cutoff) {
                        expired.add(entry.key().get().toString());
                    }
                });
            }
        }
        // removed one by one, as a notice would: whoever removes a record releases it, exactly once
        for (String key : expired) {
            CharSequence record = map.remove(key);
            Commitment commitment = record == null ? null : Commitment.parse(record);
            Campaign campaign = commitment == null ? null : catalog.byId(commitment.campaignId);
            if (record != null) {
                released++;
            }
            if (campaign != null) {
                cancel(campaign, commitment.amountMicros, commitment.auctionEpochSeconds);
            }
        }
        return released;
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
        return spentTodayMicros.get(campaign.slot);
    }

    /** Spend since the campaign began, micros. */
    @Override
    public long spentTotalMicros(Campaign campaign) {
        return spentTotalMicros.get(campaign.slot);
    }

    /** Spend of one campaign on one UTC day, micros, from the persisted ledger. */
    public long spentOnDayMicros(Campaign campaign, LocalDate day) {
        return orZero(spend.map().get(dayKey(campaign, day.toEpochDay())));
    }

    /** Open commitments of auctions run on the current UTC day, micros. */
    @Override
    public long committedTodayMicros(Campaign campaign) {
        return committedTodayMicros.get(campaign.slot);
    }

    /** All open commitments, micros. */
    @Override
    public long committedTotalMicros(Campaign campaign) {
        return committedTotalMicros.get(campaign.slot);
    }

    /** The campaign's spend and open commitments, read together (what a budget check sees). */
    public Totals totals(Campaign campaign) {
        int i = campaign.slot;
        synchronized (locks[i]) {
            return new Totals(spentTodayMicros.get(i), committedTodayMicros.get(i), spentTotalMicros.get(i),
                    committedTotalMicros.get(i));
        }
    }

    /**
     * The open commitments the map holds for the campaign, micros, summed from their records: after a restart (or at
     * any quiet moment) equal to {@link #committedTotalMicros}. A walk of the whole map: for checks, not the hot path.
     */
    public long recordedCommitmentsMicros(Campaign campaign) {
        long[] sum = new long[1];
        ChronicleMap<CharSequence, CharSequence> map = committed.map();
        for (int segment = 0, segments = map.segments(); segment < segments; segment++) {
            try (MapSegmentContext<CharSequence, CharSequence, ?> context = map.segmentContext(segment)) {
                context.forEachSegmentEntry(entry -> {
                    Commitment commitment = Commitment.parse(entry.value().get());
                    if (commitment != null && campaign.id.equals(commitment.campaignId)) {
                        sum[0] += commitment.amountMicros;
                    }
                });
            }
        }
        return sum[0];
    }

    /**
     * The open commitments the map holds, micros, per campaign id and UTC day (epoch day) of their auction: what the
     * reports show beside spend. One walk of the whole map: for reports and checks, not the hot path.
     */
    public Map<String, Map<Long, Long>> recordedCommitmentsByDay() {
        Map<String, Map<Long, Long>> byCampaign = new HashMap<>();
        ChronicleMap<CharSequence, CharSequence> map = committed.map();
        for (int segment = 0, segments = map.segments(); segment < segments; segment++) {
            try (MapSegmentContext<CharSequence, CharSequence, ?> context = map.segmentContext(segment)) {
                context.forEachSegmentEntry(entry -> {
                    Commitment commitment = Commitment.parse(entry.value().get());
                    if (commitment != null) {
                        byCampaign.computeIfAbsent(commitment.campaignId, c -> new HashMap<>()).merge(
                                Math.floorDiv(commitment.auctionEpochSeconds, 86_400L), commitment.amountMicros,
                                Long::sum);
                    }
                });
            }
        }
        return byCampaign;
    }

    /** Open commitments the map holds. */
    public long openCommitments() {
        return committed.map().longSize();
    }

    /** Bids not made because the commitment map was full. */
    public long commitmentsRefusedFull() {
        return commitmentsRefusedFull.get();
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
            Campaign campaign = catalog.get(i);
            synchronized (locks[i]) {
                spentTodayMicros.set(i, campaign == null ? 0 : orZero(spend.map().get(dayKey(campaign, day))));
                // yesterday's open commitments hold against yesterday's budget, where their spend is booked
                committedTodayMicros.set(i, 0);
                counterEpochDay[i] = day;
            }
        }
        currentEpochDay = day;
    }

    /** Adds {@code micros} (negative: releases) to the campaign's commitments; the caller holds its lock. */
    private void add(Campaign campaign, long micros, long auctionEpochSeconds) {
        int i = campaign.slot;
        committedTotalMicros.addAndGet(i, micros);
        if (Math.floorDiv(auctionEpochSeconds, 86_400L) == counterEpochDay[i]) {
            committedTodayMicros.addAndGet(i, micros);
        }
    }

    private static String key(String auctionId, String impId) {
        return auctionId + '\u0001' + impId;
    }

    private static final ThreadLocal<RecordText> RECORD_TEXT = ThreadLocal.withInitial(RecordText::new);

    /** One thread's builders for a commitment's key and record, so the bid path's commitments allocate nothing. */
    private static final class RecordText {
        private static final char[] HEX = "0123456789abcdef".toCharArray();
        final StringBuilder key = new StringBuilder(64);
        final StringBuilder record = new StringBuilder(64);

        /** What {@code key(AuctionIds.format(auctionId), impId)} is, in the reused builder. */
        StringBuilder key(long auctionId, CharSequence impId) {
            key.setLength(0);
            int digits = Math.max(1, (Long.SIZE - Long.numberOfLeadingZeros(auctionId) + 3) / 4);
            for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
                key.append(HEX[(int) (auctionId >>> shift) & 0xF]);
            }
            return key.append('\u0001').append(impId);
        }
    }

    /** A commitment's record: {@code auctionEpochSeconds/amountMicros/campaignId}. */
    private record Commitment(long auctionEpochSeconds, long amountMicros, String campaignId) {

        /** The record, or null when it is not one (then it commits nothing). */
        static Commitment parse(CharSequence record) {
            String text = record.toString();
            int first = text.indexOf('/');
            int second = first < 0 ? -1 : text.indexOf('/', first + 1);
            if (second < 0) {
                return null;
            }
            try {
                return new Commitment(Long.parseLong(text, 0, first, 10), Long.parseLong(text, first + 1, second, 10),
                        text.substring(second + 1));
            } catch (NumberFormatException e) {
                return null;
            }
        }
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
            try {
                charged.close();
            } finally {
                committed.close();
            }
        }
    }
}
