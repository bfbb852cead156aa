package dev.merlin.exchange.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.protocol.BidResponseError;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The DSP bid counters: on the exchange's {@code /metrics}, every reason from the start, counted per DSP. */
class DspBidMetricsTest {

    @Test
    void everyReasonOfEveryDspIsExposedFromTheStartAndCounts() throws Exception {
        ExchangeMetrics exchange = new ExchangeMetrics();
        DspBidMetrics metrics = new DspBidMetrics(exchange);
        DspBidMetrics.Rejections tokyo = metrics.forDsp("tokyo-dsp");
        DspBidMetrics.Rejections paris = metrics.forDsp("paris-dsp");

        String before = scrape(exchange);
        for (BidRejection reason : BidRejection.values()) {
            assertTrue(before.contains("dsp=\"paris-dsp\",reason=\"" + reason.label() + "\""), reason.label());
        }
        for (BidResponseError reason : BidResponseError.values()) {
            assertTrue(before.contains("merlin_dsp_responses_invalid_total{dsp=\"tokyo-dsp\",reason=\""
                    + reason.label() + "\"}"), reason.label());
        }

        tokyo.count(BidRejection.NOT_SECURE, 2);
        tokyo.invalid(BidResponseError.ADM_TOO_LONG);
        paris.count(BidRejection.NOT_SECURE, 1);

        assertEquals(2, metrics.rejected("tokyo-dsp", BidRejection.NOT_SECURE));
        assertEquals(2, tokyo.count(BidRejection.NOT_SECURE));
        assertEquals(1, metrics.rejected("paris-dsp", BidRejection.NOT_SECURE));
        assertEquals(0, metrics.rejected("tokyo-dsp", BidRejection.INVALID_DEAL));
        assertEquals(1, metrics.invalid("tokyo-dsp", BidResponseError.ADM_TOO_LONG));
        assertEquals(1, tokyo.invalidCount(BidResponseError.ADM_TOO_LONG));
        assertEquals(0, metrics.invalid("paris-dsp", BidResponseError.ADM_TOO_LONG));
        assertTrue(scrape(exchange).contains(
                "merlin_dsp_bids_rejected_total{dsp=\"tokyo-dsp\",reason=\"not_secure\"} 2"));
    }

    private static String scrape(ExchangeMetrics exchange) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        exchange.writeTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
