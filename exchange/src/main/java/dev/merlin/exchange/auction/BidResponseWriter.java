package dev.merlin.exchange.auction;

import dev.merlin.protocol.model.Bid;
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
 * <p>A DSP's winning bid ({@link AuctionResult#external}) goes in its own seatbid under the DSP's seat, with Merlin's
 * bid id, the price the seller sees (the publisher's payout, as for a campaign), Merlin's own signed links (their
 * identity names the DSP: {@code c} and {@code d} its id, {@code cr} the bid's {@code crid}), and the DSP's markup
 * with the auction macros filled for the DSP: its own bid id, seat, ad id and currency, and {@code ${AUCTION_PRICE}}
 * the clearing price in its currency, encrypted ({@link PriceCrypto}, iv = the auction's time and the imp's index,
 * Merlin's auction id) when the DSP has price keys. Merlin's {@code ${CLICK_URL}} stays as it is in a DSP's markup:
 * Merlin's click link carries the user's hash and Merlin's signature, which are none of the DSP's business. A bid
 * without markup but with a {@code nurl} (markup served on the win notice) answers with the DSP's {@code nurl},
 * macros filled the same way, in place of Merlin's win link: the seller fetches the markup from it; Merlin's billing
 * and loss links stay. Where a DSP's markup (or that {@code nurl}) passes {@code server.maxMarkupLength} after
 * substitution, that bid is left out of the answer ({@link #isDropped}), not the others: a DSP's answer must not
 * cost the seller Merlin's other bids. A campaign's too-long markup is Merlin's own configuration and answers
 * {@link #MARKUP_TOO_LONG}.
 *
 * <p>One per thread: it keeps the bid being written in reused fields (a cursor, a {@link NoticeIdentity}), so it
 * is not thread-safe. {@link #responseCurrency} may be called from any thread.
 */
public final class BidResponseWriter {

    /** What {@link #write} returns when a bid's markup would pass {@code server.maxMarkupLength}: answer no bid. */
    public static final int MARKUP_TOO_LONG = -1;
    /** What {@link #write} returns when the response would pass the maximum length given: answer no bid. */
    public static final int RESPONSE_TOO_LARGE = -2;

    private static final PriceCrypto[] NO_PRICE_KEYS = {};

    private final Currencies currencies;
    private final NoticeUrls urls;
    private final int maxMarkupLength;
    private final PriceCrypto[] priceKeysByDsp;
    private final TextCursor out = new TextCursor();
    private final NoticeIdentity identity = new NoticeIdentity();
    private final Macros.Values macros = this::writeMacro;

    // the bid being written, for the macros of its markup
    private BidRequest request;
    private Imp imp;
    private Campaign campaign;
    private Creative creative;
    private ExternalBid external;
    private String externalSeat;
    private PriceCrypto priceKeys;
    private long ivHigh;
    private long auctionId;
    private long priceMicros;
    private String currency;
    private int clickQueryStart;
    private int clickQueryLength;
    /** Which winners of the last {@link #write} were left out, by index in the result. */
    private boolean[] dropped = new boolean[16];
    private int droppedCount;

    /**
     * A writer pricing in {@code currencies}, linking back to {@code urls}, whose bids' markup is at most
     * {@code maxMarkupLength} characters after substitution; DSPs' prices are plain.
     */
    public BidResponseWriter(Currencies currencies, NoticeUrls urls, int maxMarkupLength) {
        this(currencies, urls, maxMarkupLength, NO_PRICE_KEYS);
    }

    /**
     * A writer as {@link #BidResponseWriter(Currencies, NoticeUrls, int)} that encrypts the price macros of DSP
     * {@code i} ({@link ExternalBid#dsp}) with {@code priceKeysByDsp[i]}; null there, or past the array's end: plain.
     */
    public BidResponseWriter(Currencies currencies, NoticeUrls urls, int maxMarkupLength,
                             PriceCrypto[] priceKeysByDsp) {
        this.currencies = currencies;
        this.urls = urls;
        this.maxMarkupLength = maxMarkupLength;
        this.priceKeysByDsp = priceKeysByDsp.clone();
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
     *         then garbage); {@link #MARKUP_TOO_LONG} too when every winner was a DSP's bid left out
     */
    public int write(BidRequest request, AuctionResult result, String currency, String sellerId, long userHash,
                     long auctionId, long nowEpochSeconds, MutableDirectBuffer buffer, int offset, int maxLength) {
        out.wrap(buffer, offset, maxLength, true);
        this.request = request;
        this.currency = currency;
        this.auctionId = auctionId;
        this.ivHigh = nowEpochSeconds << 32;
        boolean isTest = request.test != null && request.test == 1;
        identity.clear().auction(auctionId, nowEpochSeconds);
        clearDropped(result.count());
        try {
            out.ascii("{\"id\":");
            string(request.id);
            out.ascii(",\"seatbid\":[");
            boolean isFirstSeat = true;
            for (int i = 0; i < result.count(); i++) {
                if (isSeatOfEarlierWin(result, i)) {
                    continue;
                }
                int seatStart = out.position();
                if (!isFirstSeat) {
                    out.ascii(',');
                }
                int written = writeSeat(result, i, sellerId, userHash, isTest);
                if (written < 0) {
                    return MARKUP_TOO_LONG;
                }
                if (written == 0) {
                    out.rewind(seatStart);
                } else {
                    isFirstSeat = false;
                }
            }
            if (isFirstSeat) {
                return MARKUP_TOO_LONG;
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
            this.external = null;
            this.externalSeat = null;
            this.priceKeys = null;
        }
    }

    /**
     * Whether winner {@code i} of the last {@link #write} was left out of the answer: a DSP's bid whose markup
     * passed {@code server.maxMarkupLength}. Its win is not in the answer: the caller takes its record back.
     */
    public boolean isDropped(int i) {
        return i < dropped.length && dropped[i];
    }

    /** Winners the last {@link #write} left out ({@link #isDropped}). */
    public int droppedCount() {
        return droppedCount;
    }

    private void clearDropped(int winners) {
        if (dropped.length < winners) {
            dropped = new boolean[Math.max(winners, 2 * dropped.length)];
        }
        for (int i = 0; i < winners; i++) {
            dropped[i] = false;
        }
        droppedCount = 0;
    }

    private static boolean isSeatOfEarlierWin(AuctionResult result, int win) {
        for (int j = 0; j < win; j++) {
            if (isSameSeat(result, j, win)) {
                return true;
            }
        }
        return false;
    }

    /** Whether winners {@code a} and {@code b} go in one seatbid: the same campaign seat, or the same DSP's seat. */
    private static boolean isSameSeat(AuctionResult result, int a, int b) {
        ExternalBid externalA = result.external(a);
        ExternalBid externalB = result.external(b);
        if (externalA == null && externalB == null) {
            return result.campaign(a).seat().equals(result.campaign(b).seat());
        }
        return externalA != null && externalB != null && externalA.dsp == externalB.dsp
                && result.seat(a).equals(result.seat(b));
    }

    /**
     * One seatbid: the wins from {@code first} on in {@code first}'s seat. Returns the bids written (0: each was
     * left out, the caller takes the seat back), or -1 when a campaign's markup is too long.
     */
    private int writeSeat(AuctionResult result, int first, String sellerId, long userHash, boolean isTest) {
        out.ascii("{\"bid\":[");
        int written = 0;
        for (int i = first; i < result.count(); i++) {
            if (i != first && !isSameSeat(result, first, i)) {
                continue;
            }
            int bidStart = out.position();
            if (written > 0) {
                out.ascii(',');
            }
            Imp winner = request.imp.get(result.impIndex(i));
            boolean isSecure = winner.secure != null && winner.secure == 1;
            identity.impression(request.id, winner.id, sellerId).user(userHash).flags(isTest, isSecure);
            if (result.external(i) == null) {
                identity.bid(result.campaign(i).id(), result.creative(i).id(), result.priceMicros(i), currency)
                        .dsp(null);
                if (!writeBid(result, i, winner)) {
                    return -1;
                }
            } else if (!writeExternalBid(result, i, winner)) {
                out.rewind(bidStart);
                dropped[i] = true;
                droppedCount++;
                continue;
            }
            written++;
        }
        out.ascii("],\"seat\":");
        string(result.seat(first));
        out.ascii('}');
        return written;
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

    /**
     * A DSP's winning bid; false, having written part of it, when its markup (or markup-serving {@code nurl}) is too
     * long after substitution.
     */
    private boolean writeExternalBid(AuctionResult result, int i, Imp winner) {
        imp = winner;
        external = result.external(i);
        externalSeat = result.seat(i);
        int dsp = external.dsp;
        priceKeys = dsp >= 0 && dsp < priceKeysByDsp.length ? priceKeysByDsp[dsp] : null;
        Bid bid = external.bid;
        String crid = bid.crid == null ? "" : bid.crid;
        identity.bid(external.dspId, crid, result.priceMicros(i), currency).dsp(external.dspId);
        priceMicros = Math.round(currencies.fromMicros(result.priceMicros(i), currency) * 1_000_000d);
        out.ascii("{\"id\":\"").text(request.id).ascii('-').text(imp.id).ascii("\",\"impid\":");
        string(imp.id);
        out.ascii(",\"price\":");
        out.micros(priceMicros);
        boolean isServedByNurl = bid.adm == null;
        if (isServedByNurl && bid.nurl == null) {
            return false;
        }
        out.ascii(",\"nurl\":\"");
        if (isServedByNurl) {
            // the DSP's nurl serves the markup: Merlin's signed query is written once, in the burl
            if (!Macros.write(out, bid.nurl, macros, maxMarkupLength)) {
                return false;
            }
            out.ascii("\",\"burl\":\"");
            int queryStart = urls.writeLink(out, NoticeUrls.Link.BILL, identity);
            clickQueryStart = queryStart;
            clickQueryLength = NoticeUrls.signedQueryLength(out, NoticeUrls.Link.BILL, queryStart);
        } else {
            int queryStart = urls.writeLink(out, NoticeUrls.Link.WIN, identity);
            clickQueryStart = queryStart;
            clickQueryLength = NoticeUrls.signedQueryLength(out, NoticeUrls.Link.WIN, queryStart);
            out.ascii("\",\"burl\":\"");
            urls.writeLink(out, NoticeUrls.Link.BILL, identity.isSecure(), out.buffer(), clickQueryStart,
                    clickQueryLength);
        }
        out.ascii("\",\"lurl\":\"");
        urls.writeLink(out, NoticeUrls.Link.LOSS, identity.isSecure(), out.buffer(), clickQueryStart,
                clickQueryLength);
        out.ascii('"');
        if (!isServedByNurl) {
            out.ascii(",\"adm\":\"");
            if (!Macros.write(out, bid.adm, macros, maxMarkupLength)) {
                return false;
            }
            out.ascii('"');
        }
        writeExternalFields(bid, result.dealIndex(i));
        out.ascii('}');
        return true;
    }

    /** What the DSP said of its creative, each when it said it; the deal; the media type. */
    private void writeExternalFields(Bid bid, int dealIndex) {
        if (bid.adid != null) {
            out.ascii(",\"adid\":");
            string(bid.adid);
        }
        if (bid.adomain != null && !bid.adomain.isEmpty()) {
            out.ascii(",\"adomain\":");
            strings(bid.adomain);
        }
        if (bid.bundle != null) {
            out.ascii(",\"bundle\":");
            string(bid.bundle);
        }
        if (bid.cid != null) {
            out.ascii(",\"cid\":");
            string(bid.cid);
        }
        if (bid.crid != null) {
            out.ascii(",\"crid\":");
            string(bid.crid);
        }
        if (bid.cattax != null) {
            out.ascii(",\"cattax\":").decimal(bid.cattax);
        }
        if (bid.cat != null && !bid.cat.isEmpty()) {
            out.ascii(",\"cat\":");
            strings(bid.cat);
        }
        if (bid.attr != null && !bid.attr.isEmpty()) {
            out.ascii(",\"attr\":[");
            for (int a = 0; a < bid.attr.size(); a++) {
                if (a > 0) {
                    out.ascii(',');
                }
                out.decimal(bid.attr.get(a));
            }
            out.ascii(']');
        }
        if (dealIndex >= 0) {
            out.ascii(",\"dealid\":");
            string(imp.pmp.deals.get(dealIndex).id);
        }
        if (bid.w != null && bid.w > 0 && bid.h != null && bid.h > 0) {
            out.ascii(",\"w\":").decimal(bid.w);
            out.ascii(",\"h\":").decimal(bid.h);
        }
        int mtype = externalMtype(bid, imp);
        if (mtype > 0) {
            out.ascii(",\"mtype\":").decimal(mtype);
        }
    }

    /** The DSP's {@code mtype} when valid, else the imp's only media type, else 0 (not written). */
    private static int externalMtype(Bid bid, Imp imp) {
        if (bid.mtype != null && bid.mtype >= 1 && bid.mtype <= 4) {
            return bid.mtype;
        }
        return onlyMediaType(imp);
    }

    /** The imp's media type ({@code mtype}: 1 banner, 2 video, 3 audio, 4 native) when it offers one only, else 0. */
    static int onlyMediaType(Imp imp) {
        int types = (imp.banner != null ? 1 : 0) + (imp.video != null ? 1 : 0) + (imp.audio != null ? 1 : 0)
                + (imp.nativeAd != null ? 1 : 0);
        if (types != 1) {
            return 0;
        }
        return imp.banner != null ? 1 : imp.video != null ? 2 : imp.audio != null ? 3 : 4;
    }

    private void strings(List<String> values) {
        out.ascii('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.ascii(',');
            }
            string(values.get(i));
        }
        out.ascii(']');
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
        if (external != null) {
            return writeExternalMacro(macro, cursor);
        }
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
            case Macros.AUCTION_PRICE_ENC:
                // Merlin's own campaigns have no price keys: the macro is left for whoever defined it
                cursor.text(Macros.token(macro));
                return Macros.token(macro).length();
            default:
                throw new IllegalArgumentException("no macro " + macro);
        }
    }

    /**
     * A macro of a DSP's markup, as the DSP means it: its own bid id, seat, ad id and currency, the clearing price in
     * its currency (encrypted when it has price keys); the ids URL-encoded as for campaigns. Merlin's click macros
     * are left as they are.
     */
    private int writeExternalMacro(int macro, TextCursor cursor) {
        switch (macro) {
            case Macros.AUCTION_ID: return cursor.urlEncoded(request.id);
            case Macros.AUCTION_BID_ID: return cursor.urlEncoded(orEmpty(external.bid.id));
            case Macros.AUCTION_IMP_ID: return cursor.urlEncoded(imp.id);
            case Macros.AUCTION_SEAT_ID: return cursor.urlEncoded(externalSeat);
            case Macros.AUCTION_AD_ID: return cursor.urlEncoded(orEmpty(external.bid.adid));
            case Macros.AUCTION_CURRENCY: return cursor.urlEncoded(external.currency);
            case Macros.AUCTION_PRICE:
            case Macros.AUCTION_PRICE_ENC:
                if (priceKeys != null) {
                    return priceKeys.write(cursor, external.clearingMicros, ivHigh | external.impIndex, auctionId);
                }
                return cursor.micros(external.clearingMicros);
            default:
                cursor.text(Macros.token(macro));
                return Macros.token(macro).length();
        }
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
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
