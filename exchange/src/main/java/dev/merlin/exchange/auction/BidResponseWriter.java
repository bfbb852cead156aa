package dev.merlin.exchange.auction;

import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Imp;
import java.util.List;
import org.agrona.MutableDirectBuffer;

/**
 * Writes the OpenRTB 2.6 bid response for an auction's winners straight into a buffer, as UTF-8 JSON: one seatbid
 * per advertiser seat (in the order of each seat's first win), each bid with its price in the response currency, the
 * win, billing and loss links back at Merlin ({@link NoticeUrls}) and the markup with its macros substituted
 * ({@link Macros}). Nothing in between: no response objects, strings or {@code BigDecimal}; a call allocates nothing.
 *
 * <pre>
 * {"id":rid,"seatbid":[{"bid":[{"id":"rid-iid","impid":iid,"price":1.7,"nurl":..,"burl":..,"lurl":..,"adm":..,
 *   "adid":crid,"adomain":[..],"bundle":..,"cid":c,"crid":crid,"cat":[..],"attr":[..],"dealid":..,"w":300,"h":250,
 *   "mtype":1},..],"seat":seat},..],"bidid":auction id,"cur":currency}
 * </pre>
 *
 * <p>One per thread: it keeps the bid being written in reused fields (a cursor, a {@link NoticeIdentity}), so it
 * is not thread-safe. {@link #responseCurrency} may be called from any thread.
 */
public final class BidResponseWriter {

    /** What {@link #write} returns when a bid's markup would pass {@code server.maxMarkupLength}: answer no bid. */
    public static final int MARKUP_TOO_LONG = -1;
    /** What {@link #write} returns when the response would pass the maximum length given: answer no bid. */
    public static final int RESPONSE_TOO_LARGE = -2;

    private final Currencies currencies;
    private final NoticeUrls urls;
    private final int maxMarkupLength;
    private final TextCursor out = new TextCursor();
    private final NoticeIdentity identity = new NoticeIdentity();
    private final Macros.Values macros = this::writeMacro;

    // the bid being written, for the macros of its markup
    private BidRequest request;
    private Imp imp;
    private Campaign campaign;
    private Creative creative;
    private long priceMicros;
    private String currency;
    private int clickQueryStart;
    private int clickQueryLength;

