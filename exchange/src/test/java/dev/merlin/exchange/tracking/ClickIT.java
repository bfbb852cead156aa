package dev.merlin.exchange.tracking;

import static dev.merlin.exchange.tracking.LoopbackExchange.T0;
import static dev.merlin.exchange.tracking.LoopbackExchange.json;
import static dev.merlin.exchange.tracking.LoopbackExchange.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.NoticeIdentity;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

    /**
     * A contextual auction (an in-app video with no device id) issues links with {@code np=1}: no user. Dropping it
     * and adding {@code u=0<16 hex digits>}, someone's user hash with a leading zero, is not a link Merlin issued:
     * 403, no click counted and no touch, so that user's purchase an hour later is credited to nothing.
     */
    @Test
    void aContextualClickLinkCannotBePinnedToAUser() throws Exception {
        String ifa = "6d92078a-8246-4ba4-ae5b-76104861e7dc";
        JsonNode bid = contextualVideoBid("ctx-1");
        String click = clickThrough(bid);
        assertTrue(click.contains("&np=1&"), click);
        String pinned = click.replace("&np=1", "&u=0" + String.format("%016x", exchange.userHash(ifa)));

        HttpResponse<byte[]> forged = exchange.follow(pinned);
        assertEquals(403, forged.statusCode(), pinned);
        assertFalse(forged.headers().firstValue("location").isPresent());
        assertEquals(0, stat(SAKURA, CampaignStats.Metric.CLICKS), "a forged link counts no click");
        assertEquals(1, exchange.server().metrics().notices("click", "bad_signature"));

        assertEquals(302, exchange.follow(click).statusCode(), "the link as issued");
        assertEquals(1, stat(SAKURA, CampaignStats.Metric.CLICKS));
        exchange.clock.addAndGet(3_600);
        purchase(ifa, "o-pinned");
        assertEquals(0, stat(SAKURA, CampaignStats.Metric.CONVERSIONS), "a contextual click is no one's touch");
    }

    /** Each a contextual click link altered in its user: none is a link Merlin issues. */
    @ParameterizedTest
    @CsvSource({
        "'&np=1', ''",
        "'&np=1', '&np=0'",
        "'&np=1', '&u='",
        "'&np=1', '&u=0'",
        "'&np=1', '&u=0%1$016x'",
        "'&np=1', '&np=1&u=0%1$016x'",
    })
    void aContextualClickLinkWithAnyOtherUserIs403(String issued, String altered) throws Exception {
        String click = clickThrough(contextualVideoBid("ctx-2"));
        String tampered = click.replace(issued, String.format(altered, exchange.userHash("ifa-victim")));
        HttpResponse<byte[]> response = exchange.follow(tampered, "Cookie", "uid=" + signedUid());
        assertEquals(403, response.statusCode(), tampered);
        assertFalse(response.headers().firstValue("location").isPresent(), tampered);
        assertEquals(0, stat(SAKURA, CampaignStats.Metric.CLICKS), tampered);
    }

    /**
     * An in-app link's user written any other way than Merlin writes it (lower-case hex, no leading zero), or with
     * {@code np=1} besides. The user's hash has at most 14 hex digits, so that a leading {@code 0}, {@code 00} or
     * {@code +} still reads as the same number.
     */
    @ParameterizedTest
    @ValueSource(strings = {"0", "00", "%2B", "", "upper"})
    void anInAppClickLinksUserWrittenAnotherWayIs403(String how) throws Exception {
        String ifa = "ifa-0";
        for (int i = 1; !isShortWithALetter(exchange.userHash(ifa)); i++) {
            assertTrue(i < 100_000, "no user hash below 2^56 with a letter");
            ifa = "ifa-" + i;
        }
        String hex = Long.toHexString(exchange.userHash(ifa));
        String click = link("click", "r-hex", SAKURA, TRAILER, exchange.userHash(ifa), false);
        String altered = how.equals("upper") ? hex.toUpperCase(Locale.ROOT)
                : how.isEmpty() ? hex + "&np=1" : how + hex;
        assertFalse(altered.equals(hex), "the user as issued: " + hex);
        String tampered = click.replace("&u=" + hex, "&u=" + altered);
        assertEquals(403, exchange.get(tampered).statusCode(), tampered);
        assertEquals(0, stat(SAKURA, CampaignStats.Metric.CLICKS), tampered);
    }

    private static boolean isShortWithALetter(long userHash) {
        String hex = Long.toHexString(userHash);
        return userHash >>> 56 == 0 && !hex.equals(hex.toUpperCase(Locale.ROOT));
    }

    /**
     * The notices read the user the same way: the auction's billing link with {@code np=1} dropped and a user added
     * is refused and charges nothing.
     */
    @Test
    void aContextualBillingLinkWithAUserAddedIs403() throws Exception {
        JsonNode bid = contextualVideoBid("ctx-3");
        String burl = bid.path("burl").asText().replace("${AUCTION_PRICE}", "1.00")
                .replace("${AUCTION_CURRENCY}", "USD").replace("${AUCTION_ID}", "a").replace("${AUCTION_BID_ID}", "b");
        String pinned = burl.replace("&np=1", "&u=0" + String.format("%016x", exchange.userHash("ifa-victim")));
        assertEquals(403, exchange.follow(pinned).statusCode(), pinned);
        assertEquals(1, exchange.server().metrics().notices("bill", "bad_signature"));
        assertEquals(0, stat(SAKURA, CampaignStats.Metric.IMPRESSIONS));
        assertEquals(204, exchange.follow(burl).statusCode(), "the link as issued");
        assertEquals(1, stat(SAKURA, CampaignStats.Metric.IMPRESSIONS));
    }

    /** The bid of an auction for an in-app video in Japan with no device id, no user: Sakura's contextual video. */
    private JsonNode contextualVideoBid(String requestId) throws Exception {
        HttpResponse<byte[]> response = exchange.bid("{\"id\":\"" + requestId + "\",\"imp\":[{\"id\":\"1\","
                + "\"video\":{\"mimes\":[\"video/mp4\"],\"w\":1920,\"h\":1080,\"minduration\":5,"
                + "\"maxduration\":30}}],\"app\":{\"id\":\"app-1\",\"bundle\":\"jp.example.headlines\","
                + "\"publisher\":{\"id\":\"pub-1\"}},\"device\":{\"devicetype\":4,\"os\":\"android\","
                + "\"geo\":{\"country\":\"JPN\"}}}");
        assertEquals(200, response.statusCode(), text(response));
        JsonNode bid = json(response).path("seatbid").get(0).path("bid").get(0);
        assertEquals(SAKURA, bid.path("cid").asText(), text(response));
        return bid;
    }

    /** The click URL in a bid's VAST markup. */
    private static String clickThrough(JsonNode bid) {
        String adm = bid.path("adm").asText();
        int start = adm.indexOf("<ClickThrough><![CDATA[");
        assertTrue(start >= 0, adm);
        start += "<ClickThrough><![CDATA[".length();
        return adm.substring(start, adm.indexOf("]]>", start));
    }

    /** A uid cookie Merlin signed, as a browser that visited an advertiser's pixel holds. */
    private String signedUid() throws Exception {
        return LoopbackExchange.uidSet(exchange.get("/px?pid=px-kaze&ev=page_view&cat=IAB17&country=JPN"));
    }

    /** A purchase reported by Sakura's app for {@code ifa}; the event may be refused (erased user). */
    private void purchase(String ifa, String orderId) throws Exception {
        HttpResponse<byte[]> response = exchange.events("{\"events\":[{\"user\":\"" + ifa + "\",\"event\":\"purchase\","
                + "\"value\":9.99,\"currency\":\"USD\"" + (orderId == null ? "" : ",\"orderId\":\"" + orderId + "\"")
                + ",\"consent\":{\"country\":\"JPN\"}}]}");
        assertEquals(202, response.statusCode(), text(response));
    }
}
