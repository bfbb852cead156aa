package dev.merlin.exchange.auction;

import static dev.merlin.exchange.auction.AuctionFixture.campaign;
import static dev.merlin.exchange.auction.AuctionFixture.config;
import static dev.merlin.exchange.auction.AuctionFixture.siteBanner;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.merlin.exchange.auction.AuctionFixture.Auction;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Video;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The seller's blocks ({@code bcat}, {@code badv}, {@code bapp}, {@code battr}): a blocked creative gives way to
 * the campaign's next creative that fits and is not blocked, then to other campaigns. Buyer seats: a seat in
 * {@code bseat} never bids, and a non-empty {@code wseat} admits only the seats it lists.
 */
class AuctionEngineBlocksTest {

    /**
     * {@code brand} (bid 3) has two 300x250 creatives: {@code brand-sports} (IAB17-40, attr 6, promotes
     * com.brand.app) first, then {@code brand-travel} (IAB20-3, no attributes); {@code other} (bid 1) is the
     * fallback.
     */
    private static Auction auction() {
        return new Auction(config(0,
                campaign("brand").bid(3)
                        .creative("id: brand-sports, format: banner, w: 300, h: 250, cat: [IAB17-40], attr: [6],"
                                + " adomain: [brand.example], bundle: com.brand.app")
                        .creative("id: brand-travel, format: banner, w: 300, h: 250, cat: [IAB20-3],"
                                + " adomain: [brand.example]"),
                campaign("other").bid(1)
                        .creative("id: other-news, format: banner, w: 300, h: 250, cat: [IAB12],"
                                + " adomain: [other.example]")));
    }

    private static List<String> list(String pipeSeparated) {
        return pipeSeparated == null ? null : Arrays.asList(pipeSeparated.split("\\|"));
    }

    private static List<Integer> ints(String pipeSeparated) {
        return pipeSeparated == null ? null
                : Arrays.stream(pipeSeparated.split("\\|")).map(Integer::valueOf).toList();
    }

    @ParameterizedTest(name = "bcat={0} -> {1}")
    @CsvSource(nullValues = "null", value = {
        "null,          brand:brand-sports",
        "IAB17-40,      brand:brand-travel",
        "IAB17,         brand:brand-travel",   // a parent category blocks its children
        "IAB17-4,       brand:brand-sports",   // a prefix that is not the parent does not
        "IAB1,          brand:brand-sports",
        "IAB1-7,        brand:brand-sports",
        "IAB20,         brand:brand-sports",
        "IAB17|IAB20,   other:other-news",      // both creatives blocked: the next campaign
        "IAB17|IAB20|IAB12, none",
    })
    void bcat(String bcat, String expected) {
        BidRequest request = siteBanner();
        request.bcat = list(bcat);
        assertEquals(expected, auction().winner(request));
    }

    /**
     * {@code cattax} names the taxonomy of {@code bcat}. Merlin's creatives carry IAB Content Category 1.0 codes (1,
     * the default); a block list in another taxonomy cannot be checked against them, so nothing bids.
     */
    @ParameterizedTest(name = "cattax={0} bcat={1} -> {2}")
    @CsvSource(nullValues = "null", value = {
        "null, IAB17-40, brand:brand-travel",
        "1,    IAB17-40, brand:brand-travel",
        "2,    IAB17-40, none",               // Content Taxonomy 2.x: the codes mean something else
        "6,    483,      none",               // Content Taxonomy 3.0
        "2,    null,     brand:brand-sports", // no block list: nothing to honour
        "7,    null,     brand:brand-sports",
    })
    void aBlockListInAnotherTaxonomyBidsNothing(Integer cattax, String bcat, String expected) {
        BidRequest request = siteBanner();
        request.cattax = cattax;
        request.bcat = list(bcat);
        assertEquals(expected, auction().winner(request));
    }

    @ParameterizedTest(name = "badv={0} -> {1}")
    @CsvSource(nullValues = "null", value = {
        "null,                     brand:brand-sports",
        "unrelated.example,        brand:brand-sports",
        "brand.example,            other:other-news",
        "BRAND.Example,            other:other-news",   // domains compare case-insensitively
        "www.brand.example,        other:other-news",
        "WWW.Brand.Example,        other:other-news",
        "brand.example.com,        brand:brand-sports",
        "brand.example|other.example, none",
    })
    void badv(String badv, String expected) {
        BidRequest request = siteBanner();
        request.badv = list(badv);
        assertEquals(expected, auction().winner(request));
    }

    @ParameterizedTest(name = "bapp={0} -> {1}")
    @CsvSource(nullValues = "null", value = {
        "null,                          brand:brand-sports",
        "com.other.app,                 brand:brand-sports",
        "com.brand.app,                 brand:brand-travel",
        "com.other.app|com.brand.app,   brand:brand-travel",
    })
    void bapp(String bapp, String expected) {
        BidRequest request = siteBanner();
        request.bapp = list(bapp);
        assertEquals(expected, auction().winner(request));
    }