    /**
     * A writer pricing in {@code currencies}, linking back to {@code urls}, whose bids' markup is at most
     * {@code maxMarkupLength} characters after substitution.
     */
    public BidResponseWriter(Currencies currencies, NoticeUrls urls, int maxMarkupLength) {
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
     * Writes the response for {@code result} (at least one winner) into {@code buffer} from {@code offset}, at most
     * {@code maxLength} bytes. A secure imp's links are https: the auction bids on one only when
     * {@link NoticeUrls#canLinkSecurely}.
     *
     * @param currency        the response currency ({@link #responseCurrency})
     * @param sellerId        the seller the request came from, signed into every link; null: none
     * @param userHash        the user's hash for frequency counting on the notices, 0 when user data may not be used
     * @param auctionId       Merlin's id of this auction ({@link AuctionIds}), signed into the notice links
     * @param nowEpochSeconds the auction's time, signed into the notice links
     * @return the bytes written, or {@link #MARKUP_TOO_LONG} or {@link #RESPONSE_TOO_LARGE} (what was written is
     *         then garbage)
     */
    public int write(BidRequest request, AuctionResult result, String currency, String sellerId, long userHash,
                     long auctionId, long nowEpochSeconds, MutableDirectBuffer buffer, int offset, int maxLength) {
        out.wrap(buffer, offset, maxLength, true);
        this.request = request;
        this.currency = currency;
        boolean isTest = request.test != null && request.test == 1;
        identity.clear().auction(auctionId, nowEpochSeconds);
        try {
            out.ascii("{\"id\":");
            string(request.id);
            out.ascii(",\"seatbid\":[");
            boolean isFirstSeat = true;
            for (int i = 0; i < result.count(); i++) {
                String seat = result.campaign(i).seat();
                if (isSeatOfEarlierWin(result, i, seat)) {
                    continue;
                }
                if (!isFirstSeat) {
                    out.ascii(',');
                }
                isFirstSeat = false;
                if (!writeSeat(result, i, seat, sellerId, userHash, isTest)) {
                    return MARKUP_TOO_LONG;
                }
            }
            out.ascii("],\"bidid\":\"").hex(auctionId).ascii("\",\"cur\":");
            string(currency);
            out.ascii('}');
            return out.position() - offset;
        } catch (TextCursor.Overflow e) {
            return RESPONSE_TOO_LARGE;
        } finally {
            this.request = null;
            this.imp = null;
            this.campaign = null;
            this.creative = null;
        }
    }

    private static boolean isSeatOfEarlierWin(AuctionResult result, int win, String seat) {
        for (int j = 0; j < win; j++) {
            if (seat.equals(result.campaign(j).seat())) {
                return true;
            }
        }
        return false;
    }

    /** One seatbid: the wins from {@code first} on whose campaign bids for {@code seat}. */
    private boolean writeSeat(AuctionResult result, int first, String seat, String sellerId, long userHash,
                              boolean isTest) {
        out.ascii("{\"bid\":[");
        for (int i = first; i < result.count(); i++) {
            if (!seat.equals(result.campaign(i).seat())) {
                continue;
            }
            if (i != first) {
                out.ascii(',');
            }
            Imp winner = request.imp.get(result.impIndex(i));
            boolean isSecure = winner.secure != null && winner.secure == 1;
            identity.impression(request.id, winner.id, sellerId)
                    .bid(result.campaign(i).id(), result.creative(i).id(), result.priceMicros(i), currency)
                    .user(userHash).flags(isTest, isSecure);
            if (!writeBid(result, i, winner)) {
                return false;
            }
        }
        out.ascii("],\"seat\":");
        string(seat);
        out.ascii('}');
        return true;
    }

    private boolean writeBid(AuctionResult result, int i, Imp winner) {
        imp = winner;
        campaign = result.campaign(i);
        creative = result.creative(i);
        // rounded to micro units of the response currency, as the price macro and the JSON number both say it
        priceMicros = Math.round(currencies.fromMicros(result.priceMicros(i), currency) * 1_000_000d);
        out.ascii("{\"id\":\"").text(request.id).ascii('-').text(imp.id).ascii("\",\"impid\":");
        string(imp.id);
        out.ascii(",\"price\":");
        out.micros(priceMicros);
        out.ascii(",\"nurl\":\"");
        int queryStart = urls.writeLink(out, NoticeUrls.Link.WIN, identity);
        clickQueryStart = queryStart;
        clickQueryLength = NoticeUrls.signedQueryLength(out, NoticeUrls.Link.WIN, queryStart);
        out.ascii("\",\"burl\":\"");
        urls.writeLink(out, NoticeUrls.Link.BILL, identity.isSecure(), out.buffer(), clickQueryStart,
                clickQueryLength);
        out.ascii("\",\"lurl\":\"");
        urls.writeLink(out, NoticeUrls.Link.LOSS, identity.isSecure(), out.buffer(), clickQueryStart,
                clickQueryLength);
        out.ascii("\",\"adm\":\"");
        if (!Macros.write(out, creative.markup(), macros, maxMarkupLength)) {
            return false;
        }
        out.ascii("\",\"adid\":");
        string(creative.id());
        writeCreativeFields();
        if (result.dealIndex(i) >= 0) {
            out.ascii(",\"dealid\":");
            string(imp.pmp.deals.get(result.dealIndex(i)).id);
        }
        if (creative.w() > 0) {
            out.ascii(",\"w\":").decimal(creative.w());
            out.ascii(",\"h\":").decimal(creative.h());
        }
        out.ascii(",\"mtype\":").decimal(mtype(creative.format));
        out.ascii('}');
        return true;
    }

    /** adomain, bundle, cid, crid, cat and attr, each when the creative has it. */
    private void writeCreativeFields() {
        List<String> adomain = creative.adomain();
        if (!adomain.isEmpty()) {
            out.ascii(",\"adomain\":[");
            for (int i = 0; i < adomain.size(); i++) {
                if (i > 0) {
                    out.ascii(',');
                }
                string(adomain.get(i));
            }
            out.ascii(']');
        }
        if (creative.bundle() != null) {
            out.ascii(",\"bundle\":");
            string(creative.bundle());
        }
        out.ascii(",\"cid\":");
        string(campaign.id());
        out.ascii(",\"crid\":");
        string(creative.id());
        String[] cat = creative.cat();
        if (cat.length > 0) {
            out.ascii(",\"cat\":[");
            for (int i = 0; i < cat.length; i++) {
                if (i > 0) {
                    out.ascii(',');
                }
                string(cat[i]);
            }
            out.ascii(']');
        }
        int[] attr = creative.attr();
        if (attr.length > 0) {
            out.ascii(",\"attr\":[");
            for (int i = 0; i < attr.length; i++) {
                if (i > 0) {
                    out.ascii(',');
                }
                out.decimal(attr[i]);
            }
            out.ascii(']');
        }
    }

    private void string(String value) {
        out.ascii('"').text(value).ascii('"');
    }

    /** A macro of the bid being written: the ids URL-encoded, the price and currency as the response says them. */
    private int writeMacro(int macro, TextCursor cursor) {
        switch (macro) {
            case Macros.AUCTION_ID: return cursor.urlEncoded(request.id);
            case Macros.AUCTION_BID_ID: {
                // URL-encoding leaves '-' as it is: the encoded bid id is the encoded parts around it
                int length = cursor.urlEncoded(request.id);
                cursor.ascii('-');
                return length + 1 + cursor.urlEncoded(imp.id);
            }
            case Macros.AUCTION_IMP_ID: return cursor.urlEncoded(imp.id);
            case Macros.AUCTION_SEAT_ID: return cursor.urlEncoded(campaign.seat());
            case Macros.AUCTION_AD_ID: return cursor.urlEncoded(creative.id());
            case Macros.AUCTION_PRICE: return cursor.micros(priceMicros);
            case Macros.AUCTION_CURRENCY:
                cursor.text(currency);
                return currency.length();
            case Macros.CLICK_URL: {
                String base = urls.base(identity.isSecure());
                urls.writeLink(cursor, NoticeUrls.Link.CLICK, identity.isSecure(), cursor.buffer(), clickQueryStart,
                        clickQueryLength);
                return base.length() + NoticeUrls.Link.CLICK.path.length() + clickQueryLength;
            }
            case Macros.CLICK_URL_ENC:
                return cursor.urlEncoded(urls.base(identity.isSecure()))
                        + cursor.urlEncoded(NoticeUrls.Link.CLICK.path)
                        + cursor.urlEncoded(cursor.buffer(), clickQueryStart, clickQueryLength);
            default:
                throw new IllegalArgumentException("no macro " + macro);
        }
    }

    private static int mtype(int format) {
        switch (format) {
            case Creative.BANNER: return 1;
            case Creative.VIDEO: return 2;
            case Creative.AUDIO: return 3;
            default: return 4;
        }
    }
}
