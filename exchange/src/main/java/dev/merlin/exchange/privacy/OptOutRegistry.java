package dev.merlin.exchange.privacy;

import dev.merlin.exchange.store.ChronicleMapFiles;
import java.nio.file.Path;
import net.openhft.chronicle.map.ChronicleMap;
import java.util.function.ObjLongConsumer;

/**
 * User keys (Merlin uids, device ids) that opted out with Merlin itself, persisted so the choice survives a
 * restart: the auction treats their requests as contextual, and nothing more is recorded about them, even when a
 * seller's request or an app's event arrives without the opt-out cookie.
 */
public final class OptOutRegistry implements AutoCloseable {

    public static final String FILE = "optouts.cm3";

    private final ChronicleMapFiles.Opened<CharSequence, Long> opened;

    /** Opens the registry under {@code dataDir}, sized for {@code entries} keys. */
    public OptOutRegistry(Path dataDir, long entries) {
        this.opened = ChronicleMapFiles.open(dataDir, FILE, ChronicleMap.of(CharSequence.class, Long.class)
                .name("merlin-optouts").entries(entries).averageKeySize(36));
    }

    /** Records that {@code userKey} opted out at {@code epochSeconds}. */
    public void add(CharSequence userKey, long epochSeconds) {
        opened.map().put(userKey, epochSeconds);
    }

    /** Whether {@code userKey} opted out; false for null. */
    public boolean contains(CharSequence userKey) {
        return userKey != null && opened.map().containsKey(userKey);
    }

    /** Hands every opted-out key and when it opted out to {@code sink}. Start-up work: it walks the whole map. */
    public void forEach(ObjLongConsumer<CharSequence> sink) {
        opened.map().forEach((key, epochSeconds) -> sink.accept(key, epochSeconds));
    }

    @Override
    public void close() {
        opened.close();
    }
}
