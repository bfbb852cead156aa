package dev.merlin.exchange.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import dev.merlin.config.DspConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.ResourceLeakDetector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Heap allocated on the event loop per DSP call in steady state (a kept-alive connection, a 200 answer), measured
 * with the thread allocation counter over chains of calls each sent from the previous one's callback. Leak
 * detection is off while measuring (its records are allocations of their own), on again after.
 *
 * <p>What remains per call is Netty's: the deadline's scheduled task and the decoder's response, headers and last
 * content objects. The bound is a guard against a regression that adds per-call garbage (a lambda, a copy, a
 * boxed value), not a goal.
 */
@Timeout(120)
class DspClientAllocationIT {

    private static final int CALLS = 2_000;
    private static final long MAX_BYTES_PER_CALL = 2_048;
    private static final byte[] JSON = "{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}]}"
            .getBytes(StandardCharsets.UTF_8);
    private static final byte[] ANSWER = "{\"id\":\"r\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"price\":1}]}]}"
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void aKeptAliveCallAllocatesLittleOnTheLoop() throws Exception {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        try (StubDsp dsp = StubDsp.start(request -> request.respond(200, ANSWER))) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
            EventLoop loop = group.next();
            DspConfig config = DspConfig.builder().id("alloc-dsp").name("Alloc DSP").endpoint(dsp.url("http"))
                    .region("JPN").maxQps(0).timeoutMs(60_000).connectTimeoutMs(1000).maxInFlight(8).build();
            DspHealth health = DspHealth.of(config);
            DspHttpClient client = new DspHttpClient(config, 1 << 20, null, health,
                    new DspMetrics(new PrometheusRegistry()).dsp(config.id(), health));
            long fewest = Long.MAX_VALUE;
            for (int round = 0; round < 5; round++) {
                fewest = Math.min(fewest, chain(loop, client).get(60, TimeUnit.SECONDS) / CALLS);
            }
            assertTrue(client.closeConnections(5_000), "the client's connection closed before the loop stops");
            assertEquals(1, dsp.accepted.get(), "every call on one kept-alive connection");
            assertTrue(fewest <= MAX_BYTES_PER_CALL, fewest + " bytes per call on the loop");
            System.out.println("DspClientAllocationIT: " + fewest + " bytes allocated on the loop per call");
        } finally {
            ResourceLeakDetector.setLevel(level);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** {@code CALLS} calls one after the other on the loop; completes with the bytes the loop allocated. */
    private static CompletableFuture<Long> chain(EventLoop loop, DspHttpClient client) {
        Chain chain = new Chain(loop, client);
        loop.execute(chain::start);
        return chain.done;
    }

    /** Sends the next call from each call's callback, counting the loop's allocation from first send to last end. */
    private static final class Chain implements DspCallback {
        private final ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        private final CompletableFuture<Long> done = new CompletableFuture<>();
        private final EventLoop loop;
        private final DspHttpClient client;
        private int left = CALLS;
        private long before;

        Chain(EventLoop loop, DspHttpClient client) {
            this.loop = loop;
            this.client = client;
        }

        void start() {
            before = threads.getCurrentThreadAllocatedBytes();
            send();
        }

        @Override
        public Echo onAnswer(Object attachment, int status, ByteBuf body, DspOutcome outcome, long latencyNanos) {
            if (body != null) {
                body.release();
            }
            if (outcome != DspOutcome.OK) {
                done.completeExceptionally(new AssertionError("call ended " + outcome));
            } else if (--left == 0) {
                done.complete(threads.getCurrentThreadAllocatedBytes() - before);
            } else {
                send();
            }
            return Echo.UNREAD;
        }

        private void send() {
            ByteBuf json = ByteBufAllocator.DEFAULT.buffer(JSON.length).writeBytes(JSON);
            client.send(loop, json, null, System.nanoTime() + TimeUnit.SECONDS.toNanos(5), this, null);
        }
    }
}
