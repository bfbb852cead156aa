package dev.merlin.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.auction.AuctionEngine;
import dev.merlin.exchange.auction.AuctionResult;
import dev.merlin.exchange.auction.BidResponseWriter;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.ExternalBid;
import dev.merlin.exchange.auction.ExternalBids;
import dev.merlin.exchange.auction.FrequencyView;
import dev.merlin.exchange.auction.NoticeUrls;
import dev.merlin.exchange.auction.PriceCrypto;
import dev.merlin.exchange.auction.SpendView;
import dev.merlin.exchange.segments.SegmentSet;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.OpenRtbDatabind;
import dev.merlin.protocol.model.Bid;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.BidResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.ExpandableArrayBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Writes the bid response of a real auction — the embedded default campaigns, a secure in-app banner won by the
 * sports-fans campaign: one seat, one bid with its three signed notice links and the markup with its click link,
 * about 1.9 KB of JSON — with {@link BidResponseWriter} into a reused buffer, as the bid path does. The baseline is
 * Jackson databind writing the same response as an object model (parsed from the writer's JSON at setup) into a
 * fresh array: what a general-purpose encoder costs for the same bytes, without building the model.
 * {@link #writerDspWinner} writes the same imp won by a DSP's bid instead: its own seat, Merlin's links naming the
 * DSP, and the DSP's markup with its macros filled, {@code ${AUCTION_PRICE}} encrypted with the DSP's price keys
 * ({@link PriceCrypto}).
 *
 * <p>Allocation allowance: none for {@link #writer} and {@link #writerDspWinner} (gated at 0 B/op); the buffer grows
 * at setup only.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(2)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class ResponseEncodeBenchmark {

    static final String IFA = "6D92078A-8246-4BA4-AE5B-76104861E7DC";
    private static final long NOW = 1_796_000_000L;
    /** The embedded default's seller. */
    private static final String SELLER = "demo-ssp";
    private static final long AUCTION_ID = 0x18f3a2c0b4500001L;

    private BidRequest request;
    private AuctionResult result;
    private AuctionResult dspResult;
    private BidResponseWriter writer;
    private String currency;
    private ExpandableArrayBuffer buffer;
    private BidResponse response;
    private ObjectMapper mapper;

    /** Runs the auction once and checks that the writer writes a bid databind reads back. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        MerlinConfig config = ConfigLoader.loadDefault();
        config = config.withExchange(config.exchange().withPublicUrl("https://merlin.example"));
        CampaignCatalog catalog = new CampaignCatalog(config);
        Currencies currencies = new Currencies(config.exchange());
        AuctionEngine engine = new AuctionEngine(catalog, currencies, config.exchange().takeRate(),
                SpendView.UNLIMITED, FrequencyView.NONE);
        byte[] json = ("{\"id\":\"news-1\",\"at\":2,\"tmax\":150,\"cur\":[\"USD\"],\"imp\":[{\"id\":\"1\","
                + "\"banner\":{\"w\":300,\"h\":250,\"format\":[{\"w\":300,\"h\":250},{\"w\":320,\"h\":50}]},"
                + "\"bidfloor\":0.5,\"bidfloorcur\":\"USD\",\"secure\":1}],"
                + "\"app\":{\"id\":\"a1\",\"bundle\":\"jp.example.news\",\"cat\":[\"IAB12\"],"
                + "\"publisher\":{\"id\":\"p1\",\"name\":\"Example News\"}},"
                + "\"device\":{\"ua\":\"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)\","
                + "\"ip\":\"203.0.113.9\",\"ifa\":\"" + IFA + "\",\"devicetype\":4,\"make\":\"Apple\","
                + "\"model\":\"iPhone\",\"os\":\"iOS\",\"osv\":\"17.0\",\"lmt\":0,"
                + "\"geo\":{\"country\":\"JPN\",\"region\":\"13\",\"type\":2}},"
                + "\"regs\":{\"coppa\":0},\"source\":{\"tid\":\"t-1\"}}").getBytes(StandardCharsets.UTF_8);
        request = new BidRequestDecoder(config.requests().toDecodeLimits()).decode(json, 0, json.length);
        SegmentSet segments = new SegmentSet();
        segments.add(config.segmentId("sports-fans"));
        result = new AuctionResult(config.requests().maxImps());
        engine.run(request, SELLER, segments, 0x5eedL, NOW, result);
        PriceCrypto keys = new PriceCrypto(new byte[32], "bench-integrity-key".getBytes(StandardCharsets.UTF_8));
        writer = new BidResponseWriter(currencies, new NoticeUrls(config.exchange().publicUrl(),
                "bench-notice-secret".getBytes(StandardCharsets.UTF_8)), config.server().maxMarkupLength(),
                new PriceCrypto[] {keys});
        ExternalBids bids = new ExternalBids(1);
        dspBid(bids.add());
        dspResult = new AuctionResult(config.requests().maxImps());
        engine.run(request, SELLER, segments, 0x5eedL, NOW, bids, dspResult);
        if (dspResult.count() != 1 || dspResult.external(0) == null) {
            throw new IllegalStateException("the DSP's bid did not win");
        }
        currency = writer.responseCurrency(request);
        buffer = new ExpandableArrayBuffer(4096);
        int length = writer();
        String written = length > 0 ? buffer.getStringWithoutLengthUtf8(0, length) : "";
        if (result.count() != 1 || !written.contains("kaze-sports-fans-apac")) {
            throw new IllegalStateException("the auction did not bid for the segment campaign: " + written);
        }
        mapper = OpenRtbDatabind.mapper();
        response = mapper.readValue(buffer.byteArray(), 0, length, BidResponse.class);
        int dspLength = writerDspWinner();
        String dspWritten = dspLength > 0 ? buffer.getStringWithoutLengthUtf8(0, dspLength) : "";
        if (!dspWritten.contains("\"seat\":\"tokyo-seat\"") || dspWritten.contains("imp?p=${AUCTION_PRICE}")) {
            throw new IllegalStateException("the DSP's bid was not written as expected: " + dspWritten);
        }
    }

    /** A DSP's 20 USD bid on imp 0 with a tracked banner and every price macro. */
    private static void dspBid(ExternalBid external) {
        Bid bid = new Bid();
        bid.id = "dsp-bid-1";
        bid.impid = "1";
        bid.price = 20.0;
        bid.adm = "<a href=\"https://dsp.example/c?b=${AUCTION_BID_ID}\"><img src=\"https://cdn.dsp.example/"
                + "300x250.png\"></a><img src=\"https://dsp.example/imp?p=${AUCTION_PRICE}&a=${AUCTION_ID}&i="
                + "${AUCTION_IMP_ID}&c=${AUCTION_CURRENCY}\" width=\"1\" height=\"1\">";
        bid.adid = "ad-1";
        bid.crid = "crid-1";
        bid.adomain = List.of("brand.example");
        bid.w = 300;
        bid.h = 250;
        external.dsp = 0;
        external.dspId = "tokyo-dsp";
        external.seat = "tokyo-seat";
        external.bid = bid;
        external.currency = "USD";
        external.impIndex = 0;
        external.dealIndex = -1;
        external.bidMicros = 20_000_000;
        external.priceMicros = 20_000_000;
    }

    /** The subject: the response written from the auction result into the reused buffer; returns its length. */
    @Benchmark
    public int writer() {
        return writer.write(request, result, currency, "demo-ssp", 0x5eedL, AUCTION_ID, NOW, buffer, 0, 1 << 20);
    }

    /** The same imp won by a DSP: its bid written with its markup's macros filled and its price encrypted. */
    @Benchmark
    public int writerDspWinner() {
        return writer.write(request, dspResult, currency, "demo-ssp", 0x5eedL, AUCTION_ID, NOW, buffer, 0, 1 << 20);
    }

    /** The baseline: Jackson databind writing the same response, already built as a model, to a fresh array. */
    @Benchmark
    public byte[] databind() throws JsonProcessingException {
        return mapper.writeValueAsBytes(response);
    }
}
