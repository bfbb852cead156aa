package dev.merlin.exchange.tracking;

import static dev.merlin.exchange.tracking.LoopbackExchange.T0;
import static dev.merlin.exchange.tracking.LoopbackExchange.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.NoticeIdentity;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.LocalDate;
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

    private static final LocalDate TODAY = LocalDate.ofEpochDay(T0 / 86_400);
    private static final String KAZE_FANS = "kaze-sports-fans-apac";
    private static final String SAKURA = "sakura-video-global";
    private static final String TRAILER = "sakura-trailer-30s";

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
        return link("click", requestId, campaignId, creativeId, 0L, false);
    }

    /** A click or bill link as a bid response carries it, for the user hash {@code userHash} (0: none). */
    private String link(String kind, String requestId, String campaignId, String creativeId, long userHash,
                        boolean isTest) {
        ExchangeRuntime runtime = exchange.server().runtime();
        Campaign campaign = runtime.catalog().byId(campaignId);
        for (int i = 0; i < campaign.creativeCount(); i++) {
            if (campaign.creative(i).id().equals(creativeId)) {
                var links = runtime.noticeUrls().links(new NoticeIdentity()
                        .auction((requestId.hashCode() & 0xffff_ffffL) + 1, runtime.nowEpochSeconds())
                        .impression(requestId, "1", null)
                        .bid(campaign.id(), campaign.creative(i).id(), 1_000_000L, "USD")
                        .user(userHash).flags(isTest, false));
                String url = kind.equals("click") ? links.click() : links.bill();
                url = url.replace("${AUCTION_PRICE}", "0.85").replace("${AUCTION_CURRENCY}", "USD")
                        .replace("${AUCTION_ID}", "a").replace("${AUCTION_BID_ID}", "b");
                return url.substring(url.indexOf("/" + kind));
            }
        }
        throw new AssertionError(creativeId + " is not a creative of " + campaignId);
    }

    private long stat(String campaign, CampaignStats.Metric metric) {
        return exchange.server().runtime().stores().stats().get(campaign, metric, TODAY);
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

    @Test
    void theSameClickLinkFollowedTwiceIsOneClick() throws Exception {
        String bill = link("bill", "r1", KAZE_FANS, "kaze-run-300x250", 0, false);
        assertEquals(204, exchange.get(bill).statusCode());
        assertEquals(204, exchange.get(bill).statusCode()); // a repeated burl charges once
        assertEquals(302, exchange.get(kazeClick).statusCode());
        assertEquals(302, exchange.get(kazeClick).statusCode()); // a double click, a reload, a prefetch
        assertEquals(1, stat(KAZE_FANS, CampaignStats.Metric.IMPRESSIONS));
        assertEquals(1, stat(KAZE_FANS, CampaignStats.Metric.CLICKS), "one impression, one click");
        assertEquals(1, exchange.server().metrics().notices("click", "redirected"));
        assertEquals(1, exchange.server().metrics().notices("click", "repeated"));
        assertEquals(302, exchange.get(clickLink("r2", KAZE_FANS, "kaze-run-300x250")).statusCode());
        assertEquals(2, stat(KAZE_FANS, CampaignStats.Metric.CLICKS), "another impression's click counts");
    }

    @Test
    void aRepeatedClickAfterARestartIsStillOneClick() throws Exception {
        assertEquals(302, exchange.get(kazeClick).statusCode());
        exchange.close();
        exchange = new LoopbackExchange(dataDir);
        assertEquals(302, exchange.get(kazeClick).statusCode());
        assertEquals(1, stat(KAZE_FANS, CampaignStats.Metric.CLICKS));
    }

    @Test
    void aClickLaterThanTheWindowAfterItsAuctionIsRedirectedButNotCounted() throws Exception {
        long window = exchange.server().runtime().config().stores().chargedWindowSeconds();
        exchange.clock.addAndGet(window + 1);
        assertEquals(302, exchange.get(kazeClick).statusCode());
        assertEquals(0, exchange.server().runtime().stores().stats().get(KAZE_FANS, CampaignStats.Metric.CLICKS,
                LocalDate.ofEpochDay(exchange.clock.get() / 86_400)));
        assertEquals(1, exchange.server().metrics().notices("click", "expired"));
        assertEquals(0, exchange.server().runtime().stores().purgeExpiredClicks());
    }

    @Test
    void aTestAdsClickIsNotCountedLikeItsImpression() throws Exception {
        String bill = link("bill", "rt", SAKURA, TRAILER, exchange.userHash("ifa-test"), true);
        String click = link("click", "rt", SAKURA, TRAILER, exchange.userHash("ifa-test"), true);
        assertEquals(204, exchange.get(bill).statusCode());
        assertEquals(302, exchange.get(click).statusCode());
        assertEquals(0, stat(SAKURA, CampaignStats.Metric.IMPRESSIONS), "a test bill is not counted");
        assertEquals(0, stat(SAKURA, CampaignStats.Metric.CLICKS), "nor is a test ad's click");
        assertEquals(1, exchange.server().metrics().notices("click", "test"));
        exchange.clock.addAndGet(60);
        purchase("ifa-test", "o-test");
        assertEquals(0, stat(SAKURA, CampaignStats.Metric.CONVERSIONS), "a test click is no touch");
    }

    /**
     * An in-app ad (user = the device IFA, signed into the link as u) is clicked; the app has no Merlin cookie.
     * An hour later the same app reports the purchase for that IFA: it is credited to the click.
     */
    @Test
    void anInAppClickIsCreditedForTheAppsPurchase() throws Exception {
        String ifa = "6d92078a-8246-4ba4-ae5b-76104861e7dc";
        assertEquals(302, exchange.get(link("click", "r-app", SAKURA, TRAILER, exchange.userHash(ifa), false))
                .statusCode());
        assertEquals(1, stat(SAKURA, CampaignStats.Metric.CLICKS));
        exchange.clock.addAndGet(3_600);
        purchase(ifa, "o-app-1");
        assertEquals(1, stat(SAKURA, CampaignStats.Metric.CONVERSIONS), "the click's signed user u is the touch");
    }

    @Test
    void anInAppClickOfAnErasedUserIsCountedButNoTouch() throws Exception {
        String ifa = "ifa-erased";
        String click = link("click", "r-gone", SAKURA, TRAILER, exchange.userHash(ifa), false);
        exchange.server().runtime().stores().erasures().erased(exchange.userHash(ifa), exchange.clock.get());
        assertEquals(302, exchange.get(click).statusCode());
        assertEquals(1, stat(SAKURA, CampaignStats.Metric.CLICKS));
        assertEquals(1, exchange.server().metrics().noticeUserRefusals("click", "user_erased"));
        exchange.clock.addAndGet(60);
        purchase(ifa, null);
        assertEquals(0, stat(SAKURA, CampaignStats.Metric.CONVERSIONS), "an erased user's click is no touch");
    }

    /** A purchase reported by Sakura's app for {@code ifa}; the event may be refused (erased user). */
    private void purchase(String ifa, String orderId) throws Exception {
        HttpResponse<byte[]> response = exchange.events("{\"events\":[{\"user\":\"" + ifa + "\",\"event\":\"purchase\","
                + "\"value\":9.99,\"currency\":\"USD\"" + (orderId == null ? "" : ",\"orderId\":\"" + orderId + "\"")
                + ",\"consent\":{\"country\":\"JPN\"}}]}");
        assertEquals(202, response.statusCode(), text(response));
    }
}
