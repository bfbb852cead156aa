package dev.merlin.exchange.sellers;

import dev.merlin.exchange.store.ChronicleMapFiles;
import java.nio.file.Path;
import java.time.LocalDate;
import net.openhft.chronicle.map.ChronicleMap;

/**
 * Per seller and UTC day: impressions charged, gross spend (what advertisers pay) and publisher payout (gross net
 * of the take rate), in exchange-currency micros, persisted in a Chronicle Map under the data dir so the sellers
 * report survives a restart. A win or bill notice that charges records here, under the seller signed into its link.
 */
public final class SellerStats implements AutoCloseable {

    static final String FILE = "seller-stats.cm3";

    /** What is counted. */
    public enum Metric {
        IMPRESSIONS, GROSS_MICROS, PAYOUT_MICROS
    }

    private final ChronicleMapFiles.Opened<CharSequence, Long> opened;

    /** Opens the stats under {@code dataDir}, sized for {@code sellers} sellers over a year and a half. */
    public SellerStats(Path dataDir, int sellers) {
        this.opened = ChronicleMapFiles.open(dataDir, FILE, ChronicleMap.of(CharSequence.class, Long.class)
                .name("merlin-seller-stats").entries(Math.max(10_000L, Math.max(1, sellers) * 3L * 550))
                .averageKeySize(32));
    }

    /** One charged impression sold by {@code sellerId} on the day of {@code epochSeconds}. */
    public void charged(String sellerId, long grossMicros, long payoutMicros, long epochSeconds) {
        LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(epochSeconds, 86_400L));
        add(sellerId, Metric.IMPRESSIONS, 1, day);
        add(sellerId, Metric.GROSS_MICROS, grossMicros, day);
        add(sellerId, Metric.PAYOUT_MICROS, payoutMicros, day);
    }

    private void add(String sellerId, Metric metric, long amount, LocalDate day) {
        opened.map().merge(key(sellerId, metric, day), Math.max(0, amount), SellerStats::saturatingSum);
    }

    private static Long saturatingSum(Long a, Long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    /** A seller's metric on one day. */
    public long get(String sellerId, Metric metric, LocalDate day) {
        Long value = opened.map().get(key(sellerId, metric, day));
        return value == null ? 0 : value;
    }

    private static String key(String sellerId, Metric metric, LocalDate day) {
        return day + "/" + metric.ordinal() + "/" + sellerId;
    }

    @Override
    public void close() {
        opened.close();
    }
}
