package dev.merlin.exchange.auction;

import static dev.merlin.exchange.auction.AuctionFixture.NOW;
import static dev.merlin.exchange.auction.AuctionFixture.campaign;
import static dev.merlin.exchange.auction.AuctionFixture.config;
import static dev.merlin.exchange.auction.AuctionFixture.deals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import dev.merlin.exchange.auction.AuctionFixture.Auction;
import dev.merlin.protocol.model.BidRequest;
import java.lang.management.ManagementFactory;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

/**
 * Writing a bid response allocates nothing in the steady state, on an answer that takes every path of the writer:
 * several imps and seats, a deal, a secure imp, a test request with a user, a non-exchange currency, every macro in
 * the markup, ids that need JSON escaping and URL encoding. Measured with the JVM's per-thread allocation counter;
 * the JMH figure is {@code ResponseEncodeBenchmark.writer}.
 */
class BidResponseWriterAllocationTest {

    private static final int WARMUP = 50_000;
    private static final int MEASURED = 20_000;
    private static final int ROUNDS = 5;

    @Test
    void writingAResponseAllocatesNothing() {
        ThreadMXBean threads = threadBean();
        String markup = "'<a href=\"${CLICK_URL}\" data-e=\"${CLICK_URL_ENC}\">${AUCTION_ID}|${AUCTION_BID_ID}|"
                + "${AUCTION_IMP_ID}|${AUCTION_SEAT_ID}|${AUCTION_AD_ID}|${AUCTION_PRICE}|${AUCTION_CURRENCY}|"
                + "${AUCTION_LOSS} café \"q\"</a>'";
        Auction auction = new Auction(config(0.15,
                campaign("mpu").advertiser("acme", "seat-acme").bid(2)
                        .creative("id: mpu-ad, format: banner, w: 300, h: 250, markup: " + markup
                                + ", adomain: [acme.example], cat: [IAB20-3], attr: [1, 3]"),
                campaign("sky").advertiser("zeta", "seat-zeta").bid(1)
                        .creative("id: sky-app, format: banner, w: 160, h: 600, bundle: com.zeta.game,"
                                + " markup: " + markup),
                campaign("deal").advertiser("agency", "Agency1").bid(3).targeting(deals("D-1"))
                        .creative("id: deal-video, format: video, durationSeconds: 15, mimes: [video/mp4],"
                                + " markup: " + markup)));
        BidRequest request = AuctionFixture.request("{\"id\":\"r \\\"1\\\" é\\n\",\"test\":1,\"cur\":[\"JPY\"],"
                + "\"site\":{\"domain\":\"p.example\"},\"imp\":["
                + "{\"id\":\"i/1\",\"banner\":{\"w\":300,\"h\":250},\"secure\":1},"
                + "{\"id\":\"i2\",\"banner\":{\"w\":160,\"h\":600}},"
                + "{\"id\":\"v\",\"video\":{\"mimes\":[\"video/mp4\"]},\"pmp\":{\"private_auction\":1,\"deals\":["
                + "{\"id\":\"D-1\",\"wseat\":[\"Agency1\"]}]}}]}");
        AuctionResult result = auction.run(request, null, 0xabcdefL, NOW);
        assertEquals(3, result.count());
        BidResponseWriter writer = new BidResponseWriter(auction.currencies,
                new NoticeUrls("https://merlin.test/", "alloc-secret".getBytes()), 100_000);
        ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        String currency = writer.responseCurrency(request);
        int length = writer.write(request, result, currency, "demo-ssp", 0xabcdefL, 42L, NOW, buffer, 0, 1 << 20);
        assertTrue(length > 1000, "written: " + length);

        long total = 0;
        for (int i = 0; i < WARMUP; i++) {
            total += writer.write(request, result, currency, "demo-ssp", 0xabcdefL, 42L, NOW, buffer, 0, 1 << 20);
        }
        long probe = allocatedBytes(threads);
        long counterCost = allocatedBytes(threads) - probe;
        // a round may catch a one-off (a JIT transition); an allocation per write would show in every round
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS && fewest > 0; round++) {
            long before = allocatedBytes(threads);
            for (int i = 0; i < MEASURED; i++) {
                total += writer.write(request, result, currency, "demo-ssp", 0xabcdefL, 42L, NOW, buffer, 0,
                        1 << 20);
            }
            fewest = Math.min(fewest, allocatedBytes(threads) - before - counterCost);
        }
        assertTrue(total > 0);
        // one allocation per write would be >= 16 bytes per write, 320 kB per round
        assertEquals(0.0, (double) fewest / MEASURED, 0.01, "bytes per response: " + fewest + " in the best round");
    }

    private static ThreadMXBean threadBean() {
        Object bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof ThreadMXBean, "needs HotSpot's per-thread allocation counter");
        ThreadMXBean threads = (ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        return threads;
    }

    private static long allocatedBytes(ThreadMXBean threads) {
        return threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
