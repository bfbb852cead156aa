package dev.merlin.exchange.privacy;

import dev.merlin.exchange.store.ChronicleMapFiles;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ObjLongConsumer;
import net.openhft.chronicle.map.ChronicleMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * User keys (Merlin uids, device ids) that opted out with Merlin itself, persisted so the choice survives a
 * restart: the auction treats their requests as contextual, and nothing more is recorded about them, even when a
 * seller's request or an app's event arrives without the opt-out cookie.
 *
 * <p>Opt-outs are kept for good, and anyone can make one (a fresh uid from any pixel, then {@code /optout}), so the
 * registry can fill up ({@code stores.optOutEntries}). A full registry never stands in the way of the opt-out
 * itself: {@link #add} counts the key it could not remember ({@link #fullRejections()}), logs once, and returns
 * false; the user's data is erased and the browser's opt-out cookie set all the same.
 */
public final class OptOutRegistry implements AutoCloseable {

    public static final String FILE = "optouts.cm3";
    private static final Logger LOG = LoggerFactory.getLogger(OptOutRegistry.class);

    private final ChronicleMapFiles.Opened<CharSequence, Long> opened;
    private final AtomicLong fullRejections = new AtomicLong();
    private final AtomicBoolean fullLogged = new AtomicBoolean();

    /** Opens the registry under {@code dataDir}, sized for {@code entries} keys of a Merlin uid's length. */
    public OptOutRegistry(Path dataDir, long entries) {
        this.opened = ChronicleMapFiles.open(dataDir, FILE, ChronicleMap.of(CharSequence.class, Long.class)
                .name("merlin-optouts").entries(entries).averageKeySize(UidCookies.LENGTH));
    }

    /**
     * Records that {@code userKey} opted out at {@code epochSeconds}; false, counted, when the registry is full and
     * could not remember it.
     */
    public boolean add(CharSequence userKey, long epochSeconds) {
        try {
            opened.map().put(userKey, epochSeconds);
            return true;
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (!ChronicleMapFiles.isFull(e)) {
                throw e;
            }
            fullRejections.incrementAndGet();
            if (fullLogged.compareAndSet(false, true)) {
                LOG.error("opt-out registry {} is full at {} keys: opt-outs from now on still erase the user and set"
                        + " the browser's opt-out cookie, but a request naming the user without that cookie is no"
                        + " longer refused; raise stores.optOutEntries (fixed when the file is created)",
                        FILE, opened.map().longSize());
            }
            return false;
        }
    }

    /** Whether {@code userKey} opted out; false for null. */
    public boolean contains(CharSequence userKey) {
        return userKey != null && opened.map().containsKey(userKey);
    }

    /** Hands every opted-out key and when it opted out to {@code sink}. Start-up work: it walks the whole map. */
    public void forEach(ObjLongConsumer<CharSequence> sink) {
        opened.map().forEach((key, epochSeconds) -> sink.accept(key, epochSeconds));
    }

    /** Opt-outs that could not be remembered because the registry was full. */
    public long fullRejections() {
        return fullRejections.get();
    }

    /** Keys remembered as opted out. */
    public long size() {
        return opened.map().longSize();
    }

    @Override
    public void close() {
        opened.close();
    }
}
