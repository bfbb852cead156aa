package dev.merlin.exchange.tracking;

import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.store.ChronicleMapFiles;
import java.nio.file.Path;
import java.time.LocalDate;
import net.openhft.chronicle.map.ChronicleMap;

/**
 * Per campaign and UTC day: impressions, clicks, conversions and conversion value, persisted in a Chronicle Map
 * so reports survive a restart. Spend lives in the spend ledger.
 */
public final class CampaignStats implements AutoCloseable {

    static final String FILE = "campaign-stats.cm3";

    /** What is counted. */
    public enum Metric {
        IMPRESSIONS, CLICKS, CONVERSIONS, CONVERSION_VALUE_MICROS
    }

    private final ChronicleMapFiles.Opened<CharSequence, Long> opened;

    /** Opens the stats under {@code dataDir}, sized for {@code campaigns} campaigns over a year and a half. */
    public CampaignStats(Path dataDir, int campaigns) {
        this.opened = ChronicleMapFiles.open(dataDir, FILE, ChronicleMap.of(CharSequence.class, Long.class)
                .name("merlin-campaign-stats").entries(Math.max(10_000L, campaigns * 4L * 550))
                .averageKeySize(48));
    }

    /**
     * Adds {@code amount} (0 or more) to a campaign's metric on the day of {@code epochSeconds}. A total saturates at
     * {@code Long.MAX_VALUE} rather than wrap negative: conversion values come from advertisers' URLs.
     */
    public void add(Campaign campaign, Metric metric, long amount, long epochSeconds) {
        opened.map().merge(key(campaign.id(), metric, LocalDate.ofEpochDay(Math.floorDiv(epochSeconds, 86_400L))),
                Math.max(0, amount), CampaignStats::saturatingSum);
    }

    private static Long saturatingSum(Long a, Long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    /** A campaign's metric on one day. */
    public long get(String campaignId, Metric metric, LocalDate day) {
        Long value = opened.map().get(key(campaignId, metric, day));
        return value == null ? 0 : value;
    }

    private static String key(String campaignId, Metric metric, LocalDate day) {
        return day + "/" + metric.ordinal() + "/" + campaignId;
    }

    @Override
    public void close() {
        opened.close();
    }
}
