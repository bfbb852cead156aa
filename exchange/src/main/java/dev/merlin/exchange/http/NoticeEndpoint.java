package dev.merlin.exchange.http;

import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.FrequencyStore;
import dev.merlin.exchange.auction.NoticeUrls;
import dev.merlin.exchange.auction.SpendLedger;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventType;
import dev.merlin.exchange.events.EventWriter;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.ErasureRegistry;
import dev.merlin.exchange.sellers.SellerStats;
import dev.merlin.exchange.tracking.TrackingService;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * {@code GET /win}, {@code /bill}, {@code /loss}: the notices a bid's {@code nurl}, {@code burl} and {@code lurl}
 * point at. A win or a bill charges the impression — Merlin's auction id ({@code a}) and the imp id — once,
 * whichever comes first, however often either repeats, within the charge window after its auction, turning the
 * commitment the auction made into spend ({@link SpendLedger#settle}); a loss releases that commitment. It charges
 * at the price the seller filled into {@code ${AUCTION_PRICE}}, read
 * in the bid's own currency and never above the bid's own price: the auction time, price and currency are signed
 * into the link, so the notice never guesses them. A charged notice counts the user's frequency and view only when
 * the user has not opted out and was not erased at or after the auction ({@code bt}, {@link ErasureRegistry}): a
 * late notice for an impression bought before an erasure puts nothing about the user back.
 */
public final class NoticeEndpoint {

    /** What {@link #chargePerImpressionMicros} returns for a price that is not one. */
    static final long NOT_A_PRICE = -1;

    private final CampaignCatalog catalog;
    private final NoticeUrls noticeUrls;
    private final Currencies currencies;
    private final SpendLedger spend;
    private final FrequencyStore frequency;
    private final TrackingService tracking;
    private final SellerStats sellerStats;
    private final ErasureRegistry erasures;
    private final EventLog eventLog;
    private final ExchangeMetrics metrics;
    private final LongSupplier epochSecondsClock;
    private final long keepPartsPerMillion;

    /** Win, billing and loss notices, with what a notice reads and records; {@code takeRate} is the exchange's cut. */
    public NoticeEndpoint(CampaignCatalog catalog, NoticeUrls noticeUrls, Currencies currencies, SpendLedger spend,
                          FrequencyStore frequency, TrackingService tracking, SellerStats sellerStats,
                          ErasureRegistry erasures, EventLog eventLog, double takeRate, ExchangeMetrics metrics,
                          LongSupplier epochSecondsClock) {
        this.catalog = catalog;
        this.noticeUrls = noticeUrls;
        this.currencies = currencies;
        this.spend = spend;
        this.frequency = frequency;
        this.tracking = tracking;
        this.sellerStats = sellerStats;
        this.erasures = erasures;
        this.eventLog = eventLog;
        this.metrics = metrics;
        this.epochSecondsClock = epochSecondsClock;
        this.keepPartsPerMillion = Math.round((1 - takeRate) * 1_000_000d);
    }

    FullHttpResponse handle(ChannelHandlerContext ctx, String kind, String uri) {
        Map<String, List<String>> params = new QueryStringDecoder(uri).parameters();
        String requestId = QueryParams.first(params, "rid");
        String impId = QueryParams.first(params, "iid");
        String campaignId = QueryParams.first(params, "c");
        if (requestId == null || impId == null || campaignId == null) {
            metrics.notice(kind, "bad_request");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST,
                    "a " + kind + " notice needs rid, iid and c parameters", null);
        }
        String creativeId = QueryParams.first(params, "cr");
        String auctionId = QueryParams.first(params, "a");
        if (!noticeUrls.verify(auctionId, requestId, impId, campaignId, creativeId, signedExtra(params),
                QueryParams.first(params, "sig"))) {
            metrics.notice(kind, "bad_signature");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.FORBIDDEN,
                    "this " + kind + " notice is not one Merlin issued (sig does not match a, rid, iid, c, cr)", null);
        }
        Campaign campaign = catalog.byId(campaignId);
        if (campaign == null) {
            metrics.notice(kind, "unknown_campaign");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST,
                    "unknown campaign " + campaignId, null);
        }
        long now = epochSecondsClock.getAsLong();
        // the seller signed into the link (verified above): the dimension of every notice's event and of the payout
        String sellerId = QueryParams.first(params, "s");
        if ("loss".equals(kind)) {
            boolean released = auctionId != null && spend.release(auctionId, impId);
            String outcome = released ? "released" : "recorded";
            metrics.notice(kind, outcome);
            log(EventType.LOSS, requestId, impId, campaign, creativeId, sellerId, now, outcome, 0,
                    QueryParams.first(params, "loss"));
            return HttpResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT);
        }
        EventType type = "win".equals(kind) ? EventType.WIN : EventType.BILL;
        if ("1".equals(QueryParams.first(params, "t"))) {
            metrics.notice(kind, "test");
            log(type, requestId, impId, campaign, creativeId, sellerId, now, "test", 0, null);
            return HttpResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT);
        }
        long auctionEpochSeconds = parseDigits(QueryParams.first(params, "bt"));
        long bidPriceMicros = parseDigits(QueryParams.first(params, "bp"));
        String bidCurrency = QueryParams.first(params, "bc");
        if (auctionId == null || auctionEpochSeconds < 0 || bidPriceMicros < 0 || bidCurrency == null) {
            return refuse(ctx, kind, type, requestId, impId, campaign, creativeId, sellerId, now, "legacy_link",
                    "this " + kind + " notice link carries no signed auction id, time, bid price and currency (a, bt,"
                    + " bp, bc): it predates them and is not charged");
        }
        String price = QueryParams.first(params, "price");
        long chargeMicros = chargePerImpressionMicros(price, bidPriceMicros, bidCurrency);
        if (chargeMicros == NOT_A_PRICE) {
            return refuse(ctx, kind, type, requestId, impId, campaign, creativeId, sellerId, now, "bad_price",
                    "price \"" + price + "\" is not a clearing price: expected a finite decimal number, 0 or more");
        }
        SpendLedger.Settled settled = spend.settle(auctionId, impId, auctionEpochSeconds, campaign,
                chargeMicros, now);
        SpendLedger.Charge charge = settled.outcome();
        if (charge == SpendLedger.Charge.CHARGED) {
            long userHash = parseUserHash(QueryParams.first(params, "u"));
            ErasureRegistry.Refusal refusal = erasures.refusal(userHash, auctionEpochSeconds);
            if (refusal != null) {
                // the advertiser owes the impression all the same; nothing about the user comes back
                metrics.noticeUserRefused(kind, refusal.label());
                userHash = 0;
            }
            if (userHash != 0) {
                frequency.record(userHash, campaign, now);
            }
            tracking.impression(campaign, userHash, now);
            if (sellerId != null) {
                sellerStats.charged(sellerId, chargeMicros, payoutMicros(chargeMicros), now);
            }
        }
        String outcome = charge.name().toLowerCase(java.util.Locale.ROOT);
        metrics.notice(kind, outcome);
        log(type, requestId, impId, campaign, creativeId, sellerId, now, outcome, settled.chargedMicros(), null);
        return HttpResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT);
    }

    /** A win or bill that charges nothing: counted and logged by {@code outcome}, answered {@code 400}. */
    private FullHttpResponse refuse(ChannelHandlerContext ctx, String kind, EventType type, String requestId,
                                    String impId, Campaign campaign, String creativeId, String sellerId,
                                    long nowEpochSeconds, String outcome, String message) {
        metrics.notice(kind, outcome);
        log(type, requestId, impId, campaign, creativeId, sellerId, nowEpochSeconds, outcome, 0, null);
        return HttpResponses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, message, null);
    }

    /**
     * The notice to the event log: what it was for, who sold it ({@code s}, the seller signed into the link; null
     * for a link from before sellers were signed), what became of it, and what it charged (micros).
     */
    private void log(EventType type, String requestId, String impId, Campaign campaign, String creativeId,
                     String sellerId, long nowEpochSeconds, String outcome, long chargedMicros, String lossReason) {
        EventLog log = eventLog;
        EventWriter event = log.begin(type, nowEpochSeconds * 1000L).put("rid", requestId).put("iid", impId)
                .put("c", campaign.id()).put("cr", creativeId).put("s", sellerId).put("outcome", outcome)
                .put("charged_micros", chargedMicros);
        if (lossReason != null && !lossReason.startsWith("$")) {
            event.put("loss", lossReason);
        }
        log.commit(event);
    }

    /**
     * The advertiser's cost of one impression, micros: the clearing CPM the seller reports in {@code price}, read
     * in the bid's own (signed) currency, grossed up by the take rate, divided by 1,000. It never exceeds the
     * bid's own price grossed up — what Merlin's auction charges — and is never negative:
     * <ul>
     *   <li>an absent or unfilled price charges the bid's own price: Merlin knows what it bid;</li>
     *   <li>a price above the bid's own (however large) is clamped to it: a clearing price cannot exceed the bid;</li>
     *   <li>a bid currency no longer configured cannot be read, so the bid's own price is charged;</li>
     *   <li>{@link #NOT_A_PRICE} when {@code price} is not a finite decimal number, 0 or more ({@code NaN},
     *       {@code Infinity}, {@code -1}, {@code 0x1p3}, an encrypted price): such a notice is refused.</li>
     * </ul>
     * The seller's {@code ${AUCTION_CURRENCY}} plays no part: the price is the bid's, in the bid's currency.
     *
     * @param bidPriceMicros the bid's price as Merlin offered it, exchange-currency micros (CPM), signed
     * @param bidCurrency    the currency the response priced the bid in, signed
     */
    long chargePerImpressionMicros(String price, long bidPriceMicros, String bidCurrency) {
        long capMicros = grossUpMicros(bidPriceMicros, keepPartsPerMillion);
        if (price == null || price.startsWith("$")) {
            return capMicros / 1000L;
        }
        double value = parsePrice(price);
        if (!(value >= 0) || value == Double.POSITIVE_INFINITY) {
            return NOT_A_PRICE;
        }
        long clearingMicros = currencies.toMicros(value, bidCurrency);
        if (clearingMicros < 0) {
            return capMicros / 1000L;
        }
        // compare before grossing up: a huge clearing price would overflow it
        long cpmMicros = clearingMicros >= bidPriceMicros ? capMicros : grossUpMicros(clearingMicros,
                keepPartsPerMillion);
        return cpmMicros / 1000L;
    }

    /** What the seller's publisher is paid for an impression the advertiser paid {@code grossMicros} for. */
    long payoutMicros(long grossMicros) {
        return grossMicros / 1_000_000L * keepPartsPerMillion
                + grossMicros % 1_000_000L * keepPartsPerMillion / 1_000_000L;
    }

    /** {@code netMicros / keep}, rounded up, without the overflow of {@code netMicros x 10^6}. */
    static long grossUpMicros(long netMicros, long keepPartsPerMillion) {
        long whole = netMicros / keepPartsPerMillion;
        long rest = netMicros % keepPartsPerMillion;
        return whole * 1_000_000L + (rest * 1_000_000L + keepPartsPerMillion - 1) / keepPartsPerMillion;
    }

    /**
     * A price as sellers write {@code ${AUCTION_PRICE}}: a plain decimal number ({@link DecimalNumbers}); NaN for
     * anything else, including what {@link Double#parseDouble} would also take ({@code NaN}, {@code Infinity}, hex,
     * a {@code d} suffix, surrounding blanks).
     */
    static double parsePrice(String price) {
        return DecimalNumbers.parse(price);
    }

    /**
     * The signed parameters after {@code cr} as {@link NoticeUrls} appends them: {@code &bt=&bp=&bc=&s=}, then
     * {@code &u=} or {@code &np=1}, then t — each when present, so that links from before bt, bp and bc still
     * verify (their loss notices and clicks are answered).
     */
    static String signedExtra(Map<String, List<String>> params) {
        String priced = signed(params, "bt") + signed(params, "bp") + signed(params, "bc") + signed(params, "s");
        String extra = QueryParams.first(params, "u") != null ? signed(params, "u")
                : "1".equals(QueryParams.first(params, "np")) ? "&np=1" : "";
        return "1".equals(QueryParams.first(params, "t")) ? priced + extra + "&t=1" : priced + extra;
    }

    /**
     * {@code &name=value} with the value encoded again, exactly as the link was signed: a decoded value holding
     * {@code &np=1&t=1} (sent as {@code %26np%3D1...}) must not pass for those parameters.
     */
    private static String signed(Map<String, List<String>> params, String name) {
        String value = QueryParams.first(params, name);
        return value == null ? "" : "&" + name + "=" + NoticeUrls.encode(value);
    }

    /** A signed whole number (seconds, micros): decimal digits only, else -1. */
    private static long parseDigits(String digits) {
        if (digits == null || digits.isEmpty() || digits.length() > 18) {
            return -1;
        }
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(digits);
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
