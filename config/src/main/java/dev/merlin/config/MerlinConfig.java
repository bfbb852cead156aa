package dev.merlin.config;

/**
 * The whole configuration of one Merlin node, bound from YAML and validated in one pass.
 *
 * @param server   the HTTP front end
 * @param requests limits on incoming bid requests
 * @param dataDir  where stores and logs live (a flag may override it)
 */
public record MerlinConfig(ServerConfig server, RequestLimitsConfig requests, String dataDir) {

    /** Fills unset sections with defaults. */
    public MerlinConfig {
        server = server == null ? ServerConfig.defaults() : server;
        requests = requests == null ? RequestLimitsConfig.defaults() : requests;
        dataDir = dataDir == null ? "./data" : dataDir;
    }

    /** Checks every value; throws {@link ConfigException} naming the first bad one. */
    public MerlinConfig validate() {
        server.validate("server");
        requests.validate("requests");
        ConfigChecks.notBlank("dataDir", dataDir);
        return this;
    }

    /** A copy with another port (the {@code --port} flag). */
    public MerlinConfig withPort(int port) {
        return new MerlinConfig(server.withPort(port), requests, dataDir);
    }

    /** A copy with another data directory (the {@code --data-dir} flag). */
    public MerlinConfig withDataDir(String dir) {
        return new MerlinConfig(server, requests, dir);
    }
}
