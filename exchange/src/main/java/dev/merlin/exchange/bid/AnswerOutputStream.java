package dev.merlin.exchange.bid;

import java.io.OutputStream;
import org.agrona.ExpandableArrayBuffer;

/**
 * An output stream into a context's answer buffer that grows it up to a maximum and throws
 * {@link AnswerTooLargeException} past it, so an answer over {@code server.maxResponseBytes} is never sent.
 */
final class AnswerOutputStream extends OutputStream {

    private final ExpandableArrayBuffer buffer;
    private final int maxBytes;
    private int position;

    AnswerOutputStream(ExpandableArrayBuffer buffer, int maxBytes) {
        this.buffer = buffer;
        this.maxBytes = maxBytes;
    }

    /** Starts a new answer at offset 0. */
    AnswerOutputStream reset() {
        position = 0;
        return this;
    }

    /** Bytes written since {@link #reset()}. */
    int position() {
        return position;
    }

    @Override
    public void write(int b) {
        ensure(1);
        buffer.putByte(position++, (byte) b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        ensure(length);
        buffer.putBytes(position, bytes, offset, length);
        position += length;
    }

    @Override
    public void close() {
        // the buffer belongs to the context: nothing to release
    }

    private void ensure(int length) {
        if (length > maxBytes - position) {
            throw new AnswerTooLargeException(maxBytes);
        }
    }
}
