package dev.merlin.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Imp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the hand-written edge-case corpus ({@code src/test/resources/edge-cases}) through {@link BidRequestDecoder}.
 *
 * <p>{@code expected.tsv} lists every case: {@code file outcome reason path}. A rejected case must fail with exactly
 * that reason and path ({@code *} when the path carries no meaning: malformed JSON, invalid UTF-8, nesting); an
 * accepted case must decode and pass the case's own check in {@link #CHECKS}. Rows named {@code generated:...} are
 * built in {@link #generated} because their bytes are not readable text (invalid UTF-8) or too big to keep.
 */
class EdgeCaseCorpusTest {

    private static final String DIR = "/edge-cases/";
    private static final String GENERATED = "generated:";
    private static final String ANY_PATH = "*";
    private static final int MAX_FILE_BYTES = 50 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One row of expected.tsv; {@code reason} is null for an accepted case. */
    record Case(String file, ErrorReason reason, String path) {
        boolean isAccepted() {
            return reason == null;
        }

        @Override
        public String toString() {
            return file;
        }
    }

    /** What one decode produced: the request, or the refusal's reason and path. */
    record Outcome(BidRequest request, ErrorReason reason, String path) {
    }

    static List<Case> cases() throws IOException {
        String tsv = new String(resource("expected.tsv"), StandardCharsets.UTF_8);
        List<String> lines = tsv.lines().filter(line -> !line.isBlank()).collect(Collectors.toList());
        assertEquals("file\toutcome\treason\tpath", lines.get(0), "expected.tsv header");
        List<Case> cases = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cols = line.split("\t", -1);
            assertEquals(4, cols.length, "expected.tsv row needs 4 tab-separated columns: " + line);
            switch (cols[1]) {
                case "ok":
                    assertEquals("-", cols[2], "accepted case has no reason: " + line);
                    assertEquals("-", cols[3], "accepted case has no path: " + line);
                    cases.add(new Case(cols[0], null, null));
                    break;
                case "reject":
                    ErrorReason reason = ErrorReason.valueOf(cols[2]);
                    if (ANY_PATH.equals(cols[3])) {
                        assertTrue(EnumSet.of(ErrorReason.MALFORMED_JSON, ErrorReason.INVALID_UTF8,
                                ErrorReason.TOO_DEEP).contains(reason), "'*' path only for syntax and depth: " + line);
                    }
                    cases.add(new Case(cols[0], reason, cols[3]));
                    break;
                default:
                    fail("outcome must be ok or reject: " + line);
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodesAsExpected(Case c) throws IOException {
        byte[] json = bytesOf(c.file());
        Outcome outcome = decode(new BidRequestDecoder(), json, 0, json.length);
        assertOutcome(c, outcome);
    }

    /** The decoder must read only its window of a larger buffer (e.g. a pooled network buffer). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodesTheSameFromTheMiddleOfALargerBuffer(Case c) throws IOException {
        byte[] json = bytesOf(c.file());
        // bytes around the window that would change any outcome if the decoder read them
        byte[] before = "{\"id\":\"outside\",\"x\":".getBytes(StandardCharsets.UTF_8);
        byte[] after = "]]}} \u00ff trailing".getBytes(StandardCharsets.ISO_8859_1);
        byte[] buffer = new byte[before.length + json.length + after.length];
        System.arraycopy(before, 0, buffer, 0, before.length);
        System.arraycopy(json, 0, buffer, before.length, json.length);
        System.arraycopy(after, 0, buffer, before.length + json.length, after.length);

        Outcome windowed = decode(new BidRequestDecoder(), buffer, before.length, json.length);
        assertOutcome(c, windowed);
        assertEquals(decode(new BidRequestDecoder(), json, 0, json.length), windowed, c.file());
    }

    /** One decoder per event-loop thread decodes request after request: no state may leak between them. */
    @Test
    void oneReusedDecoderGivesTheSameResultsAsFreshOnes() throws IOException {
        List<Case> cases = cases();
        Map<String, Outcome> fresh = new LinkedHashMap<>();
        for (Case c : cases) {
            byte[] json = bytesOf(c.file());
            fresh.put(c.file(), decode(new BidRequestDecoder(), json, 0, json.length));
        }
        BidRequestDecoder reused = new BidRequestDecoder();
        for (int round = 0; round < 2; round++) {
            for (Case c : cases) {
                byte[] json = bytesOf(c.file());
                assertEquals(fresh.get(c.file()), decode(reused, json, 0, json.length),
                        c.file() + " through a reused decoder, round " + round);
            }
        }
    }

    /**
     * The decoder reuses one Jackson parser from document to document: across the whole corpus, read in a seeded
     * random order by one decoder, at offset 0 and from the middle of a larger buffer, every outcome and every
     * refusal's reason, path and message (with its line and column) equal those of a parser made new per document.
     */
    @Test
    void aReusedParserRefusesWithTheMessagesOfANewOne() throws IOException {
        List<Case> cases = new ArrayList<>(cases());
        Collections.shuffle(cases, new Random(10));
        BidRequestDecoder reused = new BidRequestDecoder();
        BidRequestDecoder newParsers = new BidRequestDecoder(DecodeLimits.defaults(), false);
        byte[] before = "{\"id\":\"outside\",\n\"x\":".getBytes(StandardCharsets.UTF_8);
        for (Case c : cases) {
            byte[] json = bytesOf(c.file());
            byte[] buffer = new byte[before.length + json.length + 3];
            System.arraycopy(before, 0, buffer, 0, before.length);
            System.arraycopy(json, 0, buffer, before.length, json.length);
            String expected = describe(newParsers, json, 0, json.length);
            assertEquals(expected, describe(reused, json, 0, json.length), c.file());
            assertEquals(expected, describe(reused, buffer, before.length, json.length), c.file() + " windowed");
        }
    }

    private static String describe(BidRequestDecoder decoder, byte[] json, int offset, int length) {
        try {
            return "accepted " + OpenRtbDatabind.mapper().valueToTree(decoder.decode(json, offset, length));
        } catch (InvalidRequestException e) {
            return e.reason() + " at \"" + e.path() + "\": " + e.getMessage();
        }
    }

    @Test
    void expectedTsvListsExactlyTheCorpusFiles() throws IOException {
        Set<String> listed = new TreeSet<>();
        for (Case c : cases()) {
            assertTrue(listed.add(c.file()), "listed twice in expected.tsv: " + c.file());
        }
        listed.removeIf(name -> name.startsWith(GENERATED));
        Set<String> onDisk = new TreeSet<>();
        try (Stream<Path> files = Files.list(corpusDir())) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(".json")) {
                    onDisk.add(name);
                    assertTrue(Files.size(file) <= MAX_FILE_BYTES, name + " is over 50 KB");
                }
            }
        }
        assertEquals(onDisk, listed, "edge-case files vs expected.tsv rows");
    }

    @Test
    void corpusCoversEveryErrorReasonAndEveryAcceptedCaseHasACheck() throws IOException {
        Set<ErrorReason> covered = EnumSet.noneOf(ErrorReason.class);
        Set<String> accepted = new TreeSet<>();
        for (Case c : cases()) {
            if (c.isAccepted()) {
                accepted.add(c.file());
            } else {
                covered.add(c.reason());
            }
        }
        assertEquals(EnumSet.allOf(ErrorReason.class), covered, "error reasons with at least one case");
        assertEquals(new TreeSet<>(CHECKS.keySet()), accepted, "accepted cases vs their checks");
    }

    @Test
    void tenThousandLevelsOfNestingAreRefusedWithoutStackOverflow() {
        for (String name : List.of("nesting-10000-in-imp-ext", "nesting-10000-arrays-in-root-ext")) {
            byte[] json = generated(name);
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> new BidRequestDecoder().decode(json, 0, json.length), name);
            assertEquals(ErrorReason.TOO_DEEP, e.reason(), name);
        }
        // an unknown field is skipped, but skipping must be bounded as well
        byte[] unknown = ascii("{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"banner\":{}}],\"unknown\":"
                + "[".repeat(10_000) + "]".repeat(10_000) + "}");
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> new BidRequestDecoder().decode(unknown, 0, unknown.length));
        assertEquals(ErrorReason.TOO_DEEP, e.reason());
    }

    @Test
    void maxDepthIsTakenFromTheLimits() throws IOException {
        byte[] deep = resource("ext-nesting-100.json");
        BidRequestDecoder shallow = new BidRequestDecoder(new DecodeLimits(16, 64, 32_768));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> shallow.decode(deep, 0, deep.length));
        assertEquals(ErrorReason.TOO_DEEP, e.reason());

        byte[] flat = resource("minimal-banner.json");
        assertEquals("req-1", decodeOk(shallow, flat).id, "a shallow request within maxDepth 16");
    }

    @Test
    void maxImpsTwoRejectsThreeImps() throws InvalidRequestException {
        BidRequestDecoder decoder = new BidRequestDecoder(new DecodeLimits(256, 2, 32_768));
        byte[] two = ascii(requestWithImps(2));
        assertEquals(2, decoder.decode(two, 0, two.length).imp.size());

        byte[] three = ascii(requestWithImps(3));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> decoder.decode(three, 0, three.length));
        assertEquals(ErrorReason.TOO_MANY_IMPS, e.reason());
        assertEquals("imp", e.path());
    }

    @Test
    void maxStringLengthIsTakenFromTheLimits() throws InvalidRequestException {
        BidRequestDecoder decoder = new BidRequestDecoder(new DecodeLimits(256, 64, 64));
        byte[] atLimit = ascii(requestWithPage("p".repeat(64)));
        assertEquals(64, decoder.decode(atLimit, 0, atLimit.length).site.page.length());

        byte[] overLimit = ascii(requestWithPage("p".repeat(65)));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> decoder.decode(overLimit, 0, overLimit.length));
        assertEquals(ErrorReason.STRING_TOO_LONG, e.reason());
        assertEquals("site.page", e.path());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // per-case checks for accepted cases

    private static final Map<String, Consumer<BidRequest>> CHECKS = new LinkedHashMap<>();

    private static void check(String file, Consumer<BidRequest> check) {
        CHECKS.put(file, check);
    }

    static {
        check("minimal-banner.json", r -> {
            assertEquals("req-1", r.id);
            assertEquals(1, r.imp.size());
            assertEquals("1", r.imp.get(0).id);
            assertEquals(300, r.imp.get(0).banner.w);
            assertEquals(250, r.imp.get(0).banner.h);
            assertEquals("https://example.com/", r.site.page);
            assertNull(r.tmax);
            assertNull(r.regs);
        });
        check("multi-format-imp.json", r -> {
            Imp imp = r.imp.get(0);
            assertEquals(2, imp.banner.format.size());
            assertEquals(50, imp.banner.format.get(1).h);
            assertEquals(List.of("video/mp4"), imp.video.mimes);
            assertEquals(640, imp.video.w);
            assertEquals(List.of("audio/mp4"), imp.audio.mimes);
            assertEquals("{\"ver\":\"1.2\",\"assets\":[]}", imp.nativeAd.request);
            assertEquals("1.2", imp.nativeAd.ver);
        });
        check("null-fields.json", r -> {
            assertEquals("req-null", r.id);
            assertNull(r.tmax);
            assertNull(r.test);
            assertNull(r.cur);
            assertNull(r.site, "\"site\": null is absent, so site + app is no conflict");
            assertEquals("app-1", r.app.id);
            assertNull(r.app.name);
            assertNull(r.device);
            assertNull(r.user.consent);
            assertNull(r.user.eids);
            assertNull(r.regs.gdpr);
            assertNull(r.source);
            assertNull(r.ext);
            Imp imp = r.imp.get(0);
            assertNull(imp.bidfloor);
            assertNull(imp.video);
            assertNull(imp.nativeAd);
            assertNull(imp.pmp);
            assertNotNull(imp.banner);
            assertNull(imp.banner.w);
            assertNull(imp.banner.format);
        });
        check("unknown-fields-ignored.json", r -> {
            assertEquals("req-unknown", r.id, "keys are case-sensitive: \"ID\" is not \"id\"");
            assertEquals(300, r.imp.get(0).banner.w);
            assertEquals(250, r.imp.get(0).banner.h);
            assertEquals("https://example.com/", r.site.page);
            assertEquals(1, r.regs.gdpr);
            assertNull(r.tmax);
        });
        check("unicode-escapes.json", r -> {
            assertEquals("Caf\u00e9 \u65e5\u672c \ud83d\ude00 \"quoted\" back\\slash / tab\tend", r.site.name);
            assertEquals("https://example.com/A", r.site.page);
        });
        check("japanese-site-name.json", r -> {
            assertEquals("日本経済新聞 電子版", r.site.name);
            assertEquals("https://nikkei.example.jp/記事/12345", r.site.page);
            assertEquals("経済,株式,東京", r.site.keywords);
            assertEquals("株式会社テスト", r.site.publisher.name);
            assertEquals("東京株式市場 日経平均が続伸", r.site.content.title);
            assertEquals("東京", r.device.geo.city);
            assertEquals("JPN", r.device.geo.country);
        });
        check("korean-app-name.json", r -> {
            assertEquals("네이버 뉴스", r.app.name);
            assertEquals("네이버 주식회사", r.app.publisher.name);
            assertEquals("오늘의 주요 뉴스", r.app.content.title);
            assertEquals("서울", r.device.geo.city);
            assertEquals("KOR", r.device.geo.country);
        });
        check("native-request-string.json", r -> assertEquals(
                "{\"native\":{\"ver\":\"1.2\",\"assets\":[{\"id\":1,\"required\":1,\"title\":{\"len\":90}}]}}",
                r.imp.get(0).nativeAd.request));
        check("native-request-object.json", r -> assertJsonEquals(
                "{\"ver\":\"1.2\",\"plcmtcnt\":1,\"assets\":[{\"id\":1,\"required\":1,\"title\":{\"len\":90}}]}",
                r.imp.get(0).nativeAd.request));
        check("bidfloor-exponent.json", r -> {
            assertEquals(1000.0, r.imp.get(0).bidfloor);
            assertEquals(0.25, r.imp.get(0).pmp.deals.get(0).bidfloor);
        });
        check("float-fields-accept-integers.json", r -> {
            assertEquals(2.0, r.imp.get(0).bidfloor);
            assertEquals(35.0, r.device.geo.lat);
            assertEquals(139.0, r.device.geo.lon);
            assertEquals(2.0, r.device.pxratio);
        });
        check("zero-boundaries.json", r -> {
            assertEquals(0, r.tmax);
            assertEquals(0, r.test);
            assertEquals(0, r.regs.gdpr);
            assertEquals(0, r.regs.coppa);
            assertEquals(0, r.device.w);
            assertEquals(0, r.device.h);
            assertEquals(0, r.imp.get(0).banner.w);
            assertEquals(0, r.imp.get(0).banner.format.get(0).h);
            assertEquals(0.0, r.imp.get(0).bidfloor);
        });
        check("int-max-and-big-ext-numbers.json", r -> {
            assertEquals(Integer.MAX_VALUE, r.imp.get(0).banner.w);
            assertTrue(r.ext.json().contains("123456789012345678901234567890"), r.ext.json());
            assertTrue(r.ext.json().contains("-9223372036854775809"), r.ext.json());
            assertTrue(r.ext.json().contains("1.5e308"), r.ext.json());
        });
        check("empty-objects.json", r -> {
            assertNotNull(r.site);
            assertNull(r.site.id);
            assertNotNull(r.imp.get(0).banner);
            assertNull(r.imp.get(0).banner.w);
            assertNotNull(r.user);
            assertNotNull(r.regs);
            assertNull(r.regs.gdpr);
            assertJsonEquals("{}", r.ext.json());
        });
        check("upconvert-regs-ext.json", r -> {
            assertEquals(1, r.regs.gdpr);
            assertEquals("1YNN", r.regs.us_privacy);
            assertJsonEquals("{\"gdpr\": 1, \"us_privacy\": \"1YNN\", \"dsa\": {\"dsarequired\": 1}}",
                    r.regs.ext.json());
        });
        check("upconvert-regs-ext-gpp.json", r -> {
            assertEquals("gpp-25", r.regs.gpp);
            assertEquals(List.of(7, 8), r.regs.gpp_sid);
            assertJsonEquals("{\"gpp\": \"gpp-25\", \"gpp_sid\": [7, 8], \"dsa\": {\"dsarequired\": 1}}",
                    r.regs.ext.json());
        });
        check("upconvert-user-ext-consent.json", r -> {
            assertEquals("CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAAA", r.user.consent);
            assertEquals("u1", r.user.id);
            assertJsonEquals("{\"consent\": \"CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAAA\", \"other\": true}",
                    r.user.ext.json());
        });
        check("upconvert-user-ext-eids.json", r -> {
            assertEquals(2, r.user.eids.size());
            assertEquals("id5-sync.com", r.user.eids.get(0).source);
            assertEquals("ID5-abc", r.user.eids.get(0).uids.get(0).id);
            assertEquals(1, r.user.eids.get(0).uids.get(0).atype);
            assertEquals("liveramp.com", r.user.eids.get(1).source);
            assertEquals(2, r.user.eids.get(1).uids.size());
            assertEquals(3, r.user.eids.get(1).uids.get(0).atype);
            assertNull(r.user.eids.get(1).uids.get(1).atype);
            assertTrue(r.user.ext.json().contains("liveramp.com"), "user.ext is kept intact");
        });
        check("upconvert-source-ext-schain.json", r -> {
            assertEquals("t-1", r.source.tid);
            assertEquals(1, r.source.schain.complete);
            assertEquals("1.0", r.source.schain.ver);
            assertEquals(2, r.source.schain.nodes.size());
            assertEquals("exchange-a.example", r.source.schain.nodes.get(0).asi);
            assertEquals("reseller-b.example", r.source.schain.nodes.get(1).asi);
            assertEquals("req-1", r.source.schain.nodes.get(1).rid);
            assertEquals(1, r.source.schain.nodes.get(1).hp);
            assertTrue(r.source.ext.json().contains("schain"), "source.ext is kept intact");
        });
        check("upconvert-26-field-wins.json", r -> {
            assertEquals(0, r.regs.gdpr);
            assertEquals("1NNN", r.regs.us_privacy);
            assertEquals("gpp-26", r.regs.gpp);
            assertEquals(List.of(8), r.regs.gpp_sid);
            assertEquals("consent-26", r.user.consent);
            assertEquals(1, r.user.eids.size());
            assertEquals("new.example", r.user.eids.get(0).source);
            assertEquals(1, r.source.schain.nodes.size());
            assertEquals("new.example", r.source.schain.nodes.get(0).asi);
            assertEquals(1, r.source.schain.complete);
            assertTrue(r.regs.ext.json().contains("1YYY"), "regs.ext is kept intact");
            assertTrue(r.regs.ext.json().contains("gpp-25"), "regs.ext is kept intact");
        });
        check("device-ext-atts.json", r -> {
            assertEquals(2, r.device.atts, "device.ext.atts, not the nested prebid.atts");
            assertEquals(0, r.device.lmt);
            assertEquals("{\"ifv\": \"A1B2\", \"atts\": 2, \"prebid\": {\"atts\": 3}}", r.device.ext.json(),
                    "device.ext is kept byte for byte");
        });
        check("ext-nesting-100.json", r -> {
            String ext = r.imp.get(0).ext.json();
            assertEquals(99, ext.split("\\{\"k\": ", -1).length - 1, ext);
            assertTrue(ext.contains("{\"depth\": 100}"), ext);
        });
        check("root-ext-nesting-100.json", r -> {
            assertTrue(r.ext.json().contains("\"deep\""), r.ext.json());
            assertEquals(50, r.ext.json().split("\\[", -1).length - 1, r.ext.json());
        });
        check("no-site-app-dooh.json", r -> {
            assertNull(r.site);
            assertNull(r.app);
            assertNull(r.dooh);
            assertEquals("Mozilla/5.0", r.device.ua);
        });
        check("dooh-only.json", r -> {
            assertNull(r.site);
            assertEquals("screen-17", r.dooh.id);
            assertEquals(List.of("transit.metro_station"), r.dooh.venuetype);
            assertEquals(1, r.dooh.venuetypetax);
            assertEquals("dooh-pub", r.dooh.publisher.id);
            assertEquals(23.5, r.imp.get(0).qty.multiplier);
            assertEquals(1920, r.imp.get(0).banner.w);
        });
        check("mimes-empty-or-absent.json", r -> {
            assertEquals(List.of(), r.imp.get(0).video.mimes);
            assertNull(r.imp.get(1).audio.mimes);
            assertEquals(5, r.imp.get(1).audio.minduration);
        });
        check("unchecked-values-accepted.json", r -> {
            assertEquals(4, r.at);
            assertEquals(2, r.device.dnt);
            assertEquals(-2, r.imp.get(0).video.startdelay);
        });
        check("imps-64.json", r -> {
            assertEquals(64, r.imp.size());
            assertEquals("63", r.imp.get(63).id);
        });
        check("whitespace-around-root.json", r -> assertEquals("req-1", r.id));
        check("id-not-first-key.json", r -> {
            assertEquals("req-last", r.id);
            assertEquals(120, r.tmax);
            assertEquals(250, r.imp.get(0).banner.h);
            assertEquals("s1", r.site.id);
        });
        check(GENERATED + "site-page-at-string-limit", r -> {
            assertEquals(32_768, r.site.page.length());
            assertTrue(r.site.page.startsWith("https://example.com/"));
        });
    }

    // ---------------------------------------------------------------------------------------------------------------
    // generated cases

    /** Bytes of a {@code generated:} case; a name without a builder fails the test. */
    static byte[] generated(String name) {
        String head = "{\"id\":\"req-1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],";
        switch (name) {
            case "invalid-utf8-in-site-name":
                // 0xC3 starts a 2-byte sequence; '(' is not a continuation byte
                return concat(ascii(head + "\"site\":{\"name\":\"caf"), bytes(0xC3, 0x28), ascii("\"}}"));
            case "invalid-utf8-in-key":
                return concat(ascii(head + "\"si"), bytes(0xFF), ascii("te\":{\"id\":\"s1\"}}"));
            case "invalid-utf8-in-imp-ext":
                // a lone continuation byte inside ext, which the decoder keeps as raw text
                return concat(ascii("{\"id\":\"req-1\",\"imp\":[{\"id\":\"1\",\"banner\":{},\"ext\":{\"note\":\"a"),
                        bytes(0x80), ascii("b\"}}]}"));
            case "invalid-utf8-in-unknown-field":
                // "résumé" sent as ISO-8859-1: 0xE9 announces a 3-byte sequence that never comes
                return concat(ascii(head + "\"x-title\":\"r"), bytes(0xE9), ascii("sum"), bytes(0xE9),
                        ascii("\"}"));
            case "invalid-utf8-truncated-sequence":
                // U+65E5 is E6 97 A5; the last byte is missing
                return concat(ascii(head + "\"site\":{\"name\":\""), bytes(0xE6, 0x97), ascii("\"}}"));
            case "invalid-utf8-overlong-slash":
                // C0 AF is an overlong '/', forbidden by RFC 3629
                return concat(ascii(head + "\"site\":{\"page\":\"https:"), bytes(0xC0, 0xAF),
                        ascii("example.com\"}}"));
            case "invalid-utf8-encoded-surrogate":
                // U+1F600 as two UTF-8-encoded surrogates (CESU-8), not valid UTF-8
                return concat(ascii(head + "\"site\":{\"name\":\""), bytes(0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80),
                        ascii("\"}}"));
            case "invalid-utf8-between-tokens":
                return concat(ascii("{\"id\":\"req-1\","), bytes(0xFF),
                        ascii("\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}]}"));
            case "nesting-10000-in-imp-ext":
                return ascii("{\"id\":\"req-1\",\"imp\":[{\"id\":\"1\",\"banner\":{},\"ext\":"
                        + "{\"k\":".repeat(10_000) + "1" + "}".repeat(10_000) + "}]}");
            case "nesting-10000-arrays-in-root-ext":
                return ascii(head + "\"ext\":{\"a\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}}");
            case "site-page-at-string-limit":
                return ascii(requestWithPage(pageOfLength(DecodeLimits.defaults().maxStringLength())));
            case "site-page-over-string-limit":
                return ascii(requestWithPage(pageOfLength(DecodeLimits.defaults().maxStringLength() + 1)));
            default:
                return fail("no generator for generated:" + name);
        }
    }

    private static String pageOfLength(int length) {
        String prefix = "https://example.com/";
        return prefix + "a".repeat(length - prefix.length());
    }

    private static String requestWithPage(String page) {
        return "{\"id\":\"req-1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
                + "\"site\":{\"id\":\"s1\",\"page\":\"" + page + "\"}}";
    }

    private static String requestWithImps(int count) {
        StringBuilder sb = new StringBuilder("{\"id\":\"req-imps\",\"imp\":[");
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"id\":\"").append(i).append("\",\"banner\":{\"w\":300,\"h\":250}}");
        }
        return sb.append("]}").toString();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // helpers

    private static void assertOutcome(Case c, Outcome outcome) {
        if (c.isAccepted()) {
            if (outcome.request() == null) {
                fail(c.file() + " should be accepted but was refused: " + outcome.reason() + " at '"
                        + outcome.path() + "'");
            }
            Consumer<BidRequest> check = CHECKS.get(c.file());
            assertNotNull(check, "accepted case without a check in CHECKS: " + c.file());
            check.accept(outcome.request());
        } else {
            if (outcome.request() != null) {
                fail(c.file() + " should be refused with " + c.reason() + " at '" + c.path() + "' but was accepted");
            }
            assertEquals(c.reason(), outcome.reason(), c.file() + " reason (path was '" + outcome.path() + "')");
            if (!ANY_PATH.equals(c.path())) {
                assertEquals(c.path(), outcome.path(), c.file() + " path");
            }
        }
    }

    private static Outcome decode(BidRequestDecoder decoder, byte[] json, int offset, int length) {
        try {
            BidRequest request = decoder.decode(json, offset, length);
            assertNotNull(request, "decode never returns null");
            return new Outcome(request, null, null);
        } catch (InvalidRequestException e) {
            assertNotNull(e.reason(), "a refusal always has a reason");
            assertNotNull(e.path(), "a refusal always has a path");
            return new Outcome(null, e.reason(), e.path());
        }
    }

    private static BidRequest decodeOk(BidRequestDecoder decoder, byte[] json) {
        Outcome outcome = decode(decoder, json, 0, json.length);
        if (outcome.request() == null) {
            fail("refused: " + outcome.reason() + " at '" + outcome.path() + "'");
        }
        return outcome.request();
    }

    private static void assertJsonEquals(String expected, String actual) {
        try {
            assertEquals(JSON.readTree(expected), JSON.readTree(actual), actual);
        } catch (IOException e) {
            fail("not JSON: " + actual, e);
        }
    }

    static byte[] bytesOf(String file) throws IOException {
        if (file.startsWith(GENERATED)) {
            return generated(file.substring(GENERATED.length()));
        }
        return resource(file);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = EdgeCaseCorpusTest.class.getResourceAsStream(DIR + name)) {
            assertNotNull(in, "missing test resource " + DIR + name);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    private static Path corpusDir() {
        URL tsv = EdgeCaseCorpusTest.class.getResource(DIR + "expected.tsv");
        assertNotNull(tsv, "missing " + DIR + "expected.tsv");
        try {
            return Paths.get(tsv.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        int length = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }
}
