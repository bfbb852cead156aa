package dev.merlin.exchange.http;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates {@code gzip} and {@code deflate} request bodies as they stream in, and accepts only a whole stream: a
 * gzip body must end with its trailer (CRC-32 and length of the inflated data, both checked) and nothing after it;
 * a deflate body (zlib, or raw deflate as some clients send) must reach its final block, and zlib's Adler-32 must
 * match. Anything else — empty, truncated at any byte, corrupt, a wrong checksum, data after the end — is answered
 * {@code 400} ({@code bad_gzip}, counted) and the connection closes, since the rest of what it sent cannot be trusted.
 *
 * <p>The size limit is not this handler's to answer: it inflates at most one byte past {@code maxBodyBytes}, passes
 * that on so the aggregator answers its {@code 413}, and inflates nothing more on this connection. A request with no
 * body, or another {@code Content-Encoding}, passes through untouched, for the endpoint to refuse ({@code 415}).
 * Netty's {@code HttpContentDecompressor} is not used because it passes a truncated stream as a complete one.
 */
final class RequestBodyInflater extends ChannelInboundHandlerAdapter {

    /** Largest buffer of inflated bytes passed on at once. */
    private static final int OUTPUT_CHUNK_BYTES = 8192;
    private static final int GZIP_MAGIC_0 = 0x1f;
    private static final int GZIP_MAGIC_1 = 0x8b;
    private static final int GZIP_FIXED_HEADER_BYTES = 10;
    private static final int GZIP_TRAILER_BYTES = 8;
    private static final int FHCRC = 0x02;
    private static final int FEXTRA = 0x04;
    private static final int FNAME = 0x08;
    private static final int FCOMMENT = 0x10;
    private static final int FRESERVED = 0xe0;

    private enum Phase {
        /** Not inflating: an identity body, another encoding, or between requests. */
        PASS,
        /** Deflate: reading the first two bytes, which tell zlib from raw deflate. */
        DEFLATE_START,
        /** Gzip: the fixed header (10 bytes), then the optional fields the flags announce. */
        GZIP_HEADER,
        GZIP_EXTRA_LENGTH,
        GZIP_EXTRA,
        GZIP_NAME,
        GZIP_COMMENT,
        GZIP_HEADER_CRC,
        /** The deflate data itself. */
        DATA,
        /** Gzip: CRC-32 and ISIZE, little-endian. */
        GZIP_TRAILER,
        /** The stream ended properly; any further byte is an error. */
        DONE,
        /** The body was refused or grew over the limit: everything read on this connection is dropped. */
        DISCARD
    }

    private static final Phase[] OPTIONAL_FIELDS = {
        Phase.GZIP_EXTRA_LENGTH, Phase.GZIP_NAME, Phase.GZIP_COMMENT, Phase.GZIP_HEADER_CRC};
    private static final int[] OPTIONAL_FIELD_FLAGS = {FEXTRA, FNAME, FCOMMENT, FHCRC};

    private final int maxBodyBytes;
    private final ExchangeMetrics metrics;
    private final CRC32 crc = new CRC32();
    private Phase phase = Phase.PASS;
    private boolean isGzip;
    private Inflater inflater;
    private long inflatedBytes;
    private long compressedBytes;
    /** Header or trailer bytes gathered so far: fixed header, XLEN, FHCRC, the trailer. */
    private final byte[] pending = new byte[GZIP_FIXED_HEADER_BYTES];
    private int pendingLength;
    private int flags;
    private int extraRemaining;

