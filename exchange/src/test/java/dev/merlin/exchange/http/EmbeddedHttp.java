package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.exchange.DemoSeller;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** HTTP/1.1 as raw text over an {@link EmbeddedChannel} carrying Merlin's pipeline: a request in, its answer out. */
final class EmbeddedHttp {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final EmbeddedChannel channel;
    private final String base;

    /** Over {@code channel}; {@code base} is the public URL Merlin's links start with. */
    EmbeddedHttp(EmbeddedChannel channel, String base) {
        this.channel = channel;
        this.base = base;
    }

    /** Writes {@code request} in, runs what it scheduled, and reads (and releases) every byte written out. */
    String exchange(String request) {
        channel.writeInbound(Unpooled.wrappedBuffer(request.getBytes(StandardCharsets.UTF_8)));
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        ByteBuf chunk;
        while ((chunk = channel.readOutbound()) != null) {
            out.append(chunk.toString(StandardCharsets.UTF_8));
            chunk.release();
        }
        return out.toString();
    }

    /** {@code POST /openrtb2/auction} of {@code body} from the demo seller. */
    String auction(String body) {
        return exchange("POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\n" + DemoSeller.HEADER
                + "Content-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body);
    }

    /** Follows one of Merlin's own links, its unfilled macros escaped as a client sends them. */
    String get(String url) {
        assertTrue(url.startsWith(base), url);
        String path = url.substring(base.length()).replace("${", "%24%7B").replace("}", "%7D");
        return exchange("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
    }

    /** The first bid of a {@code 200} answer. */
    static JsonNode firstBid(String response) throws IOException {
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        return JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4)).get("seatbid").get(0).get("bid")
                .get(0);
    }

    /** A notice link with {@code ${AUCTION_PRICE}} filled. */
    static String filled(String url, String price) {
        return url.replace("${AUCTION_PRICE}", price);
    }
}
