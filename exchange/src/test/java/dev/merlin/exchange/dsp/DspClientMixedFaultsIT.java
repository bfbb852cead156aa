package dev.merlin.exchange.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.DspConfig;
import dev.merlin.exchange.http.RecordingLeakDetector;
import dev.merlin.exchange.transport.TestTransports;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Many calls at once to a DSP that answers each one differently (well, 204, 503, late, never, or by closing), from
 * two event loops sharing one client: every call that was sent ends exactly once, on its own loop, and afterwards
 * nothing is in flight, every buffer is released and the counts agree with the endings. On each transport Merlin can
 * run on ({@code server.transport}), one call per connection at a time and four (pipelining; the stub's late answers
 * then break HTTP's order, which must not break the client's one ending per call either).
 */
@Timeout(120)
@ParameterizedClass(name = "{0}, pipelining {1}")
@CsvSource({"io_uring, 1", "io_uring, 4", "epoll, 1", "epoll, 4", "nio, 1", "nio, 4"})
class DspClientMixedFaultsIT {

    private static final int CALLS_PER_LOOP = 150;
    private static final int MAX_IN_FLIGHT = 8;
    private static final int BURST = 12;
    private static final long DEADLINE_MILLIS = 400;

    @Parameter(0)
    String transportName;
    @Parameter(1)
    int pipelining;

