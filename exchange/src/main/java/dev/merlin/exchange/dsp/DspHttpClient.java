package dev.merlin.exchange.dsp;

import dev.merlin.config.DspConfig;
import dev.merlin.exchange.transport.IoTransport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls one DSP over HTTP/1.1 from the event loop of the inbound request that needs it: no thread hop, no lock.
 *
 * <p>Each event loop gets its own {@link DspConnections} the first time it calls (a {@link FastThreadLocal}): a
 * keep-alive pool of connections made on that loop, its own bound of {@code maxInFlight} calls, and its own pooled
 * call state. A connection carries one call at a time, or up to the DSP's {@code pipelining} ({@link DspConnection}).
 * A call is a POST of the body the caller encoded ({@code Content-Type: application/json}, {@code x-openrtb-version},
 * optionally gzip-compressed), and ends exactly once on the same loop: the answer, or the typed reason there is none
 * ({@link DspOutcome}). Every ending is counted in {@link DspMetrics} and recorded in
 * the DSP's {@link DspHealth}, here and nowhere else.
 *
 * <p>The endpoint's host is resolved once, here at start-up: nothing resolves names on an event loop.
 */
public final class DspHttpClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DspHttpClient.class);

    final String dspId;
    final InetSocketAddress address;
    final String host;
    final SslContext sslContext;
    final boolean isGzip;
    final int connectTimeoutMillis;
    final long timeoutNanos;
    final int maxInFlight;
    /** Calls one connection carries at once (HTTP/1.1 pipelining); 1: one at a time. */
    final int pipelining;
    final int maxResponseBytes;
    final DspHealth health;
    final DspMetrics.ForDsp metrics;
    /** The request head up to the value of Content-Length: the same bytes for every call. */
    final byte[] requestHead;

    private final FastThreadLocal<DspConnections> perLoop = new FastThreadLocal<>();
    private final Set<DspConnections> everyLoop = ConcurrentHashMap.newKeySet();
    /** Every connection open to the DSP, busy or idle, on any loop (a closed one leaves by itself). */
    private final ChannelGroup channels;
    private final AtomicBoolean isNoKeepAliveLogged = new AtomicBoolean();
    private final AtomicBoolean isOutOfStepLogged = new AtomicBoolean();
    private volatile boolean isClosed;

    /**
     * A client of {@code dsp} (start-up work: resolves its host).
     *
     * @param dsp              the DSP's endpoint, OpenRTB version, gzip, connect timeout, in-flight bound and
     *                         pipelining
     * @param maxResponseBytes the largest answer body read ({@code auction.maxDspResponseBytes}), after gzip
     * @param sslContext       the TLS client context for an {@code https} endpoint; null: the JDK's trusted roots
     * @param health           the DSP's health, told how each call ended
     * @param metrics          the DSP's series, counting each call
     */
    public DspHttpClient(DspConfig dsp, int maxResponseBytes, SslContext sslContext, DspHealth health,
                         DspMetrics.ForDsp metrics) {
        URI uri = dsp.endpointUri();
        boolean isTls = dsp.isTls();
        int port = uri.getPort() >= 0 ? uri.getPort() : isTls ? 443 : 80;
        this.dspId = dsp.id();
        this.host = uri.getHost();
        this.address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            LOG.warn("DSP {}: host {} does not resolve; its calls fail with connect_failed", dspId, host);
        }
        this.sslContext = isTls ? sslContext != null ? sslContext : defaultSslContext() : null;
        this.isGzip = dsp.gzip();
        this.connectTimeoutMillis = dsp.connectTimeoutMs();
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(dsp.timeoutMs());
        this.maxInFlight = dsp.maxInFlight();
        this.pipelining = dsp.pipelining();
        this.maxResponseBytes = maxResponseBytes;
        this.health = health;
        this.metrics = metrics;
        this.requestHead = requestHead(uri, host, port, isTls, dsp.openrtb(), dsp.gzip());
        // stays closed: a connection dialled after closeConnections is closed as it is added
        this.channels = new DefaultChannelGroup("dsp-" + dspId, GlobalEventExecutor.INSTANCE, true);
    }

    /**
     * Sends {@code body} (a JSON bid request; ownership passes here) to the DSP, from {@code loop}, the current
     * thread's event loop. The call ends at the latest at {@code deadlineNanos} ({@link System#nanoTime}), or after
     * the DSP's {@code timeoutMs} when that comes first, then
     * {@code callback} gets its end on this loop, exactly once, never from inside this method. {@code answerId} is
     * the request id the DSP's answer must echo: two calls with the same one never share a pipelined connection, and
     * the callback's {@link DspCallback.Echo} tells the client when an answer on a connection was another request's
     * (null: the caller checks no id).
     *
     * @return true when the call is under way; false when it was refused at once because the DSP has
     *         {@code maxInFlight} calls in flight on this loop ({@link DspOutcome#REFUSED_IN_FLIGHT}, counted; the
     *         body is released and the callback is not called)
     * @throws IllegalStateException when not called on {@code loop}
     */
    public boolean send(EventLoop loop, ByteBuf body, String answerId, long deadlineNanos, DspCallback callback,
                        Object attachment) {
        if (!loop.inEventLoop()) {
            body.release();
            throw new IllegalStateException("DSP " + dspId + " called off its event loop");
        }
        DspConnections connections = perLoop.getIfExists();
        if (connections == null) {
            connections = new DspConnections(this, loop);
            perLoop.set(connections);
            everyLoop.add(connections);
        }
        return connections.send(body, answerId, deadlineNanos, callback, attachment);
    }

    /** The DSP's configured id. */
    public String dspId() {
        return dspId;
    }

    /** The DSP's health: the auction stage asks it {@link DspHealth#admit} before {@link #send}. */
    public DspHealth health() {
        return health;
    }

    /** The DSP's metric series: the auction stage counts bids and no-bids there. */
    public DspMetrics.ForDsp metrics() {
        return metrics;
    }

    /** Calls in flight on the current thread's event loop (0 on a loop that never called). */
    public int inFlightOnThisLoop() {
        DspConnections connections = perLoop.getIfExists();
        return connections == null ? 0 : connections.inFlight();
    }

    /** Connections open on the current thread's event loop, in use or idle. */
    public int openConnectionsOnThisLoop() {
        DspConnections connections = perLoop.getIfExists();
        return connections == null ? 0 : connections.openConnections();
    }

    /** Logs, once per client, that the DSP keeps no connection alive so its calls are no longer pipelined. */
    void warnNoKeepAlive() {
        if (isNoKeepAliveLogged.compareAndSet(false, true)) {
            LOG.warn("DSP {}: closed a connection after its first answer with pipelined calls queued behind it; each"
                    + " call gets a connection of its own from now on (set its pipelining to 1)", dspId);
        }
    }

    /**
     * Logs, once per client, that answers on one of its connections fell out of step with the requests (each is
     * also refused as {@code response_id_mismatch}); the connection closed and the calls behind went once more.
     */
    void warnOutOfStep() {
        if (isOutOfStepLogged.compareAndSet(false, true)) {
            LOG.warn("DSP {}: an answer carried another request's id on a connection whose answers had echoed theirs;"
                    + " the connection was closed and the calls queued behind it sent again (check for a proxy that"
                    + " breaks HTTP pipelining, or set its pipelining to 1)", dspId);
        }
    }

    /** Whether {@link #close} was called: connections close as their calls end. */
    boolean isClosed() {
        return isClosed;
    }

    /** A connection was opened on one of the loops: {@link #closeConnections} closes it if it is still open then. */
    void opened(Channel channel) {
        channels.add(channel);
    }

    /**
     * Closes every connection to the DSP, busy or idle, and waits at most {@code timeoutMillis} until each has
     * closed; true if all did. The server calls it once its own connections are drained, before the event loops
     * stop: a channel that closes has its queued reads cancelled and completed first, so their buffers go back to
     * the pool. Left to the loops' shutdown, on io_uring a read still in the ring is never completed (Netty
     * 4.2.18's loop waits only 200 ms for them) and its buffer leaks.
     */
    public boolean closeConnections(long timeoutMillis) {
        isClosed = true;
        return channels.close().awaitUninterruptibly(timeoutMillis);
    }

    /** Closes the idle connections on every loop; calls in flight end normally and close their connection. */
    @Override
    public void close() {
        isClosed = true;
        for (DspConnections connections : everyLoop) {
            connections.closeIdle();
        }
    }

    /** The socket channel class that can register with {@code loop}: the loop's own transport. */
    static Class<? extends SocketChannel> channelTypeFor(EventLoop loop) {
        return IoTransport.of(loop).socketChannel();
    }

    private static SslContext defaultSslContext() {
        try {
            return SslContextBuilder.forClient().build();
        } catch (SSLException e) {
            throw new IllegalStateException("no TLS client context: " + e.getMessage(), e);
        }
    }

    private static byte[] requestHead(URI uri, String host, int port, boolean isTls, String openrtb, boolean gzip) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path = path + '?' + uri.getRawQuery();
        }
        boolean isDefaultPort = port == (isTls ? 443 : 80);
        String hostHeader = host.indexOf(':') >= 0 && !host.startsWith("[") ? '[' + host + ']' : host;
        StringBuilder head = new StringBuilder(192)
                .append("POST ").append(path).append(" HTTP/1.1\r\n")
                .append("host: ").append(hostHeader);
        if (!isDefaultPort) {
            head.append(':').append(port);
        }
        head.append("\r\ncontent-type: application/json\r\n")
                .append("x-openrtb-version: ").append(openrtb).append("\r\n")
                .append("accept-encoding: gzip\r\n");
        if (gzip) {
            head.append("content-encoding: gzip\r\n");
        }
        head.append("content-length: ");
        return head.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
