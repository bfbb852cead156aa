package dev.merlin.bench;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.CampaignConfig;
import dev.merlin.config.CreativeConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.TargetingConfig;
import dev.merlin.exchange.segments.SegmentSet;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Format;
import dev.merlin.protocol.model.Imp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The baseline the indexed auction is measured against: the obvious implementation that scans every campaign
 * and checks each targeting list of its configuration in turn. Same rules as the engine for the dimensions the
 * benchmark's request exercises (country, device type, OS, domain lists, categories, segments, banner size,
 * floor, second price); it exists only in {@code bench}.
 */
final class NaiveScanAuction {

    private final List<CampaignConfig> campaigns = new ArrayList<>();
    private final List<int[]> anyOf = new ArrayList<>();
    private final List<int[]> allOf = new ArrayList<>();
    private final List<int[]> noneOf = new ArrayList<>();
    private final long[] netBidMicros;

    NaiveScanAuction(MerlinConfig config) {
        for (AdvertiserConfig advertiser : config.advertisers()) {
            for (CampaignConfig campaign : advertiser.campaigns()) {
                campaigns.add(campaign);
                TargetingConfig.SegmentTargeting s = campaign.targeting().segments();
                anyOf.add(s.anyOf().stream().mapToInt(config::segmentId).toArray());
                allOf.add(s.allOf().stream().mapToInt(config::segmentId).toArray());
                noneOf.add(s.noneOf().stream().mapToInt(config::segmentId).toArray());
            }
        }
        long keep = Math.round((1 - config.exchange().takeRate()) * 1_000_000d);
        netBidMicros = new long[campaigns.size()];
        for (int i = 0; i < netBidMicros.length; i++) {
            netBidMicros[i] = campaigns.get(i).bid().toMicros(config.exchange()) * keep / 1_000_000L;
        }
    }

    /** The winning campaign's index for the first imp, or -1; {@code price[0]} receives the clearing price. */
    int run(BidRequest request, SegmentSet segments, long[] price) {
        Imp imp = request.imp.get(0);
        long floor = imp.bidfloor == null ? 0 : Math.round(imp.bidfloor * 1_000_000d);
        String country = request.device.geo.country;
        int best = -1;
        long bestNet = -1;
        long secondNet = -1;
        for (int c = 0; c < campaigns.size(); c++) {
            CampaignConfig campaign = campaigns.get(c);
            TargetingConfig t = campaign.targeting();
            if (!t.countries().isEmpty() && !t.countries().contains(country)) {
                continue;
            }
            if (!t.deviceTypes().isEmpty() && !t.deviceTypes().contains(request.device.devicetype)) {
                continue;
            }
            if (!t.os().isEmpty() && !containsIgnoreCase(t.os(), request.device.os)) {
                continue;
            }
            String domain = request.site.domain;
            if (!t.domains().allow().isEmpty() && !listsDomainOrParent(t.domains().allow(), domain)) {
                continue;
            }
            if (listsDomainOrParent(t.domains().deny(), domain)) {
                continue;
            }
            if (!t.bundles().allow().isEmpty()) {
                continue;
            }
            if (!t.categories().isEmpty() && !matchesCategory(t.categories(), request.site.cat)) {
                continue;
            }
            if (!segmentsMatch(c, segments)) {
                continue;
            }
            long net = netBidMicros[c];
            if (net < floor || !hasCreative(campaign, imp)) {
                continue;
            }
            if (net > bestNet) {
                secondNet = bestNet;
                bestNet = net;
                best = c;
            } else if (net > secondNet) {
                secondNet = net;
            }
        }
        if (best >= 0) {
            long runnerUp = secondNet >= 0 ? secondNet + 10_000 : 10_000;
            price[0] = Math.min(Math.max(runnerUp, floor), bestNet);
        }
        return best;
    }

    private boolean segmentsMatch(int c, SegmentSet segments) {
        int[] any = anyOf.get(c);
        if (any.length > 0) {
            boolean hit = false;
            for (int s : any) {
                hit |= segments.contains(s);
            }
            if (!hit) {
                return false;
            }
        }
        for (int s : allOf.get(c)) {
            if (!segments.contains(s)) {
                return false;
            }
        }
        for (int s : noneOf.get(c)) {
            if (segments.contains(s)) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasCreative(CampaignConfig campaign, Imp imp) {
        for (CreativeConfig creative : campaign.creatives()) {
            if (!"banner".equals(creative.format()) || imp.banner == null) {
                continue;
            }
            if (imp.banner.w != null && imp.banner.w.equals(creative.w()) && imp.banner.h.equals(creative.h())) {
                return true;
            }
            if (imp.banner.format != null) {
                for (Format f : imp.banner.format) {
                    if (creative.w().equals(f.w) && creative.h().equals(f.h)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean containsIgnoreCase(List<String> values, String value) {
        for (String v : values) {
            if (v.equalsIgnoreCase(value)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matchesCategory(List<String> targeted, List<String> pageCategories) {
        if (pageCategories == null) {
            return false;
        }
        for (String page : pageCategories) {
            for (String target : targeted) {
                if (page.startsWith(target) && (page.length() == target.length()
                        || page.charAt(target.length()) == '-')) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A listed domain covers its subdomains, and a listed www.x means x (as the exchange's index matches). */
    private static boolean listsDomainOrParent(List<String> listed, String domain) {
        if (domain == null) {
            return false;
        }
        String d = domain.toLowerCase(Locale.ROOT);
        for (String entry : listed) {
            String e = entry.toLowerCase(Locale.ROOT);
            e = e.startsWith("www.") ? e.substring(4) : e;
            if (d.equals(e) || d.endsWith("." + e)) {
                return true;
            }
        }
        return false;
    }
}
