package dev.merlin.exchange.flows;

import dev.merlin.exchange.privacy.DataCategories;
import dev.merlin.exchange.privacy.OutboundPolicy;
import dev.merlin.exchange.privacy.OutboundRules;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.User;
import java.util.List;

/**
 * What the outbound request writer carries of a request's personal data under a policy, as
 * {@link DataCategories}, and the request's user region: the ledger's inputs. Allocation-free.
 *
 * <p>The categories follow {@link dev.merlin.exchange.privacy.OutboundUserData}'s rules: under
 * {@link OutboundPolicy#CONTEXTUAL} nothing personal leaves ({@link DataCategories#NONE}: the IP is truncated and the
 * location coarse); otherwise each category the request holds: {@code user.id} and device ids ({@code ifa},
 * hashed ids) are {@link DataCategories#IDS}, {@code user.eids} {@link DataCategories#EIDS}, a {@code device.ip}
 * or {@code ipv6} {@link DataCategories#IP}, a geo with {@code zip}, {@code accuracy}, {@code lastfix} or a
 * coordinate finer than 2 decimals {@link DataCategories#PRECISE_GEO}, {@code user.data}, keywords, year of birth,
 * gender or custom data {@link DataCategories#SEGMENTS}. {@code ext} objects are not inspected.
 */
public final class FlowCategories {

    /** The user region of a request whose country is not known. */
    public static final String UNKNOWN_REGION = "??";

    private FlowCategories() {
    }

    /** The categories a request written under {@code policy} carries. */
    public static int sent(BidRequest request, OutboundPolicy policy) {
        if (policy == OutboundPolicy.CONTEXTUAL) {
            return DataCategories.NONE;
        }
        int categories = DataCategories.NONE;
        User user = request.user;
        Device device = request.device;
        if (user != null && policy.sharesIdentifiers()) {
            categories |= user.id != null ? DataCategories.IDS : 0;
            categories |= isPresent(user.eids) ? DataCategories.EIDS : 0;
        }
        if (user != null && policy.sharesAudienceData() && (isPresent(user.data) || user.keywords != null
                || isPresent(user.kwarray) || user.yob != null || user.gender != null || user.customdata != null)) {
            categories |= DataCategories.SEGMENTS;
        }
        if (device != null && policy.sharesIdentifiers()) {
            if (device.ifa != null || device.didsha1 != null || device.didmd5 != null || device.dpidsha1 != null
                    || device.dpidmd5 != null || device.macsha1 != null || device.macmd5 != null) {
                categories |= DataCategories.IDS;
            }
            if (policy.sharesPreciseLocation() && (device.ip != null || device.ipv6 != null)) {
                categories |= DataCategories.IP;
            }
        }
        if (policy.sharesPreciseLocation() && (isPrecise(device == null ? null : device.geo)
                || isPrecise(user == null ? null : user.geo))) {
            categories |= DataCategories.PRECISE_GEO;
        }
        return categories;
    }

    /**
     * The user's region as the outbound rules see it ({@link OutboundRules#userCountry}: {@code device.geo.country},
     * else {@code user.geo.country}, when an ISO-3166-1 alpha-3 code, else USA under a US GPP section); otherwise
     * {@link #UNKNOWN_REGION}. Untrusted input never reaches the ledger's keys as it came.
     */
    public static String userRegion(BidRequest request) {
        String country = OutboundRules.userCountry(request);
        return country == null ? UNKNOWN_REGION : country;
    }

    private static boolean isPresent(List<?> list) {
        return list != null && !list.isEmpty();
    }

    private static boolean isPrecise(Geo geo) {
        if (geo == null) {
            return false;
        }
        return geo.zip != null || geo.accuracy != null || geo.lastfix != null || isFine(geo.lat) || isFine(geo.lon);
    }

    /** A coordinate with more than 2 decimals. */
    private static boolean isFine(Double degrees) {
        if (degrees == null || !Double.isFinite(degrees)) {
            return false;
        }
        double hundredths = degrees * 100;
        return Math.abs(hundredths - Math.rint(hundredths)) > 1e-6;
    }
}
