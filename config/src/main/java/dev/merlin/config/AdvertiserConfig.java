package dev.merlin.config;

import java.util.List;

/**
 * An advertiser: its seat in bid responses and its campaigns.
 *
 * @param id        advertiser id
 * @param name      display name for reports
 * @param seat      the {@code seatbid.seat} its bids carry
 * @param campaigns its campaigns
 */
public record AdvertiserConfig(String id, String name, String seat, List<CampaignConfig> campaigns) {

    /** Fills unset values. */
    public AdvertiserConfig {
        campaigns = campaigns == null ? List.of() : List.copyOf(campaigns);
        name = name == null ? id : name;
        seat = seat == null ? id : seat;
    }

    void validate(String at, ExchangeSettings exchange) {
        ConfigChecks.notBlank(at + ".id", id);
        for (int i = 0; i < campaigns.size(); i++) {
            campaigns.get(i).validate(at + ".campaigns[" + i + "]", exchange);
        }
    }
}
