package dev.merlin.bench.load;

import dev.merlin.config.ServerConfig;
import dev.merlin.exchange.transport.IoTransport;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.socket.SocketChannel;
import java.util.TreeSet;

/**
 * The Netty transport the load generator and the loopback servers (bare, floor) use.
 *
 * @param name          {@code io_uring}, {@code epoll} or {@code nio}
 * @param ioHandler     the event loop's I/O handler factory
 * @param socketChannel the client channel type
 * @param serverChannel the server channel type
 */
record Transport(String name, IoHandlerFactory ioHandler, Class<? extends SocketChannel> socketChannel,
                 Class<? extends ServerChannel> serverChannel) {

    /** The system property that names the loopback servers' transport, as Merlin's {@code server.transport}. */
    static final String SERVER_PROPERTY = "merlin.bench.serverTransport";

    /**
     * The load generator's: epoll where it loads, NIO otherwise. The instrument stays as it was when Merlin's own
     * default changed, so figures before and after compare.
     */
    static Transport detect() {
        return of(Epoll.isAvailable() ? IoTransport.EPOLL : IoTransport.NIO);
    }

    /**
     * The loopback servers': what {@link #SERVER_PROPERTY} names ({@code auto} when unset, the choice Merlin's
     * default config makes), so that a baseline server runs on the transport Merlin runs on.
     */
    static Transport server() {
        return of(IoTransport.choose(System.getProperty(SERVER_PROPERTY, "auto")));
    }

    /**
     * {@code value} when it is a {@code server.transport} name, for a command-line {@code option}.
     *
     * @throws IllegalArgumentException naming the option and the names it takes
     */
    static String checkedName(String option, String value) {
        if (!ServerConfig.TRANSPORTS.contains(value)) {
            throw new IllegalArgumentException(option + " is one of " + new TreeSet<>(ServerConfig.TRANSPORTS)
                    + ", not " + value);
        }
        return value;
    }

    private static Transport of(IoTransport io) {
        return new Transport(io.configName(), io.handlerFactory(), io.socketChannel(), io.serverChannel());
    }
}
