package dev.merlin.dspsim;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;

/**
 * One connection's handler: draws each bid request's fate, schedules its answer on the event loop after the drawn
 * latency, and writes answers strictly in request order (a pipelined request answered early waits for the ones
 * before it; one that is never answered holds every later one, as HTTP/1.1 demands).
 */
final class SimHandler extends ChannelInboundHandlerAdapter {

    private static final long NANOS_PER_MILLI = 1_000_000L;
    private static final byte[] GARBAGE = ("<html><body>502 Bad Gateway</body></html> {\"id\": [\"not json")
            .getBytes(StandardCharsets.US_ASCII);

    private final DspSimulator sim;
    private final SimOptions options;
    private final SimStats stats;
    private final Map<Long, Answer> ready = new HashMap<>();
    private ChannelHandlerContext ctx;
    private long nextSlot;
    private long nextToWrite;
    private boolean isReading;
    private boolean isClosing;

    SimHandler(DspSimulator sim) {
        this.sim = sim;
        this.options = sim.options();
        this.stats = sim.stats();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        isReading = true;
        try {
            serve(request);
        } finally {
            request.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        isReading = false;
        context.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        releaseReady();
        context.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext context) {
        releaseReady();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        context.close();
    }

    private void serve(FullHttpRequest request) {
        long slot = nextSlot++;
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            complete(slot, Answer.of(text(HttpResponseStatus.BAD_REQUEST, "bad HTTP request"), false));
        } else if (HttpMethod.POST.equals(request.method())) {
            bidRequest(request, slot, keepAlive);
        } else if (HttpMethod.GET.equals(request.method())) {
            complete(slot, Answer.of(get(request.uri()), keepAlive));
        } else {
            complete(slot, Answer.of(text(HttpResponseStatus.METHOD_NOT_ALLOWED, "POST a bid request"), keepAlive));
        }
    }

    /** Notices, stats and health. */
    private FullHttpResponse get(String uri) {
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        String query = q < 0 ? "" : uri.substring(q + 1);
        for (NoticeKind kind : NoticeKind.values()) {
            if (kind.path().equals(path)) {
                stats.onNotice(kind, query);
                return response(HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER, null);
            }
        }
        if ("/stats".equals(path)) {
            byte[] body = stats.toJson(sim.json()).getBytes(StandardCharsets.UTF_8);
            return response(HttpResponseStatus.OK, Unpooled.wrappedBuffer(body), HttpHeaderValues.APPLICATION_JSON);
        }
        if ("/summary".equals(path)) {
            return text(HttpResponseStatus.OK, stats.summaryLine() + "\n");
        }
        if ("/health".equals(path)) {
            return text(HttpResponseStatus.OK, "ok");
        }
        return text(HttpResponseStatus.NOT_FOUND, "dsp-sim: POST bid requests; GET /win /bill /loss /stats /summary");
    }

    private void bidRequest(FullHttpRequest request, long slot, boolean keepAlive) {
        long number = sim.nextRequestNumber();
        HttpHeaders headers = request.headers();
        String acceptEncoding = headers.get(HttpHeaderNames.ACCEPT_ENCODING);
        stats.onRequest(new CharSequence[] {headers.get(HttpHeaderNames.CONTENT_ENCODING), acceptEncoding,
            headers.get("x-openrtb-version")});
        byte[] body;
        try {
            body = body(request);
        } catch (BodyException e) {
            stats.onBadRequest();
            complete(slot, Answer.of(text(e.status, e.getMessage()), keepAlive));
            return;
        }
        if (options.isRecordingLastRequest()) {
            stats.onLastRequest(new ReceivedRequest(number, request.method().name(), request.uri(),
                    headerMap(headers), new String(body, StandardCharsets.UTF_8)));
        }
        SimRequest parsed;
        try {
            parsed = sim.reader().read(body, body.length);
        } catch (BidRequestReader.BadRequestException e) {
            stats.onBadRequest();
            complete(slot, Answer.of(text(HttpResponseStatus.BAD_REQUEST, e.getMessage()), keepAlive));
            return;
        }
        stats.onParsed(parsed.tmaxMillis());
        boolean acceptsGzip = acceptEncoding != null && acceptEncoding.toLowerCase(Locale.ROOT).contains("gzip");
        Fault fault = drawFault(number);
        if (fault != null) {
            stats.onFault(fault);
        }
        if (fault == Fault.NEVER_ANSWER) {
            return;
        }
        long delayNanos = fault == Fault.SLOW ? options.slowMillis() * NANOS_PER_MILLI
                : options.latency().delayNanos(draw(number, Draws.LATENCY_A), draw(number, Draws.LATENCY_B));
        later(slot, delayNanos, () -> answer(fault, parsed, number, keepAlive, acceptsGzip));
    }

