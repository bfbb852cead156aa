package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.events.Event;
import dev.merlin.exchange.events.EventLogReader;
import dev.merlin.exchange.events.EventType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every auction outcome, win, bill, loss and click leaves a record in the durable event log. */
class NoticeEventsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEMO_PUBLIC_URL = "http://127.0.0.1:8080";

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void noticesAndClicksAreLogged(@TempDir Path dataDir) throws Exception {
        MerlinConfig config = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString());
        long now = Instant.parse("2026-11-29T10:00:00Z").getEpochSecond();
        HttpClient client = HttpClient.newHttpClient();
        String base;
        try (MerlinServer server = new MerlinServer(config, () -> now).start()) {
            base = "http://127.0.0.1:" + server.port();
            byte[] sample = Files.readAllBytes(SharedSamples.requests().resolve("iab26spec-simple-banner.json"));
            HttpResponse<String> bid = client.send(HttpRequest.newBuilder(URI.create(base + "/openrtb2/auction"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + DemoSeller.TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(sample))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, bid.statusCode(), bid.body());
            JsonNode b = JSON.readTree(bid.body()).get("seatbid").get(0).get("bid").get(0);
            String burl = local(base, b.get("burl").asText().replace("${AUCTION_PRICE}", "1.00"));
            assertTrue(burl.contains("&s=demo-ssp&"), burl);
            // another seller's id in a link Merlin signed for demo-ssp: not Merlin's link, charged to no one
            assertEquals(403, get(client, burl.replace("&s=demo-ssp&", "&s=other-ssp&")));
            assertEquals(403, get(client, burl.replace("&s=demo-ssp&", "&")), "the seller cannot be dropped either");
            assertEquals(204, get(client, burl));
            assertEquals(204, get(client, burl), "a repeated bill is answered, and charges nothing");
            assertEquals(204, get(client, local(base, b.get("nurl").asText().replace("${AUCTION_PRICE}", "1.00"))));
            assertEquals(204, get(client, local(base, b.get("lurl").asText().replace("${AUCTION_LOSS}", "102"))));
            String adm = b.get("adm").asText();
            int href = adm.indexOf("href=\"") + 6;
            assertEquals(302, get(client, local(base, adm.substring(href, adm.indexOf('"', href)))));
            HttpResponse<String> sellers = client.send(HttpRequest.newBuilder(URI.create(base
                    + "/reports/sellers?seller=demo-ssp&from=2026-11-29&to=2026-11-29"))
                    .header("Authorization", "Bearer " + config.tracking().adminToken()).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, sellers.statusCode(), sellers.body());
            JsonNode row = JSON.readTree(sellers.body()).get("rows").get(0);
            assertEquals(1, row.get("impressions").asLong(), "the one charged bill, under its signed seller: " + row);
            assertEquals(0.001176, row.get("gross").asDouble(), 1e-9, row.toString());
        }
        List<Event> events = EventLogReader.readAll(dataDir);
        assertEquals(1, count(events, EventType.AUCTION));
        assertEquals("demo-ssp", of(events, EventType.AUCTION).get(0).string("s"), "the seller is on the auction");
        List<Event> bills = of(events, EventType.BILL);
        assertEquals(2, bills.size(), bills.toString());
        assertEquals("charged", bills.get(0).string("outcome"));
        // 1.00 USD CPM cleared, grossed up by the 15% take rate, for one impression: 1.00 / 0.85 / 1000 USD
        assertEquals(1176, bills.get(0).longValue("charged_micros"));
        assertEquals("duplicate", bills.get(1).string("outcome"));
        assertEquals(0, bills.get(1).longValue("charged_micros"));
        Event win = of(events, EventType.WIN).get(0);
        assertEquals("duplicate", win.string("outcome"), "the bill already charged this impression");
        assertEquals("102", of(events, EventType.LOSS).get(0).string("loss"));
        for (EventType notice : List.of(EventType.WIN, EventType.BILL, EventType.LOSS, EventType.CLICK)) {
            for (Event e : of(events, notice)) {
                assertEquals("demo-ssp", e.string("s"),
                        "the seller signed into the link is on the event: " + e.toJson());
            }
        }
        assertEquals(2, bills.size(), "the forged links logged nothing");
        Event click = of(events, EventType.CLICK).get(0);
        assertEquals("northwind-run-of-network", click.string("c"));
        assertTrue(click.string("rid").startsWith("80ce30c5"), click.toJson());
    }

    private static String local(String base, String demoUrl) {
        assertTrue(demoUrl.startsWith(DEMO_PUBLIC_URL), demoUrl);
        return base + demoUrl.substring(DEMO_PUBLIC_URL.length()).replace("${", "%24%7B").replace("}", "%7D");
    }

    private static int get(HttpClient client, String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static long count(List<Event> events, EventType type) {
        return of(events, type).size();
    }

    private static List<Event> of(List<Event> events, EventType type) {
        return events.stream().filter(e -> e.type() == type).toList();
    }
}
