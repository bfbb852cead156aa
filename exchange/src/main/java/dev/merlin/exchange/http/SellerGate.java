package dev.merlin.exchange.http;

import dev.merlin.config.SellerConfig;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.sellers.Sellers;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AttributeKey;
import java.net.SocketAddress;

/**
 * Refuses an auction request from no known seller with {@code 401} as soon as its headers arrive: before its body
 * is decompressed, aggregated or decoded, and before {@code 100 Continue} is sent for it. Its body, if any arrives,
 * is dropped unread and the connection carries on; a request that expected {@code 100-continue} gets its 401 with
 * {@code Connection: close}, since whether its body will follow is the client's to decide.
 *
 * <p>One instance per connection ({@link HeaderGate}). The seller it resolved for the auction request in progress is
 * kept for {@link AuctionEndpoint} ({@link #sellerOf}), so a request's token is digested once, and the last token
 * the connection sent that named a seller is remembered: a client sending the same header on every request is
 * digested once per connection. That comparison is between two headers this client sent, so its timing says
 * nothing about any seller's token; a token is still compared with the configured ones only through
 * {@link Sellers#resolve} (constant time). The sellers are fixed for the process's life, so nothing remembered can
 * outlive a change to them.
 */
final class SellerGate extends HeaderGate {

    static final String REALM = "Bearer realm=\"merlin-auction\"";
    private static final AttributeKey<SellerGate> KEY = AttributeKey.valueOf("merlin.sellerGate");

    private final Sellers sellers;
    private final ExchangeMetrics metrics;
    /** The seller of the auction request being read on this connection; null for any other request. */
    private SellerConfig current;
    /** The last {@code Authorization} header on this connection that named a seller, and that seller. */
    private String knownAuthorization;
    private SellerConfig knownSeller;

    SellerGate(Sellers sellers, ExchangeMetrics metrics) {
        this.sellers = sellers;
        this.metrics = metrics;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.channel().attr(KEY).set(this);
    }

    @Override
    void begin() {
        current = null;
    }

    @Override
    FullHttpResponse refusal(ChannelHandlerContext ctx, HttpRequest request) {
        if (request.method() != HttpMethod.POST || !isAuction(request.uri())) {
            return null;
        }
        String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        SellerConfig seller;
        if (authorization != null && authorization.equals(knownAuthorization)) {
            seller = knownSeller;
        } else {
            seller = sellers.resolve(authorization, ctx.channel().remoteAddress());
            if (seller != null && authorization != null) {
                knownAuthorization = authorization;
                knownSeller = seller;
            }
        }
        current = seller;
        return seller == null ? unauthorized(ctx, metrics, authorization) : null;
    }

    /**
     * The seller this connection's gate resolved for the auction request being handled now, or null when the
     * channel has no gate or the gate did not take the request for an auction (then resolve it with {@link #seller}).
     */
    static SellerConfig sellerOf(Channel channel) {
        SellerGate gate = channel.attr(KEY).get();
        return gate == null ? null : gate.current;
    }

    /** The counted {@code 401} for an auction request from no known seller. */
    static FullHttpResponse unauthorized(ChannelHandlerContext ctx, ExchangeMetrics metrics, String authorization) {
        Sellers.Refusal refusal = Sellers.refusal(authorization);
        metrics.bidRequestUnauthorized(refusal.label());
        FullHttpResponse response = HttpResponses.error(ctx.alloc(), HttpResponseStatus.UNAUTHORIZED,
                refusal == Sellers.Refusal.NO_CREDENTIALS
                        ? "bid requests need Authorization: Bearer <seller token>, or a source address a seller's"
                                + " allowFrom holds"
                        : "the Authorization header names no seller's bearer token", null);
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, REALM);
        return response;
    }

    /** The seller of a request that reached the auction endpoint, or null (then answer {@link #unauthorized}). */
    static SellerConfig seller(Sellers sellers, HttpHeaders headers, SocketAddress remote) {
        return sellers.resolve(headers.get(HttpHeaderNames.AUTHORIZATION), remote);
    }

    /** Whether the target routes to the auction, as {@link RouteTable} routes it (absolute form, query). */
    static boolean isAuction(String uri) {
        String target = HttpChecks.originForm(uri);
        if (target == null) {
            return false;
        }
        int query = target.indexOf('?');
        return ExchangeRoutes.AUCTION_PATH.length() == (query < 0 ? target.length() : query)
                && target.startsWith(ExchangeRoutes.AUCTION_PATH);
    }
}
