package dev.merlin.exchange.auction;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The store slot of each campaign id, for the life of the process: spend, commitments and frequency counts are kept
 * per slot, so they follow a campaign's id from one {@link CampaignCatalog} to the next whatever its position there.
 * A slot is never reused: a removed campaign keeps its slot (and its latest compiled form, so that a notice for one
 * of its impressions is still charged) and gets it back when it returns. The first catalogue's campaigns take the
 * slots 0.. in config order, as the frequency store's keys always have.
 *
 * <p>{@link #durable} slots are kept in a file (one URL-encoded id per line, line n = slot n), so a restart gives
 * every id the slot it had, whatever campaigns were added or removed meanwhile: the frequency store's keys, which
 * live across restarts, stay with their campaign.
 *
 * <p>Capacity is fixed when the stores open (the stores' arrays are sized by it); a catalogue naming more ids than
 * that is refused ({@link SlotsFullException}) and needs a restart. Ids are assigned by the one thread that builds
 * catalogues; reads are from any thread.
 *
 * <p>Stopping a campaign does not wait for a catalogue: {@link #isStopped} is true for a slot whose campaign the
 * catalogue in use has paused or removed (so an auction still finishing on an older catalogue, one waiting for DSPs
 * among them, leaves it out too) and for a slot a change {@link #holdStopped holds stopped} while it is built — a
 * pause or removal of one campaign among 100,000 takes effect when the change is asked for, not a catalogue build
 * (about a second at that size) later. The auction checks it on every candidate that could win.
 */
public final class CampaignSlots {

    /** Slots kept free beyond the first catalogue's campaigns: at least this many, or a quarter more. */
    static final int MIN_HEADROOM = 1_024;

    private final ConcurrentHashMap<String, Integer> slotById = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<Campaign> latest;
    /** Per slot, the changes being built that pause or remove its campaign. */
    private final AtomicIntegerArray stopsPending;
    /** The slots whose campaign is active in the catalogue in use, one bit each; replaced whole at each swap. */
    private volatile long[] active;
    private final Path file;
    private final StringBuilder unsaved = new StringBuilder();
    private volatile int size;
    private volatile boolean isPublished;

    /** Slots for {@code capacity} campaign ids, for this process only. */
    public CampaignSlots(int capacity) {
        this(capacity, null);
    }

    private CampaignSlots(int capacity, Path file) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.latest = new AtomicReferenceArray<>(capacity);
        this.stopsPending = new AtomicIntegerArray(capacity);
        this.active = new long[(capacity + 63) >>> 6];
        this.file = file;
    }

    /**
     * Slots kept in {@code file}: the ids it lists take their slots back, and new ids are appended when the
     * catalogue that assigned them is compiled ({@link #save}). Room for {@code campaigns} more ids than it lists,
     * plus headroom as {@link #forCampaigns}.
     */
    public static CampaignSlots durable(Path file, int campaigns) {
        try {
            List<String> known = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
            CampaignSlots slots = new CampaignSlots(known.size() + campaigns
                    + Math.max(MIN_HEADROOM, campaigns / 4), file);
            for (String line : known) {
                String id = URLDecoder.decode(line, StandardCharsets.UTF_8);
                if (slots.slotById.putIfAbsent(id, slots.size) != null) {
                    throw new IllegalStateException(file + " lists campaign id " + id + " twice");
                }
                slots.size++;
            }
            return slots;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the campaign slots in " + file, e);
        }
    }

    /** Slots for a first catalogue of {@code campaigns} campaigns plus room to add more without a restart. */
    public static CampaignSlots forCampaigns(int campaigns) {
        return new CampaignSlots(campaigns + Math.max(MIN_HEADROOM, campaigns / 4));
    }

    /** The slot of {@code campaignId}, assigning the next free one to a new id. */
    synchronized int slotOf(String campaignId) {
        Integer slot = slotById.get(campaignId);
        if (slot != null) {
            return slot;
        }
        int next = size;
        if (next == latest.length()) {
            throw new SlotsFullException(latest.length());
        }
        if (file != null) {
            unsaved.append(URLEncoder.encode(campaignId, StandardCharsets.UTF_8)).append('\n');
        }
        slotById.put(campaignId, next);
        size = next + 1;
        return next;
    }

    /**
     * Appends the ids assigned since the last save to the file, in one synced write (a catalogue of a million new
     * campaigns costs one write, not a million); nothing for slots without a file.
     */
    synchronized void save() {
        if (file == null || unsaved.length() == 0) {
            return;
        }
        try {
            Files.writeString(file, unsaved, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.SYNC);
            unsaved.setLength(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the campaign slots in " + file, e);
        }
    }

    /** Whether a catalogue naming {@code ids} fits: every new id among them needs a free slot. */
    synchronized boolean fits(Iterable<String> ids) {
        int free = latest.length() - size;
        for (String id : ids) {
            if (!slotById.containsKey(id) && --free < 0) {
                return false;
            }
        }
        return true;
    }

    /** Records the latest compiled form of a campaign, for lookups by id after it leaves a catalogue. */
    void publish(Campaign campaign) {
        latest.set(campaign.slot, campaign);
    }

    /**
     * Records that a catalogue is in use over these slots (it published its campaigns, if any) and which of their
     * campaigns it runs: {@code activeSlots} has a bit set for each, and is kept, not copied.
     */
    void markPublished(long[] activeSlots) {
        if (activeSlots.length != active.length) {
            throw new IllegalArgumentException("active slots in " + activeSlots.length + " words, not "
                    + active.length);
        }
        active = activeSlots;
        isPublished = true;
    }

    /** A bitset over every slot, all clear: for {@link #markPublished}. */
    long[] newSlotBits() {
        return new long[active.length];
    }

    /**
     * Whether the campaign in {@code slot} must not bid now: the catalogue in use has paused or removed it, or a
     * change that does is being built. Never allocates; safe from any thread.
     */
    public boolean isStopped(int slot) {
        return (active[slot >>> 6] & (1L << slot)) == 0 || stopsPending.get(slot) != 0;
    }

    /**
     * Holds the campaigns with these ids stopped from now until {@link #releaseStopped} with what this returns: for a
     * change that pauses or removes them, while it is built. Ids without a slot have no campaign to stop and are left
     * out; returns the slots held.
     */
    public int[] holdStopped(Iterable<String> campaignIds) {
        int count = 0;
        int[] held = new int[8];
        for (String id : campaignIds) {
            Integer slot = id == null ? null : slotById.get(id);
            if (slot != null) {
                if (count == held.length) {
                    held = Arrays.copyOf(held, count * 2);
                }
                stopsPending.incrementAndGet(slot);
                held[count++] = slot;
            }
        }
        return Arrays.copyOf(held, count);
    }

    /** Ends a hold of {@link #holdStopped}: from now on the catalogue in use alone says whether they bid. */
    public void releaseStopped(int[] held) {
        for (int slot : held) {
            stopsPending.decrementAndGet(slot);
        }
    }

    /** Whether any catalogue has published its campaigns here yet. */
    boolean isPublished() {
        return isPublished;
    }

    /** Slots assigned so far: 0 to size - 1. */
    public int size() {
        return size;
    }

    /** How many slots there are. */
    public int capacity() {
        return latest.length();
    }

    /** The latest compiled form of the campaign in {@code slot}, or null. */
    public Campaign get(int slot) {
        return latest.get(slot);
    }

    /** The latest compiled form of the campaign with this id (paused or removed ones too), or null. */
    public Campaign byId(String campaignId) {
        Integer slot = campaignId == null ? null : slotById.get(campaignId);
        return slot == null ? null : latest.get(slot);
    }

    /** A catalogue names more campaign ids than the stores have slots for: a restart sizes them anew. */
    public static final class SlotsFullException extends IllegalStateException {

        private static final long serialVersionUID = 1L;

        SlotsFullException(int capacity) {
            super("the stores have room for " + capacity + " campaign ids since start-up and all are taken;"
                    + " restart Merlin to add more campaigns");
        }
    }
}
