package dev.merlin.exchange.dsp;

import dev.merlin.config.DspConfig;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.ExternalBid;
import dev.merlin.exchange.auction.ExternalBids;
import dev.merlin.exchange.auction.IabCategories;
import dev.merlin.protocol.model.Banner;
import dev.merlin.protocol.model.Bid;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.BidResponse;
import dev.merlin.protocol.model.Deal;
import dev.merlin.protocol.model.Format;
import dev.merlin.protocol.model.Imp;
import dev.merlin.protocol.model.SeatBid;
import dev.merlin.exchange.privacy.OutboundRules;
import java.util.List;

/**
 * Checks one DSP's decoded answer against the request Merlin sent it and the DSP's configuration, bid by bid, and
 * puts the bids that pass into the request's {@link ExternalBids} with the price they compete at; every other bid is
 * dropped and counted by its {@link BidRejection}. A DSP is untrusted: nothing it says is taken without a check.
 *
 * <p>The answer as a whole: its {@code id} must be the request's, and its currency ({@code cur}, USD when absent, as
 * OpenRTB says) must be in the request's {@code cur} when that lists any, in the DSP's configured currencies, and
 * known to Merlin's {@link Currencies}; otherwise every bid of it is dropped. Then each seat: one the DSP's
 * configuration lists (when it lists any), allowed by the request's {@code wseat}/{@code bseat} (a seat a
 * {@code wseat} names counts only when the DSP's configuration lists it: otherwise it is only the DSP's word). Then
 * each bid, in this order (the first failing rule is its reason): an {@code id} not seen before in the answer; ids,
 * notice URLs and the creative's fields within their bounds ({@link #MAX_ID_CHARS},
 * {@link DspWinLedger#MAX_URL_CHARS}, {@link #MAX_CREATIVE_FIELDS_CHARS}); an {@code impid} among the impressions
 * sent to this DSP; an {@code mtype} the impression offers; a {@code price}; a {@code dealid} among the impression's
 * deals (and a seat the deal allows, listed by the DSP's configuration), and a deal at all when the impression is a
 * private auction; a price finite and above 0 (0 only with a deal); {@code crid}; {@code adomain}; {@code adm} or
 * {@code nurl}; a size among the banner's when the bid names one; no {@code http:} in the markup of a secure
 * impression; no advertiser, category, app or creative attribute the request blocks; and a converted price no higher
 * than the most any bid may be worth. What it does not decide is the floor: the auction compares
 * {@link ExternalBid#priceMicros} with it.
 *
 * <p>The price that competes is the bid's price times the DSP's {@code bidAdjustment}, converted to the exchange
 * currency, in micros ({@link ExternalBid#priceMicros}); {@link ExternalBid#bidMicros} keeps the DSP's own price in
 * its currency, for its notices.
 *
 * <p>Allocation-free per answer once warm (no streams, no boxing, no copies); not thread-safe: one per DSP per event
 * loop.
 */
public final class DspBidValidator {

    /** The default most a bid may be worth after adjustment and conversion: 1,000 a thousand impressions. */
    public static final long DEFAULT_MAX_PRICE_MICROS = 1_000_000_000L;
    /**
     * The longest {@code id}, {@code crid}, {@code adid}, {@code cid} or seat of a bid, in chars: the {@code crid} is
     * signed into Merlin's own win, bill and loss links (a long one would push the seller's notice past the server's
     * request-line limit, so the impression would never be billed), and each is kept in the DSP win ledger.
     */
    public static final int MAX_ID_CHARS = 128;
    /**
     * The most chars of the creative's fields Merlin passes on to the seller, together: a DSP's answer must not make
     * the seller's answer too large for Merlin's other bids (the markup has its own bound).
     */
    public static final int MAX_CREATIVE_FIELDS_CHARS = 4_096;
    /** The currency of an answer that names none (OpenRTB's default). */
    static final String DEFAULT_CURRENCY = "USD";

    private static final int BANNER = 1;
    private static final int VIDEO = 2;
    private static final int AUDIO = 3;
    private static final int NATIVE = 4;
    private static final int IAB_CONTENT_CATEGORY_1 = 1;

