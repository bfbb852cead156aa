package dev.merlin.exchange;

import dev.merlin.config.MerlinConfig;
import dev.merlin.config.SellerConfig;
import java.util.List;

/** The embedded demo's seller {@code demo-ssp}, for tests whose config starts without sellers. */
public final class DemoSeller {

    /** Its bearer token (the contract in DESIGN.md). */
    public static final String TOKEN = "demo-ssp-token";
    /** The header line a raw HTTP request carries to come from it. */
    public static final String HEADER = "Authorization: Bearer " + TOKEN + "\r\n";
    /** Its configuration, as in the embedded demo. */
    public static final SellerConfig SELLER = new SellerConfig("demo-ssp", "Demo SSP", "demo-ssp.example",
            "INTERMEDIARY", List.of(TOKEN), null, null);

    private DemoSeller() {
    }

    /** {@code config} with the demo seller as its only seller. */
    public static MerlinConfig with(MerlinConfig config) {
        return config.withSellers(List.of(SELLER));
    }
}
