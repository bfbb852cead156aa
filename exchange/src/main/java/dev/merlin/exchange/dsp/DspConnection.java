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
 * One connection to a DSP and the calls it carries: one at a time, or up to the DSP's {@code pipelining} at once,
 * answered in the order they were written (HTTP/1.1 pipelining). It writes each request, reads the answers through
 * {@code [TLS] -> HttpResponseDecoder -> this}, gathers each body up to the configured maximum (a gzip body is
 * inflated by the loop's {@link GzipBodies} under the same maximum, so a gzip bomb is as large as what it inflates
 * to), and ends the call at the head of its queue. A complete kept-alive answer with nothing queued behind it puts
 * the connection back in its loop's pool; any other ending closes it.
 *
 * <p>A call that times out on a connection carrying only it closes the connection, so a late answer has nowhere to
 * go. One that times out with others queued on the same connection leaves an empty slot: its late answer is read
 * and dropped in its turn, the connection takes no more calls, and it closes once only empty slots are left. When
 * the connection fails or closes, the call at the head ends with the reason and the calls behind it, which got no
 * answer, go once more on another connection (RFC 9112 9.3.2) or end as reset.
 *
 * <p>Answers carry no request id in HTTP, only in their JSON: two calls with the same request id never share a
 * connection, and once an answer on it echoed its call's id, an answer carrying another id (the DSP or a proxy
 * answered one request twice, or skipped one) closes the connection and sends the calls behind once more, rather than
 * hand each the answer meant for the one before.
 */
final class DspConnection extends ChannelInboundHandlerAdapter implements ChannelFutureListener {

