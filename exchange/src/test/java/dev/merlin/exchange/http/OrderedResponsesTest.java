package dev.merlin.exchange.http;

import static dev.merlin.exchange.http.LambdaFrontDoor.assertInOrder;
import static dev.merlin.exchange.http.LambdaFrontDoor.count;
import static dev.merlin.exchange.http.LambdaFrontDoor.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.exchange.DemoSeller;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Answers leave in request order whoever writes them and whenever: a slow route run off the event loop, an answer
 * given later through a ticket, and refusals that the handlers before the route table write early (413, 401,
 * bad_gzip). Real pipeline on an {@code EmbeddedChannel}, routes as lambdas, no Chronicle file; paranoid leak
 * detection checks every buffer was released.
 */
class OrderedResponsesTest {

    /** The slow-work executor: queues what it is given, and the test runs it, on this thread, when it chooses. */
    private final ArrayDeque<Runnable> slowQueue = new ArrayDeque<>();
    private boolean isSlowQueueFull;
    private final Executor slowWork = task -> {
        if (isSlowQueueFull) {
            throw new RejectedExecutionException("full");
        }
        slowQueue.add(task);
    };
    /** Tickets the {@code /later} route took, with the channel they belong to. */
    private final ArrayDeque<Long> tickets = new ArrayDeque<>();
    private LambdaFrontDoor door;

    @BeforeEach
    void open() {
        door = new LambdaFrontDoor(metrics -> RouteTable.builder(metrics)
                .path("/slow").get(new SlowWork((ctx, request) -> ok(ctx, "{\"slow\":true}"), slowWork, metrics))
                .path("/fast").get((ctx, request) -> ok(ctx, "{\"fast\":true}"))
                .path("/overflow").get(new SlowWork((ctx, request) -> {
                    throw new StackOverflowError("too deep");
                }, slowWork, metrics))
                .path("/later").get(this::later)
                .path(ExchangeRoutes.AUCTION_PATH).post((ctx, request) -> ok(ctx, "{\"auction\":true}"))
                .build());
    }

    private FullHttpResponse later(ChannelHandlerContext ctx, FullHttpRequest request) {
        tickets.add(OrderedResponses.of(ctx.channel()).defer());
        return null;
    }

    @AfterEach
    void close() {
        door.close();
        assertTrue(slowQueue.isEmpty(), "slow work left unrun");
    }

