package dev.merlin.exchange.auction;

import static dev.merlin.exchange.auction.AuctionFixture.NOW;
import static dev.merlin.exchange.auction.AuctionFixture.campaign;
import static dev.merlin.exchange.auction.AuctionFixture.config;
import static dev.merlin.exchange.auction.AuctionFixture.deals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.SegmentDefinition;
import dev.merlin.exchange.segments.SegmentSet;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.InvalidRequestException;
import dev.merlin.protocol.OpenRtbDatabind;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.BidResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@link BidResponseWriter} writes, parsed with databind, equals what the object-graph reference
 * ({@link ReferenceResponseBuilder}: strings, {@code URLEncoder}, {@code javax.crypto.Mac}, {@code BigDecimal})
 * builds: every field, link, signature and substituted markup. Over the sample corpus's requests that bid with the
 * embedded default campaigns (contextual, and with every segment and a user), and over edge cases: several imps, two
 * seats, a deal, a test request, secure imps, other currencies, ids and markup needing JSON escaping, every macro,
 * prices that Java prints in exponent notation, and the markup bound.
 */
class BidResponseWriterEquivalenceTest {

    private static final long AUCTION_ID = 0x18f3a2c0b4500001L;
    private static final String SELLER = "demo-ssp";
    private static final byte[] SECRET = "equivalence-secret".getBytes(StandardCharsets.UTF_8);
    private static final ObjectMapper MAPPER = OpenRtbDatabind.mapper();

