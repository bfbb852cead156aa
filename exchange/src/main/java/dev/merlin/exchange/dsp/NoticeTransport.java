package dev.merlin.exchange.dsp;

import dev.merlin.exchange.transport.IoTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.resolver.dns.DefaultDnsCache;
import io.netty.resolver.dns.DefaultDnsCnameCache;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The HTTP/1.1 client of {@link DspNotifier}: GETs a notice's URL on one event loop of its own (never a request's
 * loop), over keep-alive connections pooled per scheme, host and port, and tells the notifier how each call ended.
 *
 * <p>Every connection, pool and timer lives on that one loop: no lock. A call ends exactly once: with the answer's
 * status once its head is read (its body is read to the end only to keep the connection, and cut after
 * {@link DspNotifier#MAX_BODY_BYTES}), or with the failure (connect refused or timed out, the connection lost, an
 * unreadable answer, no answer within the call timeout). Names resolve on this loop with Netty's asynchronous DNS
 * resolver (never a blocking lookup: a name server that is slow to answer for one DSP's host delays no other call),
 * and a new connection goes only to the address {@link NoticeAddresses} checked.
 *
 * <p>Loss notices are pipelined: up to {@code pipelinedLosses} of them go out on one kept connection before their
 * answers, which come back in order (every HTTP/1.1 server must accept pipelined requests, RFC 9112 9.3.2; a GET
 * is safe to send again). A connection lost with calls unanswered ends each of them as failed, and the notifier
 * retries them. A win or billing notice goes out only on a connection with nothing else under way.
 *
 * <p>Bounded: the notifier keeps at most {@code maxInFlight} calls under way; at most {@link #MAX_KEPT_PER_ORIGIN}
 * connections are kept per DSP and origin, and only for the first {@link #MAX_ORIGINS} of those seen (a DSP's URLs
 * name its hosts, so a hostile one could name thousands: those calls still go out, on connections closed after use).
 */
final class NoticeTransport implements AutoCloseable {

    /** Keep-alive connections kept per origin (busy or idle); more calls at once go out on unkept ones. */
    static final int MAX_KEPT_PER_ORIGIN = 16;
    /** Origins whose connections are kept. */
    static final int MAX_ORIGINS = 256;
    /** The longest a notice host's address is kept, whatever the TTL of its name server's answer. */
    static final int MAX_TTL_SECONDS = 30;
    /** How long {@link #close} waits for the connections to close before it stops the loop. */
    private static final long CLOSE_WAIT_MILLIS = 5_000;

    /** How a call ended: {@code status} the answer's (then {@code failure} is null), or -1 with the failure. */
    interface Ended {
        void ended(Notice notice, int status, Throwable failure);
    }

    private final MultiThreadIoEventLoopGroup group;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Ended ended;
    private final NoticeAddresses addresses;
    /** Netty's asynchronous DNS resolver on the loop (the system's name servers and hosts file in production). */
    private final DnsNameResolver names;
    private final DefaultDnsCache addressCache;
    final long callTimeoutNanos;
    private final int pipelinedLosses;
    /** The kept connections per origin, busy or idle, in the order they were opened. */
    private final Map<String, List<NoticeConnection>> live = new HashMap<>();
    /** The connections written to by the calls being started, flushed once they all are. */
    private final List<NoticeConnection> written = new ArrayList<>();
    /** Every connection open now, closed and waited for before the loop stops (see {@link #close}). */
    private final ChannelGroup channels = new DefaultChannelGroup("merlin-dsp-notices", GlobalEventExecutor.INSTANCE,
            true); // stays closed: a connection dialled after close() is closed as it is added
    private SslContext sslContext;

    NoticeTransport(IoTransport io, Duration callTimeout, int pipelinedLosses, NoticeAddresses addresses,
                    DnsServerAddressStreamProvider nameServers, Ended ended) {
        this.pipelinedLosses = pipelinedLosses;
        this.addresses = addresses;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("merlin-dsp-notices", true),
                io.handlerFactory());
        this.loop = group.next();
        this.ended = ended;
        this.callTimeoutNanos = callTimeout.toNanos();
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(DspHttpClient.channelTypeFor(loop))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, callTimeout.toMillis()))
                .option(ChannelOption.TCP_NODELAY, true);
        this.addressCache = new DefaultDnsCache(0, MAX_TTL_SECONDS, 0);
        this.names = new DnsNameResolverBuilder(loop)
                .datagramChannelType(IoTransport.of(loop).datagramChannel())
                .socketChannelType(IoTransport.of(loop).socketChannel())
                .nameServerProvider(nameServers)
                .queryTimeoutMillis(Math.max(1, callTimeout.toMillis()))
                // a DSP's hosts are names on the internet: no search domains of Merlin's own network appended
                .searchDomains(List.of())
                .ndots(1)
                // answers kept at most MAX_TTL_SECONDS whatever TTL the DSP's name server gives (as the JDK's 30 s
                // cache), so a DSP naming a new host per notice grows no cache for long
                .resolveCache(addressCache)
                .cnameCache(new DefaultDnsCnameCache(0, MAX_TTL_SECONDS))
                // calls to one name while its first lookup is under way share that lookup
                .consolidateCacheSize(MAX_ORIGINS)
                .build();
    }

    /** The loop every call, connection and timer of this transport lives on; the notifier's passes run on it too. */
    EventLoop loop() {
        return loop;
    }

    /**
     * Calls each notice's {@link Notice#uri} (an http or https URL with a host), on the loop, with one flush per
     * connection they went out on. A call may end before this returns (a TLS context that cannot be built).
     */
    void startAll(List<Notice> calls) {
        for (int i = 0; i < calls.size(); i++) {
            start(calls.get(i));
        }
        for (NoticeConnection connection : written) {
            connection.flush();
        }
        written.clear();
    }

    private void start(Notice notice) {
        notice.lookupNanos = 0;
        URI uri = notice.uri;
        boolean isTls = "https".equalsIgnoreCase(uri.getScheme());
        String host = uri.getHost();
        int port = uri.getPort() >= 0 ? uri.getPort() : isTls ? 443 : 80;
        // connections are kept per DSP and origin: one DSP's notices never ride a connection another's opened
        String origin = notice.dsp + " " + (isTls ? "https://" : "http://") + host + ':' + port;
        String target = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            target = target + '?' + uri.getRawQuery();
        }
        String hostHeader = uri.getPort() >= 0 ? host + ':' + port : host;
        List<NoticeConnection> kept = live.get(origin);
        NoticeConnection connection = kept == null ? null : takerOf(kept, notice);
        if (connection != null) {
            connection.send(notice, target, hostHeader);
            if (!written.contains(connection)) {
                written.add(connection);
            }
            return;
        }
        SslContext tls;
        InetAddress literal;
        try {
            tls = isTls ? sslContext() : null;
            literal = NoticeAddresses.literal(host);
        } catch (SSLException | UnknownHostException e) {
            ended.ended(notice, -1, e);
            return;
        }
        Call call = new Call(notice, notice.uri, origin, tls, host, port, target, hostHeader);
        if (literal != null) {
            open(call, literal);
            return;
        }
        // a name resolves on this loop without blocking it: a slow name server delays only the calls to its names
        Future<InetAddress> resolving;
        try {
            resolving = names.resolve(host);
        } catch (IllegalArgumentException e) {
            ended.ended(notice, -1, notAHostName(host, e));
            return;
        }
        if (resolving.isDone()) {
            resolved(call, resolving);
            return;
        }
        // the lookup and the call share one deadline: a lookup still unanswered then fails (and is retried), and the
        // call's timeout counts from the lookup's start
        notice.lookupNanos = System.nanoTime();
        Future<?> deadline = loop.schedule(() -> resolving.cancel(false), callTimeoutNanos, TimeUnit.NANOSECONDS);
        resolving.addListener(done -> {
            deadline.cancel(false);
            resolved(call, resolving);
        });
    }

    private void resolved(Call call, Future<InetAddress> resolving) {
        if (call.notice.uri != call.uri || group.isShuttingDown()) {
            return; // dropped (and counted) by a drain that ran out of time while its name resolved
        }
        if (resolving.isSuccess()) {
            List<NoticeConnection> kept = live.get(call.origin);
            NoticeConnection opened = kept == null ? null : takerOf(kept, call.notice);
            if (opened != null) {
                // another call to this origin opened a connection while this one waited for the name: ride it
                opened.send(call.notice, call.target, call.hostHeader);
                opened.flush();
            } else {
                open(call, resolving.getNow());
            }
        } else if (resolving.cause() instanceof IllegalArgumentException) {
            ended.ended(call.notice, -1, notAHostName(call.host, resolving.cause()));
        } else {
            ended.ended(call.notice, -1, resolving.cause());
        }
    }

    /**
     * The refusal of a host the resolver will not ask for (a label over 63 characters, say), whether it said so at
     * once or in its answer: no server could answer it, so it is never retried.
     */
    private static NoticeAddresses.Refused notAHostName(String host, Throwable why) {
        return new NoticeAddresses.Refused(host + " is not a host name: " + why.getMessage());
    }

    /** A new connection for the call to {@code address} when a notice may go there; the address checked is dialled. */
    private void open(Call call, InetAddress address) {
        InetSocketAddress remote;
        try {
            remote = addresses.check(call.notice.dsp, call.host, address, call.port);
        } catch (NoticeAddresses.Refused e) {
            ended.ended(call.notice, -1, e);
            return;
        }
        NoticeConnection fresh = new NoticeConnection(this, call.origin, call.tls, call.host, call.port);
        keep(fresh, live.get(call.origin));
        ChannelFuture connecting = bootstrap.clone().handler(fresh).connect(remote);
        channels.add(connecting.channel());
        fresh.connect(connecting, call.notice, call.target, call.hostHeader);
    }

    /** A call that needs a new connection: the notice (and the URL it carried when asked), where and what to GET. */
    private record Call(Notice notice, URI uri, String origin, SslContext tls, String host, int port, String target,
                        String hostHeader) {
    }

    /** The first kept connection that may carry {@code notice} now, or null. */
    private NoticeConnection takerOf(List<NoticeConnection> kept, Notice notice) {
        for (int i = 0; i < kept.size(); i++) {
            NoticeConnection connection = kept.get(i);
            if (connection.mayCarry(notice.kind, pipelinedLosses)) {
                return connection;
            }
        }
        return null;
    }

    /** Keeps a new connection for later calls when its origin has room; otherwise it closes after its calls. */
    private void keep(NoticeConnection fresh, List<NoticeConnection> kept) {
        if (group.isShuttingDown()) {
            return;
        }
        if (kept == null && live.size() < MAX_ORIGINS) {
            kept = new ArrayList<>();
            live.put(fresh.origin, kept);
        }
        if (kept != null && kept.size() < MAX_KEPT_PER_ORIGIN) {
            kept.add(fresh);
            fresh.isKept = true;
        }
    }

    /** A connection whose calls were all answered and that may be kept alive: closed unless kept. On the loop. */
    void release(NoticeConnection connection) {
        if (!connection.isKept || group.isShuttingDown()) {
            connection.close();
        }
    }

    /** A connection closed (by the server, by a failure, or timed out): no longer offered. On the loop. */
    void forget(NoticeConnection connection) {
        List<NoticeConnection> kept = live.get(connection.origin);
        if (kept != null && kept.remove(connection) && kept.isEmpty()) {
            live.remove(connection.origin);
        }
    }

    /** The longest a notice host's address is kept (for tests). */
    int maxCachedTtlSeconds() {
        return names.resolveCache() == addressCache ? addressCache.maxTtl() : -1;
    }

    /** The connections kept for later calls, over every origin; read on the loop (for tests). */
    int keptConnections() {
        try {
            return loop.submit(() -> live.values().stream().mapToInt(List::size).sum()).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Tells the notifier how {@code notice}'s call ended. */
    void ended(Notice notice, int status, Throwable failure) {
        ended.ended(notice, status, failure);
    }

    /** Schedules {@code task} on the loop for when the call timeout has passed since a call sent waitedNanos ago. */
    Future<?> afterTimeout(Runnable task, long waitedNanos) {
        return loop.schedule(task, Math.max(0, callTimeoutNanos - waitedNanos), TimeUnit.NANOSECONDS);
    }

    private SslContext sslContext() throws SSLException {
        if (sslContext == null) {
            sslContext = SslContextBuilder.forClient().build();
        }
        return sslContext;
    }

    /**
     * Closes every connection and stops the loop (the notifier calls it once its calls are done or dropped). The
     * connections are closed first and waited for, so their queued reads complete and release their buffers: on
     * io_uring a read still in the ring when the loop stops is never completed (Netty 4.2.18 waits 200 ms).
     */
    @Override
    public void close() {
        channels.close().awaitUninterruptibly(CLOSE_WAIT_MILLIS);
        names.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
