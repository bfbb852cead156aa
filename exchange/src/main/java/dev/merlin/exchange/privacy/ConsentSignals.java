package dev.merlin.exchange.privacy;

import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.Regs;
import dev.merlin.protocol.model.User;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The privacy signals that come with one request or event, as the consent gate reads them.
 *
 * @param coppa       {@code 1} for child-directed inventory (COPPA), {@code 0} or {@code null} otherwise
 * @param gdpr        {@code 1} when GDPR applies, {@code 0} when it does not, {@code null} when unknown (then GDPR
 *                    applies when {@code gppSid} lists 2, the EU TCF v2 section)
 * @param gdprConsent the TCF v2 consent string, or {@code null} (then a {@code tcfeuv2} section in {@code gpp} serves)
 * @param usPrivacy   the IAB US Privacy string (e.g. {@code 1YNN}), or {@code null}
 * @param gpp         the IAB GPP string, or {@code null}
 * @param gppSid      the GPP section ids that apply; empty when not given (then every present section applies)
 * @param country     the user's country, ISO-3166-1 alpha-3, or {@code null} when unknown
 * @param lmt         whether the device limits ad tracking ({@code device.lmt=1}, or iOS App Tracking Transparency
 *                    not authorized; see {@link #limitsAdTracking})
 * @param optedOut    whether the user opted out with Merlin itself (opt-out cookie or registry)
 */
public record ConsentSignals(Integer coppa, Integer gdpr, String gdprConsent, String usPrivacy, String gpp,
                             List<Integer> gppSid, String country, boolean lmt, boolean optedOut) {

    /** {@code device.ext.atts} value for "authorized": the user let the app track them. */
    private static final int ATT_AUTHORIZED = 3;

    /** Copies {@code gppSid} (null means empty) so the record stays immutable. */
    public ConsentSignals {
        gppSid = gppSid == null ? List.of() : List.copyOf(gppSid);
    }

    /**
     * The signals of a bid request: {@code regs}, {@code user.consent}, {@code device.lmt} and {@code device.ext.atts}
     * ({@link #limitsAdTracking}) and the country of
     * {@code device.geo}, else {@code user.geo}. A bid request cannot say whether the user opted out with Merlin, so
     * {@code optedOut} is false; see {@link #withOptedOut}. (The auction itself calls
     * {@link ConsentGate#decide(BidRequest)}, which reads the same fields without building this record.)
     */
    public static ConsentSignals fromBidRequest(BidRequest request) {
        Regs regs = request.regs;
        User user = request.user;
        return new ConsentSignals(
                regs == null ? null : regs.coppa,
                regs == null ? null : regs.gdpr,
                user == null ? null : user.consent,
                regs == null ? null : regs.us_privacy,
                regs == null ? null : regs.gpp,
                regs == null ? null : regs.gpp_sid,
                country(request.device, user),
                limitsAdTracking(request.device),
                false);
    }

    /**
     * The signals publishers pass in pixel URLs: {@code gdpr}, {@code gdpr_consent}, {@code us_privacy}, {@code gpp},
     * {@code gpp_sid} (comma-separated ids) and {@code coppa}; {@code param} returns a query parameter or
     * {@code null}. The URL carries no country, device or opt-out: add them with {@link #withCountry},
     * {@link #withOptedOut}.
     *
     * <p>Fails closed on a flag that is present but neither {@code 0} nor {@code 1} (e.g. an unexpanded
     * {@code ${GDPR}} macro): it counts as {@code 1}, so an unknown GDPR status needs a valid consent string and an
     * unknown COPPA status is treated as child-directed. An empty value counts as absent.
     */
    public static ConsentSignals fromParams(Function<String, String> param) {
        return new ConsentSignals(
                flag(param.apply("coppa")),
                flag(param.apply("gdpr")),
                blankToNull(param.apply("gdpr_consent")),
                blankToNull(param.apply("us_privacy")),
                blankToNull(param.apply("gpp")),
                sectionIds(param.apply("gpp_sid")),
                null,
                false,
                false);
    }

    /** These signals with Merlin's own opt-out state. */
    public ConsentSignals withOptedOut(boolean optedOut) {
        return new ConsentSignals(coppa, gdpr, gdprConsent, usPrivacy, gpp, gppSid, country, lmt, optedOut);
    }

    /** These signals with the user's country (ISO-3166-1 alpha-3), e.g. from an IP lookup. */
    public ConsentSignals withCountry(String country) {
        return new ConsentSignals(coppa, gdpr, gdprConsent, usPrivacy, gpp, gppSid, country, lmt, optedOut);
    }

    static String country(Device device, User user) {
        Geo deviceGeo = device == null ? null : device.geo;
        if (deviceGeo != null && deviceGeo.country != null) {
            return deviceGeo.country;
        }
        Geo userGeo = user == null ? null : user.geo;
        return userGeo == null ? null : userGeo.country;
    }

    /**
     * Whether the device asks not to be tracked: {@code lmt=1}, or an iOS App Tracking Transparency status
     * ({@code device.ext.atts}) other than 3, authorized: 0 not determined, 1 restricted and 2 denied all mean the app
     * may not track, and a value outside 0..3 is not known to allow it. No {@code atts} (not iOS 14+) is no signal.
     */
    static boolean limitsAdTracking(Device device) {
        if (device == null) {
            return false;
        }
        return limitsAdTracking(device.lmt, device.atts);
    }

    /**
     * The one rule for {@code lmt} and the App Tracking Transparency status {@code atts}, wherever they come from (a
     * bid request's device, an app event's {@code consent}): {@code lmt=1}, or an {@code atts} other than 3
     * (authorized), limits tracking; {@code null} is no signal.
     */
    public static boolean limitsAdTracking(Integer lmt, Integer atts) {
        return isOne(lmt) || (atts != null && atts != ATT_AUTHORIZED);
    }

    static boolean isOne(Integer flag) {
        return flag != null && flag == 1;
    }

    private static Integer flag(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        return "0".equals(value.trim()) ? 0 : 1;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    /** Parses {@code "7,8"}; ids that are not small non-negative integers are skipped. */
    private static List<Integer> sectionIds(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        List<Integer> ids = new ArrayList<>();
        for (String part : value.split(",")) {
            String id = part.trim();
            if (!id.isEmpty() && id.length() <= 4 && id.chars().allMatch(Character::isDigit)) {
                ids.add(Integer.parseInt(id));
            }
        }
        return ids;
    }
}
