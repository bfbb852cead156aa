package dev.merlin.exchange.auction;

import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.segments.SegmentSet;
import dev.merlin.protocol.model.App;
import dev.merlin.protocol.model.Banner;
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
import java.util.Objects;
import java.util.Locale;

/**
 * The reference {@link AuctionEngine} is checked against ({@link AuctionEnginePropertyTest}): the same auction rules,
 * with candidates from dense bitsets in catalog order ({@link ScanTargetingIndex}) and every one of them priced, in
 * catalog order, with no early stop — the straightforward scan whose winners, prices, deals and no-bid reasons the
 * engine must reproduce exactly.
 */
final class ScanAuctionEngine {

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
    private final ScanTargetingIndex index;
    private final Currencies currencies;
    private final SpendView spend;
    private final FrequencyView frequency;
    private final long keepPartsPerMillion;
    private final long[] netBidMicros;
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
    /** The request's seller: only the deals agreed with it match. */
    private String sellerId;
    private final ExternalBids noExternalBids = new ExternalBids(1);
    /**
     * This request's wins per campaign, so that frequency caps hold across its imps before any notice arrives:
     * {@link #requestWins} is valid where the campaign's bit in {@link #wonThisRequest} is set, and that bitset is
     * cleared per request. (Budgets need no such memory: each win is committed in the {@link SpendView}.)
     */
    private final long[] wonThisRequest;
    private final int[] requestWins;
    /** Whether Merlin's links can be https: without, a secure imp gets no bid (its markup would load http://). */
    private boolean canLinkSecurely = true;

    /** A scan over the catalog of {@code config}; {@code takeRate} is the exchange's share of each price. */
    ScanAuctionEngine(MerlinConfig config, CampaignCatalog catalog, Currencies currencies, double takeRate,
                      SpendView spend, FrequencyView frequency) {
        this.catalog = catalog;
        this.index = new ScanTargetingIndex(config, catalog.size());
        this.currencies = currencies;
        this.spend = spend;
        this.frequency = frequency;
        this.keepPartsPerMillion = Math.round((1 - takeRate) * 1_000_000d);
        this.netBidMicros = new long[catalog.size()];
        for (int i = 0; i < netBidMicros.length; i++) {
            netBidMicros[i] = catalog.get(i).bidMicros() * keepPartsPerMillion / 1_000_000L;
        }
        this.requestMask = index.bits();
        this.impMask = index.bits();
        this.scratch = index.bits();
        this.domainScratch = index.bits();
        this.wonThisRequest = index.bits();
        this.requestWins = new int[catalog.size()];
    }

    /**
     * Tells the engine whether Merlin's own links can be https ({@code NoticeUrls#canLinkSecurely}); when not, it
     * bids on no secure imp ({@link AuctionResult#NO_SECURE_URL}). Set once, before the first auction.
     */
    ScanAuctionEngine canLinkSecurely(boolean canLink) {
        this.canLinkSecurely = canLink;
        return this;
    }

    /**
     * Runs the auction among Merlin's campaigns alone.
     *
     * @param request         a decoded, validated request
     * @param sellerId        the authenticated seller's id: a campaign's deal matches only when agreed with it
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
     * @param sellerId        the authenticated seller's id: a campaign's deal matches only when agreed with it
     * @param segments        the user's live segments; null or empty when unknown or not allowed (contextual)
     * @param userHash        a 64-bit hash of the user key for frequency caps; 0 when unknown or not allowed
     * @param nowEpochSeconds the request's clock reading
     * @param externalBids    the DSPs' validated bids for the request's imps (empty: campaigns only)
     * @param out             receives the winners; reset first
     */
    public void run(BidRequest request, String sellerId, SegmentSet segments, long userHash, long nowEpochSeconds,
                    ExternalBids externalBids, AuctionResult out) {
        out.reset();
        this.sellerId = sellerId;
        CampaignBits.clear(wonThisRequest);
        if (!selectRequestCandidates(request, segments, userHash) && externalBids.count() == 0) {
            out.noBid(AuctionResult.NO_CANDIDATES);
            return;
        }
        external = externalBids;
        try {
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
        }
    }

