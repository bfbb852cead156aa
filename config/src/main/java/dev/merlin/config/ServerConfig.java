package dev.merlin.config;

import java.util.Set;

/**
 * The HTTP front end: where it listens and how much it accepts.
 *
 * @param port               TCP port (0 picks a free one, for tests)
 * @param ioThreads          event-loop threads; 0 means one per core
 * @param maxBodyBytes       largest request body accepted, after gzip decompression (413 above)
 * @param maxInitialLineBytes longest request line
 * @param maxHeaderBytes     largest header block
 * @param idleTimeoutSeconds an idle keep-alive connection is closed after this long
 * @param maxConnections     open connections allowed; one more is closed as soon as it is accepted
 * @param requestTimeoutSeconds a request's headers and body must arrive within this long of its first byte (408)
 * @param shutdownDrainSeconds on stop, how long connections may take to finish the request they are in
 * @param host               the address to listen on: an IP literal or a name (default {@code 127.0.0.1}, this
 *                           machine only; {@code 0.0.0.0} or {@code ::} for every interface)
 * @param maxResponseBytes   largest bid response body; an auction whose answer would be larger answers 204 instead
 * @param maxMarkupLength    longest creative markup after macro substitution, in characters; an auction with a
 *                           longer one answers 204 instead
 * @param maxUnwrittenBytes  answers written but not yet taken by the kernel, over all connections: above it the
 *                           connections that are behind stop reading and new requests are answered 503
 * @param backlog            connections the kernel queues for accepting ({@code SO_BACKLOG})
 * @param writeBufferLowBytes a connection whose answers wait for the client reads requests again below this
 * @param writeBufferHighBytes a connection stops reading requests while more than this of its answers wait for the
 *                           client: a client that pipelines and never reads costs about this much
 * @param slowWorkThreads    threads for requests whose work grows with the data (reports), off the event loops
 * @param slowWorkQueue      such requests that may wait for a thread; one more is answered 503
 * @param transport          the kernel interface of the event loops: {@code auto} ({@code epoll} where it loads,
 *                           else {@code nio}), or {@code epoll}, {@code nio} or {@code io_uring} by name
 */
