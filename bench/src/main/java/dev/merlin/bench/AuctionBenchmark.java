package dev.merlin.bench;

import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.auction.AuctionEngine;
import dev.merlin.exchange.auction.AuctionResult;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.FrequencyView;
import dev.merlin.exchange.auction.SpendView;
import dev.merlin.exchange.segments.SegmentSet;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.model.BidRequest;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The advertisers' auction for one typical request over {@code campaigns} synthetic campaigns: the
 * {@link AuctionEngine} (targeting index of bitsets, then per-candidate floors, blocks and price) beside a naive
 * scan of every campaign's targeting in the same run. SampleTime gives p50/p99/p99.9.
 *
 * <p>Budgets and frequency are the in-memory views ({@link SpendView#UNLIMITED}, {@link FrequencyView#NONE}):
 * this measures targeting and pricing; the stores have their own benchmarks. Allocation allowance for
 * {@code indexedAuction}: 0 B/op (the engine reuses its bitsets and result). Setup checks both find the same
 * winner at the same price.
 *
 * <p>The engine's cost is meant to stay flat in the number of campaigns: it walks candidates from the highest bid
 * down and stops once none left can change the winner or the price; {@link #unmatchedAuction} is its worst case, a
 * request no campaign matches, where every block of candidates is computed. {@link #main} prints how long the
 * catalog and its targeting index take to build and the heap they hold per campaign.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(2)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class AuctionBenchmark {

    /** The seller the requests come from: the synthetic network buys no deals, from it or any other. */
    private static final String SELLER = "bench-ssp";

    /** Number of synthetic campaigns; the gate runs 100,000 only ({@code GATE_JMH} in the Makefile). */
    @Param({"1000", "10000", "100000", "1000000"})
    public int campaigns;

    private BidRequest request;
    private BidRequest unmatchedRequest;
    private SegmentSet segments;
    private AuctionEngine engine;
    private AuctionResult result;
    private NaiveScanAuction naive;
    private long[] naivePrice;
    private long nowEpochSeconds;

    /** Builds the network, the engine and the baseline, and checks they agree. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        MerlinConfig config = SyntheticCampaigns.network(campaigns, 42);
        CampaignCatalog catalog = new CampaignCatalog(config);
        engine = new AuctionEngine(catalog, new Currencies(config.exchange()), config.exchange().takeRate(),
                SpendView.UNLIMITED, FrequencyView.NONE);
        result = new AuctionResult(4);
        byte[] json = SyntheticCampaigns.typicalRequest();
        request = new BidRequestDecoder().decode(json, 0, json.length);
        byte[] unmatched = SyntheticCampaigns.unmatchedRequest();
        unmatchedRequest = new BidRequestDecoder().decode(unmatched, 0, unmatched.length);
        segments = new SegmentSet();
        for (int s : SyntheticCampaigns.typicalSegments()) {
            segments.add(s);
        }
        naive = new NaiveScanAuction(config);
        naivePrice = new long[1];
        nowEpochSeconds = 1_796_000_000L;
        engine.run(request, SELLER, segments, 0x5eedL, nowEpochSeconds, result);
        int naiveWinner = naive.run(request, segments, naivePrice);
        if (result.count() != 1 || result.campaign(0).index() != naiveWinner
                || result.priceMicros(0) != naivePrice[0]) {
            throw new IllegalStateException("engine and naive scan disagree: engine "
                    + (result.count() == 0 ? "no bid" : result.campaign(0).id() + " @" + result.priceMicros(0))
                    + ", naive " + naiveWinner + " @" + naivePrice[0]);
        }
        engine.run(unmatchedRequest, SELLER, segments, 0x5eedL, nowEpochSeconds, result);
        if (result.count() != 0 || naive.run(unmatchedRequest, segments, naivePrice) != -1) {
            throw new IllegalStateException("a campaign won the 1x1 imp no synthetic campaign has a creative for");
        }
    }

    /** The exchange's auction: candidates from the targeting index. */
    @Benchmark
    public int indexedAuction() {
        engine.run(request, SELLER, segments, 0x5eedL, nowEpochSeconds, result);
        return result.count();
    }

    /**
     * The early stop's worst case: the typical request with a 1x1 imp no campaign has a creative for, so the engine
     * computes every block of candidates and finds none (a no-bid).
     */
    @Benchmark
    public int unmatchedAuction() {
        engine.run(unmatchedRequest, SELLER, segments, 0x5eedL, nowEpochSeconds, result);
        return result.count();
    }

    /** Baseline: scan every campaign. */
    @Benchmark
    public int naiveScan() {
        return naive.run(request, segments, naivePrice);
    }

    /** Candidates the index leaves for the typical request (printed by {@link #main}). */
    int candidates() {
        engine.run(request, SELLER, segments, 0x5eedL, nowEpochSeconds, result);
        return result.candidatesSeen();
    }

    /**
     * Prints the build time and heap per campaign of the catalog with its targeting index, then how many candidates
     * the engine looks at for the typical request; {@code args[0]} is the number of campaigns (10,000).
     */
    public static void main(String[] args) throws Exception {
        AuctionBenchmark bench = new AuctionBenchmark();
        bench.campaigns = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        printBuildCost(bench.campaigns);
        bench.setUp();
        System.out.println(bench.campaigns + " campaigns, " + bench.candidates() + " candidates looked at, "
                + "winner " + bench.result.campaign(0).id() + " at " + bench.result.priceMicros(0) + " micros");
    }

    /** Builds the catalog of {@code campaigns} synthetic campaigns and prints how long it took and what it holds. */
    private static void printBuildCost(int campaigns) {
        long startNanos = System.nanoTime();
        MerlinConfig config = SyntheticCampaigns.network(campaigns, 42);
        long configNanos = System.nanoTime() - startNanos;
        long heapBefore = usedHeapAfterGc();
        startNanos = System.nanoTime();
        CampaignCatalog catalog = new CampaignCatalog(config);
        long buildNanos = System.nanoTime() - startNanos;
        long heapAfter = usedHeapAfterGc();
        System.out.printf("%,d campaigns: config generated and validated in %.2f s; catalog and targeting index built"
                        + " in %.2f s, holding %,d bytes per campaign (heap after GC; the config is extra)%n",
                catalog.size(), configNanos / 1e9, buildNanos / 1e9, (heapAfter - heapBefore) / catalog.size());
    }

    private static long usedHeapAfterGc() {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
