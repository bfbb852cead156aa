package dev.merlin.exchange.auction;

import static dev.merlin.exchange.auction.AuctionFixture.NOW;
import static dev.merlin.exchange.auction.AuctionFixture.campaign;
import static dev.merlin.exchange.auction.AuctionFixture.config;
import static dev.merlin.exchange.auction.AuctionFixture.epochSeconds;
import static dev.merlin.exchange.auction.AuctionFixture.request;
import static dev.merlin.exchange.auction.AuctionFixture.siteBanner;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.merlin.exchange.auction.AuctionFixture.Auction;
import dev.merlin.exchange.segments.SegmentSet;
import dev.merlin.protocol.model.App;
import dev.merlin.protocol.model.Audio;
import dev.merlin.protocol.model.Banner;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Content;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Format;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.Native;
import dev.merlin.protocol.model.User;
import dev.merlin.protocol.model.Video;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One table per targeting dimension: a request value in, the expected winner ({@code campaign:creative}) or
 * {@code none} out. Configs are small and bids distinct, so each row pins exactly which campaigns the index let
 * through.
 */
class AuctionEngineTargetingTest {

    private static List<String> list(String pipeSeparated) {
        return pipeSeparated == null ? null : Arrays.asList(pipeSeparated.split("\\|"));
    }

    private static List<Integer> ints(String pipeSeparated) {
        return pipeSeparated == null ? null : Arrays.stream(pipeSeparated.split("\\|")).map(Integer::valueOf).toList();
    }

    private static Geo deviceGeo(BidRequest request) {
        if (request.device == null) {
            request.device = new Device();
        }
        if (request.device.geo == null) {
            request.device.geo = new Geo();
        }
        return request.device.geo;
    }

    private static BidRequest appBanner(String bundle) {
        BidRequest request = siteBanner();
        request.site = null;
        request.app = new App();
        request.app.bundle = bundle;
        return request;
    }

    // ---------------------------------------------------------------- geo

    @ParameterizedTest(name = "{0}.geo.country={1} -> {2}")
    @CsvSource(nullValues = "null", value = {
        "device, JPN,  apac:apac-300x250",
        "device, KOR,  apac:apac-300x250",
        "device, USA,  none",
        "device, jpn,  none",             // ISO alpha-3 codes are upper case; no silent folding
        "device, null, none",             // unknown country never matches a country list
        "user,   KOR,  apac:apac-300x250", // device.geo absent: user.geo is used
        "user,   USA,  none",
    })
    void country(String where, String country, String expected) {
        Auction auction = new Auction(config(0, campaign("apac").bid(2).targeting("{countries: [JPN, KOR]}")));
        BidRequest request = siteBanner();
        if ("device".equals(where)) {
            deviceGeo(request).country = country;
        } else {
            request.user = new User();
            request.user.geo = new Geo();
            request.user.geo.country = country;
        }
        assertEquals(expected, auction.winner(request));
    }

    @Test
    void countryOfDeviceGeoWinsOverUserGeo() {
        Auction auction = new Auction(config(0, campaign("apac").bid(2).targeting("{countries: [JPN]}")));
        BidRequest request = siteBanner();
        deviceGeo(request).country = "USA";
        request.user = new User();
        request.user.geo = new Geo();
        request.user.geo.country = "JPN";
        assertEquals("none", auction.winner(request));
    }

    @ParameterizedTest(name = "device.geo.region={0} -> {1}")
    @CsvSource(nullValues = "null", value = {
        "JP-13, tokyo:tokyo-300x250",
        "JP-27, everywhere:everywhere-300x250",
        "null,  everywhere:everywhere-300x250",
    })
    void region(String region, String expected) {
        Auction auction = new Auction(config(0,
                campaign("tokyo").bid(3).targeting("{countries: [JPN], regions: [JP-13]}"),
                campaign("everywhere").bid(1)));
        BidRequest request = siteBanner();
        deviceGeo(request).country = "JPN";
        deviceGeo(request).region = region;
        assertEquals(expected, auction.winner(request));
    }

    // ---------------------------------------------------------------- device

