package dev.merlin.exchange.auction;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.CampaignConfig;
import dev.merlin.config.MerlinConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Every campaign of the config, compiled, with its targeting index; immutable and shared by all threads. */
public final class CampaignCatalog {

    private final Campaign[] campaigns;
    private final Map<String, Campaign> byId = new HashMap<>();
    private final Map<String, Integer> advertiserIndex = new HashMap<>();
    private final List<AdvertiserConfig> advertisers;
    private final TargetingIndex index;

    /** Compiles the advertisers of a validated config. */
    public CampaignCatalog(MerlinConfig config) {
        List<Campaign> list = new ArrayList<>();
        this.advertisers = config.advertisers();
        for (AdvertiserConfig advertiser : config.advertisers()) {
            advertiserIndex.put(advertiser.id(), advertiserIndex.size());
            for (CampaignConfig campaign : advertiser.campaigns()) {
                Campaign compiled = new Campaign(list.size(), advertiser, campaign, config);
                list.add(compiled);
                byId.put(compiled.id(), compiled);
            }
        }
        this.campaigns = list.toArray(new Campaign[0]);
        this.index = new TargetingIndex(config, campaigns);
    }

    /** Number of campaigns. */
    public int size() {
        return campaigns.length;
    }

    /** The campaign at {@code index}. */
    public Campaign get(int index) {
        return campaigns[index];
    }

    /** The campaign with this id, or null. */
    public Campaign byId(String id) {
        return byId.get(id);
    }


    /** The position of an advertiser in the config, or -1. */
    public int advertiserIndex(String advertiserId) {
        Integer index = advertiserIndex.get(advertiserId);
        return index == null ? -1 : index;
    }

    /** The advertisers, in config order. */
    public List<AdvertiserConfig> advertisers() {
        return advertisers;
    }

    TargetingIndex index() {
        return index;
    }
}