    @AfterAll
    static void noLeaks() {
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    private void runSlowWork() {
        for (Runnable task; (task = slowQueue.poll()) != null; ) {
            task.run();
        }
        door.channel.runPendingTasks();
    }

    @Test
    void aFastAnswerPipelinedBehindASlowOneWaitsForIt() {
        String before = door.exchange(get("/slow") + get("/fast"));
        assertEquals("", before, "the fast answer must not overtake the slow one");
        assertFalse(door.channel.config().isAutoRead(), "reading pauses while the slow answer is awaited");
        assertEquals("", door.readWhilePaused(4), "a request read meanwhile is answered, and its answer waits");
        runSlowWork();
        String answers = door.drain();
        assertInOrder(answers, "{\"slow\":true}", "{\"fast\":true}");
        assertEquals(2, count(answers, "HTTP/1.1 200 OK"));
        assertEquals(1, count(answers.toLowerCase(Locale.ROOT), "cache-control: no-store"), "the slow answer, a"
                + " report's or the admin's, is never kept by a cache; the fast one is not slow work: " + answers);
        assertTrue(door.channel.config().isAutoRead(), "and reads again once it is written");
        assertTrue(door.channel.isOpen());
    }

    @Test
    void anAnswerGivenLaterForRequestNIsWrittenBeforeTheReadyAnswersOfLaterRequests() {
        String before = door.exchange(get("/later") + get("/fast") + get("/fast"));
        assertEquals("", before, "nothing may go before the first request's answer");
        assertEquals("", door.readWhilePaused(8), "the ready answers of the requests behind it wait");
        OrderedResponses order = OrderedResponses.of(door.channel);
        assertEquals(1, tickets.size());
        order.answer(tickets.poll(), answer("{\"later\":true}"));
        door.channel.runPendingTasks();
        String answers = door.drain();
        assertInOrder(answers, "{\"later\":true}", "{\"fast\":true}", "{\"fast\":true}");
        assertEquals(0, order.unanswered());
    }

    @Test
    void twoLateAnswersGivenInReverseOrderStillLeaveInRequestOrder() {
        door.exchange(get("/later"));
        OrderedResponses order = OrderedResponses.of(door.channel);
        long first = tickets.poll();
        door.exchange(get("/later"));
        assertEquals("", door.readWhilePaused(4), "the ticket pauses reading; a read asked for still passes one");
        long second = tickets.poll();
        order.answer(second, answer("{\"n\":2}"));
        assertEquals("", door.drain(), "the second answer waits for the first");
        order.answer(first, answer("{\"n\":1}"));
        assertInOrder(door.drain(), "{\"n\":1}", "{\"n\":2}");
    }

    @Test
    void aTooLargeBodyRefusedEarlyDoesNotOvertakeTheSlowAnswerBeforeIt() {
        String oversized = "POST /fast HTTP/1.1\r\nHost: x\r\nContent-Length: " + (LambdaFrontDoor.MAX_BODY + 1)
                + "\r\n\r\n" + "x".repeat(LambdaFrontDoor.MAX_BODY + 1);
        assertEquals("", door.exchange(get("/slow") + oversized));
        assertEquals("", door.readWhilePaused(4), "the 413 is written on the headers, and waits its turn");
        runSlowWork();
        assertInOrder(door.drain(), "{\"slow\":true}", "HTTP/1.1 413 ", "larger than " + LambdaFrontDoor.MAX_BODY);
    }

    @Test
    void aStrangersAuctionRefusedOnItsHeadersDoesNotOvertakeTheSlowAnswerBeforeIt() {
        String stranger = "POST " + ExchangeRoutes.AUCTION_PATH + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
        String seller = "POST " + ExchangeRoutes.AUCTION_PATH + " HTTP/1.1\r\nHost: x\r\n" + DemoSeller.HEADER
                + "Content-Length: 2\r\n\r\n{}";
        assertEquals("", door.exchange(get("/slow") + stranger + seller));
        assertEquals("", door.readWhilePaused(8), "the 401 is written on the headers, and waits its turn");
        runSlowWork();
        assertInOrder(door.drain(), "{\"slow\":true}", "HTTP/1.1 401 ", "{\"auction\":true}");
        assertEquals(1, door.metrics.bidRequestsUnauthorized("no_credentials"));
    }

    @Test
    void aBadGzipBodyRefusedMidBodyDoesNotOvertakeTheSlowAnswerBeforeIt() {
        String badGzip = "POST /fast HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello";
        assertEquals("", door.exchange(get("/slow") + badGzip));
        assertEquals("", door.readWhilePaused(4), "the 400 is written mid-body, and waits its turn");
        assertTrue(door.channel.isOpen(), "the close waits for the 400 to be written");
        runSlowWork();
        String answers = door.drain();
        assertInOrder(answers, "{\"slow\":true}", "HTTP/1.1 400 ", "bad_gzip");
        assertFalse(door.channel.isOpen(), "then the connection closes");
    }

    @Test
    void aFullSlowWorkQueueIs503AndReadingGoesOn() {
        isSlowQueueFull = true;
        String answers = door.exchange(get("/slow") + get("/fast"));
        assertInOrder(answers, "HTTP/1.1 503 ", "too many reports", "{\"fast\":true}");
        assertEquals(1, door.metrics.httpErrors(503, "reports_busy"));
        assertTrue(door.channel.config().isAutoRead());
    }

    @Test
    void aSlowRouteThatThrowsAnErrorIsAnswered500AndTheConnectionCarriesOn() {
        assertEquals("", door.exchange(get("/overflow") + get("/fast")));
        runSlowWork();
        String answers = door.drain();
        assertInOrder(answers, "HTTP/1.1 500 ", "the request failed on the server", "{\"fast\":true}");
        assertFalse(answers.contains("StackOverflowError") || answers.contains("too deep"), "what failed is for the"
                + " log, not the caller: " + answers);
        assertEquals(1, door.metrics.httpErrors(500, "slow_work_failed"));
        assertTrue(door.channel.config().isAutoRead(), "reading goes on");
        assertEquals("", door.exchange(get("/slow")));
        runSlowWork();
        assertInOrder(door.drain(), "{\"slow\":true}");
        assertTrue(door.channel.isOpen());
    }

    @Test
    void answersHeldWhenTheConnectionClosesAreReleased() {
        door.exchange(get("/later") + get("/fast") + get("/fast"));
        door.readWhilePaused(8);
        long ticket = tickets.poll();
        door.channel.close();
        OrderedResponses.of(door.channel).answer(ticket, answer("{}"));
        assertEquals("", door.drain(), "nothing is written on a closed connection");
        // the held answers and the late one are released: the leak check after all tests fails otherwise
    }

    @Test
    void aSlowAnswerFinishedAfterTheConnectionClosedIsReleased() {
        door.exchange(get("/slow"));
        door.channel.close();
        runSlowWork();
        assertEquals("", door.drain());
    }

    private FullHttpResponse answer(String body) {
        return HttpResponses.json(door.channel.alloc(), HttpResponseStatus.OK, body);
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }
}
