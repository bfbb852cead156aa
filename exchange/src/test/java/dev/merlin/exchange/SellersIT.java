package dev.merlin.exchange;

import static dev.merlin.exchange.tracking.LoopbackExchange.ADMIN_TOKEN;
import static dev.merlin.exchange.tracking.LoopbackExchange.KAZE_TOKEN;
import static dev.merlin.exchange.tracking.LoopbackExchange.appBanner;
import static dev.merlin.exchange.tracking.LoopbackExchange.json;
import static dev.merlin.exchange.tracking.LoopbackExchange.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.SellerConfig;
import dev.merlin.exchange.tracking.LoopbackExchange;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The sell side over loopback on the embedded demo: the seller is signed into the links, a charged bill pays the
 * seller's publisher the gross net of the take rate in {@code /reports/sellers}, which survives a restart, and
 * {@code /sellers.json} lists the configured sellers per sellers.json 1.0.
 */
class SellersIT {

    private static final String TODAY = LocalDate.ofEpochDay(LoopbackExchange.T0 / 86_400).toString();

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aChargedBillPaysTheSellersPublisherNetOfTheTakeRateAndTheReportSurvivesARestart(@TempDir Path dataDir)
            throws Exception {
        long grossMicros;
        long payoutMicros;
        try (LoopbackExchange exchange = new LoopbackExchange(dataDir)) {
            HttpResponse<byte[]> bid = exchange.bid(appBanner("sell-1", null, null, ""));
            assertEquals(200, bid.statusCode(), text(bid));
            JsonNode b = json(bid).path("seatbid").get(0).path("bid").get(0);
            for (String link : List.of(b.path("nurl").asText(), b.path("burl").asText(), b.path("lurl").asText())) {
                assertTrue(link.contains("&s=demo-ssp&"), "the seller is signed into every notice link: " + link);
            }
            // cleared at the bid's own price P (CPM, what the publisher is offered): the advertiser pays P grossed
            // up by the 15% take rate, per impression; the publisher gets that net of the take rate
            String price = b.path("price").asText();
            long netCpmMicros = Math.round(Double.parseDouble(price) * 1_000_000);
            grossMicros = (netCpmMicros * 1_000_000L + 849_999) / 850_000 / 1000;
            payoutMicros = grossMicros * 850_000 / 1_000_000;
            assertTrue(grossMicros > 0 && payoutMicros < grossMicros, grossMicros + " / " + payoutMicros);
            String burl = b.path("burl").asText().replace("${AUCTION_PRICE}", price)
                    .replace("${AUCTION_CURRENCY}", "USD").replace("${", "%24%7B").replace("}", "%7D");
            HttpResponse<byte[]> bill = exchange.follow(burl);
            assertEquals(204, bill.statusCode(), text(bill));
            assertEquals(204, exchange.follow(burl).statusCode(), "billed again: charged once");
            assertReport(exchange, grossMicros, payoutMicros);

            assertEquals(401, exchange.get("/reports/sellers", "Authorization", "Bearer " + KAZE_TOKEN)
                    .statusCode(), "payouts are the exchange's books: an advertiser's report token is refused");
            assertEquals(401, exchange.get("/reports/sellers").statusCode());
            HttpResponse<byte[]> csv = exchange.get("/reports/sellers?seller=demo-ssp&from=" + TODAY + "&to=" + TODAY,
                    "Authorization", "Bearer " + ADMIN_TOKEN, "Accept", "text/csv");
            assertEquals("day,seller,impressions,gross,payout,currency\n" + TODAY + ",demo-ssp,1,"
                    + money(grossMicros) + "," + money(payoutMicros) + ",USD\n", text(csv));
            HttpResponse<byte[]> badDates = exchange.get("/reports/sellers?from=yesterday", "Authorization",
                    "Bearer " + ADMIN_TOKEN);
            assertEquals(400, badDates.statusCode(), text(badDates));
        }
        try (LoopbackExchange restarted = new LoopbackExchange(dataDir)) {
            assertReport(restarted, grossMicros, payoutMicros);
        }
    }

    private static String money(long micros) {
        return BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString();
    }

