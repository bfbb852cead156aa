package dev.merlin.config;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;

/**
 * A campaign: what it pays, how fast it may spend, whom it targets and the creatives it serves.
 *
 * @param id             campaign id, unique across the config
 * @param bid            CPM bid (price per thousand impressions)
 * @param dailyBudget    most spent per UTC day, in the exchange currency, at most {@link Money#MAX_AMOUNT}
 *                       (null: no daily cap)
 * @param totalBudget    most spent ever, in the exchange currency, at most {@link Money#MAX_AMOUNT} (null: no cap)
 * @param pacing         {@code even} (spread the daily budget over the day; needs a daily budget) or {@code asap};
 *                       default even with a daily budget, else asap
 * @param frequencyCap   most impressions per user per period (null: no cap)
 * @param start          first day of the flight, {@code YYYY-MM-DD} (UTC, inclusive; null: already running)
 * @param end            last day of the flight, {@code YYYY-MM-DD} (UTC, inclusive; null: open-ended)
 * @param targeting      targeting
 * @param creatives      at least one creative
 * @param status         {@code active} (default: bids) or {@code paused} (kept, with its spend, but never bids)
 */
public record CampaignConfig(String id, Money bid, Double dailyBudget, Double totalBudget, String pacing,
                             FrequencyCap frequencyCap, String start, String end, TargetingConfig targeting,
                             List<CreativeConfig> creatives, String status) {

    /** Pacing modes. */
    public static final Set<String> PACING = Set.of("even", "asap");
    /** The status of a campaign that bids. */
    public static final String ACTIVE = "active";
    /** The status of a campaign that is kept but does not bid. */
    public static final String PAUSED = "paused";
    /** Statuses. */
    public static final Set<String> STATUS = Set.of(ACTIVE, PAUSED);

    /** Fills unset values. */
    public CampaignConfig {
        pacing = pacing == null ? (dailyBudget == null ? "asap" : "even") : pacing;
        targeting = targeting == null ? TargetingConfig.any() : targeting;
        creatives = creatives == null ? List.of() : List.copyOf(creatives);
        status = status == null ? ACTIVE : status;
    }

    /** An active campaign. */
    public CampaignConfig(String id, Money bid, Double dailyBudget, Double totalBudget, String pacing,
                          FrequencyCap frequencyCap, String start, String end, TargetingConfig targeting,
                          List<CreativeConfig> creatives) {
        this(id, bid, dailyBudget, totalBudget, pacing, frequencyCap, start, end, targeting, creatives, null);
    }

    /** Whether the campaign bids ({@code status: active}). */
    public boolean isActive() {
        return ACTIVE.equals(status);
    }

    /** This campaign with another id. */
    public CampaignConfig withId(String newId) {
        return new CampaignConfig(newId, bid, dailyBudget, totalBudget, pacing, frequencyCap, start, end, targeting,
                creatives, status);
    }

    /** This campaign with other creatives. */
    public CampaignConfig withCreatives(List<CreativeConfig> newCreatives) {
        return new CampaignConfig(id, bid, dailyBudget, totalBudget, pacing, frequencyCap, start, end, targeting,
                newCreatives, status);
    }

    /** This campaign with another bid. */
    public CampaignConfig withBid(Money newBid) {
        return new CampaignConfig(id, newBid, dailyBudget, totalBudget, pacing, frequencyCap, start, end, targeting,
                creatives, status);
    }

    /** This campaign with other budgets (null: no cap). */
    public CampaignConfig withBudgets(Double newDailyBudget, Double newTotalBudget) {
        return new CampaignConfig(id, bid, newDailyBudget, newTotalBudget, pacing, frequencyCap, start, end,
                targeting, creatives, status);
    }

    /** This campaign with another status. */
    public CampaignConfig withStatus(String newStatus) {
        return new CampaignConfig(id, bid, dailyBudget, totalBudget, pacing, frequencyCap, start, end, targeting,
                creatives, newStatus);
    }

    void validate(String at, ExchangeSettings exchange) {
        ConfigChecks.notBlank(at + ".id", id);
        if (bid == null) {
            throw new ConfigException(at + ".bid", "value is missing; a bid such as {amount: 2.5, currency: USD}"
                    + " is required");
        }
        bid.validate(at + ".bid", exchange);
        if (dailyBudget != null) {
            ConfigChecks.range(at + ".dailyBudget", dailyBudget, 0, Money.MAX_AMOUNT);
        }
        if (totalBudget != null) {
            ConfigChecks.range(at + ".totalBudget", totalBudget, 0, Money.MAX_AMOUNT);
        }
        ConfigChecks.oneOf(at + ".pacing", pacing, PACING);
        ConfigChecks.oneOf(at + ".status", status, STATUS);
        if ("even".equals(pacing) && dailyBudget == null) {
            throw new ConfigException(at + ".pacing", "value even needs a dailyBudget to spread over the day;"
                    + " set dailyBudget or use asap");
        }
        targeting.validate(at + ".targeting");
        if (frequencyCap != null) {
            frequencyCap.validate(at + ".frequencyCap");
        }
        LocalDate first = date(at + ".start", start);
        LocalDate last = date(at + ".end", end);
        if (first != null && last != null && last.isBefore(first)) {
            throw new ConfigException(at + ".end", "value " + end + " is before start " + start);
        }
        if (creatives.isEmpty()) {
            throw new ConfigException(at + ".creatives", "value is empty; a campaign needs at least one creative");
        }
        for (int i = 0; i < creatives.size(); i++) {
            creatives.get(i).validate(at + ".creatives[" + i + "]");
        }
    }

    /** First day of the flight, or null. */
    public LocalDate startDate() {
        return date("start", start);
    }

    /** Last day of the flight, or null. */
    public LocalDate endDate() {
        return date("end", end);
    }

    private static LocalDate date(String keyPath, String text) {
        if (text == null) {
            return null;
        }
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw new ConfigException(keyPath, "value " + text + " is not allowed; expected a date YYYY-MM-DD");
        }
    }

    /**
     * At most {@code impressions} per user in any {@code periodSeconds}.
     *
     * @param impressions   impressions allowed per period, at least 1
     * @param periodSeconds period length, at least 60
     */
    public record FrequencyCap(Integer impressions, Integer periodSeconds) {
        void validate(String at) {
            if (impressions == null || impressions < 1) {
                throw new ConfigException(at + ".impressions", "value " + impressions
                        + " is not allowed; expected an integer >= 1");
            }
            if (periodSeconds == null || periodSeconds < 60) {
                throw new ConfigException(at + ".periodSeconds", "value " + periodSeconds
                        + " is not allowed; expected an integer >= 60");
            }
        }
    }
}
