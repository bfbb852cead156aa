package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.merlin.config.AuctionConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.DspConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.ExchangeStores;
import dev.merlin.exchange.auction.AuctionIds;
import dev.merlin.exchange.auction.ExternalBid;
import dev.merlin.exchange.bid.BidAnswer;
import dev.merlin.exchange.bid.BidContext;
import dev.merlin.exchange.bid.BidPath;
import dev.merlin.exchange.dsp.DspAccounts;
import dev.merlin.exchange.dsp.DspBidValidator;
import dev.merlin.exchange.dsp.DspNotifier;
import dev.merlin.exchange.dsp.DspWinLedger;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.protocol.model.Bid;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DSP's win from the auction to the DSP's {@code burl}: the bid path records the win in the real
 * {@link DspWinLedger}, the answer carries Merlin's signed links naming the DSP, and the seller's bill on that link
 * makes the notifier call the DSP's {@code burl} (a real HTTP server on 127.0.0.1) once, at the clearing price the
 * auction set, booked in the accounts.
 */
@Timeout(60)
class DspNoticeFlowTest {

    private static final long NOW = 1_796_000_000L;
    private static final String BASE = "https://merlin.example";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;
    private MerlinConfig config;
    private ExchangeRuntime runtime;
    private DspWinLedger ledger;
    private DspNotifier notifier;
    private DspAccounts accounts;
    private HttpServer dsp;
    private final Queue<String> dspCalls = new ConcurrentLinkedQueue<>();
    private final EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    private String crid = "cr-t";

