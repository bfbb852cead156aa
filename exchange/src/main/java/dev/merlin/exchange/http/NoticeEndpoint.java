package dev.merlin.exchange.http;

import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.SpendLedger;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /win}, {@code /bill}, {@code /loss}: the notices a bid's {@code nurl}, {@code burl} and {@code lurl}
 * point at. A win or a bill charges the impression once — whichever comes first, however often either repeats —
 * at the price the seller filled into {@code ${AUCTION_PRICE}}, never above the campaign's bid.
 */
final class NoticeEndpoint {

    private final ExchangeRuntime runtime;
    private final long keepPartsPerMillion;

    NoticeEndpoint(ExchangeRuntime runtime) {
        this.runtime = runtime;
        this.keepPartsPerMillion = Math.round((1 - runtime.config().exchange().takeRate()) * 1_000_000d);
    }

    FullHttpResponse handle(ChannelHandlerContext ctx, String kind, String uri) {
        Map<String, List<String>> params = new QueryStringDecoder(uri).parameters();
        String requestId = QueryParams.first(params, "rid");
        String impId = QueryParams.first(params, "iid");
        String campaignId = QueryParams.first(params, "c");
        if (requestId == null || impId == null || campaignId == null) {
            runtime.metrics().notice(kind, "bad_request");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST,
                    "a " + kind + " notice needs rid, iid and c parameters", null);
        }
        String creativeId = QueryParams.first(params, "cr");
        if (!runtime.noticeUrls().verify(requestId, impId, campaignId, creativeId, signedExtra(params),
                QueryParams.first(params, "sig"))) {
            runtime.metrics().notice(kind, "bad_signature");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.FORBIDDEN,
                    "this " + kind + " notice is not one Merlin issued (sig does not match rid, iid, c, cr)", null);
        }
        Campaign campaign = runtime.catalog().byId(campaignId);
        if (campaign == null) {
            runtime.metrics().notice(kind, "unknown_campaign");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST,
                    "unknown campaign " + campaignId, null);
        }
        if ("loss".equals(kind)) {
            runtime.metrics().notice(kind, "recorded");
            return HttpResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT);
        }
        if ("1".equals(QueryParams.first(params, "t"))) {
            runtime.metrics().notice(kind, "test");
            return HttpResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT);
        }
        long now = runtime.nowEpochSeconds();
        long chargeMicros = chargePerImpressionMicros(campaign, QueryParams.first(params, "price"),
                QueryParams.first(params, "cur"));
        SpendLedger.Charge charge = runtime.spend().charge(requestId, impId, campaign, chargeMicros, now);
        if (charge == SpendLedger.Charge.CHARGED) {
            long userHash = parseUserHash(QueryParams.first(params, "u"));
            if (userHash != 0) {
                runtime.frequency().record(userHash, campaign, now);
            }
            runtime.tracking().impression(campaign, userHash, now);
        }
        runtime.metrics().notice(kind, charge.name().toLowerCase(java.util.Locale.ROOT));
        return HttpResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT);
    }

    /**
     * The advertiser's cost of one impression: the clearing CPM the seller reports, grossed up by the take rate,
     * capped at the campaign's bid, divided by 1,000. An absent or unfilled price charges the bid.
     */
    long chargePerImpressionMicros(Campaign campaign, String price, String currency) {
        long cpmMicros = campaign.bidMicros();
        if (price != null && !price.startsWith("$")) {
            try {
                double value = Double.parseDouble(price);
                String code = currency == null || currency.startsWith("$")
                        ? runtime.currencies().exchangeCurrency() : currency;
                long clearing = runtime.currencies().toMicros(value, code);
                if (clearing >= 0 && value >= 0) {
                    long gross = (clearing * 1_000_000L + keepPartsPerMillion - 1) / keepPartsPerMillion;
                    cpmMicros = Math.min(gross, campaign.bidMicros());
                }
            } catch (NumberFormatException ignored) {
                // charge the bid: the seller sent something that is not a price
            }
        }
        return cpmMicros / 1000L;
    }

    /** The signed optional parameters as {@link NoticeUrls} appends them: {@code &u=} or {@code &np=1}, then t. */
    static String signedExtra(Map<String, List<String>> params) {
        String user = QueryParams.first(params, "u");
        String extra = user != null ? "&u=" + user : "1".equals(QueryParams.first(params, "np")) ? "&np=1" : "";
        return "1".equals(QueryParams.first(params, "t")) ? extra + "&t=1" : extra;
    }

    private static long parseUserHash(String hex) {
        if (hex == null) {
            return 0;
        }
        try {
            return Long.parseUnsignedLong(hex, 16);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

}