    @ParameterizedTest(name = "device.devicetype={0} -> {1}")
    @CsvSource(nullValues = "null", value = {
        "4,    phones:phones-300x250",
        "5,    phones:phones-300x250",
        "2,    ctv:ctv-300x250",
        "3,    ctv:ctv-300x250",
        "1,    phones:phones-300x250", // "Mobile/Tablet": a campaign on both phones and tablets takes it
        "99,   none",    // out of range: matches no type list, and must not throw
        "-1,   none",
        "null, none",
    })
    void deviceType(Integer deviceType, String expected) {
        Auction auction = new Auction(config(0,
                campaign("phones").bid(3).targeting("{deviceTypes: [4, 5]}"),
                campaign("ctv").bid(2).targeting("{deviceTypes: [2, 3]}")));
        BidRequest request = siteBanner();
        request.device = new Device();
        request.device.devicetype = deviceType;
        assertEquals(expected, auction.winner(request));
    }

    /** OpenRTB's device type 1, "Mobile/Tablet", is the parent of 4 "Phone" and 5 "Tablet". */
    @ParameterizedTest(name = "device.devicetype={0} -> {1}")
    @CsvSource(nullValues = "null", value = {
        "1, mobile:mobile-300x250",
        "4, mobile:mobile-300x250",   // a campaign on "Mobile/Tablet" takes phones
        "5, mobile:mobile-300x250",   // and tablets
        "2, none",
    })
    void mobileTabletCoversPhonesAndTablets(Integer deviceType, String expected) {
        Auction auction = new Auction(config(0,
                campaign("mobile").bid(3).targeting("{deviceTypes: [1]}"),
                campaign("phone-only").bid(2).targeting("{deviceTypes: [4]}")));
        BidRequest request = siteBanner();
        request.device = new Device();
        request.device.devicetype = deviceType;
        assertEquals(expected, auction.winner(request));
        if (deviceType == 1) {
            // a phone-only campaign cannot know a "phone or tablet" is a phone
            Auction phoneOnly = new Auction(config(0, campaign("phone-only").bid(2).targeting("{deviceTypes: [4]}")));
            assertEquals("none", phoneOnly.winner(request));
        }
    }

    @ParameterizedTest(name = "device.os={0} -> {1}")
    @CsvSource(nullValues = "null", value = {
        "iOS,     mobile:mobile-300x250",
        "ios,     mobile:mobile-300x250",
        "IOS,     mobile:mobile-300x250",
        "Android, mobile:mobile-300x250",
        "ANDROID, mobile:mobile-300x250",
        "android, mobile:mobile-300x250",
        "Windows, desktop:desktop-300x250",
        "windows, desktop:desktop-300x250",
        "Linux,   none",
        "null,    none",
    })
    void os(String os, String expected) {
        Auction auction = new Auction(config(0,
                campaign("mobile").bid(3).targeting("{os: [iOS, Android]}"),
                campaign("desktop").bid(2).targeting("{os: [WINDOWS]}")));
        BidRequest request = siteBanner();
        request.device = new Device();
        request.device.os = os;
        assertEquals(expected, auction.winner(request));
    }

    // ---------------------------------------------------------------- site / app

    @ParameterizedTest(name = "site.domain={0} -> {1}")
    @CsvSource(nullValues = "null", value = {
        "news.example,         allow-news:allow-news-300x250",
        "www.news.example,     allow-news:allow-news-300x250",
        "NEWS.Example,         allow-news:allow-news-300x250",
        "WWW.NEWS.EXAMPLE,     allow-news:allow-news-300x250",
        "shop.example,         allow-news:allow-news-300x250", // configured as Shop.Example
        "www.shop.example,     allow-news:allow-news-300x250",
        "m.news.example,       allow-news:allow-news-300x250", // a listed domain covers its subdomains
        "a.b.Shop.example,     allow-news:allow-news-300x250",
        "news.example.,        allow-news:allow-news-300x250", // the fully qualified form
        "xnews.example,        deny-news:deny-news-300x250",   // labels, not characters: not a subdomain
        "news.example.evil,    deny-news:deny-news-300x250",   // a suffix match, never a prefix
        "example,              deny-news:deny-news-300x250",   // a parent of a listed domain is not listed
        "live.sports.example,  none",                          // blocked through its parent
        "a.b.c.sports.example, none",
        "other.example,        deny-news:deny-news-300x250",
        "sports.example,       none",                          // denied, and not on the allow list
        "www.sports.example,   none",
        "Sports.Example,       none",
        "null,                 deny-news:deny-news-300x250",   // no domain: allow lists cannot match
    })
    void siteDomainAllowAndDeny(String domain, String expected) {
        Auction auction = new Auction(config(0,
                campaign("allow-news").bid(3).targeting("{domains: {allow: [news.example, Shop.Example]}}"),
                campaign("deny-news").bid(2).targeting("{domains: {deny: [news.example, sports.example]}}")));
        BidRequest request = siteBanner();
        request.site.domain = domain;
        assertEquals(expected, auction.winner(request));
    }

