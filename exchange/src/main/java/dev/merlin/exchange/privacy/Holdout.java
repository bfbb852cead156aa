package dev.merlin.exchange.privacy;

import dev.merlin.config.HoldoutConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.protocol.model.BidRequest;
import java.util.List;
import java.util.Set;

/**
 * The control group of a regional rollout ({@code privacy.holdout}): in the holdout's countries, the users whose
 * keyed hash falls under the configured share are kept contextual on the bid path, the rest receive the rollout
 * (the treatment arm). A user's arm depends only on the secret key and the user key, so it is the same on every
 * request and every node sharing the identity secret, and nobody without the key can tell which arm a user is in.
 *
 * <p>Requests without a user key are in neither arm: there is no user to keep in one. Immutable; allocation-free.
 */
public final class Holdout {

    /** The request is outside the trial: no share, another country, or no user key. */
    public static final int NO_ARM = 0;
    /** The user receives the rollout. */
    public static final int TREATMENT = 1;
    /** The user is held out: kept contextual. */
    public static final int CONTROL = 2;

    /** Nobody held out. */
    public static final Holdout NONE = new Holdout(0.0, Set.of(), new UserHash(0, 0));

    private static final int BUCKET_BITS = 53;
    private static final List<String> ARM_LABELS = List.of("none", "treatment", "control");

    private final long threshold;
    private final String[] countries;
    private final UserHash hash;

    /**
     * The holdout of {@code config} ({@code privacy.holdout}, its groups expanded from {@code regions}), assigning
     * arms by {@code hash}, which should be keyed for this purpose alone so the arm says nothing of other ids.
     */
    public static Holdout of(MerlinConfig config, UserHash hash) {
        HoldoutConfig holdout = config.privacy().holdout();
        if (holdout.share() <= 0) {
            return NONE;
        }
        return new Holdout(holdout.share(), OutboundRules.places(holdout.countries(), config.regions()), hash);
    }

    /**
     * A holdout of {@code share} of the users (0 to 1) in {@code countries} (ISO-3166-1 alpha-3; empty: every country
     * where audience data is rolled out, which the consent gate decides before the holdout is asked).
     */
    public Holdout(double share, Set<String> countries, UserHash hash) {
        this.threshold = (long) (Math.max(0.0, Math.min(1.0, share)) * (1L << BUCKET_BITS));
        this.countries = countries.toArray(new String[0]);
        this.hash = hash;
    }

    /** Whether anybody can be held out. */
    public boolean isActive() {
        return threshold > 0;
    }

    /**
     * Whether requests from {@code country} (null when unknown) are in the trial; countries compare ignoring case, as
     * the consent gate's rollout check does.
     */
    public boolean covers(String country) {
        if (threshold <= 0) {
            return false;
        }
        if (countries.length == 0) {
            return true;
        }
        if (country == null) {
            return false;
        }
        for (String covered : countries) {
            if (covered.equalsIgnoreCase(country)) {
                return true;
            }
        }
        return false;
    }

    /** The arm of the user under {@code userKey} (null: no user) for a request from {@code country}. */
    public int arm(CharSequence userKey, String country) {
        if (userKey == null || !covers(country)) {
            return NO_ARM;
        }
        long bucket = hash.hash(userKey) >>> (Long.SIZE - BUCKET_BITS);
        return bucket < threshold ? CONTROL : TREATMENT;
    }

    /**
     * The user's country as the holdout sees it: {@code device.geo.country}, else {@code user.geo.country}, as the
     * request gave it (null when neither); the consent gate's rollout check reads the same.
     */
    public static String country(BidRequest request) {
        return ConsentSignals.country(request.device, request.user);
    }

    /** The arm as a metric label: {@code none}, {@code treatment} or {@code control}. */
    public static String label(int arm) {
        return ARM_LABELS.get(arm);
    }

    /** The countries of the trial, groups expanded (empty: every rolled-out country); for tests and logs. */
    public Set<String> countries() {
        return Set.of(countries);
    }
}
