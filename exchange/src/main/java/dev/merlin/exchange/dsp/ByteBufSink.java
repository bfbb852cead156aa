package dev.merlin.exchange.dsp;

import io.netty.buffer.ByteBuf;
import java.io.OutputStream;

/** An output stream appending to whichever buffer it currently points at, so one JSON generator serves them all. */
final class ByteBufSink extends OutputStream {

    private ByteBuf target;

    void target(ByteBuf buffer) {
        this.target = buffer;
    }

    @Override
    public void write(int b) {
        target.writeByte(b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        target.writeBytes(bytes, offset, length);
    }
}