    RequestBodyInflater(int maxBodyBytes, ExchangeMetrics metrics) {
        this.maxBodyBytes = maxBodyBytes;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (phase == Phase.DISCARD) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof FullHttpMessage) {
            // the codec makes one only of a request it could not parse, which has no body to inflate
            end();
            ctx.fireChannelRead(msg);
            return;
        }
        if (msg instanceof HttpMessage) {
            begin((HttpMessage) msg);
            ctx.fireChannelRead(msg);
            return;
        }
        if (phase == Phase.PASS || !(msg instanceof HttpContent)) {
            ctx.fireChannelRead(msg);
            return;
        }
        HttpContent content = (HttpContent) msg;
        try {
            if (!content.decoderResult().isSuccess()) {
                // the codec gave up mid-body: the aggregator and handler answer that, nothing to inflate
                end();
                ctx.fireChannelRead(content.retain());
                return;
            }
            String problem = inflate(ctx, content.content());
            if (problem == null && content instanceof LastHttpContent) {
                problem = endOfBody();
                if (problem == null) {
                    HttpHeaders trailers = ((LastHttpContent) content).trailingHeaders();
                    end();
                    ctx.fireChannelRead(trailers.isEmpty() ? LastHttpContent.EMPTY_LAST_CONTENT
                            : new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, trailers.copy()));
                }
            }
            if (problem != null) {
                refuse(ctx, problem);
            }
        } finally {
            content.release();
        }
    }

    private void begin(HttpMessage message) {
        end();
        HttpHeaders headers = message.headers();
        String encoding = headers.get(HttpHeaderNames.CONTENT_ENCODING);
        if (encoding == null || headers.getAll(HttpHeaderNames.CONTENT_ENCODING).size() != 1) {
            return; // none, or two (encoded twice): the endpoint refuses what it cannot read
        }
        if (!HttpUtil.isContentLengthSet(message) && !HttpUtil.isTransferEncodingChunked(message)) {
            return; // no body follows (a GET, say): nothing to inflate
        }
        if (message instanceof HttpRequest request && (HttpMethod.GET.equals(request.method())
                || HttpMethod.HEAD.equals(request.method()))) {
            return; // no GET endpoint reads a body, and a pixel answers its GIF whatever comes with it
        }
        encoding = encoding.trim();
        if (HttpHeaderValues.GZIP.contentEqualsIgnoreCase(encoding)
                || HttpHeaderValues.X_GZIP.contentEqualsIgnoreCase(encoding)) {
            isGzip = true;
            phase = Phase.GZIP_HEADER;
        } else if (HttpHeaderValues.DEFLATE.contentEqualsIgnoreCase(encoding)
                || HttpHeaderValues.X_DEFLATE.contentEqualsIgnoreCase(encoding)) {
            isGzip = false;
            phase = Phase.DEFLATE_START;
        } else {
            return;
        }
        headers.remove(HttpHeaderNames.CONTENT_ENCODING);
        // the inflated length is known only at the end: the aggregator sets it
        headers.remove(HttpHeaderNames.CONTENT_LENGTH);
        headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        crc.reset();
        inflatedBytes = 0;
        compressedBytes = 0;
        pendingLength = 0;
        flags = 0;
        extraRemaining = 0;
    }

    /** Inflates {@code in} and passes the result on; returns what is wrong with the stream, or null. */
    private String inflate(ChannelHandlerContext ctx, ByteBuf in) {
        compressedBytes += in.readableBytes();
        while (in.isReadable() && phase != Phase.DISCARD) {
            String problem;
            switch (phase) {
                case DEFLATE_START:
                    problem = deflateStart(in);
                    break;
                case GZIP_HEADER:
                case GZIP_EXTRA_LENGTH:
                case GZIP_EXTRA:
                case GZIP_NAME:
                case GZIP_COMMENT:
                case GZIP_HEADER_CRC:
                    problem = gzipHeader(in);
                    break;
                case DATA:
                    try {
                        problem = data(ctx, in);
                    } catch (DataFormatException e) {
                        problem = "corrupt compressed data (" + e.getMessage() + ")";
                    }
                    break;
                case GZIP_TRAILER:
                    problem = gzipTrailer(in);
                    break;
                default:
                    problem = "data after the end of the compressed stream";
            }
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    private String endOfBody() {
        if (phase == Phase.DONE || phase == Phase.DISCARD) {
            return null;
        }
        if (compressedBytes == 0) {
            return "empty: even an empty " + (isGzip ? "gzip" : "deflate") + " body has a header and an end";
        }
        return switch (phase) {
            case GZIP_TRAILER -> "truncated: the gzip trailer (CRC-32 and length) is missing or incomplete";
            case DATA -> "truncated: the body ends inside the compressed data";
            default -> "truncated: the body ends inside the " + (isGzip ? "gzip" : "deflate") + " header";
        };
    }

    private String deflateStart(ByteBuf in) {
        pending[pendingLength++] = in.readByte();
        if (pendingLength < 2) {
            return null;
        }
        int cmf = pending[0] & 0xff;
        int flg = pending[1] & 0xff;
        // RFC 1950: deflate method, a window of at most 32 KiB, and a header check that is a multiple of 31
        boolean isZlib = (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
        inflater = new Inflater(!isZlib);
        phase = Phase.DATA;
        return null; // the two bytes read are inflated first, before the rest of the body
    }

    private String gzipHeader(ByteBuf in) {
        while (in.isReadable()) {
            byte b = in.readByte();
            switch (phase) {
                case GZIP_HEADER:
                    String problem = fixedHeaderByte(b);
                    if (problem != null || phase == Phase.DATA) {
                        return problem;
                    }
                    break;
                case GZIP_EXTRA_LENGTH:
                    crc.update(b);
                    pending[pendingLength++] = b;
                    if (pendingLength == 2) {
                        extraRemaining = (pending[0] & 0xff) | (pending[1] & 0xff) << 8;
                        pendingLength = 0;
                        phase = Phase.GZIP_EXTRA;
                        if (extraRemaining == 0 && nextHeaderField(1)) {
                            return null;
                        }
                    }
                    break;
                case GZIP_EXTRA:
                    crc.update(b);
                    if (--extraRemaining == 0 && nextHeaderField(1)) {
                        return null;
                    }
                    break;
                case GZIP_NAME:
                case GZIP_COMMENT:
                    crc.update(b);
                    if (b == 0 && nextHeaderField(phase == Phase.GZIP_NAME ? 2 : 3)) {
                        return null;
                    }
                    break;
                case GZIP_HEADER_CRC:
                    pending[pendingLength++] = b;
                    if (pendingLength == 2) {
                        int expected = (pending[0] & 0xff) | (pending[1] & 0xff) << 8;
                        if (expected != ((int) crc.getValue() & 0xffff)) {
                            return "the gzip header checksum does not match";
                        }
                        pendingLength = 0;
                        startGzipData();
                        return null;
                    }
                    break;
                default:
                    throw new IllegalStateException("not in the gzip header: " + phase);
            }
        }
        return null;
    }

    /**
     * One byte of the gzip fixed header: what is wrong with it, or null; after the tenth byte the phase moves on to
     * the first optional field the flags announce, or to the deflate data.
     */
    private String fixedHeaderByte(byte b) {
        pending[pendingLength++] = b;
        crc.update(b);
        if (pendingLength == 1 && (b & 0xff) != GZIP_MAGIC_0 || pendingLength == 2 && (b & 0xff) != GZIP_MAGIC_1) {
            return "not gzip: the body does not start with the gzip magic bytes";
        }
        if (pendingLength == 3 && b != 8) {
            return "unsupported gzip compression method " + (b & 0xff);
        }
        if (pendingLength == 4 && ((flags = b & 0xff) & FRESERVED) != 0) {
            return "reserved gzip header flags are set";
        }
        if (pendingLength == GZIP_FIXED_HEADER_BYTES) {
            pendingLength = 0;
            nextHeaderField(0);
        }
        return null;
    }

    /**
     * Moves on to the first optional header field from {@code from} on (0 extra, 1 name, 2 comment, 3 header CRC,
     * RFC 1952's order) that the flags announce; returns whether there is none left and the deflate data starts.
     */
    private boolean nextHeaderField(int from) {
        for (int i = from; i < OPTIONAL_FIELDS.length; i++) {
            if ((flags & OPTIONAL_FIELD_FLAGS[i]) != 0) {
                phase = OPTIONAL_FIELDS[i];
                return false;
            }
        }
        startGzipData();
        return true;
    }

    private void startGzipData() {
        crc.reset();
        inflater = new Inflater(true);
        phase = Phase.DATA;
    }

    private String data(ChannelHandlerContext ctx, ByteBuf in) throws DataFormatException {
        if (pendingLength > 0) {
            // deflate: the two bytes that told zlib from raw deflate
            inflater.setInput(pending, 0, pendingLength);
            pendingLength = 0;
            String problem = inflateInput(ctx);
            if (problem != null || phase == Phase.DISCARD) {
                return problem;
            }
            if (inflater.finished()) {
                endData();
                return null;
            }
        }
        ByteBuffer input = in.nioBuffer();
        int offered = input.remaining();
        inflater.setInput(input);
        String problem = inflateInput(ctx);
        if (problem != null || phase == Phase.DISCARD) {
            return problem;
        }
        in.skipBytes(offered - inflater.getRemaining());
        if (inflater.finished()) {
            endData();
        }
        return null;
    }

    /**
     * Inflates the inflater's input until it needs more or the stream ends, passing the output on; stops at one
     * byte over the limit and discards the rest of the connection.
     */
    private String inflateInput(ChannelHandlerContext ctx) throws DataFormatException {
        ByteBuf out = null;
        try {
            while (true) {
                if (out == null) {
                    long allowed = maxBodyBytes + 1L - inflatedBytes;
                    out = ctx.alloc().heapBuffer((int) Math.min(OUTPUT_CHUNK_BYTES, allowed));
                }
                int writerIndex = out.writerIndex();
                int n = inflater.inflate(out.nioBuffer(writerIndex, out.writableBytes()));
                if (n > 0) {
                    if (isGzip) {
                        crc.update(out.nioBuffer(writerIndex, n));
                    }
                    out.writerIndex(writerIndex + n);
                    inflatedBytes += n;
                }
                if (inflatedBytes > maxBodyBytes) {
                    // the aggregator answers 413 and closes; inflating more would only burn CPU
                    ByteBuf over = out;
                    out = null;
                    end();
                    phase = Phase.DISCARD;
                    ctx.fireChannelRead(new DefaultHttpContent(over));
                    return null;
                }
                if (!out.isWritable()) {
                    ByteBuf full = out;
                    out = null;
                    ctx.fireChannelRead(new DefaultHttpContent(full));
                    continue;
                }
                if (inflater.finished() || inflater.needsInput()) {
                    return null;
                }
                if (inflater.needsDictionary()) {
                    return "the deflate stream asks for a preset dictionary";
                }
            }
        } finally {
            if (out != null) {
                if (out.isReadable()) {
                    ctx.fireChannelRead(new DefaultHttpContent(out));
                } else {
                    out.release();
                }
            }
        }
    }

    private void endData() {
        inflater.end();
        inflater = null;
        phase = isGzip ? Phase.GZIP_TRAILER : Phase.DONE;
    }

    private String gzipTrailer(ByteBuf in) {
        while (in.isReadable() && pendingLength < GZIP_TRAILER_BYTES) {
            pending[pendingLength++] = in.readByte();
        }
        if (pendingLength < GZIP_TRAILER_BYTES) {
            return null;
        }
        long expectedCrc = littleEndianInt(0);
        long expectedLength = littleEndianInt(4);
        if (expectedCrc != crc.getValue()) {
            return "the gzip CRC-32 does not match the inflated data";
        }
        if (expectedLength != (inflatedBytes & 0xffffffffL)) {
            return "the gzip length (ISIZE) does not match the inflated data";
        }
        pendingLength = 0;
        phase = Phase.DONE;
        return null;
    }

    private long littleEndianInt(int at) {
        return (pending[at] & 0xffL) | (pending[at + 1] & 0xffL) << 8 | (pending[at + 2] & 0xffL) << 16
                | (pending[at + 3] & 0xffL) << 24;
    }

    /** Answers the refusal, counted, and closes: nothing more this connection sends is read. */
    private void refuse(ChannelHandlerContext ctx, String problem) {
        end();
        phase = Phase.DISCARD;
        metrics.httpError(400, "bad_gzip");
        String encoding = isGzip ? "gzip" : "deflate";
        FullHttpResponse response = HttpResponses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST,
                "bad_gzip: the request body is not valid " + encoding + ": " + problem, null);
        LingeringClose.answerThenClose(ctx, response);
    }

    private void end() {
        if (inflater != null) {
            inflater.end();
            inflater = null;
        }
        if (phase != Phase.DISCARD) {
            phase = Phase.PASS;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        end();
    }
}
