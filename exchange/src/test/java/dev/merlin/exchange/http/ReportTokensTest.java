package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.auction.CampaignCatalog;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Whose a report's bearer token is, with the advertisers' digests kept per catalogue: right for the admin, for one
 * advertiser and for a stranger, right again after an admin change rotates a token, and a token longer than any
 * Merlin accepts is no token at all.
 */
class ReportTokensTest {

    private static final String ADMIN = "the-admin-token-0123456789";
    private static final String KAZE = "demo-kaze-report-token";

    private final MerlinConfig config = ConfigLoader.loadDefault();
    private final AtomicReference<CampaignCatalog> current = new AtomicReference<>(new CampaignCatalog(config));
    private final ReportTokens tokens = new ReportTokens(current::get, ADMIN);

    @Test
    void theAdminOpensEveryAdvertiserAnAdvertiserItsOwnAStrangerNone() {
        List<AdvertiserConfig> all = config.advertisers();
        assertTrue(all.size() > 1, "the default config has several advertisers");
        assertEquals(all, tokens.advertisersOpenedBy(ReportTokens.digestOf(ADMIN)));
        assertTrue(tokens.isAdmin(ReportTokens.digestOf(ADMIN)));

        List<AdvertiserConfig> kaze = tokens.advertisersOpenedBy(ReportTokens.digestOf(KAZE));
        assertEquals(1, kaze.size());
        assertEquals(KAZE, kaze.get(0).reportToken());
        assertTrue(tokens.opensAny(ReportTokens.digestOf(KAZE)));
        assertFalse(tokens.isAdmin(ReportTokens.digestOf(KAZE)), "a report token is not the operator's");

        for (String stranger : List.of("demo-kaze-report-tokeN", "", ADMIN + " ")) {
            assertEquals(List.of(), tokens.advertisersOpenedBy(ReportTokens.digestOf(stranger)), stranger);
            assertFalse(tokens.opensAny(ReportTokens.digestOf(stranger)), stranger);
        }
        assertFalse(tokens.opensAny(null), "no token");
        assertFalse(tokens.isAdmin(null));
        assertTrue(all.stream().anyMatch(a -> a.reportToken() == null), "an advertiser without a report token");
    }

    @Test
    void aTokenRotatedByAnAdminChangeOpensItsAdvertiserAndTheOldOneNothing() {
        assertTrue(tokens.opensAny(ReportTokens.digestOf(KAZE)), "digests of the first catalogue are kept");
        List<AdvertiserConfig> rotated = new ArrayList<>();
        for (AdvertiserConfig advertiser : config.advertisers()) {
            rotated.add(KAZE.equals(advertiser.reportToken()) ? advertiser.withReportToken("kaze-rotated-0123456789")
                    : advertiser);
        }
        current.set(new CampaignCatalog(config.toBuilder().advertisers(config.segments(), rotated).build()));
        assertFalse(tokens.opensAny(ReportTokens.digestOf(KAZE)), "the old token opens nothing");
        assertEquals(1, tokens.advertisersOpenedBy(ReportTokens.digestOf("kaze-rotated-0123456789")).size());
    }

    @Test
    void aBearerTokenLongerThanAnyMerlinAcceptsIsNoToken() {
        String longest = "t".repeat(TrackingConfig.MAX_TOKEN_CHARS);
        assertEquals(longest, ReportsEndpoint.bearerToken(get("Bearer " + longest)));
        assertNull(ReportsEndpoint.bearerToken(get("Bearer " + longest + "t")), "refused before any digest");
        assertNull(ReportsEndpoint.bearerToken(get("Bearer " + "A".repeat(15_000))));
        assertEquals(KAZE, ReportsEndpoint.bearerToken(get("bearer  " + KAZE + " ")));
        assertNull(ReportsEndpoint.bearerToken(get("Basic " + KAZE)));
    }

    private static FullHttpRequest get(String authorization) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                "/reports/campaigns");
        request.headers().set(HttpHeaderNames.AUTHORIZATION, authorization);
        return request;
    }
}
