package dev.merlin.dspsim;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * The Netty transport the simulator serves on: epoll where it loads, NIO otherwise (as Merlin).
 *
 * @param name          {@code epoll} or {@code nio}
 * @param ioHandler     the event loop's I/O handler factory
 * @param serverChannel the server channel type
 */
record SimTransport(String name, IoHandlerFactory ioHandler, Class<? extends ServerChannel> serverChannel) {

    /** The best transport available here. */
    static SimTransport detect() {
        if (Epoll.isAvailable()) {
            return new SimTransport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class);
        }
        return new SimTransport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class);
    }
}
