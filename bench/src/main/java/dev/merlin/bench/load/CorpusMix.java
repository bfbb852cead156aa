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

/** Cycles through a corpus of bid requests, POSTed to one path as they are; any 2xx answer is a success. */
final class CorpusMix implements RequestMix, AutoCloseable {

    private final String path;
    private final ByteBuf[] bodies;
    private final HttpHeaders[] headers;

    CorpusMix(RequestCorpus corpus, int port, String path) {
        this.path = path;
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
        return new Sent(Kind.AUCTION, new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path,
                bodies[i].retainedDuplicate(), headers[i], EmptyHttpHeaders.INSTANCE), null);
    }

    @Override
    public boolean onAnswer(Sent sent, FullHttpResponse response) {
        int status = response.status().code();
        return status >= 200 && status <= 299;
    }

    /** Releases the request bodies. */
    @Override
    public void close() {
        for (ByteBuf body : bodies) {
            body.release();
        }
    }
}
