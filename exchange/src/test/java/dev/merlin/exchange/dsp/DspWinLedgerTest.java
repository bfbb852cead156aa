package dev.merlin.exchange.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.exchange.auction.ExternalBid;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.protocol.model.Bid;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The DSP win ledger on real Chronicle Map files: what it keeps, once-only taking, bounds, restart and purge. */
class DspWinLedgerTest {

    private static final long NOW = 1_781_524_800L;
    private static final long WINDOW = 3_600;

    @TempDir
    Path dataDir;

    static ExternalBid winner(String nurl, String burl, String lurl) {
        Bid bid = new Bid();
        bid.id = "bid-1";
        bid.impid = "imp|1";
        bid.adid = "ad 7";
        bid.crid = "cr-1";
        bid.adm = "<a>ad</a>";
        bid.nurl = nurl;
        bid.burl = burl;
        bid.lurl = lurl;
        ExternalBid winner = new ExternalBid().clear();
        winner.dsp = 2;
        winner.dspId = "tokyo-dsp";
        winner.seat = "seat:9";
        winner.bid = bid;
        winner.currency = "JPY";
        winner.userRegion = "JPN";
        winner.bidMicros = 200_000_000;
        winner.clearingMicros = 150_000_000;
        winner.lossCode = ExternalBid.WON;
        return winner;
    }

    @Test
    void aRecordedWinIsTakenWithEverythingTheNoticeNeedsAndSurvivesARestart() {
        try (DspWinLedger ledger = new DspWinLedger(dataDir, 10_000, WINDOW)) {
            assertTrue(ledger.record(0x18f3L, "1", winner("http://d/n?p=${AUCTION_PRICE}", "http://d/b|x", null),
                    1_000_500, NOW));
            assertEquals(1, ledger.size());
        }
        try (DspWinLedger reopened = new DspWinLedger(dataDir, 10_000, WINDOW)) {
            DspWin win = reopened.take(0x18f3L, "1");
            assertEquals(new DspWin(2, "tokyo-dsp", NOW, 150_000_000, "JPY", 1_000_500, "bid-1", "imp|1", "seat:9",
                    "ad 7", "http://d/n?p=${AUCTION_PRICE}", "http://d/b|x", null, false, false, "JPN"), win);
            assertNull(reopened.take(0x18f3L, "1"), "taken once");
            assertEquals(0, reopened.size());
        }
    }

    @Test
    void theKeyIsTheAuctionAndTheImp() {
        try (DspWinLedger ledger = new DspWinLedger(dataDir, 10_000, WINDOW)) {
            ledger.record(7, "1", winner(null, "http://d/b", null), 1, NOW);
            assertNull(ledger.take(7, "2"));
            assertNull(ledger.take(8, "1"));
            assertNotNull(ledger.take(7, "1"));
        }
    }

