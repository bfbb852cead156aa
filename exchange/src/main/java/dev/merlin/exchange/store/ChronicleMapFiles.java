package dev.merlin.exchange.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import net.openhft.chronicle.hash.ChronicleHashRecoveryFailedException;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a Chronicle Map persisted under the data directory so that it survives a restart and a {@code kill -9}.
 *
 * <p>Chronicle Map 2026.1 has no {@code createOrRecoverPersistedTo}, so a marker file {@code NAME.open}, held with
 * an OS file lock, exists exactly while a process has the map open: a marker left behind by a dead process means
 * {@code recoverPersistedTo} (resets locks the dead writer held, checks entries), otherwise
 * {@code createPersistedTo}. The lock also refuses a second process. {@link Opened#close()} removes the marker.
 */
public final class ChronicleMapFiles {

    private static final Logger LOG = LoggerFactory.getLogger(ChronicleMapFiles.class);

    private ChronicleMapFiles() {
    }

    /** A persisted map and its open marker. */
    public static final class Opened<K, V> implements AutoCloseable {
        private final ChronicleMap<K, V> map;
        private final boolean recovered;
        private final Path marker;
        private final FileChannel markerChannel;
        private final FileLock markerLock;
        private boolean closed;

        private Opened(ChronicleMap<K, V> map, boolean recovered, Path marker, FileChannel channel, FileLock lock) {
            this.map = map;
            this.recovered = recovered;
            this.marker = marker;
            this.markerChannel = channel;
            this.markerLock = lock;
        }

        /** The map. */
        public ChronicleMap<K, V> map() {
            return map;
        }

        /** Whether opening recovered the file after an unclean stop. */
        public boolean recovered() {
            return recovered;
        }

        /** Closes the map, then removes the marker: a clean stop. Idempotent. */
        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                map.close();
            } finally {
                try {
                    Files.deleteIfExists(marker);
                    markerLock.release();
                } catch (IOException e) {
                    LOG.warn("cannot remove {}: {}", marker, e.toString());
                } finally {
                    closeQuietly(markerChannel);
                }
            }
        }
    }

    /** Creates, reopens or recovers {@code dataDir/fileName} with {@code builder}'s sizing. Start-up work. */
    public static <K, V> Opened<K, V> open(Path dataDir, String fileName, ChronicleMapBuilder<K, V> builder) {
        Path file = dataDir.resolve(fileName);
        Path marker = dataDir.resolve(fileName + ".open");
        FileChannel channel = null;
        try {
            Files.createDirectories(dataDir);
            boolean fileExisted = Files.exists(file);
            boolean markerExisted = Files.exists(marker);
            channel = FileChannel.open(marker, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IllegalStateException(file + " is already open (" + marker + " is locked)");
            }
            channel.truncate(0);
            channel.write(StandardCharsets.US_ASCII.encode("pid " + ProcessHandle.current().pid() + "\n"), 0);
            channel.force(true);
            boolean recover = fileExisted && markerExisted;
            ChronicleMap<K, V> map;
            if (recover) {
                LOG.warn("{} was not closed cleanly; recovering", file);
                map = builder.recoverPersistedTo(file.toFile(), false);
            } else {
                map = builder.createPersistedTo(file.toFile());
            }
            return new Opened<>(map, recover, marker, channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot open " + file, e);
        } catch (ChronicleHashRecoveryFailedException e) {
            closeQuietly(channel);
            throw new IllegalStateException(file + " could not be recovered; move it aside to start empty", e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** True when {@code e} is Chronicle refusing a write because the map has no room left. */
    public static boolean isFull(RuntimeException e) {
        String message = e.getMessage();
        return message != null && (message.contains("segment tier") || message.contains("Entry is too large"));
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing; the original error is what matters
            }
        }
    }
}
