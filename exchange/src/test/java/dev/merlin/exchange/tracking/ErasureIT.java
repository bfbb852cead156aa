package dev.merlin.exchange.tracking;

import static dev.merlin.exchange.tracking.LoopbackExchange.appBanner;
import static dev.merlin.exchange.tracking.LoopbackExchange.json;
import static dev.merlin.exchange.tracking.LoopbackExchange.text;
import static dev.merlin.exchange.tracking.LoopbackExchange.uidSet;
import static dev.merlin.exchange.tracking.LoopbackExchange.winner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.events.Event;
import dev.merlin.exchange.events.EventLogReader;
import dev.merlin.exchange.events.EventType;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an erasure ({@code DELETE /privacy/users/{uid}}) or an opt-out leaves behind, over loopback: the win and
 * billing links of impressions bought before it often fire later. They still charge the advertiser, but put back
 * neither the user's frequency count nor the view a later conversion would be credited to. And the event log's
 * export no longer shows what the user did before the erasure, nor does an app's late batch bring it back.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ErasureIT {

    private static final String SPORTS_VIEW = "/px?pid=px-kaze&ev=page_view&cat=IAB17&country=JPN";
    private static final String PURCHASE = "/px?pid=px-kaze&ev=purchase&value=30&cur=USD&country=JPN&oid=";
    private static final String FANS = "kaze-sports-fans-apac";

    @TempDir
    Path dataDir;
    private LoopbackExchange exchange;

    @BeforeEach
    void start() throws InterruptedException {
        exchange = new LoopbackExchange(dataDir);
    }

    @AfterEach
    void stop() {
        exchange.close();
    }

    @Test
    void aBillingNoticeAfterTheErasureChargesButPutsNothingAboutTheUserBack() throws Exception {
        String uid = sportsFan();
        String burl = link(exchange.bid(appBanner("before-erasure", uid, null, "")), "burl");
        erase(uid);

        assertEquals(204, exchange.follow(burl).statusCode(), "the impression rendered after the erasure");

        assertEquals(1, metrics().notices("bill", "charged"), "the advertiser still owes the impression");
        assertEquals(1, metrics().noticeUserRefusals("bill", "user_erased"));
        assertEquals(0, frequency(uid));
        assertEquals(1, stat(CampaignStats.Metric.IMPRESSIONS), "the campaign's count keeps the impression");
        exchange.clock.addAndGet(3_600);
        exchange.get(PURCHASE + "o-1", "Cookie", "uid=" + uid);
        assertEquals(0, stat(CampaignStats.Metric.CONVERSIONS), "no view from before the erasure to credit");
    }

    @Test
    void aWinNoticeAfterTheOptOutChargesButPutsNothingAboutTheUserBack() throws Exception {
        String uid = sportsFan();
        String nurl = link(exchange.bid(appBanner("before-optout", uid, null, "")), "nurl");
        assertEquals(200, exchange.get("/optout", "Cookie", "uid=" + uid).statusCode());
        exchange.clock.addAndGet(600);

        assertEquals(204, exchange.follow(nurl).statusCode());

        assertEquals(1, metrics().notices("win", "charged"));
        assertEquals(1, metrics().noticeUserRefusals("win", "user_opt_out"));
        assertEquals(0, frequency(uid));
    }

    @Test
    void aUserWhoComesBackAfterTheErasureIsCountedOnTheNewLinks() throws Exception {
        String uid = sportsFan();
        String before = link(exchange.bid(appBanner("before-erasure", uid, null, "")), "burl");
        erase(uid);
        exchange.clock.addAndGet(60);
        exchange.get(SPORTS_VIEW, "Cookie", "uid=" + uid);
        exchange.get(SPORTS_VIEW, "Cookie", "uid=" + uid);
        String after = link(exchange.bid(appBanner("after-erasure", uid, null, "")), "burl");

        exchange.follow(before);
        exchange.follow(after);

        assertEquals(2, metrics().notices("bill", "charged"));
        assertEquals(1, metrics().noticeUserRefusals("bill", "user_erased"), "only the link from before");
        assertEquals(1, frequency(uid), "the impression bought after the erasure counts");
        exchange.clock.addAndGet(3_600);
        exchange.get(PURCHASE + "o-2", "Cookie", "uid=" + uid);
        assertEquals(1, stat(CampaignStats.Metric.CONVERSIONS), "credited to the view from after the erasure");
    }

    @Test
    void theErasureIsRememberedAcrossARestart() throws Exception {
        String uid = sportsFan();
        String burl = link(exchange.bid(appBanner("before-restart", uid, null, "")), "burl");
        erase(uid);
        exchange.close();
        exchange = new LoopbackExchange(dataDir);

        assertEquals(204, exchange.follow(burl).statusCode());

        assertEquals(1, metrics().notices("bill", "charged"));
        assertEquals(1, metrics().noticeUserRefusals("bill", "user_erased"));
        assertEquals(0, frequency(uid));
    }

    @Test
    void anOptOutRecordedBeforeTheErasureRegistryExistedIsRememberedAtStartUp() throws Exception {
        String uid = sportsFan();
        String nurl = link(exchange.bid(appBanner("before-upgrade", uid, null, "")), "nurl");
        exchange.get("/optout", "Cookie", "uid=" + uid);
        exchange.close();
        Files.delete(dataDir.resolve("erasures.cm3")); // as a data dir from before this registry
        exchange = new LoopbackExchange(dataDir);

        assertEquals(204, exchange.follow(nurl).statusCode());

        assertEquals(1, metrics().noticeUserRefusals("win", "user_opt_out"));
        assertEquals(0, frequency(uid));
    }

    @Test
    void theAuctionTimeSignedIntoTheLinkDecidesAndCannotBeMovedPastTheErasure() throws Exception {
        String uid = sportsFan();
        long auction = exchange.clock.get();
        String burl = link(exchange.bid(appBanner("moved", uid, null, "")), "burl");
        assertTrue(burl.contains("&bt=" + auction + "&"), burl);
        exchange.clock.addAndGet(30);
        erase(uid);
        exchange.clock.addAndGet(600); // the notice arrives well after the erasure: its auction ran before it

        String moved = burl.replace("&bt=" + auction + "&", "&bt=" + (auction + 60) + "&");
        HttpResponse<byte[]> forged = exchange.follow(moved);
        assertEquals(403, forged.statusCode(), text(forged));
        assertEquals(1, metrics().notices("bill", "bad_signature"));
        assertEquals(0, metrics().notices("bill", "charged"));

        assertEquals(204, exchange.follow(burl).statusCode());
        assertEquals(1, metrics().notices("bill", "charged"));
        assertEquals(1, metrics().noticeUserRefusals("bill", "user_erased"));
        assertEquals(0, frequency(uid));
    }

    @Test
    void aLinkWithoutItsAuctionTimeRecordsNothingAboutAnErasedUser() throws Exception {
        String uid = sportsFan();
        String burl = link(exchange.bid(appBanner("no-bt", uid, null, "")), "burl");
        erase(uid);
        // the same link signed without bt: not one Merlin issues, refused whole, not just its user
        String signed = burl.substring(burl.indexOf("rid="), burl.indexOf("&sig="));
        String withoutTime = signed.replaceFirst("&bt=[0-9]+", "");
        assertTrue(withoutTime.length() < signed.length(), signed);

        HttpResponse<byte[]> response = exchange.get("/bill?" + withoutTime + "&sig=" + sign(withoutTime)
                + "&price=2.55");

        assertEquals(403, response.statusCode(), text(response));
        assertEquals(1, metrics().notices("bill", "bad_signature"));
        assertEquals(0, metrics().notices("bill", "charged"));
        assertEquals(0, frequency(uid));
        assertEquals(0, stat(CampaignStats.Metric.IMPRESSIONS));
    }

    @Test
    void theEventLogExportLeavesOutTheErasedUsersEventsFromBeforeTheErasure() throws Exception {
        String uid = sportsFan();
        String other = sportsFan();
        erase(uid);
        exchange.clock.addAndGet(60);
        exchange.get(SPORTS_VIEW, "Cookie", "uid=" + uid); // the browser comes back: new activity
        exchange.close();

        String erased = Long.toHexString(exchange.userHash(uid));
        List<String> exported = new ArrayList<>();
        for (Event event : EventLogReader.readAll(dataDir)) {
            Object user = event.fields().get("u");
            if (erased.equals(user)) {
                exported.add(event.type() + " at T0+" + (event.epochMillis() / 1000 - LoopbackExchange.T0));
            }
        }
        assertEquals(List.of("ERASURE at T0+0", "PIXEL at T0+60"), exported);
        String kept = Long.toHexString(exchange.userHash(other));
        assertEquals(2, EventLogReader.readAll(dataDir).stream()
                .filter(e -> e.type() == EventType.PIXEL && kept.equals(e.fields().get("u"))).count(),
                "another user's events stay");
    }

    @Test
    void aLateAppBatchDoesNotBringAnErasedUserBack() throws Exception {
        String ifa = "5f1c9a2e-0d4b-4c7a-9e3f-2b8d6a1c4e70";
        long watched = exchange.clock.get();
        exchange.clock.addAndGet(600);
        HttpResponse<byte[]> deleted = exchange.send("DELETE", "/privacy/users/" + ifa,
                "Authorization", "Bearer " + LoopbackExchange.ADMIN_TOKEN);
        assertEquals(200, deleted.statusCode(), text(deleted));

        HttpResponse<byte[]> late = exchange.events(watches(ifa, Long.toString(watched)));

        assertEquals(202, late.statusCode(), text(late));
        assertEquals(0, json(late).path("accepted").asInt(), text(late));
        assertTrue(json(late).path("rejections").get(0).path("reason").asText().startsWith("erased"), text(late));
        assertEquals(3, metrics().activityCount("app", "refused_user_erased"));
        assertEquals(List.of(), exchange.segmentsOf(ifa));

        // what the user does after the erasure is new; time:null means now, not an epoch 0 the erasure would refuse
        exchange.clock.addAndGet(60);
        HttpResponse<byte[]> fresh = exchange.events(watches(ifa, "null"));
        assertEquals(3, json(fresh).path("accepted").asInt(), text(fresh));
        assertEquals(3, metrics().activityCount("app", "refused_user_erased"), "none more");
        assertEquals(List.of(101), exchange.segmentsOf(ifa), "sports-fans again");
    }

    /** Three sports videos watched at {@code time} (epoch seconds, or {@code null}): enough for sports-fans. */
    private static String watches(String ifa, String time) {
        String watch = "{\"user\":\"" + ifa + "\",\"event\":\"video_watch\",\"category\":\"IAB17-44\",\"time\":"
                + time + ",\"consent\":{\"country\":\"JPN\"}}";
        return "{\"events\":[" + watch + "," + watch + "," + watch + "]}";
    }

    /** A new browser made a sports fan by two sports page views; its uid. */
    private String sportsFan() throws Exception {
        String uid = uidSet(exchange.get(SPORTS_VIEW));
        exchange.get(SPORTS_VIEW, "Cookie", "uid=" + uid);
        return uid;
    }

    private void erase(String uid) throws Exception {
        HttpResponse<byte[]> deleted = exchange.send("DELETE", "/privacy/users/" + uid, "Cookie", "uid=" + uid);
        assertEquals(200, deleted.statusCode(), text(deleted));
    }

    /** The sports campaign's {@code nurl} or {@code burl}, its macros filled as a seller would. */
    private static String link(HttpResponse<byte[]> bid, String field) throws Exception {
        assertEquals(FANS, winner(bid));
        return json(bid).path("seatbid").get(0).path("bid").get(0).path(field).asText()
                .replace("${AUCTION_PRICE}", "2.55").replace("${AUCTION_CURRENCY}", "USD")
                .replace("${AUCTION_ID}", "a1").replace("${AUCTION_BID_ID}", "b1");
    }

    /** Signs a notice query with the exchange's key ({@code dataDir/notice.key}), as NoticeUrls does. */
    private String sign(String query) throws Exception {
        byte[] key = HexFormat.of().parseHex(Files.readString(dataDir.resolve("notice.key")).trim());
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        byte[] digest = mac.doFinal(query.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 16);
    }

    private ExchangeMetrics metrics() {
        return exchange.server().metrics();
    }

    private int frequency(String uid) {
        ExchangeRuntime runtime = exchange.server().runtime();
        Campaign fans = runtime.catalog().byId(FANS);
        return runtime.stores().frequency().impressions(exchange.userHash(uid), fans, exchange.clock.get());
    }

    private long stat(CampaignStats.Metric metric) {
        LocalDate day = LocalDate.ofEpochDay(LoopbackExchange.T0 / 86_400);
        return exchange.server().runtime().stores().stats().get(FANS, metric, day);
    }
}
