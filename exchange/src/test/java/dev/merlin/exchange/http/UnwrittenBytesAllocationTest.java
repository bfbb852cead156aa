package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.management.ThreadMXBean;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * Counting an answer against the unwritten-answer budget allocates nothing: the tracker's write and the completion of
 * its promise, measured with the thread allocation counter (the promises are made before the measurement, as Netty
 * makes one per write whether or not the budget is there).
 */
class UnwrittenBytesAllocationTest {

    private static final int WARMUP = 200_000;
    private static final int MEASURED = 100_000;
    private static final int ROUNDS = 10;

    /** Stands for the socket: takes every write at once and completes its promise. */
    private static final class Kernel extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            promise.setSuccess();
        }
    }

    @Test
    void countingAWriteAndItsCompletionAllocatesNothing() {
        UnwrittenBytes budget = new UnwrittenBytes(1L << 30, new ExchangeMetrics());
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast("kernel", new Kernel());
        channel.pipeline().addLast("unwritten", budget.tracker());
        channel.pipeline().addLast("source", new ChannelInboundHandlerAdapter());
        ChannelHandlerContext source = channel.pipeline().context("source");
        ByteBuf answer = Unpooled.buffer(512).writerIndex(512);
        ChannelPromise[] promises = new ChannelPromise[MEASURED];
        for (int i = 0; i < WARMUP; i++) {
            source.write(answer, channel.newPromise());
        }
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS && fewest > 0; round++) {
            for (int i = 0; i < MEASURED; i++) {
                promises[i] = channel.newPromise();
            }
            long probe = threads.getThreadAllocatedBytes(id);
            long counterCost = threads.getThreadAllocatedBytes(id) - probe;
            long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < MEASURED; i++) {
                source.write(answer, promises[i]);
            }
            fewest = Math.min(fewest, threads.getThreadAllocatedBytes(id) - before - counterCost);
        }
        assertEquals(0, budget.bytes(), "every completed write was taken off");
        assertEquals(512, budget.peakBytes());
        // one allocation per write would be >= 16 bytes per write, 1.6 MB per round
        assertEquals(0.0, (double) fewest / MEASURED, 0.01, "bytes per write: " + fewest + " in the best round");
        channel.finishAndReleaseAll();
    }
}
