package dev.merlin.exchange.auction;

import dev.merlin.exchange.segments.SegmentSet;
import dev.merlin.protocol.model.App;
import dev.merlin.protocol.model.Banner;
import dev.merlin.protocol.model.Bid;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Content;
import dev.merlin.protocol.model.Deal;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Format;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.Imp;
import dev.merlin.protocol.model.Pmp;
import dev.merlin.protocol.model.Site;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * Runs the advertisers' auction for one bid request: candidates from the {@link TargetingIndex} (targeting, badv,
 * buyer seats in {@code bseat}/{@code wseat}), then per impression formats and sizes, deals (only those a campaign
 * agreed with the request's seller: a deal id is the seller's), floors (currency-converted), blocks, flight,
 * budgets and pacing, frequency caps, and the price — first price ({@code at=1}), second price ({@code at=2}: the
 * second-highest bid plus 0.01, at least the floor) or, through a fixed-price deal ({@code deal.at=3}), the deal's
 * price. The take rate is applied to every bid the same way: a campaign bidding {@code B} offers the publisher
 * {@code B × (1 − takeRate)} and pays {@code clearing ÷ (1 − takeRate)}.
 *
 * <p>The imps of one request are auctioned in order, and each win counts before any notice arrives: a campaign
 * capped at {@code N} per period wins at most {@code N} minus what the user has seen, and each win commits its price
 * against the campaign's daily and total budgets ({@link SpendView#reserve}), so that a campaign wins only imps its
 * budget left — after what is spent and what earlier wins, in this request or any other, have committed — still
 * covers at the price it wins each at (an imp it cannot afford is auctioned again without it). Pacing is the
 * ledger's line, checked per imp.
 *
 * <p>DSPs' bids ({@link ExternalBid}, validated, adjusted and converted before they get here) compete in the same
 * auction under the same rules: the imp's floor, or the deal's floor and auction type for a bid through a deal (a
 * private auction takes only deal bids), offering the publisher {@code priceMicros × (1 − takeRate)}; the runner-up
 * of a second-price auction may be a campaign or a DSP. Budgets, pacing and frequency caps are the campaigns' own
 * and do not apply to a DSP. On an equal offer Merlin's campaign wins, and among DSPs the bid added to
 * {@link ExternalBids} first. Each of the imp's DSP bids learns what the auction decided ({@link ExternalBid#lossCode},
 * the winner's {@link ExternalBid#clearingMicros}, a loser's {@link ExternalBid#minToWinMicros}); the bids of an imp
 * the auction skipped (an unknown floor currency, a secure imp without https links, an imp index the request does
 * not have) stay {@link ExternalBid#UNDECIDED}.
 *
 * <p>Cost flat in the catalogue: the index numbers campaigns by descending bid, the candidates are computed one
 * block of words at a time, and the walk from the highest bid down stops at the first candidate below every floor a
 * campaign could clear, or below the best bid once a runner-up is found; budget, pacing and frequency are checked
 * only on candidates that could still win. Equal bids go to the lower catalog index.
 *
 * <p>Allocation-free in steady state; not thread-safe — one engine per event-loop thread.
 */
public final class AuctionEngine {

    /** {@code at=1}: the winner pays its bid. */
    static final int FIRST_PRICE = 1;
    /** {@code at=2}: the winner pays the runner-up's bid plus {@link #MIN_INCREMENT_MICROS}, at least the floor. */
    static final int SECOND_PRICE = 2;
    /**
     * {@code deal.at=3}: the deal's {@code bidfloor} is the agreed price, and the winner pays exactly that — the
     * floor its bid cleared (the impression's when the deal has none; higher only where {@code mincpmpersec} times
     * the spot's duration is).
     */
    static final int FIXED_PRICE = 3;

    /** The first block of candidates computed, in words of 64 campaigns; each next block doubles. */
    private static final int FIRST_BLOCK_WORDS = 64;
    private static final int MEDIA_VIDEO = 2;
    private static final int MEDIA_AUDIO = 3;

    /** The second-price increment: 0.01 in the exchange currency. */
    static final long MIN_INCREMENT_MICROS = 10_000;

    /** {@link ExternalBid#lossCode} (OpenRTB loss reason 1): a deal floor in a currency the exchange cannot convert. */
    public static final int LOSS_INTERNAL_ERROR = 1;
    /** {@link ExternalBid#lossCode} (OpenRTB 3): a price no validated bid has (negative or absurdly high). */
    public static final int LOSS_INVALID_BID = 3;
    /** {@link ExternalBid#lossCode} (OpenRTB 4): a deal the imp does not have, or no deal in a private auction. */
    public static final int LOSS_INVALID_DEAL = 4;
    /** The highest price a DSP's bid may compete with: a million currency units CPM, exchange micros. */
    static final long MAX_EXTERNAL_PRICE_MICROS = 1_000_000_000_000L;

    private final CampaignCatalog catalog;
    /** Whether a campaign was paused or removed since {@link #catalog} was built, or is being. */
    private final CampaignSlots slots;
    private final TargetingIndex index;
    private final Currencies currencies;
    private final SpendView spend;
    private final FrequencyView frequency;
    private final long keepPartsPerMillion;
    /** Each position's bid net of the take rate: non-increasing, as positions are ordered by descending bid. */
    private final long[] netBidMicros;
    /** Words per bitset, and how many words of {@link #requestMask} and {@link #impMask} are computed so far. */
    private final int words;
    private final int firstBlockWords;
    private int requestWords;
    private int impWords;
    /** The request being auctioned, for computing its candidates block by block. */
    private BidRequest currentRequest;
    /** The campaigns buying each deal id from the request's seller: the only deals its imps can match. */
    private Map<String, int[]> sellerDeals = TargetingIndex.NO_DEALS;
    private SegmentSet currentSegments;
    private long currentUserHash;
    private final long[] requestMask;
    private final long[] impMask;
    private final long[] scratch;
    /** The campaigns a site domain's allow or block lists name, for the request being matched. */
    private final long[] domainScratch;

    /** The impression's per-second floors ({@code mincpmpersec}, 0 when none) and the currency of its floors. */
    private double videoMinCpmPerSecond;
    private double audioMinCpmPerSecond;
    private String floorCurrency;
    /** The floor of the creative {@link #pickCreative} chose, and the creative {@link #pickDeal} chose. */
    private long pickedFloor;
    private Creative pickedCreative;
    /** The imp's best eligible bid so far (its campaign, creative, deal index, net bid and floor) and the next. */
    private Campaign best;
    private Creative bestCreative;
    private int bestDeal;
    private long bestNet;
    private long bestFloor;
    private long secondNet;
    /** The imp's best bid when it is a DSP's (then {@link #best} is null), and the request's DSP bids. */
    private ExternalBid bestExternal;
    private ExternalBids external;
    private final ExternalBids noExternalBids = new ExternalBids(1);
    /**
     * This request's wins per campaign, so that frequency caps hold across its imps before any notice arrives:
     * {@link #requestWins} is valid where the campaign's bit in {@link #wonThisRequest} is set, and that bitset is
     * cleared per request. (Budgets need no such memory: each win is committed in the {@link SpendView}.)
     */
    private final long[] wonThisRequest;
    private final int[] requestWins;
    /** The campaigns set in {@link #wonThisRequest}, to clear just those; past its length the whole set is cleared. */
    private final int[] wonCampaigns = new int[64];
    private int wonCount;
    /** Whether Merlin's links can be https: without, a secure imp gets no bid (its markup would load http://). */
    private boolean canLinkSecurely = true;

    /** An engine over a catalog; {@code takeRate} is the exchange's share of each price. */
    public AuctionEngine(CampaignCatalog catalog, Currencies currencies, double takeRate, SpendView spend,
                         FrequencyView frequency) {
        this(catalog, currencies, takeRate, spend, frequency, FIRST_BLOCK_WORDS);
    }

    /** An engine whose first block of candidates is {@code firstBlockWords} words (tests cross blocks with 1). */
    AuctionEngine(CampaignCatalog catalog, Currencies currencies, double takeRate, SpendView spend,
                  FrequencyView frequency, int firstBlockWords) {
        this.catalog = catalog;
        this.slots = catalog.slots();
        this.firstBlockWords = firstBlockWords;
        this.index = catalog.index();
        this.currencies = currencies;
        this.spend = spend;
        this.frequency = frequency;
        this.keepPartsPerMillion = Math.round((1 - takeRate) * 1_000_000d);
        this.netBidMicros = new long[catalog.size()];
        for (int p = 0; p < netBidMicros.length; p++) {
            netBidMicros[p] = catalog.get(index.campaignAt[p]).bidMicros() * keepPartsPerMillion / 1_000_000L;
        }
        this.words = CampaignBits.create(catalog.size()).length;
        this.requestMask = index.bits();
        this.impMask = index.bits();
        this.scratch = index.bits();
        this.domainScratch = index.bits();
        this.wonThisRequest = index.bits();
        this.requestWins = new int[catalog.size()];
    }

    /** The catalogue this engine auctions. */
    public CampaignCatalog catalog() {
        return catalog;
    }

    /**
     * Tells the engine whether Merlin's own links can be https ({@code NoticeUrls#canLinkSecurely}); when not, it
     * bids on no secure imp ({@link AuctionResult#NO_SECURE_URL}). Set once, before the first auction.
     */
    public AuctionEngine canLinkSecurely(boolean canLink) {
        this.canLinkSecurely = canLink;
        return this;
    }

    /**
     * Runs the auction among Merlin's campaigns alone.
     *
     * @param request         a decoded, validated request
     * @param sellerId        the authenticated seller's id: a campaign's deal matches only when agreed with it (null:
     *                        no deal matches)
     * @param segments        the user's live segments; null or empty when unknown or not allowed (contextual)
     * @param userHash        a 64-bit hash of the user key for frequency caps; 0 when unknown or not allowed
     * @param nowEpochSeconds the request's clock reading
     * @param out             receives the winners; reset first
     */
    public void run(BidRequest request, String sellerId, SegmentSet segments, long userHash, long nowEpochSeconds,
                    AuctionResult out) {
        run(request, sellerId, segments, userHash, nowEpochSeconds, noExternalBids, out);
    }

    /**
     * Runs the auction among Merlin's campaigns and the DSPs' bids {@code externalBids}, whose outcome it writes into
     * each of them.
     *
     * @param request         a decoded, validated request
     * @param sellerId        the authenticated seller's id: a campaign's deal matches only when agreed with it (null:
     *                        no deal matches)
     * @param segments        the user's live segments; null or empty when unknown or not allowed (contextual)
     * @param userHash        a 64-bit hash of the user key for frequency caps; 0 when unknown or not allowed
     * @param nowEpochSeconds the request's clock reading
     * @param externalBids    the DSPs' validated bids for the request's imps (empty: campaigns only)
     * @param out             receives the winners; reset first
     */
    public void run(BidRequest request, String sellerId, SegmentSet segments, long userHash, long nowEpochSeconds,
                    ExternalBids externalBids, AuctionResult out) {
        out.reset();
        clearWins();
        currentRequest = request;
        sellerDeals = index.dealsFrom(sellerId);
        currentSegments = segments;
        currentUserHash = userHash;
        requestWords = 0;
        try {
            if (!hasRequestCandidates() && externalBids.count() == 0) {
                out.noBid(AuctionResult.NO_CANDIDATES);
                return;
            }
            external = externalBids;
            List<Imp> imps = request.imp;
            for (int i = 0; i < imps.size(); i++) {
                Imp imp = imps.get(i);
                if (!canLinkSecurely && imp.secure != null && imp.secure == 1) {
                    out.noBid(AuctionResult.NO_SECURE_URL);
                    continue;
                }
                auctionImp(request, imp, i, segments, userHash, nowEpochSeconds, out);
            }
        } finally {
            external = null;
            bestExternal = null;
            currentRequest = null;
            currentSegments = null;
            sellerDeals = TargetingIndex.NO_DEALS;
        }
    }

    /** The end (exclusive) of the block of words starting at {@code from}: blocks double from the first. */
    private int blockEnd(int from) {
        return Math.min(words, from == 0 ? firstBlockWords : from << 1);
    }

    /** Whether the request has any candidate, computing its candidates only up to the first block that has one. */
    private boolean hasRequestCandidates() {
        for (int from = 0; from < words; from = blockEnd(from)) {
            int to = blockEnd(from);
            ensureRequestWords(to);
            if (!CampaignBits.isEmpty(requestMask, from, to)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Computes the request's candidates ({@link #requestMask}) up to word {@code to}; a block the device and geo
     * targeting (or then the inventory) already empties skips the rest, as ANDing more into nothing stays nothing.
     */
    private void ensureRequestWords(int to) {
        int from = requestWords;
        if (to <= from) {
            return;
        }
        requestWords = to;
        long[] mask = requestMask;
        CampaignBits.copy(index.all, mask, from, to);
        andDevice(mask, currentRequest, from, to);
        if (CampaignBits.isEmpty(mask, from, to)) {
            return;
        }
        andInventory(mask, currentRequest, from, to);
        if (CampaignBits.isEmpty(mask, from, to)) {
            return;
        }
        andUser(mask, currentSegments, currentUserHash, from, to);
        andBuyers(mask, currentRequest, from, to);
    }

    /**
     * Computes the imp's candidates ({@link #impMask}: the request's, by format and deal) up to word {@code to}:
     * format and deal first, so that a block no campaign fitting the imp falls in needs none of the request's.
     */
    private void ensureImpWords(Imp imp, int to) {
        int from = impWords;
        if (to <= from) {
            return;
        }
        impWords = to;
        CampaignBits.copy(index.all, impMask, from, to);
        andFormats(impMask, imp, from, to);
        andDeals(impMask, imp.pmp, from, to);
        if (CampaignBits.isEmpty(impMask, from, to)) {
            return;
        }
        ensureRequestWords(to);
        CampaignBits.and(impMask, requestMask, from, to);
    }

    /** Keeps the campaigns targeting the request's country, region, device type and OS (or any). */
    private void andDevice(long[] mask, BidRequest request, int from, int to) {
        Device device = request.device;
        Geo deviceGeo = device == null ? null : device.geo;
        Geo userGeo = request.user == null ? null : request.user.geo;
        String country = deviceGeo != null && deviceGeo.country != null ? deviceGeo.country
                : userGeo == null ? null : userGeo.country;
        CampaignBits.andValueOrAny(mask, country == null ? null : index.byCountry.get(country), index.anyCountry,
                from, to);
        String region = deviceGeo != null && deviceGeo.region != null ? deviceGeo.region
                : userGeo == null ? null : userGeo.region;
        CampaignBits.andValueOrAny(mask, region == null ? null : index.byRegion.get(region), index.anyRegion,
                from, to);
        Integer deviceType = device == null ? null : device.devicetype;
        long[] byType = deviceType == null || deviceType < 0 || deviceType >= index.byDeviceType.length
                ? null : index.byDeviceType[deviceType];
        CampaignBits.andValueOrAny(mask, byType, index.anyDeviceType, from, to);
        String os = device == null ? null : device.os;
        CampaignBits.andValueOrAny(mask, os == null ? null : index.os(os), index.anyOs, from, to);
    }

    /** Keeps the campaigns whose site or app lists and categories the request's inventory meets. */
    private void andInventory(long[] mask, BidRequest request, int from, int to) {
        Site site = request.site;
        App app = request.app;
        CampaignBits.clear(scratch, from, to);
        if (site != null) {
            String domain = site.domain;
            long[] listed = domainScratch;
            CampaignBits.clear(listed, from, to);
            CampaignBits.andValueOrAny(mask, index.domainAllow.orMatches(domain, listed, from, to) ? listed : null,
                    index.anyDomain, from, to);
            CampaignBits.clear(listed, from, to);
            if (index.domainDeny.orMatches(domain, listed, from, to)) {
                CampaignBits.andNot(mask, listed, from, to);
            }
            CampaignBits.and(mask, index.anyBundle, from, to);
            orCategories(site.cat, from, to);
            orCategories(site.sectioncat, from, to);
            orCategories(site.pagecat, from, to);
            orContentCategories(site.content, from, to);
        } else if (app != null) {
            String bundle = app.bundle;
            CampaignBits.andValueOrAny(mask, bundle == null ? null : index.byBundleAllow.get(bundle), index.anyBundle,
                    from, to);
            long[] denied = bundle == null ? null : index.byBundleDeny.get(bundle);
            if (denied != null) {
                CampaignBits.andNot(mask, denied, from, to);
            }
            CampaignBits.and(mask, index.anyDomain, from, to);
            orCategories(app.cat, from, to);
            orCategories(app.sectioncat, from, to);
            orCategories(app.pagecat, from, to);
            orContentCategories(app.content, from, to);
        } else {
            CampaignBits.and(mask, index.anyDomain, from, to);
            CampaignBits.and(mask, index.anyBundle, from, to);
        }
        CampaignBits.or(scratch, index.anyCategory, from, to);
        CampaignBits.and(mask, scratch, from, to);
    }

    /** Keeps the campaigns the user's segments and frequency-cap eligibility allow. */
    private void andUser(long[] mask, SegmentSet segments, long userHash, int from, int to) {
        if (segments == null || segments.size() == 0) {
            CampaignBits.and(mask, index.anySegment, from, to);
            CampaignBits.andNot(mask, index.needsUserData, from, to);
        } else {
            CampaignBits.copy(index.anySegment, scratch, from, to);
            for (int i = 0; i < segments.size(); i++) {
                long[] bits = index.bySegmentAnyOf.get(segments.get(i));
                if (bits != null) {
                    CampaignBits.or(scratch, bits, from, to);
                }
            }
            CampaignBits.and(mask, scratch, from, to);
            for (int i = 0; i < segments.size(); i++) {
                long[] bits = index.bySegmentNoneOf.get(segments.get(i));
                if (bits != null) {
                    CampaignBits.andNot(mask, bits, from, to);
                }
            }
        }
        if (userHash == 0) {
            CampaignBits.andNot(mask, index.frequencyCapped, from, to);
        }
    }

    /** Drops the campaigns of blocked advertisers and buyer seats; keeps only allowed seats when listed. */
    private void andBuyers(long[] mask, BidRequest request, int from, int to) {
        List<String> badv = request.badv;
        if (badv != null) {
            for (int i = 0; i < badv.size(); i++) {
                int[] members = lookupDomain(index.byAdomain, badv.get(i));
                if (members != null) {
                    CampaignBits.andNotSparse(mask, members, from, to);
                }
            }
        }
        List<String> bseat = request.bseat;
        if (bseat != null) {
            for (int i = 0; i < bseat.size(); i++) {
                int[] members = index.bySeat.get(bseat.get(i));
                if (members != null) {
                    CampaignBits.andNotSparse(mask, members, from, to);
                }
            }
        }
        List<String> wseat = request.wseat;
        if (wseat != null && !wseat.isEmpty()) {
            CampaignBits.clear(scratch, from, to);
            for (int i = 0; i < wseat.size(); i++) {
                int[] members = index.bySeat.get(wseat.get(i));
                if (members != null) {
                    CampaignBits.orSparse(scratch, members, from, to);
                }
            }
            CampaignBits.and(mask, scratch, from, to);
        }
    }

    private void orCategories(List<String> categories, int from, int to) {
        if (categories == null) {
            return;
        }
        for (int i = 0; i < categories.size(); i++) {
            index.orCategory(categories.get(i), scratch, from, to);
        }
    }

    private void orContentCategories(Content content, int from, int to) {
        if (content != null) {
            orCategories(content.cat, from, to);
        }
    }

    /**
     * Domains are indexed in lower case with and without {@code www.}, so a lower-case request domain is one
     * lookup with no allocation; only a domain with capitals pays for lower-casing.
     */
    private static int[] lookupDomain(Map<String, int[]> byDomain, String domain) {
        if (domain == null || byDomain.isEmpty()) {
            return null;
        }
        int[] members = byDomain.get(domain);
        if (members != null) {
            return members;
        }
        String lower = domain.toLowerCase(Locale.ROOT);
        return lower == domain ? null : byDomain.get(lower);
    }

    /** Keeps the campaigns with a creative format the imp offers (banner sizes, video, audio, native). */
    private void andFormats(long[] mask, Imp imp, int from, int to) {
        CampaignBits.clear(scratch, from, to);
        Banner banner = imp.banner;
        if (banner != null) {
            orBannerSizes(banner, from, to);
        }
        if (imp.video != null) {
            CampaignBits.or(scratch, index.videoCampaigns, from, to);
        }
        if (imp.audio != null) {
            CampaignBits.or(scratch, index.audioCampaigns, from, to);
        }
        if (imp.nativeAd != null) {
            CampaignBits.or(scratch, index.nativeCampaigns, from, to);
        }
        CampaignBits.and(mask, scratch, from, to);
    }

    /**
     * Keeps the campaigns buying the imp's deals from the request's seller, and the open campaigns unless the auction
     * is private.
     */
    private void andDeals(long[] mask, Pmp pmp, int from, int to) {
        boolean isPrivate = pmp != null && pmp.private_auction != null && pmp.private_auction == 1;
        List<Deal> deals = pmp == null ? null : pmp.deals;
        CampaignBits.clear(scratch, from, to);
        if (deals != null) {
            for (int d = 0; d < deals.size(); d++) {
                int[] members = sellerDeals.get(deals.get(d).id);
                if (members != null) {
                    CampaignBits.orSparse(scratch, members, from, to);
                }
            }
        }
        if (!isPrivate) {
            CampaignBits.or(scratch, index.openCampaigns, from, to);
        }
        CampaignBits.and(mask, scratch, from, to);
    }

    private void auctionImp(BidRequest request, Imp imp, int impIndex, SegmentSet segments, long userHash,
                            long now, AuctionResult out) {
        impWords = 0;
        List<Deal> deals = imp.pmp == null ? null : imp.pmp.deals;
        long impFloor = 0;
        if (imp.bidfloor != null && imp.bidfloor > 0) {
            impFloor = currencies.toMicros(imp.bidfloor, imp.bidfloorcur == null ? "USD" : imp.bidfloorcur);
            if (impFloor < 0) {
                out.noBid(AuctionResult.UNKNOWN_CURRENCY);
                return;
            }
        }
        floorCurrency = imp.bidfloorcur == null ? "USD" : imp.bidfloorcur;
        videoMinCpmPerSecond = imp.video == null || imp.video.mincpmpersec == null ? 0 : imp.video.mincpmpersec;
        audioMinCpmPerSecond = imp.audio == null || imp.audio.mincpmpersec == null ? 0 : imp.audio.mincpmpersec;
        if ((videoMinCpmPerSecond > 0 || audioMinCpmPerSecond > 0) && !currencies.isKnown(floorCurrency)) {
            out.noBid(AuctionResult.UNKNOWN_CURRENCY);
            return;
        }

        int candidates = scanCandidates(request, imp, deals, impFloor, segments, userHash, now, out);
        out.sawCandidates(candidates);
        int dspBids = mergeExternalBids(imp, impIndex, deals, impFloor);
        while (best != null || bestExternal != null) {
            long price = clearingPrice(request, deals);
            long charge = grossMicros(price);
            if (bestExternal != null) {
                // charge <= priceMicros as price <= its net offer; the min only guards the rounding
                charge = Math.min(charge, bestExternal.priceMicros);
                out.add(impIndex, bestExternal, price, charge);
                settleExternalBids(imp, impIndex, deals, impFloor, bestNet, bestDeal >= 0, charge);
                return;
            }
            if (isCoveredByBudget(best, charge) && spend.reserve(best, charge / 1000L, now)) {
                countWin(best);
                out.add(impIndex, best, bestCreative, price, charge, bestDeal);
                settleExternalBids(imp, impIndex, deals, impFloor, bestNet, bestDeal >= 0, charge);
                return;
            }
            // the budget left does not cover this imp at this price: the auction runs again without the campaign
            CampaignBits.unset(impMask, index.positionOf[best.index]);
            scanCandidates(request, imp, deals, impFloor, segments, userHash, now, out);
            mergeExternalBids(imp, impIndex, deals, impFloor);
        }
        settleExternalBids(imp, impIndex, deals, impFloor, -1, false, 0);
        out.noBid(candidates + dspBids == 0 ? AuctionResult.NO_CANDIDATES : AuctionResult.NO_ELIGIBLE);
    }

    /**
     * Adds the DSP bids for imp {@code impIndex} to the campaigns' best and runner-up that {@link #scanCandidates}
     * left; marks those that may not compete with their loss code, the others {@link ExternalBid#UNDECIDED}.
     * Returns the imp's DSP bids.
     */
    private int mergeExternalBids(Imp imp, int impIndex, List<Deal> deals, long impFloor) {
        bestExternal = null;
        int bids = 0;
        for (int b = 0; b < external.count(); b++) {
            ExternalBid bid = external.get(b);
            if (bid.impIndex != impIndex) {
                continue;
            }
            bids++;
            long floor = externalFloor(bid, imp, deals, impFloor);
            if (floor < 0) {
                bid.lossCode = (int) -floor;
                continue;
            }
            long net = netMicros(bid.priceMicros);
            if (net < floor) {
                bid.lossCode = bid.dealIndex >= 0 ? ExternalBid.LOSS_BELOW_DEAL_FLOOR : ExternalBid.LOSS_BELOW_FLOOR;
                continue;
            }
            bid.lossCode = ExternalBid.UNDECIDED;
            if (net > bestNet) {
                secondNet = bestNet;
                best = null;
                bestCreative = null;
                bestExternal = bid;
                bestDeal = bid.dealIndex;
                bestNet = net;
                bestFloor = floor;
            } else if (net > secondNet) {
                secondNet = net;
            }
        }
        return bids;
    }

    /**
     * The floor a DSP's bid must offer the publisher, exchange micros: the imp's, or its deal's (and the per-second
     * floor times the bid's duration); or minus the loss code of a bid that may not compete at all.
     */
    private long externalFloor(ExternalBid bid, Imp imp, List<Deal> deals, long impFloor) {
        if (bid.priceMicros < 0 || bid.priceMicros > MAX_EXTERNAL_PRICE_MICROS) {
            return -LOSS_INVALID_BID;
        }
        long floor = impFloor;
        if (bid.dealIndex >= 0) {
            if (deals == null || bid.dealIndex >= deals.size()) {
                return -LOSS_INVALID_DEAL;
            }
            floor = dealFloor(deals.get(bid.dealIndex), impFloor);
            if (floor < 0) {
                return -LOSS_INTERNAL_ERROR;
            }
        } else if (imp.pmp != null && imp.pmp.private_auction != null && imp.pmp.private_auction == 1) {
            return -LOSS_INVALID_DEAL;
        }
        int media = timedMedia(bid.bid, imp);
        if (media == 0) {
            return floor; // a banner or native bid: no per-second floor
        }
        boolean isAudio = media == MEDIA_AUDIO;
        double perSecond = isAudio ? audioMinCpmPerSecond : videoMinCpmPerSecond;
        int seconds = perSecond <= 0 ? 0 : flooredSeconds(bid.bid, imp, isAudio);
        if (seconds > 0) {
            floor = Math.max(floor, currencies.toMicros(perSecond * seconds, floorCurrency));
        }
        return floor;
    }

    /**
     * The timed medium of a DSP's bid, video or audio, or 0: its {@code mtype}; without one, the medium its
     * {@code dur} implies (video when the imp offers video), else the imp's only format when that is video or audio.
     */
    private static int timedMedia(Bid bid, Imp imp) {
        if (bid != null && bid.mtype != null) {
            return bid.mtype == MEDIA_VIDEO || bid.mtype == MEDIA_AUDIO ? bid.mtype : 0;
        }
        if (bid != null && bid.dur != null && bid.dur > 0) {
            return imp.video != null ? MEDIA_VIDEO : imp.audio != null ? MEDIA_AUDIO : 0;
        }
        int only = BidResponseWriter.onlyMediaType(imp);
        return only == MEDIA_VIDEO || only == MEDIA_AUDIO ? only : 0;
    }

    /**
     * Tells each DSP bid for the imp what the auction decided: {@link ExternalBid#WON} with the clearing price in
     * its currency for the winner ({@code chargeMicros} back through its adjustment and rate, never above its bid),
     * a loss to a higher bid or to a deal with the price that would have won for the other eligible bids, the
     * price that would have cleared the floor (or beaten the winner) for those below it.
     */
    private void settleExternalBids(Imp imp, int impIndex, List<Deal> deals, long impFloor, long winnerNet,
                                    boolean isDealWinner, long chargeMicros) {
        long beatWinnerMicros = winnerNet < 0 ? 0 : grossMicros(winnerNet + MIN_INCREMENT_MICROS);
        for (int b = 0; b < external.count(); b++) {
            ExternalBid bid = external.get(b);
            if (bid.impIndex != impIndex) {
                continue;
            }
            if (bid == bestExternal) {
                bid.lossCode = ExternalBid.WON;
                bid.clearingMicros = bid.priceMicros <= 0 ? 0
                        : Math.min(bid.bidMicros, toBidCurrency(bid, chargeMicros));
            } else if (bid.lossCode == ExternalBid.UNDECIDED) {
                bid.lossCode = isDealWinner && bid.dealIndex < 0 ? ExternalBid.LOSS_TO_DEAL
                        : ExternalBid.LOSS_HIGHER_BID;
                bid.minToWinMicros = toBidCurrency(bid, beatWinnerMicros);
            } else if (bid.lossCode == ExternalBid.LOSS_BELOW_FLOOR
                    || bid.lossCode == ExternalBid.LOSS_BELOW_DEAL_FLOOR) {
                long floor = externalFloor(bid, imp, deals, impFloor);
                bid.minToWinMicros = toBidCurrency(bid, Math.max(grossMicros(floor), beatWinnerMicros));
            }
        }
    }

    /** A bid's offer to the publisher: {@code grossMicros × (1 − takeRate)}, rounded down, without overflow. */
    private long netMicros(long grossMicros) {
        return grossMicros / 1_000_000L * keepPartsPerMillion
                + grossMicros % 1_000_000L * keepPartsPerMillion / 1_000_000L;
    }

    /** What pays the publisher {@code netMicros}: {@code netMicros ÷ (1 − takeRate)}, rounded up. */
    private long grossMicros(long netMicros) {
        return (netMicros * 1_000_000L + keepPartsPerMillion - 1) / keepPartsPerMillion;
    }

    /**
     * {@code exchangeMicros} of the auction's prices as the DSP's own bid would say it: in its currency, before its
     * adjustment (the ratio of its bid to what it competed with), rounded up; -1 when its bid was 0.
     */
    private static long toBidCurrency(ExternalBid bid, long exchangeMicros) {
        if (bid.priceMicros <= 0) {
            return -1;
        }
        return (long) Math.ceil((double) exchangeMicros * bid.bidMicros / bid.priceMicros - 1e-6);
    }

    /**
     * Walks the imp's candidates in {@link #impMask} from the highest bid down and leaves the highest eligible bid in
     * {@code best…} and the runner-up's in {@link #secondNet}; returns how many candidates it looked at (more than 0
     * exactly when the imp has any). It stops at the first candidate whose bid is below every floor a campaign could
     * clear for this imp, or below the best once a runner-up is found: no candidate after it can change the winner
     * or the clearing price. Equal bids go to the lower catalog index, as in a scan in catalog order.
     */
    private int scanCandidates(BidRequest request, Imp imp, List<Deal> deals, long impFloor, SegmentSet segments,
                               long userHash, long now, AuctionResult out) {
        long[] mask = impMask;
        best = null;
        bestCreative = null;
        bestDeal = -1;
        bestNet = -1;
        bestFloor = 0;
        secondNet = -1;
        long lowestFloor = lowestFloor(deals, impFloor);
        int candidates = 0;
        for (int from = 0; from < words; from = blockEnd(from)) {
            int to = blockEnd(from);
            ensureImpWords(imp, to);
            for (int p = CampaignBits.next(mask, from << 6, to); p >= 0; p = CampaignBits.next(mask, p + 1, to)) {
                candidates++;
                long net = netBidMicros[p];
                if (net < lowestFloor || (secondNet >= 0 && net < bestNet)) {
                    return candidates;
                }
                Campaign campaign = catalog.get(index.campaignAt[p]);
                if ((!campaign.isDealOnly && net < impFloor)
                        || (bestNet >= 0 && net <= secondNet && !isBetterTie(campaign, net))
                        || !isEligible(campaign, segments, userHash, now)) {
                    continue;
                }
                int deal = -1;
                Creative creative;
                if (campaign.isDealOnly) {
                    deal = pickDeal(request, imp, deals, campaign, net, impFloor, out);
                    creative = deal < 0 ? null : pickedCreative;
                } else {
                    creative = pickCreative(request, imp, campaign, null, net, impFloor);
                }
                if (creative == null) {
                    continue;
                }
                if (net > bestNet || isBetterTie(campaign, net)) {
                    secondNet = bestNet;
                    best = campaign;
                    bestCreative = creative;
                    bestDeal = deal;
                    bestNet = net;
                    bestFloor = pickedFloor;
                } else if (net > secondNet) {
                    secondNet = net;
                }
            }
        }
        return candidates;
    }

    /** Whether {@code campaign} bids as much as {@link #best} and comes first in the catalog: it wins the tie. */
    private boolean isBetterTie(Campaign campaign, long net) {
        return best != null && net == bestNet && campaign.index < best.index;
    }

    /**
     * Not stopped by a change since the catalogue was built, in flight, the user in all its segments, under its
     * frequency cap, allowed to spend and with budget left.
     */
    private boolean isEligible(Campaign campaign, SegmentSet segments, long userHash, long now) {
        if (slots.isStopped(campaign.slot) || !campaign.isInFlight(now)
                || !hasAllSegments(campaign.segmentsAllOf, segments)) {
            return false;
        }
        if (campaign.frequencyCapImpressions > 0 && frequency.impressions(userHash, campaign, now)
                + winsThisRequest(campaign.index) >= campaign.frequencyCapImpressions) {
            return false;
        }
        return spend.canSpend(campaign, now) && budgetLeftMicros(campaign) > 0;
    }

    /**
     * The lowest floor a campaign's bid must clear for the imp: the imp's, or a lower one of a deal some campaign
     * buys from the request's seller; {@link Long#MIN_VALUE} when such a deal's floor is in a currency the exchange
     * cannot convert, so that every candidate is looked at and the no-bid reason is the one each of them gives.
     */
    private long lowestFloor(List<Deal> deals, long impFloor) {
        long lowest = impFloor;
        if (deals != null) {
            for (int d = 0; d < deals.size(); d++) {
                Deal deal = deals.get(d);
                if (sellerDeals.get(deal.id) != null) {
                    long floor = dealFloor(deal, impFloor);
                    if (floor < 0) {
                        return Long.MIN_VALUE;
                    }
                    lowest = Math.min(lowest, floor);
                }
            }
        }
        return lowest;
    }

    /** The price {@link #best} pays the publisher, by the auction type of the request or of the deal it won. */
    private long clearingPrice(BidRequest request, List<Deal> deals) {
        int auctionType = request.at == null ? SECOND_PRICE : request.at;
        if (bestDeal >= 0) {
            Integer dealType = deals.get(bestDeal).at;
            // a fixed-price deal without a price has nothing to fix the price at: the request's rule applies
            if (dealType != null && (dealType != FIXED_PRICE || bestFloor > 0)) {
                auctionType = dealType;
            }
        }
        if (auctionType == FIRST_PRICE) {
            return bestNet;
        }
        if (auctionType == FIXED_PRICE) {
            return bestFloor;
        }
        long runnerUp = secondNet >= 0 ? secondNet + MIN_INCREMENT_MICROS : MIN_INCREMENT_MICROS;
        return Math.min(Math.max(runnerUp, bestFloor), bestNet);
    }

    /** Imps the campaign has won so far in this request. */
    private int winsThisRequest(int campaign) {
        return CampaignBits.get(wonThisRequest, campaign) ? requestWins[campaign] : 0;
    }

    /**
     * What is left of the campaign's daily and total budgets, micros, after what the ledger has charged and what
     * open commitments (this request's wins among them) hold; {@code Long.MAX_VALUE} without budgets.
     */
    private long budgetLeftMicros(Campaign campaign) {
        if (campaign.dailyBudgetMicros == Long.MAX_VALUE && campaign.totalBudgetMicros == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        return Math.min(
                campaign.dailyBudgetMicros - spend.spentTodayMicros(campaign) - spend.committedTodayMicros(campaign),
                campaign.totalBudgetMicros - spend.spentTotalMicros(campaign) - spend.committedTotalMicros(campaign));
    }

    /** True when the campaign's budget left covers one more imp charged {@code chargeCpmMicros} (a CPM). */
    private boolean isCoveredByBudget(Campaign campaign, long chargeCpmMicros) {
        return chargeCpmMicros / 1000L <= budgetLeftMicros(campaign);
    }

    /** Counts a win of this request against the campaign's frequency cap. */
    private void countWin(Campaign campaign) {
        int c = campaign.index;
        if (!CampaignBits.get(wonThisRequest, c)) {
            CampaignBits.set(wonThisRequest, c);
            requestWins[c] = 0;
            if (wonCount < wonCampaigns.length) {
                wonCampaigns[wonCount] = c;
            }
            wonCount++;
        }
        requestWins[c]++;
    }

    /** Forgets the previous request's wins: only the campaigns that won, unless there were too many to list. */
    private void clearWins() {
        if (wonCount > wonCampaigns.length) {
            CampaignBits.clear(wonThisRequest);
        } else {
            for (int i = 0; i < wonCount; i++) {
                CampaignBits.unset(wonThisRequest, wonCampaigns[i]);
            }
        }
        wonCount = 0;
    }

    private void orBannerSizes(Banner banner, int from, int to) {
        List<Format> formats = banner.format;
        boolean hasSize = false;
        if (banner.w != null && banner.h != null) {
            orSize(banner.w, banner.h, from, to);
            hasSize = true;
        }
        if (formats != null) {
            for (int i = 0; i < formats.size(); i++) {
                Format f = formats.get(i);
                if (f.w != null && f.h != null) {
                    orSize(f.w, f.h, from, to);
                    hasSize = true;
                } else if (f.wratio != null && f.hratio != null) {
                    hasSize = false; // a flexible format: sizes by ratio are checked per creative, below
                    break;
                }
            }
        }
        if (!hasSize) {
            CampaignBits.or(scratch, index.bannerCampaigns, from, to);
        }
    }

    private void orSize(int w, int h, int from, int to) {
        long[] bits = index.byBannerSize.get(TargetingIndex.sizeKey(w, h));
        if (bits != null) {
            CampaignBits.or(scratch, bits, from, to);
        }
    }

    private static boolean hasAllSegments(int[] required, SegmentSet segments) {
        if (required.length == 0) {
            return true;
        }
        if (segments == null) {
            return false;
        }
        for (int segment : required) {
            if (!segments.contains(segment)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The first of {@code deals} the campaign buys from the request's seller and may use — its seat in
     * {@code wseat}, its bid at the deal's floor, a creative fitting the imp from an advertiser in {@code wadomain} —
     * or -1. Leaves the creative in {@link #pickedCreative} and its floor in {@link #pickedFloor}.
     */
    private int pickDeal(BidRequest request, Imp imp, List<Deal> deals, Campaign campaign, long net, long impFloor,
                         AuctionResult out) {
        if (deals == null) {
            return -1;
        }
        for (int d = 0; d < deals.size(); d++) {
            Deal deal = deals.get(d);
            int[] members = sellerDeals.get(deal.id);
            if (members == null || !CampaignBits.containsSparse(members, index.positionOf[campaign.index])
                    || (deal.wseat != null && !deal.wseat.isEmpty() && !deal.wseat.contains(campaign.seat))) {
                continue;
            }
            long floor = dealFloor(deal, impFloor);
            if (floor < 0) {
                out.noBid(AuctionResult.UNKNOWN_CURRENCY);
                continue;
            }
            if (net < floor) {
                continue;
            }
            Creative creative = pickCreative(request, imp, campaign, deal.wadomain, net, floor);
            if (creative != null) {
                pickedCreative = creative;
                return d;
            }
        }
        return -1;
    }

    /** The deal's floor, or the impression's ({@code impFloor}) when the deal sets none; -1 for an unknown currency. */
    private long dealFloor(Deal deal, long impFloor) {
        if (deal.bidfloor == null || deal.bidfloor <= 0) {
            return impFloor;
        }
        return currencies.toMicros(deal.bidfloor, deal.bidfloorcur == null ? "USD" : deal.bidfloorcur);
    }

    /**
     * The campaign's first creative that fits the imp, is not blocked, is allowed by {@code wadomain} (when given)
     * and whose floor the {@code net} bid clears; its floor is left in {@link #pickedFloor}.
     */
    private Creative pickCreative(BidRequest request, Imp imp, Campaign campaign, List<String> wadomain, long net,
                                  long floor) {
        Creative[] creatives = campaign.creatives;
        for (Creative creative : creatives) {
            if (CreativeFit.fitsImp(creative, imp) && !CreativeFit.isBlocked(creative, request, imp)
                    && CreativeFit.isAllowedAdvertiser(creative, wadomain)) {
                long creativeFloor = creativeFloor(creative, floor);
                if (net >= creativeFloor) {
                    pickedFloor = creativeFloor;
                    return creative;
                }
            }
        }
        return null;
    }

    /**
     * The seconds a DSP's video or audio bid is floored for under {@code mincpmpersec}: its {@code dur}, never less
     * than the imp's {@code minduration}; when it names none, the longest the imp takes ({@code maxduration}, else
     * the longest of {@code rqddurs}, else {@code minduration}), so a DSP that leaves out or understates its duration
     * never bids under the per-second floor; 0 when nothing says.
     */
    static int flooredSeconds(Bid bid, Imp imp, boolean isAudio) {
        Integer min = isAudio ? (imp.audio == null ? null : imp.audio.minduration)
                : imp.video == null ? null : imp.video.minduration;
        Integer max = isAudio ? (imp.audio == null ? null : imp.audio.maxduration)
                : imp.video == null ? null : imp.video.maxduration;
        List<Integer> required = isAudio ? (imp.audio == null ? null : imp.audio.rqddurs)
                : imp.video == null ? null : imp.video.rqddurs;
        int least = min != null && min > 0 ? min : 0;
        if (bid != null && bid.dur != null && bid.dur > 0) {
            return Math.max(bid.dur, least);
        }
        if (max != null && max > 0) {
            return Math.max(max, least);
        }
        int longest = least;
        for (int i = 0; required != null && i < required.size(); i++) {
            Integer seconds = required.get(i);
            if (seconds != null && seconds > longest) {
                longest = seconds;
            }
        }
        return longest;
    }

    /**
     * OpenRTB 2.6 {@code mincpmpersec}: a video or audio creative's floor is the larger of {@code floor} and the
     * per-second floor times its duration, in the impression's floor currency.
     */
    private long creativeFloor(Creative creative, long floor) {
        double perSecond = creative.format == Creative.VIDEO ? videoMinCpmPerSecond
                : creative.format == Creative.AUDIO ? audioMinCpmPerSecond : 0;
        if (perSecond <= 0) {
            return floor;
        }
        return Math.max(floor, currencies.toMicros(perSecond * creative.durationSeconds, floorCurrency));
    }
}
