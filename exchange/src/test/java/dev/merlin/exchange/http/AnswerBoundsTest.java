package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.DemoSeller;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.protocol.ErrorReason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one bid request can make Merlin write is bounded: ids past {@code requests.maxIdLength} are refused with a
 * 400 naming the field, and an answer past {@code server.maxResponseBytes} or a markup past
 * {@code server.maxMarkupLength} becomes a counted no-bid whose commitments are released.
 */
class AnswerBoundsTest {

    private static final long NOW = Instant.parse("2026-06-15T12:00:00Z").getEpochSecond();

    @TempDir
    Path dataDir;
    private ExchangeMetrics metrics;
    private ExchangeRuntime runtime;
    private EmbeddedChannel channel;

    private void open(String serverYaml, String markup) {
        String yaml = "server:\n" + serverYaml
                + "requests:\n  maxIdLength: 128\n"
                + "exchange:\n  currency: USD\n  takeRate: 0.15\n  publicUrl: https://merlin.test\n"
                + "advertisers:\n"
                + "  - id: acme\n"
                + "    campaigns:\n"
                + "      - id: c0\n"
                + "        bid: {amount: 3.00}\n"
                + "        dailyBudget: 10000\n"
                + "        totalBudget: 100000\n"
                + "        pacing: asap\n"
                + "        creatives:\n"
                + "          - {id: ad, format: banner, w: 300, h: 250, markup: '" + markup + "',"
                + " landingPage: 'https://acme.example/', adomain: [acme.example]}\n";
        MerlinConfig config = DemoSeller.with(ConfigLoader.parse(yaml, "test")).withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L)).validate();
        metrics = new ExchangeMetrics();
        runtime = ExchangeRuntime.open(config, metrics, () -> NOW);
        channel = new EmbeddedChannel();
        new HttpPipeline(runtime).configure(channel.pipeline());
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

    @Test
    void overLongIdsAreRefusedNamingTheField() {
        open("", "<a href=\"${CLICK_URL}\">x</a>");
        String limit = "r".repeat(128);
        String over = "r".repeat(129);
        String overImp = "i".repeat(128); // imp ids get their index appended: 129 characters
        assertTrue(auction(request(limit, 1, "1", null)).startsWith("HTTP/1.1 200"), "an id at the limit bids");

        String answer = auction(request(over, 1, "1", null));
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        assertTrue(answer.contains("\"path\":\"id\""), answer);
        answer = auction(request("r1", 3, overImp, null));
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        assertTrue(answer.contains("\"path\":\"imp[0].id\""), answer);
        answer = auction(request("r2", 1, "1", over));
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        assertTrue(answer.contains("\"path\":\"imp[0].pmp.deals[0].id\""), answer);
        assertEquals(3, metrics.bidRequestsRejected(ErrorReason.ID_TOO_LONG));
        assertTrue(channel.isOpen());
    }

    @Test
    void anAnswerOverMaxResponseBytesIsANoBidThatReleasesItsCommitments() {
        open("  maxResponseBytes: 16384\n", "<a href=\"${CLICK_URL}\">${AUCTION_ID}</a>");
        String id = "r".repeat(128);
        String small = auction(request(id, 2, "i", null));
        assertTrue(small.startsWith("HTTP/1.1 200"), small);
        assertEquals(2, runtime.spend().openCommitments());

        // 64 bids of about 1.5 KB each: far over 16 KiB
        String big = auction(request(id, 64, "i", null));
        assertTrue(big.startsWith("HTTP/1.1 204"), big.substring(0, Math.min(200, big.length())));
        assertEquals(1, metrics.noBids("response_too_large"));
        assertEquals(2, runtime.spend().openCommitments(), "the refused answer's commitments were released");
        assertTrue(channel.isOpen());
    }

    @Test
    void aMarkupOverMaxMarkupLengthIsANoBid() {
        // each ${AUCTION_ID} becomes the 128-character request id: 12 of them pass 1,024 characters
        open("  maxMarkupLength: 1024\n", "<a href=\"${CLICK_URL}\">" + "${AUCTION_ID}".repeat(12) + "</a>");
        String answer = auction(request("r".repeat(128), 1, "1", null));
        assertTrue(answer.startsWith("HTTP/1.1 204"), answer);
        assertEquals(1, metrics.noBids("markup_too_long"));
        assertEquals(0, runtime.spend().openCommitments());
        assertTrue(auction(request("r".repeat(16), 1, "1", null)).startsWith("HTTP/1.1 200"),
                "a shorter id fits");
    }

    private static String request(String id, int imps, String impIdPrefix, String dealId) {
        StringBuilder body = new StringBuilder("{\"id\":\"").append(id)
                .append("\",\"at\":2,\"cur\":[\"USD\"],\"site\":{\"domain\":\"p.example\"},\"imp\":[");
        for (int i = 0; i < imps; i++) {
            body.append(i == 0 ? "" : ",").append("{\"id\":\"").append(impIdPrefix).append(i)
                    .append("\",\"bidfloor\":1.00,\"banner\":{\"w\":300,\"h\":250}");
            if (dealId != null) {
                body.append(",\"pmp\":{\"deals\":[{\"id\":\"").append(dealId).append("\"}]}");
            }
            body.append('}');
        }
        return body.append("]}").toString();
    }

    private String auction(String body) {
        String request = "POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\n" + DemoSeller.HEADER
                + "Content-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
        channel.writeInbound(Unpooled.wrappedBuffer(request.getBytes(StandardCharsets.UTF_8)));
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
