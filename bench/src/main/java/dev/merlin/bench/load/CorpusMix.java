package dev.merlin.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Cycles through a corpus of bid requests, POSTed to one path; any 2xx answer is a success. Each request sent gets a
 * top-level {@code id} of its own ({@code load-<index>}), as a seller's requests have: the samples repeat theirs (64
 * valid samples carry 28 ids), which no seller's traffic does. A sample without a string id goes as it is. Given each
 * request's time budget, it also counts the answers that came later than it, timed from the write.
 */
final class CorpusMix implements RequestMix, AutoCloseable {

    private final String path;
    private final ByteBuf[] bodies;
    private final HttpHeaders[] headers;
    /** Sample i split around its id, or null when it has no top-level string id. */
    private final SoakMix.AuctionTemplate[] templates;
    private final String host;
    private final long[] tmaxNanos;
    private long lateAnswers;
    private long timedAnswers;

    CorpusMix(RequestCorpus corpus, int port, String path) {
        this(corpus, port, path, null);
    }

    /**
     * A mix that also times each answer against {@code tmaxMillis[i]}, the budget of request {@code i} of the
     * corpus (null: no timing).
     */
    CorpusMix(RequestCorpus corpus, int port, String path, int[] tmaxMillis) {
        this.path = path;
        this.tmaxNanos = tmaxMillis == null ? null : new long[tmaxMillis.length];
        for (int i = 0; tmaxNanos != null && i < tmaxNanos.length; i++) {
            tmaxNanos[i] = tmaxMillis[i] * 1_000_000L;
        }
        this.host = "127.0.0.1:" + port;
        bodies = new ByteBuf[corpus.size()];
        headers = new HttpHeaders[corpus.size()];
        templates = new SoakMix.AuctionTemplate[corpus.size()];
        for (int i = 0; i < bodies.length; i++) {
            byte[] body = corpus.bodies().get(i);
            bodies[i] = Unpooled.directBuffer(body.length).writeBytes(body);
            headers[i] = headers(body.length);
            templates[i] = SoakMix.template(body);
        }
    }

    private HttpHeaders headers(int contentLength) {
        return new DefaultHttpHeaders()
                .set(HttpHeaderNames.HOST, host)
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.AUTHORIZATION, SoakMix.SELLER_AUTHORIZATION)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, contentLength);
    }

    @Override
    public Sent next(long index) {
        int i = (int) (index % bodies.length);
        Timing timing = tmaxNanos == null ? null : new Timing(System.nanoTime(), tmaxNanos[i]);
        SoakMix.AuctionTemplate template = templates[i];
        ByteBuf body;
        HttpHeaders requestHeaders;
        if (template == null) {
            body = bodies[i].retainedDuplicate();
            requestHeaders = headers[i];
        } else {
            byte[] id = ("load-" + index).getBytes(StandardCharsets.US_ASCII);
            body = Unpooled.wrappedBuffer(template.before(), id, template.after());
            requestHeaders = headers(body.readableBytes());
        }
        return new Sent(Kind.AUCTION, new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path,
                body, requestHeaders, EmptyHttpHeaders.INSTANCE), timing);
    }

    @Override
    public boolean onAnswer(Sent sent, FullHttpResponse response) {
        if (sent.note() instanceof Timing timing) {
            timedAnswers++;
            if (System.nanoTime() - timing.sentNanos() > timing.tmaxNanos()) {
                lateAnswers++;
            }
        }
        int status = response.status().code();
        return status >= 200 && status <= 299;
    }

    /** Answers that came later than their request's tmax after it was written (0 without timing). */
    long lateAnswers() {
        return lateAnswers;
    }

    /** Answers timed against their tmax. */
    long timedAnswers() {
        return timedAnswers;
    }

    /** When a request was written and the budget it carried, in nanoseconds. */
    private record Timing(long sentNanos, long tmaxNanos) {
    }

    /** Releases the request bodies. */
    @Override
    public void close() {
        for (ByteBuf body : bodies) {
            body.release();
        }
    }
}
