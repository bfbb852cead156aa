package dev.merlin.exchange.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.tracking.CampaignStats.Metric;
import java.nio.file.Path;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CampaignStatsTest {

    @TempDir
    Path dataDir;

    @Test
    void totalsAddUpPerCampaignMetricAndDayAndSurviveReopening() {
        LocalDate day = LocalDate.ofEpochDay(TrackingStores.T0 / TrackingStores.DAY);
        try (TrackingStores stores = new TrackingStores(dataDir)) {
            Campaign kaze = stores.catalog.byId("kaze-sports-fans-apac");
            stores.stats.add(kaze, Metric.CONVERSIONS, 2, TrackingStores.T0);
            stores.stats.add(kaze, Metric.CONVERSIONS, 3, TrackingStores.T0 + 60);
            stores.stats.add(kaze, Metric.CONVERSIONS, 7, TrackingStores.T0 + TrackingStores.DAY);
            assertEquals(5, stores.stats.get(kaze.id(), Metric.CONVERSIONS, day));
            assertEquals(0, stores.stats.get(kaze.id(), Metric.CLICKS, day));
        }
        try (TrackingStores reopened = new TrackingStores(dataDir)) {
            assertEquals(5, reopened.stats.get("kaze-sports-fans-apac", Metric.CONVERSIONS, day));
            assertEquals(7, reopened.stats.get("kaze-sports-fans-apac", Metric.CONVERSIONS, day.plusDays(1)));
        }
    }

    /** Conversion values come from advertisers' URLs; a huge one saturates the total, never wraps it negative. */
    @Test
    void aTotalSaturatesInsteadOfOverflowing() {
        LocalDate day = LocalDate.ofEpochDay(TrackingStores.T0 / TrackingStores.DAY);
        try (TrackingStores stores = new TrackingStores(dataDir)) {
            Campaign kaze = stores.catalog.byId("kaze-sports-fans-apac");
            stores.stats.add(kaze, Metric.CONVERSION_VALUE_MICROS, Long.MAX_VALUE - 5, TrackingStores.T0);
            stores.stats.add(kaze, Metric.CONVERSION_VALUE_MICROS, 10, TrackingStores.T0);
            assertEquals(Long.MAX_VALUE, stores.stats.get(kaze.id(), Metric.CONVERSION_VALUE_MICROS, day));
        }
    }
}
