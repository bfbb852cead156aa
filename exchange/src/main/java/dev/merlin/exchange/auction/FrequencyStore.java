package dev.merlin.exchange.auction;

import dev.merlin.exchange.store.ChronicleMapFiles;
import java.nio.file.Path;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.values.Values;

/**
 * Frequency caps: impressions per (user, campaign) in the current cap period, in a persisted Chronicle Map so
 * that counts survive a restart.
 *
 * <p>Key: {@code userHash * 31 + campaignIndex} mixed to 64 bits. Value, one {@code long}:
 * <pre>
 *  63            32 31             0
 * +----------------+----------------+
 * | window start   | impressions    |
 * | (epoch seconds)| in the window  |
 * +----------------+----------------+
 * </pre>
 * A window opens at the first impression and lasts the campaign's period. Reads reuse per-thread key and value
 * objects ({@code getUsing}): no allocation on the bid path.
 */
public final class FrequencyStore implements FrequencyView, AutoCloseable {

    static final String FILE = "frequency.cm3";

    private final ChronicleMapFiles.Opened<LongValue, LongValue> opened;
    private final ThreadLocal<LongValue[]> scratch = ThreadLocal.withInitial(
            () -> new LongValue[] {Values.newHeapInstance(LongValue.class), Values.newHeapInstance(LongValue.class)});

    /** Opens the store under {@code dataDir}, sized for {@code entries} (user, campaign) pairs. */
    public FrequencyStore(Path dataDir, long entries) {
        this.opened = ChronicleMapFiles.open(dataDir, FILE,
                ChronicleMap.of(LongValue.class, LongValue.class).name("merlin-frequency").entries(entries));
    }

    @Override
    public int impressions(long userHash, Campaign campaign, long nowEpochSeconds) {
        LongValue[] kv = scratch.get();
        kv[0].setValue(key(userHash, campaign.index));
        LongValue value = opened.map().getUsing(kv[0], kv[1]);
        if (value == null) {
            return 0;
        }
        long packed = value.getValue();
        long windowStart = packed >>> 32;
        if (nowEpochSeconds - windowStart >= campaign.frequencyCapPeriodSeconds) {
            return 0;
        }
        return (int) packed;
    }

    /** Counts one impression of {@code campaign} for the user; starts a new window when the last one ended. */
    public void record(long userHash, Campaign campaign, long nowEpochSeconds) {
        if (campaign.frequencyCapImpressions == 0 || userHash == 0) {
            return;
        }
        LongValue[] kv = scratch.get();
        kv[0].setValue(key(userHash, campaign.index));
        try (ExternalMapQueryContext<LongValue, LongValue, ?> context = opened.map().queryContext(kv[0])) {
            context.updateLock().lock();
            MapEntry<LongValue, LongValue> entry = context.entry();
            long packed = nowEpochSeconds << 32 | 1L;
            if (entry != null) {
                long old = entry.value().get().getValue();
                long windowStart = old >>> 32;
                if (nowEpochSeconds - windowStart < campaign.frequencyCapPeriodSeconds) {
                    packed = old + 1;
                }
                kv[1].setValue(packed);
                entry.doReplaceValue(context.wrapValueAsData(kv[1]));
            } else {
                kv[1].setValue(packed);
                context.absentEntry().doInsert(context.wrapValueAsData(kv[1]));
            }
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (!ChronicleMapFiles.isFull(e)) {
                throw e;
            }
            // a full store stops counting; caps then hold at their last count for new pairs only
        }
    }

    static long key(long userHash, int campaignIndex) {
        long h = userHash * 0x9E3779B97F4A7C15L + campaignIndex;
        return h == 0 ? 1 : h;
    }

    @Override
    public void close() {
        opened.close();
    }
}
