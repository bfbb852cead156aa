package dev.merlin.exchange.catalogue;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.CampaignConfig;
import dev.merlin.config.ConfigException;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.CreativeConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The admin API's changes, each a function from the advertisers in use to the new ones (validated afterwards with the
 * whole config by {@link LiveCatalogue#change}). An unknown id is a {@link NotFoundException}.
 */
public final class CatalogueEdits {

    private CatalogueEdits() {
    }

    /** The advertiser with this id. */
    public static AdvertiserConfig advertiser(List<AdvertiserConfig> advertisers, String id) {
        for (AdvertiserConfig advertiser : advertisers) {
            if (id.equals(advertiser.id())) {
                return advertiser;
            }
        }
        throw new NotFoundException("no advertiser has the id " + id);
    }

    /**
     * The ids of the advertiser {@code id}'s campaigns that replacing it with {@code replacement} (null: removing it)
     * pauses or removes; none when there is no such advertiser.
     */
    public static List<String> stoppedBy(List<AdvertiserConfig> advertisers, String id,
                                         AdvertiserConfig replacement) {
        List<String> stopped = new ArrayList<>();
        for (AdvertiserConfig advertiser : advertisers) {
            if (!id.equals(advertiser.id())) {
                continue;
            }
            for (CampaignConfig campaign : advertiser.campaigns()) {
                if (replacement == null || replacement.campaigns().stream().noneMatch(
                        kept -> kept != null && campaign.id().equals(kept.id()) && kept.isActive())) {
                    stopped.add(campaign.id());
                }
            }
        }
        return stopped;
    }

    /** The campaign with this id, whichever advertiser's. */
    public static CampaignConfig campaign(List<AdvertiserConfig> advertisers, String id) {
        return advertisers.get(ownerOf(advertisers, id)).campaigns().stream()
                .filter(campaign -> id.equals(campaign.id())).findFirst().orElseThrow();
    }

    /** The position of the advertiser that has the campaign {@code id}. */
    private static int ownerOf(List<AdvertiserConfig> advertisers, String id) {
        for (int a = 0; a < advertisers.size(); a++) {
            for (CampaignConfig campaign : advertisers.get(a).campaigns()) {
                if (id.equals(campaign.id())) {
                    return a;
                }
            }
        }
        throw new NotFoundException("no campaign has the id " + id);
    }

    /** Creates or replaces the advertiser {@code id}; the body's id, when given, must be the same. */
    public static List<AdvertiserConfig> putAdvertiser(List<AdvertiserConfig> advertisers, String id,
                                                       AdvertiserConfig advertiser) {
        if (advertiser.id() != null && !id.equals(advertiser.id())) {
            throw new ConfigException("id", "value " + advertiser.id() + " is not the id of the path, " + id);
        }
        AdvertiserConfig named = new AdvertiserConfig(id, advertiser.name() == null ? id : advertiser.name(),
                advertiser.seat() == null ? id : advertiser.seat(), advertiser.campaigns(),
                advertiser.reportToken());
        List<AdvertiserConfig> next = new ArrayList<>(advertisers);
        for (int a = 0; a < next.size(); a++) {
            if (id.equals(next.get(a).id())) {
                next.set(a, named);
                return next;
            }
        }
        next.add(named);
        return next;
    }

    /** Removes the advertiser {@code id} and its campaigns. */
    public static List<AdvertiserConfig> deleteAdvertiser(List<AdvertiserConfig> advertisers, String id) {
        List<AdvertiserConfig> next = new ArrayList<>(advertisers);
        next.remove(advertiser(advertisers, id));
        return next;
    }

    /**
     * Creates or replaces the campaign {@code id}: a new one under the advertiser {@code owner} (required), an
     * existing one in its place (under {@code owner} when given and another: moved there).
     */
    public static List<AdvertiserConfig> putCampaign(List<AdvertiserConfig> advertisers, String id,
                                                     CampaignConfig campaign, String owner) {
        if (campaign.id() != null && !id.equals(campaign.id())) {
            throw new ConfigException("id", "value " + campaign.id() + " is not the id of the path, " + id);
        }
        CampaignConfig named = campaign.withId(id);
        int current;
        try {
            current = ownerOf(advertisers, id);
        } catch (NotFoundException e) {
            current = -1;
        }
        int target = owner == null ? current : indexOf(advertisers, owner);
        if (target < 0) {
            throw new ConfigException("advertiser", "value is missing; a new campaign needs ?advertiser=<id>");
        }
        List<AdvertiserConfig> next = new ArrayList<>(advertisers);
        if (current == target) {
            next.set(target, replaced(next.get(target), id, named));
            return next;
        }
        if (current >= 0) {
            next.set(current, without(next.get(current), id));
        }
        List<CampaignConfig> campaigns = new ArrayList<>(next.get(target).campaigns());
        campaigns.add(named);
        next.set(target, next.get(target).withCampaigns(campaigns));
        return next;
    }

    /** Changes the campaign's bid, budgets or status from the JSON object {@code patch}. */
    public static List<AdvertiserConfig> patchCampaign(List<AdvertiserConfig> advertisers, String id, String patch) {
        int owner = ownerOf(advertisers, id);
        CampaignConfig patched = ConfigLoader.patchCampaign(campaign(advertisers, id), patch, "the request body");
        List<AdvertiserConfig> next = new ArrayList<>(advertisers);
        next.set(owner, replaced(next.get(owner), id, patched));
        return next;
    }

    /** The creative {@code creativeId} of the campaign {@code campaignId}. */
    public static CreativeConfig creative(List<AdvertiserConfig> advertisers, String campaignId, String creativeId) {
        for (CreativeConfig creative : campaign(advertisers, campaignId).creatives()) {
            if (creativeId.equals(creative.id())) {
                return creative;
            }
        }
        throw new NotFoundException("campaign " + campaignId + " has no creative with the id " + creativeId);
    }

    /** Creates or replaces the creative {@code creativeId} of the campaign {@code campaignId}. */
    public static List<AdvertiserConfig> putCreative(List<AdvertiserConfig> advertisers, String campaignId,
                                                     String creativeId, CreativeConfig creative) {
        if (creative.id() != null && !creativeId.equals(creative.id())) {
            throw new ConfigException("id", "value " + creative.id() + " is not the id of the path, " + creativeId);
        }
        CampaignConfig campaign = campaign(advertisers, campaignId);
        List<CreativeConfig> creatives = new ArrayList<>(campaign.creatives());
        CreativeConfig named = creative.withId(creativeId);
        boolean isReplaced = false;
        for (int i = 0; i < creatives.size(); i++) {
            if (creativeId.equals(creatives.get(i).id())) {
                creatives.set(i, named);
                isReplaced = true;
            }
        }
        if (!isReplaced) {
            creatives.add(named);
        }
        return withCampaign(advertisers, campaignId, campaign.withCreatives(creatives));
    }

    /** Removes the creative {@code creativeId} of the campaign {@code campaignId} (its last one: refused). */
    public static List<AdvertiserConfig> deleteCreative(List<AdvertiserConfig> advertisers, String campaignId,
                                                        String creativeId) {
        CampaignConfig campaign = campaign(advertisers, campaignId);
        creative(advertisers, campaignId, creativeId);
        List<CreativeConfig> creatives = new ArrayList<>(campaign.creatives());
        creatives.removeIf(creative -> creativeId.equals(creative.id()));
        return withCampaign(advertisers, campaignId, campaign.withCreatives(creatives));
    }

    private static List<AdvertiserConfig> withCampaign(List<AdvertiserConfig> advertisers, String id,
                                                       CampaignConfig campaign) {
        int owner = ownerOf(advertisers, id);
        List<AdvertiserConfig> next = new ArrayList<>(advertisers);
        next.set(owner, replaced(next.get(owner), id, campaign));
        return next;
    }

    /** Removes the campaign {@code id}. */
    public static List<AdvertiserConfig> deleteCampaign(List<AdvertiserConfig> advertisers, String id) {
        int owner = ownerOf(advertisers, id);
        List<AdvertiserConfig> next = new ArrayList<>(advertisers);
        next.set(owner, without(next.get(owner), id));
        return next;
    }

    private static int indexOf(List<AdvertiserConfig> advertisers, String id) {
        for (int a = 0; a < advertisers.size(); a++) {
            if (id.equals(advertisers.get(a).id())) {
                return a;
            }
        }
        throw new NotFoundException("no advertiser has the id " + id);
    }

    private static AdvertiserConfig replaced(AdvertiserConfig advertiser, String id, CampaignConfig campaign) {
        List<CampaignConfig> campaigns = new ArrayList<>(advertiser.campaigns());
        for (int c = 0; c < campaigns.size(); c++) {
            if (id.equals(campaigns.get(c).id())) {
                campaigns.set(c, campaign);
            }
        }
        return advertiser.withCampaigns(campaigns);
    }

    private static AdvertiserConfig without(AdvertiserConfig advertiser, String id) {
        List<CampaignConfig> campaigns = new ArrayList<>(advertiser.campaigns());
        campaigns.removeIf(campaign -> id.equals(campaign.id()));
        return advertiser.withCampaigns(campaigns);
    }

    /** An id the catalogue does not have. */
    public static final class NotFoundException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        NotFoundException(String message) {
            super(message);
        }
    }
}
