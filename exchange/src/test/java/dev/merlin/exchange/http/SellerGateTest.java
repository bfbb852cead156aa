package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.SellerConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sellers are known: on the embedded demo config, an auction request from no seller gets 401 as soon as its headers
 * are in — before its body is read, so before it could be decoded — whatever other credential it carries; the demo
 * seller's token and the CIDR seller's addresses get through.
 */
class SellerGateTest {

    private static final String VALID = "{\"id\":\"r1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
            + "\"site\":{\"domain\":\"news.example\"}}";

    @TempDir
    Path dataDir;
    private ExchangeMetrics metrics;
    private ExchangeRuntime runtime;
    private EmbeddedChannel channel;

    @BeforeEach
    void open() {
        MerlinConfig config = ConfigLoader.loadDefault().withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L)).validate();
        metrics = new ExchangeMetrics();
        runtime = ExchangeRuntime.open(config, metrics);
        channel = connectionFrom(new InetSocketAddress("127.0.0.1", 40000));
    }

    private EmbeddedChannel connectionFrom(SocketAddress remote) {
        EmbeddedChannel from = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return remote;
            }
        };
        runtime.newPipeline().configure(from.pipeline());
        return from;
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

    /**
     * Only the head is sent (the declared body never comes): the 401 is already there, so it was decided from the
     * headers alone. The body sent afterwards is dropped unread, and the connection carries on.
     */
    @ParameterizedTest(name = "[{0}] -> {1}")
    @CsvSource(delimiter = '|', value = {
        "|no_credentials",
        "Bearer not-a-seller-token|unknown_token",
        "Bearer demo-admin-token-change-me|unknown_token",   // the admin token opens reports, not auctions
        "Bearer demo-kaze-report-token|unknown_token",       // an advertiser's report token
        "Bearer demo-sakura-app-key-0001|unknown_token",     // an event source's API key
        "Bearer demo-ssp-token-but-longer|unknown_token",
        "Bearer demo-ssp-toke|unknown_token",
        "Basic ZGVtby1zc3AtdG9rZW4=|unknown_token",          // the right token, as Basic credentials
        "Bearer |unknown_token",
        "Bearer démo-ssp-token|unknown_token",
    })
    void anAuctionRequestFromNoKnownSellerIs401BeforeItsBodyIsRead(String authorization, String reason) {
        String body = "{\"id\":\"r1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":\"bad\"}}]}";
        String head = "POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                + "Content-Length: " + body.length() + "\r\n\r\n";
        String answer = exchange(head);
        assertTrue(answer.startsWith("HTTP/1.1 401 "), answer);
        assertTrue(answer.contains("\r\nwww-authenticate: Bearer realm=\"merlin-auction\"\r\n"), answer);
        assertTrue(answer.contains("content-type: application/json"), answer);
        assertTrue(answer.endsWith("\"}"), answer);
        assertTrue(answer.contains("{\"error\":\""), answer);
        assertEquals(1, metrics.bidRequestsUnauthorized(reason));
        assertEquals("", exchange(body), "the refused request's body is dropped, never answered as a request");
        assertEquals(0, metrics.bidRequestsAccepted(), "nothing was decoded");
        assertTrue(channel.isOpen());
        String next = exchange(auction(VALID, "Authorization: Bearer demo-ssp-token\r\n"));
        assertTrue(next.startsWith("HTTP/1.1 200 ") || next.startsWith("HTTP/1.1 204 "), next);
        assertEquals(1, metrics.bidRequestsAccepted());
        assertTrue(exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                .contains("merlin_bid_requests_unauthorized_total{reason=\"" + reason + "\"} 1.0"));
    }

    @Test
    void theDemoSellersTokenIsAcceptedWhateverTheSchemesCaseAndSurroundingBlanks() {
        String[] headers = {"Bearer demo-ssp-token", "bearer demo-ssp-token", "BEARER  demo-ssp-token "};
        for (String header : headers) {
            String answer = exchange(auction(VALID, "Authorization: " + header + "\r\n"));
            assertFalse(answer.startsWith("HTTP/1.1 401"), header + ": " + answer);
        }
        assertEquals(3, metrics.bidRequestsAccepted());
    }

    /** With {@code Expect: 100-continue}, the 401 comes instead of the 100: the body is never invited. */
    @Test
    void anExpectContinueRequestFromNoSellerGets401InsteadOf100AndTheConnectionCloses() {
        String answer = exchange("POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Expect: 100-continue\r\nContent-Length: 100\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 401 "), answer);
        assertFalse(answer.contains("100 Continue"), answer);
        assertTrue(answer.contains("connection: close"), answer);
        channel.runPendingTasks();
        assertFalse(channel.isOpen(), "whether the body follows is the client's choice: the connection closes");
        assertEquals(1, metrics.bidRequestsUnauthorized("no_credentials"));
    }

    /** Other endpoints are not the seller gate's business; the absolute form of the target is gated too. */
    @Test
    void onlyTheAuctionIsGatedHoweverItsTargetIsWritten() {
        assertTrue(exchange("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 200"));
        String absolute = exchange(auction(VALID, "").replace("POST /openrtb2/auction",
                "POST http://merlin.example/openrtb2/auction?x=1"));
        assertTrue(absolute.startsWith("HTTP/1.1 401"), absolute);
        assertEquals(1, metrics.bidRequestsUnauthorized("no_credentials"));
    }

    /** The demo's CIDR seller sends from 192.0.2.0/24 and 2001:db8:10::/48 without a header; nobody else may. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "192.0.2.7,       true",
        "192.0.2.255,     true",
        "192.0.3.7,       false",
        "198.51.100.7,    false",
        "127.0.0.1,       false",
        "2001:db8:10::5,  true",
        "2001:db8:11::5,  false",
    })
    void aSellerWithoutATokenIsKnownByItsSourceAddress(String address, boolean isSeller) {
        channel.finishAndReleaseAll();
        channel = connectionFrom(new InetSocketAddress(address, 40000));
        String answer = exchange(auction(VALID, ""));
        assertEquals(!isSeller, answer.startsWith("HTTP/1.1 401"), answer);
        assertEquals(isSeller ? 0 : 1, metrics.bidRequestsUnauthorized("no_credentials"));
        String wrongToken = exchange(auction(VALID, "Authorization: Bearer not-a-seller-token\r\n"));
        assertTrue(wrongToken.startsWith("HTTP/1.1 401"), "a wrong token is refused from any address: " + wrongToken);
    }

    /**
     * The gate remembers the last token a connection sent that named a seller: a different header on the same
     * connection is resolved afresh (a wrong token after a right one is refused, a missing one too), and each
     * request is credited to the seller its own header names, never to the one before.
     */
    @Test
    void aConnectionsEarlierTokenNeverVouchesForALaterRequest() throws IOException {
        SellerConfig other = new SellerConfig("other-ssp", "Other SSP", "other.example", "PUBLISHER",
                List.of("other-ssp-token-0001"), List.of(), false);
        runtime.close();
        MerlinConfig config = ConfigLoader.loadDefault().withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L)).validate();
        List<SellerConfig> sellers = new ArrayList<>(config.sellers());
        sellers.add(other);
        metrics = new ExchangeMetrics();
        runtime = ExchangeRuntime.open(config.withSellers(sellers).validate(), metrics);
        channel.finishAndReleaseAll();
        channel = connectionFrom(new InetSocketAddress("127.0.0.1", 40000));
        String bidding = Files.readString(Path.of("../examples/requests/iab26spec-simple-banner.json"));
        String[] tokens = {"demo-ssp-token", "other-ssp-token-0001", "demo-ssp-token", "demo-ssp-token"};
        for (String token : tokens) {
            String answer = exchange(auction(bidding, "Authorization: Bearer " + token + "\r\n"));
            assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
            String seller = token.startsWith("demo") ? "demo-ssp" : other.id();
            assertTrue(answer.contains("&s=" + seller + "&"), "credited to " + seller + ": " + answer);
        }
        assertTrue(exchange(auction(VALID, "Authorization: Bearer demo-ssp-token-\r\n")).startsWith("HTTP/1.1 401"));
        assertTrue(exchange(auction(VALID, "")).startsWith("HTTP/1.1 401"), "no header from 127.0.0.1: no seller");
        assertTrue(exchange(auction(VALID, "Authorization: Bearer other-ssp-token-0002\r\n"))
                .startsWith("HTTP/1.1 401"));
        assertEquals(1, metrics.bidRequestsUnauthorized("no_credentials"));
        assertEquals(2, metrics.bidRequestsUnauthorized("unknown_token"));
        assertTrue(exchange(auction(bidding, "Authorization: Bearer demo-ssp-token\r\n")).contains("&s=demo-ssp&"));
    }

    private static String auction(String body, String headers) {
        return "POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + headers
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
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