    @Test
    void everyCallEndsExactlyOnce() throws Exception {
        EventLoopGroup group = TestTransports.group(TestTransports.assumeAvailable(transportName), 2);
        StubDsp dsp = StubDsp.start(DspClientMixedFaultsIT::answer);
        try {
            DspConfig config = DspConfig.builder().id("mixed-dsp").name("Mixed DSP").endpoint(dsp.url("http"))
                    .region("JPN").maxQps(0).timeoutMs(60_000).connectTimeoutMs(1000).maxInFlight(MAX_IN_FLIGHT).build()
                    .withPipelining(pipelining);
            DspHealth health = DspHealth.of(config);
            DspMetrics.ForDsp series = new DspMetrics(new PrometheusRegistry()).dsp(config.id(), health);
            DspHttpClient client = new DspHttpClient(config, 1 << 20, null, health, series);
            EventLoop first = group.next();
            EventLoop second = group.next();
            assertFalse(first == second, "two loops");
            // a first call with time to spare: class loading and JIT on a cold JVM can outlast a short deadline
            warmUp(first, client);
            warmUp(second, client);
            Tally firstTally = new Tally(first, 1);
            Tally secondTally = new Tally(second, 2);
            first.submit(() -> firstTally.sendAll(client)).get(30, TimeUnit.SECONDS);
            second.submit(() -> secondTally.sendAll(client)).get(30, TimeUnit.SECONDS);
            firstTally.done.get(30, TimeUnit.SECONDS);
            secondTally.done.get(30, TimeUnit.SECONDS);
            for (Tally tally : List.of(firstTally, secondTally)) {
                assertTrue(tally.isComplete(), "endings " + tally.ended + " of " + tally.sent);
                assertEquals(0, first.submit(client::inFlightOnThisLoop).get(10, TimeUnit.SECONDS));
                for (int i = 0; i < CALLS_PER_LOOP; i++) {
                    assertTrue(tally.endings[i] == (tally.wasSent[i] ? 1 : 0), "call " + i + " ended "
                            + tally.endings[i] + " times");
                }
                assertEquals(0, tally.offLoop, "every ending on the call's own loop");
            }
            assertEquals(0, second.submit(client::inFlightOnThisLoop).get(10, TimeUnit.SECONDS));
            assertEquals(0, series.inFlight());
            Map<DspOutcome, Integer> byOutcome = new EnumMap<>(DspOutcome.class);
            firstTally.outcomes.forEach((k, v) -> byOutcome.merge(k, v, Integer::sum));
            secondTally.outcomes.forEach((k, v) -> byOutcome.merge(k, v, Integer::sum));
            for (DspOutcome outcome : DspOutcome.values()) {
                int callbacks = byOutcome.getOrDefault(outcome, 0);
                long refused = outcome == DspOutcome.REFUSED_IN_FLIGHT
                        ? CALLS_PER_LOOP * 2L - firstTally.sent - secondTally.sent : 0;
                if (outcome == DspOutcome.REFUSED_IN_FLIGHT) {
                    assertEquals(2L * (BURST - MAX_IN_FLIGHT), refused, "the bursts over the bound were refused");
                }
                int warmUps = outcome == DspOutcome.NO_BID ? 2 : 0;
                assertEquals(callbacks + refused + warmUps, series.outcomes(outcome), "count of " + outcome);
            }
            assertTrue(byOutcome.getOrDefault(DspOutcome.OK, 0) > 0 && byOutcome.getOrDefault(DspOutcome.TIMEOUT, 0) > 0
                    && byOutcome.getOrDefault(DspOutcome.RESET, 0) > 0, "a mix of endings: " + byOutcome + " accepted "
                    + dsp.accepted.get() + " requests " + dsp.requests.size() + " out of step "
                    + (firstTally.mismatched + secondTally.mismatched));
            assertTrue(client.closeConnections(5_000), "the client's connections closed before the loop stops");
        } finally {
            dsp.close();
            TestTransports.shutDown(group);
        }
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    private static void warmUp(EventLoop loop, DspHttpClient client) throws Exception {
        CompletableFuture<DspOutcome> ended = new CompletableFuture<>();
        loop.execute(() -> {
            ByteBuf body = ByteBufAllocator.DEFAULT.buffer();
            body.writeCharSequence("{\"id\":\"warm\",\"mode\":1}", StandardCharsets.UTF_8);
            client.send(loop, body, "warm", System.nanoTime() + TimeUnit.SECONDS.toNanos(20),
                    (attachment, status, answer, outcome, latencyNanos) -> {
                        ended.complete(outcome);
                        return DspCallback.Echo.UNREAD;
                    }, null);
        });
        assertEquals(DspOutcome.NO_BID, ended.get(30, TimeUnit.SECONDS));
    }

    /**
     * Answers by the mode the request names: its first digit after {@code "mode":}. A prompt 200 echoes the request's
     * id; a late one carries another ({@code "late"}), so that on a connection that echoed before the client closes
     * it as out of step and sends the calls behind once more.
     */
    private static void answer(StubDsp.Request request) {
        String body = new String(request.body(), StandardCharsets.UTF_8);
        int mode = body.charAt(body.indexOf("\"mode\":") + 7) - '0';
        String id = body.substring(body.indexOf("\"id\":\"") + 6, body.indexOf("\",\"mode\""));
        switch (mode) {
            case 0 -> request.respond(200, ("{\"id\":\"" + id + "\",\"seatbid\":[]}").getBytes(StandardCharsets.UTF_8));
            case 1 -> request.respond(204, new byte[0]);
            case 2 -> request.respond(503, new byte[0]);
            case 3 -> request.ctx().close();
            case 4 -> request.ctx().executor().schedule(
                    () -> request.respond(200, "{\"id\":\"late\"}".getBytes(StandardCharsets.UTF_8)), 200 + mode * 60L,
                    TimeUnit.MILLISECONDS);
            default -> { }
        }
    }

    /**
     * One loop's calls and what became of them: a burst over the in-flight bound (some refused), then one more call
     * from each ending until all are made. Touched only on that loop; the test reads it after {@link #done}.
     */
    private static final class Tally implements DspCallback {
        private final EventLoop loop;
        private final SplittableRandom random;
        final int[] endings = new int[CALLS_PER_LOOP];
        final boolean[] wasSent = new boolean[CALLS_PER_LOOP];
        final Map<DspOutcome, Integer> outcomes = new EnumMap<>(DspOutcome.class);
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private DspHttpClient client;
        private int attempts;
        int sent;
        int ended;
        int offLoop;
        /** Answers that carried another call's id (the late ones), which close a connection that echoed before. */
        int mismatched;

        Tally(EventLoop loop, long seed) {
            this.loop = loop;
            this.random = new SplittableRandom(seed);
        }

        void sendAll(DspHttpClient dspClient) {
            client = dspClient;
            for (int i = 0; i < BURST; i++) {
                sendNext();
            }
        }

        private void sendNext() {
            int i = attempts++;
            int mode = random.nextInt(6);
            ByteBuf body = ByteBufAllocator.DEFAULT.buffer();
            body.writeCharSequence("{\"id\":\"" + i + "\",\"mode\":" + mode + "}", StandardCharsets.UTF_8);
            wasSent[i] = client.send(loop, body, Integer.toString(i),
                    System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS), this, i);
            if (wasSent[i]) {
                sent++;
            }
        }

        boolean isComplete() {
            return attempts == CALLS_PER_LOOP && ended == sent;
        }

        @Override
        public Echo onAnswer(Object attachment, int status, ByteBuf body, DspOutcome outcome, long latencyNanos) {
            Echo echo = Echo.UNREAD;
            if (body != null) {
                String text = body.toString(StandardCharsets.UTF_8);
                echo = text.startsWith("{\"id\":\"" + attachment + "\"") ? Echo.MATCHED : Echo.MISMATCHED;
                if (echo == Echo.MISMATCHED) {
                    mismatched++;
                }
                body.release();
            }
            if (!loop.inEventLoop()) {
                offLoop++;
            }
            endings[(Integer) attachment]++;
            outcomes.merge(outcome, 1, Integer::sum);
            ended++;
            if (attempts < CALLS_PER_LOOP) {
                sendNext();
            }
            if (isComplete()) {
                done.complete(null);
            }
            return echo;
        }
    }
}