    private final int dspIndex;
    private final String dspId;
    private final List<String> seats;
    private final List<String> currencies;
    private final double bidAdjustment;
    private final Currencies rates;
    private final DspBidMetrics.Rejections rejections;
    private final long maxPriceMicros;
    private final SeenIds seenIds = new SeenIds();

    /** What the checks of the bid being validated found, read when it is accepted. */
    private int impIndex;
    private int dealIndex;
    private long priceMicros;

    /** A validator for the DSP at {@code dspIndex} of the runtime's list, with the default price ceiling. */
    public DspBidValidator(int dspIndex, DspConfig dsp, Currencies rates, DspBidMetrics.Rejections rejections) {
        this(dspIndex, dsp, rates, rejections, DEFAULT_MAX_PRICE_MICROS);
    }

    /**
     * A validator for the DSP at {@code dspIndex} of the runtime's list; a bid worth more than {@code maxPriceMicros}
     * (exchange currency, after adjustment) is dropped as {@link BidRejection#PRICE_TOO_HIGH}.
     */
    public DspBidValidator(int dspIndex, DspConfig dsp, Currencies rates, DspBidMetrics.Rejections rejections,
                           long maxPriceMicros) {
        this.dspIndex = dspIndex;
        this.dspId = dsp.id();
        this.seats = dsp.seats();
        this.currencies = dsp.currencies().isEmpty() ? List.of(rates.exchangeCurrency()) : dsp.currencies();
        this.bidAdjustment = dsp.bidAdjustment();
        this.rates = rates;
        this.rejections = rejections;
        this.maxPriceMicros = maxPriceMicros;
    }

    /**
     * Validates {@code response} against {@code request}, every impression of which was sent to this DSP under the
     * request's own id; see {@link #validate(BidResponse, BidRequest, String, long[], ExternalBids)}.
     */
    public int validate(BidResponse response, BidRequest request, ExternalBids out) {
        return validate(response, request, request.id, null, out);
    }

    /**
     * Validates every bid of {@code response}, adds each that passes to {@code out} and counts each that does not.
     *
     * @param response the DSP's decoded answer
     * @param request  the bid request the DSP answers (its impressions, currencies and block lists);
     *                 {@link ExternalBid#impIndex} indexes its {@code imp}
     * @param sentId   the request id Merlin sent the DSP, which its answer must echo
     * @param impsSent bit {@code i} (of word {@code i / 64}) set when {@code request.imp[i]} was sent to this DSP;
     *                 null when all were
     * @param out      where accepted bids go
     * @return how many bids were accepted
     */
    public int validate(BidResponse response, BidRequest request, String sentId, long[] impsSent,
                        ExternalBids out) {
        List<SeatBid> seatBids = response.seatbid;
        if (seatBids == null || seatBids.isEmpty()) {
            return 0;
        }
        String currency = response.cur == null ? DEFAULT_CURRENCY : response.cur;
        BidRejection whole = sentId == null || !sentId.equals(response.id) ? BidRejection.RESPONSE_ID_MISMATCH
                : isAccepted(currency) ? null : BidRejection.CURRENCY_NOT_ACCEPTED;
        int bidCount = 0;
        for (int s = 0; s < seatBids.size(); s++) {
            SeatBid seatBid = seatBids.get(s);
            bidCount += seatBid == null || seatBid.bid == null ? 0 : seatBid.bid.size();
        }
        if (whole != null) {
            rejections.count(whole, bidCount);
            return 0;
        }
        seenIds.clear(bidCount);
        String userRegion = OutboundRules.userCountry(request);
        int accepted = 0;
        for (int s = 0; s < seatBids.size(); s++) {
            SeatBid seatBid = seatBids.get(s);
            List<Bid> bids = seatBid == null ? null : seatBid.bid;
            if (bids == null) {
                continue;
            }
            boolean seatAllowed = isSeatAllowed(seatBid.seat, request);
            for (int b = 0; b < bids.size(); b++) {
                Bid bid = bids.get(b);
                BidRejection rejection = seatAllowed ? check(bid, seatBid.seat, request, impsSent, currency)
                        : BidRejection.SEAT_NOT_ALLOWED;
                if (rejection != null) {
                    rejections.count(rejection, 1);
                    continue;
                }
                accept(bid, seatBid.seat, currency, userRegion, out);
                accepted++;
            }
        }
        return accepted;
    }

