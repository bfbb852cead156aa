package dev.merlin.bench;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.CampaignConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.CreativeConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.Money;
import dev.merlin.config.SegmentDefinition;
import dev.merlin.config.TargetingConfig;
import dev.merlin.config.TrackingConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A deterministic synthetic network for the auction benchmarks: {@code n} campaigns with a realistic mix of
 * targeting (countries, device types, OS, categories, segments, domain lists, banner sizes, some video).
 */
public final class SyntheticCampaigns {

    static final String[] COUNTRIES = {"JPN", "KOR", "TWN", "HKG", "USA", "GBR", "DEU", "FRA", "CAN", "AUS", "SGP",
        "IND", "BRA", "MEX", "ESP", "ITA", "NLD", "SWE", "THA", "VNM"};
    static final int[][] SIZES = {{300, 250}, {728, 90}, {320, 50}, {300, 600}, {160, 600}, {970, 250}, {320, 480},
        {336, 280}};
    static final int SEGMENTS = 200;
    static final int DOMAINS = 50;

    private SyntheticCampaigns() {
    }

    /** A config with {@code campaigns} campaigns (10 per advertiser) and 200 segments. */
    public static MerlinConfig network(int campaigns, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<SegmentDefinition> segments = new ArrayList<>();
        for (int s = 1; s <= SEGMENTS; s++) {
            segments.add(new SegmentDefinition(s, "seg-" + s, null));
        }
        List<AdvertiserConfig> advertisers = new ArrayList<>();
        List<CampaignConfig> current = new ArrayList<>();
        for (int c = 0; c < campaigns; c++) {
            current.add(campaign(c, random));
            if (current.size() == 10 || c == campaigns - 1) {
                int a = advertisers.size();
                advertisers.add(new AdvertiserConfig("adv-" + a, null, "seat-" + a, current));
                current = new ArrayList<>();
            }
        }
        return ConfigLoader.loadDefault().withTracking(TrackingConfig.defaults())
                .withAdvertisers(segments, advertisers).validate();
    }

    private static CampaignConfig campaign(int c, SplittableRandom random) {
        List<String> countries = random.nextInt(10) < 3 ? null : pick(random, COUNTRIES, 1 + random.nextInt(3));
        List<Integer> deviceTypes = random.nextBoolean() ? null
                : random.nextBoolean() ? List.of(1, 4, 5) : List.of(2);
        List<String> os = random.nextInt(10) < 6 ? null
                : List.of(new String[][] {{"iOS"}, {"Android"}, {"iOS", "Android"}}[random.nextInt(3)]);
        List<String> categories = random.nextBoolean() ? null
                : pick(random, iabCategories(), 1 + random.nextInt(2));
        TargetingConfig.AllowDeny domains = null;
        int domainRoll = random.nextInt(10);
        if (domainRoll == 0) {
            domains = new TargetingConfig.AllowDeny(domainList(random, 5), null);
        } else if (domainRoll == 1) {
            domains = new TargetingConfig.AllowDeny(null, domainList(random, 3));
        }
        TargetingConfig.SegmentTargeting segments = null;
        int segmentRoll = random.nextInt(10);
        if (segmentRoll < 4) {
            segments = new TargetingConfig.SegmentTargeting(segmentNames(random, 1 + random.nextInt(3)), null, null);
        } else if (segmentRoll == 4) {
            segments = new TargetingConfig.SegmentTargeting(null, segmentNames(random, 2), null);
        } else if (segmentRoll == 5) {
            segments = new TargetingConfig.SegmentTargeting(null, null, segmentNames(random, 1));
        }
        TargetingConfig targeting = new TargetingConfig(countries, null, deviceTypes, os, domains, null, categories,
                null, segments);
        List<CreativeConfig> creatives = new ArrayList<>();
        if (random.nextInt(10) == 0) {
            creatives.add(new CreativeConfig("cr-" + c + "-v", "video", null, null, 15 + 15 * random.nextInt(2),
                    List.of("video/mp4"), "<VAST/>", "https://lp.example/" + c, List.of("adv" + c % 997 + ".example"),
                    List.of("IAB" + (1 + random.nextInt(26))), null, null));
        } else {
            int sizes = 1 + random.nextInt(2);
            for (int s = 0; s < sizes; s++) {
                int[] size = SIZES[random.nextInt(SIZES.length)];
                creatives.add(new CreativeConfig("cr-" + c + "-" + s, "banner", size[0], size[1], null, null,
                        "<a href=\"${CLICK_URL}\"><img/></a>", "https://lp.example/" + c,
                        List.of("adv" + c % 997 + ".example"), List.of("IAB" + (1 + random.nextInt(26))), null, null));
            }
        }
        double bid = 0.5 + random.nextInt(451) / 100d;
        return new CampaignConfig("c-" + c, new Money(bid, "USD"), null, null, "asap", null, null, null, targeting,
                creatives);
    }

