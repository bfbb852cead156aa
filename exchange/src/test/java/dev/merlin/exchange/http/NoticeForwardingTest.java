package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.EventLogConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.DemoSeller;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.AuctionIds;
import dev.merlin.exchange.auction.NoticeRouting;
import dev.merlin.exchange.events.Event;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventLogReader;
import dev.merlin.exchange.events.EventType;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which node applies a notice. The runtime here is node 2 (its auctions carry node id 2); notice endpoints over its
 * stores play node 1 of a cluster (which forwards node 2's notices), node 2 of a cluster (which applies them,
 * also when forwarded) and a single node (which applies every notice where it arrives, as without Kafka).
 */
class NoticeForwardingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BASE = "https://merlin.test";
    private static final long NOW = Instant.parse("2026-06-15T12:00:00Z").getEpochSecond();

    @TempDir
    Path dataDir;
    private final AtomicLong clock = new AtomicLong(NOW);
    private ExchangeRuntime runtime;
    private EmbeddedChannel channel;
    private EmbeddedChannel context;
    private ChannelHandlerContext ctx;

    @BeforeEach
    void open() {
        String yaml = "exchange:\n"
                + "  currency: USD\n"
                + "  takeRate: 0.15\n"
                + "  nodeId: 2\n"
                + "  publicUrl: " + BASE + "\n"
                + "advertisers:\n"
                + "  - id: acme\n"
                + "    campaigns:\n"
                + "      - id: c0\n"
                + "        bid: {amount: 3.00}\n"
                + "        creatives:\n"
                + "          - {id: ad, format: banner, w: 300, h: 250, markup: '<a href=\"${CLICK_URL}\">x</a>',"
                + " landingPage: 'https://acme.example/', adomain: [acme.example]}\n";
        MerlinConfig config = ConfigLoader.parse(yaml, "test").withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L)).withSellers(List.of(DemoSeller.SELLER)).validate();
        runtime = ExchangeRuntime.open(config, new ExchangeMetrics(), clock::get);
        channel = new EmbeddedChannel();
        runtime.newPipeline().configure(channel.pipeline());
        context = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        ctx = context.pipeline().firstContext();
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        context.finishAndReleaseAll();
        runtime.close();
    }

    @AfterAll
    static void noLeaks() {
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    @Test
    void aClusterNodeForwardsAnotherNodesNoticeWholeThroughTheEventLogAndChargesNothingItself() throws Exception {
        String bill = path(bid("r1").get("burl").asText().replace("${AUCTION_PRICE}", "0.85"));
        NoticeEndpoint node1 = endpoint(NoticeRouting.clustered(1), runtime.stores().events());
        assertEquals(204, status(node1.handle(ctx, "bill", bill)));
        assertEquals(1, runtime.metrics().notices("bill", "forwarded"));
        assertEquals(0, runtime.stores().spend().chargedImpressions(), "not charged on the node it reached");
        assertEquals(1, runtime.stores().spend().openCommitments(), "the auction's commitment still open");
        Event forward = awaitEvent(EventType.NOTICE_FORWARD);
        assertEquals(2, forward.longValue("to"));
        assertEquals(bill, forward.string("link"), "the link as the seller sent it, signature and all");
        assertEquals("r1", forward.string("rid"));

        NoticeEndpoint node2 = endpoint(NoticeRouting.clustered(2), runtime.stores().events());
        NoticeEndpoint.Reply applied = node2.applyForwarded(forward.string("link"));
        assertEquals("charged", applied.outcome());
        assertFalse(applied.isRefused());
        assertEquals(1000, runtime.stores().spend().spentTotalMicros(runtime.catalog().byId("c0")),
                "0.85 cleared, grossed up by the take rate: 1.00 USD CPM, 1,000 micros per impression");
        assertEquals(0, runtime.stores().spend().openCommitments());
        assertEquals("duplicate", node2.applyForwarded(forward.string("link")).outcome(), "applied again: nothing");
        assertEquals(1, runtime.stores().spend().chargedImpressions());
    }

    @Test
    void whatTheNodeItReachedWouldRefuseIsRefusedThereAndNotForwarded() throws Exception {
        String bill = path(bid("r1").get("burl").asText());
        NoticeEndpoint node1 = endpoint(NoticeRouting.clustered(1), runtime.stores().events());
        assertEquals(403, status(node1.handle(ctx, "bill", bill.replace("&iid=1&", "&iid=2&"))));
        assertEquals(400, status(node1.handle(ctx, "bill", bill.replace("%24%7BAUCTION_PRICE%7D", "NaN"))));
        assertEquals(400, status(node1.handle(ctx, "bill", "/bill?a=1")));
        assertEquals(0, runtime.metrics().notices("bill", "forwarded"));
        assertEquals(1, runtime.metrics().notices("bill", "bad_signature"));
        assertEquals(1, runtime.metrics().notices("bill", "bad_price"));
        assertEquals(204, status(node1.handle(ctx, "bill", bill)), "the untouched link is forwarded");
        assertEquals(1, runtime.metrics().notices("bill", "forwarded"));
    }

    @Test
    void aNoticeForANodeTheClusterDoesNotListIsForwardedAllTheSameAndCounted() throws Exception {
        String bill = path(bid("r1").get("burl").asText());
        NoticeEndpoint node1 = endpoint(NoticeRouting.clustered(1, List.of(1, 3)), runtime.stores().events());
        assertEquals(204, status(node1.handle(ctx, "bill", bill)));
        assertEquals(204, status(node1.handle(ctx, "bill", bill)));
        assertEquals(2, runtime.metrics().notices("bill", "forwarded_unknown_node"));
        assertEquals(0, runtime.metrics().notices("bill", "forwarded"));
        assertEquals(2, awaitEvent(EventType.NOTICE_FORWARD).longValue("to"), "kept for node 2, should it return");
        assertEquals(0, runtime.stores().spend().chargedImpressions());
    }

    @Test
    void aNodeAppliesOnlyForwardedNoticesOfItsOwnAuctions() throws Exception {
        String bill = path(bid("r1").get("burl").asText());
        NoticeEndpoint node1 = endpoint(NoticeRouting.clustered(1), runtime.stores().events());
        NoticeEndpoint.Reply reply = node1.applyForwarded(bill);
        assertTrue(reply.isRefused());
        assertEquals("not_owner", reply.outcome(), "node 2's auction is not node 1's to charge");
        assertEquals("malformed", node1.applyForwarded("/click?" + bill.substring(bill.indexOf('?') + 1)).outcome());
        assertEquals("malformed", node1.applyForwarded(null).outcome());
        NoticeEndpoint node2 = endpoint(NoticeRouting.clustered(2), runtime.stores().events());
        assertEquals("bad_signature", node2.applyForwarded(bill.replace("&bp=", "&bp=9")).outcome());
        assertEquals(0, runtime.stores().spend().chargedImpressions());
        assertEquals(1, runtime.metrics().notices("bill", "not_owner"));
    }

    @Test
    void withoutKafkaEveryNoticeIsAppliedWhereItArrivesWhateverItsNodeId() throws Exception {
        JsonNode bid = bid("r1");
        assertEquals(2, AuctionIds.nodeOf(AuctionIds.parse(param(bid.get("burl").asText(), "a"))));
        NoticeEndpoint single = endpoint(NoticeRouting.local(), runtime.stores().events());
        assertEquals(204, status(single.handle(ctx, "bill", path(bid.get("burl").asText()))));
        assertEquals(1, runtime.metrics().notices("bill", "charged"), "charged on the node it reached");
        assertEquals(1, runtime.stores().spend().chargedImpressions());
        assertEquals(0, runtime.metrics().notices("bill", "forwarded"));
    }

    @Test
    void aNoticeTheEventLogCannotTakeIsAnswered503ToBeSentAgain(@TempDir Path otherDir) throws Exception {
        String bill = path(bid("r1").get("burl").asText());
        EventLog closed = EventLog.open(otherDir, EventLogConfig.defaults());
        closed.close();
        NoticeEndpoint node1 = endpoint(NoticeRouting.clustered(1), closed);
        FullHttpResponse response = node1.handle(ctx, "bill", bill);
        try {
            assertEquals(503, response.status().code());
            assertEquals("1", response.headers().get(HttpHeaderNames.RETRY_AFTER));
            assertTrue(response.content().toString(StandardCharsets.UTF_8).contains("send it again"));
        } finally {
            response.release();
        }
        assertEquals(1, runtime.metrics().notices("bill", "forward_refused"));
        assertEquals(0, runtime.stores().spend().chargedImpressions());
    }

    private NoticeEndpoint endpoint(NoticeRouting routing, EventLog events) {
        return new NoticeEndpoint(runtime.catalog(), runtime.noticeUrls(), runtime.currencies(),
                runtime.stores().spend(), runtime.stores().frequency(), runtime.tracking(),
                runtime.stores().sellerStats(), runtime.stores().erasures(), events,
                runtime.config().exchange().takeRate(), runtime.metrics(), runtime::nowEpochSeconds, null, null, null,
                routing);
    }

    private static int status(FullHttpResponse response) {
        try {
            return response.status().code();
        } finally {
            response.release();
        }
    }

    private Event awaitEvent(EventType type) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (Event event : EventLogReader.readAll(dataDir)) {
                if (event.type() == type) {
                    return event;
                }
            }
            Thread.sleep(5);
        }
        return fail("no " + type + " event in the log within 10 s");
    }

    private JsonNode bid(String requestId) throws Exception {
        String body = "{\"id\":\"" + requestId + "\",\"at\":2,\"cur\":[\"USD\"],"
                + "\"site\":{\"domain\":\"p.example\"},"
                + "\"imp\":[{\"id\":\"1\",\"bidfloor\":1.00,\"bidfloorcur\":\"USD\","
                + "\"banner\":{\"w\":300,\"h\":250}}]}";
        ByteBuf in = Unpooled.wrappedBuffer(("POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\n" + DemoSeller.HEADER
                + "Content-Type: application/json\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8));
        channel.writeInbound(in);
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        ByteBuf chunk;
        while ((chunk = channel.readOutbound()) != null) {
            out.append(chunk.toString(StandardCharsets.UTF_8));
            chunk.release();
        }
        String response = out.toString();
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        return JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4)).get("seatbid").get(0).get("bid")
                .get(0);
    }

    /** A link's path and query as the seller's client sends it, the macros' braces escaped. */
    private static String path(String url) {
        assertTrue(url.startsWith(BASE), url);
        return url.substring(BASE.length()).replace("${", "%24%7B").replace("}", "%7D");
    }

    private static String param(String link, String name) {
        for (String pair : link.substring(link.indexOf('?') + 1).split("&")) {
            if (pair.startsWith(name + "=")) {
                return pair.substring(name.length() + 1);
            }
        }
        return fail("no " + name + " in " + link);
    }
}
