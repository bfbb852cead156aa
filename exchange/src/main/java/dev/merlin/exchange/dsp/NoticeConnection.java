package dev.merlin.exchange.dsp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * One keep-alive connection of the {@link NoticeTransport}, and the handler at the end of its pipeline: carries
 * notices' GETs, several loss notices at once (pipelined, answered in order) or one win or billing notice. All on the
 * transport's loop.
 */
final class NoticeConnection extends ChannelInboundHandlerAdapter {

    private static final TimeoutException TIMED_OUT = new TimeoutException("no answer within the call timeout");
    private static final ClosedChannelException CLOSED = new ClosedChannelException();
    private static final byte[] GET = "GET ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HOST = " HTTP/1.1\r\nHost: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] GET_END = "\r\nUser-Agent: Merlin\r\nAccept: */*\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final int GET_FIXED_BYTES = GET.length + HOST.length + GET_END.length;

    final String origin;
    /** Whether the transport keeps this connection for later calls (else it closes once its calls are answered). */
    boolean isKept;
    private final NoticeTransport transport;
    private final SslContext sslContext;
    private final String host;
    private final int port;
    private Channel channel;
    /** The GETs written before the connection was up, sent once it is; null once connected. */
    private List<ByteBuf> unsent = new ArrayList<>(4);
    /** The calls sent and not yet answered, oldest (the one being answered) first. */
    private final ArrayDeque<Notice> calls = new ArrayDeque<>(4);
    private Future<?> timer;
    private int status;
    private long bodyBytes;
    private boolean isKeptAlive;

    NoticeConnection(NoticeTransport transport, String origin, SslContext sslContext, String host, int port) {
        this.transport = transport;
        this.origin = origin;
        this.sslContext = sslContext;
        this.host = host;
        this.port = port;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ChannelPipeline pipeline = ctx.pipeline();
        if (sslContext != null) {
            SslHandler tls = sslContext.newHandler(ctx.alloc(), host, port);
            SSLEngine engine = tls.engine();
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
            pipeline.addBefore(ctx.name(), "tls", tls);
        }
        // GETs are written as bytes (see write): only answers go through Netty's HTTP codec
        pipeline.addBefore(ctx.name(), "http", new HttpResponseDecoder());
    }

    /**
     * Whether a notice of {@code kind} may go out on this connection now: it is connected and open, and either
     * carries nothing, or carries only loss notices, fewer than {@code pipelinedLosses}, and this is one too.
     */
    boolean mayCarry(DspNotifier.Kind kind, int pipelinedLosses) {
        if (unsent == null ? !channel.isActive() : !channel.isOpen()) {
            return false;
        }
        if (calls.isEmpty()) {
            return true;
        }
        return kind == DspNotifier.Kind.LOSS && calls.peekFirst().kind == DspNotifier.Kind.LOSS
                && calls.size() < pipelinedLosses;
    }

    /** A new connection for {@code notice}: its GET, and those sent before it is up, go out once it is. */
    void connect(ChannelFuture connecting, Notice first, String target, String hostHeader) {
        channel = connecting.channel();
        send(first, target, hostHeader);
        connecting.addListener((ChannelFuture connected) -> {
            List<ByteBuf> requests = unsent;
            unsent = null;
            if (connected.isSuccess()) {
                for (ByteBuf request : requests) {
                    write(request);
                }
                channel.flush();
            } else {
                // never active, so never inactive either: the transport forgets it here
                requests.forEach(ReferenceCountUtil::release);
                endAll(connected.cause());
                transport.forget(this);
                channel.close();
            }
        });
    }

    /** Writes {@code next}'s GET behind the calls under way; the transport flushes once its batch is written. */
    void send(Notice next, String target, String hostHeader) {
        added(next);
        write(target, hostHeader);
    }

    /** Sends what was written, once the connection is up (until then its GETs wait for it). */
    void flush() {
        if (unsent == null) {
            channel.flush();
        }
    }

    private void added(Notice next) {
        // a call that waited for its host's lookup has only what the call timeout left of it
        next.sentNanos = next.lookupNanos != 0 ? next.lookupNanos : System.nanoTime();
        next.lookupNanos = 0;
        calls.addLast(next);
        if (calls.size() == 1) {
            answerBegins();
        }
    }

    /** The oldest call is the one answered next: its answer's state starts over, its timer counts from its send. */
    private void answerBegins() {
        status = 0;
        bodyBytes = 0;
        isKeptAlive = false;
        long waited = System.nanoTime() - calls.peekFirst().sentNanos;
        timer = transport.afterTimeout(this::timedOut, waited);
    }

    private void write(String target, String hostHeader) {
        ByteBuf request = channel.alloc().buffer(target.length() + hostHeader.length() + GET_FIXED_BYTES);
        request.writeBytes(GET).writeCharSequence(target, StandardCharsets.US_ASCII);
        request.writeBytes(HOST).writeCharSequence(hostHeader, StandardCharsets.US_ASCII);
        request.writeBytes(GET_END);
        if (unsent != null) {
            unsent.add(request);
        } else {
            write(request);
        }
    }

    private void write(ByteBuf request) {
        channel.write(request).addListener((ChannelFuture written) -> {
            if (!written.isSuccess()) {
                endAll(written.cause());
                channel.close();
            }
        });
    }

    private void timedOut() {
        timer = null;
        endAll(TIMED_OUT);
        channel.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (calls.isEmpty() || ((HttpObject) msg).decoderResult().isFailure()) {
                // bytes no call waits for, or an answer that isn't HTTP: the connection is not trusted again
                Throwable cause = ((HttpObject) msg).decoderResult().cause();
                endAll(cause != null ? cause : CLOSED);
                ctx.close();
                return;
            }
            if (msg instanceof HttpResponse) {
                HttpResponse response = (HttpResponse) msg;
                status = response.status().code();
                isKeptAlive = HttpUtil.isKeepAlive(response);
            }
            if (msg instanceof HttpContent) {
                content(ctx, (HttpContent) msg);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void content(ChannelHandlerContext ctx, HttpContent content) {
        bodyBytes += content.content().readableBytes();
        if (bodyBytes > DspNotifier.MAX_BODY_BYTES) {
            // answered: the rest of the body is not worth reading, and the calls behind it are sent again
            endFirst(status, null);
            endAll(CLOSED);
            ctx.close();
        } else if (content instanceof LastHttpContent) {
            endFirst(status, null);
            if (!isKeptAlive) {
                endAll(CLOSED);
                ctx.close();
            } else if (calls.isEmpty()) {
                transport.release(this);
            } else {
                answerBegins();
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        endAll(CLOSED);
        transport.forget(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        endAll(cause);
        ctx.close();
    }

    /** Ends the oldest call under way, if any, exactly once. */
    private void endFirst(int endStatus, Throwable failure) {
        Notice ending = calls.pollFirst();
        if (ending == null) {
            return;
        }
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        transport.ended(ending, failure == null ? endStatus : -1, failure);
    }

    /** Ends every call under way with {@code failure}, each exactly once. */
    private void endAll(Throwable failure) {
        while (!calls.isEmpty()) {
            endFirst(-1, failure);
        }
    }

    void close() {
        channel.close();
    }
}
