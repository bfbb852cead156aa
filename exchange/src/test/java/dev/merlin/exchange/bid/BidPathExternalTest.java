package dev.merlin.exchange.bid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.AuctionConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.AuctionIds;
import dev.merlin.exchange.auction.ExternalBid;
import dev.merlin.exchange.auction.ExternalBids;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.protocol.model.Bid;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bid path with DSP bids in the auction stage: a DSP's win is recorded with the {@link ExternalWinRecorder}
 * instead of a campaign commitment, a refusal takes back every commitment of the auction and answers no bid, a DSP
 * bid left out of the answer has its win released, and each request starts with no DSP bids and its own time
 * budget. Real stores in a temp dir and the embedded demo campaigns.
 */
class BidPathExternalTest {

    private static final long NOW = 1_796_000_000L;
    private static final String IFA = "6D92078A-8246-4BA4-AE5B-76104861E7DC";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;
    private MerlinConfig config;
    private ExchangeRuntime runtime;
    private final Recorder recorder = new Recorder();
    /** What the stage adds before it runs the engine: {dsp imp index, price micros}. */
    private final List<long[]> dspBids = new ArrayList<>();
    private String dspMarkup = "<div>dsp</div>";
    private int bidsSeenAtStart = -1;
    private long nanos = 5_000_000_000L;

    @BeforeEach
    void open() {
        MerlinConfig loaded = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                .withStores(new StoresConfig(10_000L, null, null, null, 10_000L, 10_000L));
        config = loaded.withExchange(loaded.exchange().withPublicUrl("https://merlin.example"));
        runtime = ExchangeRuntime.open(config, new ExchangeMetrics(), () -> NOW);
        runtime.stores().segments().add(IFA, config.segmentId("sports-fans"), NOW + 86_400, NOW);
    }

    @AfterEach
    void close() {
        runtime.close();
    }

    /** Records what the path asked of it; refuses when told to. */
    private static final class Recorder implements ExternalWinRecorder {
        final List<String> calls = new ArrayList<>();
        boolean isFull;
        int lastLossCode = Integer.MIN_VALUE;
        long lastClearingMicros = -1;

        @Override
        public boolean record(long auctionId, String impId, ExternalBid winner, long chargeMicros,
                              long nowEpochSeconds) {
            calls.add("record " + AuctionIds.format(auctionId) + " " + impId + " " + winner.dspId + " "
                    + chargeMicros + " " + nowEpochSeconds);
            // the winner is pooled: what outlives the call is copied
            lastLossCode = winner.lossCode;
            lastClearingMicros = winner.clearingMicros;
            return !isFull;
        }

        @Override
        public void release(long auctionId, String impId) {
            calls.add("release " + AuctionIds.format(auctionId) + " " + impId);
        }
    }

    private BidPath path() {
        return BidPath.builder()
                .decodeLimits(config.requests().toDecodeLimits())
                .maxResponseBytes(config.server().maxResponseBytes())
                .campaigns(runtime.catalog(), runtime.currencies(), config.exchange().takeRate())
                .links(runtime.noticeUrls(), 2_000)
                .spend(runtime.stores().spend())
                .frequency(runtime.stores().frequency())
                .consent(runtime.consent())
                .segments(runtime.stores().segments())
                .userHash(runtime.userHash())
                .auctionIds(new AuctionIds(config.exchange().nodeId(), NOW * 1000L))
                .events(runtime.stores().events())
                .metrics(new ExchangeMetrics())
                .clock(() -> NOW)
                .nanoClock(() -> nanos)
                .auctionTiming(AuctionConfig.builder().defaultTmaxMs(200).maxTmaxMs(1000).minTmaxMs(20)
                        .responseMarginMs(10).build())
                .externalWins(recorder)
                .auctionStage(this::stage)
                .build();
    }

    private void stage(BidContext context) {
        ExternalBids bids = context.externalBids();
        bidsSeenAtStart = bids.count();
        for (long[] dsp : dspBids) {
            ExternalBid bid = bids.add();
            bid.dsp = 0;
            bid.dspId = "tokyo-dsp";
            bid.seat = "seat-t";
            bid.currency = "USD";
            bid.impIndex = (int) dsp[0];
            bid.bidMicros = dsp[1];
            bid.priceMicros = dsp[1];
            bid.bid = new Bid();
            bid.bid.id = "b1";
            bid.bid.crid = "cr-t";
            bid.bid.adm = dspMarkup;
            bid.bid.adomain = List.of("brand.example");
        }
        context.runEngine();
        context.resume();
    }

