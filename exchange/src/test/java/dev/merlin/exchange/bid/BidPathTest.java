package dev.merlin.exchange.bid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.HoldoutConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.PrivacyConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.AuctionIds;
import dev.merlin.exchange.catalogue.CatalogueEdits;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.Holdout;
import dev.merlin.exchange.privacy.RefusalReason;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.InvalidRequestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bid path without any transport: real stores in a temp dir, the embedded demo campaigns, answers read back as
 * the HTTP endpoint would send them. Covers each outcome (bid, each no-bid, 400, opt-out, test request), the sample
 * corpus, and the seam for stages that finish later.
 */
class BidPathTest {

    private static final long NOW = 1_796_000_000L;
    private static final String IFA = "6D92078A-8246-4BA4-AE5B-76104861E7DC";
    private static final String SELLER = "demo-ssp";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> NO_BID_REASONS = Set.of("no_candidates", "no_eligible", "unknown_currency",
            "no_secure_url", "commitments_full", "markup_too_long", "response_too_large");

    @TempDir
    Path dataDir;
    private MerlinConfig config;
    private ExchangeMetrics metrics;
    private ExchangeRuntime runtime;
    private BidPath path;

    @BeforeEach
    void open() {
        MerlinConfig loaded = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                .withStores(new StoresConfig(10_000L, null, null, null, 10_000L, 10_000L));
        // the news request's imp is secure: serve it as a node behind a TLS-terminating proxy would
        config = loaded.withExchange(loaded.exchange().withPublicUrl("https://merlin.example"));
        metrics = new ExchangeMetrics();
        runtime = ExchangeRuntime.open(config, metrics, () -> NOW);
        runtime.stores().segments().add(IFA, config.segmentId("sports-fans"), NOW + 86_400, NOW);
        path = runtime.newBidPath();
    }

    @AfterEach
    void close() {
        runtime.close();
    }

    /** What a completion saw: every call, copied while the answer was valid. */
    private static final class Answers implements BidCompletion<String> {
        final List<Answer> seen = new ArrayList<>();

        @Override
        public void complete(BidAnswer answer, String attachment) {
            seen.add(new Answer(answer.status(), answer.body().getStringWithoutLengthUtf8(0, answer.bodyLength()),
                    answer.reason(), answer.auctionId(), attachment));
        }

        Answer only() {
            assertEquals(1, seen.size(), "the completion runs exactly once");
            return seen.get(0);
        }
    }

    private record Answer(int status, String body, String reason, long auctionId, String attachment) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    private Answer answer(BidPath bidPath, String request) {
        Answers answers = new Answers();
        byte[] bytes = request.getBytes(StandardCharsets.UTF_8);
        bidPath.handle(bytes, 0, bytes.length, SELLER, "attached", answers);
        Answer answer = answers.only();
        assertEquals("attached", answer.attachment());
        return answer;
    }

    private static String news(String id, String extra) {
        return "{\"id\":\"" + id + "\",\"at\":2,\"tmax\":150,\"cur\":[\"USD\"]," + extra + "\"imp\":[{\"id\":\"1\","
                + "\"banner\":{\"w\":300,\"h\":250,\"format\":[{\"w\":300,\"h\":250},{\"w\":320,\"h\":50}]},"
                + "\"bidfloor\":0.5,\"bidfloorcur\":\"USD\",\"secure\":1}],"
                + "\"app\":{\"id\":\"a1\",\"bundle\":\"jp.example.news\",\"cat\":[\"IAB12\"],"
                + "\"publisher\":{\"id\":\"p1\",\"name\":\"Example News\"}},"
                + "\"device\":{\"ua\":\"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)\","
                + "\"ip\":\"203.0.113.9\","
                + "\"ifa\":\"" + IFA + "\",\"devicetype\":4,\"make\":\"Apple\",\"model\":\"iPhone\",\"os\":\"iOS\","
                + "\"osv\":\"17.0\",\"lmt\":0,\"geo\":{\"country\":\"JPN\",\"region\":\"13\",\"type\":2}},"
                + "\"regs\":{\"coppa\":0},\"source\":{\"tid\":\"t-1\"}}";
    }

    private static String firstCampaign(JsonNode response) {
        return response.path("seatbid").path(0).path("bid").path(0).path("cid").asText();
    }

