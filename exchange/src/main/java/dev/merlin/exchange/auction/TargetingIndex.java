package dev.merlin.exchange.auction;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.CampaignConfig;
import dev.merlin.config.CreativeConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.DealConfig;
import dev.merlin.config.SegmentDefinition;
import dev.merlin.config.TargetingConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntArrayList;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * Bitsets of campaigns per targeting value, built once when the config loads. A request's candidates are the AND
 * of one bitset per dimension ("campaigns targeting this value" OR "campaigns not targeting the dimension"), so
 * the auction never scans every campaign.
 *
 * <p>A campaign's bit is its <em>position</em>: campaigns are numbered by descending bid (the catalog index breaks
 * ties), so walking a candidate bitset from bit 0 visits the candidates from the highest price they could pay to
 * the lowest, and the auction stops once none left can change its winner or its clearing price
 * ({@link #campaignAt} and {@link #positionOf} map between position and catalog index). Values only a few campaigns
 * carry (a seat, an advertiser domain, a deal) are sparse sets of positions ({@link CampaignBits}), the rest dense
 * bitsets.
 */
final class TargetingIndex {

    final int campaigns;
    final long[] all;
    /** The catalog index of the campaign at each position, and the position of each catalog index. */
    final int[] campaignAt;
    final int[] positionOf;

    final Map<String, long[]> byCountry = new HashMap<>();
    final long[] anyCountry;
    final Map<String, long[]> byRegion = new HashMap<>();
    final long[] anyRegion;
    /** OpenRTB device types (list 5.21): 1 "Mobile/Tablet" covers 4 "Phone" and 5 "Tablet". */
    private static final int MOBILE_TABLET = 1;
    private static final int PHONE = 4;
    private static final int TABLET = 5;

    final long[][] byDeviceType = new long[16][];
    final long[] anyDeviceType;
    final String[] osKeys;
    final long[][] osBits;
    final long[] anyOs;
    private final Map<String, long[]> byDomainAllow = new HashMap<>();
    final long[] anyDomain;
    private final Map<String, long[]> byDomainDeny = new HashMap<>();
    /** Site domain allow and block lists, matched on the domain and its parents (a list entry covers subdomains). */
    final DomainIndex domainAllow;
    final DomainIndex domainDeny;
    final Map<String, long[]> byBundleAllow = new HashMap<>();
    final long[] anyBundle;
    final Map<String, long[]> byBundleDeny = new HashMap<>();
    final String[] categoryKeys;
    final long[][] categoryBits;
    final long[] anyCategory;
    final Int2ObjectHashMap<long[]> bySegmentAnyOf = new Int2ObjectHashMap<>();
    final long[] anySegment;
    final Int2ObjectHashMap<long[]> bySegmentNoneOf = new Int2ObjectHashMap<>();
    /** Sparse: campaigns by an advertiser domain all their creatives carry (lower case, with and without www). */
    final Map<String, int[]> byAdomain;
    /** Sparse: campaigns by their advertiser's seat, exactly as configured (seats are case-sensitive). */
    final Map<String, int[]> bySeat;
    final long[] needsUserData;
    final long[] frequencyCapped;

    final Long2ObjectHashMap<long[]> byBannerSize = new Long2ObjectHashMap<>();
    final long[] bannerCampaigns;
    final long[] videoCampaigns;
    final long[] audioCampaigns;
    final long[] nativeCampaigns;
    /**
     * Sparse, per seller id: the campaigns buying each deal id the deal was agreed with that seller. A deal id is the
     * seller's own name for its deal, so a request matches a campaign's deal only when its seller is one the deal
     * names; a seller no deal names has an empty map.
     */
    private final Map<String, Map<String, int[]>> dealsBySeller;
    /** The deals of a seller no deal names. */
    static final Map<String, int[]> NO_DEALS = Collections.emptyMap();
    final long[] openCampaigns;

    TargetingIndex(MerlinConfig config, Campaign[] catalog) {
        this.campaigns = catalog.length;
        campaignAt = byDescendingBid(catalog);
        positionOf = inverse(campaignAt);
        all = bits();
        CampaignBits.fill(all, campaigns);
        anyCountry = bits();
        anyRegion = bits();
        anyDeviceType = bits();
        anyOs = bits();
        anyDomain = bits();
        anyBundle = bits();
        anyCategory = bits();
        anySegment = bits();
        needsUserData = bits();
        frequencyCapped = bits();
        bannerCampaigns = bits();
        videoCampaigns = bits();
        audioCampaigns = bits();
        nativeCampaigns = bits();
        openCampaigns = bits();
        Map<String, long[]> byOs = new HashMap<>();
        Map<String, long[]> byCategory = new HashMap<>();

        Map<String, Integer> segmentIds = segmentIds(config);
        int catalogIndex = 0;
        for (AdvertiserConfig advertiser : config.advertisers()) {
            for (CampaignConfig campaign : active(advertiser)) {
                int index = positionOf[catalogIndex++];
                TargetingConfig t = campaign.targeting();
                addValues(byCountry, anyCountry, t.countries(), index, false);
                addValues(byRegion, anyRegion, t.regions(), index, false);
                addDeviceTypes(t.deviceTypes(), index);
                addValues(byOs, anyOs, t.os(), index, true);
                addValues(byDomainAllow, anyDomain, t.domains().allow(), index, true);
                addValues(byDomainDeny, null, t.domains().deny(), index, true);
                addValues(byBundleAllow, anyBundle, t.bundles().allow(), index, false);
                addValues(byBundleDeny, null, t.bundles().deny(), index, false);
                addValues(byCategory, anyCategory, t.categories(), index, false);
                addSegments(segmentIds, t.segments(), index);
                addCapAndDeals(campaign, index);
                addCreatives(campaign.creatives(), index);
            }
        }
        bySeat = sparseSets(config, (advertiser, campaign) -> List.of(advertiser.seat()), false);
        // badv removes a campaign in the index only for domains every creative carries; a domain some creatives
        // lack is checked per creative, so the campaign can still serve its other creatives
        byAdomain = sparseSets(config, (advertiser, campaign) -> domainsOfEveryCreative(campaign.creatives()), true);
        dealsBySeller = dealsBySeller(config);
        osKeys = byOs.keySet().toArray(new String[0]);
        osBits = new long[osKeys.length][];
        for (int i = 0; i < osKeys.length; i++) {
            osBits[i] = byOs.get(osKeys[i]);
        }
        List<String> categories = new ArrayList<>(byCategory.keySet());
        categoryKeys = categories.toArray(new String[0]);
        categoryBits = new long[categoryKeys.length][];
        for (int i = 0; i < categoryKeys.length; i++) {
            categoryBits[i] = byCategory.get(categoryKeys[i]);
        }
        domainAllow = DomainIndex.of(byDomainAllow);
        domainDeny = DomainIndex.of(byDomainDeny);
    }

    /** The frequency-capped campaigns, and each campaign's deals (or the open auction when it has none). */
    private void addCapAndDeals(CampaignConfig campaign, int index) {
        if (campaign.frequencyCap() != null) {
            CampaignBits.set(frequencyCapped, index);
        }
        if (campaign.targeting().deals().isEmpty()) {
            CampaignBits.set(openCampaigns, index);
        }
    }

    private void addDeviceTypes(List<Integer> deviceTypes, int index) {
        if (deviceTypes.isEmpty()) {
            CampaignBits.set(anyDeviceType, index);
        } else {
            for (int type : deviceTypes) {
                setDeviceType(type, index);
                if (type == MOBILE_TABLET) {
                    // OpenRTB's 1, "Mobile/Tablet", is the parent of 4 (phone) and 5 (tablet)
                    setDeviceType(PHONE, index);
                    setDeviceType(TABLET, index);
                }
            }
            if (deviceTypes.contains(PHONE) && deviceTypes.contains(TABLET)) {
                setDeviceType(MOBILE_TABLET, index); // a request's "phone or tablet" is both
            }
        }
    }

    private void addSegments(Map<String, Integer> segmentIds, TargetingConfig.SegmentTargeting segments,
                             int index) {
        if (segments.anyOf().isEmpty()) {
            CampaignBits.set(anySegment, index);
        } else {
            for (String name : segments.anyOf()) {
                CampaignBits.set(bySegmentAnyOf.computeIfAbsent(segmentIds.get(name), k -> bits()), index);
            }
        }
        for (String name : segments.noneOf()) {
            CampaignBits.set(bySegmentNoneOf.computeIfAbsent(segmentIds.get(name), k -> bits()), index);
        }
        if (segments.needsUserData()) {
            CampaignBits.set(needsUserData, index);
        }
    }

    private void addCreatives(List<CreativeConfig> creatives, int index) {
        for (CreativeConfig creative : creatives) {
            switch (creative.format()) {
                case "banner":
                    CampaignBits.set(bannerCampaigns, index);
                    CampaignBits.set(byBannerSize.computeIfAbsent(sizeKey(creative.w(), creative.h()),
                            k -> bits()), index);
                    break;
                case "video":
                    CampaignBits.set(videoCampaigns, index);
                    break;
                case "audio":
                    CampaignBits.set(audioCampaigns, index);
                    break;
                default:
                    CampaignBits.set(nativeCampaigns, index);
            }
        }
    }

    private void setDeviceType(int type, int index) {
        if (type >= 0 && type < byDeviceType.length) {
            if (byDeviceType[type] == null) {
                byDeviceType[type] = bits();
            }
            CampaignBits.set(byDeviceType[type], index);
        }
    }

    private static List<String> domainsOfEveryCreative(List<CreativeConfig> creatives) {
        List<String> common = new ArrayList<>();
        for (String domain : creatives.get(0).adomain()) {
            boolean everywhere = true;
            for (CreativeConfig creative : creatives) {
                boolean has = false;
                for (String other : creative.adomain()) {
                    has |= other.equalsIgnoreCase(domain);
                }
                everywhere &= has;
            }
            if (everywhere) {
                common.add(domain);
            }
        }
        return common;
    }

    static long sizeKey(int w, int h) {
        return ((long) w << 32) | (h & 0xffffffffL);
    }

    long[] bits() {
        return CampaignBits.create(campaigns);
    }

    private void addValues(Map<String, long[]> byValue, long[] any, List<String> values, int index,
                           boolean lowerCase) {
        if (values.isEmpty()) {
            if (any != null) {
                CampaignBits.set(any, index);
            }
            return;
        }
        for (String value : values) {
            String key = lowerCase ? value.toLowerCase(Locale.ROOT) : value;
            CampaignBits.set(byValue.computeIfAbsent(key, k -> bits()), index);
            if (lowerCase) {
                // domains: index both forms so a request's "www.x" or "x" is one lookup, no allocation
                String alias = key.startsWith("www.") ? key.substring(4) : "www." + key;
                CampaignBits.set(byValue.computeIfAbsent(alias, k -> bits()), index);
            }
        }
    }

    /**
     * Catalog indexes ordered by descending bid, ties by catalog index: position to catalog index. Sorted as
     * primitive keys, {@code (rank of the bid among the distinct bids, highest first) << 32 | catalog index}.
     */
    private static int[] byDescendingBid(Campaign[] catalog) {
        long[] bids = new long[catalog.length];
        for (int i = 0; i < bids.length; i++) {
            bids[i] = catalog[i].bidMicros;
        }
        Arrays.sort(bids);
        int distinct = 0;
        for (int i = 0; i < bids.length; i++) {
            if (distinct == 0 || bids[distinct - 1] != bids[i]) {
                bids[distinct++] = bids[i];
            }
        }
        long[] keys = new long[catalog.length];
        for (int i = 0; i < keys.length; i++) {
            long rankFromHighest = distinct - 1 - Arrays.binarySearch(bids, 0, distinct, catalog[i].bidMicros);
            keys[i] = rankFromHighest << 32 | i;
        }
        Arrays.sort(keys);
        int[] positions = new int[keys.length];
        for (int p = 0; p < keys.length; p++) {
            positions[p] = (int) keys[p];
        }
        return positions;
    }

    /** Segment ids by name; the config's own lookup scans its segments, too slow for a million campaigns. */
    private static Map<String, Integer> segmentIds(MerlinConfig config) {
        Map<String, Integer> ids = new HashMap<>();
        for (SegmentDefinition segment : config.segments()) {
            ids.put(segment.name(), segment.id());
        }
        return ids;
    }

    private static int[] inverse(int[] permutation) {
        int[] inverse = new int[permutation.length];
        for (int i = 0; i < permutation.length; i++) {
            inverse[permutation[i]] = i;
        }
        return inverse;
    }

    /** Adds the campaign at {@code index} to the sparse sets of {@code values} (and their www aliases when lower). */
    private static void addSparse(Map<String, IntArrayList> byValue, List<String> values, int index,
                                  boolean lowerCase) {
        for (String value : values) {
            String key = lowerCase ? value.toLowerCase(Locale.ROOT) : value;
            addMember(byValue.computeIfAbsent(key, k -> new IntArrayList()), index);
            if (lowerCase) {
                String alias = key.startsWith("www.") ? key.substring(4) : "www." + key;
                addMember(byValue.computeIfAbsent(alias, k -> new IntArrayList()), index);
            }
        }
    }

    private static void addMember(IntArrayList members, int index) {
        if (members.isEmpty() || members.getInt(members.size() - 1) != index) {
            members.addInt(index);
        }
    }

    /** The advertiser's active campaigns, in config order: the catalogue's (a paused one is not auctioned). */
    private static List<CampaignConfig> active(AdvertiserConfig advertiser) {
        List<CampaignConfig> active = new ArrayList<>(advertiser.campaigns().size());
        for (CampaignConfig campaign : advertiser.campaigns()) {
            if (campaign.isActive()) {
                active.add(campaign);
            }
        }
        return active;
    }

    /**
     * Sparse sets of positions by the values {@code valuesOf} gives each campaign (lower case and with their www
     * aliases when {@code lowerCase}), as sorted arrays without duplicates.
     */
    private Map<String, int[]> sparseSets(MerlinConfig config,
                                          BiFunction<AdvertiserConfig, CampaignConfig, List<String>> valuesOf,
                                          boolean lowerCase) {
        Map<String, IntArrayList> byValue = new HashMap<>();
        int catalogIndex = 0;
        for (AdvertiserConfig advertiser : config.advertisers()) {
            for (CampaignConfig campaign : active(advertiser)) {
                addSparse(byValue, valuesOf.apply(advertiser, campaign), positionOf[catalogIndex++], lowerCase);
            }
        }
        return sortedSets(byValue);
    }

    /** The members of each value as a sorted array without duplicates. */
    private static Map<String, int[]> sortedSets(Map<String, IntArrayList> byValue) {
        Map<String, int[]> sets = new HashMap<>(byValue.size() * 2);
        for (Map.Entry<String, IntArrayList> entry : byValue.entrySet()) {
            int[] members = entry.getValue().toIntArray();
            Arrays.sort(members);
            int n = 0;
            for (int i = 0; i < members.length; i++) {
                if (n == 0 || members[n - 1] != members[i]) {
                    members[n++] = members[i];
                }
            }
            sets.put(entry.getKey(), n == members.length ? members : Arrays.copyOf(members, n));
        }
        return sets;
    }

    /** For each seller a deal names, the campaigns buying each of that seller's deal ids. */
    private Map<String, Map<String, int[]>> dealsBySeller(MerlinConfig config) {
        Map<String, Map<String, IntArrayList>> bySeller = new HashMap<>();
        int catalogIndex = 0;
        for (AdvertiserConfig advertiser : config.advertisers()) {
            for (CampaignConfig campaign : active(advertiser)) {
                int position = positionOf[catalogIndex++];
                for (DealConfig deal : campaign.targeting().deals()) {
                    for (String sellerId : deal.sellers()) {
                        addMember(bySeller.computeIfAbsent(sellerId, k -> new HashMap<>())
                                .computeIfAbsent(deal.id(), k -> new IntArrayList()), position);
                    }
                }
            }
        }
        Map<String, Map<String, int[]>> sets = new HashMap<>(bySeller.size() * 2);
        bySeller.forEach((sellerId, byDeal) -> sets.put(sellerId, sortedSets(byDeal)));
        return sets;
    }

    /**
     * The campaigns buying each deal id from {@code sellerId} (the authenticated seller's id, null when none): empty
     * when the seller has no deals. A lookup, no allocation.
     */
    Map<String, int[]> dealsFrom(String sellerId) {
        Map<String, int[]> deals = sellerId == null ? null : dealsBySeller.get(sellerId);
        return deals == null ? NO_DEALS : deals;
    }

    /** Campaigns targeting {@code os} (case-insensitive, no allocation), or null. */
    long[] os(String os) {
        for (int i = 0; i < osKeys.length; i++) {
            if (osKeys[i].equalsIgnoreCase(os)) {
                return osBits[i];
            }
        }
        return null;
    }

    /**
     * ORs into {@code target} the campaigns targeting {@code category} or one of its parents: a campaign on
     * {@code IAB17} matches a page in {@code IAB17-1}; only the words {@code [fromWord, toWord)} of the target.
     */
    void orCategory(String category, long[] target, int fromWord, int toWord) {
        for (int i = 0; i < categoryKeys.length; i++) {
            if (IabCategories.isSameOrChild(category, categoryKeys[i])) {
                CampaignBits.or(target, categoryBits[i], fromWord, toWord);
            }
        }
    }
}
