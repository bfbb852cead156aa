package dev.merlin.exchange.dsp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A name server on 127.0.0.1 (UDP, Netty's DNS codec) for tests of the notice loop's lookups: answers {@code A}
 * queries for the names it was given, holds the answers for names marked held until {@link #release}, and answers
 * every other name {@code NXDOMAIN} ({@code AAAA} queries get an empty answer). Records every name asked.
 */
final class StubNameServer implements AutoCloseable {

    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Map<String, InetAddress> names = new ConcurrentHashMap<>();
    private final Map<String, Queue<DatagramDnsQuery>> held = new ConcurrentHashMap<>();
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private final Channel channel;

    StubNameServer() throws InterruptedException {
        channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                                new Answering());
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    }

    /** Answers {@code name} with {@code address}. */
    StubNameServer answer(String name, String address) throws Exception {
        InetAddress ipv4 = InetAddress.getByName(address);
        if (ipv4.getAddress().length != 4) {
            throw new IllegalArgumentException("an A record holds an IPv4 address, not " + address);
        }
        names.put(name.toLowerCase(Locale.ROOT), ipv4);
        return this;
    }

    /** Answers {@code name} with {@code address}, but only once {@link #release} is called for it. */
    StubNameServer hold(String name, String address) throws Exception {
        held.put(name.toLowerCase(Locale.ROOT), new ConcurrentLinkedQueue<>());
        return answer(name, address);
    }

    /** Sends the held answers for {@code name}, and answers it at once from now on. */
    void release(String name) {
        Queue<DatagramDnsQuery> waiting = held.remove(name.toLowerCase(Locale.ROOT));
        channel.eventLoop().execute(() -> waiting.forEach(query -> respond(query)));
    }

    /** The names asked so far ({@code A} and {@code AAAA}), in order, without the trailing dot. */
    List<String> asked() {
        return List.copyOf(asked);
    }

    /** Whether {@code name} was asked for. */
    boolean wasAsked(String name) {
        return asked.contains(name.toLowerCase(Locale.ROOT));
    }

    /** This server, as the only one a resolver asks. */
    DnsServerAddressStreamProvider asOnlyServer() {
        return new SingletonDnsServerAddressStreamProvider((InetSocketAddress) channel.localAddress());
    }

    private void respond(DatagramDnsQuery query) {
        try {
            DnsQuestion question = query.recordAt(DnsSection.QUESTION);
            String name = name(question);
            DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
            response.addRecord(DnsSection.QUESTION, question);
            InetAddress address = names.get(name);
            if (address == null) {
                response.setCode(DnsResponseCode.NXDOMAIN);
            } else if (question.type() == DnsRecordType.A) {
                response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.A, 60,
                        Unpooled.wrappedBuffer(address.getAddress())));
            }
            channel.writeAndFlush(response);
        } finally {
            query.release();
        }
    }

    private static String name(DnsQuestion question) {
        String name = question.name().toLowerCase(Locale.ROOT);
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    @Override
    public void close() {
        held.values().forEach(waiting -> waiting.forEach(DatagramDnsQuery::release));
        held.clear();
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Records each query, then answers it or holds it. */
    private final class Answering extends SimpleChannelInboundHandler<DatagramDnsQuery> {
        Answering() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
            String name = name(query.recordAt(DnsSection.QUESTION));
            asked.add(name);
            Queue<DatagramDnsQuery> waiting = held.get(name);
            if (waiting != null) {
                waiting.add(query);
            } else {
                respond(query);
            }
        }
    }
}
