package io.werkstrom.gateway.collect.opcua;

import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Options of an {@link OpcUaCollector}. Immutable; build with {@link #builder()}.
 *
 * <ul>
 *   <li>{@code endpoint} (required): {@code opc.tcp://host:port[/path]}; connected without message
 *       security and anonymously;</li>
 *   <li>{@code variables} (required, at least one): node id to machine/sensor, each pair at most once;</li>
 *   <li>{@code samplingInterval} (default 100 ms): how often the server samples each variable;</li>
 *   <li>{@code publishingInterval} (default 500 ms): how often the server sends what changed;</li>
 *   <li>{@code queueSize} (default: enough for two publishing intervals of samples, at least 1):
 *       values the server keeps per variable between publishes; oldest discarded beyond it;</li>
 *   <li>{@code deadband} (default none): for variables without their own;</li>
 *   <li>{@code requestTimeout} (default 5 s) and {@code connectRetryDelay} (default 1 s, doubling to
 *       30 s): while the first connection cannot be made.</li>
 * </ul>
 */
public final class OpcUaOptions {

    private final String endpoint;
    private final List<MonitoredVariable> variables;
    private final Duration samplingInterval;
    private final Duration publishingInterval;
    private final int queueSize;
    private final Deadband deadband;
    private final Duration requestTimeout;
    private final Duration connectRetryDelay;

    private OpcUaOptions(Builder b, int queueSize) {
        this.endpoint = b.endpoint;
        this.variables = List.copyOf(b.variables);
        this.samplingInterval = b.samplingInterval;
        this.publishingInterval = b.publishingInterval;
        this.queueSize = queueSize;
        this.deadband = b.deadband;
        this.requestTimeout = b.requestTimeout;
        this.connectRetryDelay = b.connectRetryDelay;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String endpoint() {
        return endpoint;
    }

    public List<MonitoredVariable> variables() {
        return variables;
    }

    public Duration samplingInterval() {
        return samplingInterval;
    }

    public Duration publishingInterval() {
        return publishingInterval;
    }

    public int queueSize() {
        return queueSize;
    }

    public Deadband deadband() {
        return deadband;
    }

    public Duration requestTimeout() {
        return requestTimeout;
    }

    public Duration connectRetryDelay() {
        return connectRetryDelay;
    }

    @Override
    public String toString() {
        return "OpcUaOptions[endpoint=" + endpoint + ", variables=" + variables.size() + ", samplingInterval="
                + samplingInterval + ", publishingInterval=" + publishingInterval + ", queueSize=" + queueSize
                + ", deadband=" + deadband + "]";
    }

    /** Collects options; {@link #build()} validates them and names the offending key. */
    public static final class Builder {
        private String endpoint;
        private List<MonitoredVariable> variables = List.of();
        private Duration samplingInterval = Duration.ofMillis(100);
        private Duration publishingInterval = Duration.ofMillis(500);
        private Integer queueSize;
        private Deadband deadband = Deadband.NONE;
        private Duration requestTimeout = Duration.ofSeconds(5);
        private Duration connectRetryDelay = Duration.ofSeconds(1);

        private Builder() {
        }

        public Builder endpoint(String endpoint) {
            this.endpoint = endpoint;
            return this;
        }

        public Builder variables(List<MonitoredVariable> variables) {
            this.variables = variables;
            return this;
        }

        public Builder samplingInterval(Duration samplingInterval) {
            this.samplingInterval = samplingInterval;
            return this;
        }

        public Builder publishingInterval(Duration publishingInterval) {
            this.publishingInterval = publishingInterval;
            return this;
        }

        public Builder queueSize(int queueSize) {
            this.queueSize = queueSize;
            return this;
        }

        public Builder deadband(Deadband deadband) {
            this.deadband = deadband;
            return this;
        }

        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        public Builder connectRetryDelay(Duration connectRetryDelay) {
            this.connectRetryDelay = connectRetryDelay;
            return this;
        }

        public OpcUaOptions build() {
            if (endpoint == null || !endpoint.startsWith("opc.tcp://")) {
                throw new IllegalArgumentException("endpoint must look like opc.tcp://host:port, got " + endpoint + ".");
            }
            try {
                if (URI.create(endpoint).getHost() == null) {
                    throw new IllegalArgumentException("endpoint has no host: " + endpoint + ".");
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("endpoint must look like opc.tcp://host:port, got " + endpoint + ".", e);
            }
            if (variables == null || variables.isEmpty()) {
                throw new IllegalArgumentException("variables must name at least one node.");
            }
            Set<String> targets = new HashSet<>();
            for (MonitoredVariable v : variables) {
                if (!targets.add(v.machine() + "/" + v.sensor())) {
                    throw new IllegalArgumentException("variables: machine " + v.machine() + " sensor " + v.sensor()
                            + " is mapped twice.");
                }
            }
            requireBetween("samplingInterval", samplingInterval, Duration.ZERO, Duration.ofHours(1));
            requireBetween("publishingInterval", publishingInterval, Duration.ofMillis(10), Duration.ofHours(1));
            requireBetween("requestTimeout", requestTimeout, Duration.ofMillis(100), Duration.ofMinutes(10));
            requireBetween("connectRetryDelay", connectRetryDelay, Duration.ofMillis(10), Duration.ofMinutes(10));
            if (deadband == null) {
                throw new IllegalArgumentException("deadband must be set (Deadband.NONE for none).");
            }
            int queue;
            if (queueSize != null) {
                if (queueSize < 1 || queueSize > 100_000) {
                    throw new IllegalArgumentException("queueSize must be between 1 and 100000, got " + queueSize + ".");
                }
                queue = queueSize;
            } else {
                long perPublish = samplingInterval.isZero() ? 10
                        : publishingInterval.toNanos() / Math.max(1, samplingInterval.toNanos()) + 1;
                queue = (int) Math.min(100_000, Math.max(1, 2 * perPublish));
            }
            return new OpcUaOptions(this, queue);
        }

        private static void requireBetween(String key, Duration value, Duration min, Duration max) {
            if (value == null) {
                throw new IllegalArgumentException(key + " must be set.");
            }
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(key + " must be between " + min + " and " + max + ", got " + value + ".");
            }
        }
    }
}
