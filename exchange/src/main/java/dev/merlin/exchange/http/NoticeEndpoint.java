package dev.merlin.exchange.http;

import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.SpendLedger;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventType;
import dev.merlin.exchange.events.EventWriter;
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
        long now = runtime.nowEpochSeconds();
        if ("loss".equals(kind)) {
            runtime.metrics().notice(kind, "recorded");
            log(EventType.LOSS, requestId, impId, campaign, creativeId, now, "recorded", 0,
                    QueryParams.first(params, "loss"));
            return HttpResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT);
        }
        EventType type = "win".equals(kind) ? EventType.WIN : EventType.BILL;
        if ("1".equals(QueryParams.first(params, "t"))) {
            runtime.metrics().notice(kind, "test");
            log(type, requestId, impId, campaign, creativeId, now, "test", 0, null);
            return HttpResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT);
        }
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
        String outcome = charge.name().toLowerCase(java.util.Locale.ROOT);
        runtime.metrics().notice(kind, outcome);
        log(type, requestId, impId, campaign, creativeId, now, outcome,
                charge == SpendLedger.Charge.CHARGED ? chargeMicros : 0, null);
        return HttpResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT);
    }

    /** The notice to the event log: what it was for, what became of it, and what it charged (micros). */
    private void log(EventType type, String requestId, String impId, Campaign campaign, String creativeId,
                     long nowEpochSeconds, String outcome, long chargedMicros, String lossReason) {
        EventLog log = runtime.events();
        EventWriter event = log.begin(type, nowEpochSeconds * 1000L).put("rid", requestId).put("iid", impId)
                .put("c", campaign.id()).put("cr", creativeId).put("outcome", outcome)
                .put("charged_micros", chargedMicros);
        if (lossReason != null && !lossReason.startsWith("$")) {
            event.put("loss", lossReason);
        }
        log.commit(event);
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
