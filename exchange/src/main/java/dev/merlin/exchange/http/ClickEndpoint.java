package dev.merlin.exchange.http;

import dev.merlin.exchange.auction.AuctionIds;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.Creative;
import dev.merlin.exchange.auction.NoticeIdentity;
import dev.merlin.exchange.auction.NoticeUrls;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventType;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.ErasureRegistry;
import dev.merlin.exchange.tracking.ClickLedger;
import dev.merlin.exchange.tracking.TrackingService;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * {@code GET /click}: records the click and redirects ({@code 302}) to the landing page the creative declares. An
 * impression's click is counted once, however often its link is followed; a test ad's click ({@code t=1}) not at all.
 * The target comes from the configuration, never from the URL, so there is no open redirect: an unknown campaign
 * or creative gets 404 and no redirect at all.
 */
public final class ClickEndpoint {

    private final CampaignCatalog catalog;
    private final NoticeUrls noticeUrls;
    private final ClickLedger clickLedger;
    private final TrackingService tracking;
    private final ErasureRegistry erasures;
    private final EventLog eventLog;
    private final ExchangeMetrics metrics;
    private final LongSupplier epochSecondsClock;

    /** The click redirect, with what a click reads and records. */
    public ClickEndpoint(CampaignCatalog catalog, NoticeUrls noticeUrls, ClickLedger clickLedger,
                         TrackingService tracking, ErasureRegistry erasures, EventLog eventLog,
                         ExchangeMetrics metrics, LongSupplier epochSecondsClock) {
        this.catalog = catalog;
        this.noticeUrls = noticeUrls;
        this.clickLedger = clickLedger;
        this.tracking = tracking;
        this.erasures = erasures;
        this.eventLog = eventLog;
        this.metrics = metrics;
        this.epochSecondsClock = epochSecondsClock;
    }

    FullHttpResponse handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        Map<String, List<String>> params = new QueryStringDecoder(request.uri()).parameters();
        Campaign campaign = catalog.known(QueryParams.first(params, "c"));
        Creative creative = campaign == null ? null : creative(campaign, QueryParams.first(params, "cr"));
        if (creative == null) {
            metrics.notice("click", "unknown_creative");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.NOT_FOUND,
                    "unknown campaign or creative: c and cr must name a creative Merlin served", null);
        }
        NoticeIdentity identity = new NoticeIdentity();
        if (!NoticeEndpoint.readIdentity(params, identity)
                || !noticeUrls.verify(identity, QueryParams.first(params, "sig"))) {
            metrics.notice("click", "bad_signature");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.FORBIDDEN,
                    "this click link is not one Merlin issued (sig does not match)", null);
        }
        long now = epochSecondsClock.getAsLong();
        String outcome;
        long userHash = 0;
        if (identity.isTest()) {
            // a test ad's click, like its impression, is not the advertiser's
            outcome = "test";
        } else {
            // once per impression of Merlin's auction id
            ClickLedger.Click click = clickLedger.click(AuctionIds.format(identity.auctionId()),
                    identity.impId(), identity.auctionEpochSeconds(), now);
            outcome = click.label();
            if (click == ClickLedger.Click.COUNTED) {
                userHash = user(request, identity);
                tracking.click(campaign, userHash, now);
            }
        }
        EventLog log = eventLog;
        log.commit(log.begin(EventType.CLICK, now * 1000L).put("rid", identity.requestId())
                .put("iid", identity.impId()).put("c", campaign.id()).put("cr", creative.id())
                .put("s", identity.sellerId())
                .put("outcome", outcome)
                .put("tied_to_user", userHash == 0 ? 0 : 1));
        // "redirected": counted; else redirected all the same but not counted (test, repeated, expired, refused_full)
        metrics.notice("click", "counted".equals(outcome) ? "redirected" : outcome);
        FullHttpResponse response = HttpResponses.empty(ctx.alloc(), HttpResponseStatus.FOUND);
        response.headers()
                .set(HttpHeaderNames.LOCATION, creative.landingPage())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return response;
    }

    /**
     * The user a counted click is tied to, or 0: the user hash signed into the link ({@code u}, the bid request's
     * user, an in-app ad's device IFA say), exactly as its signature covered it; none when the link
     * says {@code np=1}, the browser carries the opt-out cookie, or the user opted out or was erased at or after the
     * auction. Never the {@code uid} cookie of whoever follows the link: the auction decided whose impression it was.
     */
    private long user(FullHttpRequest request, NoticeIdentity identity) {
        long signedUser = identity.userHash();
        if (signedUser == 0 || Cookies.isOptedOut(request)) {
            return 0;
        }
        ErasureRegistry.Refusal refusal = erasures.refusal(signedUser, identity.auctionEpochSeconds());
        if (refusal != null) {
            metrics.noticeUserRefused("click", refusal.label());
            return 0;
        }
        return signedUser;
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
