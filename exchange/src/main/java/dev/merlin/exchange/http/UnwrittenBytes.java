package dev.merlin.exchange.http;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.internal.OutOfDirectMemoryError;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server-wide budget for answers written but not yet taken by the kernel ({@code server.maxUnwrittenBytes}),
 * beside each connection's write-buffer water marks: many clients that each send a request and never read could
 * otherwise hold the whole of direct memory between them, one connection's share at a time.
 *
 * <p>Each connection's {@link Tracker}, the outbound handler nearest the socket, adds every buffer it passes on and
 * takes it off when the write's promise completes (written to the kernel, or failed when the connection closed).
 * Writes on a channel complete in the order they were written, so a small ring of sizes per connection is all the
 * bookkeeping there is: no allocation per write once the ring has grown to the connection's depth.
 *
 * <p>Over the budget, {@link LoadShedder} answers new requests {@code 503}, and a connection that writes while over
 * it is marked unwritable (a user-defined writability bit), so {@link OrderedResponses} stops reading it as it does at
 * its high-water mark; it reads again once its own answers are all taken, or the total is back under the budget.
 */
public final class UnwrittenBytes {

    /** The user-defined writability bit this budget clears on a connection that is behind. */
    static final int BEHIND_BUDGET = 1;

    private final AtomicLong total = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final long budgetBytes;
    private final ExchangeMetrics metrics;

    /** A budget of {@code budgetBytes} over every connection that has a {@link #tracker()}. */
    public UnwrittenBytes(long budgetBytes, ExchangeMetrics metrics) {
        this.budgetBytes = budgetBytes;
        this.metrics = metrics;
    }

    /** Whether answers not yet taken by the kernel are over the budget now. */
    public boolean isOverBudget() {
        return total.get() > budgetBytes;
    }

    /** Bytes of answers written but not yet taken by the kernel, over all connections. */
    public long bytes() {
        return total.get();
    }

    /** The most {@link #bytes()} has been since start. */
    public long peakBytes() {
        return peak.get();
    }

    /** The budget, in bytes. */
    public long budgetBytes() {
        return budgetBytes;
    }

    /** A new connection's tracker: put it first in the pipeline, so that it sees the encoded bytes. */
    Tracker tracker() {
        return new Tracker();
    }

    private void add(long bytes) {
        long now = total.addAndGet(bytes);
        long before = peak.get();
        if (now > before) {
            peak.compareAndSet(before, now); // a lost race leaves a peak a little low; it is a gauge, not a bound
        }
    }

    /** Counts an out-of-memory error by kind: the type tells them apart, never the message. */
    static void countOutOfMemory(ExchangeMetrics metrics, Throwable error) {
        if (error instanceof OutOfDirectMemoryError) {
            metrics.outOfMemory("direct");
        } else if (error instanceof OutOfMemoryError) {
            metrics.outOfMemory("heap");
        }
    }

    /** One connection's share of the budget; one instance per connection, used on its event loop only. */
    final class Tracker extends ChannelOutboundHandlerAdapter implements ChannelFutureListener {

        /** Sizes of the writes not yet completed, oldest at {@code head}: a ring that doubles when full. */
        private long[] sizes = new long[8];
        private int head;
        private int count;
        private long pendingBytes;
        private boolean isHeld;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            long size = sizeOf(msg);
            if (size == 0 || promise.isVoid()) {
                ctx.write(msg, promise);
                return;
            }
            push(size);
            pendingBytes += size;
            add(size);
            promise.addListener(this);
            ctx.write(msg, promise);
            if (!isHeld && isOverBudget() && pendingBytes > 0) {
                isHeld = true;
                ChannelOutboundBuffer outbound = ctx.channel().unsafe().outboundBuffer();
                if (outbound != null) {
                    outbound.setUserDefinedWritability(BEHIND_BUDGET, false);
                }
            }
        }

        @Override
        public void operationComplete(ChannelFuture future) {
            long size = pop();
            pendingBytes -= size;
            add(-size);
            if (!future.isSuccess()) {
                countOutOfMemory(metrics, future.cause());
            }
            if (isHeld && (pendingBytes == 0 || !isOverBudget())) {
                isHeld = false;
                ChannelOutboundBuffer outbound = future.channel().unsafe().outboundBuffer();
                if (outbound != null) {
                    outbound.setUserDefinedWritability(BEHIND_BUDGET, true);
                }
            }
        }

        private void push(long size) {
            if (count == sizes.length) {
                long[] grown = new long[sizes.length * 2];
                for (int i = 0; i < count; i++) {
                    grown[i] = sizes[(head + i) % sizes.length];
                }
                sizes = grown;
                head = 0;
            }
            sizes[(head + count) % sizes.length] = size;
            count++;
        }

        private long pop() {
            long size = sizes[head];
            head = (head + 1) % sizes.length;
            count--;
            return size;
        }

        private static long sizeOf(Object msg) {
            if (msg instanceof ByteBuf buf) {
                return buf.readableBytes();
            }
            if (msg instanceof ByteBufHolder holder) {
                return holder.content().readableBytes();
            }
            return 0;
        }
    }
}