    /** Markup with every macro, an unknown one, an unclosed one, and text that JSON must escape. */
    private static final String EVERY_MACRO = "'<a href=\"${CLICK_URL}\" data-enc=\"${CLICK_URL_ENC}\">"
            + "${AUCTION_ID}|${AUCTION_BID_ID}|${AUCTION_IMP_ID}|${AUCTION_SEAT_ID}|${AUCTION_AD_ID}|"
            + "${AUCTION_PRICE}|${AUCTION_CURRENCY}|${AUCTION_LOSS}|${}|\\\\ \\t \\u0001 \\u2028 café 😀 ¥</a>"
            + "${CLICK'";

    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);

    static Stream<Path> samples() throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("shared/openrtb-samples/requests"))
                && !Files.isDirectory(dir.resolve("../shared/openrtb-samples/requests"))) {
            dir = dir.getParent();
        }
        Assumptions.assumeTrue(dir != null, "the sample corpus (../shared/openrtb-samples) is needed");
        Path requests = Files.isDirectory(dir.resolve("shared/openrtb-samples/requests"))
                ? dir.resolve("shared/openrtb-samples/requests")
                : dir.resolve("../shared/openrtb-samples/requests").normalize();
        try (Stream<Path> files = Files.list(requests)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void theSampleCorpusAnswersTheSameWithTheDefaultCampaigns(Path sample) throws IOException {
        byte[] json = Files.readAllBytes(sample);
        BidRequest request;
        try {
            request = new BidRequestDecoder().decode(json, 0, json.length);
        } catch (InvalidRequestException e) {
            return; // answered 400 before any auction: nothing to write
        }
        MerlinConfig defaults = ConfigLoader.loadDefault();
        int bids = 0;
        for (String publicUrl : List.of("http://127.0.0.1:8080", "https://merlin.example/")) {
            MerlinConfig config = defaults.withExchange(defaults.exchange().withPublicUrl(publicUrl));
            bids += compare(config, request, null, 0);
            bids += compare(config, request, allSegments(config), 0x5eed_cafe_f00dL);
        }
        System.out.println(sample.getFileName() + ": " + bids + " bids compared");
    }

    private static SegmentSet allSegments(MerlinConfig config) {
        SegmentSet segments = new SegmentSet();
        for (SegmentDefinition segment : config.segments()) {
            segments.add(segment.id());
        }
        return segments;
    }

    /** Runs the auction and compares both answers; returns the bids compared. */
    private int compare(MerlinConfig config, BidRequest request, SegmentSet segments, long userHash) {
        AuctionFixture.Auction auction = new AuctionFixture.Auction(config);
        NoticeUrls urls = new NoticeUrls(config.exchange().publicUrl(), SECRET);
        auction.engine.canLinkSecurely(urls.canLinkSecurely());
        AuctionResult result = auction.run(request, segments, userHash, NOW);
        if (result.count() == 0) {
            return 0;
        }
        int maxMarkup = config.server().maxMarkupLength();
        BidResponseWriter writer = new BidResponseWriter(auction.currencies, urls, maxMarkup);
        ReferenceResponseBuilder reference = new ReferenceResponseBuilder(auction.currencies,
                new ReferenceLinks(config.exchange().publicUrl(), SECRET), maxMarkup);
        String currency = writer.responseCurrency(request);
        assertEquals(reference.responseCurrency(request), currency);
        assertSame(reference.build(request, result, currency, SELLER, userHash, AUCTION_ID, NOW),
                write(writer, request, result, currency, userHash));
        return result.count();
    }

    private BidResponse write(BidResponseWriter writer, BidRequest request, AuctionResult result, String currency,
                              long userHash) {
        int length = writer.write(request, result, currency, SELLER, userHash, AUCTION_ID, NOW, buffer, 0,
                Integer.MAX_VALUE);
        assertTrue(length > 0, "written: " + length);
        String json = buffer.getStringWithoutLengthUtf8(0, length);
        try {
            return MAPPER.readValue(buffer.byteArray(), 0, length, BidResponse.class);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    private static void assertSame(BidResponse expected, BidResponse actual) {
        try {
            assertEquals(MAPPER.writeValueAsString(expected), MAPPER.writeValueAsString(actual));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertEquals(expected, actual);
    }

    private static AuctionFixture.Auction edgeAuction(String markup) {
        return new AuctionFixture.Auction(config(0.15,
                campaign("mpu").advertiser("acme", "seat-\"acme\"").bid(2)
                        .creative("id: mpu-ad, format: banner, w: 300, h: 250, markup: " + markup
                                + ", adomain: [acme.example, \"b\\u00e9.example\"], cat: [IAB20-3], attr: [1, 3]"),
                campaign("leader").advertiser("acme", "seat-\"acme\"").bid(1.2).banner(728, 90),
                campaign("sky").advertiser("zeta", "seat-zeta").bid(1)
                        .creative("id: sky-app, format: banner, w: 160, h: 600, adomain: [zeta.example],"
                                + " bundle: com.zeta.game, markup: " + markup),
                campaign("deal").advertiser("agency", "Agency1").bid(3).targeting(deals("D-1"))
                        .creative("id: deal-video, format: video, durationSeconds: 15, mimes: [video/mp4],"
                                + " markup: " + markup),
                campaign("tiny").advertiser("penny", "seat-penny").bid(0.0005)
                        .creative("id: tiny-ad, format: banner, w: 320, h: 50, markup: " + markup),
                campaign("huge").advertiser("whale", "seat-whale").bid(90000)
                        .creative("id: huge-ad, format: banner, w: 970, h: 250, markup: " + markup)));
    }

    /** Request and imp ids with every character JSON and URLs treat specially. */
    private static final String HOSTILE_ID = "r\"\\/\b\f\n\r\t\u0001\u001f\u007f é 中 😀 \u2028 <>&=?#%+ "
            + "${AUCTION_PRICE}";

    private static BidRequest edgeRequest(String cur, Integer test, String requestId) {
        try {
            String id = MAPPER.writeValueAsString(requestId);
            String imp = MAPPER.writeValueAsString(requestId + "-imp");
            return AuctionFixture.request("{\"id\":" + id + ",\"at\":1,"
                    + (test == null ? "" : "\"test\":" + test + ",")
                    + (cur == null ? "" : "\"cur\":[\"" + cur + "\"],")
                    + "\"site\":{\"domain\":\"p.example\"},\"imp\":["
                    + "{\"id\":\"i1\",\"banner\":{\"w\":300,\"h\":250}},"
                    + "{\"id\":" + imp + ",\"banner\":{\"w\":160,\"h\":600},\"secure\":1},"
                    + "{\"id\":\"i3\",\"banner\":{\"w\":728,\"h\":90}},"
                    + "{\"id\":\"v\",\"video\":{\"mimes\":[\"video/mp4\"]},\"pmp\":{\"private_auction\":1,\"deals\":["
                    + "{\"id\":\"OTHER\"},{\"id\":\"D-1\",\"wseat\":[\"Agency1\"]}]}},"
                    + "{\"id\":\"small\",\"banner\":{\"w\":320,\"h\":50}},"
                    + "{\"id\":\"big\",\"banner\":{\"w\":970,\"h\":250},\"secure\":0}]}");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static List<Object[]> edgeCases() {
        List<Object[]> cases = new ArrayList<>();
        for (String cur : new String[] {null, "USD", "JPY", "EUR", "KRW", "GBP"}) {
            for (Integer test : new Integer[] {null, 0, 1}) {
                for (String id : new String[] {"auction-7", HOSTILE_ID}) {
                    for (long userHash : new long[] {0, 255, -1}) {
                        cases.add(new Object[] {cur, test, id, userHash});
                    }
                }
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "cur={0} test={1} user={3}")
    @MethodSource("edgeCases")
    void edgeCasesAnswerTheSame(String cur, Integer test, String requestId, long userHash) {
        AuctionFixture.Auction auction = edgeAuction("'" + EVERY_MACRO.substring(1, EVERY_MACRO.length() - 1)
                .replace("'", "''") + "'");
        BidRequest request = edgeRequest(cur, test, requestId);
        AuctionResult result = auction.run(request, null, userHash, NOW);
        assertEquals(6, result.count(), "every imp bids");
        NoticeUrls urls = new NoticeUrls("https://merlin.test/\"é", SECRET);
        BidResponseWriter writer = new BidResponseWriter(auction.currencies, urls, 100_000);
        ReferenceResponseBuilder reference = new ReferenceResponseBuilder(auction.currencies,
                new ReferenceLinks("https://merlin.test/\"é", SECRET), 100_000);
        String currency = writer.responseCurrency(request);
        assertSame(reference.build(request, result, currency, SELLER, userHash, AUCTION_ID, NOW),
                write(writer, request, result, currency, userHash));
    }

    /** The markup bound: the writer refuses exactly where the reference throws, and only there. */
    @ParameterizedTest(name = "maxMarkupLength={0}")
    @ValueSource(ints = {0, 100, 300, 400, 500, 600, 700, 800, 1000, 2000})
    void theMarkupBoundRefusesWhereTheReferenceDid(int maxMarkupLength) {
        AuctionFixture.Auction auction = edgeAuction("'" + EVERY_MACRO.substring(1, EVERY_MACRO.length() - 1)
                .replace("'", "''") + "'");
        for (String id : new String[] {"r", HOSTILE_ID}) {
            BidRequest request = edgeRequest(null, null, id);
            AuctionResult result = auction.run(request, null, 0, NOW);
            NoticeUrls urls = new NoticeUrls("https://merlin.test/", SECRET);
            BidResponseWriter writer = new BidResponseWriter(auction.currencies, urls, maxMarkupLength);
            ReferenceResponseBuilder reference = new ReferenceResponseBuilder(auction.currencies,
                    new ReferenceLinks("https://merlin.test/", SECRET), maxMarkupLength);
            int length = writer.write(request, result, "USD", SELLER, 0, AUCTION_ID, NOW, buffer, 0,
                    Integer.MAX_VALUE);
            BidResponse expected;
            try {
                expected = reference.build(request, result, "USD", SELLER, 0, AUCTION_ID, NOW);
            } catch (MarkupTooLongException e) {
                assertEquals(BidResponseWriter.MARKUP_TOO_LONG, length);
                continue;
            }
            assertSame(expected, write(writer, request, result, "USD", 0));
        }
    }

    /** An answer longer than the maximum is refused by its own code, wherever the maximum falls. */
    @Test
    void anAnswerOverTheMaximumIsRefusedWherever() {
        AuctionFixture.Auction auction = edgeAuction("'<b>${AUCTION_PRICE}</b>'");
        BidRequest request = edgeRequest(null, null, HOSTILE_ID);
        AuctionResult result = auction.run(request, null, 0, NOW);
        BidResponseWriter writer = new BidResponseWriter(auction.currencies,
                new NoticeUrls("https://merlin.test/", SECRET), 100_000);
        int full = writer.write(request, result, "USD", SELLER, 0, AUCTION_ID, NOW, buffer, 0, Integer.MAX_VALUE);
        assertTrue(full > 0);
        for (int max = 0; max < full; max += 7) {
            assertEquals(BidResponseWriter.RESPONSE_TOO_LARGE,
                    writer.write(request, result, "USD", SELLER, 0, AUCTION_ID, NOW, buffer, 0, max));
        }
        assertEquals(full, writer.write(request, result, "USD", SELLER, 0, AUCTION_ID, NOW, buffer, 0, full));
        assertEquals(full, writer.write(request, result, "USD", SELLER, 0, AUCTION_ID, NOW, buffer, 5, full));
        assertThrows(MarkupTooLongException.class, () -> Macros.substitute("x".repeat(10), "a", "b", "1", "s",
                "ad", "1", "USD", "c", 9));
    }
}
