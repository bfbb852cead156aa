package dev.merlin.exchange.dsp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.resolver.NoopAddressResolverGroup;
import java.util.ArrayDeque;

/**
 * One DSP's connections and calls on one event loop, touched only by that loop: the keep-alive pool (most recently
 * used first, so the warm connections stay warm and the rest can idle out at the DSP), the count of calls in flight
 * against {@code maxInFlight}, the pooled call state, and the gzip compressor.
 *
 * <p>With {@code pipelining} above 1, new calls join the connection filled last until it carries that many, and
 * their requests are flushed once, at the end of the loop's turn: the requests sent while the loop handles one batch
 * of inbound reads leave in one write per connection, and their answers come back in one read. A DSP that turns out
 * to keep no connection alive gets one call per connection from then on ({@link #stopPipelining}).
 */
final class DspConnections {

    final DspHttpClient client;
    final EventLoop loop;
    private final Bootstrap bootstrap;
    private final ArrayDeque<DspConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<DspCall> freeCalls = new ArrayDeque<>();
    private final ArrayDeque<DspConnection> toFlush = new ArrayDeque<>();
    private final Runnable flushTask = this::flushWritten;
    /** The connection new calls join while it has room (pipelining), or null. */
    private DspConnection filling;
    /** Whether calls share connections: the DSP's {@code pipelining} is above 1 and it keeps connections alive. */
    private boolean isPipelining;
    private int inFlight;
    private int open;
    private GzipBodies gzip;

    DspConnections(DspHttpClient client, EventLoop loop) {
        this.client = client;
        this.loop = loop;
        this.isPipelining = client.pipelining > 1;
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(DspHttpClient.channelTypeFor(loop))
                // the address was resolved at start-up; an unresolved one fails to connect rather than block on DNS
                .resolver(NoopAddressResolverGroup.INSTANCE)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, client.connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .remoteAddress(client.address);
    }

    boolean send(ByteBuf body, String answerId, long deadlineNanos, DspCallback callback, Object attachment) {
        if (inFlight >= client.maxInFlight) {
            body.release();
            client.metrics.refused();
            client.health.record(DspOutcome.REFUSED_IN_FLIGHT, 0);
            return false;
        }
        ByteBuf payload = client.isGzip ? gzip().compress(alloc(), body) : body;
        DspCall call = freeCalls.isEmpty() ? new DspCall(this) : freeCalls.pollLast();
        inFlight++;
        client.metrics.sent();
        if (!call.begin(payload, answerId, deadlineNanos, callback, attachment)) {
            // no time left: nothing goes out, and the call ends as timed out on the loop's next turn
            call.end(DspOutcome.TIMEOUT, 0, null);
        } else {
            place(call);
        }
        call.sendReturned();
        return true;
    }

    /**
     * Puts {@code call} on a connection: the one being filled (unless it carries a call with the same request id,
     * so that an answer out of step always shows in its id), an idle one, or a new one.
     */
    void place(DspCall call) {
        if (client.isClosed()) {
            // the server is stopping and closed the DSP's connections: nothing goes out, nothing new is dialled
            call.end(DspOutcome.RESET, 0, null);
            return;
        }
        if (filling != null && filling.hasRoom(call)) {
            filling.start(call);
            return;
        }
        DspConnection connection = pollIdle();
        if (connection != null) {
            connection.start(call);
        } else {
            connection = connect(call);
        }
        if (isPipelining) {
            filling = connection;
        }
    }

    /**
     * The DSP closed a connection after its first answer with calls queued behind it: its server keeps no
     * connection alive, so from now on this loop gives each call a connection of its own. A server that closes
     * after many answers (a per-connection request limit) keeps pipelining.
     */
    void stopPipelining() {
        if (isPipelining) {
            isPipelining = false;
            filling = null;
            client.warnNoKeepAlive();
        }
    }

    /** Opens a new connection for {@code call}; the request goes out once it connects. */
    private DspConnection connect(DspCall call) {
        DspConnection connection = new DspConnection(this);
        open++;
        connection.attach(call);
        ChannelFuture connecting = bootstrap.clone().handler(connection).connect();
        client.opened(connecting.channel());
        connection.connecting(connecting);
        return connection;
    }

    /** {@code connection} wrote a request: it is flushed at the end of this turn of the loop, with the others. */
    void flushSoon(DspConnection connection) {
        if (!connection.isFlushPending) {
            connection.isFlushPending = true;
            if (toFlush.isEmpty()) {
                loop.execute(flushTask);
            }
            toFlush.addLast(connection);
        }
    }

    private void flushWritten() {
        DspConnection connection;
        while ((connection = toFlush.pollFirst()) != null) {
            connection.isFlushPending = false;
            connection.flush();
        }
    }

    /** A connection whose answer was complete and kept alive: idle, unless the client closed or enough are idle. */
    void release(DspConnection connection) {
        if (connection == filling && !client.isClosed()) {
            return;  // new calls join it first
        }
        if (client.isClosed() || idle.size() >= client.maxInFlight) {
            connection.close();
        } else {
            connection.isIdle = true;
            idle.addLast(connection);
        }
    }

    /** A connection closed: it leaves the pool. */
    void closed(DspConnection connection) {
        open--;
        if (connection == filling) {
            filling = null;
        }
        if (connection.isIdle) {
            connection.isIdle = false;
            idle.remove(connection);
        }
    }

    /** A call ended: one fewer in flight. */
    void ended() {
        inFlight--;
    }

    void recycle(DspCall call) {
        if (freeCalls.size() < client.maxInFlight) {
            freeCalls.addLast(call);
        }
    }

    int inFlight() {
        return inFlight;
    }

    int openConnections() {
        return open;
    }

    /** From any thread: closes this loop's idle connections on the loop. */
    void closeIdle() {
        if (loop.isShuttingDown()) {
            return;  // the loop closes its channels as it stops
        }
        loop.execute(() -> {
            DspConnection connection;
            while ((connection = idle.pollLast()) != null) {
                connection.isIdle = false;
                connection.close();
            }
            if (filling != null && filling.isEmpty()) {
                filling.close();
            }
        });
    }

    private DspConnection pollIdle() {
        DspConnection connection;
        while ((connection = idle.pollLast()) != null) {
            connection.isIdle = false;
            if (connection.isReusable()) {
                return connection;
            }
            connection.close();
        }
        return null;
    }

    ByteBufAllocator alloc() {
        return ByteBufAllocator.DEFAULT;
    }

    /** This loop's gzip codec, made on first use. */
    GzipBodies gzip() {
        if (gzip == null) {
            gzip = new GzipBodies();
        }
        return gzip;
    }
}
