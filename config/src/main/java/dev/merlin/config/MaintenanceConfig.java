package dev.merlin.config;

/**
 * How often the maintenance agent frees the slots of what has expired in the stores. Shorter periods keep the maps
 * emptier at the cost of more scans; each purge scans its whole map.
 *
 * @param expiredUsersPurgeSeconds   users whose segments have all expired leave the segment store
 * @param expiredChargesPurgeSeconds impressions past {@code stores.chargedWindowSeconds} leave the charge-once map
 *                                   (and their open commitments are released)
 * @param expiredClicksPurgeSeconds  clicked impressions past that window leave the click-once map
 * @param oldErasuresPurgeSeconds    erasures older than anything a notice or app event may still be timed at leave the
 *                                   erasure registry
 */
public record MaintenanceConfig(Integer expiredUsersPurgeSeconds, Integer expiredChargesPurgeSeconds,
                                Integer expiredClicksPurgeSeconds, Integer oldErasuresPurgeSeconds) {

    /** Fills unset values with defaults: users hourly, charges and clicks every 10 minutes, erasures daily. */
    public MaintenanceConfig {
        expiredUsersPurgeSeconds = expiredUsersPurgeSeconds == null ? 3_600 : expiredUsersPurgeSeconds;
        expiredChargesPurgeSeconds = expiredChargesPurgeSeconds == null ? 600 : expiredChargesPurgeSeconds;
        expiredClicksPurgeSeconds = expiredClicksPurgeSeconds == null ? 600 : expiredClicksPurgeSeconds;
        oldErasuresPurgeSeconds = oldErasuresPurgeSeconds == null ? 86_400 : oldErasuresPurgeSeconds;
    }

    /** All defaults. */
    public static MaintenanceConfig defaults() {
        return builder().build();
    }

    /** A builder whose unset values take the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    void validate(String at) {
        ConfigChecks.range(at + ".expiredUsersPurgeSeconds", expiredUsersPurgeSeconds, 60, 7 * 86_400);
        ConfigChecks.range(at + ".expiredChargesPurgeSeconds", expiredChargesPurgeSeconds, 60, 86_400);
        ConfigChecks.range(at + ".expiredClicksPurgeSeconds", expiredClicksPurgeSeconds, 60, 86_400);
        ConfigChecks.range(at + ".oldErasuresPurgeSeconds", oldErasuresPurgeSeconds, 3_600, 7 * 86_400);
    }

    /** Builds a {@link MaintenanceConfig}; a value left unset (or set to null) takes its default. */
    public static final class Builder {
        private Integer expiredUsersPurgeSeconds;
        private Integer expiredChargesPurgeSeconds;
        private Integer expiredClicksPurgeSeconds;
        private Integer oldErasuresPurgeSeconds;

        private Builder() {
        }

        /** See {@link MaintenanceConfig#expiredUsersPurgeSeconds()}. */
        public Builder expiredUsersPurgeSeconds(Integer value) {
            expiredUsersPurgeSeconds = value;
            return this;
        }

        /** See {@link MaintenanceConfig#expiredChargesPurgeSeconds()}. */
        public Builder expiredChargesPurgeSeconds(Integer value) {
            expiredChargesPurgeSeconds = value;
            return this;
        }

        /** See {@link MaintenanceConfig#expiredClicksPurgeSeconds()}. */
        public Builder expiredClicksPurgeSeconds(Integer value) {
            expiredClicksPurgeSeconds = value;
            return this;
        }

        /** See {@link MaintenanceConfig#oldErasuresPurgeSeconds()}. */
        public Builder oldErasuresPurgeSeconds(Integer value) {
            oldErasuresPurgeSeconds = value;
            return this;
        }

        /** The config, unset values defaulted (not yet validated: {@link MerlinConfig#validate()} does that). */
        public MaintenanceConfig build() {
            return new MaintenanceConfig(expiredUsersPurgeSeconds, expiredChargesPurgeSeconds,
                    expiredClicksPurgeSeconds, oldErasuresPurgeSeconds);
        }
    }
}
