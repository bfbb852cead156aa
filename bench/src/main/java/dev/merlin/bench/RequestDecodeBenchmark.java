package dev.merlin.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.InvalidRequestException;
import dev.merlin.protocol.OpenRtbDatabind;
import dev.merlin.protocol.model.BidRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
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
 * Decodes one typical banner request into the OpenRTB model: the streaming {@link BidRequestDecoder} (the exchange's
 * hot path) against Jackson databind ({@link OpenRtbDatabind}) into the same classes, in one run.
 *
 * <p>Inputs, two typical 1–2 KB banner requests from the shared samples: {@code iab26spec-mobile-app.json} (the 2.6
 * spec's example 6.2.3, 1,401 bytes: an app, a device with a user agent and an IFA, one 728x90 banner imp,
 * bcat/badv, no ext) and {@code pbsgo-ortb25-ext-locations.json} (Prebid Server's, 1,603 bytes: a banner with ext
 * objects where sellers put them, consent and eids in their 2.5 locations). {@code -p sample=NAME} runs another.
 * The databind side also moves the 2.5 ext fields into the 2.6 ones ({@link DatabindUpconvert}), and setup checks
 * that both decoders produce equal models, so both sides do the same work.
 *
 * <p>Allocation allowance: {@code streaming} and {@code databind} build a fresh model graph (objects, boxed fields,
 * lists, strings) per request; {@code streamingReused} decodes into one reused model, as the bid path does, and
 * allocates what a reused model cannot hold over: the request's strings and raw {@code ext} text. The gate caps both
 * streaming variants' B/op (bench/gates.yaml).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(2)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class RequestDecodeBenchmark {

    /** The sample file decoded: typical 1–2 KB banner requests, without and with ext objects. */
    @Param({"iab26spec-mobile-app.json", "pbsgo-ortb25-ext-locations.json"})
    public String sample;

    private byte[] request;
    private BidRequestDecoder decoder;
    private BidRequest reused;
    private ObjectMapper mapper;
    private JsonFactory factory;
    /** The sample's tokens in order: the field name for a FIELD_NAME token, null for any other. */
    private SerializedString[] knownNames;

    /** Reads the sample and checks that both decoders agree on it. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        request = SharedSamples.request(sample);
        decoder = new BidRequestDecoder();
        reused = new BidRequest();
        mapper = OpenRtbDatabind.mapper();
        factory = new JsonFactory();
        knownNames = fieldNamesInOrder(request);
        long names = Arrays.stream(knownNames).filter(Objects::nonNull).count();
        if (tokenizeFloorKnownNames() != names) {
            throw new IllegalStateException(sample + ": the known-names floor missed a field name, so it would not"
                    + " measure the parser's fast path");
        }
        BidRequest streamed = streaming();
        BidRequest bound = databind();
        if (!streamed.equals(bound)) {
            throw new IllegalStateException(sample + ": the streaming decoder and databind disagree, so the benchmark"
                    + " would compare different work");
        }
        streamingReused();
        if (!streamingReused().equals(bound)) {
            throw new IllegalStateException(sample + ": decoding into a reused model differs from databind");
        }
    }

    /** The subject: the hand-written streaming decoder, reused per thread as on the event loop. */
    @Benchmark
    public BidRequest streaming() throws InvalidRequestException {
        return decoder.decode(request, 0, request.length);
    }

    /**
     * The subject as the bid path runs it: the same decoder into one reused model (reset, not reallocated: its
     * objects and lists come back from the model's pool), so what is left per request is mostly the strings.
     */
    @Benchmark
    public BidRequest streamingReused() throws InvalidRequestException {
        decoder.decode(request, 0, request.length, reused);
        return reused;
    }

    /**
     * The baseline: Jackson databind into the same model, plus the 2.5 → 2.6 moves the streaming decoder makes
     * (free when the request has no 2.5 ext fields, as in the default sample).
     */
    @Benchmark
    public BidRequest databind() throws IOException {
        return DatabindUpconvert.apply(mapper, mapper.readValue(request, BidRequest.class));
    }

    /**
     * Not gated, a floor for both: Jackson's parser walking the same bytes and materialising every string value,
     * building no model. What a decoder spends above this is model building and checks.
     */
    @Benchmark
    public int tokenizeFloor() throws IOException {
        int tokens = 0;
        try (JsonParser parser = factory.createParser(request, 0, request.length)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                if (token == JsonToken.VALUE_STRING) {
                    tokens += parser.getText().length();
                }
                tokens++;
            }
        }
        return tokens;
    }

    /**
     * Not gated, the lowest cost of any decoder built on Jackson's {@code JsonParser}: the parser walks the same bytes
     * knowing every field name in advance ({@code nextFieldName(SerializableString)}, which matches the raw bytes
     * and skips the symbol table) and skips every string value without decoding it. No model, no checks. A decoder
     * on this parser cannot be faster than this, so it can be at most {@code databind / tokenizeFloorKnownNames}
     * times faster than databind on this sample.
     */
    @Benchmark
    public int tokenizeFloorKnownNames() throws IOException {
        int matched = 0;
        SerializedString[] expected = knownNames;
        try (JsonParser parser = factory.createParser(request, 0, request.length)) {
            for (SerializedString name : expected) {
                if (name == null) {
                    parser.nextToken();
                } else if (parser.nextFieldName(name)) {
                    matched++;
                }
            }
        }
        return matched;
    }

    private SerializedString[] fieldNamesInOrder(byte[] json) throws IOException {
        List<SerializedString> names = new ArrayList<>();
        try (JsonParser parser = factory.createParser(json)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                names.add(token == JsonToken.FIELD_NAME ? new SerializedString(parser.currentName()) : null);
            }
        }
        return names.toArray(new SerializedString[0]);
    }
}
