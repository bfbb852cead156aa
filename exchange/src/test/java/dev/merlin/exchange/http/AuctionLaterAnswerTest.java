package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.DemoSeller;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.AuctionIds;
import dev.merlin.exchange.bid.BidContext;
import dev.merlin.exchange.bid.BidPath;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.sellers.Sellers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The auction endpoint when the bid path finishes later (as it will while DSPs answer): its answer goes out through
 * the connection's {@link OrderedResponses} ticket, after every earlier answer and before every later one, exactly
 * once, with no buffer leaked. Real stores in a temp dir, the real pipeline on an EmbeddedChannel.
 */
class AuctionLaterAnswerTest {

    private static final long NOW = 1_796_000_000L;
    /** A body of 8 KiB: eight such answers pass the channel's default 64 KiB write-buffer high-water mark. */
    private static final String BIG = "b".repeat(8192);

    @TempDir
    Path dataDir;
    private ExchangeRuntime runtime;
    private final List<BidContext> waiting = new ArrayList<>();
    private LambdaFrontDoor door;

    @BeforeEach
    void open() {
        MerlinConfig loaded = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L));
        MerlinConfig config = loaded.withExchange(loaded.exchange().withPublicUrl("https://merlin.example"));
        ExchangeMetrics metrics = new ExchangeMetrics();
        runtime = ExchangeRuntime.open(config, metrics, () -> NOW);
        BidPath deferred = BidPath.builder()
                .decodeLimits(config.requests().toDecodeLimits())
                .maxResponseBytes(config.server().maxResponseBytes())
                .campaigns(runtime.catalog(), runtime.currencies(), config.exchange().takeRate())
                .links(runtime.noticeUrls(), config.server().maxMarkupLength())
                .spend(runtime.stores().spend())
                .frequency(runtime.stores().frequency())
                .consent(runtime.consent())
                .segments(runtime.stores().segments())
                .userHash(runtime.userHash())
                .auctionIds(new AuctionIds(config.exchange().nodeId(), NOW * 1000L))
                .events(runtime.stores().events())
                .metrics(metrics)
                .clock(() -> NOW)
                .auctionStage(waiting::add)
                .build();
        AuctionEndpoint auction = new AuctionEndpoint(new Sellers(List.of(DemoSeller.SELLER)), deferred, metrics,
                LambdaFrontDoor.MAX_BODY);
        door = new LambdaFrontDoor(m -> RouteTable.builder(m)
                .path(ExchangeRoutes.AUCTION_PATH).post(auction::handle)
                .path("/health").get((ctx, request) -> LambdaFrontDoor.ok(ctx, "{\"status\":\"ok\"}"))
                .path("/n").get((ctx, request) -> LambdaFrontDoor.ok(ctx, "{\"uri\":\"" + request.uri() + "\"}"))
                .path("/big").get((ctx, request) -> LambdaFrontDoor.ok(ctx, "{\"big\":\"" + BIG + "\"}"))
                .build());
    }

    @AfterEach
    void close() {
        door.close();
        runtime.close();
    }

    @Test
    void aLaterAnswerKeepsItsPlaceAmongTheConnectionsAnswers() {
        assertEquals("", door.exchange(post("later-1")), "nothing is written while the auction runs");
        assertEquals(1, waiting.size());
        // a request pipelined behind it waits: reading pauses while an answer is owed
        assertEquals("", door.exchange("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"),
                "a later request's answer never overtakes the one owed");

        finish(0);
        String answers = door.drain();
        LambdaFrontDoor.assertInOrder(answers, "HTTP/1.1 200 OK", "\"id\":\"later-1\"", "HTTP/1.1 200 OK",
                "{\"status\":\"ok\"}");
        assertEquals(2, LambdaFrontDoor.count(answers, "HTTP/1.1 "), "each request answered once: " + answers);

        assertEquals("", door.exchange(post("later-2")));
        assertEquals(2, waiting.size());
        finish(1);
        String second = door.drain();
        assertTrue(second.contains("\"id\":\"later-2\""), second);
        assertEquals(1, LambdaFrontDoor.count(second, "HTTP/1.1 "), second);
    }

    @Test
    void answersHeldBehindAPendingAuctionPauseReadingAtTheTicketLimitAndDrainInOrder() {
        assertEquals("", door.exchange(post("held-1")), "nothing is written while the auction runs");
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            requests.append("GET /n?i=").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        assertEquals("", door.exchange(requests.toString()), "no answer overtakes the auction's");
        assertFalse(door.channel.config().isAutoRead(),
                "reading pauses once " + OrderedResponses.MAX_TICKETS + " answers wait behind the auction");

        finish(0);
        String answers = door.drain();
        String[] parts = new String[65];
        parts[0] = "\"id\":\"held-1\"";
        for (int i = 0; i < 64; i++) {
            parts[i + 1] = "{\"uri\":\"/n?i=" + i + "\"}";
        }
        LambdaFrontDoor.assertInOrder(answers, parts);
        assertEquals(65, LambdaFrontDoor.count(answers, "HTTP/1.1 200 OK"), "each request answered once");
        assertTrue(door.channel.config().isAutoRead(), "reading resumes once the held answers are written");
        assertEquals(0, OrderedResponses.of(door.channel).unanswered());
    }

    @Test
    void answersHeldBehindAPendingAuctionPauseReadingAtTheHighWaterMark() {
        assertEquals("", door.exchange(post("held-2")));
        int highBytes = door.channel.config().getWriteBufferHighWaterMark();
        int requests = 2 * highBytes / BIG.length();
        assertTrue(requests < OrderedResponses.MAX_TICKETS, "the bytes, not the count, must be what pauses");
        assertEquals("", door.exchange("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".repeat(requests)));
        assertFalse(door.channel.config().isAutoRead(), "reading pauses once held answers pass the high mark");

        finish(0);
        String answers = door.drain();
        LambdaFrontDoor.assertInOrder(answers, "\"id\":\"held-2\"", "{\"big\":\"b");
        assertEquals(requests, LambdaFrontDoor.count(answers, "{\"big\":\""), "every held answer written once");
        assertEquals(requests + 1, LambdaFrontDoor.count(answers, "HTTP/1.1 200 OK"));
        assertTrue(door.channel.config().isAutoRead(), "reading resumes once the held answers are written");
    }

    private void finish(int index) {
        BidContext context = waiting.get(index);
        context.runEngine();
        context.resume();
        door.channel.runPendingTasks();
    }

    private static String post(String id) {
        String body = "{\"id\":\"" + id + "\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
                + "\"site\":{\"id\":\"s1\",\"domain\":\"example.com\"},\"device\":{\"ua\":\"UA\","
                + "\"geo\":{\"country\":\"JPN\"}}}";
        int length = body.getBytes(StandardCharsets.UTF_8).length;
        return "POST " + ExchangeRoutes.AUCTION_PATH + " HTTP/1.1\r\nHost: x\r\n" + DemoSeller.HEADER
                + "Content-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n" + body;
    }
}
