package dev.merlin.exchange.http;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.protocol.JsonText;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Builds the exchange's HTTP responses: every one carries a length and {@code x-openrtb-version}. */
final class HttpResponses {

    static final String OPENRTB_VERSION_HEADER = "x-openrtb-version";
    static final String OPENRTB_VERSION = "2.6";

    private HttpResponses() {
    }

    /** A response with no body (e.g. 204 no-bid). */
    static FullHttpResponse empty(ByteBufAllocator alloc, HttpResponseStatus status) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, alloc.buffer(0));
        response.headers().set(OPENRTB_VERSION_HEADER, OPENRTB_VERSION);
        if (status.code() != 204) {
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        }
        return response;
    }

    /** A JSON body. */
    static FullHttpResponse json(ByteBufAllocator alloc, HttpResponseStatus status, String json) {
        return withBody(alloc, status, json, HttpHeaderValues.APPLICATION_JSON.toString());
    }

    /** A plain-text body. */
    static FullHttpResponse text(ByteBufAllocator alloc, HttpResponseStatus status, String text, String contentType) {
        return withBody(alloc, status, text, contentType);
    }

    /** The error body the design card promises: {@code {"error": "...", "path": "..."}}. */
    static FullHttpResponse error(ByteBufAllocator alloc, HttpResponseStatus status, String message, String path) {
        return json(alloc, status, JsonText.error(message, path));
    }

    /**
     * Writes a counted JSON error for the request being read; with {@code close}, it says {@code Connection: close}
     * and the connection closes once it is written.
     */
    static void refuse(ChannelHandlerContext ctx, ExchangeMetrics metrics, HttpResponseStatus status, String cause,
                       String message, boolean close) {
        metrics.httpError(status.code(), cause);
        FullHttpResponse response = error(ctx.alloc(), status, message, null);
        if (close) {
            LingeringClose.answerThenClose(ctx, response);
        } else {
            ctx.write(response);
        }
    }

    private static FullHttpResponse withBody(ByteBufAllocator alloc, HttpResponseStatus status, String body,
                                             String contentType) {
        ByteBuf content = alloc.buffer(body.length());
        content.writeCharSequence(body, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                .set(OPENRTB_VERSION_HEADER, OPENRTB_VERSION);
        return response;
    }
}
