package dev.merlin.exchange.tracking;

import dev.merlin.config.MerlinConfig;
import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.auction.IabCategories;
import dev.merlin.exchange.segments.SegmentStore;
import dev.merlin.exchange.store.RecentTimes;
import dev.merlin.exchange.store.WindowCounters;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns activity into segments as it arrives: each rule matching an event (source, event name, category, minimum
 * value) counts it off-heap, and once the user's latest {@code minCount} matching events happened within the rule's
 * window of each other (a sliding window, in event time: a late batch counts when things happened, not when they
 * arrived) the segment is added to the segment store with the rule's time to live — where the next bid request for
 * that user finds it.
 *
 * <p>A rule keeps each user's latest {@code minCount} event times ({@code rule-times.cm3}); a rule wanting more than
 * {@link RecentTimes#MAX_TIMES} events counts them instead in a window opened by the first and lasting
 * {@code windowSeconds} ({@code rule-counters.cm3}, in event time too). Counts in {@code rule-counters.cm3} from
 * before rule times existed are not carried over to {@code rule-times.cm3}.
 */
public final class SegmentRules implements AutoCloseable {

    static final String COUNTER_FILE = "rule-counters.cm3";
    static final String TIMES_FILE = "rule-times.cm3";

    /** A rule compiled for matching. */
    private record Rule(int index, String id, String source, String category, double minValue, int minCount,
                        int windowSeconds, int segmentId, int ttlSeconds) {
    }

    private static final int[] NONE = new int[0];

    private final Map<String, List<Rule>> byEvent = new HashMap<>();
    private final int ruleCount;
    private final SegmentStore segments;
    private final WindowCounters counters;
    private final RecentTimes times;

    /** Compiles the config's rules over {@code segments}; rule counters live under {@code dataDir}. */
    public SegmentRules(MerlinConfig config, SegmentStore segments, Path dataDir, long counterEntries) {
        this.segments = segments;
        List<TrackingConfig.SegmentRuleConfig> rules = config.tracking().segmentRules();
        for (int i = 0; i < rules.size(); i++) {
            TrackingConfig.SegmentRuleConfig r = rules.get(i);
            Rule rule = new Rule(i, r.id(), r.source(), r.category(), r.minValue() == null ? 0 : r.minValue(),
                    r.minCount(), r.windowSeconds(), config.segmentId(r.segment()), r.ttlSeconds());
            for (String event : r.events()) {
                byEvent.computeIfAbsent(event, k -> new ArrayList<>()).add(rule);
            }
        }
        this.ruleCount = rules.size();
        long timesKept = 0;
        int counted = 0;
        for (TrackingConfig.SegmentRuleConfig r : rules) {
            if (r.minCount() > 1) {
                timesKept += Math.min(r.minCount(), RecentTimes.MAX_TIMES);
                counted++;
            }
        }
        int averageTimes = counted == 0 ? 1 : (int) Math.max(1, timesKept / counted);
        this.counters = new WindowCounters(dataDir, COUNTER_FILE, "merlin-rule-counters", counterEntries);
        try {
            this.times = new RecentTimes(dataDir, TIMES_FILE, "merlin-rule-times", counterEntries, averageTimes);
        } catch (RuntimeException e) {
            counters.close();
            throw e;
        }
    }

    /** Forgets the user's rule counts (erasure). */
    public void erase(long userHash) {
        for (int i = 0; i < ruleCount; i++) {
            counters.remove(WindowCounters.key(userHash, i));
            times.remove(WindowCounters.key(userHash, i));
        }
    }

    /**
     * Applies every rule to one event.
     *
     * @param sourceId          the pixel or event source it came from
     * @param userKey           the user's key in the segment store
     * @param userHash          the key's 64-bit hash, for the rule counters
     * @param event             event name
     * @param category          content category, or null
     * @param value             event value (0 when none)
     * @param eventEpochSeconds when it happened (membership lasts from then)
     * @param nowEpochSeconds   now (an event timed later is taken as happening now)
     * @return segment ids the user joined or renewed
     */
    public int[] apply(String sourceId, String userKey, long userHash, String event, String category, double value,
                       long eventEpochSeconds, long nowEpochSeconds) {
        List<Rule> rules = byEvent.get(event);
        if (rules == null) {
            return NONE;
        }
        int[] joined = NONE;
        long happened = Math.min(eventEpochSeconds, nowEpochSeconds);
        for (Rule rule : rules) {
            if (!matches(rule, sourceId, category, value)) {
                continue;
            }
            if (rule.minCount > 1 && !isReached(rule, userHash, happened)) {
                continue;
            }
            long expires = happened + rule.ttlSeconds;
            if (expires <= nowEpochSeconds) {
                continue;
            }
            segments.add(userKey, rule.segmentId, expires, nowEpochSeconds);
            joined = append(joined, rule.segmentId);
        }
        return joined;
    }

    /** Counts one event at {@code happened}: whether the rule's latest minCount events fall within its window. */
    private boolean isReached(Rule rule, long userHash, long happened) {
        long key = WindowCounters.key(userHash, rule.index);
        if (rule.minCount > RecentTimes.MAX_TIMES) {
            return counters.increment(key, happened, rule.windowSeconds) >= rule.minCount;
        }
        long span = times.add(key, happened, rule.minCount);
        return span >= 0 && span < rule.windowSeconds;
    }

    private static boolean matches(Rule rule, String sourceId, String category, double value) {
        if (!"*".equals(rule.source) && !rule.source.equals(sourceId)) {
            return false;
        }
        if (rule.category != null && (category == null || !IabCategories.isSameOrChild(category, rule.category))) {
            return false;
        }
        return value >= rule.minValue;
    }

    private static int[] append(int[] ids, int id) {
        for (int existing : ids) {
            if (existing == id) {
                return ids;
            }
        }
        int[] grown = Arrays.copyOf(ids, ids.length + 1);
        grown[ids.length] = id;
        return grown;
    }

    @Override
    public void close() {
        try {
            counters.close();
        } finally {
            times.close();
        }
    }
}