    private record Answer(int status, String body, String reason, long auctionId) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    private Answer answer(BidPath path, String request, Long arrivalNanos) {
        List<Answer> answers = new ArrayList<>();
        BidCompletion<String> completion = (answer, attachment) -> answers.add(new Answer(answer.status(),
                answer.body().getStringWithoutLengthUtf8(0, answer.bodyLength()), answer.reason(),
                answer.auctionId()));
        byte[] bytes = request.getBytes(StandardCharsets.UTF_8);
        if (arrivalNanos == null) {
            path.handle(bytes, 0, bytes.length, "demo-ssp", "x", completion);
        } else {
            path.handle(bytes, 0, bytes.length, "demo-ssp", arrivalNanos, "x", completion);
        }
        assertEquals(1, answers.size());
        return answers.get(0);
    }

    /** Two secure banner imps in a news app for the segment user; {@code kaze-sports-fans-apac} wins them. */
    private static String news(String extra) {
        String imp = "\"banner\":{\"w\":300,\"h\":250},\"bidfloor\":0.5,\"bidfloorcur\":\"USD\",\"secure\":1}";
        return "{\"id\":\"news-1\",\"at\":2,\"cur\":[\"USD\"]," + extra + "\"imp\":[{\"id\":\"1\"," + imp
                + ",{\"id\":\"2\"," + imp + "],"
                + "\"app\":{\"id\":\"a1\",\"bundle\":\"jp.example.news\",\"cat\":[\"IAB12\"]},"
                + "\"device\":{\"ifa\":\"" + IFA + "\",\"devicetype\":4,\"os\":\"iOS\",\"lmt\":0,"
                + "\"geo\":{\"country\":\"JPN\",\"region\":\"13\"}}}";
    }

    @Test
    void aDspWinIsRecordedInsteadOfACommitmentAndAnswered() throws IOException {
        dspBids.add(new long[] {1, 50_000_000});
        Answer answer = answer(path(), news(""), null);
        assertEquals(BidAnswer.OK, answer.status(), answer.reason());
        JsonNode response = answer.json();
        JsonNode dspSeat = response.path("seatbid").path(1);
        assertEquals("seat-t", dspSeat.path("seat").asText());
        assertEquals("2", dspSeat.path("bid").path(0).path("impid").asText());
        assertEquals("<div>dsp</div>", dspSeat.path("bid").path(0).path("adm").asText());
        assertEquals(1, recorder.calls.size(), recorder.calls.toString());
        String record = recorder.calls.get(0);
        assertTrue(record.startsWith("record " + AuctionIds.format(answer.auctionId()) + " 2 tokyo-dsp "), record);
        assertTrue(record.endsWith(" " + NOW), record);
        assertEquals(1, runtime.stores().spend().openCommitments(), "only the campaign's imp holds a commitment");
        assertEquals(ExternalBid.WON, recorder.lastLossCode);
        assertTrue(recorder.lastClearingMicros > 0 && recorder.lastClearingMicros <= 50_000_000);
    }

    @Test
    void aRefusedDspWinIsANoBidWithTheCampaignsCommitmentTakenBack() {
        dspBids.add(new long[] {1, 50_000_000});
        recorder.isFull = true;
        Answer answer = answer(path(), news(""), null);
        assertEquals(BidAnswer.NO_CONTENT, answer.status());
        assertEquals("commitments_full", answer.reason());
        assertEquals(0, runtime.stores().spend().openCommitments());
        assertEquals(1, recorder.calls.size(), "nothing of the DSP's to release: it was never recorded");
    }