    private void accept(Bid bid, String seat, String currency, String userRegion, ExternalBids out) {
        ExternalBid accepted = out.add();
        accepted.dsp = dspIndex;
        accepted.dspId = dspId;
        accepted.seat = seat;
        accepted.bid = bid;
        accepted.currency = currency;
        accepted.impIndex = impIndex;
        accepted.dealIndex = dealIndex;
        accepted.bidMicros = toMicros(bid.price);
        accepted.priceMicros = priceMicros;
        accepted.userRegion = userRegion;
    }

    /** Whether the answer's currency is one the request, the DSP and Merlin's rates all take. */
    /**
     * Whether the answer's currency is one the request Merlin sent the DSP allowed: its {@code cur} is the DSP's
     * configured currencies (not the seller's, whose answer Merlin converts), each of which Merlin can convert.
     */
    private boolean isAccepted(String currency) {
        return currencies.contains(currency) && rates.isKnown(currency);
    }

    private boolean isSeatAllowed(String seat, BidRequest request) {
        if (!seats.isEmpty() && (seat == null || !seats.contains(seat))) {
            return false;
        }
        if (request.wseat != null && !request.wseat.isEmpty() && !isVouchedFor(seat, request.wseat)) {
            return false;
        }
        return seat == null || request.bseat == null || !request.bseat.contains(seat);
    }

    /**
     * Whether {@code seat} is one {@code allowed} names and the DSP's configuration lists: a seat the configuration
     * does not list is only the DSP's word, and another DSP's buyer could be named so (its deal, its private price).
     */
    private boolean isVouchedFor(String seat, List<String> allowed) {
        return seat != null && allowed.contains(seat) && seats.contains(seat);
    }

    /** The first rule {@code bid} breaks, or null when it passes (then the fields of this validator describe it). */
    private BidRejection check(Bid bid, String seat, BidRequest request, long[] impsSent, String currency) {
        if (bid == null || isEmpty(bid.id)) {
            return BidRejection.MISSING_BID_ID;
        }
        if (!seenIds.add(bid.id)) {
            return BidRejection.DUPLICATE_BID_ID;
        }
        BidRejection tooLong = checkLengths(bid, seat);
        if (tooLong != null) {
            return tooLong;
        }
        impIndex = findImp(request.imp, bid.impid, impsSent);
        if (impIndex < 0) {
            return BidRejection.UNKNOWN_IMP;
        }
        Imp imp = request.imp.get(impIndex);
        if (bid.mtype != null && !offers(imp, bid.mtype)) {
            return BidRejection.WRONG_MEDIA_TYPE;
        }
        if (bid.price == null) {
            return BidRejection.MISSING_PRICE;
        }
        BidRejection deal = checkDeal(bid, seat, imp);
        if (deal != null) {
            return deal;
        }
        double price = bid.price;
        if (!Double.isFinite(price) || price < 0 || price == 0 && dealIndex < 0) {
            return BidRejection.INVALID_PRICE;
        }
        BidRejection creative = checkCreative(bid, imp);
        if (creative != null) {
            return creative;
        }
        BidRejection blocked = checkBlocks(bid, request, imp);
        if (blocked != null) {
            return blocked;
        }
        priceMicros = rates.toMicros(price * bidAdjustment, currency);
        return priceMicros > maxPriceMicros ? BidRejection.PRICE_TOO_HIGH : null;
    }

