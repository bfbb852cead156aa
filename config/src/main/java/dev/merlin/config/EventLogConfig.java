package dev.merlin.config;

/**
 * The local event log: every accepted event leaves the event loop through a ring buffer to a writer thread.
 *
 * @param ringBufferBytes capacity of the ring buffer between event loops and the writer (a power of two)
 * @param fileBytes       a log file is rotated once it passes this size
 * @param flushMillis     the writer forces data to disk at least this often
 * @param batchBytes      the writer gathers up to this much from the ring before one write to the file (raised to
 *                        two of the largest events when smaller)
 * @param maxEventBytes   largest encoded event a producer may commit; a larger one is dropped and counted
 *                        ({@code too_large}); the ring's own limit (an eighth of it) lowers it
 */
public record EventLogConfig(Integer ringBufferBytes, Integer fileBytes, Integer flushMillis, Integer batchBytes,
                             Integer maxEventBytes) {

    /** Fills unset values with defaults: 4 MiB ring, 64 MiB files, flush every second, 256 KiB batches. */
    public EventLogConfig {
        ringBufferBytes = ringBufferBytes == null ? 4 * 1024 * 1024 : ringBufferBytes;
        fileBytes = fileBytes == null ? 64 * 1024 * 1024 : fileBytes;
        flushMillis = flushMillis == null ? 1_000 : flushMillis;
        batchBytes = batchBytes == null ? 256 * 1024 : batchBytes;
        maxEventBytes = maxEventBytes == null ? 16 * 1024 : maxEventBytes;
    }

    /** Settings with the default batch and event sizes. */
    public EventLogConfig(Integer ringBufferBytes, Integer fileBytes, Integer flushMillis) {
        this(ringBufferBytes, fileBytes, flushMillis, null, null);
    }

    /** All defaults. */
    public static EventLogConfig defaults() {
        return builder().build();
    }

    /** A builder whose unset values take the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    void validate(String at) {
        ConfigChecks.range(at + ".ringBufferBytes", ringBufferBytes, 64 * 1024, 1 << 30);
        if (Integer.bitCount(ringBufferBytes) != 1) {
            throw new ConfigException(at + ".ringBufferBytes", "value " + ringBufferBytes
                    + " is not allowed; expected a power of two such as 4194304");
        }
        ConfigChecks.range(at + ".fileBytes", fileBytes, 64 * 1024, 1 << 30);
        ConfigChecks.range(at + ".flushMillis", flushMillis, 10, 60_000);
        ConfigChecks.range(at + ".batchBytes", batchBytes, 4 * 1024, 64 * 1024 * 1024);
        // a reader refuses a longer frame as damage (1 MiB)
        ConfigChecks.range(at + ".maxEventBytes", maxEventBytes, 1024, 1024 * 1024);
    }

    /** Builds an {@link EventLogConfig}; a value left unset (or set to null) takes its default. */
    public static final class Builder {
        private Integer ringBufferBytes;
        private Integer fileBytes;
        private Integer flushMillis;
        private Integer batchBytes;
        private Integer maxEventBytes;

        private Builder() {
        }

        /** See {@link EventLogConfig#ringBufferBytes()}. */
        public Builder ringBufferBytes(Integer value) {
            ringBufferBytes = value;
            return this;
        }

        /** See {@link EventLogConfig#fileBytes()}. */
        public Builder fileBytes(Integer value) {
            fileBytes = value;
            return this;
        }

        /** See {@link EventLogConfig#flushMillis()}. */
        public Builder flushMillis(Integer value) {
            flushMillis = value;
            return this;
        }

        /** See {@link EventLogConfig#batchBytes()}. */
        public Builder batchBytes(Integer value) {
            batchBytes = value;
            return this;
        }

        /** See {@link EventLogConfig#maxEventBytes()}. */
        public Builder maxEventBytes(Integer value) {
            maxEventBytes = value;
            return this;
        }

        /** The config, unset values defaulted (not yet validated: {@link MerlinConfig#validate()} does that). */
        public EventLogConfig build() {
            return new EventLogConfig(ringBufferBytes, fileBytes, flushMillis, batchBytes, maxEventBytes);
        }
    }
}