    @Test
    void theSegmentUserGetsTheSegmentCampaignsBidWithItsCommitmentRecorded() throws IOException {
        Answer answer = answer(path, news("news-1", ""));

        assertEquals(BidAnswer.OK, answer.status());
        assertNull(answer.reason());
        JsonNode response = answer.json();
        assertEquals("news-1", response.path("id").asText());
        assertEquals("kaze-sports-fans-apac", firstCampaign(response));
        assertEquals(AuctionIds.format(answer.auctionId()), response.path("bidid").asText());
        assertEquals("USD", response.path("cur").asText());
        assertEquals(1, runtime.stores().spend().openCommitments(),
                "the bid's commitment is recorded before it leaves");
        assertEquals(1, metrics.bids());
        assertEquals(1, path.pool().freeCount(), "the context went back to the pool");
    }

    @Test
    void anUnknownCurrencyIsANoBidBeforeTheAuction() {
        Answer answer = answer(path, news("news-1", "").replace("\"cur\":[\"USD\"]", "\"cur\":[\"XTS\"]"));

        assertEquals(BidAnswer.NO_CONTENT, answer.status());
        assertEquals("unknown_currency", answer.reason());
        assertEquals("", answer.body());
        assertEquals(1, metrics.noBids("unknown_currency"));
        assertEquals(0, runtime.stores().spend().openCommitments());
    }

    @Test
    void aFloorNobodyMeetsIsANoBidWithItsReasonCounted() {
        Answer answer = answer(path, news("news-1", "").replace("\"bidfloor\":0.5", "\"bidfloor\":500"));

        assertEquals(BidAnswer.NO_CONTENT, answer.status());
        assertTrue(NO_BID_REASONS.contains(answer.reason()), answer.reason());
        assertEquals(1, metrics.noBids(answer.reason()));
        assertEquals(0, answer.auctionId());
        assertEquals(0, runtime.stores().spend().openCommitments());
    }

    @Test
    void anInvalidRequestIsA400WithTheDecodersMessageAndPath() throws IOException {
        String invalid = news("news-1", "")
                .replace("\"w\":300,\"h\":250,\"format\"", "\"w\":-300,\"h\":250,\"format\"");
        InvalidRequestException expected = decoderRefusal(invalid);

        Answer answer = answer(path, invalid);

        assertEquals(BidAnswer.BAD_REQUEST, answer.status());
        assertEquals(expected.reason().label(), answer.reason());
        assertEquals(expected.getMessage(), answer.json().path("error").asText());
        assertEquals(expected.path(), answer.json().path("path").asText());
        assertEquals("imp[0].banner.w", answer.json().path("path").asText());
        assertEquals(1, metrics.bidRequestsRejected(expected.reason()));
    }

    @Test
    void anOptedOutUserGetsAContextualAuction() throws IOException {
        runtime.stores().optOuts().add(IFA, NOW);

        Answer answer = answer(path, news("news-1", ""));

        assertEquals(1, metrics.contextualOnlyCount(RefusalReason.USER_OPT_OUT));
        if (answer.status() == BidAnswer.OK) {
            assertNotEquals("kaze-sports-fans-apac", firstCampaign(answer.json()), "no segment without consent");
        } else {
            assertEquals(BidAnswer.NO_CONTENT, answer.status());
        }
    }

    @Test
    void aHeldOutUserGetsAContextualAuctionCountedInTheControlArm() throws IOException {
        reopen(new HoldoutConfig(1.0, List.of("JPN")));

        Answer answer = answer(path, news("news-1", ""));

        assertEquals(1, metrics.contextualOnlyCount(RefusalReason.HOLDOUT));
        assertEquals(1, metrics.rolloutAuctions(Holdout.CONTROL, answer.status() == BidAnswer.OK));
        assertEquals(0, metrics.rolloutAuctions(Holdout.TREATMENT, true) + metrics.rolloutAuctions(Holdout.TREATMENT,
                false));
        if (answer.status() == BidAnswer.OK) {
            assertNotEquals("kaze-sports-fans-apac", firstCampaign(answer.json()), "no segment in the control group");
        }
    }

