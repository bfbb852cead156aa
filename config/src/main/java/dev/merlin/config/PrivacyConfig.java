package dev.merlin.config;

import java.util.List;
import java.util.Map;

/**
 * What Merlin may do with personal data, and where.
 *
 * @param vendorId                Merlin's vendor id in the IAB Global Vendor List (TCF v2 consent must name it)
 * @param requiredPurposes        TCF purposes that need consent before anything is recorded or used
 *                                (default 1 store/access, 3 create profile, 4 use profile)
 * @param personalizationCountries countries (ISO-3166-1 alpha-3) where audience data is rolled out; requests and
 *                                events from elsewhere stay contextual; empty means everywhere
 * @param uidCookieDays           lifetime of the first-party {@code uid} cookie
 * @param optOutCookieDays        lifetime of the opt-out cookie
 * @param identitySecret          key (at least 32 characters) that signs Merlin's {@code uid} cookies and keys the
 *                                user hash; unset: a random key kept in {@code dataDir/identity.key} — set it when
 *                                several nodes must accept each other's cookies and links
 * @param residency               where users' personal data may go, by the user's region: the first rule naming the
 *                                user's country (or a group holding it, or {@code *}) lists the DSP regions allowed;
 *                                a user no rule names: only DSPs in the user's own country; a user whose country is
 *                                unknown: no DSP. Empty (the default): no residency limit
 * @param minSegmentUsers         the fewest distinct users an audience segment must hold before it is sent to a DSP
 *                                (a k-anonymity floor)
 * @param holdout                 the control group of the rollout: a share of users, in the rollout's countries, kept
 *                                contextual on the bid path; default nobody
 */
public record PrivacyConfig(Integer vendorId, List<Integer> requiredPurposes, List<String> personalizationCountries,
                            Integer uidCookieDays, Integer optOutCookieDays, String identitySecret,
                            List<ResidencyRule> residency, Integer minSegmentUsers,
                            HoldoutConfig holdout) {

    /** Fills unset values with defaults. */
    public PrivacyConfig {
        vendorId = vendorId == null ? 1_234 : vendorId;
        requiredPurposes = requiredPurposes == null ? List.of(1, 3, 4) : List.copyOf(requiredPurposes);
        personalizationCountries = personalizationCountries == null ? List.of()
                : List.copyOf(personalizationCountries);
        uidCookieDays = uidCookieDays == null ? 395 : uidCookieDays;
        optOutCookieDays = optOutCookieDays == null ? 1_825 : optOutCookieDays;
        residency = residency == null ? List.of() : List.copyOf(residency);
        minSegmentUsers = minSegmentUsers == null ? 50 : minSegmentUsers;
        holdout = holdout == null ? HoldoutConfig.none() : holdout;
    }

    /** Settings without a configured identity secret. */
    public PrivacyConfig(Integer vendorId, List<Integer> requiredPurposes, List<String> personalizationCountries,
                         Integer uidCookieDays, Integer optOutCookieDays) {
        this(vendorId, requiredPurposes, personalizationCountries, uidCookieDays, optOutCookieDays, null, null, null,
                null);
    }

    /** All defaults. */
    public static PrivacyConfig defaults() {
        return builder().build();
    }

    /** A copy whose {@code uid} cookies are signed, and users hashed, with {@code secret}. */
    public PrivacyConfig withIdentitySecret(String secret) {
        return new PrivacyConfig(vendorId, requiredPurposes, personalizationCountries, uidCookieDays, optOutCookieDays,
                secret, residency, minSegmentUsers, holdout);
    }

    /** A builder whose unset values take the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    void validate(String at) {
        ConfigChecks.range(at + ".vendorId", vendorId, 1, 65_535);
        for (int i = 0; i < requiredPurposes.size(); i++) {
            Integer purpose = requiredPurposes.get(i);
            if (purpose == null || purpose < 1 || purpose > 24) {
                throw new ConfigException(at + ".requiredPurposes[" + i + "]", "value " + purpose
                        + " is not allowed; TCF purposes are 1 to 24");
            }
        }
        for (int i = 0; i < personalizationCountries.size(); i++) {
            ConfigChecks.country(at + ".personalizationCountries[" + i + "]", personalizationCountries.get(i));
        }
        ConfigChecks.range(at + ".uidCookieDays", uidCookieDays, 1, 400);
        ConfigChecks.range(at + ".optOutCookieDays", optOutCookieDays, 1, 3_650);
        if (identitySecret != null && identitySecret.length() < 32) {
            throw new ConfigException(at + ".identitySecret", "value is shorter than 32 characters");
        }
        ConfigChecks.range(at + ".minSegmentUsers", minSegmentUsers, 1, 1_000_000_000);
    }

    /** Checks {@link #residency} and {@link #holdout} against the config's named {@code regions}. */
    void validateResidency(String at, Map<String, List<String>> regions) {
        for (int i = 0; i < residency.size(); i++) {
            ResidencyRule rule = residency.get(i);
            if (rule == null) {
                throw new ConfigException(at + ".residency[" + i + "]", "the rule is empty; give users and dspRegions");
            }
            rule.validate(at + ".residency[" + i + "]", regions);
        }
        holdout.validate(at + ".holdout", regions);
    }

    /** Builds a {@link PrivacyConfig}; a value left unset (or set to null) takes its default. */
    public static final class Builder {
        private Integer vendorId;
        private List<Integer> requiredPurposes;
        private List<String> personalizationCountries;
        private Integer uidCookieDays;
        private Integer optOutCookieDays;
        private String identitySecret;
        private List<ResidencyRule> residency;
        private Integer minSegmentUsers;
        private HoldoutConfig holdout;

        private Builder() {
        }

        /** See {@link PrivacyConfig#vendorId()}. */
        public Builder vendorId(Integer value) {
            vendorId = value;
            return this;
        }

        /** See {@link PrivacyConfig#requiredPurposes()}. */
        public Builder requiredPurposes(List<Integer> value) {
            requiredPurposes = value;
            return this;
        }

        /** See {@link PrivacyConfig#personalizationCountries()}. */
        public Builder personalizationCountries(List<String> value) {
            personalizationCountries = value;
            return this;
        }

        /** See {@link PrivacyConfig#uidCookieDays()}. */
        public Builder uidCookieDays(Integer value) {
            uidCookieDays = value;
            return this;
        }

        /** See {@link PrivacyConfig#optOutCookieDays()}. */
        public Builder optOutCookieDays(Integer value) {
            optOutCookieDays = value;
            return this;
        }

        /** See {@link PrivacyConfig#identitySecret()}. */
        public Builder identitySecret(String value) {
            identitySecret = value;
            return this;
        }

        /** See {@link PrivacyConfig#residency()}. */
        public Builder residency(List<ResidencyRule> value) {
            residency = value;
            return this;
        }

        /** See {@link PrivacyConfig#minSegmentUsers()}. */
        public Builder minSegmentUsers(Integer value) {
            minSegmentUsers = value;
            return this;
        }

        /** See {@link PrivacyConfig#holdout()}. */
        public Builder holdout(HoldoutConfig value) {
            holdout = value;
            return this;
        }

        /** The config, unset values defaulted (not yet validated: {@link MerlinConfig#validate()} does that). */
        public PrivacyConfig build() {
            return new PrivacyConfig(vendorId, requiredPurposes, personalizationCountries, uidCookieDays,
                    optOutCookieDays, identitySecret, residency, minSegmentUsers, holdout);
        }
    }
}
