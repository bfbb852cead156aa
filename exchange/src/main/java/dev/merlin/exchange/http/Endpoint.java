package dev.merlin.exchange.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;

/** Answers one routed request: what the {@link RouteTable} holds for a method and a path. */
@FunctionalInterface
interface Endpoint {

    /**
     * The answer to {@code request}, or null when the endpoint took a ticket from {@link OrderedResponses#defer}
     * and gives its answer later through {@link OrderedResponses#answer}. The request is released once this
     * returns: an endpoint that still needs it retains it.
     */
    FullHttpResponse handle(ChannelHandlerContext ctx, FullHttpRequest request);
}