    @Test
    @Timeout(60)
    void concurrentTakesGetTheWinExactlyOnce() throws Exception {
        int rounds = 200;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (DspWinLedger ledger = new DspWinLedger(dataDir, 10_000, WINDOW)) {
            for (int round = 0; round < rounds; round++) {
                long auctionId = 1_000 + round;
                ledger.record(auctionId, "1", winner(null, "http://d/b", null), 1, NOW);
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<DspWin>> takes = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    takes.add(pool.submit(() -> {
                        start.await();
                        return ledger.take(auctionId, "1");
                    }));
                }
                int taken = 0;
                for (Future<DspWin> take : takes) {
                    taken += take.get(10, TimeUnit.SECONDS) == null ? 0 : 1;
                }
                assertEquals(1, taken, "round " + round);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Timeout(60)
    void theWinFlagIsSetOnceUnderRacingWinNoticesAndTheEntryStaysForTheBill() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (DspWinLedger ledger = new DspWinLedger(dataDir, 10_000, WINDOW)) {
            for (int round = 0; round < 100; round++) {
                long auctionId = 5_000 + round;
                ledger.record(auctionId, "1", winner("http://d/n", "http://d/b", null), 1, NOW);
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<DspWin>> marks = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    marks.add(pool.submit(() -> {
                        start.await();
                        return ledger.winNotice(auctionId, "1");
                    }));
                }
                int marked = 0;
                for (Future<DspWin> mark : marks) {
                    DspWin win = mark.get(10, TimeUnit.SECONDS);
                    marked += win == null ? 0 : 1;
                    assertTrue(win == null || !win.isWinNotified(), "the marking caller sees it unmarked");
                }
                assertEquals(1, marked, "round " + round);
                DspWin billed = ledger.take(auctionId, "1");
                assertTrue(billed.isWinNotified(), "the bill sees the win already notified");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aWinNoticeTakesTheWinOfADspWithoutBurlOnceAndABidWithoutMarkupIsServedByItsNurl() {
        try (DspWinLedger ledger = new DspWinLedger(dataDir, 10_000, WINDOW)) {
            ExternalBid noMarkup = winner("http://d/n", null, null);
            noMarkup.bid.adm = null;
            ledger.record(9, "1", noMarkup, 1, NOW);
            DspWin win = ledger.winNotice(9, "1");
            assertTrue(win.isNurlServed(), "the seller fetches the markup from the nurl");
            assertFalse(win.isWinNotified());
            assertEquals(0, ledger.size(), "no burl: the win notice took it");
            assertNull(ledger.winNotice(9, "1"));
            assertNull(ledger.take(9, "1"));
        }
    }

    @Test
    void aWinWithEveryFieldAtTheValidatorsBoundsIsKept() {
        // what DspBidValidator lets through at most: ids of MAX_ID_CHARS and URLs of MAX_URL_CHARS, all in 3-byte
        // chars; were it refused, one DSP's bid would cost the whole request its answer
        String id = "\u20ac".repeat(DspBidValidator.MAX_ID_CHARS);
        String url = "http://d/" + "\u20ac".repeat(DspWinLedger.MAX_URL_CHARS - 9);
        ExternalBid winner = winner(url, url, url);
        winner.bid.id = id;
        winner.bid.crid = id;
        winner.bid.adid = id;
        winner.seat = id;
        try (DspWinLedger ledger = new DspWinLedger(dataDir, 1_000, WINDOW)) {
            for (int auction = 1; auction <= 50; auction++) {
                assertTrue(ledger.record(auction, "1", winner, 1, NOW), "win " + auction);
            }
            DspWin won = ledger.take(50, "1");
            assertEquals(url, won.burl());
            assertEquals(id, won.seat());
            assertEquals(id, won.adId());
        }
    }

    @Test
    void aUrlLongerThanTheBoundRefusesTheRecordAndOneAtTheBoundIsKept() {
        String longest = "http://d/" + "x".repeat(DspWinLedger.MAX_URL_CHARS - 9);
        try (DspWinLedger ledger = new DspWinLedger(dataDir, 10_000, WINDOW)) {
            assertFalse(ledger.record(1, "1", winner(null, longest + "y", null), 1, NOW));
            assertFalse(ledger.record(1, "1", winner(longest + "y", null, null), 1, NOW));
            assertFalse(ledger.record(1, "1", winner(null, null, longest + "y"), 1, NOW));
            assertEquals(3, ledger.refusedUrlTooLong());
            assertEquals(0, ledger.size());
            assertTrue(ledger.record(2, "1", winner(longest, longest, longest), 1, NOW), "three maximal URLs fit");
            assertEquals(longest, ledger.take(2, "1").lurl());
        }
    }

    @Test
    void theLedgerIsExposedAsMetrics() throws Exception {
        ExchangeMetrics metrics = new ExchangeMetrics();
        try (DspWinLedger ledger = new DspWinLedger(dataDir, 10_000, WINDOW)) {
            ledger.registerMetrics(metrics);
            ledger.record(1, "1", winner(null, "http://d/b", null), 1, NOW);
            ledger.record(2, "1", winner(null, "http://d/" + "x".repeat(DspWinLedger.MAX_URL_CHARS), null), 1, NOW);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            metrics.writeTo(out);
            String text = out.toString(StandardCharsets.UTF_8);
            assertTrue(text.contains("merlin_dsp_wins 1.0"), text);
            assertTrue(text.contains("merlin_dsp_wins_recorded_total 1.0"), text);
            assertTrue(text.contains("merlin_dsp_wins_refused_total{reason=\"url_too_long\"} 1.0"), text);
        }
    }

    @Test
    void aReleasedWinIsGone() {
        try (DspWinLedger ledger = new DspWinLedger(dataDir, 10_000, WINDOW)) {
            ledger.record(3, "1", winner(null, "http://d/b", null), 1, NOW);
            ledger.release(3, "1");
            assertNull(ledger.take(3, "1"));
        }
    }

    @Test
    void thePurgeRemovesWinsOlderThanTheWindowOnlyAndATakeAfterTheWindowGetsNothing() {
        try (DspWinLedger ledger = new DspWinLedger(dataDir, 10_000, WINDOW)) {
            ledger.record(1, "1", winner(null, "http://d/b", null), 1, NOW - WINDOW - 1);
            ledger.record(2, "1", winner(null, "http://d/b", null), 1, NOW - WINDOW);
            ledger.record(3, "1", winner(null, "http://d/b", null), 1, NOW);
            assertEquals(1, ledger.purgeExpired(NOW));
            assertEquals(1, ledger.expired());
            assertNull(ledger.take(1, "1"));
            assertNull(ledger.take(2, "1", NOW + 1), "past the window when taken");
            assertEquals(2, ledger.expired());
            assertNotNull(ledger.take(3, "1", NOW + 1));
        }
    }
}
