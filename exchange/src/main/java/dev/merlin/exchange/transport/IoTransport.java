package dev.merlin.exchange.transport;

import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Locale;

/**
 * The kernel interface Merlin's event loops use: Linux {@code epoll}, the JDK's NIO selector, or Linux
 * {@code io_uring}. {@code auto} takes epoll where it loads, else NIO. io_uring is taken only when named: on this
 * machine it costs Merlin about a fifth less CPU per answer, but Netty 4.2.18's io_uring loop can hang while it stops
 * (a thread waiting forever in {@code IoUringIoHandler.prepareToDestroy}), which {@code MerlinServer.close} bounds.
 * A named transport that is not available here fails the start with the reason Netty gives, rather than running on
 * another.
 */
public enum IoTransport {
    IO_URING("io_uring"),
    EPOLL("epoll"),
    NIO("nio");

    private final String configName;

    IoTransport(String configName) {
        this.configName = configName;
    }

    /** The name in configuration and logs: {@code io_uring}, {@code epoll} or {@code nio}. */
    public String configName() {
        return configName;
    }

    /**
     * The transport named {@code wanted} ({@code auto}, {@code io_uring}, {@code epoll} or {@code nio}).
     *
     * @throws IllegalArgumentException for another name
     * @throws IllegalStateException when the named transport cannot run on this machine (with Netty's reason)
     */
    public static IoTransport choose(String wanted) {
        if (wanted.toLowerCase(Locale.ROOT).equals("auto")) {
            return EPOLL.unavailabilityCause() == null ? EPOLL : NIO;
        }
        IoTransport transport = named(wanted);
        Throwable cause = transport.unavailabilityCause();
        if (cause != null) {
            throw new IllegalStateException(transport.configName + " is not available on this machine: " + cause,
                    cause);
        }
        return transport;
    }

    /**
     * The transport named {@code name} ({@code io_uring}, {@code epoll} or {@code nio}), available here or not.
     *
     * @throws IllegalArgumentException for another name
     */
    public static IoTransport named(String name) {
        for (IoTransport transport : values()) {
            if (transport.configName.equals(name.toLowerCase(Locale.ROOT))) {
                return transport;
            }
        }
        throw new IllegalArgumentException("unknown transport '" + name + "' (auto, io_uring, epoll or nio)");
    }

    /** Why this transport cannot run on this machine (Netty's reason), or null when it can. */
    public Throwable unavailabilityCause() {
        return switch (this) {
            case IO_URING -> IoUring.unavailabilityCause();
            case EPOLL -> Epoll.unavailabilityCause();
            case NIO -> null;
        };
    }

    /** A factory of this transport's I/O handlers, for an event loop group. */
    public IoHandlerFactory handlerFactory() {
        return switch (this) {
            case IO_URING -> IoUringIoHandler.newFactory();
            case EPOLL -> EpollIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
    }

    /** The listening socket's channel class. */
    public Class<? extends ServerChannel> serverChannel() {
        return switch (this) {
            case IO_URING -> IoUringServerSocketChannel.class;
            case EPOLL -> EpollServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
        };
    }

    /** The connecting socket's channel class. */
    public Class<? extends SocketChannel> socketChannel() {
        return switch (this) {
            case IO_URING -> IoUringSocketChannel.class;
            case EPOLL -> EpollSocketChannel.class;
            case NIO -> NioSocketChannel.class;
        };
    }

    /** The datagram socket's channel class (the notice loop's DNS queries). */
    public Class<? extends DatagramChannel> datagramChannel() {
        return switch (this) {
            case IO_URING -> IoUringDatagramChannel.class;
            case EPOLL -> EpollDatagramChannel.class;
            case NIO -> NioDatagramChannel.class;
        };
    }

    /** The transport whose channels can register with {@code loop}: the loop's own I/O type, else NIO. */
    public static IoTransport of(EventLoop loop) {
        if (loop instanceof IoEventLoop io) {
            if (io.isIoType(IoUringIoHandler.class)) {
                return IO_URING;
            }
            if (io.isIoType(EpollIoHandler.class)) {
                return EPOLL;
            }
        }
        return NIO;
    }
}
