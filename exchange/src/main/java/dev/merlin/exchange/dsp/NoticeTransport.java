package dev.merlin.exchange.dsp;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The HTTP/1.1 client of {@link DspNotifier}: GETs a notice's URL on one event loop of its own (never a request's
 * loop), over keep-alive connections pooled per scheme, host and port, and tells the notifier how each call ended.
 *
 * <p>Every connection, pool and timer lives on that one loop: no lock. A call ends exactly once: with the answer's
 * status once its head is read (its body is read to the end only to keep the connection, and cut after
 * {@link DspNotifier#MAX_BODY_BYTES}), or with the failure (connect refused or timed out, the connection lost, an
 * unreadable answer, no answer within the call timeout). Names resolve on this loop, never on a request's.
 *
 * <p>Bounded: the notifier keeps at most {@code maxInFlight} calls under way; at most {@link #MAX_IDLE_PER_ORIGIN}
 * idle connections are kept per origin and idle connections only for the first {@link #MAX_ORIGINS} origins seen
 * (a DSP's URLs name its hosts, so a hostile one could name thousands: those calls still go out, on connections
 * closed after use).
 */
final class NoticeTransport implements AutoCloseable {

    /** Idle keep-alive connections kept per origin. */
    static final int MAX_IDLE_PER_ORIGIN = 16;
    /** Origins whose idle connections are kept. */
    static final int MAX_ORIGINS = 256;

    /** How a call ended: {@code status} the answer's (then {@code failure} is null), or -1 with the failure. */
    interface Ended {
        void ended(Notice notice, int status, Throwable failure);
    }

    private final MultiThreadIoEventLoopGroup group;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Ended ended;
    final long callTimeoutNanos;
    private final Map<String, ArrayDeque<NoticeConnection>> idle = new HashMap<>();
    private SslContext sslContext;

    NoticeTransport(Duration callTimeout, Ended ended) {
        IoHandlerFactory io = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("merlin-dsp-notices-io", true), io);
        this.loop = group.next();
        this.ended = ended;
        this.callTimeoutNanos = callTimeout.toNanos();
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(DspHttpClient.channelTypeFor(loop))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, callTimeout.toMillis()))
                .option(ChannelOption.TCP_NODELAY, true);
    }

    /** Calls {@code uri} (an http or https URL with a host) for {@code notice}, from any thread. */
    void call(Notice notice, URI uri) {
        loop.execute(() -> start(notice, uri));
    }

    private void start(Notice notice, URI uri) {
        boolean isTls = "https".equalsIgnoreCase(uri.getScheme());
        String host = uri.getHost();
        int port = uri.getPort() >= 0 ? uri.getPort() : isTls ? 443 : 80;
        String origin = (isTls ? "https://" : "http://") + host + ':' + port;
        String target = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            target = target + '?' + uri.getRawQuery();
        }
        String hostHeader = uri.getPort() >= 0 ? host + ':' + port : host;
        ArrayDeque<NoticeConnection> kept = idle.get(origin);
        NoticeConnection connection = kept == null ? null : kept.pollLast();
        if (connection != null) {
            connection.send(notice, target, hostHeader);
            return;
        }
        SslContext tls;
        try {
            tls = isTls ? sslContext() : null;
        } catch (SSLException e) {
            ended.ended(notice, -1, e);
            return;
        }
        NoticeConnection fresh = new NoticeConnection(this, origin, tls, host, port);
        fresh.connect(bootstrap.clone().handler(fresh).connect(host, port), notice, target, hostHeader);
    }

    /** A connection whose answer was read to its end, kept alive: idle, when there is room. On the loop. */
    void release(NoticeConnection connection) {
        ArrayDeque<NoticeConnection> kept = idle.get(connection.origin);
        if (kept == null && idle.size() < MAX_ORIGINS && !group.isShuttingDown()) {
            kept = new ArrayDeque<>();
            idle.put(connection.origin, kept);
        }
        if (kept == null || kept.size() >= MAX_IDLE_PER_ORIGIN || group.isShuttingDown()) {
            connection.close();
        } else {
            kept.addLast(connection);
        }
    }

    /** An idle connection closed (by the server, or timed out): no longer offered. On the loop. */
    void forget(NoticeConnection connection) {
        ArrayDeque<NoticeConnection> kept = idle.get(connection.origin);
        if (kept != null) {
            kept.remove(connection);
        }
    }

    /** Tells the notifier how {@code notice}'s call ended. */
    void ended(Notice notice, int status, Throwable failure) {
        ended.ended(notice, status, failure);
    }

    /** Schedules {@code task} on the loop after the call timeout. */
    Future<?> afterTimeout(Runnable task) {
        return loop.schedule(task, callTimeoutNanos, TimeUnit.NANOSECONDS);
    }

    private SslContext sslContext() throws SSLException {
        if (sslContext == null) {
            sslContext = SslContextBuilder.forClient().build();
        }
        return sslContext;
    }

    /** Closes every connection and stops the loop (the notifier calls it once its calls are done or dropped). */
    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