    private static List<String> iabCategories() {
        List<String> cats = new ArrayList<>();
        for (int i = 1; i <= 26; i++) {
            cats.add("IAB" + i);
        }
        return cats;
    }

    private static List<String> pick(SplittableRandom random, String[] pool, int n) {
        return pick(random, List.of(pool), n);
    }

    private static List<String> pick(SplittableRandom random, List<String> pool, int n) {
        List<String> out = new ArrayList<>();
        while (out.size() < n) {
            String value = pool.get(random.nextInt(pool.size()));
            if (!out.contains(value)) {
                out.add(value);
            }
        }
        return out;
    }

    private static List<String> domainList(SplittableRandom random, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("site" + random.nextInt(DOMAINS) + ".example");
        }
        return out;
    }

    private static List<String> segmentNames(SplittableRandom random, int n) {
        List<String> out = new ArrayList<>();
        while (out.size() < n) {
            String name = "seg-" + (1 + random.nextInt(SEGMENTS));
            if (!out.contains(name)) {
                out.add(name);
            }
        }
        return out;
    }

    /**
     * A typical request: a Japanese sports site, an iPhone, one 300x250 imp (also offering 320x50) with a
     * 0.50 USD floor, second price.
     */
    static byte[] typicalRequest() {
        return ("{\"id\":\"bench-1\",\"at\":2,\"tmax\":120,\"cur\":[\"USD\"],"
                + "\"imp\":[{\"id\":\"1\",\"bidfloor\":0.5,\"bidfloorcur\":\"USD\",\"banner\":{\"w\":300,\"h\":250,"
                + "\"format\":[{\"w\":300,\"h\":250},{\"w\":320,\"h\":50}]}}],"
                + "\"site\":{\"id\":\"s1\",\"domain\":\"site7.example\",\"cat\":[\"IAB17\",\"IAB17-12\"],"
                + "\"page\":\"https://site7.example/football/today\",\"publisher\":{\"id\":\"p1\"}},"
                + "\"device\":{\"ua\":\"Mozilla/5.0 (iPhone)\",\"ip\":\"203.0.113.7\",\"devicetype\":4,\"os\":\"iOS\","
                + "\"geo\":{\"country\":\"JPN\",\"region\":\"13\"}},"
                + "\"user\":{\"id\":\"u-42\",\"buyeruid\":\"merlin-uid-42\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The typical request with its imp's sizes (300x250, 320x50) replaced by 1x1, a size no campaign has. */
    static byte[] unmatchedRequest() {
        return new String(typicalRequest(), StandardCharsets.UTF_8)
                .replace("\"w\":300,\"h\":250", "\"w\":1,\"h\":1")
                .replace("\"w\":320,\"h\":50", "\"w\":1,\"h\":1")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The typical user's eight segments. */
    static int[] typicalSegments() {
        return new int[] {3, 17, 42, 58, 99, 120, 150, 187};
    }
}
