package dev.merlin.exchange.http;

import dev.merlin.config.ServerConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * One connection's pipeline: HTTP codec → keep-alive → idle timeout → gzip/deflate request bodies → bounded
 * aggregation → the exchange handler.
 */
public final class HttpPipeline extends ChannelInitializer<Channel> {

    private final ServerConfig server;
    private final ExchangeMetrics metrics;
    private final ExchangeHandler handler;

    /** A pipeline factory over a running exchange; the handler is shared by every connection. */
    public HttpPipeline(ExchangeRuntime runtime) {
        this.server = runtime.config().server();
        this.metrics = runtime.metrics();
        this.handler = new ExchangeHandler(runtime);
    }

    @Override
    protected void initChannel(Channel channel) {
        metrics.connectionOpened();
        configure(channel.pipeline());
    }

    /** Adds the handlers to {@code pipeline} (also used by tests on an {@code EmbeddedChannel}). */
    public void configure(ChannelPipeline pipeline) {
        pipeline.addLast("codec", new HttpServerCodec(server.maxInitialLineBytes(), server.maxHeaderBytes(), 8192));
        pipeline.addLast("keepAlive", new HttpServerKeepAliveHandler());
        pipeline.addLast("idle", new IdleStateHandler(0, 0, server.idleTimeoutSeconds(), TimeUnit.SECONDS));
        pipeline.addLast("decompressor", new HttpContentDecompressor(false, server.maxBodyBytes()));
        pipeline.addLast("aggregator", new BoundedAggregator(server.maxBodyBytes(), metrics));
        pipeline.addLast("exchange", handler);
    }
}
