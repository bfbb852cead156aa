package dev.merlin.config;

import java.util.List;

/**
 * An advertiser: its seat in bid responses and its campaigns.
 *
 * @param id        advertiser id
 * @param name      display name for reports
 * @param seat      the {@code seatbid.seat} its bids carry
 * @param campaigns its campaigns
 * @param reportToken bearer token that may read this advertiser's reports (null: only the admin token)
 */
public record AdvertiserConfig(String id, String name, String seat, List<CampaignConfig> campaigns,
                               String reportToken) {

    /** Fills unset values. */
    public AdvertiserConfig {
        campaigns = campaigns == null ? List.of() : List.copyOf(campaigns);
        name = name == null ? id : name;
        seat = seat == null ? id : seat;
    }

    /** An advertiser without a report token. */
    public AdvertiserConfig(String id, String name, String seat, List<CampaignConfig> campaigns) {
        this(id, name, seat, campaigns, null);
    }

    /** This advertiser with other campaigns. */
    public AdvertiserConfig withCampaigns(List<CampaignConfig> newCampaigns) {
        return new AdvertiserConfig(id, name, seat, newCampaigns, reportToken);
    }

    /** This advertiser with another report token (null: none). */
    public AdvertiserConfig withReportToken(String token) {
        return new AdvertiserConfig(id, name, seat, campaigns, token);
    }

    void validate(String at, ExchangeSettings exchange) {
        ConfigChecks.notBlank(at + ".id", id);
        if (reportToken != null && reportToken.length() < 16) {
            throw new ConfigException(at + ".reportToken", "value is shorter than 16 characters");
        }
        TrackingConfig.checkTokenLength(at + ".reportToken", reportToken);
        for (int i = 0; i < campaigns.size(); i++) {
            campaigns.get(i).validate(at + ".campaigns[" + i + "]", exchange);
        }
    }
}
