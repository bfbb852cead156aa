package dev.merlin.exchange.dsp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Gzip for one event loop's DSP calls: compresses request bodies and inflates answers with a deflater, an inflater
 * and a CRC reused call after call (Netty's content codecs build an embedded channel per message).
 *
 * <p>An answer is inflated whole once its last byte arrived, into a buffer that may not grow past the answer limit:
 * a gzip bomb costs at most the limit, and is told apart ({@code null}: too large) from a corrupt member
 * ({@link DataFormatException}).
 *
 * <pre>
 * member:  1f 8b 08 FLG | MTIME(4) XFL OS | [XLEN(2) extra] [name 0] [comment 0] [CRC16(2)] | deflate | CRC32 ISIZE
 * </pre>
 */
final class GzipBodies {

    /** The member header written: magic, deflate, no flags, no time, no extra flags, unknown OS. */
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final int HEADER_BYTES = 10;
    private static final int TRAILER_BYTES = 8;
    private static final int STEP_BYTES = 4096;
    private static final int FLAG_HEADER_CRC = 2;
    private static final int FLAG_EXTRA = 4;
    private static final int FLAG_NAME = 8;
    private static final int FLAG_COMMENT = 16;

    private final Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();

    /** {@code body} as one gzip member; {@code body} is released. */
    ByteBuf compress(ByteBufAllocator alloc, ByteBuf body) {
        int size = body.readableBytes();
        ByteBuf out = alloc.buffer(size / 2 + HEADER_BYTES + TRAILER_BYTES + 64);
        try {
            ByteBuffer input = body.nioBuffer();
            crc.reset();
            crc.update(input.duplicate());
            deflater.reset();
            deflater.setInput(input);
            deflater.finish();
            out.writeBytes(HEADER);
            while (!deflater.finished()) {
                out.ensureWritable(STEP_BYTES);
                int written = deflater.deflate(out.nioBuffer(out.writerIndex(), out.writableBytes()));
                out.writerIndex(out.writerIndex() + written);
            }
            out.writeIntLE((int) crc.getValue());
            out.writeIntLE(size);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        } finally {
            deflater.reset();
            body.release();
        }
    }

    /**
     * The gzip member in {@code member} inflated (the caller still owns {@code member}), or null when it inflates to
     * more than {@code maxBytes}.
     *
     * @throws DataFormatException when it is not one whole gzip member, or its CRC or size do not match
     */
    ByteBuf inflate(ByteBufAllocator alloc, ByteBuf member, int maxBytes) throws DataFormatException {
        int start = member.readerIndex();
        int end = member.writerIndex();
        int data = dataStart(member, start, end);
        ByteBuf out = alloc.buffer(Math.min(maxBytes + 1, Math.max(STEP_BYTES, (end - data) * 4)), maxBytes + 1);
        try {
            inflater.reset();
            inflater.setInput(member.nioBuffer(data, end - data));
            while (!inflater.finished()) {
                if (out.writerIndex() > maxBytes) {
                    out.release();
                    return null;
                }
                out.ensureWritable(Math.min(STEP_BYTES, out.maxWritableBytes()));
                int written = inflater.inflate(out.nioBuffer(out.writerIndex(), out.writableBytes()));
                out.writerIndex(out.writerIndex() + written);
                if (written == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new DataFormatException("gzip member ends early");
                }
            }
            if (out.writerIndex() > maxBytes) {
                out.release();
                return null;
            }
            checkTrailer(member, end - inflater.getRemaining(), end, out);
            return out;
        } catch (DataFormatException | RuntimeException e) {
            if (out.refCnt() > 0) {
                out.release();
            }
            throw e;
        } finally {
            inflater.reset();
        }
    }

    private void checkTrailer(ByteBuf member, int trailer, int end, ByteBuf out) throws DataFormatException {
        if (end - trailer != TRAILER_BYTES) {
            throw new DataFormatException("gzip trailer missing, or bytes after it");
        }
        crc.reset();
        crc.update(out.nioBuffer());
        if (member.getIntLE(trailer) != (int) crc.getValue() || member.getIntLE(trailer + 4) != out.readableBytes()) {
            throw new DataFormatException("gzip CRC or size does not match");
        }
    }

    /** Where the deflate data starts, after the member header and its optional fields. */
    private static int dataStart(ByteBuf member, int start, int end) throws DataFormatException {
        if (end - start < HEADER_BYTES + TRAILER_BYTES || member.getUnsignedByte(start) != 0x1f
                || member.getUnsignedByte(start + 1) != 0x8b || member.getUnsignedByte(start + 2) != 8) {
            throw new DataFormatException("not a gzip member");
        }
        int flags = member.getUnsignedByte(start + 3);
        int at = start + HEADER_BYTES;
        if ((flags & FLAG_EXTRA) != 0) {
            at = within(at + 2, end);
            at = within(at + member.getUnsignedShortLE(at - 2), end);
        }
        if ((flags & FLAG_NAME) != 0) {
            at = afterZero(member, at, end);
        }
        if ((flags & FLAG_COMMENT) != 0) {
            at = afterZero(member, at, end);
        }
        if ((flags & FLAG_HEADER_CRC) != 0) {
            at = within(at + 2, end);
        }
        return at;
    }

    private static int afterZero(ByteBuf member, int at, int end) throws DataFormatException {
        int zero = member.indexOf(at, end, (byte) 0);
        if (zero < 0) {
            throw new DataFormatException("gzip header field not terminated");
        }
        return zero + 1;
    }

    private static int within(int at, int end) throws DataFormatException {
        if (at > end) {
            throw new DataFormatException("gzip header longer than the body");
        }
        return at;
    }
}
