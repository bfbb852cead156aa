package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.DspConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.DemoSeller;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.ExchangeStores;
import dev.merlin.exchange.auction.ExternalBid;
import dev.merlin.exchange.auction.NoticeIdentity;
import dev.merlin.exchange.auction.NoticeUrls;
import dev.merlin.exchange.dsp.DspAccounts;
import dev.merlin.exchange.dsp.DspNotifier;
import dev.merlin.exchange.dsp.DspWinLedger;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.protocol.model.Bid;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DSP branch of {@link NoticeEndpoint} over real stores, a real DSP win ledger and a notifier calling a real HTTP
 * server on 127.0.0.1: Merlin's signed notice links of a DSP's impression hand the win to the DSP once, however the
 * seller repeats them, and a forged or late one hands on nothing. Each test closes the notifier (draining it)
 * before it counts the DSP's calls, so a second call, had one been queued, would be seen.
 */
@Timeout(60)
class NoticeEndpointDspTest {

    private static final String BASE = "https://merlin.test";
    private static final long NOW = Instant.parse("2026-06-15T12:00:00Z").getEpochSecond();
    private static final LocalDate DAY = LocalDate.of(2026, 6, 15);
    private static final long AUCTION = 0x18f3a2c0b4500001L;

    @TempDir
    Path dataDir;
    private final AtomicLong clock = new AtomicLong(NOW);
    private MerlinConfig config;
    private ExchangeRuntime runtime;
    private DspWinLedger ledger;
    private DspNotifier notifier;
    private DspAccounts accounts;
    private NoticeEndpoint notices;
    private HttpServer dsp;
    private final Queue<String> dspCalls = new ConcurrentLinkedQueue<>();
    private final EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());

    @BeforeEach
    void open() throws IOException {
        dsp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        dsp.createContext("/", exchange -> {
            dspCalls.add(exchange.getRequestURI().getRawPath() + "?" + exchange.getRequestURI().getRawQuery());
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        dsp.start();
        String yaml = "exchange:\n"
                + "  currency: USD\n"
                + "  takeRate: 0.15\n"
                + "  publicUrl: " + BASE + "\n"
                + "  currencyRates: {EUR: 1.08, JPY: 0.0067}\n"
                + "advertisers:\n"
                + "  - id: acme\n"
                + "    campaigns:\n"
                + "      - id: c0\n"
                + "        bid: {amount: 3.00}\n"
                + "        creatives:\n"
                + "          - {id: ad, format: banner, w: 300, h: 250, markup: '<a href=\"${CLICK_URL}\">x</a>',"
                + " landingPage: 'https://acme.example/', adomain: [acme.example]}\n";
        config = ConfigLoader.parse(yaml, "test").withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L)).withSellers(List.of(DemoSeller.SELLER))
                .withDsps(List.of(DspConfig.of("tokyo-dsp", "Tokyo", dspUrl("/bid"), "JPN"))).validate();
        runtime = ExchangeRuntime.open(config, new ExchangeMetrics(), clock::get);
        ledger = runtime.dspWins();
        notifier = runtime.dspNotifier();
        accounts = runtime.accounts();
        ExchangeStores stores = runtime.stores();
        notices = new NoticeEndpoint(runtime.catalog(), runtime.noticeUrls(), runtime.currencies(), stores.spend(),
                stores.frequency(), runtime.tracking(), stores.sellerStats(), stores.erasures(), stores.events(),
                config.exchange().takeRate(), runtime.metrics(), clock::get, ledger, notifier, accounts);
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        runtime.close();
        dsp.stop(0);
    }

    @AfterAll
    static void noLeaks() {
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    private String dspUrl(String pathAndQuery) {
        return "http://127.0.0.1:" + dsp.getAddress().getPort() + pathAndQuery;
    }

    /** The DSP's bid as the bid path records it: 2.00 USD CPM bid, clearing at 1.25, the exchange charged 1.25. */
    private void recordWin(String nurl, String burl, String lurl, String adm) {
        Bid bid = new Bid();
        bid.id = "dsp-bid-1";
        bid.impid = "1";
        bid.crid = "cr-1";
        bid.adm = adm;
        bid.nurl = nurl;
        bid.burl = burl;
        bid.lurl = lurl;
        ExternalBid winner = new ExternalBid().clear();
        winner.dsp = 0;
        winner.dspId = "tokyo-dsp";
        winner.seat = "seat-1";
        winner.bid = bid;
        winner.currency = "USD";
        winner.bidMicros = 2_000_000;
        winner.clearingMicros = 1_250_000;
        winner.lossCode = ExternalBid.WON;
        assertTrue(ledger.record(AUCTION, "1", winner, 1_250_000, NOW));
    }

    /** Merlin's signed links for the DSP's bid, as the response carried them. */
    private NoticeUrls.Links links(String dspId) {
        return runtime.noticeUrls().links(identity(dspId).dsp(dspId));
    }

    /** The links of a bid of Merlin's campaign {@code campaignId} (no DSP signed). */
    private NoticeUrls.Links campaignLinks(String campaignId) {
        return runtime.noticeUrls().links(identity(campaignId));
    }

    private static NoticeIdentity identity(String campaignId) {
        return new NoticeIdentity().clear().auction(AUCTION, NOW).impression("req-1", "1", DemoSeller.SELLER.id())
                .bid(campaignId, "cr-1", 1_062_500, "USD").user(0).flags(false, false);
    }

    /** Fires a link as the seller would, macros filled; the status. */
    private int fire(String kind, String link) {
        String uri = link.substring(BASE.length()).replace("${AUCTION_PRICE}", "1.0625")
                .replace("${AUCTION_LOSS}", "102").replace("${", "%24%7B").replace("}", "%7D");
        FullHttpResponse response = notices.handle(channel.pipeline().firstContext(), kind, uri);
        try {
            return response.status().code();
        } finally {
            response.release();
        }
    }

    private long notices(String kind, String outcome) {
        return runtime.metrics().notices(kind, outcome);
    }

    private long dspImpressions() {
        return accounts.owed("tokyo-dsp", "USD", DspAccounts.Owed.IMPRESSIONS, DAY);
    }

    @Test
    void theSameSignedBillSentFiveTimesAtOnceCallsTheBurlOnceAndBooksOneImpression() throws Exception {
        recordWin(null, dspUrl("/b?p=${AUCTION_PRICE}&a=${AUCTION_ID}&bid=${AUCTION_BID_ID}"), null, "<a>ad</a>");
        String bill = links("tokyo-dsp").bill();
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            CyclicBarrier start = new CyclicBarrier(5);
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return fire("bill", bill);
                }));
            }
            for (Future<Integer> answer : answers) {
                assertEquals(204, answer.get(20, TimeUnit.SECONDS), "the seller's answer is unchanged");
            }
        } finally {
            pool.shutdownNow();
        }
        notifier.close();
        assertEquals(List.of("/b?p=1.25&a=req-1&bid=dsp-bid-1"), List.copyOf(dspCalls));
        assertEquals(1, notices("bill", "dsp_billed"));
        assertEquals(4, notices("bill", "duplicate"));
        assertEquals(1, dspImpressions());
        assertEquals(1_250_000, accounts.owed("tokyo-dsp", "USD", DspAccounts.Owed.OWED_NANOS, DAY));
        assertEquals(1, accounts.payout("demo-ssp", DspAccounts.Payout.DSP_IMPRESSIONS, DAY));
        assertEquals(0, runtime.stores().spend().spentTotalMicros(runtime.catalog().byId("c0")),
                "no campaign is charged for a DSP's impression");
    }

    @Test
    void forgedLinksAreRefusedAndHandNothingOn() {
        recordWin(dspUrl("/n"), dspUrl("/b"), dspUrl("/l"), "<a>ad</a>");
        String bill = links("tokyo-dsp").bill();
        assertEquals(403, fire("bill", bill.replace("&d=tokyo-dsp", "&d=other-dsp")), "another DSP");
        assertEquals(403, fire("bill", bill.replace("&d=tokyo-dsp", "")), "the DSP removed");
        assertEquals(403, fire("bill", bill.replace("&bt=" + NOW, "&bt=" + (NOW + 1))), "another time");
        String sig = bill.substring(bill.indexOf("&sig=") + 5, bill.indexOf("&sig=") + 37);
        assertEquals(403, fire("bill", bill.replace(sig, "0".repeat(32))), "another signature");
        assertEquals(403, fire("win", links("tokyo-dsp").win().replace("&iid=1", "&iid=2")), "another imp");
        assertEquals(403, fire("bill", campaignLinks("tokyo-dsp").bill().replace("&s=", "&d=tokyo-dsp&s=")),
                "a DSP added to a link signed without one");
        notifier.close();
        assertEquals(List.of(), List.copyOf(dspCalls));
        assertEquals(1, ledger.size(), "the win still waits for a real notice");
        assertEquals(0, dspImpressions());
    }

    @Test
    void aBillAfterTheWindowCallsNothingAndIsCountedExpired() {
        recordWin(null, dspUrl("/b"), null, "<a>ad</a>");
        clock.set(NOW + config.stores().chargedWindowSeconds() + 1);
        assertEquals(204, fire("bill", links("tokyo-dsp").bill()));
        assertEquals(1, ledger.purgeExpired(clock.get()));
        assertEquals(204, fire("bill", links("tokyo-dsp").bill()));
        notifier.close();
        assertEquals(List.of(), List.copyOf(dspCalls));
        assertEquals(2, notices("bill", "expired"));
        assertEquals(0, dspImpressions());
    }

    @Test
    void aWinCallsTheNurlOnceAndTheBillTheBurlOnce() {
        recordWin(dspUrl("/n?p=${AUCTION_PRICE}"), dspUrl("/b?p=${AUCTION_PRICE}"), null, "<a>ad</a>");
        NoticeUrls.Links links = links("tokyo-dsp");
        assertEquals(204, fire("win", links.win()));
        assertEquals(204, fire("win", links.win()));
        assertEquals(0, dspImpressions(), "a DSP that gave a burl is billed by the bill");
        assertEquals(204, fire("bill", links.bill()));
        assertEquals(204, fire("win", links.win()));
        assertEquals(204, fire("bill", links.bill()));
        notifier.close();
        // each once; the notifier calls concurrently, so their order of arrival is not fixed
        assertEquals(List.of("/b?p=1.25", "/n?p=1.25"), dspCalls.stream().sorted().toList());
        assertEquals(1, notices("win", "dsp_win_notified"));
        assertEquals(1, notices("bill", "dsp_billed"));
        assertEquals(1, dspImpressions());
    }

    @Test
    void aBillWithNoWinBeforeItCallsTheNurlToo() {
        recordWin(dspUrl("/n"), dspUrl("/b"), null, "<a>ad</a>");
        assertEquals(204, fire("bill", links("tokyo-dsp").bill()));
        notifier.close();
        assertEquals(List.of("/b?null", "/n?null"), List.copyOf(dspCalls).stream().sorted().toList());
    }

    @Test
    void aBidServedThroughItsNurlIsNotCalledByMerlin() {
        recordWin(dspUrl("/n"), dspUrl("/b"), null, null);
        NoticeUrls.Links links = links("tokyo-dsp");
        assertEquals(204, fire("win", links.win()));
        assertEquals(204, fire("bill", links.bill()));
        notifier.close();
        assertEquals(List.of("/b?null"), List.copyOf(dspCalls));
    }

    @Test
    void aDspWithoutBurlIsBilledByTheWinOnce() {
        recordWin(dspUrl("/n"), null, null, "<a>ad</a>");
        NoticeUrls.Links links = links("tokyo-dsp");
        assertEquals(204, fire("win", links.win()));
        assertEquals(204, fire("bill", links.bill()));
        assertEquals(204, fire("win", links.win()));
        notifier.close();
        assertEquals(List.of("/n?null"), List.copyOf(dspCalls));
        assertEquals(1, notices("win", "dsp_billed"));
        assertEquals(1, dspImpressions());
    }

    @Test
    void aLossAtTheSellerCallsTheLurlWithItsReasonAndBillsNothing() {
        recordWin(dspUrl("/n"), dspUrl("/b"), dspUrl("/l?r=${AUCTION_LOSS}&p=${AUCTION_PRICE}"), "<a>ad</a>");
        NoticeUrls.Links links = links("tokyo-dsp");
        assertEquals(204, fire("loss", links.loss()));
        assertEquals(204, fire("bill", links.bill()));
        notifier.close();
        assertEquals(List.of("/l?r=102&p="), List.copyOf(dspCalls));
        assertEquals(1, notices("loss", "dsp_lost"));
        assertEquals(0, dspImpressions());
    }

    @Test
    void aCampaignsChargedImpressionAlsoBooksTheSellersPayoutOnceAndCallsNoDsp() {
        recordWin(dspUrl("/n"), dspUrl("/b"), dspUrl("/l"), "<a>ad</a>");
        assertNotNull(runtime.catalog().byId("c0"));
        assertEquals(204, fire("bill", campaignLinks("c0").bill()));
        assertEquals(204, fire("bill", campaignLinks("c0").bill()));
        notifier.close();
        assertEquals(1, notices("bill", "charged"));
        assertEquals(1, accounts.payout("demo-ssp", DspAccounts.Payout.CAMPAIGN_IMPRESSIONS, DAY));
        assertEquals(1_250_000, accounts.payout("demo-ssp", DspAccounts.Payout.CAMPAIGN_GROSS_NANOS, DAY),
                "1.0625 grossed up by the 15% take rate: 1.25 CPM, 0.00125 per impression");
        assertEquals(1_062_500, accounts.payout("demo-ssp", DspAccounts.Payout.CAMPAIGN_PAYOUT_NANOS, DAY));
        assertEquals(List.of(), List.copyOf(dspCalls));
        assertEquals(1, ledger.size());
    }
}
