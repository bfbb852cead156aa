package dev.merlin.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.protocol.BidResponseDecoder;
import dev.merlin.protocol.InvalidBidResponseException;
import dev.merlin.protocol.OpenRtbDatabind;
import dev.merlin.protocol.model.BidResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * Decodes one DSP answer into the OpenRTB model: the streaming {@link BidResponseDecoder} (what the exchange runs on
 * the event loop for every DSP answer) against Jackson databind ({@link OpenRtbDatabind}) into the same classes, in
 * one run; setup checks that both produce equal models, so both sides do the same work.
 *
 * <p>Inputs, built here so the run needs no files: {@code typical}, 1 seat with 2 banner bids as a DSP answers a
 * 1–3 imp request (about 1.1 KB: ids, price, a 300-character HTML {@code adm}, nurl/burl with macros, adomain,
 * crid, cat, w/h, mtype, a small {@code ext}); {@code large}, 3 seats of 6 video bids each, every one with a
 * 1.5 KB VAST document in {@code adm} (about 33 KB).
 *
 * <p>Allocation allowance: {@code streaming} and {@code databind} build a fresh model per answer;
 * {@code streamingReused} decodes into one reused model, as the exchange does per DSP and event loop, and allocates
 * what a reused model cannot hold over: the bid ids, URLs and markup strings, and the raw {@code ext} text
 * (impression ids, currencies, creative ids, domains and categories come from the decoder's bounded cache).
 *
 * <p>Measured 2026-12-04 ({@code -f 1 -wi 3 -i 5 -prof gc}, three runs, load average 14-22 on the 2 cores, so the
 * ns/op were noise and are not given): typical 1,448 B/op reused, 2,297 new, databind 5,249-5,274; large 30,759
 * reused, 38,131-38,136 new, databind 53,013-53,051.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(2)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class BidResponseDecodeBenchmark {

    /** The answer decoded: {@code typical} (1 seat, 2 banner bids) or {@code large} (3 seats x 6 VAST bids). */
    @Param({"typical", "large"})
    public String answer;

    private byte[] json;
    private BidResponseDecoder decoder;
    private BidResponse reused;
    private ObjectMapper mapper;

    /** Builds the answer and checks that both decoders agree on it. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        json = "large".equals(answer) ? large() : typical();
        decoder = new BidResponseDecoder();
        reused = new BidResponse();
        mapper = OpenRtbDatabind.mapper();
        BidResponse bound = databind();
        if (!streaming().equals(bound) || !streamingReused().equals(bound) || !streamingReused().equals(bound)) {
            throw new IllegalStateException(answer + ": the streaming decoder and databind disagree, so the"
                    + " benchmark would compare different work");
        }
    }

    /** The subject: the streaming decoder, reused per thread, into a new model. */
    @Benchmark
    public BidResponse streaming() throws InvalidBidResponseException {
        return decoder.decode(json, 0, json.length);
    }

    /** The subject as the exchange runs it: the same decoder into one reused model (reset, not reallocated). */
    @Benchmark
    public BidResponse streamingReused() throws InvalidBidResponseException {
        decoder.decode(json, 0, json.length, reused);
        return reused;
    }

    /** The baseline: Jackson databind into the same model. */
    @Benchmark
    public BidResponse databind() throws IOException {
        return mapper.readValue(json, BidResponse.class);
    }

    static byte[] typical() {
        StringBuilder sb = new StringBuilder(1_200);
        sb.append("{\"id\":\"4f3c9a7e-2b1d-4c8e-9f6a-1d2e3f4a5b6c\",\"cur\":\"USD\",\"bidid\":\"dsp-resp-88123\",")
                .append("\"seatbid\":[{\"seat\":\"seat-a\",\"bid\":[");
        for (int i = 1; i <= 2; i++) {
            if (i > 1) {
                sb.append(',');
            }
            sb.append("{\"id\":\"b-7f6e5d4c3b2a190").append(i).append("\",\"impid\":\"").append(i)
                    .append("\",\"price\":1.").append(20 + i)
                    .append(",\"adm\":\"<div id='ad'><a href='https://click.dsp.example/c?id=88123&amp;k=")
                    .append("7f6e5d4c'><img src='https://cdn.dsp.example/cr/300x250/7f6e5d4c.jpg' width='300'")
                    .append(" height='250'></a><img src='https://imp.dsp.example/i?id=88123&p=${AUCTION_PRICE}'")
                    .append(" width='1' height='1'></div>\",")
                    .append("\"nurl\":\"https://win.dsp.example/w?id=88123&p=${AUCTION_PRICE}\",")
                    .append("\"burl\":\"https://bill.dsp.example/b?id=88123&p=${AUCTION_PRICE}\",")
                    .append("\"adomain\":[\"shop.example\"],\"crid\":\"cr-300x250-17\",\"cid\":\"camp-42\",")
                    .append("\"cat\":[\"IAB22\"],\"w\":300,\"h\":250,\"mtype\":1,")
                    .append("\"ext\":{\"dsa\":{\"behalf\":\"Shop\",\"paid\":\"Shop\"}}}");
        }
        sb.append("]}]}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] large() {
        StringBuilder vast = new StringBuilder(1_600);
        vast.append("<VAST version=\\\"3.0\\\"><Ad id=\\\"88123\\\"><InLine><AdSystem>DSP</AdSystem>")
                .append("<AdTitle>Spring</AdTitle><Impression><![CDATA[https://imp.dsp.example/i?p=${AUCTION_PRICE}]]>")
                .append("</Impression><Creatives><Creative><Linear><Duration>00:00:15</Duration><MediaFiles>");
        while (vast.length() < 1_400) {
            vast.append("<MediaFile delivery=\\\"progressive\\\" type=\\\"video/mp4\\\" width=\\\"640\\\"")
                    .append(" height=\\\"360\\\"><![CDATA[https://cdn.dsp.example/v/88123_640.mp4]]></MediaFile>");
        }
        vast.append("</MediaFiles></Linear></Creative></Creatives></InLine></Ad></VAST>");
        StringBuilder sb = new StringBuilder(34_000);
        sb.append("{\"id\":\"4f3c9a7e-2b1d-4c8e-9f6a-1d2e3f4a5b6c\",\"cur\":\"USD\",\"seatbid\":[");
        for (int s = 0; s < 3; s++) {
            sb.append(s == 0 ? "" : ",").append("{\"seat\":\"seat-").append(s).append("\",\"bid\":[");
            for (int b = 0; b < 6; b++) {
                sb.append(b == 0 ? "" : ",").append("{\"id\":\"b-").append(s).append('-').append(b)
                        .append("-7f6e5d4c3b2a\",\"impid\":\"").append(b % 3 + 1).append("\",\"price\":")
                        .append(2 + s).append('.').append(10 + b).append(",\"adm\":\"").append(vast)
                        .append("\",\"burl\":\"https://bill.dsp.example/b?id=").append(s).append(b)
                        .append("&p=${AUCTION_PRICE}\",\"adomain\":[\"brand").append(b).append(".example\"],")
                        .append("\"crid\":\"vast-").append(b).append("\",\"cat\":[\"IAB2\"],\"dur\":15,")
                        .append("\"mtype\":2,\"attr\":[16],\"ext\":{\"skadn\":null}}");
            }
            sb.append("]}");
        }
        sb.append("]}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