    /** The fault request {@code number} meets, or null: one draw against the faults' cumulative rates. */
    private Fault drawFault(long number) {
        if (options.faultRates().isEmpty()) {
            return null;
        }
        double u = draw(number, Draws.FAULT);
        double cumulative = 0;
        for (Map.Entry<Fault, Double> e : options.faultRates().entrySet()) {
            cumulative += e.getValue();
            if (u < cumulative) {
                return e.getKey();
            }
        }
        return null;
    }

    private Answer answer(Fault fault, SimRequest request, long number, boolean keepAlive, boolean acceptsGzip) {
        if (fault == null) {
            if (draw(number, Draws.BID) >= options.bidRate()) {
                stats.onNoBid();
                return Answer.of(response(HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER, null), keepAlive);
            }
            return bid(request, number, AnswerWriter.Breakage.NONE, keepAlive, acceptsGzip);
        }
        switch (fault) {
            case RESET:
                return Answer.RESET;
            case SERVER_ERROR:
                return Answer.of(text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "dsp-sim: injected error"),
                        keepAlive);
            case GARBAGE:
                return Answer.of(response(HttpResponseStatus.OK, Unpooled.wrappedBuffer(GARBAGE),
                        HttpHeaderValues.APPLICATION_JSON), keepAlive);
            case HUGE_BODY:
                return Answer.of(response(HttpResponseStatus.OK, sim.writer().hugeResponse(ctx.alloc(), request),
                        HttpHeaderValues.APPLICATION_JSON), keepAlive);
            case WRONG_RESPONSE_ID:
                return bid(request, number, AnswerWriter.Breakage.RESPONSE_ID, keepAlive, acceptsGzip);
            case WRONG_IMP_ID:
                return bid(request, number, AnswerWriter.Breakage.IMP_ID, keepAlive, acceptsGzip);
            case DUPLICATE_ANSWER:
                return bid(request, number, AnswerWriter.Breakage.NONE, keepAlive, acceptsGzip).twice();
            default:
                return bid(request, number, AnswerWriter.Breakage.NONE, keepAlive, acceptsGzip);
        }
    }

    private Answer bid(SimRequest request, long number, AnswerWriter.Breakage breakage, boolean keepAlive,
                       boolean acceptsGzip) {
        AnswerWriter writer = sim.writer();
        ByteBuf body = writer.bidResponse(ctx.alloc(), request, number, breakage);
        stats.onBids(writer.bidCount(request));
        boolean isGzip = acceptsGzip && options.gzipRate() > 0 && draw(number, Draws.GZIP) < options.gzipRate();
        if (isGzip) {
            body = AnswerWriter.gzip(ctx.alloc(), body);
            stats.onGzipAnswer();
        }
        FullHttpResponse response = response(HttpResponseStatus.OK, body, HttpHeaderValues.APPLICATION_JSON);
        response.headers().set("x-openrtb-version", "2.6");
        if (isGzip) {
            response.headers().set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
        }
        return Answer.of(response, keepAlive);
    }

    /** Fills {@code slot} now, or after {@code delayNanos} on this connection's event loop. */
    private void later(long slot, long delayNanos, Supplier<Answer> answer) {
        if (delayNanos <= 0) {
            complete(slot, answer.get());
            return;
        }
        ctx.executor().schedule(() -> {
            if (!isClosing && ctx.channel().isActive()) {
                complete(slot, answer.get());
            }
        }, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Records the answer of {@code slot} and writes every answer that is now next in request order. */
    private void complete(long slot, Answer answer) {
        if (isClosing || !ctx.channel().isActive()) {
            answer.release();
            return;
        }
        ready.put(slot, answer);
        boolean wrote = false;
        Answer next;
        while ((next = ready.remove(nextToWrite)) != null) {
            nextToWrite++;
            if (next == Answer.RESET) {
                reset();
                return;
            }
            HttpUtil.setKeepAlive(next.response, next.keepAlive);
            if (!next.keepAlive) {
                isClosing = true;
                ctx.writeAndFlush(next.response).addListener(ChannelFutureListener.CLOSE);
                releaseReady();
                return;
            }
            if (next.isTwice) {
                ctx.write(next.response.retainedDuplicate());
            }
            ctx.write(next.response);
            wrote = true;
        }
        if (wrote && !isReading) {
            ctx.flush();
        }
    }

    /** Closes with SO_LINGER 0: the kernel drops the connection with a RST instead of a FIN. */
    private void reset() {
        isClosing = true;
        releaseReady();
        ctx.flush();
        ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        ctx.close();
    }

    private void releaseReady() {
        for (Answer a : ready.values()) {
            a.release();
        }
        ready.clear();
    }

    private double draw(long number, int slot) {
        return Draws.unit(options.seed(), number, slot);
    }

    /** The body as bytes, gunzipped when it says gzip, bounded by {@code maxRequestBytes}. */
    private byte[] body(FullHttpRequest request) throws BodyException {
        String encoding = request.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        ByteBuf content = request.content();
        if (encoding == null || "identity".equalsIgnoreCase(encoding)) {
            return ByteBufUtil.getBytes(content);
        }
        if (!"gzip".equalsIgnoreCase(encoding) && !"x-gzip".equalsIgnoreCase(encoding)) {
            throw new BodyException(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Encoding " + encoding + " not supported (gzip is)");
        }
        int max = options.maxRequestBytes();
        try (InputStream in = new GZIPInputStream(new ByteBufInputStream(content.duplicate()))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(content.readableBytes() * 4);
            byte[] chunk = new byte[8192];
            for (int n; (n = in.read(chunk)) > 0; ) {
                if (out.size() + n > max) {
                    throw new BodyException(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                            "body larger than " + max + " bytes after gzip");
                }
                out.write(chunk, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new BodyException(HttpResponseStatus.BAD_REQUEST, "bad gzip body: " + e.getMessage());
        }
    }

    private static Map<String, String> headerMap(HttpHeaders headers) {
        Map<String, String> map = new LinkedHashMap<>();
        for (Map.Entry<String, String> h : headers) {
            map.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), h.getValue());
        }
        return map;
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        return response(status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8),
                HttpHeaderValues.TEXT_PLAIN);
    }

    private static FullHttpResponse response(HttpResponseStatus status, ByteBuf body, CharSequence contentType) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (contentType != null) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        return response;
    }

    /** An answer ready to go out in its turn: a response, or the reset marker. */
    private static final class Answer {
        static final Answer RESET = new Answer(null, false);

        final FullHttpResponse response;
        final boolean keepAlive;
        /** Written twice ({@link Fault#DUPLICATE_ANSWER}). */
        boolean isTwice;

        private Answer(FullHttpResponse response, boolean keepAlive) {
            this.response = response;
            this.keepAlive = keepAlive;
        }

        static Answer of(FullHttpResponse response, boolean keepAlive) {
            return new Answer(response, keepAlive);
        }

        Answer twice() {
            isTwice = true;
            return this;
        }

        void release() {
            if (response != null) {
                ReferenceCountUtil.release(response);
            }
        }
    }

    /** A body the simulator does not read: answered with {@code status}. */
    private static final class BodyException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient HttpResponseStatus status;

        BodyException(HttpResponseStatus status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }
}
