package dev.merlin.exchange.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.DspConfig;
import dev.merlin.config.DspHealthConfig;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link DspMetrics} as scraped from the exchange's {@code /metrics}: per DSP, labelled by configured ids only. */
class DspMetricsTest {

    private long now = 1_000_000_000L;

    @Test
    void perDspSeriesAppearOnTheExchangeRegistry() throws IOException {
        ExchangeMetrics exchange = new ExchangeMetrics();
        DspMetrics metrics = new DspMetrics(exchange);
        DspHealth health = new DspHealth(new DspHealthConfig(2, null, null, null, null, null), 0, () -> now,
                () -> 0.5);
        DspMetrics.ForDsp tokyo = metrics.dsp("tokyo-dsp", health);
        DspMetrics.ForDsp paris = metrics.dsp("paris-dsp", DspHealth.of(
                DspConfig.of("paris-dsp", "Paris", "http://127.0.0.1:1/bid", "FRA")));

        tokyo.sent();
        tokyo.ended(DspOutcome.OK, TimeUnit.MILLISECONDS.toNanos(12));
        tokyo.bids(2);
        tokyo.sent();
        tokyo.ended(DspOutcome.TIMEOUT, TimeUnit.MILLISECONDS.toNanos(150));
        tokyo.sent();
        tokyo.refused();
        health.record(DspOutcome.TIMEOUT, 1);
        health.record(DspOutcome.RESET, 1);
        health.admit(now, 1_000_000);
        paris.sent();
        paris.ended(DspOutcome.NO_BID, TimeUnit.MILLISECONDS.toNanos(3));
        paris.noBid();

        String text = scrape(exchange);
        assertEquals(3.0, value(text, "merlin_dsp_requests_total{dsp=\"tokyo-dsp\"}"));
        assertEquals(1.0, value(text, "merlin_dsp_responses_total{dsp=\"tokyo-dsp\",outcome=\"ok\"}"));
        assertEquals(1.0, value(text, "merlin_dsp_responses_total{dsp=\"tokyo-dsp\",outcome=\"timeout\"}"));
        assertEquals(1.0, value(text, "merlin_dsp_responses_total{dsp=\"tokyo-dsp\",outcome=\"refused_in_flight\"}"));
        assertEquals(0.0, value(text, "merlin_dsp_responses_total{dsp=\"tokyo-dsp\",outcome=\"reset\"}"));
        assertEquals(2.0, value(text, "merlin_dsp_bids_total{dsp=\"tokyo-dsp\"}"));
        assertEquals(1.0, value(text, "merlin_dsp_no_bids_total{dsp=\"paris-dsp\"}"));
        assertEquals(1.0, value(text, "merlin_dsp_in_flight{dsp=\"tokyo-dsp\"}"), "one sent, not ended");
        assertEquals(0.0, value(text, "merlin_dsp_in_flight{dsp=\"paris-dsp\"}"));
        assertEquals(1.0, value(text, "merlin_dsp_latency_seconds_bucket{dsp=\"tokyo-dsp\",le=\"0.02\"}"));
        assertEquals(2.0, value(text, "merlin_dsp_latency_seconds_bucket{dsp=\"tokyo-dsp\",le=\"0.2\"}"));
        assertEquals(2.0, value(text, "merlin_dsp_latency_seconds_count{dsp=\"tokyo-dsp\"}"));
        assertEquals(2.0, value(text, "merlin_dsp_breaker_state{dsp=\"tokyo-dsp\"}"), "open after 2 failures");
        assertEquals(0.0, value(text, "merlin_dsp_breaker_state{dsp=\"paris-dsp\"}"));
        assertEquals(1.0, value(text, "merlin_dsp_skipped_total{dsp=\"tokyo-dsp\",reason=\"breaker_open\"}"));
        assertEquals(0.0, value(text, "merlin_dsp_skipped_total{dsp=\"tokyo-dsp\",reason=\"qps_capped\"}"));
        assertTrue(text.contains("merlin_bid_requests_total"), "the exchange's own metrics are on the same page");
    }

    private static String scrape(ExchangeMetrics exchange) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        exchange.writeTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static double value(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]);
            }
        }
        throw new AssertionError("no series " + series + " in\n" + text);
    }
}
