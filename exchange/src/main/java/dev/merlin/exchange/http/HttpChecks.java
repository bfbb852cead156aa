package dev.merlin.exchange.http;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.Iterator;
import java.util.Locale;

/**
 * Checks what HTTP itself requires of an aggregated request before it is routed, and answers the rest: a request
 * the codec could not parse (told apart by the failure's type: 414 line too long, 431 headers too large, 413 too
 * large, else 400, closing), an HTTP/1.1 request without a {@code Host} (400) or with two (400, closing: a proxy and
 * Merlin could each route by a different one), a target that is not a path (400). The absolute form of the target
 * ({@code http://host/path}) is rewritten to its path and query. Each refusal is a JSON error, counted by reason.
 */
@ChannelHandler.Sharable
final class HttpChecks extends ChannelInboundHandlerAdapter {

    private final ExchangeMetrics metrics;

    HttpChecks(ExchangeMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest request && !isAcceptable(ctx, request)) {
            request.release();
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** Whether {@code request} passes (its target rewritten to origin form); when not, it has been answered. */
    private boolean isAcceptable(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            refuseUnparsed(ctx, request.decoderResult().cause());
            return false;
        }
        HttpHeaders headers = request.headers();
        if (HttpVersion.HTTP_1_1.equals(request.protocolVersion()) && !headers.contains(HttpHeaderNames.HOST)) {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, "no_host", "an HTTP/1.1 request needs a Host header", false);
            return false;
        }
        if (hasTwoHosts(headers)) {
            // RFC 9112 §3.2: more than one Host is a 400; a proxy and Merlin could each route by a different one
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, "two_hosts", "a request must carry one Host header", true);
            return false;
        }
        String uri = request.uri();
        String target = originForm(uri);
        if (target == null) {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, "bad_target", "request target is not a path: " + uri, false);
            return false;
        }
        if (target != uri) {
            request.setUri(target);
        }
        return true;
    }

    /** A request the codec gave up on, answered by the type of its failure; the connection closes after it. */
    private void refuseUnparsed(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            refuse(ctx, HttpResponseStatus.REQUEST_URI_TOO_LONG, "line_too_long", "request line is too long", true);
        } else if (cause instanceof TooLongHttpHeaderException) {
            refuse(ctx, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large",
                    "request headers are too large", true);
        } else if (cause instanceof TooLongFrameException) {
            refuse(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", "request is too large", true);
        } else {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, "bad_http", "malformed HTTP request: " + cause.getMessage(),
                    true);
        }
    }

    private void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String cause, String message,
                        boolean close) {
        HttpResponses.refuse(ctx, metrics, status, cause, message, close);
    }

    private static boolean hasTwoHosts(HttpHeaders headers) {
        Iterator<? extends CharSequence> hosts = headers.valueCharSequenceIterator(HttpHeaderNames.HOST);
        if (!hosts.hasNext()) {
            return false;
        }
        hosts.next();
        return hosts.hasNext();
    }

    /**
     * The request target in origin form: a path and query. The absolute form ({@code http://host/path}), which
     * RFC 9112 says a server must accept, loses its scheme and authority; anything else that is not a path is null.
     * A target already in origin form is returned as the same instance.
     */
    static String originForm(String target) {
        if (target.startsWith("/")) {
            return target;
        }
        String scheme = target.regionMatches(true, 0, "http://", 0, 7) ? "http://"
                : target.regionMatches(true, 0, "https://", 0, 8) ? "https://" : null;
        if (scheme == null) {
            return null;
        }
        int authorityEnd = target.length();
        for (int i = scheme.length(); i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '/' || c == '?') {
                authorityEnd = i;
                break;
            }
        }
        String rest = target.substring(authorityEnd);
        return rest.isEmpty() ? "/" : rest.startsWith("?") ? "/" + rest : rest;
    }

    /** The path of a request target as it is routed (absolute form, query cut), or null when it is not a path. */
    static String path(String uri) {
        String target = originForm(uri);
        if (target == null) {
            return null;
        }
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }

    /**
     * The auction's body checks, before it runs: a JSON body ({@code application/json}, or {@code text/plain} as
     * Prebid.js sends to avoid a CORS preflight; UTF-8), not encoded other than gzip or deflate (which the inflater
     * has undone) — else 415, counted.
     */
    static Endpoint jsonBody(ExchangeMetrics metrics, Endpoint endpoint) {
        return (ctx, request) -> {
            HttpHeaders headers = request.headers();
            if (!headers.contains(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON, true)
                    && !isAcceptedContentType(headers.get(HttpHeaderNames.CONTENT_TYPE))) {
                metrics.httpError(415, "content_type");
                return HttpResponses.error(ctx.alloc(), HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                        "Content-Type must be application/json (UTF-8), was "
                                + headers.get(HttpHeaderNames.CONTENT_TYPE), null);
            }
            if (headers.contains(HttpHeaderNames.CONTENT_ENCODING)
                    && !headers.contains(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.IDENTITY, true)) {
                metrics.httpError(415, "content_encoding");
                return HttpResponses.error(ctx.alloc(), HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                        "Content-Encoding must be gzip, deflate or identity, was "
                                + headers.get(HttpHeaderNames.CONTENT_ENCODING), null);
            }
            return endpoint.handle(ctx, request);
        };
    }

    /** JSON bodies: {@code application/json}, or {@code text/plain}; UTF-8 when a charset is named; null is JSON. */
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
}
