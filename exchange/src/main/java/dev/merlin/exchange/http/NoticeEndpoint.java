package dev.merlin.exchange.http;

import dev.merlin.exchange.auction.AuctionIds;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.FrequencyStore;
import dev.merlin.exchange.auction.NoticeIdentity;
import dev.merlin.exchange.auction.NoticeRouting;
import dev.merlin.exchange.auction.NoticeUrls;
import dev.merlin.exchange.auction.SpendLedger;
import dev.merlin.exchange.dsp.DspAccounts;
import dev.merlin.exchange.dsp.DspNotifier;
import dev.merlin.exchange.dsp.DspWin;
import dev.merlin.exchange.dsp.DspWinLedger;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventType;
import dev.merlin.exchange.events.EventWriter;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.ErasureRegistry;
import dev.merlin.exchange.sellers.SellerStats;
import dev.merlin.exchange.tracking.TrackingService;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /win}, {@code /bill}, {@code /loss}: the notices a bid's {@code nurl}, {@code burl} and {@code lurl}
 * point at. A win or a bill charges the impression — Merlin's auction id ({@code a}) and the imp id — once,
 * whichever comes first, however often either repeats, within the charge window after its auction, turning the
 * commitment the auction made into spend ({@link SpendLedger#settle}); a loss releases that commitment. It charges
 * at the price the seller filled into {@code ${AUCTION_PRICE}}, read
 * in the bid's own currency and never above the bid's own price: the auction time, price and currency are signed
 * into the link, so the notice never guesses them. A charged notice records the user's view only when the user has
 * not opted out and was not erased at or after the auction ({@code bt}, {@link ErasureRegistry}): a late notice for
 * an impression bought before an erasure puts nothing about the user back. A win or bill counts no frequency: the bid
 * path counted the win against the user's cap when the bid left ({@code BidPath}), so that the cap holds before
 * notices come back and each impression counts once, whatever notices follow. The loss that releases the commitment
 * takes that count back ({@link FrequencyStore#takeBack}), and a bill after it counts the impression again.
 *
 * <p><b>A DSP's impression</b> (its link signs the DSP's id, {@code d}) charges no campaign: the DSP pays. Its win
 * waits in the {@link DspWinLedger}, and the notices hand it on to the {@link DspNotifier} exactly once per
 * impression, however often the seller repeats them: a bill takes the win, books what the DSP owes and the
 * seller's payout ({@link DspAccounts}, at the clearing price Merlin's auction set; the seller's {@code price} plays
 * no part) and calls the DSP's {@code burl}; a win calls its {@code nurl} once (not when the bid had no markup: the
 * seller calls that {@code nurl} itself) and, for a DSP that gave no {@code burl}, is what bills it; a bill that
 * comes with no win before it calls the {@code nurl} too. A loss takes the win unbilled and calls the DSP's
 * {@code lurl} with the seller's loss reason. A notice later than the window is refused ({@code expired}). The
 * seller's answer is the same as for a campaign's notice.
 *
 * <p><b>Another node's auction</b> ({@link NoticeRouting}: a cluster, and the signed auction id names another node):
 * the notice is verified here as above, then written whole ({@code /bill?a=...&sig=...}) to the event log as a
 * {@link EventType#NOTICE_FORWARD} for that node and answered {@code 204} at once; the Kafka events agent sends it to
 * the node, which applies it through {@link #applyForwarded} as if it had come to it, verifying the same signature,
 * so that its charge-once record stays the only one. When the log cannot take it the seller gets {@code 503} and sends
 * it again. Without Kafka every notice is applied where it arrives.
 */
public final class NoticeEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(NoticeEndpoint.class);

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
    /** DSPs' wins awaiting their notice, or null on an exchange without DSPs. */
    private final DspWinLedger dspWins;
    private final DspNotifier dspNotices;
    /** The books; null on an exchange without DSPs. */
    private final DspAccounts accounts;
    private final NoticeRouting routing;
    /** Node ids not in {@code cluster.nodes} that notices came for, each logged once (at most 1,024). */
    private final Set<Integer> unknownNodesLogged = ConcurrentHashMap.newKeySet();

    /** Win, billing and loss notices, with what a notice reads and records; {@code takeRate} is the exchange's cut. */
    public NoticeEndpoint(CampaignCatalog catalog, NoticeUrls noticeUrls, Currencies currencies, SpendLedger spend,
                          FrequencyStore frequency, TrackingService tracking, SellerStats sellerStats,
                          ErasureRegistry erasures, EventLog eventLog, double takeRate, ExchangeMetrics metrics,
                          LongSupplier epochSecondsClock) {
        this(catalog, noticeUrls, currencies, spend, frequency, tracking, sellerStats, erasures, eventLog, takeRate,
                metrics, epochSecondsClock, null, null, null);
    }

    /**
     * Win, billing and loss notices of Merlin's campaigns and of DSPs: {@code dspWins} holds the DSPs' wins,
     * {@code dspNotices} calls their notice URLs, {@code accounts} books what DSPs owe and sellers are paid.
     */
    public NoticeEndpoint(CampaignCatalog catalog, NoticeUrls noticeUrls, Currencies currencies, SpendLedger spend,
                          FrequencyStore frequency, TrackingService tracking, SellerStats sellerStats,
                          ErasureRegistry erasures, EventLog eventLog, double takeRate, ExchangeMetrics metrics,
                          LongSupplier epochSecondsClock, DspWinLedger dspWins, DspNotifier dspNotices,
                          DspAccounts accounts) {
        this(catalog, noticeUrls, currencies, spend, frequency, tracking, sellerStats, erasures, eventLog, takeRate,
                metrics, epochSecondsClock, dspWins, dspNotices, accounts, NoticeRouting.local());
    }

    /** As above, on a node that applies only the notices {@code routing} says are its own and forwards the rest. */
    public NoticeEndpoint(CampaignCatalog catalog, NoticeUrls noticeUrls, Currencies currencies, SpendLedger spend,
                          FrequencyStore frequency, TrackingService tracking, SellerStats sellerStats,
                          ErasureRegistry erasures, EventLog eventLog, double takeRate, ExchangeMetrics metrics,
                          LongSupplier epochSecondsClock, DspWinLedger dspWins, DspNotifier dspNotices,
                          DspAccounts accounts, NoticeRouting routing) {
        this.routing = routing;
        this.dspWins = dspWins;
        this.dspNotices = dspNotices;
        this.accounts = accounts;
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
        QueryStringDecoder query = new QueryStringDecoder(uri);
        Reply reply = process(kind, query.parameters(), query.rawQuery(), true);
        if (reply.error() == null) {
            return HttpResponses.empty(ctx.alloc(), reply.status());
        }
        FullHttpResponse response = HttpResponses.error(ctx.alloc(), reply.status(), reply.error(), null);
        if (reply.status() == HttpResponseStatus.SERVICE_UNAVAILABLE) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        return response;
    }

    /**
     * Applies a notice another node forwarded: {@code link} is the path and query as they reached that node
     * ({@code /bill?a=...&sig=...}). It is verified and applied exactly as if it had come here over HTTP, and refused
     * ({@code not_owner}) when its signed auction id is not this node's: a record on the topic charges nothing a
     * seller's request could not. Counted in {@code merlin_notices_total} by outcome like any notice.
     */
    public Reply applyForwarded(String link) {
        QueryStringDecoder query = new QueryStringDecoder(link == null ? "" : link);
        String kind = switch (query.path()) {
            case "/win" -> "win";
            case "/bill" -> "bill";
            case "/loss" -> "loss";
            default -> null;
        };
        if (kind == null) {
            return new Reply(HttpResponseStatus.BAD_REQUEST, "not a /win, /bill or /loss link", "malformed");
        }
        return process(kind, query.parameters(), query.rawQuery(), false);
    }

    /**
     * What a notice came to.
     *
     * @param status  what the seller is (or would be) answered
     * @param error   why it was refused; null when accepted
     * @param outcome what it is counted as ({@code charged}, {@code duplicate}, {@code forwarded},
     *                {@code bad_signature}, ...)
     */
    public record Reply(HttpResponseStatus status, String error, String outcome) {

        /** Whether the notice was refused (a 4xx or 5xx): it changed nothing. */
        public boolean isRefused() {
            return error != null;
        }
    }

    /** A notice, from a seller ({@code isFromSeller}) or forwarded by another node; counted by its outcome. */
    private Reply process(String kind, Map<String, List<String>> params, String rawQuery, boolean isFromSeller) {
        if (QueryParams.first(params, "rid") == null || QueryParams.first(params, "iid") == null
                || QueryParams.first(params, "c") == null) {
            return refused(kind, HttpResponseStatus.BAD_REQUEST, "bad_request",
                    "a " + kind + " notice needs rid, iid and c parameters");
        }
        NoticeIdentity identity = new NoticeIdentity();
        if (!readIdentity(params, identity)
                || !noticeUrls.verify(identity, QueryParams.first(params, "sig"))) {
            return refused(kind, HttpResponseStatus.FORBIDDEN, "bad_signature", "this " + kind + " notice is not"
                    + " one Merlin issued (sig does not match a, rid, iid, c, cr, bt, bp, bc and u or np=1)");
        }
        if (!isFromSeller && !routing.isOwnedHere(identity.auctionId())) {
            return refused(kind, HttpResponseStatus.FORBIDDEN, "not_owner", "auction "
                    + AuctionIds.format(identity.auctionId()) + " is not node " + routing.nodeId() + "'s");
        }
        int owner = isFromSeller ? routing.forwardTo(identity.auctionId()) : NoticeRouting.HERE;
        if (owner != NoticeRouting.HERE) {
            return forward(kind, identity, params, rawQuery, owner);
        }
        if (identity.dspId() != null) {
            return accepted(kind, dspNotice(kind, identity, QueryParams.first(params, "loss")));
        }
        Campaign campaign = catalog.known(identity.campaignId());
        if (campaign == null) {
            return refused(kind, HttpResponseStatus.BAD_REQUEST, "unknown_campaign",
                    "unknown campaign " + identity.campaignId());
        }
        long now = epochSecondsClock.getAsLong();
        String auctionId = AuctionIds.format(identity.auctionId());
        if ("loss".equals(kind)) {
            boolean released = spend.release(auctionId, identity.impId());
            if (released) {
                uncount(identity, campaign, now);
            }
            String outcome = released ? "released" : "recorded";
            log(EventType.LOSS, identity, now, outcome, 0, QueryParams.first(params, "loss"));
            return accepted(kind, outcome);
        }
        EventType type = "win".equals(kind) ? EventType.WIN : EventType.BILL;
        if (identity.isTest()) {
            log(type, identity, now, "test", 0, null);
            return accepted(kind, "test");
        }
        String price = QueryParams.first(params, "price");
        long chargeMicros = chargePerImpressionMicros(price, identity.bidPriceMicros(), identity.currency());
        if (chargeMicros == NOT_A_PRICE) {
            log(type, identity, now, "bad_price", 0, null);
            return badPrice(kind, price);
        }
        SpendLedger.Settled settled = spend.settle(auctionId, identity.impId(),
                identity.auctionEpochSeconds(), campaign, chargeMicros, now);
        if (settled.outcome() == SpendLedger.Charge.CHARGED) {
            charged(kind, identity, campaign, chargeMicros, now, settled.isCommitted());
        }
        String outcome = settled.outcome().name().toLowerCase(Locale.ROOT);
        log(type, identity, now, outcome, settled.chargedMicros(), null);
        return accepted(kind, outcome);
    }

    /**
     * A verified notice for node {@code owner}'s auction: a price that is not one is refused here as the owner would
     * refuse it; anything else goes whole to the event log for the owner ({@link EventType#NOTICE_FORWARD}) and is
     * answered as accepted, or {@code 503} (send it again) when the log cannot take it.
     */
    private Reply forward(String kind, NoticeIdentity identity, Map<String, List<String>> params, String rawQuery,
                          int owner) {
        String price = QueryParams.first(params, "price");
        if (!"loss".equals(kind) && identity.dspId() == null && !identity.isTest()
                && chargePerImpressionMicros(price, identity.bidPriceMicros(), identity.currency()) == NOT_A_PRICE) {
            return badPrice(kind, price);
        }
        EventWriter event = eventLog.begin(EventType.NOTICE_FORWARD, epochSecondsClock.getAsLong() * 1000L)
                .put("to", owner).put("link", "/" + kind + "?" + rawQuery).put("rid", identity.requestId())
                .put("iid", identity.impId()).put("c", identity.campaignId()).put("s", identity.sellerId());
        if (!eventLog.commit(event)) {
            return refused(kind, HttpResponseStatus.SERVICE_UNAVAILABLE, "forward_refused", "this " + kind
                    + " notice belongs to node " + owner + " and cannot be passed on right now; send it again");
        }
        if (!routing.isKnown(owner)) {
            if (unknownNodesLogged.add(owner)) {
                LOG.warn("a {} notice came for auction {} of node {}, which cluster.nodes does not list; forwarded"
                        + " to it all the same (it waits in the notices topic until a node {} reads it); further"
                        + " ones are only counted (merlin_notices_total, outcome forwarded_unknown_node)",
                        kind, AuctionIds.format(identity.auctionId()), owner, owner);
            }
            return accepted(kind, "forwarded_unknown_node");
        }
        return accepted(kind, "forwarded");
    }

    private Reply badPrice(String kind, String price) {
        return refused(kind, HttpResponseStatus.BAD_REQUEST, "bad_price", "price \"" + price
                + "\" is not a clearing price: expected a finite decimal number, 0 or more");
    }

    private Reply accepted(String kind, String outcome) {
        metrics.notice(kind, outcome);
        return new Reply(HttpResponseStatus.NO_CONTENT, null, outcome);
    }

    private Reply refused(String kind, HttpResponseStatus status, String outcome, String error) {
        metrics.notice(kind, outcome);
        return new Reply(status, error, outcome);
    }

    /**
     * What a charged impression counts: the user's view when the user has not opted out and was not erased at or
     * after the auction, and the seller's payout. The user's frequency was counted at the auction; only a charge
     * whose commitment a loss notice released first ({@code isCommitted} false) counts it again, as that loss took
     * it back.
     */
    private void charged(String kind, NoticeIdentity identity, Campaign campaign, long chargeMicros, long now,
                         boolean isCommitted) {
        long userHash = identity.userHash();
        ErasureRegistry.Refusal refusal = erasures.refusal(userHash, identity.auctionEpochSeconds());
        if (refusal != null) {
            // the advertiser owes the impression all the same; nothing about the user comes back
            metrics.noticeUserRefused(kind, refusal.label());
            userHash = 0;
        }
        if (!isCommitted && userHash != 0) {
            frequency.apply(userHash, campaign, identity.auctionEpochSeconds(), now);
        }
        tracking.impression(campaign, userHash, now);
        if (identity.sellerId() != null) {
            sellerStats.charged(identity.sellerId(), chargeMicros, payoutMicros(chargeMicros), now);
        }
        if (accounts != null) {
            accounts.campaignCharged(identity.sellerId(), chargeMicros, identity.auctionEpochSeconds());
        }
    }

    /**
     * Takes back the frequency count of an impression whose loss notice released its commitment (once: only the first
     * such notice finds it open), unless the user opted out or was erased at or after the auction: the erasure
     * already forgot the count, and what is counted since is not this impression's.
     */
    private void uncount(NoticeIdentity identity, Campaign campaign, long now) {
        long userHash = identity.userHash();
        if (userHash != 0 && erasures.refusal(userHash, identity.auctionEpochSeconds()) == null) {
            frequency.takeBack(userHash, campaign, identity.auctionEpochSeconds(), now);
        }
    }

    /**
     * A notice for a DSP's impression: hands its win to the DSP notifier once and books it when it bills (see the
     * class comment), logs it and returns its outcome. The seller's answer does not depend on it.
     */
    private String dspNotice(String kind, NoticeIdentity identity, String lossReason) {
        long now = epochSecondsClock.getAsLong();
        EventType type = "win".equals(kind) ? EventType.WIN : "bill".equals(kind) ? EventType.BILL : EventType.LOSS;
        String outcome;
        long chargedMicros = 0;
        if (dspWins == null || dspNotices == null) {
            outcome = "dsp_unavailable";
        } else if (identity.isTest()) {
            outcome = "test"; // a test request records no DSP win: nothing to notify, nothing owed
        } else if (dspWins.isExpired(identity.auctionEpochSeconds(), now)) {
            outcome = "expired";
        } else {
            DspWin win = switch (kind) {
                case "win" -> dspWins.winNotice(identity.auctionId(), identity.impId());
                default -> dspWins.take(identity.auctionId(), identity.impId(), now);
            };
            if (win == null) {
                outcome = "loss".equals(kind) ? "recorded" : "duplicate";
            } else {
                outcome = handOn(kind, identity, win, lossReason);
                chargedMicros = "dsp_billed".equals(outcome) ? win.chargeMicros() / 1000L : 0;
            }
        }
        log(type, identity, now, outcome, chargedMicros, "loss".equals(kind) ? lossReason : null);
        return outcome;
    }

    /** What a notice does with the DSP win it got: calls the DSP's URLs and books a billed impression. */
    private String handOn(String kind, NoticeIdentity identity, DspWin win, String lossReason) {
        String requestId = identity.requestId();
        long auctionId = identity.auctionId();
        if ("loss".equals(kind)) {
            dspNotices.lostAtSeller(win, requestId, auctionId, lossCode(lossReason));
            return "dsp_lost";
        }
        boolean isBilled = "bill".equals(kind) || win.burl() == null;
        boolean isWinToCall = !win.isWinNotified() && !win.isNurlServed();
        if (isWinToCall) {
            dspNotices.win(win, requestId, auctionId);
        }
        if (!isBilled) {
            return "dsp_win_notified";
        }
        accounts.dspBilled(win, identity.sellerId());
        dspNotices.bill(win, requestId, auctionId);
        return "dsp_billed";
    }

    /** The seller's loss reason as an OpenRTB code (1 to 4 digits), or -1 when it gave none. */
    private static int lossCode(String reason) {
        if (reason == null || reason.isEmpty() || reason.length() > 4) {
            return -1;
        }
        for (int i = 0; i < reason.length(); i++) {
            if (reason.charAt(i) < '0' || reason.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(reason);
    }

    /**
     * The notice to the event log: what it was for, who sold it ({@code s}, the seller signed into the link; null
     * when none was), what became of it, and what it charged (micros).
     */
    private void log(EventType type, NoticeIdentity identity, long nowEpochSeconds, String outcome,
                     long chargedMicros, String lossReason) {
        EventLog log = eventLog;
        EventWriter event = log.begin(type, nowEpochSeconds * 1000L).put("rid", identity.requestId())
                .put("iid", identity.impId()).put("c", identity.campaignId()).put("cr", identity.creativeId())
                .put("s", identity.sellerId()).put("outcome", outcome).put("charged_micros", chargedMicros);
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
     * Fills {@code identity} from a link's decoded parameters, as {@link NoticeUrls} signed them: {@code a, rid, iid,
     * c, cr, bt, bp, bc}, then {@code d} (a DSP's impression), {@code s}, the user and {@code t=1} when present. False
     * when one of the first eight is missing or not a number where it must be, or the user is not exactly one of
     * {@code u} as Merlin writes it or {@code np=1}: no link Merlin issues. The signature is checked over what the
     * identity holds, so each way of writing the user is its own signed text: a signature for {@code np=1} never
     * passes for a link that names a user, and the user a notice or click records is exactly the one signed.
     */
    static boolean readIdentity(Map<String, List<String>> params, NoticeIdentity identity) {
        long auctionId = AuctionIds.parse(QueryParams.first(params, "a"));
        long auctionEpochSeconds = parseDigits(QueryParams.first(params, "bt"));
        long bidPriceMicros = parseDigits(QueryParams.first(params, "bp"));
        identity.clear()
                .auction(auctionId, auctionEpochSeconds)
                .impression(QueryParams.first(params, "rid"), QueryParams.first(params, "iid"),
                        QueryParams.first(params, "s"))
                .bid(QueryParams.first(params, "c"), QueryParams.first(params, "cr"), bidPriceMicros,
                        QueryParams.first(params, "bc"))
                .flags("1".equals(QueryParams.first(params, "t")), false)
                .dsp(QueryParams.first(params, "d"));
        boolean isUserAsIssued = readUser(QueryParams.first(params, "u"), QueryParams.first(params, "np"), identity);
        return auctionId != 0 && auctionEpochSeconds >= 0 && bidPriceMicros >= 0 && identity.requestId() != null
                && identity.impId() != null && identity.campaignId() != null && identity.creativeId() != null
                && identity.currency() != null && isUserAsIssued;
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

    /**
     * Sets the user a link names into {@code identity}: the hash {@code u} carries, written as Merlin writes it
     * (lower-case hex without leading zeros, not 0) and no {@code np}; or none (0) for {@code np=1} and no {@code u}.
     * False, leaving no user, for anything else.
     */
    private static boolean readUser(String hex, String noPersonalData, NoticeIdentity identity) {
        identity.user(0);
        if (hex == null) {
            return "1".equals(noPersonalData);
        }
        if (noPersonalData != null || hex.isEmpty() || hex.length() > 16 || hex.charAt(0) == '0') {
            return false;
        }
        for (int i = 0; i < hex.length(); i++) {
            char c = hex.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        identity.user(Long.parseUnsignedLong(hex, 16));
        return true;
    }

}
