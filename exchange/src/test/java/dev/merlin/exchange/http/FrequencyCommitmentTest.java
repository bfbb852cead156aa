package dev.merlin.exchange.http;

import static dev.merlin.exchange.http.EmbeddedHttp.filled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.DemoSeller;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Frequency caps hold before any notice comes back: a win counts against the user's cap when the bid leaves, a win or
 * bill notice does not count it again, and a loss notice takes it back once. On an {@link EmbeddedChannel} with real
 * stores: a capped campaign bidding 3.00 USD CPM and an uncapped fallback bidding 1.50, one consenting device IFA.
 */
class FrequencyCommitmentTest {

    private static final String BASE = "https://merlin.test";
    private static final long NOW = Instant.parse("2026-06-15T12:00:00Z").getEpochSecond();
    private static final String IFA = "6d92078a-8246-4ba4-ae5b-76104861e7dc";
    private static final int DAY_SECONDS = 86_400;

    @TempDir
    Path dataDir;

    private final AtomicLong clock = new AtomicLong(NOW);
    /** Impressions the store told its listener of: what a node would publish to the other nodes. */
    private final AtomicInteger published = new AtomicInteger();
    private ExchangeRuntime runtime;
    private EmbeddedChannel channel;
    private EmbeddedHttp http;

    private void open(int cap) {
        String creative = "        creatives:\n"
                + "          - {id: ad, format: banner, w: 300, h: 250, markup: '<a href=\"${CLICK_URL}\">x</a>',"
                + " landingPage: 'https://acme.example/', adomain: [acme.example]}\n";
        String yaml = "exchange:\n"
                + "  currency: USD\n"
                + "  takeRate: 0.15\n"
                + "  publicUrl: " + BASE + "\n"
                + "advertisers:\n"
                + "  - id: acme\n"
                + "    campaigns:\n"
                + "      - id: capped\n"
                + "        bid: {amount: 3.00}\n"
                + "        dailyBudget: 100\n"
                + "        totalBudget: 1000\n"
                + "        pacing: asap\n"
                + "        frequencyCap: {impressions: " + cap + ", periodSeconds: " + DAY_SECONDS + "}\n"
                + creative
                + "      - id: fallback\n"
                + "        bid: {amount: 1.50}\n"
                + "        dailyBudget: 100\n"
                + "        totalBudget: 1000\n"
                + "        pacing: asap\n"
                + creative;
        MerlinConfig config = DemoSeller.with(ConfigLoader.parse(yaml, "test")).withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L)).validate();
        runtime = ExchangeRuntime.open(config, new ExchangeMetrics(), clock::get);
        runtime.stores().frequency().listen((userHash, campaign, epochSeconds) -> published.incrementAndGet());
        channel = new EmbeddedChannel();
        http = new EmbeddedHttp(channel, BASE);
        runtime.newPipeline().configure(channel.pipeline());
    }

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
            runtime.close();
        }
    }

    @AfterAll
    static void noLeaks() {
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    /**
     * The attack: auctions for one device before any notice. Before the fix frequency was counted only when a notice
     * charged, so the capped campaign won every one of them, and all were billed.
     */
    @Test
    void aSecondAuctionBeforeAnyNoticeDoesNotGoToTheCampaignTheUserHasSeenItsCapOf() throws Exception {
        open(1);
        JsonNode first = auction("r1");
        assertEquals("capped", first.get("cid").asText());
        assertTrue(first.get("burl").asText().contains("&u="), "the user may be counted: " + first);
        assertEquals("fallback", auction("r2").get("cid").asText(), "the win of r1 already counts");

        assertEquals(204, notice(first, "burl"));
        assertEquals(204, notice(first, "burl"));
        assertEquals(204, notice(first, "nurl"));

        assertEquals(1, runtime.metrics().notices("bill", "charged"));
        assertEquals(1, seen(), "the bill and the win of r1 count nothing again");
        assertEquals(1, published.get(), "r1 once; r2 went to the uncapped fallback, which is not counted");
        clock.addAndGet(DAY_SECONDS);
        assertEquals(0, seen());
        assertEquals("capped", auction("r3").get("cid").asText(), "a new period: the campaign bids again");
        assertEquals(1, seen());
    }

    /** A cap of 2: a billed win counts once, so the next auction may still have it, and the one after not. */
    @Test
    void aWinCountsOnceWhateverNoticesFollowIt() throws Exception {
        open(2);
        JsonNode first = auction("r1");
        assertEquals("capped", first.get("cid").asText());
        assertEquals(204, notice(first, "nurl"));
        assertEquals(204, notice(first, "burl"));
        assertEquals(204, notice(first, "burl"));
        assertEquals("capped", auction("r2").get("cid").asText());
        assertEquals("fallback", auction("r3").get("cid").asText(), "r1 and r2 counted, each once");
        assertEquals(2, seen());
    }

    /** A loss notice takes the win back once, however often it repeats. */
    @Test
    void aLossNoticeTakesTheWinBackOnce() throws Exception {
        open(1);
        JsonNode first = auction("r1");
        assertEquals("capped", first.get("cid").asText());
        assertEquals(204, notice(first, "lurl"));
        assertEquals(0, seen(), "the user never saw r1's ad");

        assertEquals("capped", auction("r2").get("cid").asText());
        assertEquals(204, notice(first, "lurl"), "r1's loss again");
        assertEquals(1, seen(), "a repeated loss does not take back r2's win");
        assertEquals("fallback", auction("r3").get("cid").asText());
    }

    /** A bill after a loss (sellers' notices come in any order) charges the impression and counts it again. */
    @Test
    void aBillAfterTheLossCountsTheImpressionAgain() throws Exception {
        open(2);
        JsonNode first = auction("r1");
        assertEquals("capped", first.get("cid").asText());
        assertEquals(204, notice(first, "lurl"));
        assertEquals(0, seen());
        assertEquals(204, notice(first, "burl"));
        assertEquals(1, runtime.metrics().notices("bill", "charged"));
        assertEquals(1, seen());
        assertEquals(204, notice(first, "burl"), "a duplicate bill");
        assertEquals(1, seen());

        assertEquals("capped", auction("r2").get("cid").asText());
        assertEquals("fallback", auction("r3").get("cid").asText(), "r1, billed after its loss, and r2");
        assertEquals(2, published.get(), "r1 and r2 once each: the loss and the bill after it publish nothing");
    }

    /** An erasure forgets the count; a loss notice of an auction before it then takes back nothing counted since. */
    @Test
    void aLossNoticeFromBeforeAnErasureTakesBackNothingCountedAfterIt() throws Exception {
        open(1);
        JsonNode before = auction("r1");
        assertEquals("capped", before.get("cid").asText());
        clock.addAndGet(10);
        runtime.erasure().erase(IFA, false);
        assertEquals(0, seen(), "the erasure forgot the user's count");
        clock.addAndGet(10);
        assertEquals("capped", auction("r2").get("cid").asText());

        assertEquals(204, notice(before, "lurl"));
        assertEquals(1, seen(), "r2's win still counts");
        assertEquals("fallback", auction("r3").get("cid").asText());
    }

    private int seen() {
        return runtime.stores().frequency().impressions(runtime.userHash().hash(IFA),
                runtime.catalog().byId("capped"), clock.get());
    }

    /** The bid of a one-imp app auction for the device {@link #IFA}. */
    private JsonNode auction(String requestId) throws Exception {
        String body = "{\"id\":\"" + requestId + "\",\"at\":2,\"cur\":[\"USD\"],"
                + "\"app\":{\"bundle\":\"com.example.app\"},\"device\":{\"ifa\":\"" + IFA + "\"},"
                + "\"imp\":[{\"id\":\"1\",\"bidfloor\":1.00,\"bidfloorcur\":\"USD\","
                + "\"banner\":{\"w\":300,\"h\":250}}]}";
        String response = http.auction(body);
        return EmbeddedHttp.firstBid(response);
    }

    /** Follows the bid's {@code link} ({@code nurl}, {@code burl} or {@code lurl}) at a price of 1.00: its status. */
    private int notice(JsonNode bid, String link) {
        return status(http.get(filled(bid.get(link).asText(), "1.00")));
    }

    private static int status(String response) {
        return Integer.parseInt(response.substring("HTTP/1.1 ".length(), "HTTP/1.1 ".length() + 3));
    }
}
