package dev.merlin.exchange.tracking;

import dev.merlin.exchange.store.ChronicleMapFiles;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.MapSegmentContext;

/**
 * The click-once rule: an impression (Merlin's auction id, imp id) is counted as clicked at most once, however often
 * its click link is followed (double clicks, reloads, prefetches).
 *
 * <p>Like the charge-once map, the memory ({@code clicked.cm3}: key auction id and imp id, value the auction's time)
 * is bounded in time: a click more than the window after its auction is not counted ({@link Click#EXPIRED}), and
 * {@link #purgeExpired}, run by the runtime's maintenance thread, removes what is older than the window plus a little
 * slack. The cut-off of the last purge is persisted, so whatever was forgotten is never counted again.
 */
public final class ClickLedger implements AutoCloseable {

    static final String FILE = "clicked.cm3";
    /** Kept past the window before a purge removes it. */
    static final long PURGE_SLACK_SECONDS = 600;
    /** The cut-off of the last purge; a click key always holds the {@code \u0001} separator, so never this. */
    private static final String PURGED_BEFORE_KEY = "clicked/purged-before";

    /** What became of a click. */
    public enum Click {
        /** The impression's first click: counted. */
        COUNTED,
        /** The impression was clicked before: not counted again. */
        REPEATED,
        /** Later than the window after its auction: not counted, it may have been forgotten. */
        EXPIRED,
        /** The memory is full: not counted, so no click is counted twice. */
        REFUSED_FULL;

        /** The metrics and event-log label. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final ChronicleMapFiles.Opened<CharSequence, Long> clicked;
    private final long windowSeconds;
    private final AtomicLong refusedFull = new AtomicLong();
    private volatile long purgedBeforeEpochSeconds;

    /** Opens {@code dataDir/clicked.cm3}, sized for the {@code entries} impressions clicked within the window. */
    public ClickLedger(Path dataDir, long entries, long windowSeconds) {
        if (windowSeconds <= 0) {
            throw new IllegalArgumentException("windowSeconds must be positive: " + windowSeconds);
        }
        this.windowSeconds = windowSeconds;
        this.clicked = ChronicleMapFiles.open(dataDir, FILE, ChronicleMap.of(CharSequence.class, Long.class)
                .name("merlin-clicked").entries(entries).averageKeySize(48));
        // held from the start, so that recording a purge never needs room in a full map
        Long purgedBefore = clicked.map().putIfAbsent(PURGED_BEFORE_KEY, Long.MIN_VALUE);
        this.purgedBeforeEpochSeconds = purgedBefore == null ? Long.MIN_VALUE : purgedBefore;
    }

    /** Records the click of impression (auction id, imp id) bid on at {@code auctionEpochSeconds}, once. */
    public Click click(String auctionId, String impId, long auctionEpochSeconds, long nowEpochSeconds) {
        if (auctionEpochSeconds < nowEpochSeconds - windowSeconds || auctionEpochSeconds < purgedBeforeEpochSeconds) {
            return Click.EXPIRED;
        }
        try {
            return clicked.map().putIfAbsent(auctionId + '\u0001' + impId, auctionEpochSeconds) == null
                    ? Click.COUNTED : Click.REPEATED;
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (!ChronicleMapFiles.isFull(e)) {
                throw e;
            }
            refusedFull.incrementAndGet();
            return Click.REFUSED_FULL;
        }
    }

    /**
     * Forgets clicks whose auction is older than the window and the slack, after recording that nothing older is
     * counted any more; returns how many. Maintenance, never on an event loop: it walks the whole map.
     */
    public long purgeExpired(long nowEpochSeconds) {
        long cutoff = nowEpochSeconds - windowSeconds - PURGE_SLACK_SECONDS;
        if (cutoff > purgedBeforeEpochSeconds) {
            // recorded first: a crash half-way through the purge must not reopen what it already removed
            clicked.map().put(PURGED_BEFORE_KEY, cutoff);
            purgedBeforeEpochSeconds = cutoff;
        }
        long before = purgedBeforeEpochSeconds;
        long[] removed = new long[1];
        ChronicleMap<CharSequence, Long> map = clicked.map();
        for (int segment = 0, segments = map.segments(); segment < segments; segment++) {
            try (MapSegmentContext<CharSequence, Long, ?> context = map.segmentContext(segment)) {
                context.forEachSegmentEntry(entry -> {
                    if (entry.value().get() < before && !PURGED_BEFORE_KEY.contentEquals(entry.key().get())) {
                        entry.doRemove();
                        removed[0]++;
                    }
                });
            }
        }
        return removed[0];
    }

    /** Clicks not counted because the memory was full. */
    public long refusedFull() {
        return refusedFull.get();
    }

    @Override
    public void close() {
        clicked.close();
    }
}
