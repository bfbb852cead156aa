package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.dspsim.DspSimulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The floor server over loopback: it tokenizes, answers, and with a DSP waits for the DSP's answer first. */
class FloorServerIT {

    private static final byte[] REQUEST = ("{\"id\":\"1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
            + "\"site\":{\"page\":\"https://example.com\"}}").getBytes(StandardCharsets.UTF_8);
    private static final RequestCorpus CORPUS =
            new RequestCorpus("test", List.of("one.json"), List.of(REQUEST), List.of());

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void withoutADspEveryRequestGetsA200OfTheAnswerSizeAndMalformedJsonA400() throws Exception {
        try (FloorServer server = FloorServer.start(1, 0, 700, null);
             HttpLoadClient client = new HttpLoadClient(server.port(), "/openrtb2/auction")) {
            StepResult result = client.run(CORPUS, new HttpLoadClient.Plan("floor", 400, 2, 0, 0.5, 5, 1024),
                    new PrintStream(new ByteArrayOutputStream(), true));
            assertEquals(Map.of(200, 200L), result.statusCounts());

            HttpResponse<String> ok = post(server.port(), new String(REQUEST, StandardCharsets.UTF_8));
            assertEquals(200, ok.statusCode());
            assertEquals(700, ok.body().length());
            assertTrue(ok.body().startsWith("{\"id\":\"floor\""), ok.body());

            HttpResponse<String> bad = post(server.port(), "{\"id\":\"1\",\"imp\":[");
            assertEquals(400, bad.statusCode(), bad.body());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void withADspEveryRequestReachesItBeforeTheSellerIsAnswered() throws Exception {
        try (DspSimulator dsp = DspSimulator.builder().bidRate(1).seed(1).recordLastRequest(false).start();
             FloorServer server = FloorServer.start(1, 0, 900, URI.create(dsp.endpoint()));
             HttpLoadClient client = new HttpLoadClient(server.port(), "/openrtb2/auction")) {
            StepResult result = client.run(CORPUS, new HttpLoadClient.Plan("floor-dsp", 400, 2, 0, 0.5, 5, 1024),
                    new PrintStream(new ByteArrayOutputStream(), true));

            assertEquals(Map.of(200, 200L), result.statusCounts());
            assertEquals(200, dsp.stats().requests());
            assertEquals(200, dsp.stats().bids());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aDspThatIsNotThereGetsTheSellerA502() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (FloorServer server = FloorServer.start(1, 0, 900, URI.create("http://127.0.0.1:" + closedPort + "/"))) {
            HttpResponse<String> answer = post(server.port(), new String(REQUEST, StandardCharsets.UTF_8));
            assertEquals(502, answer.statusCode(), answer.body());
        }
    }

    private static HttpResponse<String> post(int port, String body) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/openrtb2/auction"))
                        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
