package dev.merlin.exchange.http;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Routes each checked request by path and method to the endpoint the table was given, and writes its answer (unless
 * the endpoint answers later). A path it does not know is {@code 404}; a method its route does not take is
 * {@code 405} with {@code Allow} listing the route's methods in the order they were added; a query string whose
 * {@code %}-escapes do not decode is {@code 400}. A route may answer its own refusals instead (the pixel answers its
 * GIF whatever happens). Matching compares the target in place: it allocates nothing.
 */
@ChannelHandler.Sharable
final class RouteTable extends SimpleChannelInboundHandler<FullHttpRequest> {

    /** What a route answers instead of a 400 or 405 (its reason: {@code bad_query}, {@code method}). */
    @FunctionalInterface
    interface Refusal {
        FullHttpResponse refuse(ChannelHandlerContext ctx, String reason);
    }

    private final Route[] routes;
    private final ExchangeMetrics metrics;

    private RouteTable(List<Route> routes, ExchangeMetrics metrics) {
        this.routes = routes.toArray(new Route[0]);
        this.metrics = metrics;
    }

    /** A table to fill, route by route; counts its refusals in {@code metrics}. */
    static Builder builder(ExchangeMetrics metrics) {
        return new Builder(metrics);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String uri = request.uri();
        int query = uri.indexOf('?');
        int pathEnd = query < 0 ? uri.length() : query;
        Route route = find(uri, pathEnd);
        if (query >= 0 && uri.indexOf('%', query) >= 0) {
            String problem = malformedEscape(uri.substring(query + 1));
            if (problem != null) {
                if (route != null && route.refusal != null) {
                    ctx.write(route.refusal.refuse(ctx, "bad_query"));
                } else {
                    HttpResponses.refuse(ctx, metrics, HttpResponseStatus.BAD_REQUEST, "bad_query",
                            "malformed query string: " + problem, false);
                }
                return;
            }
        }
        if (route == null) {
            HttpResponses.refuse(ctx, metrics, HttpResponseStatus.NOT_FOUND, "unknown_path",
                    "no such endpoint: " + uri.substring(0, pathEnd), false);
            return;
        }
        Endpoint endpoint = route.endpoint(request.method());
        if (endpoint == null) {
            refuseMethod(ctx, route);
            return;
        }
        FullHttpResponse response = endpoint.handle(ctx, request);
        if (response != null) {
            ctx.write(response);
        }
    }

    private Route find(String uri, int pathEnd) {
        for (Route route : routes) {
            int length = route.path.length();
            if ((route.isPrefix ? pathEnd >= length : pathEnd == length) && uri.startsWith(route.path)) {
                return route;
            }
        }
        return null;
    }

    private void refuseMethod(ChannelHandlerContext ctx, Route route) {
        if (route.refusal != null) {
            ctx.write(route.refusal.refuse(ctx, "method"));
            return;
        }
        metrics.httpError(405, "method");
        FullHttpResponse response = HttpResponses.error(ctx.alloc(), HttpResponseStatus.METHOD_NOT_ALLOWED,
                route.notAllowedMessage, null);
        response.headers().set(HttpHeaderNames.ALLOW, route.allow);
        ctx.write(response);
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

    /** An endpoint that answers {@code HEAD} as {@code GET}: the codec drops the body and keeps the headers. */
    static Endpoint headAsGet(Endpoint get) {
        return (ctx, request) -> {
            request.setMethod(HttpMethod.GET);
            return get.handle(ctx, request);
        };
    }

    /** One path (or path prefix) and the endpoint for each method it takes. */
    private static final class Route {
        final String path;
        final boolean isPrefix;
        final List<HttpMethod> methodList = new ArrayList<>();
        final List<Endpoint> endpointList = new ArrayList<>();
        HttpMethod[] methods;
        Endpoint[] endpoints;
        AsciiString allow;
        String notAllowedMessage;
        Refusal refusal;

        Route(String path, boolean isPrefix) {
            this.path = path;
            this.isPrefix = isPrefix;
        }

        Endpoint endpoint(HttpMethod method) {
            for (int i = 0; i < methods.length; i++) {
                if (methods[i].equals(method)) {
                    return endpoints[i];
                }
            }
            return null;
        }

        void seal() {
            methods = methodList.toArray(new HttpMethod[0]);
            endpoints = endpointList.toArray(new Endpoint[0]);
            StringBuilder names = new StringBuilder();
            for (HttpMethod method : methods) {
                names.append(names.length() == 0 ? "" : ", ").append(method.name());
            }
            allow = AsciiString.cached(names.toString());
            notAllowedMessage = "method not allowed; use " + names;
        }
    }

    /** Fills a table: {@link #path} or {@link #prefix} starts a route, the methods after it add its endpoints. */
    static final class Builder {
        private final ExchangeMetrics metrics;
        private final List<Route> routes = new ArrayList<>();
        private Route current;

        private Builder(ExchangeMetrics metrics) {
            this.metrics = metrics;
        }

        /** Starts the route for exactly {@code path} (a query string may follow it). */
        Builder path(String path) {
            current = new Route(path, false);
            routes.add(current);
            return this;
        }

        /** Starts the route for every path that starts with {@code prefix}. */
        Builder prefix(String prefix) {
            current = new Route(prefix, true);
            routes.add(current);
            return this;
        }

        Builder get(Endpoint endpoint) {
            return method(HttpMethod.GET, endpoint);
        }

        Builder head(Endpoint endpoint) {
            return method(HttpMethod.HEAD, endpoint);
        }

        Builder post(Endpoint endpoint) {
            return method(HttpMethod.POST, endpoint);
        }

        Builder delete(Endpoint endpoint) {
            return method(HttpMethod.DELETE, endpoint);
        }

        /** The current route answers {@code method} with {@code endpoint}. */
        Builder method(HttpMethod method, Endpoint endpoint) {
            current.methodList.add(method);
            current.endpointList.add(endpoint);
            return this;
        }

        /** The current route answers its own refusals (a bad query string, a method it does not take). */
        Builder refusedWith(Refusal refusal) {
            current.refusal = refusal;
            return this;
        }

        /** The table; routes are tried in the order they were added, so put the busiest first. */
        RouteTable build() {
            for (Route route : routes) {
                route.seal();
            }
            return new RouteTable(routes, metrics);
        }
    }
}
