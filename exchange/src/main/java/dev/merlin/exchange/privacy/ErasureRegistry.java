package dev.merlin.exchange.privacy;

import dev.merlin.exchange.store.ChronicleMapFiles;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.map.MapSegmentContext;
import net.openhft.chronicle.values.Values;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users whose data was erased or who opted out, by the 64-bit user hash that notice links carry ({@code u}), so
 * that a win or billing notice fired after the erasure — for an impression bought before it — puts nothing about
 * the user back, nor does an app's late event batch. Persisted under the data dir: links outlive a restart.
 *
 * <p>Value, one {@code long} per user hash:
 * <pre>
 *  63 62                                              0
 * +--+-------------------------------------------------+
 * |O |  last erasure, epoch seconds                    |
 * +--+-------------------------------------------------+
 * </pre>
 * {@code O} set: the user opted out, and everything is refused whenever it happened. Otherwise what happened at or
 * before the last erasure — a notice's auction (its signed {@code bt}), an app event's {@code time} — is refused,
 * and what happened after it (the user came back) is not. Reads reuse per-thread key and value objects
 * ({@code getUsing}): no allocation.
 *
 * <p>Sized by {@code stores.erasureEntries}. Opt-outs stay for good and anyone can make one, so the registry can
 * fill up: the data is then erased all the same, the user not remembered is counted ({@link #fullRejections()}) and
 * logged once, and that user's late notices and app events are no longer refused.
 */
public final class ErasureRegistry implements AutoCloseable {

    public static final String FILE = "erasures.cm3";
    private static final long OPTED_OUT = Long.MIN_VALUE;
    private static final long SECONDS_MASK = Long.MAX_VALUE;

    /** Why a notice may record nothing about its user. */
    public enum Refusal {
        /** The user's data was erased at or after the auction (or event) in question. */
        USER_ERASED,
        /** The user opted out with Merlin. */
        USER_OPT_OUT;

        private final String label = name().toLowerCase(Locale.ROOT);

        /** The reason as a lower-case metric label, e.g. {@code user_erased}. */
        public String label() {
            return label;
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ErasureRegistry.class);

    private final ChronicleMapFiles.Opened<LongValue, LongValue> opened;
    private final AtomicLong fullRejections = new AtomicLong();
    private final AtomicBoolean fullLogged = new AtomicBoolean();
    private final ThreadLocal<LongValue[]> scratch = ThreadLocal.withInitial(
            () -> new LongValue[] {Values.newHeapInstance(LongValue.class), Values.newHeapInstance(LongValue.class)});

    /** Opens the registry under {@code dataDir}, sized for {@code entries} users. */
    public ErasureRegistry(Path dataDir, long entries) {
        this.opened = ChronicleMapFiles.open(dataDir, FILE, ChronicleMap.of(LongValue.class, LongValue.class)
                .name("merlin-erasures").entries(entries));
    }

    /** Records that the data of the user with {@code userHash} was erased at {@code epochSeconds}. */
    public void erased(long userHash, long epochSeconds) {
        mark(userHash, epochSeconds, 0);
    }

    /** Records that the user with {@code userHash} opted out (and was erased) at {@code epochSeconds}. */
    public void optedOut(long userHash, long epochSeconds) {
        mark(userHash, epochSeconds, OPTED_OUT);
    }

    private void mark(long userHash, long epochSeconds, long flags) {
        if (userHash == 0) {
            return;
        }
        try {
            put(userHash, epochSeconds, flags);
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (!ChronicleMapFiles.isFull(e)) {
                throw e;
            }
            // never in the way of the erasure itself: the data goes whatever the registry can remember
            fullRejections.incrementAndGet();
            if (fullLogged.compareAndSet(false, true)) {
                LOG.error("erasure registry {} is full at {} users: late notices and app events of users erased from"
                        + " now on are not refused; raise stores.erasureEntries (fixed when the file is created)",
                        FILE, opened.map().longSize());
            }
        }
    }

    private void put(long userHash, long epochSeconds, long flags) {
        LongValue[] kv = scratch.get();
        kv[0].setValue(userHash);
        try (ExternalMapQueryContext<LongValue, LongValue, ?> context = opened.map().queryContext(kv[0])) {
            context.updateLock().lock();
            MapEntry<LongValue, LongValue> entry = context.entry();
            long packed = flags | (epochSeconds & SECONDS_MASK);
            if (entry != null) {
                long old = entry.value().get().getValue();
                // an opt-out is never undone, and an erasure never moves back in time
                packed = ((old | flags) & OPTED_OUT) | Math.max(old & SECONDS_MASK, epochSeconds & SECONDS_MASK);
                kv[1].setValue(packed);
                entry.doReplaceValue(context.wrapValueAsData(kv[1]));
            } else {
                kv[1].setValue(packed);
                context.absentEntry().doInsert(context.wrapValueAsData(kv[1]));
            }
        }
    }

    /**
     * Why something about the user with {@code userHash} that happened at {@code atEpochSeconds} may not be
     * recorded; null when it may (or {@code userHash} is 0, no user).
     *
     * @param atEpochSeconds when it happened: a notice's auction time ({@code bt}), an app event's time
     */
    public Refusal refusal(long userHash, long atEpochSeconds) {
        if (userHash == 0) {
            return null;
        }
        LongValue[] kv = scratch.get();
        kv[0].setValue(userHash);
        LongValue value = opened.map().getUsing(kv[0], kv[1]);
        if (value == null) {
            return null;
        }
        long packed = value.getValue();
        if ((packed & OPTED_OUT) != 0) {
            return Refusal.USER_OPT_OUT;
        }
        return atEpochSeconds <= (packed & SECONDS_MASK) ? Refusal.USER_ERASED : null;
    }

    /** What the registry holds of a user: an opt-out, and the time of the last erasure (or opt-out). */
    public record State(boolean isOptedOut, long epochSeconds) {
    }

    /** The user's state as the registry holds it; null when it holds none (or {@code userHash} is 0). */
    public State state(long userHash) {
        if (userHash == 0) {
            return null;
        }
        LongValue[] kv = scratch.get();
        kv[0].setValue(userHash);
        LongValue value = opened.map().getUsing(kv[0], kv[1]);
        return value == null ? null
                : new State((value.getValue() & OPTED_OUT) != 0, value.getValue() & SECONDS_MASK);
    }

    /**
     * Forgets erasures made before {@code cutoffEpochSeconds}: once no notice or event timed before the erasure can
     * still be accepted (charge window, event lateness), remembering it protects nothing. Opt-outs are kept for good.
     * Maintenance work, one Chronicle segment lock at a time; never on an event loop.
     *
     * @return the number of erasures forgotten
     */
    public long purgeErasedBefore(long cutoffEpochSeconds) {
        long[] removed = new long[1];
        ChronicleMap<LongValue, LongValue> map = opened.map();
        for (int segment = 0, segments = map.segments(); segment < segments; segment++) {
            try (MapSegmentContext<LongValue, LongValue, ?> context = map.segmentContext(segment)) {
                context.forEachSegmentEntry(entry -> {
                    long packed = entry.value().get().getValue();
                    if ((packed & OPTED_OUT) == 0 && (packed & SECONDS_MASK) < cutoffEpochSeconds) {
                        entry.doRemove();
                        removed[0]++;
                    }
                });
            }
        }
        if (removed[0] > 0) {
            fullLogged.set(false);
        }
        return removed[0];
    }

    /** Erasures and opt-outs that could not be remembered because the registry was full. */
    public long fullRejections() {
        return fullRejections.get();
    }

    /** Users remembered (erased or opted out). */
    public long size() {
        return opened.map().longSize();
    }

    @Override
    public void close() {
        opened.close();
    }
}