    @Test
    void siteDomainListsDoNotApplyToApps() {
        Auction auction = new Auction(config(0,
                campaign("allow-news").bid(3).targeting("{domains: {allow: [news.example]}}"),
                campaign("deny-news").bid(2).targeting("{domains: {deny: [news.example]}}")));
        assertEquals("deny-news:deny-news-300x250", auction.winner(appBanner("com.news.example")));
    }

    /** {@code imp.secure=1}: a creative loading a plain-http asset would be blocked by the page, so it does not bid. */
    @ParameterizedTest(name = "imp.secure={0} -> {1}")
    @CsvSource(nullValues = "null", value = {
        "null, plain:plain-http",
        "0,    plain:plain-http",
        "1,    plain:plain-https", // the campaign's other creative, all https
    })
    void aSecureImpressionGetsOnlyHttpsMarkup(Integer secure, String expected) {
        Auction auction = new Auction(config(0, campaign("plain").bid(3)
                .creative("id: plain-http, format: banner, w: 300, h: 250,"
                        + " markup: '<a href=\"${CLICK_URL}\"><img src=\"HTTP://cdn.example/a.jpg\"/></a>'")
                .creative("id: plain-https, format: banner, w: 300, h: 250,"
                        + " markup: '<a href=\"${CLICK_URL}\"><img src=\"https://cdn.example/a.jpg\"/></a>'")));
        BidRequest request = siteBanner();
        request.imp.get(0).secure = secure;
        assertEquals(expected, auction.winner(request));
    }

    @Test
    void aSecureImpressionWithOnlyPlainHttpCreativesGetsNoBid() {
        Auction auction = new Auction(config(0, campaign("plain").bid(3)
                .creative("id: plain-http, format: banner, w: 300, h: 250,"
                        + " markup: '<img src=\"http://cdn.example/a.jpg\"/>'")));
        BidRequest request = siteBanner();
        request.imp.get(0).secure = 1;
        assertEquals("none", auction.winner(request));
    }

    /** Prebid Server's secure-markup check also refuses a URL-encoded {@code http%3A}: a redirect through one. */
    @Test
    void aSecureImpressionRefusesAUrlEncodedPlainHttpAssetToo() {
        Auction auction = new Auction(config(0, campaign("plain").bid(3)
                .creative("id: encoded-http, format: banner, w: 300, h: 250,"
                        + " markup: '<img src=\"https://r.example/?u=http%3A%2F%2Fcdn.example%2Fa.jpg\"/>'")));
        BidRequest request = siteBanner();
        request.imp.get(0).secure = 1;
        assertEquals("none", auction.winner(request));
        request.imp.get(0).secure = 0;
        assertEquals("plain:encoded-http", auction.winner(request));
    }

    @Test
    void configuredWwwDomainMatchesBareSiteDomain() {
        Auction auction = new Auction(config(0,
                campaign("blog").bid(3).targeting("{domains: {allow: [www.blog.example]}}")));
        BidRequest request = siteBanner();
        request.site.domain = "blog.example";
        assertEquals("blog:blog-300x250", auction.winner(request));
        request.site.domain = "WWW.Blog.Example";
        assertEquals("blog:blog-300x250", auction.winner(request));
    }

    @ParameterizedTest(name = "app.bundle={0} -> {1}")
    @CsvSource(nullValues = "null", value = {
        "com.news.app,  allow-app:allow-app-300x250",
        "com.other.app, deny-app:deny-app-300x250",
        "com.bad.app,   none",
        "null,          deny-app:deny-app-300x250",
    })
    void appBundleAllowAndDeny(String bundle, String expected) {
        Auction auction = new Auction(config(0,
                campaign("allow-app").bid(3).targeting("{bundles: {allow: [com.news.app]}}"),
                campaign("deny-app").bid(2).targeting("{bundles: {deny: [com.news.app, com.bad.app]}}")));
        assertEquals(expected, auction.winner(appBanner(bundle)));
    }