    private boolean selectRequestCandidates(BidRequest request, SegmentSet segments, long userHash) {
        long[] mask = requestMask;
        CampaignBits.copy(index.all, mask);
        andDevice(mask, request);
        andInventory(mask, request);
        andUser(mask, segments, userHash);
        andBuyers(mask, request);
        return !CampaignBits.isEmpty(mask);
    }

    /** Keeps the campaigns targeting the request's country, region, device type and OS (or any). */
    private void andDevice(long[] mask, BidRequest request) {
        Device device = request.device;
        Geo deviceGeo = device == null ? null : device.geo;
        Geo userGeo = request.user == null ? null : request.user.geo;
        String country = deviceGeo != null && deviceGeo.country != null ? deviceGeo.country
                : userGeo == null ? null : userGeo.country;
        CampaignBits.andValueOrAny(mask, country == null ? null : index.byCountry.get(country), index.anyCountry);
        String region = deviceGeo != null && deviceGeo.region != null ? deviceGeo.region
                : userGeo == null ? null : userGeo.region;
        CampaignBits.andValueOrAny(mask, region == null ? null : index.byRegion.get(region), index.anyRegion);
        Integer deviceType = device == null ? null : device.devicetype;
        long[] byType = deviceType == null || deviceType < 0 || deviceType >= index.byDeviceType.length
                ? null : index.byDeviceType[deviceType];
        CampaignBits.andValueOrAny(mask, byType, index.anyDeviceType);
        String os = device == null ? null : device.os;
        CampaignBits.andValueOrAny(mask, os == null ? null : index.os(os), index.anyOs);
    }

    /** Keeps the campaigns whose site or app lists and categories the request's inventory meets. */
    private void andInventory(long[] mask, BidRequest request) {
        Site site = request.site;
        App app = request.app;
        CampaignBits.clear(scratch);
        if (site != null) {
            String domain = site.domain;
            long[] listed = domainScratch;
            CampaignBits.clear(listed);
            CampaignBits.andValueOrAny(mask, index.domainAllow.orMatches(domain, listed) ? listed : null,
                    index.anyDomain);
            CampaignBits.clear(listed);
            if (index.domainDeny.orMatches(domain, listed)) {
                CampaignBits.andNot(mask, listed);
            }
            CampaignBits.and(mask, index.anyBundle);
            orCategories(site.cat);
            orCategories(site.sectioncat);
            orCategories(site.pagecat);
            orContentCategories(site.content);
        } else if (app != null) {
            String bundle = app.bundle;
            CampaignBits.andValueOrAny(mask, bundle == null ? null : index.byBundleAllow.get(bundle), index.anyBundle);
            long[] denied = bundle == null ? null : index.byBundleDeny.get(bundle);
            if (denied != null) {
                CampaignBits.andNot(mask, denied);
            }
            CampaignBits.and(mask, index.anyDomain);
            orCategories(app.cat);
            orCategories(app.sectioncat);
            orCategories(app.pagecat);
            orContentCategories(app.content);
        } else {
            CampaignBits.and(mask, index.anyDomain);
            CampaignBits.and(mask, index.anyBundle);
        }
        CampaignBits.or(scratch, index.anyCategory);
        CampaignBits.and(mask, scratch);
    }

    /** Keeps the campaigns the user's segments and frequency-cap eligibility allow. */
    private void andUser(long[] mask, SegmentSet segments, long userHash) {
        if (segments == null || segments.size() == 0) {
            CampaignBits.and(mask, index.anySegment);
            CampaignBits.andNot(mask, index.needsUserData);
        } else {
            CampaignBits.copy(index.anySegment, scratch);
            for (int i = 0; i < segments.size(); i++) {
                long[] bits = index.bySegmentAnyOf.get(segments.get(i));
                if (bits != null) {
                    CampaignBits.or(scratch, bits);
                }
            }
            CampaignBits.and(mask, scratch);
            for (int i = 0; i < segments.size(); i++) {
                long[] bits = index.bySegmentNoneOf.get(segments.get(i));
                if (bits != null) {
                    CampaignBits.andNot(mask, bits);
                }
            }
        }
        if (userHash == 0) {
            CampaignBits.andNot(mask, index.frequencyCapped);
        }
    }