    /**
     * Bounds what a DSP's bid makes Merlin sign, store and pass on: ids, notice URLs (as the win ledger keeps them),
     * and the creative's fields the seller's answer carries.
     */
    private static BidRejection checkLengths(Bid bid, String seat) {
        if (isLongerThan(bid.id, MAX_ID_CHARS) || isLongerThan(bid.crid, MAX_ID_CHARS)
                || isLongerThan(bid.adid, MAX_ID_CHARS) || isLongerThan(bid.cid, MAX_ID_CHARS)
                || isLongerThan(seat, MAX_ID_CHARS)) {
            return BidRejection.ID_TOO_LONG;
        }
        if (isLongerThan(bid.nurl, DspWinLedger.MAX_URL_CHARS) || isLongerThan(bid.burl, DspWinLedger.MAX_URL_CHARS)
                || isLongerThan(bid.lurl, DspWinLedger.MAX_URL_CHARS)) {
            return BidRejection.URL_TOO_LONG;
        }
        long chars = length(bid.adid) + length(bid.bundle) + length(bid.cid) + length(bid.crid) + length(bid.adomain)
                + length(bid.cat);
        return chars > MAX_CREATIVE_FIELDS_CHARS ? BidRejection.CREATIVE_FIELDS_TOO_LONG : null;
    }

    private static boolean isLongerThan(String value, int chars) {
        return value != null && value.length() > chars;
    }

    private static long length(String value) {
        return value == null ? 0 : value.length();
    }

    private static long length(List<String> values) {
        long chars = 0;
        for (int i = 0; values != null && i < values.size(); i++) {
            chars += length(values.get(i));
        }
        return chars;
    }

    /** Sets {@link #dealIndex}: the deal the bid names, which must be the imp's and allow its seat. */
    private BidRejection checkDeal(Bid bid, String seat, Imp imp) {
        dealIndex = -1;
        List<Deal> deals = imp.pmp == null ? null : imp.pmp.deals;
        if (bid.dealid == null) {
            boolean isPrivate = imp.pmp != null && imp.pmp.private_auction != null && imp.pmp.private_auction == 1;
            return isPrivate ? BidRejection.NOT_A_DEAL : null;
        }
        if (deals != null) {
            for (int d = 0; d < deals.size(); d++) {
                if (bid.dealid.equals(deals.get(d).id)) {
                    dealIndex = d;
                    break;
                }
            }
        }
        if (dealIndex < 0) {
            return BidRejection.INVALID_DEAL;
        }
        List<String> wseat = deals.get(dealIndex).wseat;
        if (wseat != null && !wseat.isEmpty() && !isVouchedFor(seat, wseat)) {
            return BidRejection.INVALID_DEAL;
        }
        return null;
    }

    private static BidRejection checkCreative(Bid bid, Imp imp) {
        if (isEmpty(bid.crid)) {
            return BidRejection.MISSING_CREATIVE_ID;
        }
        if (!hasDomain(bid.adomain)) {
            return BidRejection.MISSING_ADOMAIN;
        }
        if (isEmpty(bid.adm) && isEmpty(bid.nurl)) {
            return BidRejection.MISSING_MARKUP;
        }
        if (!SizeRule.fits(bid, imp)) {
            return BidRejection.SIZE_NOT_ALLOWED;
        }
        if (imp.secure != null && imp.secure == 1 && bid.adm != null && loadsPlainHttp(bid.adm)) {
            return BidRejection.NOT_SECURE;
        }
        return null;
    }

    private static BidRejection checkBlocks(Bid bid, BidRequest request, Imp imp) {
        if (isBlockedAdvertiser(bid.adomain, request.badv)) {
            return BidRejection.BLOCKED_ADVERTISER;
        }
        if (isBlockedCategory(bid, request)) {
            return BidRejection.BLOCKED_CATEGORY;
        }
        if (bid.bundle != null && containsIgnoreCase(request.bapp, bid.bundle)) {
            return BidRejection.BLOCKED_APP;
        }
        if (bid.attr != null && !bid.attr.isEmpty() && isBlockedAttribute(bid.attr, bid.mtype, imp)) {
            return BidRejection.BLOCKED_ATTRIBUTE;
        }
        return null;
    }