    @Test
    void bundleAllowListsDoNotMatchSites() {
        Auction auction = new Auction(config(0,
                campaign("allow-app").bid(3).targeting("{bundles: {allow: [com.news.app]}}"),
                campaign("deny-app").bid(2).targeting("{bundles: {deny: [com.news.app]}}")));
        assertEquals("deny-app:deny-app-300x250", auction.winner(siteBanner()));
    }

    // ---------------------------------------------------------------- categories

    @ParameterizedTest(name = "{0}={1} -> {2}")
    @CsvSource(nullValues = "null", value = {
        "site.cat,         IAB17,          sports:sports-300x250",
        "site.cat,         IAB17-1,        sports:sports-300x250",   // a parent matches its children
        "site.cat,         IAB17-44,       sports:sports-300x250",
        "site.cat,         IAB171,         any:any-300x250",         // not a child, only a longer code
        "site.cat,         IAB1,           any:any-300x250",
        "site.cat,         IAB1-7,         any:any-300x250",
        "site.cat,         IAB9-30,        games:games-300x250",
        "site.cat,         IAB9,           any:any-300x250",         // a child target does not match its parent
        "site.cat,         IAB9-3,         any:any-300x250",
        "site.cat,         IAB1|IAB17-2,   sports:sports-300x250",   // any of the page's categories
        "site.sectioncat,  IAB17-2,        sports:sports-300x250",
        "site.pagecat,     IAB17-2,        sports:sports-300x250",
        "site.content.cat, IAB17-2,        sports:sports-300x250",
        "app.cat,          IAB17-3,        sports:sports-300x250",
        "app.content.cat,  IAB9-30,        games:games-300x250",
        "site.cat,         null,           any:any-300x250",
    })
    void categories(String field, String categories, String expected) {
        Auction auction = new Auction(config(0,
                campaign("sports").bid(3).targeting("{categories: [IAB17]}"),
                campaign("games").bid(2).targeting("{categories: [IAB9-30]}"),
                campaign("any").bid(1)));
        List<String> cats = list(categories);
        BidRequest request = field.startsWith("app") ? appBanner("com.some.app") : siteBanner();
        switch (field) {
            case "site.cat": request.site.cat = cats; break;
            case "site.sectioncat": request.site.sectioncat = cats; break;
            case "site.pagecat": request.site.pagecat = cats; break;
            case "site.content.cat":
                request.site.content = new Content();
                request.site.content.cat = cats;
                break;
            case "app.cat": request.app.cat = cats; break;
            case "app.content.cat":
                request.app.content = new Content();
                request.app.content.cat = cats;
                break;
            default: throw new IllegalArgumentException(field);
        }
        assertEquals(expected, auction.winner(request));
    }

    // ---------------------------------------------------------------- formats and sizes

    @ParameterizedTest(name = "banner w/h={0} format={1} -> {2}")
    @CsvSource(nullValues = "null", value = {
        "300x250, null,            multi:multi-300x250",
        "728x90,  null,            multi:multi-728x90",
        "160x600, null,            sky:sky-160x600",
        "320x50,  null,            none",
        "null,    728x90,          multi:multi-728x90",
        "null,    320x50|300x250,  multi:multi-300x250",
        "null,    320x50|160x600,  sky:sky-160x600",
        "320x50,  728x90,          multi:multi-728x90",   // w/h and format[] both offer sizes
        "null,    320x50|468x60,   none",
        "null,    null,            multi:multi-728x90",   // no size: any banner, first creative
        "null,    6:5,             multi:multi-300x250",  // flexible: any 6:5 size (300x250)
        "null,    6:5/301,         none",                 // ... at least 301 wide
        "null,    1:4/100,         none",                 // 160x600 is 4:15, not 1:4
        "null,    4:15/100,        sky:sky-160x600",
        "null,    320x50|4:15/100, sky:sky-160x600",      // an exact size and a ratio together
        "320x50,  728x90|6:5/300,  multi:multi-728x90",
        "null,    16:9,            none",
    })
    void bannerSizes(String size, String formats, String expected) {
        Auction auction = new Auction(config(0,
                campaign("multi").bid(3).banner(728, 90).banner(300, 250),
                campaign("sky").bid(2).banner(160, 600)));
        BidRequest request = siteBanner();
        request.imp.get(0).banner = new Banner();
        Banner banner = request.imp.get(0).banner;
        if (size != null) {
            banner.w = Integer.parseInt(size.substring(0, size.indexOf('x')));
            banner.h = Integer.parseInt(size.substring(size.indexOf('x') + 1));
        }
        if (formats != null) {
            banner.format = new ArrayList<>();
            for (String f : list(formats)) {
                Format format = new Format();
                if (f.contains(":")) { // wratio:hratio[/wmin]
                    String[] ratioAndMin = f.split("/");
                    format.wratio = Integer.parseInt(ratioAndMin[0].substring(0, ratioAndMin[0].indexOf(':')));
                    format.hratio = Integer.parseInt(ratioAndMin[0].substring(ratioAndMin[0].indexOf(':') + 1));
                    format.wmin = ratioAndMin.length > 1 ? Integer.valueOf(ratioAndMin[1]) : null;
                } else {
                    format.w = Integer.parseInt(f.substring(0, f.indexOf('x')));
                    format.h = Integer.parseInt(f.substring(f.indexOf('x') + 1));
                }
                banner.format.add(format);
            }
        }
        assertEquals(expected, auction.winner(request));
    }

