package dev.merlin.exchange.dsp;

import dev.merlin.config.DspTraffic;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Imp;
import java.util.List;

/**
 * Whether a DSP wants a bid request at all, from its {@link DspTraffic}: the device's country, the channel (site or
 * app), the seller, and at least one impression of a media type it takes. Checked before anything is encoded for
 * it; allocation-free.
 */
public final class DspTargeting {

    /** The DSP wants the request. */
    public static final int WANTED = 0;
    /** The device's country is not one it takes (or unknown while it names countries). */
    public static final int NOT_COUNTRY = 1;
    /** A site request to a DSP taking apps only, or the other way round (or neither, e.g. DOOH). */
    public static final int NOT_CHANNEL = 2;
    /** A seller it does not take. */
    public static final int NOT_SELLER = 3;
    /** No impression offers a media type it takes. */
    public static final int NOT_MEDIA_TYPE = 4;

    private static final String[] LABELS = {"wanted", "country", "channel", "seller", "media_type"};

    private final List<String> countries;
    private final boolean anyChannel;
    private final boolean site;
    private final boolean app;
    private final List<String> sellers;
    private final boolean anyMedia;
    private final boolean banner;
    private final boolean video;
    private final boolean audio;
    private final boolean nativeAds;

    /** The filter of {@code traffic}. */
    public DspTargeting(DspTraffic traffic) {
        this.countries = traffic.countries();
        this.anyChannel = traffic.channels().isEmpty();
        this.site = traffic.channels().contains("site");
        this.app = traffic.channels().contains("app");
        this.sellers = traffic.sellers();
        this.anyMedia = traffic.mediaTypes().isEmpty();
        this.banner = traffic.mediaTypes().contains("banner");
        this.video = traffic.mediaTypes().contains("video");
        this.audio = traffic.mediaTypes().contains("audio");
        this.nativeAds = traffic.mediaTypes().contains("native");
    }

    /** The metric label of a verdict of {@link #check}. */
    public static String label(int verdict) {
        return LABELS[verdict];
    }

    /** {@link #WANTED}, or why the DSP does not want this request from {@code sellerId}. */
    public int check(BidRequest request, String sellerId) {
        if (!countries.isEmpty()) {
            String country = request.device == null || request.device.geo == null ? null
                    : request.device.geo.country;
            if (country == null || !countries.contains(country)) {
                return NOT_COUNTRY;
            }
        }
        if (!anyChannel && !(site && request.site != null || app && request.app != null)) {
            return NOT_CHANNEL;
        }
        if (!sellers.isEmpty() && !sellers.contains(sellerId)) {
            return NOT_SELLER;
        }
        if (!anyMedia) {
            List<Imp> imps = request.imp;
            for (int i = 0; i < imps.size(); i++) {
                if (takes(imps.get(i))) {
                    return WANTED;
                }
            }
            return NOT_MEDIA_TYPE;
        }
        return WANTED;
    }

    /** Whether the imp offers a media type the DSP takes. */
    public boolean takes(Imp imp) {
        return anyMedia || banner && imp.banner != null || video && imp.video != null
                || audio && imp.audio != null || nativeAds && imp.nativeAd != null;
    }
}
