package io.werkstrom.gateway.config;

/** A gateway configuration that cannot be used; the message starts with the offending key, e.g. {@code mqtt.tls.ca-file: file not found: /x}. */
public final class ConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String key;

    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    public ConfigException(String key, String problem, Throwable cause) {
        super(key + ": " + problem, cause);
        this.key = key;
    }

    /** The dotted path of the offending key, e.g. {@code spool.max-bytes}. */
    public String key() {
        return key;
    }
}