    @Test
    void aUserOutsideTheControlGroupGetsTheRolloutCountedInTheTreatmentArm() throws IOException {
        // a share of 1e-12 holds out nobody in practice (9 buckets of 2^53), yet puts every JPN user in the trial
        reopen(new HoldoutConfig(1e-12, List.of("JPN")));

        Answer answer = answer(path, news("news-1", ""));

        assertEquals("kaze-sports-fans-apac", firstCampaign(answer.json()), "the treatment uses the segment");
        assertEquals(1, metrics.rolloutAuctions(Holdout.TREATMENT, true));
        assertEquals(0, metrics.contextualOnlyCount(RefusalReason.HOLDOUT));
        answer(path, news("news-2", "").replace("\"country\":\"JPN\"", "\"country\":\"KOR\""));
        assertEquals(1, metrics.rolloutAuctions(Holdout.TREATMENT, true) + metrics.rolloutAuctions(
                Holdout.TREATMENT, false), "a country outside the holdout is in no arm");
    }

    /** Reopens the runtime with the demo's privacy settings and {@code holdout}. */
    private void reopen(HoldoutConfig holdout) {
        runtime.close();
        PrivacyConfig demo = config.privacy();
        config = config.withPrivacy(PrivacyConfig.builder().vendorId(demo.vendorId())
                .requiredPurposes(demo.requiredPurposes()).personalizationCountries(demo.personalizationCountries())
                .holdout(holdout).build()).validate();
        metrics = new ExchangeMetrics();
        runtime = ExchangeRuntime.open(config, metrics, () -> NOW);
        runtime.stores().segments().add(IFA, config.segmentId("sports-fans"), NOW + 86_400, NOW);
        path = runtime.newBidPath();
    }

    @Test
    void aRefusalByTheRequestsOwnSignalsKeepsItsReasonForAnOptedOutUser() {
        runtime.stores().optOuts().add(IFA, NOW);

        answer(path, news("news-1", "").replace("\"lmt\":0", "\"lmt\":1"));

        assertEquals(1, metrics.contextualOnlyCount(RefusalReason.LMT));
        assertEquals(0, metrics.contextualOnlyCount(RefusalReason.USER_OPT_OUT));
    }

