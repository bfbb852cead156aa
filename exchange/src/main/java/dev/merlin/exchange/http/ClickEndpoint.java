package dev.merlin.exchange.http;

import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.Creative;
import dev.merlin.exchange.auction.UserKeys;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventType;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /click}: records the click and redirects ({@code 302}) to the landing page the creative declares.
 * The target comes from the configuration, never from the URL, so there is no open redirect: an unknown campaign
 * or creative gets 404 and no redirect at all.
 */
final class ClickEndpoint {

    private final ExchangeRuntime runtime;

    ClickEndpoint(ExchangeRuntime runtime) {
        this.runtime = runtime;
    }

    FullHttpResponse handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        Map<String, List<String>> params = new QueryStringDecoder(request.uri()).parameters();
        Campaign campaign = runtime.catalog().byId(QueryParams.first(params, "c"));
        Creative creative = campaign == null ? null : creative(campaign, QueryParams.first(params, "cr"));
        if (creative == null) {
            runtime.metrics().notice("click", "unknown_creative");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.NOT_FOUND,
                    "unknown campaign or creative: c and cr must name a creative Merlin served", null);
        }
        if (!runtime.noticeUrls().verify(QueryParams.first(params, "rid"), QueryParams.first(params, "iid"),
                campaign.id(), creative.id(),
                NoticeEndpoint.signedExtra(params), QueryParams.first(params, "sig"))) {
            runtime.metrics().notice("click", "bad_signature");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.FORBIDDEN,
                    "this click link is not one Merlin issued (sig does not match)", null);
        }
        long now = runtime.nowEpochSeconds();
        boolean mayTrackUser = !"1".equals(QueryParams.first(params, "np")) && !Cookies.isOptedOut(request);
        String uid = mayTrackUser ? Cookies.get(request, Cookies.UID) : null;
        if (uid != null && (!Cookies.isUsableKey(uid) || runtime.optOuts().contains(uid))) {
            uid = null;
        }
        runtime.tracking().click(campaign, UserKeys.hash(uid), now);
        EventLog log = runtime.events();
        log.commit(log.begin(EventType.CLICK, now * 1000L).put("rid", QueryParams.first(params, "rid"))
                .put("iid", QueryParams.first(params, "iid")).put("c", campaign.id()).put("cr", creative.id())
                .put("tied_to_user", uid == null ? 0 : 1));
        runtime.metrics().notice("click", "redirected");
        FullHttpResponse response = HttpResponses.empty(ctx.alloc(), HttpResponseStatus.FOUND);
        response.headers()
                .set(HttpHeaderNames.LOCATION, creative.landingPage())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return response;
    }

    private static Creative creative(Campaign campaign, String creativeId) {
        for (int i = 0; i < campaign.creativeCount(); i++) {
            if (campaign.creative(i).id().equals(creativeId)) {
                return campaign.creative(i);
            }
        }
        return null;
    }

}
