package dev.merlin.exchange.auction;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.CampaignConfig;
import dev.merlin.config.MerlinConfig;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

/** A campaign compiled for the auction: prices in exchange-currency micros, flight in epoch seconds. */
public final class Campaign {

    final int index;
    /** The campaign's place in the stores ({@link CampaignSlots}): the same for its id across catalogues. */
    final int slot;
    final String id;
    final String advertiserId;
    final String seat;
    final long bidMicros;
    final long dailyBudgetMicros;
    final long totalBudgetMicros;
    final boolean isEvenPacing;
    final int frequencyCapImpressions;
    final int frequencyCapPeriodSeconds;
    final long flightStartEpochSeconds;
    final long flightEndEpochSeconds;
    final int[] segmentsAllOf;
    final boolean isDealOnly;
    final boolean needsUserData;
    final Creative[] creatives;

    Campaign(int index, int slot, AdvertiserConfig advertiser, CampaignConfig config, MerlinConfig merlin) {
        this.index = index;
        this.slot = slot;
        this.id = config.id();
        this.advertiserId = advertiser.id();
        this.seat = advertiser.seat();
        this.bidMicros = config.bid().toMicros(merlin.exchange());
        this.dailyBudgetMicros = config.dailyBudget() == null ? Long.MAX_VALUE : toMicros(config.dailyBudget());
        this.totalBudgetMicros = config.totalBudget() == null ? Long.MAX_VALUE : toMicros(config.totalBudget());
        this.isEvenPacing = "even".equals(config.pacing()) && config.dailyBudget() != null;
        this.frequencyCapImpressions = config.frequencyCap() == null ? 0 : config.frequencyCap().impressions();
        this.frequencyCapPeriodSeconds = config.frequencyCap() == null ? 0 : config.frequencyCap().periodSeconds();
        LocalDate start = config.startDate();
        LocalDate end = config.endDate();
        this.flightStartEpochSeconds = start == null ? Long.MIN_VALUE
                : start.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        this.flightEndEpochSeconds = end == null ? Long.MAX_VALUE
                : end.plusDays(1).atStartOfDay(ZoneOffset.UTC).toEpochSecond() - 1;
        List<String> allOf = config.targeting().segments().allOf();
        this.segmentsAllOf = allOf.stream().mapToInt(merlin::segmentId).toArray();
        this.isDealOnly = !config.targeting().deals().isEmpty();
        this.needsUserData = config.targeting().segments().needsUserData();
        this.creatives = new Creative[config.creatives().size()];
        for (int i = 0; i < creatives.length; i++) {
            creatives[i] = new Creative(i, config.creatives().get(i));
        }
    }

    private static long toMicros(double amount) {
        return Math.round(amount * 1_000_000d);
    }

    /** Campaign id. */
    public String id() {
        return id;
    }

    /** Index in the catalog (the targeting index numbers its bits by bid instead: {@code positionOf}). */
    public int index() {
        return index;
    }

    /** The campaign's store slot: its spend, commitments and frequency counts, stable across catalogues. */
    public int slot() {
        return slot;
    }

    /** The advertiser's id. */
    public String advertiserId() {
        return advertiserId;
    }

    /** The seat its bids carry. */
    public String seat() {
        return seat;
    }

    /** CPM bid in exchange-currency micros. */
    public long bidMicros() {
        return bidMicros;
    }

    /** Daily budget, exchange-currency micros; {@link Long#MAX_VALUE} when it has none. */
    public long dailyBudgetMicros() {
        return dailyBudgetMicros;
    }

    /** Total budget, exchange-currency micros; {@link Long#MAX_VALUE} when it has none. */
    public long totalBudgetMicros() {
        return totalBudgetMicros;
    }

    /** The frequency cap's period, seconds; 0 without a cap. */
    public int frequencyCapPeriodSeconds() {
        return frequencyCapPeriodSeconds;
    }



    /** Impressions per user per period; 0 means no cap. */
    public int frequencyCapImpressions() {
        return frequencyCapImpressions;
    }


    /** Creatives, in config order. */
    public Creative creative(int i) {
        return creatives[i];
    }

    /** Number of creatives. */
    public int creativeCount() {
        return creatives.length;
    }

    boolean isInFlight(long nowEpochSeconds) {
        return nowEpochSeconds >= flightStartEpochSeconds && nowEpochSeconds <= flightEndEpochSeconds;
    }
}
