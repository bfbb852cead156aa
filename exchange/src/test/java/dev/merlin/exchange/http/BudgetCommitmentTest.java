package dev.merlin.exchange.http;

import static dev.merlin.exchange.http.EmbeddedHttp.filled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.merlin.config.ConfigLoader;
import dev.merlin.exchange.DemoSeller;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.SpendLedger;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.time.LocalDate;

/**
 * Budgets hold before any bill comes back: each win commits its price against the campaign's budgets, notices turn
 * commitments into spend or release them, and charging is keyed on Merlin's own auction id. On an
 * {@link EmbeddedChannel} with real stores: one campaign bidding 3.00 USD CPM, take rate 15 %, second price, imp
 * floor 1.00 USD, so each imp is committed at 1.00 / 0.85 = 1.176471 USD CPM, 1,176 micros.
 */
class BudgetCommitmentTest {

    private static final String BASE = "https://merlin.test";
    private static final long NOW = Instant.parse("2026-06-15T12:00:00Z").getEpochSecond();
    private static final long PER_IMP_MICROS = 1_176;

    @TempDir
    Path dataDir;

    private final AtomicLong clock = new AtomicLong(NOW);
    private ExchangeRuntime runtime;
    private EmbeddedChannel channel;
    private EmbeddedHttp http;
    private long dailyBudgetMicros;
    private long totalBudgetMicros;

    @BeforeEach
    void open() {
        open("0.5", "2");
    }

