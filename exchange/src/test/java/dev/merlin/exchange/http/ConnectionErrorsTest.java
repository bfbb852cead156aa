package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.util.internal.OutOfDirectMemoryError;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ConnectionErrors}: every exception closes only its connection; what it counts is decided by the exception's
 * type (and its root cause's), never its message — each case's message is one that could mislead a text match.
 */
class ConnectionErrorsTest {

    static Stream<Arguments> errors() throws Exception {
        Constructor<OutOfDirectMemoryError> direct = OutOfDirectMemoryError.class.getDeclaredConstructor(String.class);
        direct.setAccessible(true);
        return Stream.of(
                // the peer went away: nothing counted
                Arguments.of(new SocketException("out of memory"), 0, 0, 0),
                Arguments.of(new IOException("unexpected"), 0, 0, 0),
                Arguments.of(new ClosedChannelException(), 0, 0, 0),
                Arguments.of(new DecoderException(new PrematureChannelClosureException("heap")), 0, 0, 0),
                // out of memory, by kind, and counted as an unexpected exception too
                Arguments.of(direct.newInstance("Connection reset by peer"), 1, 0, 1),
                Arguments.of(new RuntimeException(new OutOfMemoryError("Broken pipe")), 0, 1, 1),
                // anything else
                Arguments.of(new IllegalStateException("Connection reset by peer"), 0, 0, 1));
    }

    @ParameterizedTest
    @MethodSource("errors")
    void anExceptionIsCountedByItsTypeAndClosesItsConnection(Throwable error, int direct, int heap, int unexpected) {
        ExchangeMetrics metrics = new ExchangeMetrics();
        EmbeddedChannel channel = new EmbeddedChannel(new ConnectionErrors(metrics));
        channel.pipeline().fireExceptionCaught(error);
        assertFalse(channel.isOpen());
        assertEquals(direct, metrics.outOfMemoryCount("direct"));
        assertEquals(heap, metrics.outOfMemoryCount("heap"));
        assertEquals(unexpected, metrics.channelExceptions());
        channel.finishAndReleaseAll();
    }
}
