package dev.merlin.exchange.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.ClusterConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.DemoSeller;
import dev.merlin.exchange.MerlinServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Merlin servers sharing one Kafka in a test, and what a seller does to them over loopback HTTP: a one-imp auction,
 * a notice from a bid. The one campaign, {@code c0}, bids 3.00 USD; a 1.00 USD second-price floor makes each imp cost
 * its advertiser {@link #PER_IMP_MICROS}.
 */
final class MerlinNodes {

    /** A 1.00 USD second-price floor grossed up by the 15 % take rate: each imp costs the advertiser this. */
    static final long PER_IMP_MICROS = 1_176;
    /** The notice secret every node of a test cluster shares. */
    static final String NOTICE_SECRET = "cluster-test-notice-secret-0123456789";
    /** The identity secret every node of a test cluster shares. */
    static final String IDENTITY_SECRET = "cluster-test-identity-secret-0123456789";
    private static final String BASE = "https://merlin.test";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private MerlinNodes() {
    }

    /** A configuration of one campaign, c0, with {@code campaignLines} added to it (budgets, a cap). */
    static String config(String campaignLines) {
        return "exchange:\n"
                + "  currency: USD\n"
                + "  takeRate: 0.15\n"
                + "  publicUrl: " + BASE + "\n"
                + "  noticeSecret: " + NOTICE_SECRET + "\n"
                + "privacy:\n"
                + "  identitySecret: " + IDENTITY_SECRET + "\n"
                + "advertisers:\n"
                + "  - id: acme\n"
                + "    campaigns:\n"
                + "      - id: c0\n"
                + "        bid: {amount: 3.00}\n"
                + "        pacing: asap\n"
                + campaignLines
                + "        creatives:\n"
                + "          - {id: ad, format: banner, w: 300, h: 250, markup: '<a href=\"${CLICK_URL}\">x</a>',"
                + " landingPage: 'https://acme.example/', adomain: [acme.example]}\n";
    }

    /** {@code config} with the secrets the nodes of a cluster share: a node with Kafka refuses to start without. */
    static MerlinConfig shared(MerlinConfig config) {
        return config.withSharedSecrets(NOTICE_SECRET, IDENTITY_SECRET);
    }

    /** A started node {@code nodeId} on {@code bootstrap}: budget slices of {@code slice}, synced every 50 ms. */
    static MerlinServer node(String yaml, Path dataDir, int nodeId, String bootstrap, String topicPrefix,
                             double slice) throws Exception {
        MerlinConfig config = DemoSeller.with(ConfigLoader.parse(yaml, "test")).withPort(0)
                .withDataDir(dataDir.toString()).withStores(StoresConfig.small(10_000L)).withNodeId(nodeId);
        config = config.toBuilder().cluster(new ClusterConfig(new ClusterConfig.Kafka(bootstrap, topicPrefix),
                slice, 50)).build().validate();
        return new MerlinServer(config).start();
    }

    /** The bid of a one-imp auction on {@code node}, or null for a no-bid. */
    static JsonNode auction(MerlinServer node, String requestId, String userId) throws Exception {
        String user = userId == null ? "" : ",\"user\":{\"id\":\"" + userId + "\"}";
        String body = "{\"id\":\"" + requestId + "\",\"at\":2,\"cur\":[\"USD\"],\"site\":{\"domain\":\"p.example\"},"
                + "\"imp\":[{\"id\":\"1\",\"bidfloor\":1.00,\"bidfloorcur\":\"USD\","
                + "\"banner\":{\"w\":300,\"h\":250}}]" + user + "}";
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port()
                        + "/openrtb2/auction")).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + DemoSeller.TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 204) {
            return null;
        }
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body()).get("seatbid").get(0).get("bid").get(0);
    }

    /** A notice URL of a bid, its price filled as a seller would, sent to the node that made the bid. */
    static HttpResponse<String> notice(MerlinServer node, String url) throws Exception {
        assertTrue(url.startsWith(BASE + "/"), url);
        String path = url.substring(BASE.length()).replace("${AUCTION_PRICE}", "1.00").replace("${", "%24%7B")
                .replace("}", "%7D");
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Waits (polling every 10 ms, at most 30 s) for {@code condition}; fails naming {@code what}. */
    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting: " + what);
            }
            Thread.sleep(10);
        }
    }
}