    @ParameterizedTest(name = "video min={0} max={1} mimes={2} -> {3}")
    @CsvSource(nullValues = "null", value = {
        "null, null, video/mp4,            short:short-15s",
        "15,   15,   video/mp4,            short:short-15s",
        "16,   60,   video/mp4,            long:long-30s",
        "null, 0,    video/mp4,            short:short-15s",    // maxduration 0: no maximum
        "5,    10,   video/mp4,            none",
        "31,   null, video/mp4,            none",
        "null, 30,   video/webm,           long:long-30s",      // short has no webm rendition
        "null, 15,   video/webm,           none",
        "null, null, video/ogg,            none",
        "null, null, video/ogg|video/mp4,  short:short-15s",
        "null, null, null,                 short:short-15s",    // no mimes listed: any
    })
    void videoDurationAndMimes(Integer min, Integer max, String mimes, String expected) {
        Auction auction = new Auction(config(0,
                campaign("short").bid(3).creative("id: short-15s, format: video, durationSeconds: 15,"
                        + " mimes: [video/mp4]"),
                campaign("long").bid(2).creative("id: long-30s, format: video, durationSeconds: 30,"
                        + " mimes: [video/mp4, video/webm]")));
        BidRequest request = siteBanner();
        request.imp.get(0).banner = null;
        Video video = new Video();
        video.minduration = min;
        video.maxduration = max;
        video.mimes = list(mimes);
        request.imp.get(0).video = video;
        assertEquals(expected, auction.winner(request));
    }

    @ParameterizedTest(name = "video rqddurs={0} min={1} max={2} -> {3}")
    @CsvSource(nullValues = "null", value = {
        "15|30, null, null, short:short-15s",
        "30,    null, null, long:long-30s",
        "30|60, null, null, long:long-30s",
        "20,    null, null, none",              // exact durations only: neither 15 s nor 30 s is 20 s
        "14|16, null, null, none",
        "15|30, 16,   null, short:short-15s",   // with rqddurs, minduration and maxduration do not apply
        "30,    null, 15,   long:long-30s",
        "empty, null, 15,   short:short-15s",   // an empty list is no list: min/max apply
        "empty, 16,   null, long:long-30s",
    })
    void videoRequiredDurations(String rqddurs, Integer min, Integer max, String expected) {
        Auction auction = new Auction(config(0,
                campaign("short").bid(3).creative("id: short-15s, format: video, durationSeconds: 15,"
                        + " mimes: [video/mp4]"),
                campaign("long").bid(2).creative("id: long-30s, format: video, durationSeconds: 30,"
                        + " mimes: [video/mp4, video/webm]")));
        BidRequest request = siteBanner();
        request.imp.get(0).banner = null;
        Video video = new Video();
        video.rqddurs = "empty".equals(rqddurs) ? List.of() : ints(rqddurs);
        video.minduration = min;
        video.maxduration = max;
        video.mimes = List.of("video/mp4");
        request.imp.get(0).video = video;
        assertEquals(expected, auction.winner(request));
    }

    @Test
    void aCampaignServesItsCreativeOfARequiredDuration() {
        Auction auction = new Auction(config(0, campaign("spots").bid(2)
                .creative("id: spot-20s, format: video, durationSeconds: 20, mimes: [video/mp4]")
                .creative("id: spot-30s, format: video, durationSeconds: 30, mimes: [video/mp4]")));
        BidRequest request = request("{\"id\":\"r\",\"site\":{\"domain\":\"p.example\"},\"imp\":[{\"id\":\"1\","
                + "\"video\":{\"mimes\":[\"video/mp4\"],\"rqddurs\":[15,30]}}]}");
        assertEquals("spots:spot-30s", auction.winner(request));
    }

