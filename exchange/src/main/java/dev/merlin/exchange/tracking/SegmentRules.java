package dev.merlin.exchange.tracking;

import dev.merlin.config.MerlinConfig;
import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.auction.IabCategories;
import dev.merlin.exchange.segments.SegmentStore;
import dev.merlin.exchange.store.WindowCounters;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns activity into segments as it arrives: each rule matching an event (source, event name, category, minimum
 * value) counts it off-heap in its window, and once the user reaches the rule's count the segment is added to the
 * segment store with the rule's time to live — where the next bid request for that user finds it.
 */
public final class SegmentRules implements AutoCloseable {

    static final String COUNTER_FILE = "rule-counters.cm3";

    /** A rule compiled for matching. */
    private record Rule(int index, String id, String source, String category, double minValue, int minCount,
                        int windowSeconds, int segmentId, int ttlSeconds) {
    }

    private static final int[] NONE = new int[0];

    private final Map<String, List<Rule>> byEvent = new HashMap<>();
    private final int ruleCount;
    private final SegmentStore segments;
    private final WindowCounters counters;

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
        this.counters = new WindowCounters(dataDir, COUNTER_FILE, "merlin-rule-counters", counterEntries);
    }

    /** Forgets the user's rule counts (erasure). */
    public void erase(long userHash) {
        for (int i = 0; i < ruleCount; i++) {
            counters.remove(WindowCounters.key(userHash, i));
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
     * @param nowEpochSeconds   now (windows are counted in arrival time)
     * @return segment ids the user joined or renewed
     */
    public int[] apply(String sourceId, String userKey, long userHash, String event, String category, double value,
                       long eventEpochSeconds, long nowEpochSeconds) {
        List<Rule> rules = byEvent.get(event);
        if (rules == null) {
            return NONE;
        }
        int[] joined = NONE;
        for (Rule rule : rules) {
            if (!matches(rule, sourceId, category, value)) {
                continue;
            }
            if (rule.minCount > 1) {
                int count = counters.increment(WindowCounters.key(userHash, rule.index), nowEpochSeconds,
                        rule.windowSeconds);
                if (count < rule.minCount) {
                    continue;
                }
            }
            long expires = Math.min(eventEpochSeconds, nowEpochSeconds) + rule.ttlSeconds;
            if (expires <= nowEpochSeconds) {
                continue;
            }
            segments.add(userKey, rule.segmentId, expires, nowEpochSeconds);
            joined = append(joined, rule.segmentId);
        }
        return joined;
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
        int[] grown = java.util.Arrays.copyOf(ids, ids.length + 1);
        grown[ids.length] = id;
        return grown;
    }

    @Override
    public void close() {
        counters.close();
    }
}
