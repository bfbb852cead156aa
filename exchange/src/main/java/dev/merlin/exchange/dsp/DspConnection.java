package dev.merlin.exchange.dsp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import java.util.zip.DataFormatException;
import javax.net.ssl.SSLParameters;

/**
 * One connection to a DSP and the call it carries, at most one at a time (no pipelining): it writes the request,
 * reads the answer through {@code [TLS] -> HttpResponseDecoder -> this}, gathers the body up to the configured
 * maximum (a gzip body is inflated by the loop's {@link GzipBodies} under the same maximum, so a gzip bomb is as
 * large as what it inflates to), and ends the call. A complete kept-alive answer puts the connection back in its
 * loop's pool; any other ending closes it, so a late answer to an abandoned call has nowhere to go.
 */
final class DspConnection extends ChannelInboundHandlerAdapter implements ChannelFutureListener {

    private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};
    private static final int MAX_LENGTH_DIGITS = 10;
    private static final int OK = 200;
    private static final int NO_CONTENT = 204;

    private final DspConnections connections;
    private final DspHttpClient client;
    private final Decoder decoder = new Decoder();
    private Channel channel;
    /** Whether it sits in its loop's idle pool. */
    boolean isIdle;

    private DspCall call;
    private boolean isReused;
    private int status;
    private boolean isKeepAlive;
    private boolean isInformational;
    private boolean hasAnswerBytes;
    private boolean isGzipped;
    private int receivedBytes;
    private ByteBuf body;

    DspConnection(DspConnections connections) {
        this.connections = connections;
        this.client = connections.client;
    }

    /** Takes {@code next} as its call; {@code reused}: the connection carried a call before. */
    void attach(DspCall next, boolean reused) {
        call = next;
        isReused = reused;
        next.connection(this);
        status = 0;
        isKeepAlive = false;
        isInformational = false;
        hasAnswerBytes = false;
        isGzipped = false;
        receivedBytes = 0;
    }

    /** Takes {@code next} as its call and sends its request (the connection is open). */
    void start(DspCall next, boolean reused) {
        attach(next, reused);
        writeRequest();
    }

    /** The connection is being made: its request goes out once it connects. */
    void connecting(ChannelFuture connect) {
        channel = connect.channel();
        channel.closeFuture().addListener(closed -> connections.closed(this));
        connect.addListener(this);
    }

    /**
     * Whether a new call may use it: open, and its decoder holds no bytes beyond the last answer (the decoder hands
     * on each message before decoding the next, so at an answer's end this sees whether more came in the same read;
     * such bytes would otherwise be read as the next call's answer).
     */
    boolean isReusable() {
        return channel.isActive() && !decoder.isHoldingBytes();
    }

    void close() {
        channel.close();
    }

    /** Its call timed out: it is forgotten and the connection closed (the answer may still come). */
    void abandon() {
        call = null;
        releaseBody();
        close();
    }

    /** The connect attempt ended. */
    @Override
    public void operationComplete(ChannelFuture connect) {
        if (connect.isSuccess()) {
            if (call != null) {
                writeRequest();
            } else {
                connections.release(this);
            }
        } else {
            connect.channel().close();
            DspCall ended = detach();
            if (ended != null) {
                ended.end(DspOutcome.CONNECT_FAILED, 0, null);
            }
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ChannelPipeline pipeline = ctx.pipeline();
        if (client.sslContext != null) {
            SslHandler tls = client.sslContext.newHandler(ctx.alloc(), client.host, client.address.getPort());
            SSLEngine engine = tls.engine();
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(parameters);
            pipeline.addBefore(ctx.name(), "tls", tls);
        }
        pipeline.addBefore(ctx.name(), "decoder", decoder);
    }

    private void writeRequest() {
        ByteBuf payload = call.bodyForWrite();
        ByteBuf head = channel.alloc().buffer(client.requestHead.length + MAX_LENGTH_DIGITS + HEAD_END.length);
        head.writeBytes(client.requestHead);
        writeDecimal(head, payload.readableBytes());
        head.writeBytes(HEAD_END);
        channel.write(head, channel.voidPromise());
        channel.writeAndFlush(payload, channel.voidPromise());
    }

    private static void writeDecimal(ByteBuf out, int value) {
        int divisor = 1;
        while (value / divisor >= 10) {
            divisor *= 10;
        }
        for (; divisor > 0; divisor /= 10) {
            out.writeByte('0' + value / divisor % 10);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (call == null) {
                // an answer no call waits for (after the answer, or on an idle connection): never trusted
                close();
                return;
            }
            if (((HttpObject) msg).decoderResult().isFailure()) {
                fail(DspOutcome.BAD_RESPONSE);
                return;
            }
            if (msg instanceof HttpResponse && !head((HttpResponse) msg)) {
                return;
            }
            if (msg instanceof HttpContent) {
                content((HttpContent) msg);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** The answer's head; false when the call already ended (too large by its declared length). */
    private boolean head(HttpResponse response) {
        hasAnswerBytes = true;
        status = response.status().code();
        if (status < OK) {
            isInformational = true;
            return true;
        }
        isKeepAlive = HttpUtil.isKeepAlive(response);
        String encoding = response.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        if (encoding != null && !HttpHeaderValues.IDENTITY.contentEqualsIgnoreCase(encoding)) {
            isGzipped = HttpHeaderValues.GZIP.contentEqualsIgnoreCase(encoding)
                    || HttpHeaderValues.X_GZIP.contentEqualsIgnoreCase(encoding);
            if (!isGzipped && status == OK) {
                // an encoding Merlin did not offer: it cannot read the answer
                fail(DspOutcome.BAD_RESPONSE);
                return false;
            }
        }
        long declaredBytes = HttpUtil.getContentLength(response, -1L);
        if (declaredBytes > client.maxResponseBytes) {
            fail(DspOutcome.TOO_LARGE);
            return false;
        }
        if (status == OK && declaredBytes > 0) {
            body = channel.alloc().buffer((int) declaredBytes, client.maxResponseBytes);
        }
        return true;
    }

    private void content(HttpContent content) {
        boolean isLast = content instanceof LastHttpContent;
        if (isInformational) {
            // a 1xx answer is followed by the real one
            isInformational = !isLast;
            return;
        }
        ByteBuf data = content.content();
        int bytes = data.readableBytes();
        if (bytes > 0) {
            if (bytes > client.maxResponseBytes - receivedBytes) {
                fail(DspOutcome.TOO_LARGE);
                return;
            }
            receivedBytes += bytes;
            if (status == OK) {
                if (body == null) {
                    body = channel.alloc().buffer(bytes, client.maxResponseBytes);
                }
                body.writeBytes(data);
            }
        }
        if (isLast) {
            finish();
        }
    }

    private void finish() {
        DspOutcome outcome = status == OK ? DspOutcome.OK
                : status == NO_CONTENT ? DspOutcome.NO_BID
                : status >= 500 && status <= 599 ? DspOutcome.SERVER_ERROR
                : DspOutcome.HTTP_ERROR;
        ByteBuf answer = null;
        if (outcome == DspOutcome.OK && body != null && body.isReadable()) {
            if (isGzipped) {
                try {
                    answer = connections.gzip().inflate(channel.alloc(), body, client.maxResponseBytes);
                } catch (DataFormatException e) {
                    fail(DspOutcome.BAD_RESPONSE);
                    return;
                }
                if (answer == null) {
                    fail(DspOutcome.TOO_LARGE);
                    return;
                }
            } else {
                answer = body;
                body = null;
            }
        }
        releaseBody();
        int answeredStatus = status;
        DspCall ended = detach();
        if (isKeepAlive && isReusable()) {
            connections.release(this);
        } else {
            // closed by the DSP, or it already sent more than this answer: never read that as the next call's
            close();
        }
        ended.end(outcome, answeredStatus, answer);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        lost(DspOutcome.RESET);
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent && !((SslHandshakeCompletionEvent) event).isSuccess()) {
            lost(DspOutcome.CONNECT_FAILED);
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        lost(kindOf(cause));
    }

    private static DspOutcome kindOf(Throwable cause) {
        if (cause instanceof SSLHandshakeException || cause.getCause() instanceof SSLHandshakeException) {
            return DspOutcome.CONNECT_FAILED;
        }
        if (cause instanceof DecoderException) {
            return DspOutcome.BAD_RESPONSE;
        }
        return DspOutcome.RESET;
    }

    /**
     * The connection failed or closed: the call ends with {@code outcome}, or goes once more on a new connection
     * when this was a reused keep-alive connection that closed before any answer (the DSP closed it while idle).
     */
    private void lost(DspOutcome outcome) {
        DspCall current = call;
        if (current != null && outcome == DspOutcome.RESET && isReused && !hasAnswerBytes && current.mayRetry()) {
            detach();
            releaseBody();
            close();
            current.retry();
            return;
        }
        fail(outcome);
    }

    private void fail(DspOutcome outcome) {
        int failedStatus = status;
        DspCall ended = detach();
        releaseBody();
        close();
        if (ended != null) {
            ended.end(outcome, failedStatus, null);
        }
    }

    private DspCall detach() {
        DspCall detached = call;
        call = null;
        if (detached != null) {
            detached.connection(null);
        }
        return detached;
    }

    private void releaseBody() {
        if (body != null) {
            body.release();
            body = null;
        }
    }

    /** The HTTP response decoder, telling whether it holds bytes of a message not yet complete. */
    private static final class Decoder extends HttpResponseDecoder {
        boolean isHoldingBytes() {
            return actualReadableBytes() > 0;
        }
    }
}
