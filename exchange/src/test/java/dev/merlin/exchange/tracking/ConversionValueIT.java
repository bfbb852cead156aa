package dev.merlin.exchange.tracking;

import static dev.merlin.exchange.tracking.LoopbackExchange.assertPixel;
import static dev.merlin.exchange.tracking.LoopbackExchange.json;
import static dev.merlin.exchange.tracking.LoopbackExchange.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.exchange.ExchangeRuntime;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A conversion's {@code value} is read one way and bounded by {@code tracking.maxConversionValue} (100,000 USD in the
 * demo): two pixel hits with {@code value=1e308} made a campaign's conversion value 9.2 trillion USD, and {@code /px}
 * took {@code 0x1p3} and {@code 5d}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConversionValueIT {

    @TempDir
    Path dataDir;
    private LoopbackExchange exchange;

    @BeforeEach
    void start() throws InterruptedException {
        exchange = new LoopbackExchange(dataDir);
    }

    @AfterEach
    void stop() {
        exchange.close();
    }

    private long pixelOutcomes(String outcome) {
        return exchange.server().metrics().activityCount("pixel", outcome);
    }

    private long conversionValueMicros(String campaign) {
        return exchange.server().runtime().stores().stats().get(campaign, CampaignStats.Metric.CONVERSION_VALUE_MICROS,
                LocalDate.ofEpochDay(LoopbackExchange.T0 / 86_400));
    }

    @ParameterizedTest(name = "value={0} -> {1}")
    @CsvSource({
        "0x1p3,   bad_value",
        "5d,      bad_value",
        "1f,      bad_value",
        "NaN,     bad_value",
        "Infinity, bad_value",
        "1e400,   bad_value",
        "-5,      bad_value",
        "+5,      bad_value",
        "1e308,   value_too_large",
        "100001,  value_too_large",
        "100000,  recorded",
        "12.50,   recorded",
        "1.25e2,  recorded",
    })
    void thePixelReadsValuesOneWayAndBoundsThemAndAlwaysAnswersTheGif(String value, String outcome)
            throws Exception {
        assertPixel(exchange.get("/px?pid=px-kaze&ev=purchase&country=JPN&did=ifa-v&value=" + value));
        assertEquals(1, pixelOutcomes(outcome));
    }

    @Test
    void twoHitsOfAHugeValueNoLongerMakeAConversionValueOfTrillions() throws Exception {
        ExchangeRuntime runtime = exchange.server().runtime();
        String campaign = "kaze-sports-fans-apac";
        String advertiserPixel = "px-kaze";
        runtime.tracking().impression(runtime.catalog().byId(campaign), runtime.userHash().hash("ifa-big"),
                runtime.nowEpochSeconds());
        exchange.clock.addAndGet(60);
        for (int i = 0; i < 2; i++) {
            assertPixel(exchange.get("/px?pid=" + advertiserPixel + "&ev=purchase&country=JPN&did=ifa-big&oid=o" + i
                    + "&value=1e308"));
        }
        assertEquals(2, pixelOutcomes("value_too_large"));
        assertEquals(0, conversionValueMicros(campaign));
        assertPixel(exchange.get("/px?pid=" + advertiserPixel + "&ev=purchase&country=JPN&did=ifa-big&oid=o3"
                + "&value=12.5"));
        assertEquals(12_500_000, conversionValueMicros(campaign), "a sane value is credited");
    }

    @ParameterizedTest(name = "value {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "1e308                 | value_too_large",
        "100001                | value_too_large",
        "1e400                 | bad_value",
        "-1                    | bad_value",
        "\"5\"                 | bad_value",
        "100000                | recorded",
        "99.5                  | recorded",
    })
    void anAppEventsValueIsReadTheSameWayAndBounded(String value, String outcome) throws Exception {
        HttpResponse<byte[]> response = exchange.events("{\"events\":[{\"user\":\"ifa-e\",\"event\":\"purchase\","
                + "\"value\":" + value.trim() + ",\"consent\":{\"country\":\"JPN\"}}]}");
        assertEquals(202, response.statusCode(), text(response));
        boolean isRecorded = outcome.trim().equals("recorded");
        assertEquals(isRecorded ? 1 : 0, json(response).path("accepted").asInt(), text(response));
        if (!isRecorded) {
            assertTrue(text(response).contains("value"), text(response));
        }
        assertEquals(1, exchange.server().metrics().activityCount("app", outcome.trim()));
    }

    @Test
    void anAppEventsValueIsBoundedInTheExchangeCurrency() throws Exception {
        // 20,000,000 JPY is far more than 100,000 USD at the demo's rate
        HttpResponse<byte[]> response = exchange.events("{\"events\":[{\"user\":\"ifa-e\",\"event\":\"purchase\","
                + "\"value\":20000000,\"currency\":\"JPY\",\"consent\":{\"country\":\"JPN\"}}]}");
        assertEquals(0, json(response).path("accepted").asInt(), text(response));
        assertEquals(1, exchange.server().metrics().activityCount("app", "value_too_large"));
    }
}
