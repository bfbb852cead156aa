package dev.merlin.exchange.events;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A log file on a disk that can fill up: while {@link Disk#isFull} is set a write puts out at most
 * {@link Disk#partialBytes} bytes and then fails with "No space left on device", as a real full disk does.
 */
final class DiskFullFileChannel extends FileChannel {

    /** The shared state of the pretend disk, and the {@link EventLogAgent.FileOpener} that opens files on it. */
    static final class Disk implements EventLogAgent.FileOpener {
        final AtomicBoolean isFull = new AtomicBoolean();
        final AtomicBoolean truncateFails = new AtomicBoolean();
        volatile int partialBytes;

        @Override
        public FileChannel open(Path file) throws IOException {
            return new DiskFullFileChannel(EventLogAgent.CREATE_NEW.open(file), this);
        }
    }

    private final FileChannel delegate;
    private final Disk disk;

    private DiskFullFileChannel(FileChannel delegate, Disk disk) {
        this.delegate = delegate;
        this.disk = disk;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (!disk.isFull.get()) {
            return delegate.write(src);
        }
        int partial = Math.min(disk.partialBytes, src.remaining());
        if (partial > 0) {
            ByteBuffer part = src.duplicate();
            part.limit(part.position() + partial);
            delegate.write(part);
            src.position(part.position());
        }
        throw new IOException("No space left on device");
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        if (disk.truncateFails.get()) {
            throw new IOException("Input/output error");
        }
        delegate.truncate(size);
        return this;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return delegate.read(dsts, offset, length);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        throw new UnsupportedOperationException("not used by the event log");
    }

    @Override
    public long position() throws IOException {
        return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        delegate.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return delegate.size();
    }

    @Override
    public void force(boolean metaData) throws IOException {
        delegate.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        throw new UnsupportedOperationException("not used by the event log");
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return delegate.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        throw new UnsupportedOperationException("not used by the event log");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return delegate.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        delegate.close();
    }
}