    /** Drops the campaigns of blocked advertisers and buyer seats; keeps only allowed seats when listed. */
    private void andBuyers(long[] mask, BidRequest request) {
        List<String> badv = request.badv;
        if (badv != null) {
            for (int i = 0; i < badv.size(); i++) {
                long[] bits = lookupDomain(index.byAdomain, badv.get(i));
                if (bits != null) {
                    CampaignBits.andNot(mask, bits);
                }
            }
        }
        List<String> bseat = request.bseat;
        if (bseat != null) {
            for (int i = 0; i < bseat.size(); i++) {
                long[] bits = index.bySeat.get(bseat.get(i));
                if (bits != null) {
                    CampaignBits.andNot(mask, bits);
                }
            }
        }
        List<String> wseat = request.wseat;
        if (wseat != null && !wseat.isEmpty()) {
            CampaignBits.clear(scratch);
            for (int i = 0; i < wseat.size(); i++) {
                long[] bits = index.bySeat.get(wseat.get(i));
                if (bits != null) {
                    CampaignBits.or(scratch, bits);
                }
            }
            CampaignBits.and(mask, scratch);
        }
    }

    private void orCategories(List<String> categories) {
        if (categories == null) {
            return;
        }
        for (int i = 0; i < categories.size(); i++) {
            index.orCategory(categories.get(i), scratch);
        }
    }

    private void orContentCategories(Content content) {
        if (content != null) {
            orCategories(content.cat);
        }
    }

    /**
     * Domains are indexed in lower case with and without {@code www.}, so a lower-case request domain is one
     * lookup with no allocation; only a domain with capitals pays for lower-casing.
     */
    private static long[] lookupDomain(Map<String, long[]> byDomain, String domain) {
        if (domain == null || byDomain.isEmpty()) {
            return null;
        }
        long[] bits = byDomain.get(domain);
        if (bits != null) {
            return bits;
        }
        String lower = domain.toLowerCase(Locale.ROOT);
        return lower == domain ? null : byDomain.get(lower);
    }

    /** Keeps the campaigns with a creative format the imp offers (banner sizes, video, audio, native). */
    private void andFormats(long[] mask, Imp imp) {
        CampaignBits.clear(scratch);
        Banner banner = imp.banner;
        if (banner != null) {
            orBannerSizes(banner);
        }
        if (imp.video != null) {
            CampaignBits.or(scratch, index.videoCampaigns);
        }
        if (imp.audio != null) {
            CampaignBits.or(scratch, index.audioCampaigns);
        }
        if (imp.nativeAd != null) {
            CampaignBits.or(scratch, index.nativeCampaigns);
        }
        CampaignBits.and(mask, scratch);
    }

    /** Keeps the campaigns buying the imp's deals from the seller, and the open ones unless the auction is private. */
    private void andDeals(long[] mask, Pmp pmp) {
        boolean isPrivate = pmp != null && pmp.private_auction != null && pmp.private_auction == 1;
        List<Deal> deals = pmp == null ? null : pmp.deals;
        CampaignBits.clear(scratch);
        if (deals != null) {
            for (int d = 0; d < deals.size(); d++) {
                long[] bits = index.byDeal.get(ScanTargetingIndex.dealKey(sellerId, deals.get(d).id));
                if (bits != null) {
                    CampaignBits.or(scratch, bits);
                }
            }
        }
        if (!isPrivate) {
            CampaignBits.or(scratch, index.openCampaigns);
        }
        CampaignBits.and(mask, scratch);
    }