    @Test
    void aTestRequestBidsButCommitsNothing() throws IOException {
        Answer answer = answer(path, news("news-1", "\"test\":1,"));

        assertEquals(BidAnswer.OK, answer.status());
        assertEquals("kaze-sports-fans-apac", firstCampaign(answer.json()));
        assertEquals(0, runtime.stores().spend().openCommitments(), "a test request's commitment is cancelled");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void everySampleGetsAnAnswerLikeTheDecoderAndTheAuctionSay(Path sample) throws IOException {
        byte[] bytes = Files.readAllBytes(sample);
        InvalidRequestException refusal = decoderRefusal(new String(bytes, StandardCharsets.UTF_8));

        Answer answer = answer(path, new String(bytes, StandardCharsets.UTF_8));

        if (refusal != null) {
            assertEquals(BidAnswer.BAD_REQUEST, answer.status(), answer.body());
            assertEquals(refusal.getMessage(), answer.json().path("error").asText());
            assertEquals(refusal.path() == null ? null : refusal.path(),
                    answer.json().has("path") ? answer.json().path("path").asText() : null);
        } else if (answer.status() == BidAnswer.OK) {
            JsonNode response = answer.json();
            assertEquals(JSON.readTree(bytes).path("id").asText(), response.path("id").asText());
            assertEquals(AuctionIds.format(answer.auctionId()), response.path("bidid").asText());
            assertTrue(response.path("seatbid").path(0).path("bid").path(0).path("price").asDouble() > 0);
        } else {
            assertEquals(BidAnswer.NO_CONTENT, answer.status(), answer.body());
            assertTrue(NO_BID_REASONS.contains(answer.reason()), answer.reason());
        }
        assertEquals(1, path.pool().freeCount(), "the context went back to the pool");
    }

    static Stream<Path> samples() throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("shared/openrtb-samples/requests"))) {
            dir = dir.getParent();
        }
        Assumptions.assumeTrue(dir != null, "the sample corpus shared/openrtb-samples/requests is not above "
                + Path.of("").toAbsolutePath() + ": skipped");
        try (Stream<Path> files = Files.list(dir.resolve("shared/openrtb-samples/requests"))) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    private InvalidRequestException decoderRefusal(String request) {
        byte[] bytes = request.getBytes(StandardCharsets.UTF_8);
        try {
            new BidRequestDecoder(config.requests().toDecodeLimits()).decode(bytes, 0, bytes.length);
            return null;
        } catch (InvalidRequestException e) {
            return e;
        }
    }

    /** A bid path whose auction stage only collects each context, to be finished by the test. */
    private BidPath deferredPath(List<BidContext> waiting) {
        return BidPath.builder()
                .decodeLimits(config.requests().toDecodeLimits())
                .maxResponseBytes(config.server().maxResponseBytes())
                .campaigns(runtime.catalog(), runtime.currencies(), config.exchange().takeRate())
                .links(runtime.noticeUrls(), config.server().maxMarkupLength())
                .spend(runtime.stores().spend())
                .frequency(runtime.stores().frequency())
                .consent(runtime.consent())
                .segments(runtime.stores().segments())
                .userHash(runtime.userHash())
                .auctionIds(new AuctionIds(config.exchange().nodeId(), NOW * 1000L))
                .events(runtime.stores().events())
                .metrics(metrics)
                .clock(() -> NOW)
                .auctionStage(waiting::add)
                .build();
    }

    @Test
    void everyContextOfABusyLoopIsKeptForTheNextRequests() {
        List<BidContext> waiting = new ArrayList<>();
        BidPath deferred = deferredPath(waiting);
        int inFlight = 64;  // a loop's share of 128 connections, each waiting for its DSPs
        for (int i = 0; i < inFlight; i++) {
            byte[] body = news("busy-" + i, "").getBytes(StandardCharsets.UTF_8);
            deferred.handle(body, 0, body.length, SELLER, "r" + i, new Answers());
        }
        Set<BidContext> first = Collections.newSetFromMap(new IdentityHashMap<>());
        first.addAll(waiting);
        assertEquals(inFlight, first.size(), "each request in flight holds a context of its own");
        for (BidContext context : waiting) {
            context.runEngine();
            context.resume();
        }
        assertEquals(inFlight, deferred.pool().freeCount(), "every context went back to the pool");

        waiting.clear();
        for (int i = 0; i < inFlight; i++) {
            byte[] body = news("again-" + i, "").getBytes(StandardCharsets.UTF_8);
            deferred.handle(body, 0, body.length, SELLER, "r" + i, new Answers());
        }
        assertTrue(first.containsAll(waiting), "the next requests decoded into the kept contexts, none made anew");
        assertEquals(0, deferred.pool().freeCount());
    }

    @Test
    void requestsNearTheBodyLimitLeaveOnlyAFewLargeContextsKept() {
        // an attacker's seller keeps 64 requests of 20 KB each in flight: each one's model and buffers are big,
        // and a loop must not keep them all once they are answered
        List<BidContext> waiting = new ArrayList<>();
        BidPath deferred = deferredPath(waiting);
        String pad = "\"ext\":{\"pad\":\"" + "x".repeat(20_000) + "\"},";
        for (int i = 0; i < 64; i++) {
            byte[] body = news("large-" + i, pad).getBytes(StandardCharsets.UTF_8);
            assertTrue(body.length > BidContextPool.LARGE_BYTES);
            deferred.handle(body, 0, body.length, SELLER, "r" + i, new Answers());
        }
        assertEquals(64, waiting.size(), "each request decoded and waits for its auction");
        for (BidContext context : waiting) {
            context.runEngine();
            context.resume();
        }
        assertEquals(BidContextPool.KEPT_LARGE_CONTEXTS, deferred.pool().freeCount(),
                "only a few large contexts are kept; the rest are left to the collector");

        waiting.clear();
        byte[] small = news("small", "").getBytes(StandardCharsets.UTF_8);
        deferred.handle(small, 0, small.length, SELLER, "small", new Answers());
        waiting.get(0).runEngine();
        waiting.get(0).resume();
        assertEquals(BidContextPool.KEPT_LARGE_CONTEXTS, deferred.pool().freeCount(),
                "a kept large context serves a small request and is kept again");
    }

    @Test
    void anAuctionThatFinishesLaterAnswersOnceThenAndHoldsItsContextMeanwhile() throws IOException {
        List<BidContext> waiting = new ArrayList<>();
        BidPath deferred = deferredPath(waiting);
        Answers first = new Answers();
        Answers second = new Answers();
        byte[] one = news("news-1", "").getBytes(StandardCharsets.UTF_8);
        byte[] two = news("news-2", "").getBytes(StandardCharsets.UTF_8);

        deferred.handle(one, 0, one.length, SELLER, "one", first);
        assertEquals(List.of(), first.seen, "no answer while the auction has not finished");
        deferred.handle(two, 0, two.length, SELLER, "two", second);
        assertEquals(List.of(), second.seen);
        assertEquals(2, waiting.size());
        assertNotSame(waiting.get(0), waiting.get(1), "a second request never gets a context still in flight");
        assertEquals("news-1", waiting.get(0).request().id);

        BidContext later = waiting.get(1);
        later.runEngine();
        later.resume();
        assertEquals("news-2", second.only().json().path("id").asText());
        assertEquals("two", second.only().attachment());
        assertEquals(List.of(), first.seen, "the first request still waits");
        assertThrows(IllegalStateException.class, later::resume, "a context resumes once");

        BidContext earlier = waiting.get(0);
        earlier.runEngine();
        earlier.resume();
        Answer answer = first.only();
        assertEquals(BidAnswer.OK, answer.status());
        assertEquals("news-1", answer.json().path("id").asText());
        assertEquals("one", answer.attachment());
        assertEquals(1, second.seen.size(), "the other request's completion did not run again");
        assertEquals(2, deferred.pool().freeCount(), "both contexts went back to the pool");
        assertNotNull(first.seen.get(0).body());
        if (runtime.stores().spend().openCommitments() != 2) {
            fail("each auction recorded its own commitment: " + runtime.stores().spend().openCommitments());
        }
    }
    @Test
    void anAuctionInFlightFinishesOnTheCatalogueItStartedWithWhileTheNextUsesTheNewOne() throws IOException {
        List<BidContext> waiting = new ArrayList<>();
        BidPath deferred = BidPath.builder()
                .decodeLimits(config.requests().toDecodeLimits())
                .maxResponseBytes(config.server().maxResponseBytes())
                .campaigns(runtime.liveCatalogue(), runtime.currencies(), config.exchange().takeRate())
                .links(runtime.noticeUrls(), config.server().maxMarkupLength())
                .spend(runtime.stores().spend())
                .frequency(runtime.stores().frequency())
                .consent(runtime.consent())
                .segments(runtime.stores().segments())
                .userHash(runtime.userHash())
                .auctionIds(new AuctionIds(config.exchange().nodeId(), NOW * 1000L))
                .events(runtime.stores().events())
                .metrics(metrics)
                .clock(() -> NOW)
                .auctionStage(waiting::add)
                .build();
        Answers first = new Answers();
        Answers second = new Answers();
        byte[] one = news("news-1", "").getBytes(StandardCharsets.UTF_8);
        byte[] two = news("news-2", "").getBytes(StandardCharsets.UTF_8);
        deferred.handle(one, 0, one.length, SELLER, "one", first);
        // a bid too low to win: the auction that started before it finishes on the old catalogue, at the old bid
        runtime.liveCatalogue().change("test", "PATCH campaigns[id=kaze-sports-fans-apac]", advertisers ->
                CatalogueEdits.patchCampaign(advertisers, "kaze-sports-fans-apac", "{\"bid\": {\"amount\": 0.01}}"));
        deferred.handle(two, 0, two.length, SELLER, "two", second);
        assertEquals(2, waiting.size());
        for (BidContext context : List.of(waiting.get(1), waiting.get(0))) {
            context.runEngine();
            context.resume();
        }
        assertEquals("kaze-sports-fans-apac", first.only().json().path("seatbid").path(0).path("bid").path(0)
                .path("cid").asText(), "started before the change: its auction finishes on the old catalogue");
        Answer after = second.only();
        assertFalse(after.body().contains("kaze-sports-fans-apac"), "started after the change: " + after.body());

        // a pause is another matter: no auction bids the paused campaign from the moment it is asked for, not even
        // one that started on the catalogue before it and finishes after
        runtime.liveCatalogue().change("test", "PATCH campaigns[id=kaze-sports-fans-apac]", advertisers ->
                CatalogueEdits.patchCampaign(advertisers, "kaze-sports-fans-apac", "{\"bid\": {\"amount\": 9}}"));
        Answers third = new Answers();
        byte[] three = news("news-3", "").getBytes(StandardCharsets.UTF_8);
        deferred.handle(three, 0, three.length, SELLER, "three", third);
        runtime.liveCatalogue().change("test", "PATCH campaigns[id=kaze-sports-fans-apac]", List.of(
                "kaze-sports-fans-apac"), advertisers -> CatalogueEdits.patchCampaign(advertisers,
                "kaze-sports-fans-apac", "{\"status\": \"paused\"}"));
        BidContext inFlight = waiting.get(2);
        inFlight.runEngine();
        inFlight.resume();
        assertFalse(third.only().body().contains("kaze-sports-fans-apac"), "paused while in flight: "
                + third.only().body());
    }
}
