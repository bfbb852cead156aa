package dev.merlin.exchange.auction;

import dev.merlin.protocol.model.Audio;
import dev.merlin.protocol.model.Banner;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Format;
import dev.merlin.protocol.model.Imp;
import dev.merlin.protocol.model.Video;
import java.util.List;

/**
 * Whether one of Merlin's creatives may serve on an impression: its format, size, duration and MIME type fit the
 * imp, and neither the request's blocks ({@code bcat}, {@code bapp}, {@code badv}, {@code battr}) nor a deal's
 * {@code wadomain} exclude it. Stateless; the {@link AuctionEngine} asks it per candidate.
 */
final class CreativeFit {

    /** {@code cattax} 1: the taxonomy creatives' {@code cat} codes come from, and the default of {@code bcat}'s. */
    private static final int IAB_CONTENT_CATEGORY_1 = 1;

    private CreativeFit() {
    }

    /**
     * True when {@code wadomain} is absent or empty, or lists every advertiser domain of the creative; a creative
     * naming no advertiser cannot be shown to be an allowed one.
     */
    static boolean isAllowedAdvertiser(Creative creative, List<String> wadomain) {
        if (wadomain == null || wadomain.isEmpty()) {
            return true;
        }
        List<String> adomain = creative.adomain;
        if (adomain.isEmpty()) {
            return false;
        }
        for (int d = 0; d < adomain.size(); d++) {
            if (!containsDomain(wadomain, adomain.get(d))) {
                return false;
            }
        }
        return true;
    }

    private static boolean containsDomain(List<String> domains, String domain) {
        for (int i = 0; i < domains.size(); i++) {
            if (isSameDomain(domains.get(i), domain)) {
                return true;
            }
        }
        return false;
    }

    static boolean fitsImp(Creative creative, Imp imp) {
        if (!creative.secureMarkup && imp.secure != null && imp.secure == 1) {
            return false; // a secure page blocks plain-http assets: the ad would not render
        }
        switch (creative.format) {
            case Creative.BANNER:
                return imp.banner != null && fitsBanner(creative, imp.banner);
            case Creative.VIDEO:
                Video video = imp.video;
                return video != null && fitsDuration(creative, video.rqddurs, video.minduration, video.maxduration)
                        && sharesMime(creative.mimes, video.mimes);
            case Creative.AUDIO:
                Audio audio = imp.audio;
                return audio != null && fitsDuration(creative, audio.rqddurs, audio.minduration, audio.maxduration)
                        && sharesMime(creative.mimes, audio.mimes);
            default:
                return imp.nativeAd != null;
        }
    }

    private static boolean fitsBanner(Creative creative, Banner banner) {
        boolean hasSize = false;
        if (banner.w != null && banner.h != null) {
            if (banner.w == creative.w && banner.h == creative.h) {
                return true;
            }
            hasSize = true;
        }
        List<Format> formats = banner.format;
        if (formats != null) {
            for (int i = 0; i < formats.size(); i++) {
                Format f = formats.get(i);
                if (f.w != null && f.h != null) {
                    if (f.w == creative.w && f.h == creative.h) {
                        return true;
                    }
                    hasSize = true;
                } else if (f.wratio != null && f.hratio != null && f.wratio > 0 && f.hratio > 0) {
                    // a flexible format: any size of this aspect ratio, at least wmin wide
                    if (creative.w > 0 && (long) creative.w * f.hratio == (long) creative.h * f.wratio
                            && (f.wmin == null || creative.w >= f.wmin)) {
                        return true;
                    }
                    hasSize = true;
                }
            }
        }
        return !hasSize;
    }

    /**
     * OpenRTB 2.6: {@code rqddurs}, when listed, are the only durations allowed (live TV has no room for dead air)
     * and replace {@code minduration}/{@code maxduration}; otherwise the duration lies between those two.
     */
    private static boolean fitsDuration(Creative creative, List<Integer> required, Integer min, Integer max) {
        int duration = creative.durationSeconds;
        if (required != null && !required.isEmpty()) {
            for (int i = 0; i < required.size(); i++) {
                Integer allowed = required.get(i);
                if (allowed != null && allowed == duration) {
                    return true;
                }
            }
            return false;
        }
        return (min == null || duration >= min) && (max == null || max == 0 || duration <= max);
    }

    private static boolean sharesMime(List<String> creativeMimes, List<String> accepted) {
        if (accepted == null || accepted.isEmpty() || creativeMimes.isEmpty()) {
            return true;
        }
        for (int i = 0; i < creativeMimes.size(); i++) {
            if (accepted.contains(creativeMimes.get(i))) {
                return true;
            }
        }
        return false;
    }

    static boolean isBlocked(Creative creative, BidRequest request, Imp imp) {
        List<String> bcat = request.bcat;
        if (bcat != null && !bcat.isEmpty() && request.cattax != null && request.cattax != IAB_CONTENT_CATEGORY_1) {
            // creatives carry IAB Content Category 1.0 codes: a block list in another taxonomy cannot be honoured
            return true;
        }
        if (bcat != null) {
            for (int b = 0; b < bcat.size(); b++) {
                for (String cat : creative.cat) {
                    if (IabCategories.isSameOrChild(cat, bcat.get(b))) {
                        return true;
                    }
                }
            }
        }
        if (creative.bundle != null && request.bapp != null && request.bapp.contains(creative.bundle)) {
            return true;
        }
        List<String> badv = request.badv;
        if (badv != null) {
            List<String> adomain = creative.adomain;
            for (int b = 0; b < badv.size(); b++) {
                for (int d = 0; d < adomain.size(); d++) {
                    if (isSameDomain(adomain.get(d), badv.get(b))) {
                        return true;
                    }
                }
            }
        }
        if (creative.attr.length > 0) {
            List<Integer> battr = blockedAttributes(creative.format, imp);
            if (battr != null) {
                for (int a = 0; a < battr.size(); a++) {
                    int blocked = battr.get(a);
                    for (int attr : creative.attr) {
                        if (attr == blocked) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    /** Case-insensitive, ignoring a leading {@code www.} on either side, without allocating. */
    static boolean isSameDomain(String a, String b) {
        int aStart = a.regionMatches(true, 0, "www.", 0, 4) ? 4 : 0;
        int bStart = b.regionMatches(true, 0, "www.", 0, 4) ? 4 : 0;
        int length = a.length() - aStart;
        return length == b.length() - bStart && a.regionMatches(true, aStart, b, bStart, length);
    }

    private static List<Integer> blockedAttributes(int format, Imp imp) {
        switch (format) {
            case Creative.BANNER: return imp.banner.battr;
            case Creative.VIDEO: return imp.video.battr;
            case Creative.AUDIO: return imp.audio.battr;
            default: return imp.nativeAd.battr;
        }
    }
}