    private void auctionImp(BidRequest request, Imp imp, int impIndex, SegmentSet segments, long userHash,
                            long now, AuctionResult out) {
        long[] mask = impMask;
        CampaignBits.copy(requestMask, mask);
        andFormats(mask, imp);
        andDeals(mask, imp.pmp);
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
            CampaignBits.unset(impMask, best.index);
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
        // written apart from AuctionEngine's (a reference shares no code with what it checks)
        Integer mtype = bid.bid == null ? null : bid.bid.mtype;
        Integer dur = bid.bid == null ? null : bid.bid.dur;
        boolean onlyVideo = imp.video != null && imp.audio == null && imp.banner == null && imp.nativeAd == null;
        boolean onlyAudio = imp.audio != null && imp.video == null && imp.banner == null && imp.nativeAd == null;
        boolean isVideo = mtype != null ? mtype == 2 : dur != null && dur > 0 ? imp.video != null : onlyVideo;
        boolean isAudio = mtype != null ? mtype == 3
                : dur != null && dur > 0 ? imp.video == null && imp.audio != null : onlyAudio;
        double perSecond = isVideo ? videoMinCpmPerSecond : isAudio ? audioMinCpmPerSecond : 0;
        if (perSecond > 0) {
            Integer min = isAudio ? imp.audio.minduration : imp.video.minduration;
            Integer max = isAudio ? imp.audio.maxduration : imp.video.maxduration;
            List<Integer> required = isAudio ? imp.audio.rqddurs : imp.video.rqddurs;
            int seconds = dur != null && dur > 0 ? dur : max != null && max > 0 ? max
                    : required == null ? 0 : required.stream().filter(Objects::nonNull)
                            .mapToInt(Integer::intValue).max().orElse(0);
            if (min != null && min > seconds) {
                seconds = min;
            }
            if (seconds > 0) {
                floor = Math.max(floor, currencies.toMicros(perSecond * seconds, floorCurrency));
            }
        }
        return floor;
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
     * Walks the imp's candidates in {@link #impMask} and leaves the highest eligible bid in {@code best…} and the
     * runner-up's in {@link #secondNet}; returns how many candidates there were.
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
        int candidates = 0;
        for (int c = CampaignBits.next(mask, 0); c >= 0; c = CampaignBits.next(mask, c + 1)) {
            candidates++;
            Campaign campaign = catalog.get(c);
            if (!campaign.isInFlight(now) || !hasAllSegments(campaign.segmentsAllOf, segments)) {
                continue;
            }
            if (campaign.frequencyCapImpressions > 0 && frequency.impressions(userHash, campaign, now)
                    + winsThisRequest(c) >= campaign.frequencyCapImpressions) {
                continue;
            }
            long net = netBidMicros[c];
            if ((!campaign.isDealOnly && net < impFloor) || (bestNet >= 0 && net <= secondNet)) {
                continue;
            }
            if (!spend.canSpend(campaign, now) || budgetLeftMicros(campaign) <= 0) {
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
            if (net > bestNet) {
                secondNet = bestNet;
                best = campaign;
                bestCreative = creative;
                bestDeal = deal;
                bestNet = net;
                bestFloor = pickedFloor;
            } else {
                secondNet = net;
            }
        }
        return candidates;
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
        }
        requestWins[c]++;
    }

    private void orBannerSizes(Banner banner) {
        List<Format> formats = banner.format;
        boolean hasSize = false;
        if (banner.w != null && banner.h != null) {
            orSize(banner.w, banner.h);
            hasSize = true;
        }
        if (formats != null) {
            for (int i = 0; i < formats.size(); i++) {
                Format f = formats.get(i);
                if (f.w != null && f.h != null) {
                    orSize(f.w, f.h);
                    hasSize = true;
                } else if (f.wratio != null && f.hratio != null) {
                    hasSize = false; // a flexible format: sizes by ratio are checked per creative, below
                    break;
                }
            }
        }
        if (!hasSize) {
            CampaignBits.or(scratch, index.bannerCampaigns);
        }
    }

    private void orSize(int w, int h) {
        long[] bits = index.byBannerSize.get(ScanTargetingIndex.sizeKey(w, h));
        if (bits != null) {
            CampaignBits.or(scratch, bits);
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
     * The first of {@code deals} the campaign buys from the seller and may use — its seat in {@code wseat}, its bid
     * at the deal's floor, a creative fitting the imp from an advertiser in {@code wadomain} — or -1. Leaves the
     * creative in {@link #pickedCreative} and its floor in {@link #pickedFloor}.
     */
    private int pickDeal(BidRequest request, Imp imp, List<Deal> deals, Campaign campaign, long net, long impFloor,
                         AuctionResult out) {
        if (deals == null) {
            return -1;
        }
        for (int d = 0; d < deals.size(); d++) {
            Deal deal = deals.get(d);
            long[] bits = index.byDeal.get(ScanTargetingIndex.dealKey(sellerId, deal.id));
            if (bits == null || !CampaignBits.get(bits, campaign.index)
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