public record ServerConfig(Integer port, Integer ioThreads, Integer maxBodyBytes, Integer maxInitialLineBytes,
                           Integer maxHeaderBytes, Integer idleTimeoutSeconds, Integer maxConnections,
                           Integer requestTimeoutSeconds, Integer shutdownDrainSeconds, String host,
                           Integer maxResponseBytes, Integer maxMarkupLength, Integer maxUnwrittenBytes,
                           Integer backlog, Integer writeBufferLowBytes, Integer writeBufferHighBytes,
                           Integer slowWorkThreads, Integer slowWorkQueue, String transport) {

    /** The names {@link #transport} accepts. */
    public static final Set<String> TRANSPORTS = Set.of("auto", "io_uring", "epoll", "nio");

    /** The address a config without {@code server.host} listens on: loopback only. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** Fills unset values with defaults. */
    public ServerConfig {
        port = port == null ? 8080 : port;
        ioThreads = ioThreads == null ? 0 : ioThreads;
        maxBodyBytes = maxBodyBytes == null ? 256 * 1024 : maxBodyBytes;
        maxInitialLineBytes = maxInitialLineBytes == null ? 4096 : maxInitialLineBytes;
        maxHeaderBytes = maxHeaderBytes == null ? 16 * 1024 : maxHeaderBytes;
        idleTimeoutSeconds = idleTimeoutSeconds == null ? 60 : idleTimeoutSeconds;
        maxConnections = maxConnections == null ? 10_000 : maxConnections;
        requestTimeoutSeconds = requestTimeoutSeconds == null ? 10 : requestTimeoutSeconds;
        shutdownDrainSeconds = shutdownDrainSeconds == null ? 5 : shutdownDrainSeconds;
        host = host == null ? DEFAULT_HOST : host;
        maxResponseBytes = maxResponseBytes == null ? 1024 * 1024 : maxResponseBytes;
        maxMarkupLength = maxMarkupLength == null ? 64 * 1024 : maxMarkupLength;
        maxUnwrittenBytes = maxUnwrittenBytes == null ? 256 * 1024 * 1024 : maxUnwrittenBytes;
        backlog = backlog == null ? 1024 : backlog;
        writeBufferLowBytes = writeBufferLowBytes == null ? 32 * 1024 : writeBufferLowBytes;
        writeBufferHighBytes = writeBufferHighBytes == null ? 64 * 1024 : writeBufferHighBytes;
        slowWorkThreads = slowWorkThreads == null ? 1 : slowWorkThreads;
        slowWorkQueue = slowWorkQueue == null ? 64 : slowWorkQueue;
        transport = transport == null ? "auto" : transport;
    }

    /** Settings with the default transport. */
    public ServerConfig(Integer port, Integer ioThreads, Integer maxBodyBytes, Integer maxInitialLineBytes,
                        Integer maxHeaderBytes, Integer idleTimeoutSeconds, Integer maxConnections,
                        Integer requestTimeoutSeconds, Integer shutdownDrainSeconds, String host,
                        Integer maxResponseBytes, Integer maxMarkupLength, Integer maxUnwrittenBytes,
                        Integer backlog, Integer writeBufferLowBytes, Integer writeBufferHighBytes,
                        Integer slowWorkThreads, Integer slowWorkQueue) {
        this(port, ioThreads, maxBodyBytes, maxInitialLineBytes, maxHeaderBytes, idleTimeoutSeconds, maxConnections,
                requestTimeoutSeconds, shutdownDrainSeconds, host, maxResponseBytes, maxMarkupLength,
                maxUnwrittenBytes, backlog, writeBufferLowBytes, writeBufferHighBytes, slowWorkThreads, slowWorkQueue,
                null);
    }

    /** Settings with the default connection tuning. */
    public ServerConfig(Integer port, Integer ioThreads, Integer maxBodyBytes, Integer maxInitialLineBytes,
                        Integer maxHeaderBytes, Integer idleTimeoutSeconds, Integer maxConnections,
                        Integer requestTimeoutSeconds, Integer shutdownDrainSeconds, String host,
                        Integer maxResponseBytes, Integer maxMarkupLength, Integer maxUnwrittenBytes) {
        this(port, ioThreads, maxBodyBytes, maxInitialLineBytes, maxHeaderBytes, idleTimeoutSeconds, maxConnections,
                requestTimeoutSeconds, shutdownDrainSeconds, host, maxResponseBytes, maxMarkupLength,
                maxUnwrittenBytes, null, null, null, null, null);
    }

    /** Settings with the default answer bounds. */
    public ServerConfig(Integer port, Integer ioThreads, Integer maxBodyBytes, Integer maxInitialLineBytes,
                        Integer maxHeaderBytes, Integer idleTimeoutSeconds, Integer maxConnections,
                        Integer requestTimeoutSeconds, Integer shutdownDrainSeconds, String host) {
        this(port, ioThreads, maxBodyBytes, maxInitialLineBytes, maxHeaderBytes, idleTimeoutSeconds, maxConnections,
                requestTimeoutSeconds, shutdownDrainSeconds, host, null, null, null);
    }

    /** Settings on the default host. */
    public ServerConfig(Integer port, Integer ioThreads, Integer maxBodyBytes, Integer maxInitialLineBytes,
                        Integer maxHeaderBytes, Integer idleTimeoutSeconds, Integer maxConnections,
                        Integer requestTimeoutSeconds, Integer shutdownDrainSeconds) {
        this(port, ioThreads, maxBodyBytes, maxInitialLineBytes, maxHeaderBytes, idleTimeoutSeconds, maxConnections,
                requestTimeoutSeconds, shutdownDrainSeconds, null);
    }

    /** All defaults. */
    public static ServerConfig defaults() {
        return builder().build();
    }

    /** A builder whose unset values take the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values. */
    public Builder toBuilder() {
        return new Builder().port(port).ioThreads(ioThreads).maxBodyBytes(maxBodyBytes)
                .maxInitialLineBytes(maxInitialLineBytes).maxHeaderBytes(maxHeaderBytes)
                .idleTimeoutSeconds(idleTimeoutSeconds).maxConnections(maxConnections)
                .requestTimeoutSeconds(requestTimeoutSeconds).shutdownDrainSeconds(shutdownDrainSeconds).host(host)
                .maxResponseBytes(maxResponseBytes).maxMarkupLength(maxMarkupLength)
                .maxUnwrittenBytes(maxUnwrittenBytes).backlog(backlog).writeBufferLowBytes(writeBufferLowBytes)
                .writeBufferHighBytes(writeBufferHighBytes).slowWorkThreads(slowWorkThreads)
                .slowWorkQueue(slowWorkQueue).transport(transport);
    }

    /** A copy listening on another port. */
    public ServerConfig withPort(int newPort) {
        return toBuilder().port(newPort).build();
    }

    /** A copy listening on another address (the {@code --host} flag). */
    public ServerConfig withHost(String newHost) {
        return toBuilder().host(newHost).build();
    }

    /**
     * Whether {@link #host} is this machine only: {@code localhost}, an IPv4 literal in 127.0.0.0/8 or the IPv6
     * {@code ::1}. Decided from the text, without DNS; any other name counts as reachable from outside.
     */
    public boolean isLoopbackHost() {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return h.equalsIgnoreCase("localhost") || h.matches("127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}")
                || h.matches("(0{0,4}:){2,7}0{0,3}1");
    }

    void validate(String at) {
        ConfigChecks.range(at + ".port", port, 0, 65_535);
        ConfigChecks.range(at + ".ioThreads", ioThreads, 0, 256);
        ConfigChecks.range(at + ".maxBodyBytes", maxBodyBytes, 1024, 64 * 1024 * 1024);
        ConfigChecks.range(at + ".maxInitialLineBytes", maxInitialLineBytes, 256, 64 * 1024);
        ConfigChecks.range(at + ".maxHeaderBytes", maxHeaderBytes, 1024, 1024 * 1024);
        ConfigChecks.range(at + ".idleTimeoutSeconds", idleTimeoutSeconds, 1, 3600);
        ConfigChecks.range(at + ".maxConnections", maxConnections, 1, 1_000_000);
        ConfigChecks.range(at + ".requestTimeoutSeconds", requestTimeoutSeconds, 1, 3600);
        ConfigChecks.range(at + ".shutdownDrainSeconds", shutdownDrainSeconds, 0, 300);
        ConfigChecks.range(at + ".maxResponseBytes", maxResponseBytes, 4096, 64 * 1024 * 1024);
        ConfigChecks.range(at + ".maxMarkupLength", maxMarkupLength, 1024, 16 * 1024 * 1024);
        // one whole answer must fit, or no answer over the limit could ever be written
        ConfigChecks.range(at + ".maxUnwrittenBytes", maxUnwrittenBytes, Math.max(maxResponseBytes, 1024 * 1024),
                Integer.MAX_VALUE);
        ConfigChecks.range(at + ".backlog", backlog, 1, 65_535);
        ConfigChecks.range(at + ".writeBufferLowBytes", writeBufferLowBytes, 1024, 64 * 1024 * 1024);
        ConfigChecks.range(at + ".writeBufferHighBytes", writeBufferHighBytes, writeBufferLowBytes,
                64 * 1024 * 1024);
        ConfigChecks.range(at + ".slowWorkThreads", slowWorkThreads, 1, 64);
        ConfigChecks.range(at + ".slowWorkQueue", slowWorkQueue, 1, 100_000);
        ConfigChecks.oneOf(at + ".transport", transport, TRANSPORTS);
        if (host.isBlank() || host.length() > 253 || !host.matches("[A-Za-z0-9.:_%\\[\\]-]+")) {
            throw new ConfigException(at + ".host", "value " + host + " is not allowed; expected an IP address or"
                    + " a host name such as 127.0.0.1, 0.0.0.0, ::1 or exchange.example");
        }
    }

    /** Builds a {@link ServerConfig}; a value left unset (or set to null) takes its default. */
    public static final class Builder {
        private Integer port;
        private Integer ioThreads;
        private Integer maxBodyBytes;
        private Integer maxInitialLineBytes;
        private Integer maxHeaderBytes;
        private Integer idleTimeoutSeconds;
        private Integer maxConnections;
        private Integer requestTimeoutSeconds;
        private Integer shutdownDrainSeconds;
        private String host;
        private Integer maxResponseBytes;
        private Integer maxMarkupLength;
        private Integer maxUnwrittenBytes;
        private Integer backlog;
        private Integer writeBufferLowBytes;
        private Integer writeBufferHighBytes;
        private Integer slowWorkThreads;
        private Integer slowWorkQueue;
        private String transport;

        private Builder() {
        }

        /** See {@link ServerConfig#port()}. */
        public Builder port(Integer value) {
            port = value;
            return this;
        }

        /** See {@link ServerConfig#ioThreads()}. */
        public Builder ioThreads(Integer value) {
            ioThreads = value;
            return this;
        }

        /** See {@link ServerConfig#maxBodyBytes()}. */
        public Builder maxBodyBytes(Integer value) {
            maxBodyBytes = value;
            return this;
        }

        /** See {@link ServerConfig#maxInitialLineBytes()}. */
        public Builder maxInitialLineBytes(Integer value) {
            maxInitialLineBytes = value;
            return this;
        }

        /** See {@link ServerConfig#maxHeaderBytes()}. */
        public Builder maxHeaderBytes(Integer value) {
            maxHeaderBytes = value;
            return this;
        }

        /** See {@link ServerConfig#idleTimeoutSeconds()}. */
        public Builder idleTimeoutSeconds(Integer value) {
            idleTimeoutSeconds = value;
            return this;
        }

        /** See {@link ServerConfig#maxConnections()}. */
        public Builder maxConnections(Integer value) {
            maxConnections = value;
            return this;
        }

        /** See {@link ServerConfig#requestTimeoutSeconds()}. */
        public Builder requestTimeoutSeconds(Integer value) {
            requestTimeoutSeconds = value;
            return this;
        }

        /** See {@link ServerConfig#shutdownDrainSeconds()}. */
        public Builder shutdownDrainSeconds(Integer value) {
            shutdownDrainSeconds = value;
            return this;
        }

        /** See {@link ServerConfig#host()}. */
        public Builder host(String value) {
            host = value;
            return this;
        }

        /** See {@link ServerConfig#maxResponseBytes()}. */
        public Builder maxResponseBytes(Integer value) {
            maxResponseBytes = value;
            return this;
        }

        /** See {@link ServerConfig#maxMarkupLength()}. */
        public Builder maxMarkupLength(Integer value) {
            maxMarkupLength = value;
            return this;
        }

        /** See {@link ServerConfig#maxUnwrittenBytes()}. */
        public Builder maxUnwrittenBytes(Integer value) {
            maxUnwrittenBytes = value;
            return this;
        }

        /** See {@link ServerConfig#backlog()}. */
        public Builder backlog(Integer value) {
            backlog = value;
            return this;
        }

        /** See {@link ServerConfig#writeBufferLowBytes()}. */
        public Builder writeBufferLowBytes(Integer value) {
            writeBufferLowBytes = value;
            return this;
        }

        /** See {@link ServerConfig#writeBufferHighBytes()}. */
        public Builder writeBufferHighBytes(Integer value) {
            writeBufferHighBytes = value;
            return this;
        }

        /** See {@link ServerConfig#slowWorkThreads()}. */
        public Builder slowWorkThreads(Integer value) {
            slowWorkThreads = value;
            return this;
        }

        /** See {@link ServerConfig#slowWorkQueue()}. */
        public Builder slowWorkQueue(Integer value) {
            slowWorkQueue = value;
            return this;
        }

        /** See {@link ServerConfig#transport()}. */
        public Builder transport(String value) {
            transport = value;
            return this;
        }

        /** The config, unset values defaulted (not yet validated: {@link MerlinConfig#validate()} does that). */
        public ServerConfig build() {
            return new ServerConfig(port, ioThreads, maxBodyBytes, maxInitialLineBytes, maxHeaderBytes,
                    idleTimeoutSeconds, maxConnections, requestTimeoutSeconds, shutdownDrainSeconds, host,
                    maxResponseBytes, maxMarkupLength, maxUnwrittenBytes, backlog, writeBufferLowBytes,
                    writeBufferHighBytes, slowWorkThreads, slowWorkQueue, transport);
        }
    }
}
