package dev.merlin.exchange.http;

import static dev.merlin.exchange.http.LambdaFrontDoor.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.exchange.http.LambdaFrontDoor.Response;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link RouteTable}: path and method to endpoint, 404, 405 with {@code Allow}, HEAD, a route's own refusals. */
class RouteTableTest {

    private LambdaFrontDoor door;

    @BeforeEach
    void open() {
        door = new LambdaFrontDoor(metrics -> RouteTable.builder(metrics)
                .path("/notice").get((ctx, request) -> ok(ctx, "{\"got\":true}"))
                .post((ctx, request) -> ok(ctx, "{\"posted\":true}"))
                .path("/report").get((ctx, request) -> ok(ctx, "{\"method\":\"" + request.method() + "\"}"))
                .head((ctx, request) -> ok(ctx, "{\"method\":\"" + request.method() + "\"}"))
                .prefix("/users/").get((ctx, request) -> ok(ctx, "{\"method\":\"" + request.method() + "\"}"))
                .head(RouteTable.headAsGet((ctx, request) -> ok(ctx, "{\"method\":\"" + request.method() + "\"}")))
                .delete((ctx, request) -> ok(ctx, "{\"deleted\":true}"))
                .path("/pixel").get((ctx, request) -> ok(ctx, "{\"pixel\":true}"))
                .refusedWith((ctx, reason) -> ok(ctx, "{\"refused\":\"" + reason + "\"}"))
                .build());
    }

    @AfterEach
    void close() {
        door.close();
    }

    @AfterAll
    static void noLeaks() {
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    @Test
    void eachMethodOfARouteReachesItsEndpointWhateverTheQuery() {
        assertEquals("{\"got\":true}", door.send(get("/notice?rid=1&c=%20x")).body);
        assertEquals("{\"posted\":true}",
                door.send("POST /notice HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").body);
        assertEquals("{\"deleted\":true}", door.send("DELETE /users/u-1 HTTP/1.1\r\nHost: x\r\n\r\n").body);
    }

    @Test
    void anUnknownPathIs404NamingIt() {
        for (String path : new String[] {"/nope", "/notice/more", "/notic", "/users"}) {
            Response r = door.send(get(path + "?a=1"));
            assertEquals(404, r.status, path);
            assertEquals("{\"error\":\"no such endpoint: " + path + "\"}", r.body);
        }
        assertEquals(4, door.metrics.httpErrors(404, "unknown_path"));
        assertTrue(door.channel.isOpen());
    }

    @Test
    void aMethodTheRouteDoesNotTakeIs405WithAllowInTheOrderTheMethodsWereAdded() {
        Response notice = door.send("PUT /notice HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        assertEquals(405, notice.status);
        assertEquals("GET, POST", notice.headers.get("allow"));
        assertEquals("{\"error\":\"method not allowed; use GET, POST\"}", notice.body);
        Response user = door.send("POST /users/u-1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        assertEquals("GET, HEAD, DELETE", user.headers.get("allow"));
        assertEquals(2, door.metrics.httpErrors(405, "method"));
        assertTrue(door.channel.isOpen());
    }

    @Test
    void headIsAnsweredWhereARouteTakesItAndGetsNoBody() {
        Response report = Response.parse(door.exchange("HEAD /report HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(200, report.status);
        assertEquals(Integer.toString("{\"method\":\"HEAD\"}".length()), report.headers.get("content-length"));
        assertEquals("", report.body, "the codec drops a HEAD answer's body");
        Response user = Response.parse(door.exchange("HEAD /users/u-1 HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(Integer.toString("{\"method\":\"GET\"}".length()), user.headers.get("content-length"),
                "headAsGet runs the GET endpoint as a GET");
        Response notice = Response.parse(door.exchange("HEAD /notice HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(405, notice.status, "a route without HEAD refuses it");
        assertEquals("GET, POST", notice.headers.get("allow"));
    }

    @Test
    void aMalformedEscapeInTheQueryIs400UnlessTheRouteAnswersItsOwnRefusals() {
        Response bad = door.send(get("/notice?rid=%zz"));
        assertEquals(400, bad.status);
        assertTrue(bad.body.startsWith("{\"error\":\"malformed query string: "), bad.body);
        assertEquals(400, door.send(get("/nope?x=%E0%A4%A")).status, "checked before the path is known");
        assertEquals(2, door.metrics.httpErrors(400, "bad_query"));
        assertEquals("{\"refused\":\"bad_query\"}", door.send(get("/pixel?x=%zz")).body);
        assertEquals("{\"refused\":\"method\"}",
                door.send("POST /pixel HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").body);
        assertTrue(door.channel.isOpen());
    }

    @Test
    void anEndpointThatThrowsClosesOnlyItsConnectionCounted() {
        LambdaFrontDoor failing = new LambdaFrontDoor(metrics -> RouteTable.builder(metrics)
                .path("/boom").get((ctx, request) -> {
                    throw new IllegalStateException("boom");
                }).build());
        try {
            assertEquals("", failing.exchange(get("/boom")));
            assertEquals(1, failing.metrics.channelExceptions());
            assertFalse(failing.channel.isOpen());
        } finally {
            failing.close();
        }
    }

    private static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }
}
