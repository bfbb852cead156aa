package dev.merlin.config;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Audience building and measurement: advertisers' pixels, app event sources, the rules that turn activity into
 * segments, attribution windows, and who may read reports.
 *
 * @param pixels         tracking pixels, each owned by an advertiser
 * @param eventSources   server-to-server sources (apps), each with its API key
 * @param segmentRules   activity → segment rules, applied as events arrive
 * @param attribution    click and view windows, and which events are conversions
 * @param maxBatchEvents most events in one {@code POST /events} batch
 * @param adminToken     bearer token that may read every advertiser's reports (null: none)
 * @param maxConversionValue the largest conversion {@code value} a pixel hit or app event may report, in the exchange
 *                       currency (after conversion from its own); a larger one is refused, not clamped
 */
public record TrackingConfig(List<PixelConfig> pixels, List<EventSourceConfig> eventSources,
                             List<SegmentRuleConfig> segmentRules, AttributionConfig attribution,
                             Integer maxBatchEvents, String adminToken, Double maxConversionValue) {

    /** {@link #maxConversionValue} unless configured: more than any one order, far below an overflow. */
    public static final double DEFAULT_MAX_CONVERSION_VALUE = 100_000d;
    /**
     * The longest admin token, report token or event-source API key: a longer bearer token cannot be one of them and
     * is refused before anything is digested.
     */
    public static final int MAX_TOKEN_CHARS = 256;

    /** Fills unset values with defaults. */
    public TrackingConfig {
        pixels = pixels == null ? List.of() : List.copyOf(pixels);
        eventSources = eventSources == null ? List.of() : List.copyOf(eventSources);
        segmentRules = segmentRules == null ? List.of() : List.copyOf(segmentRules);
        attribution = attribution == null ? AttributionConfig.defaults() : attribution;
        maxBatchEvents = maxBatchEvents == null ? 1_000 : maxBatchEvents;
        maxConversionValue = maxConversionValue == null ? DEFAULT_MAX_CONVERSION_VALUE : maxConversionValue;
    }

    /** Nothing configured. */
    public static TrackingConfig defaults() {
        return new TrackingConfig(null, null, null, null, null, null, null);
    }

    /** A copy with other app event sources (tests). */
    public TrackingConfig withEventSources(List<EventSourceConfig> newSources) {
        return new TrackingConfig(pixels, newSources, segmentRules, attribution, maxBatchEvents, adminToken,
                maxConversionValue);
    }

    /** A copy with other segment rules (tests). */
    public TrackingConfig withSegmentRules(List<SegmentRuleConfig> newRules) {
        return new TrackingConfig(pixels, eventSources, newRules, attribution, maxBatchEvents, adminToken,
                maxConversionValue);
    }

    void validate(String at, List<AdvertiserConfig> advertisers, Map<String, Integer> segmentIds) {
        Set<String> advertiserIds = advertisers.stream().map(AdvertiserConfig::id).collect(Collectors.toSet());
        Set<String> sources = new HashSet<>();
        for (int i = 0; i < pixels.size(); i++) {
            PixelConfig pixel = pixels.get(i);
            String p = at + ".pixels[" + i + "]";
            ConfigChecks.notBlank(p + ".id", pixel.id());
            knownAdvertiser(p + ".advertiser", pixel.advertiser(), advertiserIds);
            if (!sources.add(pixel.id())) {
                throw new ConfigException(p + ".id", "value " + pixel.id()
                        + " repeats; pixel and source ids are unique");
            }
        }
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < eventSources.size(); i++) {
            EventSourceConfig source = eventSources.get(i);
            String p = at + ".eventSources[" + i + "]";
            ConfigChecks.notBlank(p + ".id", source.id());
            if (source.apiKey() == null || source.apiKey().length() < 16) {
                throw new ConfigException(p + ".apiKey", "value is missing or shorter than 16 characters");
            }
            checkTokenLength(p + ".apiKey", source.apiKey());
            knownAdvertiser(p + ".advertiser", source.advertiser(), advertiserIds);
            if (!sources.add(source.id())) {
                throw new ConfigException(p + ".id", "value " + source.id()
                        + " repeats; pixel and source ids are unique");
            }
            if (!keys.add(source.apiKey())) {
                throw new ConfigException(p + ".apiKey", "the same API key is given to two sources");
            }
        }
        for (int i = 0; i < segmentRules.size(); i++) {
            segmentRules.get(i).validate(at + ".segmentRules[" + i + "]", sources, segmentIds);
        }
        attribution.validate(at + ".attribution");
        ConfigChecks.range(at + ".maxBatchEvents", maxBatchEvents, 1, 100_000);
        ConfigChecks.range(at + ".maxConversionValue", maxConversionValue, 0.01, Money.MAX_AMOUNT);
        if (adminToken != null && adminToken.length() < 16) {
            throw new ConfigException(at + ".adminToken", "value is shorter than 16 characters");
        }
        checkTokenLength(at + ".adminToken", adminToken);
        checkTokensOpenOneThing(at, advertisers);
    }

    /**
     * The admin token, each advertiser's report token and each source's API key are distinct: a bearer token
     * shared with the admin, another advertiser or an app (whose key ships inside it) would open their reports.
     * Messages name where the token is held already, never the token.
     */
    private void checkTokensOpenOneThing(String at, List<AdvertiserConfig> advertisers) {
        Map<String, String> holders = new HashMap<>();
        if (adminToken != null) {
            holders.put(adminToken, at + ".adminToken");
        }
        for (int i = 0; i < eventSources.size(); i++) {
            String keyPath = at + ".eventSources[" + i + "].apiKey";
            String earlier = holders.putIfAbsent(eventSources.get(i).apiKey(), keyPath);
            if (earlier != null) {
                throw new ConfigException(keyPath, "value is the same as " + earlier + "; an API key must differ"
                        + " from every other key and token");
            }
        }
        for (int a = 0; a < advertisers.size(); a++) {
            String token = advertisers.get(a).reportToken();
            String keyPath = "advertisers[" + a + "].reportToken";
            String earlier = token == null ? null : holders.putIfAbsent(token, keyPath);
            if (earlier != null) {
                throw new ConfigException(keyPath, "value is the same as " + earlier + "; a report token must differ"
                        + " from tracking.adminToken, every other report token and every event source apiKey");
            }
        }
    }

    /** A token longer than {@link #MAX_TOKEN_CHARS} is refused naming {@code keyPath}; null passes. */
    static void checkTokenLength(String keyPath, String token) {
        if (token != null && token.length() > MAX_TOKEN_CHARS) {
            throw new ConfigException(keyPath, "value is longer than " + MAX_TOKEN_CHARS + " characters");
        }
    }

    private static void knownAdvertiser(String keyPath, String id, Set<String> known) {
        if (id == null || !known.contains(id)) {
            throw new ConfigException(keyPath, "value " + id + " is not an advertiser id; known: "
                    + ConfigChecks.sample(known));
        }
    }

    /**
     * An advertiser's tracking pixel, placed on its own site.
     *
     * @param id         the {@code pid} parameter of {@code /px}
     * @param advertiser the advertiser it belongs to
     */
    public record PixelConfig(String id, String advertiser) {
    }

    /**
     * An app (or server) sending activity in batches to {@code POST /events}.
     *
     * @param id         source id, used by segment rules
     * @param apiKey     the bearer token it authenticates with
     * @param advertiser the advertiser whose conversions it reports
     */
    public record EventSourceConfig(String id, String apiKey, String advertiser) {
    }

    /**
     * Activity that puts a user in a segment: events from {@code source} named one of {@code events}, in
     * {@code category} (an IAB category or a parent of it), worth at least {@code minValue}, at least
     * {@code minCount} times within {@code windowSeconds}.
     *
     * @param id            rule id
     * @param source        pixel or event source id; {@code *} for any
     * @param events        event names (e.g. video_watch, page_view)
     * @param category      content category the event must carry (null: any)
     * @param minValue      minimum event value (null: any)
     * @param minCount      times the event must happen within the window (default 1)
     * @param windowSeconds the window for {@code minCount} (default 30 days)
     * @param segment       the segment name the user joins
     * @param ttlSeconds    how long membership lasts after the last qualifying event (default 30 days)
     */
    public record SegmentRuleConfig(String id, String source, List<String> events, String category, Double minValue,
                                    Integer minCount, Integer windowSeconds, String segment, Integer ttlSeconds) {

        /** Fills unset values. */
        public SegmentRuleConfig {
            source = source == null ? "*" : source;
            events = events == null ? List.of() : List.copyOf(events);
            minCount = minCount == null ? 1 : minCount;
            windowSeconds = windowSeconds == null ? 30 * 86_400 : windowSeconds;
            ttlSeconds = ttlSeconds == null ? 30 * 86_400 : ttlSeconds;
        }

        void validate(String at, Set<String> sources, Map<String, Integer> segmentIds) {
            ConfigChecks.notBlank(at + ".id", id);
            if (!"*".equals(source) && !sources.contains(source)) {
                throw new ConfigException(at + ".source", "value " + source + " is not a pixel or event source id"
                        + " (or *); known: " + ConfigChecks.sample(sources));
            }
            if (events.isEmpty()) {
                throw new ConfigException(at + ".events", "value is empty; name at least one event");
            }
            if (segment == null || !segmentIds.containsKey(segment)) {
                throw new ConfigException(at + ".segment", "segment " + segment + " is not defined; defined: "
                        + ConfigChecks.sample(segmentIds.keySet()));
            }
            ConfigChecks.range(at + ".minCount", minCount, 1, 10_000);
            ConfigChecks.range(at + ".windowSeconds", windowSeconds, 60, 400 * 86_400);
            ConfigChecks.range(at + ".ttlSeconds", ttlSeconds, 60, 400 * 86_400);
            ConfigChecks.nonNegative(at + ".minValue", minValue);
        }
    }

    /**
     * How conversions are credited: the user's last click on the advertiser's campaigns within the click window,
     * else the last impression within the view window.
     *
     * @param clickWindowSeconds default 7 days
     * @param viewWindowSeconds  default 1 day
     * @param conversionEvents   event names that are conversions (default purchase, lead)
     */
    public record AttributionConfig(Integer clickWindowSeconds, Integer viewWindowSeconds,
                                    List<String> conversionEvents) {

        /** Fills unset values. */
        public AttributionConfig {
            clickWindowSeconds = clickWindowSeconds == null ? 7 * 86_400 : clickWindowSeconds;
            viewWindowSeconds = viewWindowSeconds == null ? 86_400 : viewWindowSeconds;
            conversionEvents = conversionEvents == null ? List.of("purchase", "lead") : List.copyOf(conversionEvents);
        }

        /** The defaults. */
        public static AttributionConfig defaults() {
            return new AttributionConfig(null, null, null);
        }

        void validate(String at) {
            ConfigChecks.range(at + ".clickWindowSeconds", clickWindowSeconds, 60, 90 * 86_400);
            ConfigChecks.range(at + ".viewWindowSeconds", viewWindowSeconds, 60, 90 * 86_400);
        }
    }
}
