package dev.merlin.exchange.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.Campaign;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code GET /click} over loopback: a 302 to the landing page the creative declares, whatever else the URL carries;
 * 404 (unknown campaign or creative) or 403 (a link Merlin did not sign) and no redirect at all otherwise. Click
 * links are made by the running exchange's own {@code NoticeUrls}, as a bid response carries them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClickIT {


    @TempDir
    Path dataDir;
    private LoopbackExchange exchange;

    private String kazeClick;

    @BeforeEach
    void start() throws InterruptedException {
        exchange = new LoopbackExchange(dataDir);
        kazeClick = clickLink("r1", "kaze-sports-fans-apac", "kaze-run-300x250");
    }

    private String clickLink(String requestId, String campaignId, String creativeId) {
        ExchangeRuntime runtime = exchange.server().runtime();
        Campaign campaign = runtime.catalog().byId(campaignId);
        for (int i = 0; i < campaign.creativeCount(); i++) {
            if (campaign.creative(i).id().equals(creativeId)) {
                String url = runtime.noticeUrls().links(requestId, "1", campaign, campaign.creative(i),
                        runtime.nowEpochSeconds(), 1_000_000L, "USD", 0L, false).click();
                return url.substring(url.indexOf("/click"));
            }
        }
        throw new AssertionError(creativeId + " is not a creative of " + campaignId);
    }

    @AfterEach
    void stop() {
        exchange.close();
    }

    @Test
    void aClickRedirectsToTheCreativesLandingPage() throws Exception {
        HttpResponse<byte[]> response = exchange.get(kazeClick);
        assertEquals(302, response.statusCode());
        assertEquals("https://kaze.example/run", response.headers().firstValue("location").orElse(null));
        assertEquals("no-store", response.headers().firstValue("cache-control").orElse(null));
        HttpResponse<byte[]> northwind = exchange.get(clickLink("r2", "northwind-travel-intenders",
                "northwind-retarget-300x250"));
        assertEquals(302, northwind.statusCode());
        assertEquals("https://northwind.example/your-trip", northwind.headers().firstValue("location").orElse(null));
        assertEquals(2, exchange.server().metrics().notices("click", "redirected"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "&url=https://evil.example",
        "&url=https%3A%2F%2Fevil.example%2Fphish",
        "&redirect=https://evil.example&landingPage=https://evil.example&next=https://evil.example",
        "&cr=https://evil.example",
        "&c=https://evil.example",
    })
    void extraParametersNeverChooseTheTarget(String extra) throws Exception {
        HttpResponse<byte[]> response = exchange.get(kazeClick + extra);
        assertEquals(302, response.statusCode());
        assertEquals("https://kaze.example/run", response.headers().firstValue("location").orElse(null),
                "only the configured landing page");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/click",
        "/click?url=https://evil.example",
        "/click?c=kaze-sports-fans-apac",
        "/click?cr=kaze-run-300x250",
        "/click?c=no-such-campaign&cr=kaze-run-300x250&url=https://evil.example",
        "/click?c=kaze-sports-fans-apac&cr=no-such-creative&url=https://evil.example",
        "/click?c=kaze-sports-fans-apac&cr=northwind-300x250",
        "/click?c=kaze-sports-fans-apac&cr=",
        "/click?c=&cr=kaze-run-300x250",
        "/click?cr=kaze-run-300x250&c=https://evil.example",
    })
    void anythingMerlinDidNotServeIs404WithoutRedirect(String uri) throws Exception {
        HttpResponse<byte[]> response = exchange.get(uri);
        assertEquals(404, response.statusCode(), uri);
        assertFalse(response.headers().firstValue("location").isPresent(), "no Location header at all");
        assertEquals(0, exchange.server().metrics().notices("click", "redirected"));
    }

    @Test
    void anUnsignedOrAlteredLinkIs403WithoutRedirect() throws Exception {
        String sig = kazeClick.substring(kazeClick.indexOf("&sig=") + 5);
        for (String uri : new String[] {
            "/click?rid=r1&iid=1&c=kaze-sports-fans-apac&cr=kaze-run-300x250",
            "/click?rid=r1&iid=1&c=kaze-sports-fans-apac&cr=kaze-run-300x250&sig=" + "0".repeat(32),
            "/click?rid=r9&iid=1&c=kaze-sports-fans-apac&cr=kaze-run-300x250&sig=" + sig,
            "/click?rid=r1&iid=1&c=kaze-sports-fans-apac&cr=kaze-run-320x50&sig=" + sig,
            "/click?rid=r1&iid=1&c=kaze-sports-context-global&cr=kaze-run-300x250&sig=" + sig,
        }) {
            HttpResponse<byte[]> response = exchange.get(uri);
            assertEquals(403, response.statusCode(), uri);
            assertFalse(response.headers().firstValue("location").isPresent(), uri);
        }
        assertEquals(0, exchange.server().metrics().notices("click", "redirected"));
        assertEquals(5, exchange.server().metrics().notices("click", "bad_signature"));
    }

    @Test
    void aClickIsGetOnly() throws Exception {
        assertEquals(405, exchange.post(kazeClick, "").statusCode());
    }
}
