package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ServerConfig;
import dev.merlin.exchange.DemoSeller;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.sellers.Sellers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The real HTTP pipeline on an {@link EmbeddedChannel}, answering with a route table of small lambdas: no store, no
 * Chronicle file. Raw request bytes in, the answer bytes out as text; every request buffer is checked released.
 */
final class LambdaFrontDoor implements AutoCloseable {

    static final int MAX_BODY = 4096;

    final ExchangeMetrics metrics = new ExchangeMetrics();
    final EmbeddedChannel channel = new EmbeddedChannel();
    private final List<ByteBuf> sent = new ArrayList<>();

    /** A front door answering with the table {@code routes} builds over this door's metrics. */
    LambdaFrontDoor(Function<ExchangeMetrics, RouteTable> routes) {
        ServerConfig server = new ServerConfig(0, 1, MAX_BODY, 1024, 2048, 60, null, null, null);
        new HttpPipeline(server, metrics, new Sellers(List.of(DemoSeller.SELLER)), routes.apply(metrics))
                .configure(channel.pipeline());
    }

    /** A JSON 200 answer with {@code body}. */
    static FullHttpResponse ok(ChannelHandlerContext ctx, String body) {
        return HttpResponses.json(ctx.alloc(), HttpResponseStatus.OK, body);
    }

    /** Writes {@code request} in, runs what the event loop has queued, and returns every answer written. */
    String exchange(String request) {
        ByteBuf in = Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1);
        sent.add(in);
        channel.writeInbound(in);
        channel.runPendingTasks();
        return drain();
    }

    /** One request, one answer. */
    Response send(String request) {
        return Response.parse(exchange(request));
    }

    /**
     * Asks for {@code messages} reads while reading is paused: each hands one decoded message the flow-control
     * handler kept to the handlers after it, as the codec and the aggregator do when they need more of a request.
     * Returns the answers written meanwhile.
     */
    String readWhilePaused(int messages) {
        for (int i = 0; i < messages; i++) {
            channel.read();
        }
        channel.runPendingTasks();
        return drain();
    }

    /** The answers written so far. */
    String drain() {
        StringBuilder out = new StringBuilder();
        for (Object chunk; (chunk = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) chunk;
            out.append(buf.toString(StandardCharsets.UTF_8));
            buf.release();
        }
        return out.toString();
    }

    @Override
    public void close() {
        channel.finishAndReleaseAll();
        for (ByteBuf buf : sent) {
            assertEquals(0, buf.refCnt(), "a request buffer written into the channel was not released");
        }
    }

    /** The indexes of {@code parts} in {@code text}, asserting each is there and after the one before. */
    static void assertInOrder(String text, String... parts) {
        int from = 0;
        for (String part : parts) {
            int at = text.indexOf(part, from);
            assertTrue(at >= 0, "missing or out of order: " + part + " in " + text.replace("\r\n", " | "));
            from = at + part.length();
        }
    }

    /** How many times {@code part} occurs in {@code text}. */
    static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    /** One HTTP answer: status, headers (names in lower case), body. */
    static final class Response {
        int status;
        final Map<String, String> headers = new LinkedHashMap<>();
        String body;

        static Response parse(String text) {
            Response r = new Response();
            int headEnd = text.indexOf("\r\n\r\n");
            assertTrue(headEnd > 0, "no complete response: " + text);
            String[] lines = text.substring(0, headEnd).split("\r\n");
            r.status = Integer.parseInt(lines[0].split(" ")[1]);
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                r.headers.put(lines[i].substring(0, colon).toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            r.body = text.substring(headEnd + 4);
            return r;
        }
    }
}
