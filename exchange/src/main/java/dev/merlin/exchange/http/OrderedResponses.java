package dev.merlin.exchange.http;

import dev.merlin.exchange.metrics.StageLatency;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.MessageSizeEstimator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The one place a connection's answers leave in request order (HTTP/1.1 pipelining): every handler behind it may
 * answer whenever it knows the answer — the load shedder and seller gate on a request's headers, the inflater and the
 * aggregator mid-body, an endpoint at once, a slow one later — and this handler holds each answer until the answers
 * to every earlier request have gone out.
 *
 * <p>Requests are numbered as their heads pass. A write made while a request's parts are being read belongs to the
 * newest request; one made later (a timer's 408) belongs to the newest request too, so it follows every earlier
 * answer. An endpoint that answers later takes a ticket ({@link #defer()}) while its request is read and gives the
 * answer for it ({@link #answer}) on the event loop: answers to later requests may be ready first, and wait.
 *
 * <p>It also drives reading: the connection reads while its outbound buffer is under the high-water mark, no
 * pausing ticket ({@link #defer()}) and fewer than {@link #MAX_TICKETS} tickets are outstanding, and fewer than
 * {@link #MAX_HELD} held writes, of fewer bytes than the high-water mark, wait for their turn; it flushes when a read
 * completes. Held writes never reach the outbound buffer, so without their own limit a client that pipelines cheap
 * requests behind a pending auction, and never reads, would pile up their answers in memory. One instance per
 * connection, used on its event loop. Each flush that carries answers is timed as the {@code write} stage
 * ({@link StageLatency}) when it is given one.
 */
final class OrderedResponses extends ChannelDuplexHandler {

    private static final AttributeKey<OrderedResponses> KEY = AttributeKey.valueOf("merlin.orderedResponses");
    /** Answers a connection may owe at once, requests being answered later; one more pauses its reading. */
    static final int MAX_TICKETS = 32;
    /** Writes a connection may hold for their turn; reaching it pauses reading until they are written. */
    static final int MAX_HELD = MAX_TICKETS;

    /** A write waiting for the answers to earlier requests; {@code bytes} as the channel's size estimator counts. */
    private record Held(long request, Object msg, ChannelPromise promise, int bytes) {
    }

    /** Held writes by request number, in the order each request's writes were made. */
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    /** Sum of the {@code bytes} of {@link #held}. */
    private long heldBytes;
    /** Sizes writes as the outbound buffer does (a response's body; its head is not counted). */
    private MessageSizeEstimator.Handle sizes;
    private ChannelHandlerContext context;
    /** Number of the newest request read (1 for the first). */
    private long newest;
    /** Number of the newest request whose final answer has gone out. */
    private long answered;
    private int tickets;
    /** Tickets from {@link #defer()}, which pause reading until answered. */
    private int pausingTickets;
    private boolean isClosed;
    private final StageLatency stages;
    private StageLatency.Writer stageTimes;
    /** Whether answers were written since the last flush. */
    private boolean isUnflushed;

    /** Orders a connection's answers; flushes are not timed. */
    OrderedResponses() {
        this(null);
    }

    /** Orders a connection's answers and times each flush of them in {@code stages} (null: not timed). */
    OrderedResponses(StageLatency stages) {
        this.stages = stages;
    }

    /** The connection's instance, for an endpoint that answers later. */
    static OrderedResponses of(Channel channel) {
        return channel.attr(KEY).get();
    }

    /**
     * A ticket for the answer to the request being read now, to pass to {@link #answer} once it is known. Reading
     * pauses until it is answered, so that a client cannot pile up requests behind a slow one (a report).
     */
    long defer() {
        pausingTickets++;
        tickets++;
        updateAutoRead();
        return newest;
    }

    /**
     * A ticket, as {@link #defer()}, for an answer that comes within the request's own time budget (an auction
     * waiting for DSPs): later pipelined requests are still read and their auctions run meanwhile, until
     * {@link #MAX_TICKETS} answers are owed or the answers held behind it reach {@link #MAX_HELD} or the high-water
     * mark.
     */
    long deferWhileReading() {
        tickets++;
        updateAutoRead();
        return newest;
    }

    /** Gives the answer for {@code ticket}: written as soon as every earlier request is answered. Event loop only. */
    void answer(long ticket, FullHttpResponse response) {
        pausingTickets--;
        answerWhileReading(ticket, response);
    }

    /** Gives the answer for a ticket from {@link #deferWhileReading()}, as {@link #answer} does. */
    void answerWhileReading(long ticket, FullHttpResponse response) {
        tickets--;
        if (isClosed) {
            response.release();
            return;
        }
        send(ticket, response, context.newPromise());
        flush();
        updateAutoRead();
    }

    /** Requests read whose final answer has not gone out yet. */
    long unanswered() {
        return newest - answered;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
        sizes = ctx.channel().config().getMessageSizeEstimator().newHandle();
        stageTimes = stages == null ? null : stages.forThisThread();
        ctx.channel().attr(KEY).set(this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            newest++;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        send(newest, msg, promise);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.fireChannelReadComplete();
        flush();
    }

    /**
     * Reading stops while the outbound buffer is over its high-water mark (a client that pipelines and does not read
     * its answers) and resumes once it drains below the low mark, unless a ticket holds reading too.
     */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!ctx.channel().isWritable()) {
            // the flow-control handler stops mid-batch without a read-complete to come: push out what is written
            flush();
        }
        updateAutoRead();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseHeld();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
    }

    private void send(long request, Object msg, ChannelPromise promise) {
        if (isClosed) {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new ClosedChannelException());
            return;
        }
        if (request > answered + 1) {
            hold(request, msg, promise);
            return;
        }
        context.write(msg, promise);
        isUnflushed = true;
        if (request == answered + 1 && isFinal(msg)) {
            answered = request;
            writeHeld();
        }
    }

    /** Keeps a write after the held writes of its own and earlier requests, before those of later ones. */
    private void hold(long request, Object msg, ChannelPromise promise) {
        Held write = new Held(request, msg, promise, Math.max(sizes.size(msg), 0));
        heldBytes += write.bytes();
        if (held.isEmpty() || held.peekLast().request() <= request) {
            held.addLast(write);
        } else {
            ArrayDeque<Held> later = new ArrayDeque<>();
            while (!held.isEmpty() && held.peekLast().request() > request) {
                later.addFirst(held.pollLast());
            }
            held.addLast(write);
            held.addAll(later);
        }
        if (isHeldFull()) {
            updateAutoRead();
        }
    }

    /** Whether held writes are as many as {@link #MAX_HELD}, or as large as the write-buffer high-water mark. */
    private boolean isHeldFull() {
        return held.size() >= MAX_HELD || heldBytes >= context.channel().config().getWriteBufferHighWaterMark();
    }

    /** Writes the held answers whose turn has come, and flushes them. */
    private void writeHeld() {
        boolean isWritten = false;
        while (!held.isEmpty() && held.peekFirst().request() == answered + 1) {
            Held write = held.pollFirst();
            heldBytes -= write.bytes();
            context.write(write.msg(), write.promise());
            isWritten = true;
            if (isFinal(write.msg())) {
                answered = write.request();
            }
        }
        if (isWritten) {
            isUnflushed = true;
            flush();
            updateAutoRead();
        }
    }

    private void releaseHeld() {
        isClosed = true;
        for (Iterator<Held> it = held.iterator(); it.hasNext(); ) {
            Held write = it.next();
            it.remove();
            heldBytes -= write.bytes();
            ReferenceCountUtil.release(write.msg());
            write.promise().tryFailure(new ClosedChannelException());
        }
    }

    /**
     * Reads when neither backpressure, a ticket nor the held writes hold reading; turning it on flushes what it hands
     * over.
     */
    private void updateAutoRead() {
        Channel channel = context.channel();
        boolean isReading = channel.isWritable() && pausingTickets == 0 && tickets < MAX_TICKETS && !isHeldFull();
        channel.config().setAutoRead(isReading);
        if (isReading) {
            // the requests the flow-control handler kept come without a read-complete after them
            flush();
        }
    }

    /** Flushes what was written; a flush that carries answers is timed as the {@code write} stage. */
    private void flush() {
        if (!isUnflushed || stageTimes == null) {
            isUnflushed = false;
            context.flush();
            return;
        }
        isUnflushed = false;
        long start = System.nanoTime();
        context.flush();
        stageTimes.record(StageLatency.Stage.WRITE, System.nanoTime() - start);
    }

    /** Whether {@code msg} ends a request's answer (an informational 1xx such as 100 Continue does not). */
    private static boolean isFinal(Object msg) {
        return msg instanceof LastHttpContent && !(msg instanceof HttpResponse response
                && response.status().codeClass() == HttpStatusClass.INFORMATIONAL);
    }
}
