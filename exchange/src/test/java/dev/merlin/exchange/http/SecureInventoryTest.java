package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.DemoSeller;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secure inventory: for {@code imp.secure=1} every URL Merlin writes — the click link in the markup and the
 * nurl/burl/lurl — is https, as Prebid Server's secure-markup validation demands (it rejected 10 of 11 Merlin bids
 * for an http click link); a config that cannot make https links does not bid on secure imps and counts why.
 */
class SecureInventoryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern URL = Pattern.compile("(?i)https?(://|%3A%2F%2F)[^\"'\\s<>]*");

    @TempDir
    Path dataDir;
    private ExchangeMetrics metrics;
    private ExchangeRuntime runtime;
    private EmbeddedChannel channel;

    private void start(String publicUrl, String securePublicUrl) {
        String yaml = "exchange:\n"
                + "  publicUrl: " + publicUrl + "\n"
                + (securePublicUrl == null ? "" : "  securePublicUrl: " + securePublicUrl + "\n")
                + "advertisers:\n"
                + "  - id: acme\n"
                + "    campaigns:\n"
                + "      - id: c0\n"
                + "        bid: {amount: 3.00}\n"
                + "        creatives:\n"
                + "          - {id: ad, format: banner, w: 300, h: 250, markup: '<a href=\"${CLICK_URL}\"><img"
                + " src=\"https://cdn.acme.example/ad.png\"></a><img src=\"${CLICK_URL_ENC}\">',"
                + " landingPage: 'https://acme.example/', adomain: [acme.example]}\n";
        MerlinConfig config = DemoSeller.with(ConfigLoader.parse(yaml, "test").withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L))).validate();
        metrics = new ExchangeMetrics();
        runtime = ExchangeRuntime.open(config, metrics);
        channel = new EmbeddedChannel();
        new HttpPipeline(runtime).configure(channel.pipeline());
    }

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
            runtime.close();
            channel = null;
        }
    }

    @AfterAll
    static void noLeaks() {
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    @Test
    void withOnlyAnHttpPublicUrlASecureImpGetsNoBidCountedButAnotherImpStillDoes() throws Exception {
        start("http://merlin.test", null);
        assertEquals("HTTP/1.1 204", status(auction(1)), "an http click link would break a secure page");
        assertEquals(1, metrics.noBids("no_secure_url"));
        JsonNode bid = bid(auction(0));
        assertTrue(bid.get("burl").asText().startsWith("http://merlin.test/bill?"), bid.toString());
    }

    @Test
    void withASecurePublicUrlEveryUrlOfASecureImpIsHttps() throws Exception {
        start("http://merlin.test", "https://secure.merlin.test/");
        JsonNode bid = bid(auction(1));
        List<String> urls = urls(bid);
        assertEquals(6, urls.size(), "nurl, burl, lurl, the image and the click link twice: " + urls);
        for (String url : urls) {
            assertTrue(url.startsWith("https://secure.merlin.test/") || url.startsWith("https%3A%2F%2Fsecure")
                    || url.startsWith("https://cdn.acme.example/"), url);
        }
        String burl = bid.get("burl").asText().replace("${AUCTION_PRICE}", "1.00")
                .replace("https://secure.merlin.test", "").replace("${", "%24%7B").replace("}", "%7D");
        assertEquals("HTTP/1.1 204", status(exchange("GET " + burl + " HTTP/1.1\r\nHost: x\r\n\r\n")),
                "the https link verifies and charges like any other");
        assertEquals(1, metrics.notices("bill", "charged"));
        JsonNode plain = bid(auction(0));
        assertTrue(plain.get("nurl").asText().startsWith("http://merlin.test/win?"), "a non-secure imp keeps http");
        assertEquals(0, metrics.noBids("no_secure_url"));
    }

    @Test
    void anHttpsPublicUrlServesSecureImpsToo() throws Exception {
        start("https://merlin.test", null);
        for (String url : urls(bid(auction(1)))) {
            assertFalse(url.regionMatches(true, 0, "http:", 0, 5) || url.regionMatches(true, 0, "http%3A", 0, 7),
                    url);
        }
    }

    /** The start-up says, at WARN, when it will not bid on secure imps; and says nothing when it will. */
    @Test
    void startingWithOnlyAnHttpPublicUrlWarnsThatSecureImpsGetNoBid() {
        String httpOnly = startCapturingTheLog("http://merlin.test", null);
        assertTrue(httpOnly.contains("WARN ExchangeRuntime") && httpOnly.contains("exchange.publicUrl http://merlin.test"
                + " is not https and exchange.securePublicUrl is not set: Merlin will not bid on secure imps"),
                httpOnly);
        close();
        String withSecure = startCapturingTheLog("http://merlin.test", "https://secure.merlin.test");
        assertFalse(withSecure.contains("will not bid on secure imps"), withSecure);
        close();
        String https = startCapturingTheLog("https://merlin.test", null);
        assertFalse(https.contains("will not bid on secure imps"), https);
    }

    /** What start-up logged (slf4j-simple writes to {@code System.err} as it is when it writes). */
    private String startCapturingTheLog(String publicUrl, String securePublicUrl) {
        PrintStream err = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            start(publicUrl, securePublicUrl);
        } finally {
            System.setErr(err);
        }
        return log.toString(StandardCharsets.UTF_8);
    }

    private static List<String> urls(JsonNode bid) {
        List<String> urls = new ArrayList<>();
        for (String field : new String[] {"nurl", "burl", "lurl", "adm"}) {
            Matcher m = URL.matcher(bid.get(field).asText());
            while (m.find()) {
                urls.add(m.group());
            }
        }
        return urls;
    }

    private String auction(int secure) {
        String body = "{\"id\":\"r" + secure + "\",\"imp\":[{\"id\":\"1\",\"secure\":" + secure
                + ",\"banner\":{\"w\":300,\"h\":250}}],\"site\":{\"domain\":\"news.example\","
                + "\"page\":\"https://news.example/a\"}}";
        return exchange("POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + DemoSeller.HEADER + "Content-Length: " + body.length() + "\r\n\r\n" + body);
    }

    private static String status(String response) {
        return response.substring(0, 12);
    }

    private static JsonNode bid(String response) throws Exception {
        assertEquals("HTTP/1.1 200", status(response), response);
        return JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4)).get("seatbid").get(0).get("bid")
                .get(0);
    }

    private String exchange(String request) {
        ByteBuf in = Unpooled.wrappedBuffer(request.getBytes(StandardCharsets.UTF_8));
        channel.writeInbound(in);
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        ByteBuf chunk;
        while ((chunk = channel.readOutbound()) != null) {
            out.append(chunk.toString(StandardCharsets.UTF_8));
            chunk.release();
        }
        return out.toString();
    }
}