    private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};
    private static final int MAX_LENGTH_DIGITS = 10;
    private static final int OK = 200;
    private static final int NO_CONTENT = 204;

    private final DspConnections connections;
    private final DspHttpClient client;
    private final Decoder decoder = new Decoder();
    /** The calls written or waiting for the connect, oldest first; a null slot is a call that timed out. */
    private final DspCall[] calls;
    private int first;
    private int count;
    private Channel channel;
    private boolean isConnected;
    /** It takes no more calls: one of its calls timed out, or it is failing. */
    private boolean isDraining;
    /** Answers it finished (a connection in the idle pool finished one before it went there). */
    private int answered;
    /** Whether an answer on it echoed its call's request id: the DSP echoes ids, so a mismatch is a shift. */
    private boolean hasEchoed;
    /** Whether it sits in its loop's idle pool. */
    boolean isIdle;
    /** Whether it waits in its loop's list of connections to flush at the end of this turn. */
    boolean isFlushPending;

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
        this.calls = new DspCall[client.pipelining];
    }

    /** Queues {@code next} as its newest call. */
    void attach(DspCall next) {
        calls[(first + count) % calls.length] = next;
        count++;
        next.connection(this);
    }

    /** Takes {@code next} as its newest call and sends its request once the connection is open. */
    void start(DspCall next) {
        attach(next);
        if (isConnected) {
            writeRequest(next);
        }
    }

    /**
     * Whether {@code next} may join the calls it carries: it takes no more than {@code pipelining}, none after a
     * timeout, a failure or a byte it was not asked for, and no two calls with the same request id (an answer one
     * step out of order would then carry the right id for the wrong auction).
     */
    boolean hasRoom(DspCall next) {
        return !isDraining && count < calls.length && channel.isOpen() && (count > 0 || isReusable())
                && !carries(next.answerId());
    }

    private boolean carries(String answerId) {
        if (answerId == null) {
            return false;
        }
        for (int i = 0; i < count; i++) {
            DspCall queued = calls[(first + i) % calls.length];
            if (queued != null && answerId.equals(queued.answerId())) {
                return true;
            }
        }
        return false;
    }

    /** The connection is being made: its requests go out once it connects. */
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

    /** Whether it carries no call. */
    boolean isEmpty() {
        return count == 0;
    }

    void close() {
        channel.close();
    }

    void flush() {
        channel.flush();
    }

    /**
     * {@code timedOut} timed out: it is forgotten. Alone on the connection, the connection closes (the answer may
     * still come); with other calls queued, its slot is emptied and its answer dropped when it comes.
     */
    void abandon(DspCall timedOut) {
        if (count > 0 && calls[first] == timedOut) {
            releaseBody();
        }
        for (int i = 0; i < count; i++) {
            int slot = (first + i) % calls.length;
            if (calls[slot] == timedOut) {
                calls[slot] = null;
            }
        }
        isDraining = true;
        if (isAllAbandoned()) {
            close();
        }
    }

    private boolean isAllAbandoned() {
        for (int i = 0; i < count; i++) {
            if (calls[(first + i) % calls.length] != null) {
                return false;
            }
        }
        return true;
    }

    /** The connect attempt ended. */
    @Override
    public void operationComplete(ChannelFuture connect) {
        if (connect.isSuccess()) {
            isConnected = true;
            if (count == 0) {
                connections.release(this);
                return;
            }
            for (int i = 0; i < count; i++) {
                DspCall queued = calls[(first + i) % calls.length];
                if (queued != null) {
                    writeRequest(queued);
                }
            }
        } else {
            isDraining = true;
            connect.channel().close();
            endQueued(DspOutcome.CONNECT_FAILED);
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

    private void writeRequest(DspCall queued) {
        ByteBuf payload = queued.bodyForWrite();
        ByteBuf head = channel.alloc().buffer(client.requestHead.length + MAX_LENGTH_DIGITS + HEAD_END.length);
        head.writeBytes(client.requestHead);
        writeDecimal(head, payload.readableBytes());
        head.writeBytes(HEAD_END);
        channel.write(head, channel.voidPromise());
        channel.write(payload, channel.voidPromise());
        if (calls.length == 1) {
            channel.flush();
        } else {
            // the requests written in this turn of the loop leave together, in one write
            connections.flushSoon(this);
        }
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
            if (count == 0) {
                // an answer no call waits for (after the answer, or on an idle connection): never trusted
                isDraining = true;
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

    /** The head call's answer's head; false when the call already ended (too large by its declared length). */
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
        if (status == OK && declaredBytes > 0 && calls[first] != null) {
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
            // the answer of a call that timed out is read to its end and dropped
            if (status == OK && calls[first] != null) {
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
        boolean isKeptAlive = isKeepAlive;
        DspCall ended = pollHead();
        answered++;
        afterAnswer(isKeptAlive);
        if (ended == null) {
            if (answer != null) {
                answer.release();
            }
            return;
        }
        // the connection is already back in its pool, so a call the callback sends may reuse it at once
        DspCallback.Echo echo = ended.end(outcome, answeredStatus, answer);
        if (echo == DspCallback.Echo.MISMATCHED && hasEchoed && channel.isOpen()) {
            // this answer was another request's: the calls queued behind (or sent by the callback) would get their
            // neighbours' too; each goes once more on another connection
            client.warnOutOfStep();
            isDraining = true;
            close();
            endQueued(DspOutcome.RESET);
        }
        hasEchoed |= echo == DspCallback.Echo.MATCHED;
    }

    /** What becomes of the connection once an answer ended its call: pooled, kept for the calls behind, or closed. */
    private void afterAnswer(boolean isKeptAlive) {
        if (!isKeptAlive) {
            // the DSP closes after this answer: the calls behind it get none here
            isDraining = true;
            if (count > 0 && answered == 1) {
                connections.stopPipelining();
            }
            endQueued(DspOutcome.RESET);
            close();
        } else if (count == 0) {
            if (!isDraining && isReusable()) {
                connections.release(this);
            } else {
                // it timed out a call, or the DSP already sent more than this answer: never read that as the next
                close();
            }
        } else if (isAllAbandoned()) {
            close();
        }
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
     * The connection failed or closed: the head call ends with {@code outcome}, or goes once more on another
     * connection when this one had carried an answer before (as every pooled one has) and closed before any byte of
     * this call's answer (the DSP closed it while idle); the calls behind it end as {@link #endQueued} says.
     */
    private void lost(DspOutcome outcome) {
        if (count == 0) {
            close();
            return;
        }
        DspCall current = calls[first];
        if (current != null && outcome == DspOutcome.RESET && answered > 0 && !hasAnswerBytes
                && current.mayRetry()) {
            shutDown(outcome).retry();
            return;
        }
        fail(outcome);
    }

    /** The head call ends with {@code outcome}, the calls behind it as {@link #endQueued} says; it closes. */
    private void fail(DspOutcome outcome) {
        int failedStatus = status;
        DspCall ended = shutDown(outcome == DspOutcome.CONNECT_FAILED ? outcome : DspOutcome.RESET);
        if (ended != null) {
            ended.end(outcome, failedStatus, null);
        }
    }

    /**
     * Closes the connection, taking no more calls: removes and returns the head call (null for an empty slot), and
     * ends or sends again every call behind it ({@link #endQueued} with {@code behind}).
     */
    private DspCall shutDown(DspOutcome behind) {
        isDraining = true;
        DspCall head = pollHead();
        releaseBody();
        close();
        endQueued(behind);
        return head;
    }

    /**
     * Every call still queued got no answer on this connection: each goes once more on another (RFC 9112 9.3.2:
     * a client retries the pipelined requests left unanswered when the connection closes), or ends with
     * {@code outcome} when it went once more before or cannot go again.
     */
    private void endQueued(DspOutcome outcome) {
        while (count > 0) {
            DspCall queued = pollHead();
            if (queued == null) {
                continue;
            }
            if (outcome == DspOutcome.RESET && queued.mayRetry()) {
                queued.retry();
            } else {
                queued.end(outcome, 0, null);
            }
        }
    }

    /** Removes the head call (null for an empty slot) and clears what was read of its answer. */
    private DspCall pollHead() {
        if (count == 0) {
            return null;
        }
        DspCall head = calls[first];
        calls[first] = null;
        first = (first + 1) % calls.length;
        count--;
        if (head != null) {
            head.connection(null);
        }
        status = 0;
        isKeepAlive = false;
        isInformational = false;
        hasAnswerBytes = false;
        isGzipped = false;
        receivedBytes = 0;
        return head;
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
