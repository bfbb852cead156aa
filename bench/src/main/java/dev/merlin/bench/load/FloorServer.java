package dev.merlin.bench.load;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * The least any exchange must do per bid request on this machine, as a server to measure Merlin against: read the
 * request, tokenize its JSON with Jackson (every token, nothing kept), and answer {@code 200} with a bid-response-sized
 * body; with {@code --dsp URL}, also send the request to that DSP on the seller connection's own event loop over a
 * keep-alive connection, wait for its answer, tokenize it, and only then answer the seller.
 *
 * <p>It is not an exchange: no validation, auction, privacy, notices or events. What it costs per answer is the
 * floor under Merlin's (without and with one DSP in the loop), so a ratio such as "1 DSP against internal only" can be
 * judged against the same ratio of the two floors, measured the same way on the same machine.
 */
public final class FloorServer implements AutoCloseable {

    private static final JsonFactory JSON = new JsonFactory();
    /** Each event loop's copy of the body being tokenized, as Merlin copies a direct buffer's body. */
    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[64 * 1024];
        }
    };

    private final LoopbackHttpServer server;
    /** The canned answer every response shares (duplicates of it, never released by a write). */
    private final ByteBuf answer;

    private FloorServer(LoopbackHttpServer server, ByteBuf answer) {
        this.server = server;
        this.answer = answer;
    }

    /**
     * Runs the server until the process is stopped: {@code --port P} (0: any free port), {@code --io-threads N}
     * (default: the processors), {@code --answer-bytes B} (default 900) and {@code --dsp URL} (none: answer without a
     * DSP). Prints the port.
     */
    public static void main(String[] args) throws InterruptedException {
        int port = 0;
        int ioThreads = Runtime.getRuntime().availableProcessors();
        int answerBytes = 900;
        URI dsp = null;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 == args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--io-threads" -> ioThreads = Integer.parseInt(args[i + 1]);
                case "--answer-bytes" -> answerBytes = Integer.parseInt(args[i + 1]);
                case "--dsp" -> dsp = URI.create(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (FloorServer --port P --io-threads N --answer-bytes B --dsp URL)");
            }
        }
        FloorServer server = start(ioThreads, port, answerBytes, dsp);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "floor-server-stop"));
        System.out.println("floor: server on 127.0.0.1:" + server.port() + " (" + ioThreads + " event loops, "
                + server.server.transportName() + ", " + (dsp == null ? "no DSP" : "DSP " + dsp) + ", answers of "
                + answerBytes + " bytes)");
        server.server.awaitClose();
    }

    /**
     * Binds {@code 127.0.0.1:port} (0: an ephemeral port) with {@code ioThreads} event loops, answering
     * {@code answerBytes} of JSON; each request goes to {@code dsp} first unless it is null.
     */
    public static FloorServer start(int ioThreads, int port, int answerBytes, URI dsp) throws InterruptedException {
        if (dsp != null && (!"http".equals(dsp.getScheme()) || dsp.getPort() < 0)) {
            throw new IllegalArgumentException("--dsp takes http://HOST:PORT/PATH, not " + dsp);
        }
        ByteBuf answerBuffer = Unpooled.directBuffer(answerBytes).writeBytes(answerBody(answerBytes));
        ByteBuf answer = Unpooled.unreleasableBuffer(answerBuffer.asReadOnly());
        try {
            return new FloorServer(LoopbackHttpServer.start(ioThreads, port,
                    transport -> new SellerHandler(answer, dsp, transport)), answerBuffer);
        } catch (RuntimeException | InterruptedException e) {
            answerBuffer.release();
            throw e;
        }
    }

    /** The bound port. */
    public int port() {
        return server.port();
    }

    /** Closes the port, every connection and the event loops. */
    @Override
    public void close() {
        server.close();
        answer.release();
    }

    /** A JSON object of exactly {@code bytes} bytes (at least the 36 of its fixed part), shaped as a no-seat answer. */
    static byte[] answerBody(int bytes) {
        String head = "{\"id\":\"floor\",\"seatbid\":[],\"ext\":\"";
        String tail = "\"}";
        int pad = Math.max(0, bytes - head.length() - tail.length());
        return (head + "x".repeat(pad) + tail).getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads every token of the JSON in {@code body}; false when it is not well-formed JSON. */
    static boolean tokenize(ByteBuf body) {
        byte[] bytes = SCRATCH.get();
        int length = body.readableBytes();
        if (bytes.length < length) {
            bytes = new byte[length];
            SCRATCH.set(bytes);
        }
        body.getBytes(body.readerIndex(), bytes, 0, length);
        try (JsonParser parser = JSON.createParser(bytes, 0, length)) {
            if (parser.nextToken() == null) {
                return false;
            }
            while (parser.nextToken() != null) {
                parser.finishToken();
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static FullHttpResponse response(HttpResponseStatus status, ByteBuf body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return response;
    }

    private static FullHttpResponse text(HttpResponseStatus status, String message) {
        ByteBuf body = Unpooled.copiedBuffer(message, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return response;
    }

    /**
     * One seller connection: tokenizes each request and answers it, after its DSP's answer when there is a DSP. The
     * connection's DSP channel is its own (made on first use, on the same event loop), and one request is in flight
     * at a time, as the load generator sends them.
     */
    private static final class SellerHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

        private final ByteBuf answer;
        private final URI dsp;
        private final Transport transport;
        private ChannelHandlerContext seller;
        private Channel dspChannel;

        SellerHandler(ByteBuf answer, URI dsp, Transport transport) {
            this.answer = answer;
            this.dsp = dsp;
            this.transport = transport;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (!tokenize(request.content())) {
                ctx.writeAndFlush(text(HttpResponseStatus.BAD_REQUEST, "floor: the body is not JSON"));
                return;
            }
            if (dsp == null) {
                ctx.writeAndFlush(response(HttpResponseStatus.OK, answer.duplicate()));
                return;
            }
            seller = ctx;
            ByteBuf body = request.content().retainedDuplicate();
            if (dspChannel != null && dspChannel.isActive()) {
                send(body);
                return;
            }
            new Bootstrap().group(ctx.channel().eventLoop()).channel(transport.socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(),
                                    new HttpObjectAggregator(LoopbackHttpServer.MAX_BODY_BYTES),
                                    new DspHandler(SellerHandler.this));
                        }
                    })
                    .connect(dsp.getHost(), dsp.getPort()).addListener((ChannelFutureListener) connected -> {
                        if (connected.isSuccess()) {
                            dspChannel = connected.channel();
                            send(body);
                        } else {
                            body.release();
                            dspAnswered(false);
                        }
                    });
        }

        private void send(ByteBuf body) {
            FullHttpRequest out = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                    dsp.getRawPath().isEmpty() ? "/" : dsp.getRawPath(), body);
            out.headers().set(HttpHeaderNames.HOST, dsp.getHost() + ":" + dsp.getPort())
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .set("x-openrtb-version", "2.6")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            dspChannel.writeAndFlush(out);
        }

        /** The DSP's answer arrived and was tokenized ({@code ok}), or the DSP failed: answer the seller. */
        void dspAnswered(boolean ok) {
            ChannelHandlerContext ctx = seller;
            seller = null;
            if (ctx == null) {
                return;
            }
            ctx.writeAndFlush(ok ? response(HttpResponseStatus.OK, answer.duplicate())
                    : text(HttpResponseStatus.BAD_GATEWAY, "floor: the DSP did not answer"));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (dspChannel != null) {
                dspChannel.close();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The seller connection's DSP channel: hands each answer (tokenized) back to the seller's handler. */
    private static final class DspHandler extends SimpleChannelInboundHandler<FullHttpResponse> {

        private final SellerHandler seller;

        DspHandler(SellerHandler seller) {
            this.seller = seller;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            int status = response.status().code();
            seller.dspAnswered(status == 204 || status == 200 && tokenize(response.content()));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            seller.dspAnswered(false);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