    @ParameterizedTest(name = "audio rqddurs={0} max={1} -> {2}")
    @CsvSource(nullValues = "null", value = {
        "15|30, null, podcast:podcast-30s",
        "15,    null, none",
        "30,    29,   podcast:podcast-30s",   // maxduration does not apply beside rqddurs
    })
    void audioRequiredDurations(String rqddurs, Integer max, String expected) {
        Auction auction = new Auction(config(0,
                campaign("podcast").bid(3).creative("id: podcast-30s, format: audio, durationSeconds: 30,"
                        + " mimes: [audio/mpeg]")));
        BidRequest request = siteBanner();
        request.imp.get(0).banner = null;
        request.imp.get(0).audio = new Audio();
        request.imp.get(0).audio.rqddurs = ints(rqddurs);
        request.imp.get(0).audio.maxduration = max;
        assertEquals(expected, auction.winner(request));
    }

    @ParameterizedTest(name = "audio min={0} max={1} mimes={2} -> {3}")
    @CsvSource(nullValues = "null", value = {
        "null, null, audio/mpeg, podcast:podcast-30s",
        "null, 30,   audio/mp4,  podcast:podcast-30s",
        "null, 29,   audio/mpeg, none",
        "null, null, audio/ogg,  none",
    })
    void audio(Integer min, Integer max, String mimes, String expected) {
        Auction auction = new Auction(config(0,
                campaign("podcast").bid(3).creative("id: podcast-30s, format: audio, durationSeconds: 30,"
                        + " mimes: [audio/mp4, audio/mpeg]")));
        BidRequest request = siteBanner();
        request.imp.get(0).banner = null;
        request.imp.get(0).audio = new Audio();
        request.imp.get(0).audio.minduration = min;
        request.imp.get(0).audio.maxduration = max;
        request.imp.get(0).audio.mimes = list(mimes);
        assertEquals(expected, auction.winner(request));
    }

    @ParameterizedTest(name = "imp offers {0} -> {1}")
    @CsvSource({
        "banner,              display:display-300x250",
        "video,               spot:spot-15s",
        "audio,               radio:radio-30s",
        "native,              story:story-native",
        "banner|native,       story:story-native",   // the higher bid of the formats offered
        "banner|video,        spot:spot-15s",
        "banner|video|native, story:story-native",
    })
    void mediaTypes(String offered, String expected) {
        Auction auction = new Auction(config(0,
                campaign("display").bid(1).banner(300, 250),
                campaign("spot").bid(2).creative("id: spot-15s, format: video, durationSeconds: 15,"
                        + " mimes: [video/mp4]"),
                campaign("radio").bid(3).creative("id: radio-30s, format: audio, durationSeconds: 30,"
                        + " mimes: [audio/mpeg]"),
                campaign("story").bid(4).creative("id: story-native, format: native")));
        BidRequest request = siteBanner();
        List<String> types = list(offered);
        if (!types.contains("banner")) {
            request.imp.get(0).banner = null;
        }
        if (types.contains("video")) {
            request.imp.get(0).video = new Video();
            request.imp.get(0).video.mimes = List.of("video/mp4");
        }
        if (types.contains("audio")) {
            request.imp.get(0).audio = new Audio();
            request.imp.get(0).audio.mimes = List.of("audio/mpeg");
        }
        if (types.contains("native")) {
            request.imp.get(0).nativeAd = new Native();
            request.imp.get(0).nativeAd.request = "{}";
        }
        assertEquals(expected, auction.winner(request));
    }

    @Test
    void aCampaignServesTheCreativeOfTheOfferedFormat() {
        Auction auction = new Auction(config(0, campaign("mixed").bid(2)
                .creative("id: mixed-native, format: native")
                .creative("id: mixed-15s, format: video, durationSeconds: 15, mimes: [video/mp4]")
                .banner(300, 250)));
        BidRequest request = siteBanner();
        assertEquals("mixed:mixed-300x250", auction.winner(request));
        request.imp.get(0).banner = null;
        request.imp.get(0).video = new Video();
        request.imp.get(0).video.mimes = List.of("video/mp4");
        assertEquals("mixed:mixed-15s", auction.winner(request));
    }

