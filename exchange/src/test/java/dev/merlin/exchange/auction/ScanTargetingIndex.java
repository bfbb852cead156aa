package dev.merlin.exchange.auction;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.CampaignConfig;
import dev.merlin.config.CreativeConfig;
import dev.merlin.config.DealConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.TargetingConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * The reference {@link TargetingIndex} for {@link ScanAuctionEngine}: one dense bitset per targeting value (seats,
 * advertiser domains and deals included), a campaign's bit at its catalog index.
 */
final class ScanTargetingIndex {

    final int campaigns;
    final long[] all;

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
    final Map<String, long[]> byAdomain = new HashMap<>();
    /** Campaigns by their advertiser's seat, exactly as configured (seats are case-sensitive). */
    final Map<String, long[]> bySeat = new HashMap<>();
    final long[] needsUserData;
    final long[] frequencyCapped;

    final Long2ObjectHashMap<long[]> byBannerSize = new Long2ObjectHashMap<>();
    final long[] bannerCampaigns;
    final long[] videoCampaigns;
    final long[] audioCampaigns;
    final long[] nativeCampaigns;
    /** Campaigns by deal and seller, keyed {@link #dealKey}: a deal bought from each seller it names. */
    final Map<String, long[]> byDeal = new HashMap<>();
    final long[] openCampaigns;

    ScanTargetingIndex(MerlinConfig config, int campaignCount) {
        this.campaigns = campaignCount;
        all = bits();
        CampaignBits.fill(all, campaignCount);
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

        int index = 0;
        for (AdvertiserConfig advertiser : config.advertisers()) {
            for (CampaignConfig campaign : advertiser.campaigns()) {
                TargetingConfig t = campaign.targeting();
                CampaignBits.set(bySeat.computeIfAbsent(advertiser.seat(), k -> bits()), index);
                addValues(byCountry, anyCountry, t.countries(), index, false);
                addValues(byRegion, anyRegion, t.regions(), index, false);
                addDeviceTypes(t.deviceTypes(), index);
                addValues(byOs, anyOs, t.os(), index, true);
                addValues(byDomainAllow, anyDomain, t.domains().allow(), index, true);
                addValues(byDomainDeny, null, t.domains().deny(), index, true);
                addValues(byBundleAllow, anyBundle, t.bundles().allow(), index, false);
                addValues(byBundleDeny, null, t.bundles().deny(), index, false);
                addValues(byCategory, anyCategory, t.categories(), index, false);
                addSegments(config, t.segments(), index);
                addCapAndDeals(campaign, index);
                // badv removes a campaign in the index only for domains every creative carries; a domain some
                // creatives lack is checked per creative, so the campaign can still serve its other creatives
                addValues(byAdomain, null, domainsOfEveryCreative(campaign.creatives()), index, true);
                addCreatives(campaign.creatives(), index);
                index++;
            }
        }
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
        List<DealConfig> deals = campaign.targeting().deals();
        if (deals.isEmpty()) {
            CampaignBits.set(openCampaigns, index);
        }
        for (DealConfig deal : deals) {
            for (String sellerId : deal.sellers()) {
                CampaignBits.set(byDeal.computeIfAbsent(dealKey(sellerId, deal.id()), k -> bits()), index);
            }
        }
    }

    /** The {@link #byDeal} key of deal {@code dealId} from seller {@code sellerId}. */
    static String dealKey(String sellerId, String dealId) {
        return sellerId + "\u0000" + dealId;
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

    private void addSegments(MerlinConfig config, TargetingConfig.SegmentTargeting segments, int index) {
        if (segments.anyOf().isEmpty()) {
            CampaignBits.set(anySegment, index);
        } else {
            for (String name : segments.anyOf()) {
                CampaignBits.set(bySegmentAnyOf.computeIfAbsent(config.segmentId(name), k -> bits()), index);
            }
        }
        for (String name : segments.noneOf()) {
            CampaignBits.set(bySegmentNoneOf.computeIfAbsent(config.segmentId(name), k -> bits()), index);
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
     * {@code IAB17} matches a page in {@code IAB17-1}.
     */
    void orCategory(String category, long[] target) {
        for (int i = 0; i < categoryKeys.length; i++) {
            if (IabCategories.isSameOrChild(category, categoryKeys[i])) {
                CampaignBits.or(target, categoryBits[i]);
            }
        }
    }
}
