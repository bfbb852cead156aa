package dev.merlin.exchange.http;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.DecodeLimits;
import dev.merlin.protocol.InvalidRequestException;
import dev.merlin.protocol.model.BidRequest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * {@code POST /openrtb2/auction}: decodes and validates the bid request on the event loop, straight from the body
 * bytes. Until the auction lands, a valid request is answered 204 (no bid).
 */
final class AuctionEndpoint {

    private final ExchangeMetrics metrics;
    private final FastThreadLocal<BidRequestDecoder> decoders;
    private final FastThreadLocal<byte[]> scratch;

    AuctionEndpoint(DecodeLimits limits, int maxBodyBytes, ExchangeMetrics metrics) {
        this.metrics = metrics;
        this.decoders = new FastThreadLocal<>() {
            @Override
            protected BidRequestDecoder initialValue() {
                return new BidRequestDecoder(limits);
            }
        };
        this.scratch = new FastThreadLocal<>() {
            @Override
            protected byte[] initialValue() {
                return new byte[maxBodyBytes];
            }
        };
    }

    FullHttpResponse handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        ByteBuf body = request.content();
        int length = body.readableBytes();
        byte[] bytes;
        int offset;
        if (body.hasArray()) {
            bytes = body.array();
            offset = body.arrayOffset() + body.readerIndex();
        } else {
            bytes = scratch.get();
            if (bytes.length < length) {
                bytes = new byte[length];
                scratch.set(bytes);
            }
            body.getBytes(body.readerIndex(), bytes, 0, length);
            offset = 0;
        }
        BidRequest bidRequest;
        try {
            bidRequest = decoders.get().decode(bytes, offset, length);
        } catch (InvalidRequestException e) {
            metrics.bidRequestRejected(e.reason());
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, e.getMessage(), e.path());
        }
        metrics.bidRequestAccepted();
        assert bidRequest != null;
        return HttpResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT);
    }
}