    // ---------------------------------------------------------------- segments

    @ParameterizedTest(name = "segments {0}, user {1} -> {2}")
    @CsvSource(nullValues = "null", delimiter = ';', value = {
        "{anyOf: [sports-fans]};                            101;         bid",
        "{anyOf: [sports-fans]};                            104|101;     bid",
        "{anyOf: [sports-fans, travel-intenders]};          102;         bid",
        "{anyOf: [sports-fans]};                            102;         none",
        "{anyOf: [sports-fans]};                            empty;       none",
        "{anyOf: [sports-fans]};                            null;        none",
        "{allOf: [sports-fans, travel-intenders]};          101|102;     bid",
        "{allOf: [sports-fans, travel-intenders]};          102|104|101; bid",
        "{allOf: [sports-fans, travel-intenders]};          101;         none",
        "{allOf: [sports-fans, travel-intenders]};          empty;       none",
        "{allOf: [sports-fans, travel-intenders]};          null;        none",
        "{noneOf: [recent-purchasers]};                     101;         bid",
        "{noneOf: [recent-purchasers]};                     103;         none",
        "{noneOf: [recent-purchasers]};                     101|103;     none",
        "{noneOf: [recent-purchasers]};                     null;        bid",   // nothing known excludes
        "{anyOf: [sports-fans], noneOf: [recent-purchasers]}; 101;       bid",
        "{anyOf: [sports-fans], noneOf: [recent-purchasers]}; 101|103;   none",
        "{anyOf: [sports-fans], allOf: [travel-intenders]};   101|102;   bid",
        "{anyOf: [sports-fans], allOf: [travel-intenders]};   101;       none",
        "{anyOf: [sports-fans], allOf: [travel-intenders]};   102;       none",
    })
    void segments(String segmentTargeting, String userSegments, String expected) {
        Auction auction = new Auction(config(0,
                campaign("audience").bid(2).targeting("{segments: " + segmentTargeting + "}")));
        SegmentSet segments = null;
        if (userSegments != null) {
            segments = new SegmentSet();
            if (!"empty".equals(userSegments)) {
                for (String id : list(userSegments)) {
                    segments.add(Integer.parseInt(id));
                }
            }
        }
        AuctionResult result = auction.run(siteBanner(), segments, 42, NOW);
        assertEquals("bid".equals(expected) ? "audience" : "none", Auction.winningCampaign(result));
    }

    @ParameterizedTest(name = "contextual only: {0} campaign loses to the contextual one")
    @CsvSource(delimiter = ';', value = {
        "{anyOf: [sports-fans]}",
        "{allOf: [sports-fans]}",
    })
    void contextualOnlyExcludesSegmentTargetedCampaigns(String segmentTargeting) {
        Auction auction = new Auction(config(0,
                campaign("audience").bid(5).targeting("{segments: " + segmentTargeting + "}"),
                campaign("contextual").bid(1)));
        BidRequest request = siteBanner();
        assertEquals("audience", Auction.winningCampaign(
                auction.run(request, AuctionFixture.segments(AuctionFixture.SPORTS_FANS), 42, NOW)));
        assertEquals("contextual", Auction.winningCampaign(auction.run(request, null, 42, NOW)));
        assertEquals("contextual", Auction.winningCampaign(auction.run(request, new SegmentSet(), 42, NOW)));
    }

    @ParameterizedTest(name = "userHash={0} -> {1}")
    @CsvSource({
        "0,  uncapped",  // no user: a cap cannot be enforced, so a capped campaign must not bid
        "42, capped",
        "-1, capped",
    })
    void frequencyCappedCampaignsNeedAUser(long userHash, String expected) {
        Auction auction = new Auction(config(0,
                campaign("capped").bid(5).set("frequencyCap", "{impressions: 3, periodSeconds: 3600}"),
                campaign("uncapped").bid(1)));
        assertEquals(expected, Auction.winningCampaign(auction.run(siteBanner(), null, userHash, NOW)));
    }

