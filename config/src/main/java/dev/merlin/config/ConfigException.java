package dev.merlin.config;

/** A configuration that cannot be used; the message names the key path, the value and what is allowed. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String keyPath;
    private final String reason;

    /** Creates the exception for the value at {@code keyPath}. */
    public ConfigException(String keyPath, String message) {
        super(keyPath.isEmpty() ? message : keyPath + ": " + message);
        this.keyPath = keyPath;
        this.reason = message;
    }

    /** What is wrong with the value, without its key path. */
    public String reason() {
        return reason;
    }

    /** The dotted key path of the offending value, e.g. {@code server.port}. */
    public String keyPath() {
        return keyPath;
    }
}
