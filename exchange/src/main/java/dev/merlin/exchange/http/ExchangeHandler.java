package dev.merlin.exchange.http;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes each aggregated HTTP request to its endpoint and turns every kind of bad input into the right 4xx: the
 * server never crashes, every buffer is released, and the connection carries on where HTTP allows.
 */
@ChannelHandler.Sharable
final class ExchangeHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    static final String AUCTION_PATH = "/openrtb2/auction";
    static final String SELLERS_JSON_PATH = "/sellers.json";

    /** Requests read while a report is answered off the event loop; present only then. */
    private static final AttributeKey<ArrayDeque<FullHttpRequest>> HELD = AttributeKey.valueOf("merlin.held");

    private static final Logger LOG = LoggerFactory.getLogger(ExchangeHandler.class);
    private static final String HEALTH_BODY = "{\"status\":\"ok\"}";

    private final AuctionEndpoint auction;
    private final NoticeEndpoint notices;
    private final PixelEndpoint pixel;
    private final EventsEndpoint events;
    private final ClickEndpoint clicks;
    private final ReportsEndpoint reports;
    private final PrivacyEndpoints privacy;
    private final ExchangeMetrics metrics;
    private final java.util.concurrent.Executor slowWork;
    private final String sellersJson;
    private final Set<Class<?>> loggedCauses = ConcurrentHashMap.newKeySet();

    ExchangeHandler(Endpoints endpoints, ExchangeMetrics metrics, java.util.concurrent.Executor slowWork) {
        this.auction = endpoints.auction();
        this.notices = endpoints.notices();
        this.pixel = endpoints.pixel();
        this.events = endpoints.events();
        this.clicks = endpoints.clicks();
        this.reports = endpoints.reports();
        this.privacy = endpoints.privacy();
        this.metrics = metrics;
        this.slowWork = slowWork;
        this.sellersJson = endpoints.sellersJson();
    }

    /** {@code GET /sellers.json}: public, cacheable for an hour, as crawlers of sellers.json expect. */
    private FullHttpResponse sellersJson(ChannelHandlerContext ctx) {
        FullHttpResponse response = HttpResponses.json(ctx.alloc(), HttpResponseStatus.OK, sellersJson);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "public, max-age=3600");
        return response;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        ArrayDeque<FullHttpRequest> held = ctx.channel().attr(HELD).get();
        if (held != null) {
            // a report is being answered off the event loop: later requests wait, so answers keep their order
            held.add(request.retain());
            return;
        }
        route(ctx, request);
    }

    private void route(ChannelHandlerContext ctx, FullHttpRequest request) {
        DecoderResult result = request.decoderResult();
        if (!result.isSuccess()) {
            badHttp(ctx, result.cause());
            return;
        }
        if (HttpVersion.HTTP_1_1.equals(request.protocolVersion())
                && !request.headers().contains(HttpHeaderNames.HOST)) {
            fail(ctx, HttpResponseStatus.BAD_REQUEST, "no_host", "an HTTP/1.1 request needs a Host header", false);
            return;
        }
        if (hasTwoHosts(request)) {
            // RFC 9112 §3.2: more than one Host is a 400; a proxy and Merlin could each route by a different one
            fail(ctx, HttpResponseStatus.BAD_REQUEST, "two_hosts", "a request must carry one Host header", true);
            return;
        }
        String uri = originForm(request.uri());
        if (uri == null) {
            fail(ctx, HttpResponseStatus.BAD_REQUEST, "bad_target", "request target is not a path: "
                    + request.uri(), false);
            return;
        }
        if (!uri.equals(request.uri())) {
            request.setUri(uri);
        }
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        if (query >= 0 && uri.indexOf('%', query) >= 0) {
            String problem = malformedEscape(uri.substring(query + 1));
            if (problem != null && "/px".equals(path)) {
                ctx.write(pixel.refused("bad_query")); // a pixel always answers its GIF
                return;
            }
            if (problem != null) {
                fail(ctx, HttpResponseStatus.BAD_REQUEST, "bad_query", "malformed query string: " + problem, false);
                return;
            }
        }
        HttpMethod method = request.method();
        if (method == HttpMethod.HEAD && head(ctx, request, path)) {
            return;
        }
        switch (path) {
            case AUCTION_PATH:
                if (method != HttpMethod.POST) {
                    methodNotAllowed(ctx, "POST");
                } else if (!isAcceptedContentType(request.headers().get(HttpHeaderNames.CONTENT_TYPE))) {
                    fail(ctx, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "content_type",
                            "Content-Type must be application/json (UTF-8), was "
                                    + request.headers().get(HttpHeaderNames.CONTENT_TYPE), false);
                } else if (request.headers().contains(HttpHeaderNames.CONTENT_ENCODING)
                        && !request.headers().contains(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.IDENTITY,
                        true)) {
                    fail(ctx, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "content_encoding",
                            "Content-Encoding must be gzip, deflate or identity, was "
                                    + request.headers().get(HttpHeaderNames.CONTENT_ENCODING), false);
                } else {
                    ctx.write(auction.handle(ctx, request));
                }
                break;
            case "/win":
            case "/bill":
            case "/loss":
                if (method != HttpMethod.GET && method != HttpMethod.POST) {
                    methodNotAllowed(ctx, "GET, POST");
                } else {
                    ctx.write(notices.handle(ctx, path.substring(1), uri));
                }
                break;
            case "/px":
                if (method != HttpMethod.GET) {
                    ctx.write(pixel.refused("method"));
                } else {
                    ctx.write(pixel.handle(ctx, request));
                }
                break;
            case "/events":
                if (method != HttpMethod.POST) {
                    methodNotAllowed(ctx, "POST");
                } else {
                    ctx.write(events.handle(ctx, request));
                }
                break;
            case "/click":
                if (method != HttpMethod.GET) {
                    methodNotAllowed(ctx, "GET");
                } else {
                    ctx.write(clicks.handle(ctx, request));
                }
                break;
            case "/reports/campaigns":
            case ReportsEndpoint.SELLERS_PATH:
                if (method != HttpMethod.GET) {
                    methodNotAllowed(ctx, "GET, HEAD");
                } else {
                    offload(ctx, request);
                }
                break;
            case "/optout":
                if (method != HttpMethod.GET && method != HttpMethod.POST) {
                    methodNotAllowed(ctx, "GET, POST");
                } else {
                    ctx.write(privacy.optOut(ctx, request));
                }
                break;
            case SELLERS_JSON_PATH:
                if (method != HttpMethod.GET) {
                    methodNotAllowed(ctx, "GET, HEAD");
                } else {
                    ctx.write(sellersJson(ctx));
                }
                break;
            case "/health":
            case "/status":
                if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
                    methodNotAllowed(ctx, "GET, HEAD");
                } else {
                    ctx.write(HttpResponses.json(ctx.alloc(), HttpResponseStatus.OK, HEALTH_BODY));
                }
                break;
            case "/metrics":
                if (method != HttpMethod.GET) {
                    methodNotAllowed(ctx, "GET, HEAD");
                } else {
                    ctx.write(metricsResponse(ctx));
                }
                break;
            default:
                if (path.startsWith(PrivacyEndpoints.USERS_PREFIX)) {
                    if (method != HttpMethod.GET && method != HttpMethod.DELETE) {
                        methodNotAllowed(ctx, "GET, HEAD, DELETE");
                    } else {
                        ctx.write(privacy.user(ctx, request, path));
                    }
                } else {
                    fail(ctx, HttpResponseStatus.NOT_FOUND, "unknown_path", "no such endpoint: " + path, false);
                }
        }
    }

    /**
     * {@code HEAD} where {@code GET} only reads: answered as {@code GET} (the codec drops the body and keeps the
     * headers). {@code HEAD /px} records nothing. Endpoints whose {@code GET} records or charges something (notices,
     * clicks, opt-out) are not read-only and keep answering 405.
     *
     * @return whether the request was answered here
     */
    private boolean head(ChannelHandlerContext ctx, FullHttpRequest request, String path) {
        switch (path) {
            case "/px":
                ctx.write(pixel.head());
                return true;
            case "/metrics":
                ctx.write(metricsResponse(ctx));
                return true;
            case "/reports/campaigns":
            case ReportsEndpoint.SELLERS_PATH:
                offload(ctx, request);
                return true;
            case SELLERS_JSON_PATH:
                ctx.write(sellersJson(ctx));
                return true;
            default:
                if (path.startsWith(PrivacyEndpoints.USERS_PREFIX)) {
                    request.setMethod(HttpMethod.GET);
                    ctx.write(privacy.user(ctx, request, path));
                    return true;
                }
                return false;
        }
    }

    /**
     * The request target in origin form: a path and query. The absolute form ({@code http://host/path}), which
     * RFC 9112 says a server must accept, loses its scheme and authority; anything else that is not a path is null.
     */
    static String originForm(String target) {
        if (target.startsWith("/")) {
            return target;
        }
        String lower = target.regionMatches(true, 0, "http://", 0, 7) ? "http://"
                : target.regionMatches(true, 0, "https://", 0, 8) ? "https://" : null;
        if (lower == null) {
            return null;
        }
        int authorityEnd = target.length();
        for (int i = lower.length(); i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '/' || c == '?') {
                authorityEnd = i;
                break;
            }
        }
        String rest = target.substring(authorityEnd);
        return rest.isEmpty() ? "/" : rest.startsWith("?") ? "/" + rest : rest;
    }

    /** What is wrong with the %-escapes of a query string, or null when it decodes. */
    static String malformedEscape(String query) {
        try {
            QueryStringDecoder.decodeComponent(query, StandardCharsets.UTF_8);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        ArrayDeque<FullHttpRequest> held = ctx.channel().attr(HELD).getAndSet(null);
        if (held != null) {
            FullHttpRequest request;
            while ((request = held.poll()) != null) {
                request.release();
            }
        }
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            ctx.close();
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = rootCause(cause);
        // out of memory is counted by its type (direct buffers or heap) before anything else is decided
        UnwrittenBytes.countOutOfMemory(metrics, root);
        if (root instanceof IOException || root instanceof PrematureChannelClosureException) {
            ctx.close(); // the peer went away mid-request; nothing to answer
            return;
        }
        metrics.channelException();
        if (loggedCauses.add(root.getClass())) {
            LOG.warn("closing {} after an unexpected {} (logged once per cause)", ctx.channel(), root.toString(),
                    cause);
        }
        ctx.close();
    }

    /**
     * Runs a report off the event loop. Until its answer is written, reading pauses on this connection and requests
     * already read (pipelined behind it) are held, then answered in order; a full queue answers 503.
     */
    private void offload(ChannelHandlerContext ctx, FullHttpRequest request) {
        request.retain();
        // set when a held request starts this report: those behind it must keep waiting if the queue refuses it
        ArrayDeque<FullHttpRequest> previous = ctx.channel().attr(HELD).get();
        ctx.channel().attr(HELD).set(new ArrayDeque<>());
        ctx.channel().config().setAutoRead(false);
        // pending answers go out before the report's, which is written from another thread
        ctx.flush();
        try {
            slowWork.execute(() -> {
                FullHttpResponse response;
                try {
                    response = reports.handle(ctx, request);
                } catch (RuntimeException e) {
                    response = HttpResponses.error(ctx.alloc(), HttpResponseStatus.INTERNAL_SERVER_ERROR,
                            "the report failed: " + e, null);
                } finally {
                    request.release();
                }
                ctx.writeAndFlush(response).addListener(done -> resume(ctx));
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            request.release();
            fail(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "reports_busy",
                    "too many reports in progress; try again shortly", false);
            // nothing was read meanwhile (reading is off and this is one call on the event loop)
            ctx.channel().attr(HELD).set(previous);
            if (previous == null) {
                updateAutoRead(ctx);
            }
        }
    }

    /**
     * On the event loop, once an offloaded answer is written: answers the held requests in order, then reads again
     * unless the connection is backed up. {@link #HELD} stays set while they are answered, so a request delivered
     * meanwhile queues behind them instead of overtaking them.
     */
    private void resume(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        ArrayDeque<FullHttpRequest> held = channel.attr(HELD).get();
        if (held == null) {
            return; // the channel closed and released them
        }
        FullHttpRequest next;
        while (channel.attr(HELD).get() == held && (next = held.poll()) != null) {
            try {
                if (channel.isActive()) {
                    route(ctx, next);
                }
            } finally {
                next.release();
            }
        }
        ArrayDeque<FullHttpRequest> newer = channel.attr(HELD).get();
        if (newer == held) {
            channel.attr(HELD).set(null);
            ctx.flush();
            updateAutoRead(ctx);
        } else if (newer != null) {
            newer.addAll(held); // a held request started another report: the rest wait for that one
            held.clear();
        }
    }

    /**
     * Reading stops while the connection's outbound buffer is over its high-water mark (a client that pipelines and
     * does not read its answers) and resumes once it drains below the low mark, unless a report holds reading too.
     */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (!ctx.channel().isWritable()) {
            // the flow-control handler stops mid-batch without a read-complete to come: push out what is written
            ctx.flush();
        }
        updateAutoRead(ctx);
        super.channelWritabilityChanged(ctx);
    }

    /**
     * Reads when neither backpressure nor a report in progress holds reading. Turning reading on hands over the
     * requests the flow-control handler kept, without a read-complete after them: their answers are flushed here.
     */
    private static void updateAutoRead(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        boolean isReading = channel.isWritable() && channel.attr(HELD).get() == null;
        channel.config().setAutoRead(isReading);
        if (isReading) {
            ctx.flush();
        }
    }

    private static boolean hasTwoHosts(FullHttpRequest request) {
        var hosts = request.headers().valueStringIterator(HttpHeaderNames.HOST);
        if (!hosts.hasNext()) {
            return false;
        }
        hosts.next();
        return hosts.hasNext();
    }

    private void badHttp(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            fail(ctx, HttpResponseStatus.REQUEST_URI_TOO_LONG, "line_too_long", "request line is too long", true);
        } else if (cause instanceof TooLongHttpHeaderException) {
            fail(ctx, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large",
                    "request headers are too large", true);
        } else if (cause instanceof TooLongFrameException) {
            fail(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", cause.getMessage(), true);
        } else {
            fail(ctx, HttpResponseStatus.BAD_REQUEST, "bad_http",
                    "malformed HTTP request: " + cause.getMessage(), true);
        }
    }

    private void methodNotAllowed(ChannelHandlerContext ctx, String allowed) {
        metrics.httpError(405, "method");
        FullHttpResponse response = HttpResponses.error(ctx.alloc(), HttpResponseStatus.METHOD_NOT_ALLOWED,
                "method not allowed; use " + allowed, null);
        response.headers().set(HttpHeaderNames.ALLOW, allowed);
        ctx.write(response);
    }

    private void fail(ChannelHandlerContext ctx, HttpResponseStatus status, String cause, String message,
                      boolean close) {
        metrics.httpError(status.code(), cause);
        FullHttpResponse response = HttpResponses.error(ctx.alloc(), status, message, null);
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.write(response);
        }
    }

    private FullHttpResponse metricsResponse(ChannelHandlerContext ctx) {
        ByteBuf content = ctx.alloc().buffer(4096);
        try (ByteBufOutputStream out = new ByteBufOutputStream(content)) {
            metrics.writeTo(out);
        } catch (IOException | RuntimeException e) {
            content.release();
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "cannot render metrics: " + e.getMessage(), null);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, metrics.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        return response;
    }

    /** JSON bodies: {@code application/json}, or {@code text/plain} as Prebid.js sends to avoid a CORS preflight. */
    static boolean isAcceptedContentType(String contentType) {
        if (contentType == null) {
            return true;
        }
        String lower = contentType.toLowerCase(Locale.ROOT);
        int semicolon = lower.indexOf(';');
        String mediaType = (semicolon < 0 ? lower : lower.substring(0, semicolon)).trim();
        if (!mediaType.equals("application/json") && !mediaType.equals("text/plain")) {
            return false;
        }
        int charset = lower.indexOf("charset=");
        if (charset < 0) {
            return true;
        }
        String value = lower.substring(charset + 8).trim();
        int end = value.indexOf(';');
        value = (end < 0 ? value : value.substring(0, end)).trim().replace("\"", "");
        return value.equals("utf-8") || value.equals("utf8");
    }

    private static Throwable rootCause(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}
