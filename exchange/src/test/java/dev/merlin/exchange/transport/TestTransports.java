package dev.merlin.exchange.transport;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.concurrent.TimeUnit;

/**
 * Tests that run on each transport Merlin can be given ({@code server.transport}): the names they are parameterized
 * over, a transport this machine lacks skipped (never passed) with Netty's reason, and a bounded shutdown.
 */
public final class TestTransports {

    /** How long a group may take to stop before the test fails instead of hanging. */
    private static final long STOP_SECONDS = 15;

    private TestTransports() {
    }

    /** {@code name}'s transport; the calling test is skipped, saying why, when this machine lacks it. */
    public static IoTransport assumeAvailable(String name) {
        IoTransport transport = IoTransport.named(name);
        Throwable unavailable = transport.unavailabilityCause();
        assumeTrue(unavailable == null, () -> name + " is not available on this machine: " + unavailable);
        return transport;
    }

    /** A group of {@code threads} event loops on {@code transport}. */
    public static EventLoopGroup group(IoTransport transport, int threads) {
        return new MultiThreadIoEventLoopGroup(threads, transport.handlerFactory());
    }

    /**
     * Stops {@code group}, failing rather than hanging when its loops have not stopped in 15 s (Netty 4.2.18's
     * io_uring loop once hung while stopping; {@code MerlinServer.close} bounds its wait the same way).
     */
    public static void shutDown(EventLoopGroup group) {
        assertTrue(group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(STOP_SECONDS,
                TimeUnit.SECONDS), "the event loops did not stop within " + STOP_SECONDS + " s");
    }
}
