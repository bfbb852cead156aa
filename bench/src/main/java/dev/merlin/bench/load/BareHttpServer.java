package dev.merlin.bench.load;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * A Netty HTTP server on loopback that answers every request {@code 204} without looking at it: the same codec,
 * keep-alive and aggregation as Merlin's front door and nothing else, so it marks what this machine's loopback,
 * kernel and Netty can do at best.
 */
public final class BareHttpServer implements AutoCloseable {

    private final LoopbackHttpServer server;

    private BareHttpServer(LoopbackHttpServer server) {
        this.server = server;
    }

    /**
     * Runs the server in a process of its own until the process is stopped (make load forks it):
     * {@code --port P} (0: any free port) and {@code --io-threads N} (default: the processors). Prints the port.
     */
    public static void main(String[] args) throws InterruptedException {
        int port = 0;
        int ioThreads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 == args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--io-threads" -> ioThreads = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (BareHttpServer --port P --io-threads N)");
            }
        }
        BareHttpServer server = start(ioThreads, port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "bare-server-stop"));
        System.out.println("bare: 204 server on 127.0.0.1:" + server.port() + " (" + ioThreads + " event loops, "
                + server.transportName() + ")");
        server.server.awaitClose();
    }

    /** Binds {@code 127.0.0.1} on an ephemeral port with {@code ioThreads} event loops. */
    public static BareHttpServer start(int ioThreads) throws InterruptedException {
        return start(ioThreads, 0);
    }

    /** Binds {@code 127.0.0.1:port} (0: an ephemeral port) with {@code ioThreads} event loops. */
    public static BareHttpServer start(int ioThreads, int port) throws InterruptedException {
        NoContentHandler handler = new NoContentHandler();
        return new BareHttpServer(LoopbackHttpServer.start(ioThreads, port, transport -> handler));
    }

    /** The bound port. */
    public int port() {
        return server.port();
    }

    /** The transport's name: {@code io_uring}, {@code epoll} or {@code nio}. */
    public String transportName() {
        return server.transportName();
    }

    /** Closes the port and the event loops. */
    @Override
    public void close() {
        server.close();
    }

    /** Writes the canned 204 for every request; flushes once per read batch. */
    @ChannelHandler.Sharable
    private static final class NoContentHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

        private final FullHttpResponse noContent;

        NoContentHandler() {
            noContent = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT,
                    Unpooled.EMPTY_BUFFER);
            noContent.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            ctx.write(noContent.retainedDuplicate());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
