package dev.merlin.exchange.auction;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.CampaignConfig;
import dev.merlin.config.MerlinConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every active campaign of the config, compiled, with its targeting index; immutable and shared by all threads. A
 * paused campaign is compiled (its notices are still charged) but left out of the index. Campaigns take their store
 * slots from a {@link CampaignSlots} that successive catalogues share.
 */
public final class CampaignCatalog implements CatalogSource {

    private final Campaign[] campaigns;
    private final Map<String, Campaign> byId = new HashMap<>();
    private final Map<String, Integer> advertiserIndex = new HashMap<>();
    private final List<AdvertiserConfig> advertisers;
    private final TargetingIndex index;
    private final CampaignSlots slots;
    private final MerlinConfig config;

    /** Compiles the advertisers of a validated config, with slots of its own. */
    public CampaignCatalog(MerlinConfig config) {
        this(config, CampaignSlots.forCampaigns(campaignCount(config)));
    }

    /**
     * Compiles the advertisers of a validated config, its campaigns in the slots their ids hold in {@code slots}
     * (a new id takes the next free one); the compiled campaigns become the slots' latest through {@link #publish},
     * when this catalogue is the one in use — the first catalogue over fresh slots publishes itself.
     *
     * @throws CampaignSlots.SlotsFullException when the config names more new ids than slots are free
     */
    public CampaignCatalog(MerlinConfig config, CampaignSlots slots) {
        List<Campaign> list = new ArrayList<>();
        this.slots = slots;
        this.config = config;
        this.advertisers = config.advertisers();
        for (AdvertiserConfig advertiser : config.advertisers()) {
            advertiserIndex.put(advertiser.id(), advertiserIndex.size());
            for (CampaignConfig campaign : advertiser.campaigns()) {
                int slot = slots.slotOf(campaign.id());
                Campaign compiled = new Campaign(campaign.isActive() ? list.size() : -1, slot, advertiser, campaign,
                        config);
                if (campaign.isActive()) {
                    list.add(compiled);
                }
                byId.put(compiled.id(), compiled);
            }
        }
        slots.save();
        this.campaigns = list.toArray(new Campaign[0]);
        this.index = new TargetingIndex(config, campaigns);
        if (!slots.isPublished()) { // nothing published yet: the first catalogue
            publish();
        }
    }

    /** The campaigns {@code config} names, active or not. */
    public static int campaignCount(MerlinConfig config) {
        int count = 0;
        for (AdvertiserConfig advertiser : config.advertisers()) {
            count += advertiser.campaigns().size();
        }
        return count;
    }

    /** Makes this catalogue's campaigns the latest compiled form of their ids (the catalogue now in use). */
    public void publish() {
        long[] active = slots.newSlotBits();
        for (Campaign campaign : byId.values()) {
            slots.publish(campaign);
            if (campaign.index >= 0) {
                CampaignBits.set(active, campaign.slot);
            }
        }
        slots.markPublished(active);
    }

    @Override
    public CampaignCatalog current() {
        return this;
    }

    /** The slots its campaigns' stores are kept in. */
    public CampaignSlots slots() {
        return slots;
    }

    /** The validated config it was compiled from. */
    public MerlinConfig config() {
        return config;
    }

    /** Number of campaigns. */
    public int size() {
        return campaigns.length;
    }

    /** The campaign at {@code index}. */
    public Campaign get(int index) {
        return campaigns[index];
    }

    /** The campaign with this id in this catalogue (active or paused), or null. */
    public Campaign byId(String id) {
        return byId.get(id);
    }

    /**
     * The latest compiled form of the campaign with this id, in this catalogue or one before it (paused and removed
     * campaigns too): what a notice for one of its impressions is charged to.
     */
    public Campaign known(String id) {
        if (id == null) {
            return null;
        }
        Campaign campaign = slots.byId(id);
        return campaign == null ? byId.get(id) : campaign;
    }


    /** The position of an advertiser in the config, or -1. */
    public int advertiserIndex(String advertiserId) {
        Integer index = advertiserIndex.get(advertiserId);
        return index == null ? -1 : index;
    }

    /** Every campaign of this catalogue, active and paused, in no particular order. */
    public Collection<Campaign> all() {
        return Collections.unmodifiableCollection(byId.values());
    }

    /** The advertisers, in config order. */
    public List<AdvertiserConfig> advertisers() {
        return advertisers;
    }

    TargetingIndex index() {
        return index;
    }
}