    /** The index in {@code imps} of the one with {@code impId}, if it was sent; -1 otherwise. */
    private static int findImp(List<Imp> imps, String impId, long[] impsSent) {
        if (impId == null || imps == null) {
            return -1;
        }
        for (int i = 0; i < imps.size(); i++) {
            if (impId.equals(imps.get(i).id)) {
                boolean sent = impsSent == null
                        || (i >> 6) < impsSent.length && (impsSent[i >> 6] & (1L << i)) != 0;
                return sent ? i : -1;
            }
        }
        return -1;
    }

    private static boolean offers(Imp imp, int mtype) {
        switch (mtype) {
            case BANNER: return imp.banner != null;
            case VIDEO: return imp.video != null;
            case AUDIO: return imp.audio != null;
            case NATIVE: return imp.nativeAd != null;
            default: return false;
        }
    }

    private static boolean hasDomain(List<String> adomain) {
        if (adomain == null) {
            return false;
        }
        for (int i = 0; i < adomain.size(); i++) {
            if (!isEmpty(adomain.get(i))) {
                return true;
            }
        }
        return false;
    }

    /** Whether the markup names a plain {@code http:} URL, as written or URL-encoded ({@code http%3A}). */
    static boolean loadsPlainHttp(String markup) {
        int last = markup.length() - 5;
        for (int i = 0; i <= last; i++) {
            char c = markup.charAt(i);
            if ((c == 'h' || c == 'H') && (markup.regionMatches(true, i, "http:", 0, 5)
                    || markup.regionMatches(true, i, "http%3a", 0, 7))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isBlockedAdvertiser(List<String> adomain, List<String> badv) {
        if (badv == null || badv.isEmpty()) {
            return false;
        }
        for (int d = 0; d < adomain.size(); d++) {
            String domain = adomain.get(d);
            for (int b = 0; b < badv.size(); b++) {
                if (isSameOrSubdomain(domain, badv.get(b))) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether {@code domain} is {@code blocked} or one of its subdomains, ignoring case and a leading {@code www.} on
     * either side: a block of {@code example.com} covers {@code ads.example.com}.
     */
    static boolean isSameOrSubdomain(String domain, String blocked) {
        if (domain == null || blocked == null) {
            return false;
        }
        int dStart = domain.regionMatches(true, 0, "www.", 0, 4) ? 4 : 0;
        int bStart = blocked.regionMatches(true, 0, "www.", 0, 4) ? 4 : 0;
        int dLength = domain.length() - dStart;
        int bLength = blocked.length() - bStart;
        if (bLength == 0 || dLength < bLength) {
            return false;
        }
        int at = domain.length() - bLength;
        if (!domain.regionMatches(true, at, blocked, bStart, bLength)) {
            return false;
        }
        return dLength == bLength || domain.charAt(at - 1) == '.';
    }

    /**
     * Whether a category of the bid is blocked by {@code bcat} (or is a child of a blocked one); categories in another
     * taxonomy than the block list's cannot be checked, so they count as blocked.
     */
    private static boolean isBlockedCategory(Bid bid, BidRequest request) {
        List<String> bcat = request.bcat;
        List<String> cat = bid.cat;
        if (bcat == null || bcat.isEmpty() || cat == null || cat.isEmpty()) {
            return false;
        }
        int requestTaxonomy = request.cattax == null ? IAB_CONTENT_CATEGORY_1 : request.cattax;
        int bidTaxonomy = bid.cattax == null ? IAB_CONTENT_CATEGORY_1 : bid.cattax;
        if (requestTaxonomy != bidTaxonomy) {
            return true;
        }
        for (int c = 0; c < cat.size(); c++) {
            String category = cat.get(c);
            for (int b = 0; b < bcat.size(); b++) {
                if (category != null && IabCategories.isSameOrChild(category, bcat.get(b))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Attributes blocked by the {@code battr} of the bid's media type, or of every media type when it names none. */
    private static boolean isBlockedAttribute(List<Integer> attr, Integer mtype, Imp imp) {
        if (mtype == null) {
            return imp.banner != null && intersects(attr, imp.banner.battr)
                    || imp.video != null && intersects(attr, imp.video.battr)
                    || imp.audio != null && intersects(attr, imp.audio.battr)
                    || imp.nativeAd != null && intersects(attr, imp.nativeAd.battr);
        }
        switch (mtype) {
            case BANNER: return intersects(attr, imp.banner.battr);
            case VIDEO: return intersects(attr, imp.video.battr);
            case AUDIO: return intersects(attr, imp.audio.battr);
            default: return intersects(attr, imp.nativeAd.battr);
        }
    }

    private static boolean intersects(List<Integer> attr, List<Integer> blocked) {
        if (blocked == null) {
            return false;
        }
        for (int a = 0; a < attr.size(); a++) {
            Integer value = attr.get(a);
            for (int b = 0; b < blocked.size(); b++) {
                if (value != null && value.equals(blocked.get(b))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean containsIgnoreCase(List<String> list, String value) {
        if (list == null) {
            return false;
        }
        for (int i = 0; i < list.size(); i++) {
            if (value.equalsIgnoreCase(list.get(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }

    /** An amount in micros, rounded as {@link Currencies#toMicros} rounds. */
    private static long toMicros(double amount) {
        return (long) Math.ceil(amount * 1_000_000d - 1e-6);
    }

    /** Whether a bid's size fits the banner it is for. */
    static final class SizeRule {

        private SizeRule() {
        }

        /**
         * True when the bid names no size, is not for the banner, or the banner names no size; otherwise its
         * {@code w}/{@code h} must be the banner's own or one of its formats' (a flexible format: the same ratio, at
         * least {@code wmin} wide).
         */
        static boolean fits(Bid bid, Imp imp) {
            Integer w = bid.w;
            Integer h = bid.h;
            Banner banner = imp.banner;
            if (w == null && h == null || banner == null || !isForBanner(bid, imp)) {
                return true;
            }
            boolean namesSize = false;
            if (banner.w != null || banner.h != null) {
                namesSize = true;
                if (same(w, banner.w) && same(h, banner.h)) {
                    return true;
                }
            }
            List<Format> formats = banner.format;
            for (int i = 0; formats != null && i < formats.size(); i++) {
                Format f = formats.get(i);
                if (f.w != null || f.h != null) {
                    namesSize = true;
                    if (same(w, f.w) && same(h, f.h)) {
                        return true;
                    }
                } else if (f.wratio != null && f.hratio != null && f.wratio > 0 && f.hratio > 0) {
                    namesSize = true;
                    if (w != null && h != null && (long) w * f.hratio == (long) h * f.wratio
                            && (f.wmin == null || w >= f.wmin)) {
                        return true;
                    }
                }
            }
            return !namesSize;
        }

        /** A bid says it is a banner, or names no media type for an imp that offers nothing else. */
        private static boolean isForBanner(Bid bid, Imp imp) {
            if (bid.mtype != null) {
                return bid.mtype == BANNER;
            }
            return imp.video == null && imp.audio == null && imp.nativeAd == null;
        }

        private static boolean same(Integer bid, Integer slot) {
            return bid == null || slot == null || bid.intValue() == slot.intValue();
        }
    }

    /** The bid ids of one answer: a reused open-addressing set, cleared slot by slot. */
    private static final class SeenIds {
        private String[] table = new String[64];
        private int[] used = new int[32];
        private int usedCount;

        /** Empties the set and makes room for {@code expected} ids. */
        void clear(int expected) {
            for (int i = 0; i < usedCount; i++) {
                table[used[i]] = null;
            }
            usedCount = 0;
            if (expected * 2 > table.length) {
                int capacity = Integer.highestOneBit(expected * 2 - 1) << 1;
                table = new String[capacity];
                used = new int[capacity / 2];
            }
        }

        /** False when {@code id} was already added. */
        boolean add(String id) {
            int mask = table.length - 1;
            int hash = id.hashCode();
            int slot = (hash ^ (hash >>> 16)) & mask;
            while (table[slot] != null) {
                if (table[slot].equals(id)) {
                    return false;
                }
                slot = (slot + 1) & mask;
            }
            table[slot] = id;
            used[usedCount++] = slot;
            return true;
        }
    }
}