    @ParameterizedTest(name = "bseat={0} wseat={1} -> {2}")
    @CsvSource(nullValues = "null", value = {
        "null,                  null,                  brand:brand-sports",
        "seat-brand,            null,                  other:other-news",
        "seat-x|seat-brand,     null,                  other:other-news",
        "seat-brand|seat-other, null,                  none",
        "Seat-Brand,            null,                  brand:brand-sports",   // seats are case-sensitive
        "null,                  seat-other,            other:other-news",
        "null,                  seat-other|seat-brand, brand:brand-sports",
        "null,                  some-other-seat,       none",
        "null,                  empty,                 brand:brand-sports",   // an empty wseat restricts nothing
        "seat-brand,            seat-brand|seat-other, other:other-news",
    })
    void bseatAndWseat(String bseat, String wseat, String expected) {
        BidRequest request = siteBanner();
        request.bseat = list(bseat);
        request.wseat = "empty".equals(wseat) ? List.of() : list(wseat);
        assertEquals(expected, auction().winner(request));
    }

    @Test
    void bseatBlocksEveryCampaignOfTheSeat() {
        Auction auction = new Auction(config(0,
                campaign("brand-a").advertiser("brand", "brand-seat").bid(3),
                campaign("brand-b").advertiser("brand", "brand-seat").bid(2),
                campaign("rival").bid(1)));
        BidRequest request = siteBanner();
        request.bseat = List.of("brand-seat");
        assertEquals("rival", Auction.winningCampaign(auction.run(request)));
        request.bseat = null;
        request.wseat = List.of("brand-seat");
        assertEquals("brand-a", Auction.winningCampaign(auction.run(request)));
    }

    @ParameterizedTest(name = "banner.battr={0} -> {1}")
    @CsvSource(nullValues = "null", value = {
        "null,  brand:brand-sports",
        "7,     brand:brand-sports",
        "6,     brand:brand-travel",
        "1|6|9, brand:brand-travel",
    })
    void bannerBattr(String battr, String expected) {
        BidRequest request = siteBanner();
        request.imp.get(0).banner.battr = ints(battr);
        assertEquals(expected, auction().winner(request));
    }

    @ParameterizedTest(name = "video.battr={0} -> {1}")
    @CsvSource(nullValues = "null", value = {
        "null,  trailer:trailer-autoplay",
        "16,    trailer:trailer-autoplay",
        "14,    trailer:trailer-plain",
        "14|17, none",
    })
    void videoBattr(String battr, String expected) {
        Auction auction = new Auction(config(0, campaign("trailer").bid(2)
                .creative("id: trailer-autoplay, format: video, durationSeconds: 15, mimes: [video/mp4], attr: [14]")
                .creative("id: trailer-plain, format: video, durationSeconds: 15, mimes: [video/mp4], attr: [17]")));
        BidRequest request = siteBanner();
        request.imp.get(0).banner = null;
        request.imp.get(0).video = new Video();
        request.imp.get(0).video.mimes = List.of("video/mp4");
        request.imp.get(0).video.battr = ints(battr);
        assertEquals(expected, auction.winner(request));
    }

    @Test
    void bannerBattrDoesNotBlockTheVideoCreativeOfAMultiFormatImp() {
        Auction auction = new Auction(config(0, campaign("trailer").bid(2)
                .creative("id: trailer-video, format: video, durationSeconds: 15, mimes: [video/mp4], attr: [6]")));
        BidRequest request = siteBanner();
        request.imp.get(0).banner.battr = List.of(6);
        request.imp.get(0).video = new Video();
        request.imp.get(0).video.mimes = List.of("video/mp4");
        assertEquals("trailer:trailer-video", auction.winner(request));
    }

    @Test
    void aBlockedCreativeLetsTheRunnerUpWinAndSetsNoSecondPrice() {
        // brand is blocked outright; other wins alone at second price: 0.01
        BidRequest request = siteBanner();
        request.at = 2;
        request.bcat = List.of("IAB17", "IAB20");
        AuctionResult result = auction().run(request);
        assertEquals("other", result.campaign(0).id());
        assertEquals(10_000, result.priceMicros(0));
    }

    @Test
    void badvFallsThroughToACreativeWithAnotherDomain() {
        Auction auction = new Auction(config(0, campaign("multi").bid(2)
                .creative("id: multi-a, format: banner, w: 300, h: 250, adomain: [a.example]")
                .creative("id: multi-b, format: banner, w: 300, h: 250, adomain: [b.example]")));
        BidRequest request = siteBanner();
        request.badv = List.of("a.example");
        assertEquals("multi:multi-b", auction.winner(request));
    }
}
