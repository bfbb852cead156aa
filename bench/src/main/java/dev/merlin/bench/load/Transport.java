package dev.merlin.bench.load;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The Netty transport the load generator and the bare server use: epoll where it loads, NIO otherwise (as Merlin).
 *
 * @param name          {@code epoll} or {@code nio}
 * @param ioHandler     the event loop's I/O handler factory
 * @param socketChannel the client channel type
 * @param serverChannel the server channel type
 */
record Transport(String name, IoHandlerFactory ioHandler, Class<? extends SocketChannel> socketChannel,
                 Class<? extends ServerChannel> serverChannel) {

    /** The best transport available here. */
    static Transport detect() {
        if (Epoll.isAvailable()) {
            return new Transport("epoll", EpollIoHandler.newFactory(), EpollSocketChannel.class,
                    EpollServerSocketChannel.class);
        }
        return new Transport("nio", NioIoHandler.newFactory(), NioSocketChannel.class, NioServerSocketChannel.class);
    }
}