    private void open(String dailyBudget, String totalBudget) {
        dailyBudgetMicros = Math.round(Double.parseDouble(dailyBudget) * 1_000_000);
        totalBudgetMicros = Math.round(Double.parseDouble(totalBudget) * 1_000_000);
        String yaml = "exchange:\n"
                + "  currency: USD\n"
                + "  takeRate: 0.15\n"
                + "  publicUrl: " + BASE + "\n"
                + "advertisers:\n"
                + "  - id: acme\n"
                + "    campaigns:\n"
                + "      - id: c0\n"
                + "        bid: {amount: 3.00}\n"
                + "        dailyBudget: " + dailyBudget + "\n"
                + "        totalBudget: " + totalBudget + "\n"
                + "        pacing: asap\n"
                + "        creatives:\n"
                + "          - {id: ad, format: banner, w: 300, h: 250, markup: '<a href=\"${CLICK_URL}\">x</a>',"
                + " landingPage: 'https://acme.example/', adomain: [acme.example]}\n";
        MerlinConfig config = DemoSeller.with(ConfigLoader.parse(yaml, "test")).withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L)).validate();
        runtime = ExchangeRuntime.open(config, new ExchangeMetrics(), clock::get);
        channel = new EmbeddedChannel();
        http = new EmbeddedHttp(channel, BASE);
        runtime.newPipeline().configure(channel.pipeline());
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

    private void reopen(String dailyBudget, String totalBudget) {
        close();
        open(dailyBudget, totalBudget);
    }

    /** The bid of a one-imp auction with request id {@code requestId}, or null for a no-bid. */
    private JsonNode auction(String requestId) throws Exception {
        String body = "{\"id\":\"" + requestId + "\",\"at\":2,\"cur\":[\"USD\"],\"site\":{\"domain\":\"p.example\"},"
                + "\"imp\":[{\"id\":\"1\",\"bidfloor\":1.00,\"bidfloorcur\":\"USD\","
                + "\"banner\":{\"w\":300,\"h\":250}}]}";
        String response = http.auction(body);
        if (response.startsWith("HTTP/1.1 204")) {
            return null;
        }
        return EmbeddedHttp.firstBid(response);
    }



    private Campaign c0() {
        return runtime.catalog().byId("c0");
    }

    private SpendLedger.Totals totals() {
        return runtime.stores().spend().totals(c0());
    }


    /** Spend plus open commitments within both budgets, read together. */
    private void assertWithinBudgets(String when) {
        SpendLedger.Totals t = totals();
        assertTrue(t.spentTodayMicros() + t.committedTodayMicros() <= dailyBudgetMicros, when + ": " + t);
        assertTrue(t.spentTotalMicros() + t.committedTotalMicros() <= totalBudgetMicros, when + ": " + t);
    }

    /**
     * The case: a thousand auctions with no notice back, then every notice — win, bill or loss, some
     * repeated, prices above and below the bid — in random order. Before commitments every auction won and the
     * bills then charged far past the budget.
     */
    @Test
    void aThousandWinsWithoutNoticesThenAllTheNoticesInRandomOrderNeverOverspend() throws Exception {
        List<JsonNode> bids = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            JsonNode bid = auction("r" + i);
            if (bid != null) {
                bids.add(bid);
            }
            assertWithinBudgets("after auction " + i);
        }
        // 0.5 USD a day at 1,176 micros an imp: 425 imps
        assertEquals(500_000 / PER_IMP_MICROS, bids.size());
        assertEquals(bids.size() * PER_IMP_MICROS, totals().committedTodayMicros());
        assertEquals(bids.size(), runtime.stores().spend().openCommitments());

        Random random = new Random(9);
        List<String> notices = new ArrayList<>();
        for (JsonNode bid : bids) {
            String price = List.of("0.85", "0.5", "1.00", "7", "${AUCTION_PRICE}").get(random.nextInt(5));
            switch (random.nextInt(3)) {
                case 0 -> notices.add(filled(bid.get("burl").asText(), price));
                case 1 -> notices.add(filled(bid.get("nurl").asText(), price));
                default -> notices.add(filled(bid.get("lurl").asText(), "1.50"));
            }
            if (random.nextInt(4) == 0) {
                notices.add(filled(bid.get("burl").asText(), "9")); // a repeat, or a bill after a win or loss
            }
        }
        Collections.shuffle(notices, random);
        for (String notice : notices) {
            assertTrue(http.get(notice).startsWith("HTTP/1.1 204"), notice);
            assertWithinBudgets("after " + notice);
        }
        SpendLedger.Totals after = totals();
        assertEquals(0, after.committedTotalMicros(), "every commitment charged or released");
        assertEquals(0, runtime.stores().spend().openCommitments());
        assertTrue(after.spentTotalMicros() > 0 && after.spentTotalMicros() <= 500_000, after.toString());
        assertEquals(after.spentTotalMicros(), runtime.stores().spend().spentOnDayMicros(c0(),
                LocalDate.of(2026, 6, 15)));
    }

    /** The review's case: 0.005 USD a day won 20 auctions before a bill came back, then was charged 4.8 times that. */
    @Test
    void aCampaignOfHalfACentADayWinsOnlyWhatItsReservationsCover() throws Exception {
        reopen("0.005", "1");
        List<JsonNode> bids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            JsonNode bid = auction("r" + i);
            if (bid != null) {
                bids.add(bid);
            }
        }
        assertEquals(4, bids.size(), "5,000 micros cover four imps at 1,176");
        for (JsonNode bid : bids) {
            assertTrue(http.get(filled(bid.get("burl").asText(), "1.00")).startsWith("HTTP/1.1 204"));
        }
        assertEquals(4 * PER_IMP_MICROS, totals().spentTodayMicros());
        assertEquals(0, totals().committedTodayMicros());
        assertTrue(totals().spentTodayMicros() <= 5_000);
    }

    @Test
    void aLossReleasesTheCommitmentWholeAndTheBudgetWinsAgain() throws Exception {
        reopen("0.002", "1");
        JsonNode bid = auction("r1");
        assertEquals(PER_IMP_MICROS, totals().committedTodayMicros());
        assertEquals(null, auction("r2"), "2,000 micros do not cover a second imp while the first is committed");
        assertTrue(http.get(filled(bid.get("lurl").asText(), "1.50")).startsWith("HTTP/1.1 204"));
        assertEquals(1, runtime.metrics().notices("loss", "released"));
        assertEquals(0, totals().committedTodayMicros());
        assertEquals(0, totals().spentTodayMicros());
        assertNotEquals(null, auction("r3"), "the released budget bids again");
    }

    /**
     * A seller's loss-then-bill across midnight: late on day D it calls each bid's lurl at once, so the campaign wins
     * again, until it holds ten released wins (2.4 times the 0.005 USD daily budget), then wins until the budget is
     * committed and sends nothing for those. Just after midnight, inside the charge window, it calls the released
     * wins' burls first, then the committed ones'. Day D's spend stays within its budget: the released bills charge
     * only what the wins still committed leave.
     */
    @Test
    void billsAfterTheirLossesPastMidnightNeverTakeTheDayPastItsBudget() throws Exception {
        reopen("0.005", "1");
        clock.set(NOW + 11 * 3_600 + 50 * 60); // 23:50 on 15 June
        List<JsonNode> released = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            JsonNode bid = auction("lost" + i);
            assertNotEquals(null, bid, "the released budget wins again");
            assertTrue(http.get(filled(bid.get("lurl").asText(), "1.50")).startsWith("HTTP/1.1 204"));
            released.add(bid);
        }
        assertEquals(10, runtime.metrics().notices("loss", "released"));
        List<JsonNode> committed = new ArrayList<>();
        JsonNode bid = auction("kept0");
        while (bid != null) {
            committed.add(bid);
            bid = auction("kept" + committed.size());
        }
        assertEquals(4, committed.size(), "5,000 micros cover four imps at 1,176");
        clock.set(NOW + 12 * 3_600 + 5 * 60); // 00:05 on 16 June
        for (JsonNode win : released) {
            assertTrue(http.get(filled(win.get("burl").asText(), "1.00")).startsWith("HTTP/1.1 204"));
        }
        for (JsonNode win : committed) {
            assertTrue(http.get(filled(win.get("burl").asText(), "1.00")).startsWith("HTTP/1.1 204"));
        }
        assertEquals(5_000, runtime.stores().spend().spentOnDayMicros(c0(), LocalDate.of(2026, 6, 15)),
                "the daily budget: 296 micros for the released bills, then the four committed wins whole");
        assertEquals(0, totals().committedTotalMicros());
        assertEquals(5_000, totals().spentTotalMicros());
    }

    @Test
    void aBillBelowTheCommittedPriceReleasesTheDifferenceAndOneAboveIsClamped() throws Exception {
        JsonNode low = auction("r1");
        JsonNode high = auction("r2");
        assertEquals(2 * PER_IMP_MICROS, totals().committedTodayMicros());
        // 0.425 USD CPM clearing, grossed up by the take rate: 0.5 CPM, 500 micros
        assertTrue(http.get(filled(low.get("burl").asText(), "0.425")).startsWith("HTTP/1.1 204"));
        assertEquals(500, totals().spentTodayMicros());
        assertEquals(PER_IMP_MICROS, totals().committedTodayMicros(), "the other 676 micros are released");
        assertTrue(http.get(filled(high.get("burl").asText(), "1000")).startsWith("HTTP/1.1 204"));
        assertEquals(500 + PER_IMP_MICROS, totals().spentTodayMicros(), "clamped at the committed price");
        assertEquals(0, totals().committedTodayMicros());
    }

    @Test
    void theEndOfTheChargeWindowReleasesACommitmentNoNoticeCameFor() throws Exception {
        auction("r1");
        assertEquals(PER_IMP_MICROS, totals().committedTotalMicros());
        clock.set(NOW + 86_400);
        runtime.stores().purgeExpiredCharges();
        assertEquals(PER_IMP_MICROS, totals().committedTotalMicros(), "the last second of the window");
        clock.set(NOW + 86_401);
        runtime.stores().purgeExpiredCharges();
        assertEquals(0, totals().committedTotalMicros());
        assertEquals(0, runtime.stores().spend().openCommitments());
    }

    @Test
    void aRestartKeepsOpenCommitmentsAndTheirNoticesStillSettleThem() throws Exception {
        reopen("0.003", "1");
        JsonNode first = auction("r1");
        JsonNode second = auction("r2");
        assertEquals(2 * PER_IMP_MICROS, totals().committedTodayMicros());
        reopen("0.003", "1");
        assertEquals(2 * PER_IMP_MICROS, totals().committedTodayMicros(), "recovered from committed.cm3");
        assertEquals(2 * PER_IMP_MICROS, totals().committedTotalMicros());
        assertEquals(2 * PER_IMP_MICROS, runtime.stores().spend().recordedCommitmentsMicros(c0()));
        assertEquals(null, auction("r3"), "3,000 micros still hold two imps: no third");
        assertTrue(http.get(filled(first.get("burl").asText(), "1.00")).startsWith("HTTP/1.1 204"));
        assertTrue(http.get(filled(second.get("lurl").asText(), "1.00")).startsWith("HTTP/1.1 204"));
        assertEquals(PER_IMP_MICROS, totals().spentTodayMicros());
        assertEquals(0, totals().committedTotalMicros());
    }

    /** The README's two sample requests share one id: the second auction was never charged. */
    @Test
    void twoAuctionsWithTheSameRequestIdAreEachChargedAndClickedOnce() throws Exception {
        JsonNode first = auction("same");
        JsonNode second = auction("same");
        assertNotEquals(first.get("burl").asText(), second.get("burl").asText());
        for (JsonNode bid : List.of(first, second)) {
            String burl = filled(bid.get("burl").asText(), "1.00");
            assertTrue(http.get(burl).startsWith("HTTP/1.1 204"));
            assertTrue(http.get(burl).startsWith("HTTP/1.1 204"), "replayed");
            assertTrue(http.get(filled(bid.get("nurl").asText(), "1.00")).startsWith("HTTP/1.1 204"), "and a win");
        }
        assertEquals(2, runtime.metrics().notices("bill", "charged"));
        assertEquals(2, runtime.metrics().notices("bill", "duplicate"));
        assertEquals(2, runtime.metrics().notices("win", "duplicate"));
        assertEquals(2 * PER_IMP_MICROS, totals().spentTotalMicros());
        for (JsonNode bid : List.of(first, second)) {
            String adm = bid.get("adm").asText();
            String click = adm.substring(adm.indexOf("href=\"") + 6, adm.indexOf("\">")).replace("&amp;", "&");
            assertTrue(http.get(click).startsWith("HTTP/1.1 302"));
            assertTrue(http.get(click).startsWith("HTTP/1.1 302"));
        }
        assertEquals(2, runtime.metrics().notices("click", "redirected"), "one counted click per auction");
        assertEquals(2, runtime.metrics().notices("click", "repeated"));
    }

    @Test
    void aLinkWithItsAuctionIdAlteredIsForbidden() throws Exception {
        JsonNode bid = auction("r1");
        String burl = filled(bid.get("burl").asText(), "1.00");
        int at = burl.indexOf("?a=") + 3;
        char last = burl.charAt(at);
        String altered = burl.substring(0, at) + (last == '1' ? '2' : '1') + burl.substring(at + 1);
        assertTrue(http.get(altered).startsWith("HTTP/1.1 403"), altered);
        String removed = burl.replaceFirst("\\?a=[0-9a-f]+&", "?");
        assertTrue(http.get(removed).startsWith("HTTP/1.1 403"), removed);
        assertEquals(2, runtime.metrics().notices("bill", "bad_signature"));
        assertEquals(0, totals().spentTotalMicros());
        assertTrue(http.get(burl).startsWith("HTTP/1.1 204"));
        assertEquals(PER_IMP_MICROS, totals().spentTotalMicros());
    }
}
