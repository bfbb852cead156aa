package dev.merlin.exchange.tracking;

import static dev.merlin.exchange.tracking.LoopbackExchange.ADMIN_TOKEN;
import static dev.merlin.exchange.tracking.LoopbackExchange.KAZE_TOKEN;
import static dev.merlin.exchange.tracking.LoopbackExchange.T0;
import static dev.merlin.exchange.tracking.LoopbackExchange.appBanner;
import static dev.merlin.exchange.tracking.LoopbackExchange.json;
import static dev.merlin.exchange.tracking.LoopbackExchange.text;
import static dev.merlin.exchange.tracking.LoopbackExchange.uidSet;
import static dev.merlin.exchange.tracking.LoopbackExchange.winner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.exchange.events.Event;
import dev.merlin.exchange.events.EventLogReader;
import dev.merlin.exchange.events.EventType;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /reports/campaigns} over loopback, after real activity: a user made a sports fan by the pixel wins two
 * auctions for Kaze, both billed through their {@code burl} with a clearing price, clicks one ad, and buys through
 * Kaze's pixel. The report's numbers are worked out by hand from those prices (take rate 15%).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CampaignReportsIT {

    private static final String FANS = "kaze-sports-fans-apac";
    private static final Pattern HREF = Pattern.compile("href=\"([^\"]+)\"");
    private static final LocalDate TODAY = LocalDate.ofEpochDay(T0 / 86_400);

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

    @Test
    void reportsNeedAToken() throws Exception {
        assertEquals(401, exchange.get("/reports/campaigns").statusCode());
        HttpResponse<byte[]> wrong = exchange.get("/reports/campaigns", "Authorization", "Bearer not-a-token-at-all");
        assertEquals(401, wrong.statusCode());
        assertTrue(wrong.headers().firstValue("www-authenticate").orElse("").startsWith("Bearer"));
        assertEquals(401, exchange.get("/reports/campaigns", "Authorization", "Bearer " + LoopbackExchange.APP_KEY)
                .statusCode(), "an event source's key does not read reports");
        assertEquals(401, exchange.get("/reports/campaigns", "Authorization", KAZE_TOKEN).statusCode(),
                "a token must be sent as Bearer");
    }

    @Test
    void anAdvertisersTokenSeesOnlyItsCampaignsAndTheAdminSeesAll() throws Exception {
        JsonNode kaze = json(report(KAZE_TOKEN, ""));
        Set<String> kazeCampaigns = new TreeSet<>();
        for (JsonNode row : kaze.path("rows")) {
            assertEquals("kaze-sportswear", row.path("advertiser").asText());
            kazeCampaigns.add(row.path("campaign").asText());
        }
        assertEquals(Set.of(FANS, "kaze-sports-context-global"), kazeCampaigns);
        assertEquals(2 * 7, kaze.path("rows").size(), "two campaigns, the last 7 days by default");

        JsonNode other = json(report(KAZE_TOKEN, "?advertiser=northwind-travel"));
        assertEquals(0, other.path("rows").size(), "another advertiser's rows are not Kaze's to read");

        Set<String> advertisers = new HashSet<>();
        int campaigns = 0;
        for (AdvertiserConfig advertiser : ConfigLoader.loadDefault().advertisers()) {
            advertisers.add(advertiser.id());
            campaigns += advertiser.campaigns().size();
        }
        JsonNode all = json(report(ADMIN_TOKEN, "?from=" + TODAY + "&to=" + TODAY));
        Set<String> seen = new HashSet<>();
        for (JsonNode row : all.path("rows")) {
            seen.add(row.path("advertiser").asText());
            assertEquals(TODAY.toString(), row.path("day").asText());
        }
        assertEquals(advertisers, seen);
        assertEquals(campaigns, all.path("rows").size());
    }

    @Test
    void badDatesAre400() throws Exception {
        assertEquals(400, report(ADMIN_TOKEN, "?from=yesterday").statusCode());
        assertEquals(400, report(ADMIN_TOKEN, "?from=2026-05-28&to=2026-05-01").statusCode());
        assertEquals(400, report(ADMIN_TOKEN, "?from=2024-01-01&to=2026-05-28").statusCode());
        HttpResponse<byte[]> farOff = report(ADMIN_TOKEN, "?to=%2B999999999-12-31");
        assertEquals(400, farOff.statusCode(), "a date at the end of time is a bad range, not a failed report: "
                + new String(farOff.body(), StandardCharsets.UTF_8));
    }

    @Test
    void anEmptyAdvertiserParameterMeansAllOfThem() throws Exception {
        JsonNode empty = json(report(ADMIN_TOKEN, "?advertiser="));
        JsonNode absent = json(report(ADMIN_TOKEN, ""));
        assertTrue(absent.path("rows").size() > 0);
        assertEquals(absent.path("rows").size(), empty.path("rows").size());
    }

    /** HTTP/1.1 pipelining: a report is answered off the event loop, and the request behind it must wait its turn. */
    @Test
    void aRequestPipelinedBehindAReportIsAnsweredAfterIt() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", exchange.server().port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /reports/campaigns HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ADMIN_TOKEN
                    + "\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /reports/campaigns?advertiser=kaze-sportswear HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + ADMIN_TOKEN + "\r\n\r\nGET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(all); // the server closes after the last answer
            String text = all.toString(StandardCharsets.UTF_8);
            int firstReport = text.indexOf("{\"from\":");
            int health = text.indexOf("{\"status\":\"ok\"}");
            int secondReport = text.indexOf("{\"from\":", health);
            int status = text.indexOf("{\"status\":\"ok\"}", secondReport);
            assertTrue(firstReport >= 0 && firstReport < health && health < secondReport && secondReport < status,
                    "answers out of request order: " + text.replace("\r\n", " | "));
            assertEquals(4, text.split("HTTP/1.1 200 OK", -1).length - 1, text);
        }
    }

    @Test
    void impressionsClicksConversionsSpendCpaAndRoasAreExact() throws Exception {
        String uid = uidSet(exchange.get("/px?pid=px-kaze&ev=page_view&cat=IAB17&country=JPN"));
        exchange.get("/px?pid=px-kaze&ev=page_view&cat=IAB17&country=JPN", "Cookie", "uid=" + uid);

        HttpResponse<byte[]> first = exchange.bid(appBanner("rep-1", uid, null, ""));
        HttpResponse<byte[]> second = exchange.bid(appBanner("rep-2", uid, null, ""));
        assertEquals(FANS, winner(first));
        assertEquals(FANS, winner(second));
        // Merlin bid 1.03 USD CPM; the seller reports clearing prices of 0.85 and 0.425: grossed up by the 15% take
        // rate the advertiser pays 1.00 and 0.50 CPM, i.e. 0.001 + 0.0005 = 0.0015 USD for the two impressions
        assertEquals(204, bill(first, "0.85").statusCode());
        assertEquals(204, bill(second, "0.425").statusCode());
        assertEquals(204, bill(first, "0.85").statusCode(), "a repeated burl is not charged twice");

        HttpResponse<byte[]> click = exchange.follow(clickUrl(first), "Cookie", "uid=" + uid);
        assertEquals(302, click.statusCode());
        assertEquals("https://kaze.example/run", click.headers().firstValue("location").orElse(null));

        exchange.clock.addAndGet(3_600);
        String purchase = "/px?pid=px-kaze&ev=purchase&value=30&cur=USD&oid=order-1&country=JPN";
        LoopbackExchange.assertPixel(exchange.get(purchase, "Cookie", "uid=" + uid));
        LoopbackExchange.assertPixel(exchange.get(purchase, "Cookie", "uid=" + uid)); // the same order again

        JsonNode row = row(json(report(KAZE_TOKEN, "")), FANS);
        assertEquals(2, row.path("impressions").asLong(), row.toString());
        assertEquals(1, row.path("clicks").asLong(), row.toString());
        assertDecimal("0.5", row.path("ctr"));
        assertEquals(1, row.path("conversions").asLong(), row.toString());
        assertDecimal("30", row.path("conversionValue"));
        assertDecimal("0.0015", row.path("spend"));
        assertDecimal("0.0015", row.path("cpa"));
        assertDecimal("20000", row.path("roas"));

        JsonNode idle = row(json(report(KAZE_TOKEN, "")), "kaze-sports-context-global");
        assertEquals(0, idle.path("impressions").asLong());
        assertTrue(idle.path("ctr").isNull() && idle.path("cpa").isNull() && idle.path("roas").isNull(),
                "no impressions, conversions or spend: nothing to divide by: " + idle);

        HttpResponse<byte[]> csv = report(KAZE_TOKEN, "", "Accept", "text/csv");
        assertEquals(200, csv.statusCode());
        assertTrue(csv.headers().firstValue("content-type").orElse("").startsWith("text/csv"));
        String[] lines = text(csv).split("\n");
        assertEquals("day,advertiser,campaign,impressions,clicks,ctr,conversions,conversion_value,spend,cpa,roas,"
                + "currency,committed", lines[0]);
        assertEquals(1 + 2 * 7, lines.length);
        String expected = TODAY + ",kaze-sportswear," + FANS + ",2,1,0.5,1,30,0.0015,0.0015,20000,USD,0";
        assertTrue(Arrays.asList(lines).contains(expected), "expected " + expected + " in\n" + text(csv));
        String idleLine = TODAY + ",kaze-sportswear,kaze-sports-context-global,0,0,,0,0,0,,,USD,0";
        assertTrue(Arrays.asList(lines).contains(idleLine), "expected " + idleLine + " in\n" + text(csv));
    }

    @Test
    void aWinNotBilledYetIsReportedAsCommittedThenAsSpend() throws Exception {
        String uid = uidSet(exchange.get("/px?pid=px-kaze&ev=page_view&cat=IAB17&country=JPN"));
        exchange.get("/px?pid=px-kaze&ev=page_view&cat=IAB17&country=JPN", "Cookie", "uid=" + uid);
        HttpResponse<byte[]> bid = exchange.bid(appBanner("com-1", uid, null, ""));
        assertEquals(FANS, winner(bid));

        JsonNode open = row(json(report(ADMIN_TOKEN, "")), FANS);
        BigDecimal committed = new BigDecimal(open.path("committed").asText());
        assertTrue(committed.signum() > 0, "the won bid is committed until its bill: " + open);
        assertDecimal("0", open.path("spend"));
        assertEquals(1, json(report(ADMIN_TOKEN, "?active=1")).path("rows").size(), "a commitment is activity");
        String[] csv = text(report(ADMIN_TOKEN, "?active=1", "Accept", "text/csv")).split("\n");
        assertTrue(csv[1].endsWith(",USD," + committed.toPlainString()), csv[1]);

        // a clearing price above the bid is clamped to the bid's own: the whole commitment becomes spend
        assertEquals(204, bill(bid, "1000").statusCode());
        JsonNode billed = row(json(report(ADMIN_TOKEN, "")), FANS);
        assertDecimal("0", billed.path("committed"));
        assertDecimal(committed.toPlainString(), billed.path("spend"));
    }

    @Test
    void activeOnlyLeavesOutTheRowsWithNothingInThem() throws Exception {
        assertEquals(0, json(report(ADMIN_TOKEN, "?active=1")).path("rows").size(), "nothing happened yet");
        String uid = uidSet(exchange.get("/px?pid=px-kaze&ev=page_view&cat=IAB17&country=JPN"));
        exchange.get("/px?pid=px-kaze&ev=page_view&cat=IAB17&country=JPN", "Cookie", "uid=" + uid);
        HttpResponse<byte[]> bid = exchange.bid(appBanner("act-1", uid, null, ""));
        assertEquals(FANS, winner(bid));
        assertEquals(204, bill(bid, "0.85").statusCode());

        JsonNode active = json(report(ADMIN_TOKEN, "?active=true"));
        assertEquals(1, active.path("rows").size(), active.toString());
        assertEquals(1, row(active, FANS).path("impressions").asLong());
        assertDecimal("0.001", row(active, FANS).path("spend"));
        String[] csv = text(report(ADMIN_TOKEN, "?active=1", "Accept", "text/csv")).split("\n");
        assertEquals(2, csv.length, String.join("\n", csv));
        assertTrue(csv[1].startsWith(TODAY + ",kaze-sportswear," + FANS + ",1,"), csv[1]);

        int campaigns = 0;
        for (AdvertiserConfig advertiser : ConfigLoader.loadDefault().advertisers()) {
            campaigns += advertiser.campaigns().size();
        }
        assertEquals(campaigns * 7, json(report(ADMIN_TOKEN, "?active=0")).path("rows").size(), "0: every row");
        HttpResponse<byte[]> bad = report(ADMIN_TOKEN, "?active=yes");
        assertEquals(400, bad.statusCode());
        assertTrue(text(bad).contains("active must be"), text(bad));
        assertEquals(1, exchange.server().metrics().httpErrors(400, "report_active"));
    }

    @Test
    void aConversionWithoutAnyTouchIsNotCounted() throws Exception {
        String uid = uidSet(exchange.get("/px?pid=px-kaze&ev=purchase&value=30&oid=o-9&country=JPN"));
        assertNotNull(uid);
        JsonNode row = row(json(report(ADMIN_TOKEN, "")), FANS);
        assertEquals(0, row.path("conversions").asLong());
        assertDecimal("0", row.path("conversionValue"));
    }

    @Test
    void theConversionEventInTheLogCarriesExchangeCurrencyMicros() throws Exception {
        String uid = uidSet(exchange.get("/px?pid=px-kaze&ev=page_view&cat=IAB17&country=JPN"));
        exchange.get("/px?pid=px-kaze&ev=page_view&cat=IAB17&country=JPN", "Cookie", "uid=" + uid);
        HttpResponse<byte[]> bid = exchange.bid(appBanner("jpy", uid, null, ""));
        assertEquals(FANS, winner(bid));
        assertEquals(204, bill(bid, "1.00").statusCode());
        exchange.get("/px?pid=px-kaze&ev=purchase&value=4500&cur=JPY&oid=o-jpy&country=JPN", "Cookie", "uid=" + uid);
        JsonNode row = row(json(report(KAZE_TOKEN, "")), FANS);
        assertDecimal("30.15", row.path("conversionValue"));
        exchange.close();
        List<Event> conversions = EventLogReader.readAll(dataDir).stream()
                .filter(e -> e.type() == EventType.CONVERSION).toList();
        assertEquals(1, conversions.size(), conversions.toString());
        assertEquals(30_150_000L, conversions.get(0).longValue("value_micros"), conversions.get(0).toJson());
    }

    private HttpResponse<byte[]> report(String token, String query, String... headers) throws Exception {
        String[] all = new String[headers.length + 2];
        all[0] = "Authorization";
        all[1] = "Bearer " + token;
        System.arraycopy(headers, 0, all, 2, headers.length);
        HttpResponse<byte[]> response = exchange.get("/reports/campaigns" + query, all);
        return response;
    }

    private HttpResponse<byte[]> bill(HttpResponse<byte[]> bidResponse, String price) throws Exception {
        String burl = json(bidResponse).path("seatbid").get(0).path("bid").get(0).path("burl").asText();
        return exchange.follow(burl.replace("${AUCTION_PRICE}", price).replace("${AUCTION_CURRENCY}", "USD")
                .replace("${AUCTION_ID}", "a1").replace("${AUCTION_BID_ID}", "b1"));
    }

    private static String clickUrl(HttpResponse<byte[]> bidResponse) throws Exception {
        String adm = json(bidResponse).path("seatbid").get(0).path("bid").get(0).path("adm").asText();
        Matcher m = HREF.matcher(adm);
        assertTrue(m.find(), adm);
        return m.group(1).replace("&amp;", "&");
    }

    private static JsonNode row(JsonNode report, String campaign) {
        for (JsonNode row : report.path("rows")) {
            if (campaign.equals(row.path("campaign").asText()) && TODAY.toString().equals(row.path("day").asText())) {
                return row;
            }
        }
        throw new AssertionError("no row for " + campaign + " on " + TODAY + " in " + report);
    }

    private static void assertDecimal(String expected, JsonNode actual) {
        assertTrue(actual.isNumber(), "not a number: " + actual);
        assertEquals(0, new BigDecimal(expected).compareTo(new BigDecimal(actual.asText())),
                expected + " vs " + actual);
    }
}
