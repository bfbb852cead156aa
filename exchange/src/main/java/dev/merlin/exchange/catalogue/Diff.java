package dev.merlin.exchange.catalogue;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.CampaignConfig;
import dev.merlin.config.ConfigLoader;
import java.util.List;

/** The part of the advertisers a change names, as JSON for the event log (report tokens left out). */
final class Diff {

    /** The longest part logged whole: before and after together stay well inside the event log's 16 KiB. */
    static final int MAX_LOGGED_CHARS = 6_000;

    private Diff() {
    }

    /** {@link #of}, or its size alone when it is longer than {@link #MAX_LOGGED_CHARS}. */
    static String bounded(String what, List<AdvertiserConfig> advertisers) {
        String json = of(what, advertisers);
        return json.length() <= MAX_LOGGED_CHARS ? json : "{\"omittedChars\":" + json.length() + "}";
    }

    /**
     * The advertiser or campaign that {@code what} names ({@code ... advertisers[id=a]} or
     * {@code ... campaigns[id=c]}) as JSON, {@code null} when it does not exist; for anything else, a count.
     */
    static String of(String what, List<AdvertiserConfig> advertisers) {
        String campaign = idAfter(what, "campaigns[id=");
        String advertiser = idAfter(what, "advertisers[id=");
        for (AdvertiserConfig a : advertisers) {
            if (campaign == null && advertiser != null && advertiser.equals(a.id())) {
                return ConfigLoader.toJson(a.withReportToken(null));
            }
            for (CampaignConfig c : a.campaigns()) {
                if (campaign != null && campaign.equals(c.id())) {
                    return ConfigLoader.toJson(c);
                }
            }
        }
        if (campaign != null || advertiser != null) {
            return "null";
        }
        int campaigns = 0;
        for (AdvertiserConfig a : advertisers) {
            campaigns += a.campaigns().size();
        }
        return "{\"advertisers\":" + advertisers.size() + ",\"campaigns\":" + campaigns + "}";
    }

    private static String idAfter(String what, String prefix) {
        int start = what.indexOf(prefix);
        if (start < 0) {
            return null;
        }
        int end = what.indexOf(']', start);
        return end < 0 ? null : what.substring(start + prefix.length(), end);
    }
}
