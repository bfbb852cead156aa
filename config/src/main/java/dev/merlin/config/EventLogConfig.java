package dev.merlin.config;

/**
 * The local event log: every accepted event leaves the event loop through a ring buffer to a writer thread.
 *
 * @param ringBufferBytes capacity of the ring buffer between event loops and the writer (a power of two)
 * @param fileBytes       a log file is rotated once it passes this size
 * @param flushMillis     the writer forces data to disk at least this often
 */
public record EventLogConfig(Integer ringBufferBytes, Integer fileBytes, Integer flushMillis) {

    /** Fills unset values with defaults: 4 MiB ring, 64 MiB files, flush every second. */
    public EventLogConfig {
        ringBufferBytes = ringBufferBytes == null ? 4 * 1024 * 1024 : ringBufferBytes;
        fileBytes = fileBytes == null ? 64 * 1024 * 1024 : fileBytes;
        flushMillis = flushMillis == null ? 1_000 : flushMillis;
    }

    /** All defaults. */
    public static EventLogConfig defaults() {
        return new EventLogConfig(null, null, null);
    }

    void validate(String at) {
        ConfigChecks.range(at + ".ringBufferBytes", ringBufferBytes, 64 * 1024, 1 << 30);
        if (Integer.bitCount(ringBufferBytes) != 1) {
            throw new ConfigException(at + ".ringBufferBytes", "value " + ringBufferBytes
                    + " is not allowed; expected a power of two such as 4194304");
        }
        ConfigChecks.range(at + ".fileBytes", fileBytes, 64 * 1024, 1 << 30);
        ConfigChecks.range(at + ".flushMillis", flushMillis, 10, 60_000);
    }
}
