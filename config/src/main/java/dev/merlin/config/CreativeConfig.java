package dev.merlin.config;

import java.util.List;
import java.util.Set;

/**
 * One ad a campaign can serve.
 *
 * @param id          creative id ({@code crid})
 * @param format      banner, video, audio or native
 * @param w           width in px (banner; video player size is not required)
 * @param h           height in px
 * @param durationSeconds video/audio length
 * @param mimes       video/audio MIME types the creative is available in
 * @param markup      the ad markup template; OpenRTB macros ({@code ${AUCTION_ID}}, {@code ${AUCTION_PRICE}} …)
 *                    and Merlin's {@code ${CLICK_URL}} are substituted
 * @param landingPage where a click goes (the only redirect target {@code /click} allows for this creative)
 * @param adomain     advertiser domains for {@code badv} blocking and {@code bid.adomain}
 * @param cat         IAB content categories of the ad, for {@code bcat}
 * @param attr        creative attributes, for {@code battr}
 * @param bundle      the app an app-install ad promotes, for {@code bapp} and {@code bid.bundle}
 */
public record CreativeConfig(String id, String format, Integer w, Integer h, Integer durationSeconds,
                             List<String> mimes, String markup, String landingPage, List<String> adomain,
                             List<String> cat, List<Integer> attr, String bundle) {

    /** Formats a creative may have. */
    public static final Set<String> FORMATS = Set.of("banner", "video", "audio", "native");

    /** Fills unset lists. */
    public CreativeConfig {
        mimes = mimes == null ? List.of() : List.copyOf(mimes);
        adomain = adomain == null ? List.of() : List.copyOf(adomain);
        cat = cat == null ? List.of() : List.copyOf(cat);
        attr = attr == null ? List.of() : List.copyOf(attr);
    }

    /** This creative with another id. */
    public CreativeConfig withId(String newId) {
        return new CreativeConfig(newId, format, w, h, durationSeconds, mimes, markup, landingPage, adomain, cat, attr,
                bundle);
    }

    void validate(String at) {
        ConfigChecks.notBlank(at + ".id", id);
        ConfigChecks.oneOf(at + ".format", format, FORMATS);
        if ("banner".equals(format)) {
            if (w == null || h == null || w < 1 || h < 1) {
                throw new ConfigException(at + ".w", "banner creatives need w and h >= 1, got " + w + "x" + h);
            }
        }
        if (("video".equals(format) || "audio".equals(format)) && (durationSeconds == null || durationSeconds < 1)) {
            throw new ConfigException(at + ".durationSeconds", "value " + durationSeconds
                    + " is not allowed; video and audio creatives need a duration >= 1");
        }
        ConfigChecks.notBlank(at + ".markup", markup);
        ConfigChecks.notBlank(at + ".landingPage", landingPage);
        if (!landingPage.startsWith("https://") && !landingPage.startsWith("http://")) {
            throw new ConfigException(at + ".landingPage", "value " + landingPage
                    + " is not allowed; expected an http(s) URL");
        }
    }
}
