package dev.merlin.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.protocol.BidResponseEncoder;
import dev.merlin.protocol.OpenRtbDatabind;
import dev.merlin.protocol.model.Bid;
import dev.merlin.protocol.model.BidResponse;
import dev.merlin.protocol.model.SeatBid;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * Encodes a typical bid response (one seat, one banner bid with markup, about 600 bytes of JSON): the hand-written
 * {@link BidResponseEncoder} against Jackson databind's {@code writeValueAsBytes} on the same model.
 *
 * <p>{@link #handEncoder} and {@link #databind} both return a fresh {@code byte[]}, so they compare like with like;
 * {@link #handEncoderReusedBuffer} writes into a reused stream, the way a handler writes into its output buffer.
 *
 * <p>Allocation allowance: the encoder creates one Jackson generator per call (plus the result array and the
 * stream's buffer in {@code handEncoder}); none of it is model-sized.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(2)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class ResponseEncodeBenchmark {

    private BidResponse response;
    private BidResponseEncoder encoder;
    private ObjectMapper mapper;
    private ByteArrayOutputStream reusable;

    /** Builds the response and checks that both encoders write the same JSON value. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        response = typicalResponse();
        encoder = new BidResponseEncoder();
        mapper = OpenRtbDatabind.mapper();
        reusable = new ByteArrayOutputStream(2048);
        if (!mapper.readTree(handEncoder()).equals(mapper.readTree(databind()))) {
            throw new IllegalStateException("the hand encoder and databind write different JSON");
        }
    }

    /** The subject: the streaming encoder returning a fresh array. */
    @Benchmark
    public byte[] handEncoder() {
        return encoder.encode(response);
    }

    /** The subject as the hot path uses it: into a reused output stream. */
    @Benchmark
    public int handEncoderReusedBuffer() throws IOException {
        reusable.reset();
        encoder.encode(response, reusable);
        return reusable.size();
    }

    /** The baseline: Jackson databind on the same model. */
    @Benchmark
    public byte[] databind() throws JsonProcessingException {
        return mapper.writeValueAsBytes(response);
    }

    /** One seat, one 300x250 banner bid with inline markup, win/billing notices and an advertiser domain. */
    static BidResponse typicalResponse() {
        Bid bid = new Bid();
        bid.id = "7f3a9c2e-1b4d-4e8a-9c1f-2d6e8b0a4c31";
        bid.impid = "1";
        bid.price = 1.275;
        bid.nurl = "https://dsp.example.com/win?auction=${AUCTION_ID}&price=${AUCTION_PRICE}&imp=${AUCTION_IMP_ID}";
        bid.burl = "https://dsp.example.com/bill?auction=${AUCTION_ID}&price=${AUCTION_PRICE}";
        bid.adm = "<a href=\"https://advertiser.example.com/landing?c=summer\" target=\"_blank\">"
                + "<img src=\"https://cdn.example.com/creatives/300x250/summer.jpg\" width=\"300\" height=\"250\""
                + " alt=\"Summer sale\"></a>";
        bid.adid = "ad-42";
        bid.adomain = List.of("advertiser.example.com");
        bid.cid = "campaign-17";
        bid.crid = "creative-300x250-summer";
        bid.cat = List.of("IAB22-2");
        bid.attr = Arrays.asList(1, 3);
        bid.w = 300;
        bid.h = 250;
        bid.mtype = 1;
        SeatBid seat = new SeatBid();
        seat.seat = "dsp-1";
        seat.bid = List.of(bid);
        BidResponse response = new BidResponse();
        response.id = "IxexyLDIIk";
        response.bidid = "b-9d2f";
        response.cur = "USD";
        response.seatbid = List.of(seat);
        return response;
    }
}
