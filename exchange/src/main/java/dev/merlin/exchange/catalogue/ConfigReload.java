package dev.merlin.exchange.catalogue;

import dev.merlin.config.ConfigException;
import dev.merlin.config.MerlinConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the config file into the {@link LiveCatalogue}: only {@code advertisers} (their campaigns and creatives)
 * change without a restart. Every other top-level key — {@code server} (ports, TLS), {@code dataDir},
 * {@code stores}, {@code exchange}, {@code segments}, {@code sellers}, {@code dsps}, {@code privacy},
 * {@code tracking}, {@code eventLog}, {@code maintenance}, {@code auction}, {@code requests}, {@code regions} —
 * is read at start-up only: a reload that changes one applies the advertisers, ignores that key and names it in
 * its warning and its answer. An invalid file changes nothing: the catalogue in use keeps serving.
 */
public final class ConfigReload {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigReload.class);

    private final LiveCatalogue live;
    private final MerlinConfig running;
    private volatile Supplier<MerlinConfig> source;

    /** Reloads into {@code live}; {@code running} is the config the process started with. */
    public ConfigReload(LiveCatalogue live, MerlinConfig running, Supplier<MerlinConfig> source) {
        this.live = Objects.requireNonNull(live, "live");
        this.running = Objects.requireNonNull(running, "running");
        this.source = Objects.requireNonNull(source, "source");
    }

    /** Where the config is read from on a reload: the file (and flags) the process started with. */
    public void source(Supplier<MerlinConfig> newSource) {
        this.source = Objects.requireNonNull(newSource, "source");
    }

    /**
     * Reads the config again and applies its advertisers; returns the top-level keys that changed but need a
     * restart (ignored).
     *
     * @param who who asked (a principal, never a token)
     * @throws ConfigException the file is invalid (counted in {@link LiveCatalogue#refused}); nothing changed
     */
    public List<String> reload(String who) {
        MerlinConfig fresh;
        try {
            fresh = source.get();
        } catch (ConfigException e) {
            live.countRefused();
            LOG.warn("reload asked by {} refused, the catalogue is unchanged: {}", who, e.getMessage());
            throw e;
        }
        List<String> ignored = restartOnly(running, fresh);
        live.reload(who, fresh);
        if (!ignored.isEmpty()) {
            LOG.warn("reload asked by {}: advertisers applied; {} changed but are read at start-up only (ignored"
                    + " until a restart)", who, ignored);
        }
        return ignored;
    }

    /** The top-level keys other than {@code advertisers} whose values differ. */
    static List<String> restartOnly(MerlinConfig a, MerlinConfig b) {
        List<String> changed = new ArrayList<>();
        check(changed, "server", a, b, MerlinConfig::server);
        check(changed, "requests", a, b, MerlinConfig::requests);
        check(changed, "dataDir", a, b, MerlinConfig::dataDir);
        check(changed, "exchange", a, b, MerlinConfig::exchange);
        check(changed, "segments", a, b, MerlinConfig::segments);
        check(changed, "stores", a, b, MerlinConfig::stores);
        check(changed, "privacy", a, b, MerlinConfig::privacy);
        check(changed, "eventLog", a, b, MerlinConfig::eventLog);
        check(changed, "tracking", a, b, MerlinConfig::tracking);
        check(changed, "sellers", a, b, MerlinConfig::sellers);
        check(changed, "maintenance", a, b, MerlinConfig::maintenance);
        check(changed, "auction", a, b, MerlinConfig::auction);
        check(changed, "dsps", a, b, MerlinConfig::dsps);
        check(changed, "regions", a, b, MerlinConfig::regions);
        return changed;
    }

    private static void check(List<String> changed, String key, MerlinConfig a, MerlinConfig b,
                              Function<MerlinConfig, Object> part) {
        if (!Objects.equals(part.apply(a), part.apply(b))) {
            changed.add(key);
        }
    }
}
