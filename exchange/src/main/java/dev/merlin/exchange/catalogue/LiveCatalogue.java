package dev.merlin.exchange.catalogue;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.ConfigException;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.CreativeConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.CampaignSlots;
import dev.merlin.exchange.auction.CatalogSource;
import dev.merlin.exchange.auction.SpendLedger;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The campaign catalogue in use, replaced while the exchange runs. The advertisers, campaigns and creatives and
 * their targeting index are one immutable {@link CampaignCatalog} behind one reference: an auction reads it once, at
 * its start, and finishes on it (a DSP auction that completes later too). A change (the admin API, a reload of the
 * config file) is built on one dedicated thread, off the event loops — validated exactly as the config file is,
 * compiled, indexed — and then swapped in at once; {@link #change} returns when the new catalogue is the one new
 * auctions read. Spend, commitments and frequency counts are kept per {@link CampaignSlots slot}, the same for a
 * campaign id in every catalogue, so they follow the id across the swap.
 *
 * <p>The advertisers changed through the admin API are written to {@value #OVERLAY_FILE} in the data dir
 * (atomically, right after the swap and before the change returns) and replace the config file's advertisers at
 * start-up: a restart does not revert them. A reload of the config file makes the file's advertisers the catalogue
 * again and removes the overlay.
 */
public final class LiveCatalogue implements CatalogSource, AutoCloseable {

    /** The file in the data dir that holds the advertisers as the admin API last left them. */
    public static final String OVERLAY_FILE = "catalogue-overlay.json";

    private static final Logger LOG = LoggerFactory.getLogger(LiveCatalogue.class);
    /** The overlay's permissions: it holds report tokens. */
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Pattern INDEXED = Pattern.compile(
            "^advertisers\\[(\\d+)](?:\\.campaigns\\[(\\d+)](?:\\.creatives\\[(\\d+)])?)?");

    private final AtomicReference<CampaignCatalog> current;
    private final CampaignSlots slots;
    private volatile SpendLedger spend;
    private volatile EventLog events;
    private final LongSupplier epochSecondsClock;
    private final Path overlay;
    private final ExecutorService builder = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "merlin-catalogue");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    /**
     * The live catalogue starting from {@code first}; the admin API's changes are written under {@code dataDir}.
     * {@link #connect} the stores before the first change.
     */
    public LiveCatalogue(CampaignCatalog first, Path dataDir, LongSupplier epochSecondsClock) {
        this.current = new AtomicReference<>(first);
        this.slots = first.slots();
        this.epochSecondsClock = epochSecondsClock;
        this.overlay = dataDir.resolve(OVERLAY_FILE);
        first.publish();
    }

    /**
     * The config to start with: {@code config} with the advertisers of the overlay the admin API wrote under its
     * data dir, when there is one (validated as the file is; an invalid overlay stops the start-up with its error).
     */
    public static MerlinConfig withOverlay(MerlinConfig config) {
        Path file = Path.of(config.dataDir()).resolve(OVERLAY_FILE);
        if (!Files.isRegularFile(file)) {
            return config;
        }
        try {
            ownerOnly(file); // an overlay an earlier version left readable by every account
            List<AdvertiserConfig> advertisers = ConfigLoader.parseAdvertisers(
                    Files.readString(file, StandardCharsets.UTF_8), file.toString());
            LOG.warn("the advertisers come from {} (changed through the admin API), not the config file; a reload"
                    + " of the config file (SIGHUP, POST /admin/reload) takes the file's again", file);
            return config.withAdvertisers(config.segments(), advertisers).validate();
        } catch (ConfigException e) {
            throw new ConfigException(e.keyPath(), e.reason() + " (in " + file + ", the advertisers as the admin API"
                    + " left them: correct it, or remove it to start from the config file's)");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * Connects the stores opened over this catalogue: {@code spend} takes on each new catalogue's campaigns, and
     * each change is logged to {@code eventLog} (null: not logged).
     */
    public LiveCatalogue connect(SpendLedger spendLedger, EventLog eventLog) {
        this.spend = spendLedger;
        this.events = eventLog;
        return this;
    }

    @Override
    public CampaignCatalog current() {
        return current.get();
    }

    /** Changes applied since start-up. */
    public long applied() {
        return applied.get();
    }

    /** Changes refused (invalid, or more new campaigns than the stores have room for) since start-up. */
    public long refused() {
        return refused.get();
    }

    /** Counts a change refused before it got here (an unreadable config file). */
    void countRefused() {
        refused.incrementAndGet();
    }

    /**
     * Applies {@code edit} to the advertisers in use and swaps in the result, on the catalogue thread; returns once
     * new auctions use it. The advertisers are validated with the rest of the config as the file is; a refused
     * change leaves the catalogue as it was.
     *
     * @param who  the principal that asked (logged; never a token)
     * @param what what is changed, e.g. {@code PATCH campaigns[id=c7]}
     * @param edit the new advertisers from the current ones; may throw {@link ConfigException}
     * @throws ConfigException   the change is invalid; its key path names campaigns and advertisers by id
     * @throws RefusedException  the stores have no room for more campaign ids
     */
    public CampaignCatalog change(String who, String what, UnaryOperator<List<AdvertiserConfig>> edit) {
        return change(who, what, List.of(), edit);
    }

    /**
     * As {@link #change(String, String, UnaryOperator)}, for a change that pauses or removes the campaigns
     * {@code stopping}: they stop bidding now, before the change is built (which takes about a second at 100,000
     * campaigns), and stay stopped if it is applied; if it is refused they bid again as before.
     */
    public CampaignCatalog change(String who, String what, Collection<String> stopping,
                                  UnaryOperator<List<AdvertiserConfig>> edit) {
        int[] held = slots.holdStopped(stopping);
        Future<CampaignCatalog> built;
        try {
            built = builder.submit(() -> {
                try {
                    return apply(who, what, edit, true);
                } finally {
                    slots.releaseStopped(held); // applied: the catalogue in use now leaves them out itself
                }
            });
        } catch (RejectedExecutionException e) {
            slots.releaseStopped(held);
            throw e;
        }
        return await(built);
    }

    /**
     * Takes the advertisers of a freshly loaded config file (the reload): the rest of {@code fromFile} is ignored
     * here; the caller warns about the keys that need a restart. Removes the admin API's overlay.
     */
    public CampaignCatalog reload(String who, MerlinConfig fromFile) {
        return await(builder.submit(() -> apply(who, "reload", advertisers -> fromFile.advertisers(), false)));
    }

    private CampaignCatalog apply(String who, String what, UnaryOperator<List<AdvertiserConfig>> edit,
                                  boolean isOverlay) {
        CampaignCatalog before = current.get();
        List<AdvertiserConfig> advertisers = before.config().advertisers();
        MerlinConfig config;
        try {
            advertisers = edit.apply(advertisers);
            config = before.config().withAdvertisers(before.config().segments(), advertisers).validate();
        } catch (ConfigException e) {
            refused.incrementAndGet();
            throw new ConfigException(byId(e.keyPath(), advertisers), e.reason());
        }
        CampaignCatalog next;
        try {
            next = new CampaignCatalog(config, slots);
        } catch (CampaignSlots.SlotsFullException e) {
            refused.incrementAndGet();
            throw new RefusedException(e.getMessage());
        }
        if (spend != null) {
            spend.adopt(next);
        }
        next.publish();
        current.set(next);
        applied.incrementAndGet();
        log(who, what, before, next);
        // written after the swap (a large catalogue's file takes longer than the swap), before the caller is
        // answered: a change the caller was told of is on disk; the next change rewrites the whole file
        try {
            if (isOverlay) {
                writeOverlay(advertisers);
            } else {
                Files.deleteIfExists(overlay);
            }
        } catch (IOException e) {
            LOG.error("the catalogue changed by {} ({}) is in use but {} could not be written: a restart would"
                    + " not keep it until the next change is written", who, what, overlay, e);
            throw new UncheckedIOException("the change is in use but not saved to " + overlay, e);
        }
        return next;
    }

    /**
     * Writes the overlay through a temporary file, created readable by Merlin's own account alone (on a POSIX file
     * system): it holds every advertiser's report token.
     */
    private void writeOverlay(List<AdvertiserConfig> advertisers) throws IOException {
        Path temporary = overlay.resolveSibling(OVERLAY_FILE + ".tmp");
        Files.deleteIfExists(temporary);
        try {
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(temporary);
        }
        Files.writeString(temporary, ConfigLoader.writeAdvertisers(advertisers), StandardCharsets.UTF_8);
        Files.move(temporary, overlay, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Makes {@code file} readable by Merlin's account alone, on a POSIX file system. */
    private static void ownerOnly(Path file) throws IOException {
        try {
            if (!Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
                Files.setPosixFilePermissions(file, OWNER_ONLY);
            }
        } catch (UnsupportedOperationException notPosix) {
            // no permissions to set
        }
    }

    private void log(String who, String what, CampaignCatalog before, CampaignCatalog after) {
        LOG.info("catalogue changed by {}: {} ({} -> {} active campaigns)", who, what, before.size(), after.size());
        if (events == null) {
            return;
        }
        events.commit(events.begin(EventType.CATALOGUE_CHANGE, epochSecondsClock.getAsLong() * 1000L)
                .put("who", who).put("what", what)
                .put("before", Diff.bounded(what, before.config().advertisers()))
                .put("after", Diff.bounded(what, after.config().advertisers())));
    }

    /**
     * {@code keyPath} with its advertiser and campaign positions replaced by their ids where {@code advertisers}
     * has them ({@code advertisers[0].campaigns[2].bid} becomes {@code advertisers[id=a1].campaigns[id=c7].bid}).
     */
    static String byId(String keyPath, List<AdvertiserConfig> advertisers) {
        Matcher m = INDEXED.matcher(keyPath);
        if (!m.find()) {
            return keyPath;
        }
        int a = Integer.parseInt(m.group(1));
        if (a >= advertisers.size() || advertisers.get(a) == null || advertisers.get(a).id() == null) {
            return keyPath;
        }
        AdvertiserConfig advertiser = advertisers.get(a);
        StringBuilder named = new StringBuilder("advertisers[id=").append(advertiser.id()).append(']');
        if (m.group(2) != null) {
            int c = Integer.parseInt(m.group(2));
            String id = c < advertiser.campaigns().size() && advertiser.campaigns().get(c) != null
                    ? advertiser.campaigns().get(c).id() : null;
            named.append(".campaigns[").append(id == null ? String.valueOf(c) : "id=" + id).append(']');
            if (m.group(3) != null && id != null) {
                int k = Integer.parseInt(m.group(3));
                List<CreativeConfig> creatives = advertiser.campaigns().get(c).creatives();
                String creative = k < creatives.size() && creatives.get(k) != null ? creatives.get(k).id() : null;
                named.append(".creatives[").append(creative == null ? String.valueOf(k) : "id=" + creative)
                        .append(']');
            } else if (m.group(3) != null) {
                named.append(".creatives[").append(m.group(3)).append(']');
            }
        }
        return named.append(keyPath.substring(m.end())).toString();
    }

    private static CampaignCatalog await(Future<CampaignCatalog> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the catalogue change", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("catalogue change failed: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public void close() {
        builder.shutdownNow();
    }

    /** A change the stores cannot take without a restart (more campaign ids than slots). */
    public static final class RefusedException extends IllegalStateException {

        private static final long serialVersionUID = 1L;

        RefusedException(String message) {
            super(message);
        }
    }
}
