package dev.merlin.exchange.auction;

import dev.merlin.config.ServerConfig;
import dev.merlin.protocol.model.Bid;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.BidResponse;
import dev.merlin.protocol.model.Imp;
import dev.merlin.protocol.model.SeatBid;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference {@link BidResponseWriter} is checked against: the auction's winners as an OpenRTB
 * {@link BidResponse} object graph, links and markup built as strings with {@code URLEncoder} and
 * {@code Mac}, prices through {@code BigDecimal}; encoded by databind, parsed back, it must equal
 * what the writer writes.
 */
final class ReferenceResponseBuilder {

    private final Currencies currencies;
    private final ReferenceLinks urls;
    private final int maxMarkupLength;

    /** A builder pricing in {@code currencies} and linking back to {@code urls}, with the default markup bound. */
    ReferenceResponseBuilder(Currencies currencies, ReferenceLinks urls) {
        this(currencies, urls, ServerConfig.defaults().maxMarkupLength());
    }

    /**
     * A builder pricing in {@code currencies}, linking back to {@code urls}, whose bids' markup is at most
     * {@code maxMarkupLength} characters after substitution ({@link MarkupTooLongException} beyond).
     */
    ReferenceResponseBuilder(Currencies currencies, ReferenceLinks urls, int maxMarkupLength) {
        this.currencies = currencies;
        this.urls = urls;
        this.maxMarkupLength = maxMarkupLength;
    }

    /**
     * The currency to answer in: the exchange's when the request allows it (or names none), else the first of
     * {@code request.cur} the exchange can convert; null when none can be.
     */
    public String responseCurrency(BidRequest request) {
        List<String> accepted = request.cur;
        if (accepted == null || accepted.isEmpty() || accepted.contains(currencies.exchangeCurrency())) {
            return currencies.exchangeCurrency();
        }
        for (int i = 0; i < accepted.size(); i++) {
            if (currencies.isKnown(accepted.get(i))) {
                return accepted.get(i);
            }
        }
        return null;
    }

    /**
     * The response for a result with at least one winner.
     *
     * @param userHash        the user's hash for frequency counting on the notices, 0 when user data may not be used
     * @param auctionId       Merlin's id of this auction ({@link AuctionIds}), signed into the notice links
     * @param nowEpochSeconds the auction's time, signed into the notice links
     */
    public BidResponse build(BidRequest request, AuctionResult result, String currency, long userHash,
                             long auctionId, long nowEpochSeconds) {
        return build(request, result, currency, null, userHash, auctionId, nowEpochSeconds);
    }

    /**
     * The response for a result with at least one winner, sold by {@code sellerId} (signed into every link; null:
     * none). A secure imp's links are https: the auction bids on one only when {@link NoticeUrls#canLinkSecurely}.
     */
    public BidResponse build(BidRequest request, AuctionResult result, String currency, String sellerId,
                             long userHash, long auctionId, long nowEpochSeconds) {
        boolean isTest = request.test != null && request.test == 1;
        BidResponse response = new BidResponse();
        response.id = request.id;
        // OpenRTB 2.6 fills ${AUCTION_BID_ID} in nurl/burl/lurl from bidid: without it an SSP sends it empty; Merlin's
        // own auction id, unique where the seller's request id need not be
        response.bidid = AuctionIds.format(auctionId);
        response.cur = currency;
        response.seatbid = new ArrayList<>(2);
        for (int i = 0; i < result.count(); i++) {
            Imp imp = request.imp.get(result.impIndex(i));
            Campaign campaign = result.campaign(i);
            Creative creative = result.creative(i);
            Bid bid = new Bid();
            bid.id = request.id + "-" + imp.id;
            bid.impid = imp.id;
            double price = round(currencies.fromMicros(result.priceMicros(i), currency));
            bid.price = price;
            bid.adid = creative.id();
            bid.crid = creative.id();
            bid.cid = campaign.id();
            bid.adomain = creative.adomain().isEmpty() ? null : creative.adomain();
            bid.cat = creative.catList();
            bid.attr = creative.attrList();
            bid.bundle = creative.bundle();
            if (creative.w() > 0) {
                bid.w = creative.w();
                bid.h = creative.h();
            }
            bid.mtype = mtype(creative.format);
            if (result.dealIndex(i) >= 0) {
                bid.dealid = imp.pmp.deals.get(result.dealIndex(i)).id;
            }
            ReferenceLinks.Links links = urls.links(auctionId, request.id, imp.id, campaign, creative, nowEpochSeconds,
                    result.priceMicros(i), currency, sellerId, userHash, isTest, imp.secure != null && imp.secure == 1);
            bid.nurl = links.win();
            bid.burl = links.bill();
            bid.lurl = links.loss();
            bid.adm = ReferenceLinks.substitute(creative.markup(), request.id, bid.id, imp.id, campaign.seat(),
                    creative.id(), formatPrice(price), currency, links.click(), maxMarkupLength);
            seatFor(response, campaign.seat()).bid.add(bid);
        }
        return response;
    }

    private static SeatBid seatFor(BidResponse response, String seat) {
        for (SeatBid seatBid : response.seatbid) {
            if (seat.equals(seatBid.seat)) {
                return seatBid;
            }
        }
        SeatBid seatBid = new SeatBid();
        seatBid.seat = seat;
        seatBid.bid = new ArrayList<>(2);
        response.seatbid.add(seatBid);
        return seatBid;
    }

    private static int mtype(int format) {
        switch (format) {
            case Creative.BANNER: return 1;
            case Creative.VIDEO: return 2;
            case Creative.AUDIO: return 3;
            default: return 4;
        }
    }

    /** A price rounded to 6 decimals (micro units of the currency). */
    static double round(double price) {
        return Math.round(price * 1_000_000d) / 1_000_000d;
    }

    /** A price as the decimal text a macro becomes, never in exponent notation. */
    static String formatPrice(double price) {
        if (price >= 0.001 && price < 10_000_000) {
            String text = Double.toString(price);
            return text.endsWith(".0") ? text.substring(0, text.length() - 2) : text;
        }
        return BigDecimal.valueOf(price).stripTrailingZeros().toPlainString();
    }
}
