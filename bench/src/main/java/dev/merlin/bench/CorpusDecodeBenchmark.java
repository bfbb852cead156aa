package dev.merlin.bench;

import dev.merlin.bench.load.RequestCorpus;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.InvalidRequestException;
import dev.merlin.protocol.model.BidRequest;
import java.io.IOException;
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
 * Decodes the load generator's traffic rather than one sample: each call takes the next of the shared corpus's valid
 * requests (the {@code make load} mix: banner, video, audio, native, DOOH, 0.4–4.6 KB, pretty-printed as the spec
 * and projects publish them), round-robin, so the figure is the mix's average with the branch predictor and caches
 * meeting a different document every time, as on the event loop. {@link RequestDecodeBenchmark} stays the gated,
 * per-sample view; this one shows what the same decoder costs over what {@code make load} sends.
 *
 * <p>Not gated. {@code streamingReused} is the bid path's way (one decoder, one reused model). There is no databind
 * side: databind cannot read the corpus's native requests whose {@code native.request} is an object rather than a
 * string, which the streaming decoder accepts.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class CorpusDecodeBenchmark {

    private byte[][] requests;
    private BidRequestDecoder decoder;
    private BidRequest reused;
    private int next;

    /** Reads the corpus's valid requests (those the decoder accepts, as {@code make load} sends them). */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        List<byte[]> bodies = RequestCorpus.validSamples().bodies();
        requests = bodies.toArray(new byte[0][]);
        decoder = new BidRequestDecoder();
        reused = new BidRequest();
    }

    private byte[] nextRequest() {
        byte[] request = requests[next];
        next = next + 1 == requests.length ? 0 : next + 1;
        return request;
    }

    /** The subject: the next request through the streaming decoder into one reused model, as the bid path does. */
    @Benchmark
    public BidRequest streamingReused() throws InvalidRequestException {
        byte[] request = nextRequest();
        decoder.decode(request, 0, request.length, reused);
        return reused;
    }
}
