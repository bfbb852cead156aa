package dev.merlin.exchange.http;

import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.secrets.Secrets;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The one check of the admin token, for every endpoint only the operator may open: the bearer token compared in
 * constant time; otherwise a counted {@code 401} with a Bearer challenge naming what needs the token.
 */
final class AdminToken {

    private AdminToken() {
    }

    /**
     * Null when {@code request} carries the admin token of {@code tracking}; otherwise the {@code 401} to answer,
     * counted under {@code reason}, its message "{@code what} needs Authorization: Bearer &lt;admin token&gt;".
     */
    static FullHttpResponse refusal(ChannelHandlerContext ctx, FullHttpRequest request, TrackingConfig tracking,
                                    ExchangeMetrics metrics, String reason, String what, String realm) {
        if (Secrets.matches(tracking.adminToken(), ReportsEndpoint.bearerToken(request))) {
            return null;
        }
        metrics.httpError(401, reason);
        FullHttpResponse response = HttpResponses.error(ctx.alloc(), HttpResponseStatus.UNAUTHORIZED,
                what + " needs Authorization: Bearer <admin token>", null);
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"" + realm + "\"");
        return response;
    }
}
