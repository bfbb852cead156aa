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

/**
 * Cycles through a corpus of bid requests, POSTed to one path as they are; any 2xx answer is a success. Given each
 * request's time budget, it also counts the answers that came later than it, timed from the write.
 */
final class CorpusMix implements RequestMix, AutoCloseable {

    private final String path;
    private final ByteBuf[] bodies;
    private final HttpHeaders[] headers;
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
        bodies = new ByteBuf[corpus.size()];
        headers = new HttpHeaders[corpus.size()];
        for (int i = 0; i < bodies.length; i++) {
            byte[] body = corpus.bodies().get(i);
            bodies[i] = Unpooled.directBuffer(body.length).writeBytes(body);
            headers[i] = new DefaultHttpHeaders()
                    .set(HttpHeaderNames.HOST, "127.0.0.1:" + port)
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .set(HttpHeaderNames.AUTHORIZATION, SoakMix.SELLER_AUTHORIZATION)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        }
    }

    @Override
    public Sent next(long index) {
        int i = (int) (index % bodies.length);
        Timing timing = tmaxNanos == null ? null : new Timing(System.nanoTime(), tmaxNanos[i]);
        return new Sent(Kind.AUCTION, new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path,
                bodies[i].retainedDuplicate(), headers[i], EmptyHttpHeaders.INSTANCE), timing);
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
