package dev.merlin.exchange.flows;

import dev.merlin.exchange.privacy.OutboundRules;
import dev.merlin.protocol.model.BidRequest;

/**
 * The ledger's user region of a request, from its untrusted country fields. The categories a flow carries are what
 * the outbound writer reports it wrote ({@code OutboundUserData.categoriesWritten}), not derived here.
 * Allocation-free.
 */
public final class FlowCategories {

    /** The user region of a request whose country is not known. */
    public static final String UNKNOWN_REGION = "??";

    private FlowCategories() {
    }

    /**
     * The user's region as the outbound rules see it ({@link OutboundRules#userCountry}: {@code device.geo.country},
     * else {@code user.geo.country}, read as an ISO-3166-1 alpha-3 code (alpha-2 and lower case mapped), else USA
     * under a US GPP section); otherwise {@link #UNKNOWN_REGION}. Untrusted input never reaches the ledger's keys as
     * it came.
     */
    public static String userRegion(BidRequest request) {
        String country = OutboundRules.userCountry(request);
        return country == null ? UNKNOWN_REGION : country;
    }
}