    @ParameterizedTest(name = "cap {0}/h, seen {1}, {2} imps -> {3}")
    @CsvSource({
        "1, 0, 3, capped|uncapped|uncapped",
        "2, 0, 3, capped|capped|uncapped",
        "3, 1, 3, capped|capped|uncapped",    // the store's count and this request's wins together
        "3, 2, 1, capped",
        "3, 3, 3, uncapped|uncapped|uncapped",
        "5, 0, 3, capped|capped|capped",
    })
    void aFrequencyCapHoldsAcrossTheImpsOfOneRequest(int cap, int seen, int imps, String expected) {
        Auction auction = new Auction(config(0,
                campaign("capped").bid(5).set("frequencyCap", "{impressions: " + cap + ", periodSeconds: 3600}"),
                campaign("uncapped").bid(1)),
                SpendView.UNLIMITED, (user, campaign, now) -> "capped".equals(campaign.id()) ? seen : 0);
        AuctionResult result = auction.run(AuctionFixture.siteBanners(imps, null), null, 42, NOW);
        assertEquals(expected, AuctionFixture.winnersByImp(result, imps));
    }

    @Test
    void aCappedCampaignAloneBidsOnlyForTheImpsItsCapLeaves() {
        int[] counted = {0};
        Auction auction = new Auction(config(0,
                campaign("capped").bid(5).set("frequencyCap", "{impressions: 1, periodSeconds: 3600}")),
                SpendView.UNLIMITED, (user, campaign, now) -> counted[0]);
        BidRequest request = AuctionFixture.siteBanners(3, null);
        assertEquals("capped|none|none", AuctionFixture.winnersByImp(auction.run(request, null, 42, NOW), 3));
        // the bid path counts the win in the store as the answer leaves, before any notice (BidPath): the user's
        // next request finds the cap used up
        counted[0] = 1;
        assertEquals("none|none|none", AuctionFixture.winnersByImp(auction.run(request, null, 42, NOW), 3));
    }

    // ---------------------------------------------------------------- flight

    @ParameterizedTest(name = "now={0} -> {1}")
    @CsvSource({
        "2026-05-31T23:59:59Z, always",   // the day before start
        "2026-06-01T00:00:00Z, june",     // first second of the start day
        "2026-06-15T12:00:00Z, june",
        "2026-06-30T23:59:59Z, june",     // last second of the end day
        "2026-07-01T00:00:00Z, always",   // the day after end
        "2027-01-01T00:00:00Z, always",
    })
    void flightDates(String now, String expected) {
        Auction auction = new Auction(config(0,
                campaign("june").bid(5).set("start", "2026-06-01").set("end", "2026-06-30"),
                campaign("always").bid(1)));
        assertEquals(expected, Auction.winningCampaign(auction.run(siteBanner(), null, 0, epochSeconds(now))));
    }

    @ParameterizedTest(name = "open-ended flight, now={0} -> {1}")
    @CsvSource({
        "2026-05-31T23:59:59Z, always",
        "2026-06-01T00:00:00Z, from-june",
        "2099-12-31T23:59:59Z, from-june",
    })
    void flightWithoutEndDate(String now, String expected) {
        Auction auction = new Auction(config(0,
                campaign("from-june").bid(5).set("start", "2026-06-01"),
                campaign("always").bid(1)));
        assertEquals(expected, Auction.winningCampaign(auction.run(siteBanner(), null, 0, epochSeconds(now))));
    }

    // ---------------------------------------------------------------- several impressions

    @Test
    void eachImpressionHasItsOwnWinner() {
        Auction auction = new Auction(config(0,
                campaign("mpu").bid(3).banner(300, 250),
                campaign("leader").bid(2).banner(728, 90)));
        BidRequest request = request("{\"id\":\"r\",\"site\":{\"domain\":\"p.example\"},\"imp\":["
                + "{\"id\":\"a\",\"banner\":{\"w\":728,\"h\":90}},"
                + "{\"id\":\"b\",\"banner\":{\"w\":320,\"h\":50}},"
                + "{\"id\":\"c\",\"banner\":{\"w\":300,\"h\":250}}]}");
        AuctionResult result = auction.run(request);
        assertEquals(2, result.count());
        assertEquals(0, result.impIndex(0));
        assertEquals("leader", result.campaign(0).id());
        assertEquals(2, result.impIndex(1));
        assertEquals("mpu", result.campaign(1).id());
    }

    @Test
    void aRequestNoCampaignTargetsIsNoCandidates() {
        Auction auction = new Auction(config(0, campaign("apac").bid(2).targeting("{countries: [JPN]}")));
        AuctionResult result = auction.run(siteBanner());
        assertEquals(0, result.count());
        assertEquals(AuctionResult.NO_CANDIDATES, result.noBidReason());
    }
}