    @Test
    void anEarlierDspWinIsReleasedWhenALaterOneIsRefused() {
        dspBids.add(new long[] {0, 50_000_000});
        dspBids.add(new long[] {1, 50_000_000});
        ExternalWinRecorder refusesSecond = new ExternalWinRecorder() {
            @Override
            public boolean record(long auctionId, String impId, ExternalBid winner, long chargeMicros, long now) {
                recorder.record(auctionId, impId, winner, chargeMicros, now);
                return "1".equals(impId);
            }

            @Override
            public void release(long auctionId, String impId) {
                recorder.release(auctionId, impId);
            }
        };
        BidPath path = BidPath.builder()
                .decodeLimits(config.requests().toDecodeLimits()).maxResponseBytes(1 << 20)
                .campaigns(runtime.catalog(), runtime.currencies(), config.exchange().takeRate())
                .links(runtime.noticeUrls(), 2_000).spend(runtime.stores().spend())
                .frequency(runtime.stores().frequency()).consent(runtime.consent())
                .segments(runtime.stores().segments()).userHash(runtime.userHash())
                .auctionIds(new AuctionIds(config.exchange().nodeId(), NOW * 1000L))
                .events(runtime.stores().events()).metrics(new ExchangeMetrics()).clock(() -> NOW)
                .externalWins(refusesSecond).auctionStage(this::stage).build();
        Answer answer = answer(path, news(""), null);
        assertEquals("commitments_full", answer.reason());
        assertEquals(3, recorder.calls.size(), recorder.calls.toString());
        assertTrue(recorder.calls.get(2).startsWith("release "), recorder.calls.toString());
        assertTrue(recorder.calls.get(2).endsWith(" 1"), recorder.calls.toString());
    }

    @Test
    void aDspBidLeftOutOfTheAnswerHasItsWinReleased() throws IOException {
        dspBids.add(new long[] {1, 50_000_000});
        dspMarkup = "x".repeat(2_001);
        Answer answer = answer(path(), news(""), null);
        assertEquals(BidAnswer.OK, answer.status());
        assertEquals(1, answer.json().path("seatbid").size(), "the campaign's bid still goes out");
        assertEquals(2, recorder.calls.size(), recorder.calls.toString());
        assertEquals("release " + AuctionIds.format(answer.auctionId()) + " 2", recorder.calls.get(1));
    }

    @Test
    void aTestRequestRecordsNoDspWin() {
        dspBids.add(new long[] {1, 50_000_000});
        Answer answer = answer(path(), news("\"test\":1,"), null);
        assertEquals(BidAnswer.OK, answer.status());
        assertEquals(List.of(), recorder.calls);
        assertEquals(0, runtime.stores().spend().openCommitments());
    }

    @Test
    void eachRequestStartsWithoutDspBidsAndWithItsOwnDeadline() {
        BidPath path = path();
        List<BidContext> seen = new ArrayList<>();
        dspBids.add(new long[] {1, 50_000_000});
        BidPath watching = BidPath.builder()
                .decodeLimits(config.requests().toDecodeLimits()).maxResponseBytes(1 << 20)
                .campaigns(runtime.catalog(), runtime.currencies(), config.exchange().takeRate())
                .links(runtime.noticeUrls(), 2_000).spend(runtime.stores().spend())
                .frequency(runtime.stores().frequency()).consent(runtime.consent())
                .segments(runtime.stores().segments()).userHash(runtime.userHash())
                .auctionIds(new AuctionIds(config.exchange().nodeId(), NOW * 1000L))
                .events(runtime.stores().events()).metrics(new ExchangeMetrics()).clock(() -> NOW)
                .nanoClock(() -> nanos)
                .auctionTiming(AuctionConfig.builder().defaultTmaxMs(200).maxTmaxMs(1000).minTmaxMs(20)
                        .responseMarginMs(10).build())
                .auctionStage(context -> {
                    seen.add(context);
                    assertEquals(0, context.externalBids().count());
                    stage(context);
                }).build();
        answer(watching, news("\"tmax\":150,"), 1_000L);
        BidContext context = seen.get(0);
        assertEquals(1_000L, context.startNanos());
        assertEquals(1_000L + TimeUnit.MILLISECONDS.toNanos(140), context.deadlineNanos());
        assertEquals(0, context.externalBids().count(), "emptied once answered");
        answer(watching, news("\"tmax\":5000,"), null);
        assertSame(context, seen.get(1), "the pooled context again");
        assertEquals(nanos, context.startNanos(), "the nano clock when not told the arrival");
        assertEquals(nanos + TimeUnit.MILLISECONDS.toNanos(990), context.deadlineNanos(), "tmax capped at 1000");
        answer(path, news(""), null);
        assertEquals(0, bidsSeenAtStart);
    }
}
