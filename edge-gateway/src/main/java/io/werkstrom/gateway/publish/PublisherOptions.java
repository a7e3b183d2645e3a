package io.werkstrom.gateway.publish;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.mqtt.BrokerUris;

/**
 * Options of an {@link MqttPublisher}. Immutable; build with {@link #builder()}.
 *
 * <ul>
 *   <li>{@code brokerUri} (required): {@code tcp://host:port} or {@code ssl://host:port};</li>
 *   <li>{@code address} (required): the gateway's tenant, site and id; its status topic carries
 *       the last will;</li>
 *   <li>{@code clientId} (default {@code werkstrom-<tenant>-<site>-<gateway>}): the MQTT client id,
 *       unique per broker;</li>
 *   <li>{@code inFlightWindow} (default 64, 1 to 65535): publishes awaiting their PUBACK; further
 *       publishes wait. Lowered to the broker's Receive Maximum (less one slot kept for status
 *       messages) when the broker announces a smaller one;</li>
 *   <li>{@code keepAlive} (default 30 s, 1 s to 65535 s);</li>
 *   <li>{@code connectTimeout} (default 10 s, at least 1 s);</li>
 *   <li>{@code reconnectMinDelay} / {@code reconnectMaxDelay} (default 1 s / 30 s): the delay
 *       before reconnecting doubles from the first to the second after each failed attempt;</li>
 *   <li>{@code closeTimeout} (default 5 s): how long {@link MqttPublisher#close()} waits for the
 *       broker to acknowledge the {@code offline} status and the disconnect;</li>
 *   <li>{@code username} / {@code password} (optional): the password is never logged nor shown by
 *       {@link #toString()};</li>
 *   <li>{@code tls} (optional, {@link TlsOptions}): CA file and optional client certificate; needs an
 *       {@code ssl://} broker URI. An {@code ssl://} URI without it trusts the JVM's default CAs.</li>
 * </ul>
 */
public final class PublisherOptions {

    public static final int MAX_IN_FLIGHT_WINDOW = 65_535;
    private static final Set<String> SCHEMES = Set.of("tcp", "ssl");

    private final String brokerUri;
    private final GatewayAddress address;
    private final String clientId;
    private final int inFlightWindow;
    private final Duration keepAlive;
    private final Duration connectTimeout;
    private final Duration reconnectMinDelay;
    private final Duration reconnectMaxDelay;
    private final Duration closeTimeout;
    private final String username;
    private final char[] password;
    private final TlsOptions tls;