    @BeforeEach
    void open() throws IOException {
        dsp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        dsp.createContext("/", exchange -> {
            dspCalls.add(exchange.getRequestURI().getRawPath() + "?" + exchange.getRequestURI().getRawQuery());
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        dsp.start();
        MerlinConfig loaded = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                .withStores(new StoresConfig(10_000L, null, null, null, 10_000L, 10_000L))
                .withDsps(List.of(DspConfig.of("tokyo-dsp", "Tokyo",
                        "http://127.0.0.1:" + dsp.getAddress().getPort() + "/bid", "JPN"))); // its notices go there
        config = loaded.withExchange(loaded.exchange().withPublicUrl(BASE)).validate();
        runtime = ExchangeRuntime.open(config, new ExchangeMetrics(), () -> NOW);
        ledger = runtime.dspWins();
        notifier = runtime.dspNotifier();
        accounts = runtime.accounts();
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        runtime.close();
        dsp.stop(0);
    }

    private BidPath path() {
        return BidPath.builder()
                .decodeLimits(config.requests().toDecodeLimits())
                .maxResponseBytes(config.server().maxResponseBytes())
                .campaigns(runtime.catalog(), runtime.currencies(), config.exchange().takeRate())
                .links(runtime.noticeUrls(), 2_000)
                .spend(runtime.stores().spend())
                .frequency(runtime.stores().frequency())
                .consent(runtime.consent())
                .segments(runtime.stores().segments())
                .userHash(runtime.userHash())
                .auctionIds(new AuctionIds(config.exchange().nodeId(), NOW * 1000L))
                .events(runtime.stores().events())
                .metrics(runtime.metrics())
                .clock(() -> NOW)
                .nanoClock(() -> 5_000_000_000L)
                .auctionTiming(AuctionConfig.builder().defaultTmaxMs(200).maxTmaxMs(1000).minTmaxMs(20)
                        .responseMarginMs(10).build())
                .externalWins(ledger)
                .auctionStage(this::stage)
                .build();
    }

    /** The DSP bids 50 USD CPM on the second imp, with its notice URLs on the local server. */
    private void stage(BidContext context) {
        ExternalBid bid = context.externalBids().add();
        bid.dsp = 0;
        bid.dspId = "tokyo-dsp";
        bid.seat = "seat-t";
        bid.currency = "USD";
        bid.impIndex = 1;
        bid.bidMicros = 50_000_000;
        bid.priceMicros = 50_000_000;
        bid.bid = new Bid();
        bid.bid.id = "b1";
        bid.bid.impid = "2";
        bid.bid.crid = crid;
        bid.bid.adm = "<div>dsp</div>";
        bid.bid.adomain = List.of("brand.example");
        String base = "http://127.0.0.1:" + dsp.getAddress().getPort();
        bid.bid.burl = base + "/b?p=${AUCTION_PRICE}&cur=${AUCTION_CURRENCY}&a=${AUCTION_ID}&bid=${AUCTION_BID_ID}";
        bid.bid.nurl = base + "/n";
        context.runEngine();
        context.resume();
    }

    /** One banner imp for the campaigns, one the DSP outbids them on. */
    private static String request() {
        String imp = "\"banner\":{\"w\":300,\"h\":250},\"bidfloor\":0.5,\"bidfloorcur\":\"USD\",\"secure\":1}";
        return "{\"id\":\"news-1\",\"at\":2,\"cur\":[\"USD\"],\"imp\":[{\"id\":\"1\"," + imp + ",{\"id\":\"2\"," + imp
                + "],\"app\":{\"id\":\"a1\",\"bundle\":\"jp.example.news\",\"cat\":[\"IAB12\"]},"
                + "\"device\":{\"devicetype\":4,\"os\":\"iOS\",\"lmt\":1,\"geo\":{\"country\":\"JPN\"}}}";
    }

    private JsonNode auction() throws IOException {
        List<String> bodies = new ArrayList<>();
        byte[] bytes = request().getBytes(StandardCharsets.UTF_8);
        path().handle(bytes, 0, bytes.length, "demo-ssp", "x", (BidAnswer answer, String attachment) -> {
            assertEquals(BidAnswer.OK, answer.status(), answer.reason());
            bodies.add(answer.body().getStringWithoutLengthUtf8(0, answer.bodyLength()));
        });
        assertEquals(1, bodies.size());
        return JSON.readTree(bodies.get(0));
    }

    private int fire(NoticeEndpoint notices, String kind, String link) {
        assertTrue(link.startsWith(BASE), link);
        String uri = link.substring(BASE.length()).replace("${AUCTION_PRICE}", "40")
                .replace("${", "%24%7B").replace("}", "%7D");
        FullHttpResponse response = notices.handle(channel.pipeline().firstContext(), kind, uri);
        try {
            return response.status().code();
        } finally {
            response.release();
        }
    }

    @Test
    void aCreativeIdAtItsBoundStillGivesTheSellerNoticeLinksWithinTheRequestLineLimit() throws IOException {
        // the longest crid DspBidValidator takes, in chars that percent-encode to 9 bytes each: Merlin signs it into
        // its own links, and a seller's notice whose request line passed the server's limit would be refused (414)
        crid = "\u20ac".repeat(DspBidValidator.MAX_ID_CHARS);
        JsonNode answer = auction();
        int links = 0;
        for (JsonNode seat : answer.path("seatbid")) {
            for (JsonNode bid : seat.path("bid")) {
                for (String link : List.of("nurl", "burl", "lurl")) {
                    String url = bid.path(link).asText();
                    if (url.startsWith(BASE)) {
                        links++;
                        String requestLine = "GET " + url.substring(BASE.length()) + " HTTP/1.1";
                        assertTrue(requestLine.length() <= config.server().maxInitialLineBytes(),
                                link + " of " + requestLine.length() + " bytes");
                    }
                }
            }
        }
        assertEquals(6, links, "the campaign's and the DSP's win, bill and loss links: " + answer);
    }

    @Test
    void theSellersBillOnMerlinsLinkCallsTheDspsBurlOnceAtTheClearingPrice() throws IOException {
        JsonNode answer = auction();
        JsonNode dspBid = null;
        for (JsonNode seat : answer.path("seatbid")) {
            if ("seat-t".equals(seat.path("seat").asText())) {
                dspBid = seat.path("bid").path(0);
            }
        }
        assertTrue(dspBid != null, answer.toString());
        assertEquals(1, ledger.size(), "the bid path recorded the DSP's win");
        String burl = dspBid.path("burl").asText();
        assertTrue(burl.contains("&d=tokyo-dsp"), burl);
        ExchangeStores stores = runtime.stores();
        NoticeEndpoint notices = new NoticeEndpoint(runtime.catalog(), runtime.noticeUrls(), runtime.currencies(),
                stores.spend(), stores.frequency(), runtime.tracking(), stores.sellerStats(), stores.erasures(),
                stores.events(), config.exchange().takeRate(), runtime.metrics(), () -> NOW, ledger, notifier,
                accounts);
        assertEquals(204, fire(notices, "bill", burl));
        assertEquals(204, fire(notices, "bill", burl));
        notifier.close();
        LocalDate day = LocalDate.ofEpochDay(NOW / 86_400);
        long owedNanos = accounts.owed("tokyo-dsp", "USD", DspAccounts.Owed.OWED_NANOS, day);
        assertTrue(owedNanos > 0 && owedNanos <= 50_000_000, "the clearing CPM, never above the bid: " + owedNanos);
        String clearing = BigDecimal.valueOf(owedNanos, 6).stripTrailingZeros().toPlainString();
        assertEquals(List.of("/b?p=" + clearing + "&cur=USD&a=news-1&bid=b1", "/n?null"),
                dspCalls.stream().sorted().toList(), "the burl once, and the nurl: no win notice came before");
        assertEquals(1, accounts.owed("tokyo-dsp", "USD", DspAccounts.Owed.IMPRESSIONS, day));
        assertEquals(1, accounts.payout("demo-ssp", DspAccounts.Payout.DSP_IMPRESSIONS, day));
        assertEquals(0, ledger.size());
    }
}