    private static void assertReport(LoopbackExchange exchange, long grossMicros, long payoutMicros)
            throws Exception {
        HttpResponse<byte[]> report = exchange.get("/reports/sellers?from=" + TODAY + "&to=" + TODAY,
                "Authorization", "Bearer " + ADMIN_TOKEN);
        assertEquals(200, report.statusCode(), text(report));
        JsonNode rows = json(report).path("rows");
        assertEquals(ConfigLoader.loadDefault().sellers().size(), rows.size(), rows.toString());
        JsonNode demo = rows.get(0);
        assertEquals("demo-ssp", demo.path("seller").asText());
        assertEquals(TODAY, demo.path("day").asText());
        assertEquals(1, demo.path("impressions").asLong());
        assertEquals(grossMicros, Math.round(demo.path("gross").asDouble() * 1e6), "what the advertiser paid");
        assertEquals(payoutMicros, Math.round(demo.path("payout").asDouble() * 1e6), "net of the 15% take rate");
        assertEquals(0, rows.get(1).path("impressions").asLong(), "the other seller sold nothing");
        assertEquals("USD", json(report).path("currency").asText());
    }

    /**
     * A stranger's auction pipelined behind a report (which runs off the event loop, holding answers) gets its 401
     * in turn, and its body is never taken for a request.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aStrangersAuctionPipelinedBehindAReportIsRefusedInTurn(@TempDir Path dataDir) throws Exception {
        try (LoopbackExchange exchange = new LoopbackExchange(dataDir);
             Socket socket = new Socket("127.0.0.1", exchange.server().port())) {
            String smuggled = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(("GET /reports/sellers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ADMIN_TOKEN
                    + "\r\n\r\nPOST /openrtb2/auction HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + smuggled.length() + "\r\n\r\n" + smuggled
                    + "GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int report = text.indexOf("HTTP/1.1 200 OK");
            int refused = text.indexOf("HTTP/1.1 401 Unauthorized");
            int status = text.indexOf("HTTP/1.1 200 OK", refused);
            assertTrue(report >= 0 && report < refused && refused < status, text.replace("\r\n", " | "));
            assertEquals(2, text.split("HTTP/1.1 200 OK", -1).length - 1, "the body is no request: " + text);
            assertEquals(1, exchange.server().metrics().bidRequestsUnauthorized("no_credentials"));
        }
    }

    /** sellers.json 1.0: version, contact, and each seller; a confidential one withholds its name and domain. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sellersJsonListsTheConfiguredSellersPerTheSpecification(@TempDir Path dataDir) throws Exception {
        List<SellerConfig> configured = ConfigLoader.loadDefault().sellers();
        try (LoopbackExchange exchange = new LoopbackExchange(dataDir)) {
            HttpResponse<byte[]> response = exchange.get("/sellers.json");
            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
            JsonNode doc = json(response);
            assertEquals("1.0", doc.path("version").asText());
            assertEquals("adops@merlin.example", doc.path("contact_email").asText());
            assertFalse(doc.path("contact_address").asText().isEmpty());
            JsonNode sellers = doc.path("sellers");
            assertEquals(configured.size(), sellers.size());
            for (int i = 0; i < configured.size(); i++) {
                SellerConfig expected = configured.get(i);
                JsonNode seller = sellers.get(i);
                assertEquals(expected.id(), seller.path("seller_id").asText());
                assertEquals(expected.type(), seller.path("seller_type").asText());
                if (expected.isConfidential()) {
                    assertEquals(1, seller.path("is_confidential").asInt());
                    assertFalse(seller.has("name") || seller.has("domain"), "withheld: " + seller);
                } else {
                    assertFalse(seller.has("is_confidential"), seller.toString());
                    assertEquals(expected.name(), seller.path("name").asText());
                    assertEquals(expected.domain(), seller.path("domain").asText());
                }
            }
            assertTrue(configured.stream().anyMatch(SellerConfig::isConfidential), "the demo shows both kinds");
            assertEquals(405, exchange.send("POST", "/sellers.json").statusCode());
        }
    }
}
