package dev.merlin.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The secrets the embedded demo configuration and the README publish. Anyone can read them, so an exchange that
 * listens beyond this machine ({@code server.host} not loopback) must not start with any of them still set.
 */
final class DemoSecrets {

    /** Every published demo secret, by value: tokens, API keys and the notice secret the demo files carry. */
    static final Set<String> KNOWN = Set.of(
            "demo-admin-token-change-me",      // tracking.adminToken
            "demo-ssp-token",                  // sellers[demo-ssp].tokens
            "demo-notice-secret-change-me-0000000000", // exchange.noticeSecret of make cluster (examples/cluster.sh)
            "demo-identity-secret-change-me-00000000", // privacy.identitySecret of make cluster (examples/cluster.sh)
            "demo-sakura-app-key-0001",        // tracking.eventSources[sakura-tv-app].apiKey
            "demo-pixelgames-key-0001",        // tracking.eventSources[pixel-quest-app].apiKey
            "demo-kaze-report-token");         // advertisers[kaze-sportswear].reportToken

    private DemoSecrets() {
    }

    /**
     * Refuses a config listening on a non-loopback {@code server.host} while a demo secret is set, naming every
     * key path that holds one; a loopback host may keep them (that is the demo).
     */
    static void refuseOnPublicHost(MerlinConfig config) {
        if (config.server().isLoopbackHost()) {
            return;
        }
        List<String> paths = new ArrayList<>();
        check(paths, "tracking.adminToken", config.tracking().adminToken());
        check(paths, "exchange.noticeSecret", config.exchange().noticeSecret());
        check(paths, "privacy.identitySecret", config.privacy().identitySecret());
        for (int i = 0; i < config.tracking().eventSources().size(); i++) {
            check(paths, "tracking.eventSources[" + i + "].apiKey", config.tracking().eventSources().get(i).apiKey());
        }
        for (int i = 0; i < config.advertisers().size(); i++) {
            check(paths, "advertisers[" + i + "].reportToken", config.advertisers().get(i).reportToken());
        }
        for (int i = 0; i < config.sellers().size(); i++) {
            List<String> tokens = config.sellers().get(i).tokens();
            for (int t = 0; t < tokens.size(); t++) {
                check(paths, "sellers[" + i + "].tokens[" + t + "]", tokens.get(t));
            }
        }
        if (!paths.isEmpty()) {
            throw new ConfigException("server.host", "value " + config.server().host() + " listens beyond this"
                    + " machine, but " + String.join(", ", paths) + " still hold" + (paths.size() == 1 ? "s" : "")
                    + " a published demo secret; set your own secrets, or listen on 127.0.0.1");
        }
    }

    private static void check(List<String> paths, String path, String value) {
        if (value != null && KNOWN.contains(value)) {
            paths.add(path);
        }
    }
}