    private PublisherOptions(Builder b, String clientId) {
        this.brokerUri = b.brokerUri;
        this.address = b.address;
        this.clientId = clientId;
        this.inFlightWindow = b.inFlightWindow;
        this.keepAlive = b.keepAlive;
        this.connectTimeout = b.connectTimeout;
        this.reconnectMinDelay = b.reconnectMinDelay;
        this.reconnectMaxDelay = b.reconnectMaxDelay;
        this.closeTimeout = b.closeTimeout;
        this.username = b.username;
        this.password = b.password == null ? null : b.password.clone();
        this.tls = b.tls;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String brokerUri() {
        return brokerUri;
    }

    public GatewayAddress address() {
        return address;
    }

    public String clientId() {
        return clientId;
    }

    public int inFlightWindow() {
        return inFlightWindow;
    }

    public Duration keepAlive() {
        return keepAlive;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration reconnectMinDelay() {
        return reconnectMinDelay;
    }

    public Duration reconnectMaxDelay() {
        return reconnectMaxDelay;
    }

    public Duration closeTimeout() {
        return closeTimeout;
    }

    public Optional<String> username() {
        return Optional.ofNullable(username);
    }

    /** A copy of the password, if one is set. */
    public Optional<char[]> password() {
        return Optional.ofNullable(password).map(char[]::clone);
    }

    public Optional<TlsOptions> tls() {
        return Optional.ofNullable(tls);
    }

    @Override
    public String toString() {
        // The password never appears in logs.
        return "PublisherOptions[brokerUri=" + brokerUri + ", address=" + address + ", clientId=" + clientId
                + ", inFlightWindow=" + inFlightWindow + ", keepAlive=" + keepAlive + ", connectTimeout=" + connectTimeout
                + ", username=" + username + ", password=" + (password == null ? "unset" : "***") + ", tls=" + tls + "]";
    }

    /** Collects options; {@link #build()} validates them and names the offending key. */
    public static final class Builder {
        private String brokerUri;
        private GatewayAddress address;
        private String clientId;
        private int inFlightWindow = 64;
        private Duration keepAlive = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration reconnectMinDelay = Duration.ofSeconds(1);
        private Duration reconnectMaxDelay = Duration.ofSeconds(30);
        private Duration closeTimeout = Duration.ofSeconds(5);
        private String username;
        private char[] password;
        private TlsOptions tls;

        private Builder() {
        }

        public Builder brokerUri(String brokerUri) {
            this.brokerUri = brokerUri;
            return this;
        }

        public Builder address(GatewayAddress address) {
            this.address = address;
            return this;
        }

        public Builder clientId(String clientId) {
            this.clientId = clientId;
            return this;
        }

        public Builder inFlightWindow(int inFlightWindow) {
            this.inFlightWindow = inFlightWindow;
            return this;
        }

        public Builder keepAlive(Duration keepAlive) {
            this.keepAlive = keepAlive;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        public Builder reconnectMinDelay(Duration reconnectMinDelay) {
            this.reconnectMinDelay = reconnectMinDelay;
            return this;
        }

        public Builder reconnectMaxDelay(Duration reconnectMaxDelay) {
            this.reconnectMaxDelay = reconnectMaxDelay;
            return this;
        }

        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = closeTimeout;
            return this;
        }

        public Builder username(String username) {
            this.username = username;
            return this;
        }

        /** The password; the builder keeps a copy, so the caller may clear its array. */
        public Builder password(char[] password) {
            this.password = password == null ? null : password.clone();
            return this;
        }

        /** TLS with a CA file and optional client certificate; the broker URI must then be {@code ssl://}. */
        public Builder tls(TlsOptions tls) {
            this.tls = tls;
            return this;
        }

        public PublisherOptions build() {
            if (brokerUri == null || brokerUri.isBlank()) {
                throw new IllegalArgumentException("brokerUri must be set, e.g. tcp://localhost:1883.");
            }
            checkBrokerUri(brokerUri);
            if (address == null) {
                throw new IllegalArgumentException("address must be set (tenant, site and gateway).");
            }
            String id = clientId != null ? clientId
                    : "werkstrom-" + address.tenant() + "-" + address.site() + "-" + address.gateway();
            if (id.isEmpty() || id.length() > 65_535 || id.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("clientId must be 1 to 65535 characters without control characters.");
            }
            if (inFlightWindow < 1 || inFlightWindow > MAX_IN_FLIGHT_WINDOW) {
                throw new IllegalArgumentException("inFlightWindow must be between 1 and " + MAX_IN_FLIGHT_WINDOW + ", got "
                        + inFlightWindow + ".");
            }
            requireBetween("keepAlive", keepAlive, Duration.ofSeconds(1), Duration.ofSeconds(65_535));
            requireBetween("connectTimeout", connectTimeout, Duration.ofSeconds(1), Duration.ofHours(1));
            requireBetween("reconnectMinDelay", reconnectMinDelay, Duration.ofMillis(10), Duration.ofHours(1));
            requireBetween("reconnectMaxDelay", reconnectMaxDelay, reconnectMinDelay, Duration.ofHours(1));
            requireBetween("closeTimeout", closeTimeout, Duration.ofMillis(100), Duration.ofMinutes(10));
            if (username != null && username.isEmpty()) {
                throw new IllegalArgumentException("username must not be empty when set.");
            }
            if (password != null && password.length == 0) {
                throw new IllegalArgumentException("password must not be empty when set.");
            }
            if (tls != null) {
                if (!brokerUri.startsWith("ssl://")) {
                    throw new IllegalArgumentException("brokerUri must be ssl://host:port when tls is set, got " + brokerUri + ".");
                }
                tls.checkFiles();
            }
            return new PublisherOptions(this, id);
        }

        private static void checkBrokerUri(String uri) {
            BrokerUris.requireNoUserInfo("brokerUri", uri, "options of their own (for the gateway: --username and"
                    + " --password-file, or mqtt.username and mqtt.password-file in its configuration)");
            try {
                URI parsed = new URI(uri);
                if (parsed.getScheme() == null || !SCHEMES.contains(parsed.getScheme()) || parsed.getHost() == null) {
                    throw new IllegalArgumentException("brokerUri '" + uri + "' must look like tcp://host:port or ssl://host:port.");
                }
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("brokerUri '" + uri + "' is not a URI: " + e.getMessage()
                        + "; expected tcp://host:port or ssl://host:port.", e);
            }
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
