package dev.merlin.config;

import java.util.List;
import java.util.Set;

/**
 * The traffic a DSP wants; an empty list means any.
 *
 * @param countries  ISO-3166-1 alpha-3 countries of {@code device.geo.country}
 * @param mediaTypes {@code banner}, {@code video}, {@code audio}, {@code native}: imps offering none of these are
 *                   not sent to the DSP
 * @param channels   {@code site}, {@code app}
 * @param sellers    ids of Merlin's sellers whose requests the DSP receives
 */
public record DspTraffic(List<String> countries, List<String> mediaTypes, List<String> channels,
                         List<String> sellers) {

    /** Media types a DSP may ask for. */
    public static final Set<String> MEDIA_TYPES = Set.of("banner", "video", "audio", "native");
    /** Channels a DSP may ask for. */
    public static final Set<String> CHANNELS = Set.of("site", "app");

    /** Fills unset lists with empty ones. */
    public DspTraffic {
        countries = countries == null ? List.of() : List.copyOf(countries);
        mediaTypes = mediaTypes == null ? List.of() : List.copyOf(mediaTypes);
        channels = channels == null ? List.of() : List.copyOf(channels);
        sellers = sellers == null ? List.of() : List.copyOf(sellers);
    }

    /** Any traffic. */
    public static DspTraffic any() {
        return new DspTraffic(null, null, null, null);
    }

    void validate(String at, Set<String> sellerIds) {
        for (int i = 0; i < countries.size(); i++) {
            ConfigChecks.country(at + ".countries[" + i + "]", countries.get(i));
        }
        for (int i = 0; i < mediaTypes.size(); i++) {
            ConfigChecks.oneOf(at + ".mediaTypes[" + i + "]", mediaTypes.get(i), MEDIA_TYPES);
        }
        for (int i = 0; i < channels.size(); i++) {
            ConfigChecks.oneOf(at + ".channels[" + i + "]", channels.get(i), CHANNELS);
        }
        for (int i = 0; i < sellers.size(); i++) {
            if (!sellerIds.contains(sellers.get(i))) {
                throw new ConfigException(at + ".sellers[" + i + "]", "seller " + sellers.get(i) + " is not"
                        + " configured; configured sellers: " + ConfigChecks.sample(sellerIds));
            }
        }
    }
}
