package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.DspConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.dsp.DspAccounts;
import dev.merlin.exchange.dsp.DspWin;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.sellers.Sellers;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code /reports/dsps} and {@code /reports/payouts} through {@link ReportsEndpoint} over real stores of the default
 * configuration with two DSPs: what they show, as JSON and CSV, and that only the admin token opens them.
 */
class AccountsReportsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long NOON = Instant.parse("2026-06-15T12:00:00Z").getEpochSecond();
    private static final String RANGE = "?from=2026-06-15&to=2026-06-16";

    @TempDir
    Path dataDir;
    private MerlinConfig config;
    private ExchangeRuntime runtime;
    private DspAccounts accounts;
    private ReportsEndpoint reports;
    private final EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());

    @BeforeEach
    void open() {
        config = ConfigLoader.loadDefault().withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L))
                .withDsps(List.of(DspConfig.of("tokyo-dsp", "Tokyo", "http://127.0.0.1:9101/bid", "JPN"),
                        DspConfig.of("paris-dsp", "Paris", "http://127.0.0.1:9102/bid", "FRA")))
                .validate();
        runtime = ExchangeRuntime.open(config, new ExchangeMetrics(), () -> NOON);
        accounts = runtime.accounts();
        reports = new ReportsEndpoint(runtime.catalog(), runtime.currencies(), runtime.stores().spend(),
                runtime.stores().stats(), runtime.stores().sellerStats(), new Sellers(config.sellers()),
                config.tracking(), runtime.metrics(), () -> NOON, accounts, config.dsps());
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        runtime.close();
    }

    @AfterAll
    static void noLeaks() {
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    private record Answer(int status, String contentType, String body) {
    }

    private Answer get(String uri, String token) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        if (token != null) {
            request.headers().set("Authorization", "Bearer " + token);
        }
        ChannelHandlerContext ctx = channel.pipeline().firstContext();
        FullHttpResponse response = reports.handle(ctx, request);
        try {
            return new Answer(response.status().code(), response.headers().get("Content-Type"),
                    response.content().toString(StandardCharsets.UTF_8));
        } finally {
            response.release();
            request.release();
        }
    }

    private String admin() {
        return config.tracking().adminToken();
    }

    private void book() {
        String usd = config.exchange().currency();
        accounts.dspBilled(new DspWin(0, "tokyo-dsp", NOON, 2_500_000, usd, 2_500_000, "b", "1", null, null, null,
                null, null, false, false, null), "demo-ssp");
        accounts.dspBilled(new DspWin(0, "tokyo-dsp", NOON, 1_500_000, usd, 1_500_000, "b", "1", null, null, null,
                null, null, false, false, null), "demo-ssp");
        accounts.campaignCharged("demo-ssp", 1_000, NOON + 86_400);
    }

    @Test
    void theDspsReportShowsWhatEachDspOwesPerDayAndCurrency() throws Exception {
        book();
        Answer answer = get("/reports/dsps" + RANGE, admin());
        assertEquals(200, answer.status(), answer.body());
        JsonNode rows = JSON.readTree(answer.body()).get("rows");
        assertEquals(4, rows.size(), "two DSPs, two days: " + answer.body());
        JsonNode tokyo = rows.get(0);
        assertEquals("2026-06-15", tokyo.get("day").asText());
        assertEquals("tokyo-dsp", tokyo.get("dsp").asText());
        assertEquals(2, tokyo.get("impressions").asLong());
        assertEquals("0.004", tokyo.get("owed").asText(), "2.50 + 1.50 CPM = 0.004 for two impressions");
        assertEquals("0.004", tokyo.get("owedExchange").asText());
        assertEquals(0, rows.get(1).get("impressions").asLong(), "paris-dsp won nothing");
        Answer only = get("/reports/dsps" + RANGE + "&dsp=paris-dsp", admin());
        assertEquals(2, JSON.readTree(only.body()).get("rows").size());
    }

    @Test
    void thePayoutsReportShowsEachSellersPayoutNetOfTheTakeRateFromDspsAndCampaigns() throws Exception {
        book();
        Answer answer = get("/reports/payouts" + RANGE + "&seller=demo-ssp", admin());
        assertEquals(200, answer.status(), answer.body());
        JsonNode rows = JSON.readTree(answer.body()).get("rows");
        assertEquals(2, rows.size(), answer.body());
        double keep = 1 - config.exchange().takeRate();
        assertEquals(2, rows.get(0).get("dspImpressions").asLong());
        assertEquals(0.004, rows.get(0).get("dspGross").asDouble(), 1e-9);
        assertEquals(0.004 * keep, rows.get(0).get("dspPayout").asDouble(), 1e-6);
        assertEquals(0.004 * keep, rows.get(0).get("payout").asDouble(), 1e-6);
        assertEquals(1, rows.get(1).get("campaignImpressions").asLong());
        assertEquals(0.001, rows.get(1).get("campaignGross").asDouble(), 1e-9);
        assertEquals(0.001 * keep, rows.get(1).get("payout").asDouble(), 1e-6);
    }

    @Test
    void bothReportsComeAsCsvWithFormatCsv() {
        book();
        Answer dsps = get("/reports/dsps?from=2026-06-15&to=2026-06-15&format=csv", admin());
        assertTrue(dsps.contentType().startsWith("text/csv"), dsps.contentType());
        assertEquals("day,dsp,currency,impressions,owed,owed_exchange,exchange_currency\n"
                + "2026-06-15,tokyo-dsp,USD,2,0.004,0.004,USD\n"
                + "2026-06-15,paris-dsp,USD,0,0,0,USD\n", dsps.body());
        Answer payouts = get("/reports/payouts?from=2026-06-16&to=2026-06-16&seller=demo-ssp&format=csv", admin());
        assertEquals("day,seller,campaign_impressions,campaign_gross,campaign_payout,dsp_impressions,dsp_gross,"
                + "dsp_payout,payout,currency\n"
                + "2026-06-16,demo-ssp,1,0.001,0.00085,0,0,0,0.00085,USD\n", payouts.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/reports/dsps", "/reports/payouts"})
    void anAdvertisersReportTokenANoTokenOrAWrongOneDoNotOpenTheBooks(String path) {
        book();
        String advertiserToken = config.advertisers().stream().filter(a -> a.reportToken() != null).findFirst()
                .orElseThrow().reportToken();
        assertEquals(200, get("/reports/campaigns", advertiserToken).status(), "the token is a valid report token");
        for (String token : new String[] {advertiserToken, null, "", admin() + "x", "demo-ssp-token"}) {
            Answer answer = get(path + RANGE, token);
            assertEquals(401, answer.status(), token);
            assertTrue(!answer.body().contains("tokyo-dsp") && !answer.body().contains("0.004"), answer.body());
        }
    }

    @Test
    void badDatesAreRefused() {
        assertEquals(400, get("/reports/dsps?from=2026-06-16&to=2026-06-15", admin()).status());
        assertEquals(400, get("/reports/payouts?from=yesterday", admin()).status());
    }

    @Test
    void anExchangeWithoutAccountsAnswers404ToTheAdmin() {
        ReportsEndpoint without = new ReportsEndpoint(runtime.catalog(), runtime.currencies(),
                runtime.stores().spend(), runtime.stores().stats(), runtime.stores().sellerStats(),
                new Sellers(config.sellers()), config.tracking(), runtime.metrics(), () -> NOON);
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/reports/dsps");
        request.headers().set("Authorization", "Bearer " + admin());
        FullHttpResponse response = without.handle(channel.pipeline().firstContext(), request);
        try {
            assertEquals(404, response.status().code());
        } finally {
            response.release();
            request.release();
        }
    }
}
