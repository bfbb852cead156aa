package dev.merlin.exchange.http;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.PrematureChannelClosureException;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler: an exception that reached the end of the pipeline closes only its connection. Told apart by type:
 * the peer going away mid-request (an {@link IOException} from the socket, a premature close) is not counted; out of
 * memory is counted by kind; anything else is counted and logged once per exception class.
 */
@ChannelHandler.Sharable
final class ConnectionErrors extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionErrors.class);

    private final ExchangeMetrics metrics;
    private final Set<Class<?>> loggedCauses = ConcurrentHashMap.newKeySet();

    ConnectionErrors(ExchangeMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
        Throwable root = rootCause(cause);
        UnwrittenBytes.countOutOfMemory(metrics, root);
        if (isPeerGone(root)) {
            return;
        }
        metrics.channelException();
        if (loggedCauses.add(root.getClass())) {
            LOG.warn("closing {} after an unexpected {} (logged once per cause)", ctx.channel(), root.toString(),
                    cause);
        }
    }

    /** Whether {@code root} says the peer went away mid-request: nothing to answer, nothing to count. */
    static boolean isPeerGone(Throwable root) {
        return root instanceof IOException || root instanceof PrematureChannelClosureException;
    }

    private static Throwable rootCause(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}
