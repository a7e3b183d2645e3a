package io.werkstrom.gateway.collect.opcua;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;

/**
 * Options of an {@link OpcUaCollector}. Immutable; build with {@link #builder()}.
 *
 * <ul>
 *   <li>{@code endpoint} (required): {@code opc.tcp://host:port[/path]};</li>
 *   <li>{@code securityPolicy} (default {@link Policy#NONE}) and {@code securityMode} (default
 *       {@link Mode#NONE} with policy none, {@link Mode#SIGN_AND_ENCRYPT} otherwise): the server
 *       endpoint to use; policy none goes only with mode none and the other way round;</li>
 *   <li>{@code pkiDir} (required with a policy other than none): the trust list in Milo's
 *       {@code DefaultTrustListManager} layout and the gateway's own certificate in {@code own/}
 *       (see {@link GatewayCertificate});</li>
 *   <li>{@code acceptExpiredServerCertificate} (default false): a trusted server certificate outside
 *       its validity period is accepted, with a warning at each connection, for a PLC whose
 *       certificate cannot be renewed at once; otherwise it is refused;</li>
 *   <li>{@code applicationUri} (default {@value #DEFAULT_APPLICATION_URI}; the gateway's
 *       configuration sets {@code urn:werkstrom:gateway:<tenant>:<site>:<id>}): the gateway's
 *       application URI and the URI of a certificate the collector creates; a certificate loaded
 *       from {@code own/} brings its own;</li>
 *   <li>{@code username} and {@code password} (optional, together): the user identity; without
 *       them the session is anonymous. The password is copied, never logged nor shown by
 *       {@link #toString()};</li>
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

    /** The application URI without message security, when none is set. */
    public static final String DEFAULT_APPLICATION_URI = "urn:werkstrom:gateway";

    /** The security policies the collector supports, by the name of the configuration key. */
    public enum Policy {
        NONE("none", SecurityPolicy.None),
        BASIC256SHA256("basic256sha256", SecurityPolicy.Basic256Sha256),
        AES128_SHA256_RSAOAEP("aes128-sha256-rsaoaep", SecurityPolicy.Aes128_Sha256_RsaOaep),
        AES256_SHA256_RSAPSS("aes256-sha256-rsapss", SecurityPolicy.Aes256_Sha256_RsaPss);

        private final String configName;
        private final SecurityPolicy milo;

        Policy(String configName, SecurityPolicy milo) {
            this.configName = configName;
            this.milo = milo;
        }

        /** The name in the configuration file, e.g. {@code basic256sha256}. */
        public String configName() {
            return configName;
        }

        SecurityPolicy milo() {
            return milo;
        }

        /** The policy with this configuration name. */
        public static Optional<Policy> of(String configName) {
            return Arrays.stream(values()).filter(p -> p.configName.equals(configName)).findFirst();
        }
    }

    /** The message security modes, by the name of the configuration key. */
    public enum Mode {
        NONE("none", MessageSecurityMode.None),
        SIGN("sign", MessageSecurityMode.Sign),
        SIGN_AND_ENCRYPT("sign-and-encrypt", MessageSecurityMode.SignAndEncrypt);

        private final String configName;
        private final MessageSecurityMode milo;

        Mode(String configName, MessageSecurityMode milo) {
            this.configName = configName;
            this.milo = milo;
        }

        /** The name in the configuration file, e.g. {@code sign-and-encrypt}. */
        public String configName() {
            return configName;
        }

        MessageSecurityMode milo() {
            return milo;
        }

        /** The mode with this configuration name. */
        public static Optional<Mode> of(String configName) {
            return Arrays.stream(values()).filter(m -> m.configName.equals(configName)).findFirst();
        }
    }

    private final String endpoint;
    private final Policy securityPolicy;
    private final Mode securityMode;
    private final Path pkiDir;
    private final boolean acceptExpiredServerCertificate;
    private final String applicationUri;
    private final String username;
    private final char[] password;
    private final List<MonitoredVariable> variables;
    private final Duration samplingInterval;
    private final Duration publishingInterval;
    private final int queueSize;
    private final Deadband deadband;
    private final Duration requestTimeout;
    private final Duration connectRetryDelay;

    private OpcUaOptions(Builder b, int queueSize, Mode mode) {
        this.endpoint = b.endpoint;
        this.securityPolicy = b.securityPolicy;
        this.securityMode = mode;
        this.pkiDir = b.pkiDir;
        this.acceptExpiredServerCertificate = b.acceptExpiredServerCertificate;
        this.applicationUri = b.applicationUri == null ? DEFAULT_APPLICATION_URI : b.applicationUri;
        this.username = b.username;
        this.password = b.password == null ? null : b.password.clone();
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

    public Policy securityPolicy() {
        return securityPolicy;
    }

    public Mode securityMode() {
        return securityMode;
    }

    /** The PKI directory; empty without message security. */
    public Optional<Path> pkiDir() {
        return Optional.ofNullable(pkiDir);
    }

    /** Whether a trusted server certificate outside its validity period is accepted (with a warning). */
    public boolean acceptExpiredServerCertificate() {
        return acceptExpiredServerCertificate;
    }

    public String applicationUri() {
        return applicationUri;
    }

    /** The user name; empty for an anonymous session. */
    public Optional<String> username() {
        return Optional.ofNullable(username);
    }

    /** A copy of the password, for the caller to clear; empty for an anonymous session. */
    public Optional<char[]> password() {
        return Optional.ofNullable(password).map(char[]::clone);
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
        return "OpcUaOptions[endpoint=" + endpoint + ", securityPolicy=" + securityPolicy.configName()
                + ", securityMode=" + securityMode.configName() + ", pkiDir=" + pkiDir
                + (acceptExpiredServerCertificate ? ", acceptExpiredServerCertificate=true" : "") + ", applicationUri=" + applicationUri
                + ", username=" + username + ", password=" + (password == null ? "unset" : "***") + ", variables=" + variables.size() + ", samplingInterval="
                + samplingInterval + ", publishingInterval=" + publishingInterval + ", queueSize=" + queueSize
                + ", deadband=" + deadband + "]";
    }

    /** Collects options; {@link #build()} validates them and names the offending key. */
    public static final class Builder {
        private String endpoint;
        private Policy securityPolicy = Policy.NONE;
        private Mode securityMode;
        private Path pkiDir;
        private boolean acceptExpiredServerCertificate;
        private String applicationUri;
        private String username;
        private char[] password;
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

        public Builder securityPolicy(Policy securityPolicy) {
            this.securityPolicy = securityPolicy;
            return this;
        }

        /** Unset: none with policy none, sign-and-encrypt with any other policy. */
        public Builder securityMode(Mode securityMode) {
            this.securityMode = securityMode;
            return this;
        }

        public Builder pkiDir(Path pkiDir) {
            this.pkiDir = pkiDir;
            return this;
        }

        public Builder acceptExpiredServerCertificate(boolean accept) {
            this.acceptExpiredServerCertificate = accept;
            return this;
        }

        public Builder applicationUri(String applicationUri) {
            this.applicationUri = applicationUri;
            return this;
        }

        public Builder username(String username) {
            this.username = username;
            return this;
        }

        /** Copied; the caller may clear its array afterwards. */
        public Builder password(char[] password) {
            this.password = password == null ? null : password.clone();
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
            if (securityPolicy == null) {
                throw new IllegalArgumentException("securityPolicy must be set (Policy.NONE for none).");
            }
            Mode mode = securityMode != null ? securityMode : securityPolicy == Policy.NONE ? Mode.NONE : Mode.SIGN_AND_ENCRYPT;
            if (securityPolicy == Policy.NONE && mode != Mode.NONE) {
                throw new IllegalArgumentException("securityMode must be none with securityPolicy none, got "
                        + mode.configName() + "; choose a securityPolicy such as basic256sha256.");
            }
            if (securityPolicy != Policy.NONE && mode == Mode.NONE) {
                throw new IllegalArgumentException("securityMode none does not go with securityPolicy "
                        + securityPolicy.configName() + "; use sign or sign-and-encrypt, or securityPolicy none.");
            }
            if (securityPolicy != Policy.NONE && pkiDir == null) {
                throw new IllegalArgumentException("pkiDir must be set with securityPolicy " + securityPolicy.configName()
                        + " (the trust list and the gateway's certificate live there).");
            }
            if (acceptExpiredServerCertificate && pkiDir == null) {
                throw new IllegalArgumentException("acceptExpiredServerCertificate needs pkiDir (without one no server"
                        + " certificate is checked).");
            }
            if (applicationUri != null && (applicationUri.isBlank() || !applicationUri.contains(":"))) {
                throw new IllegalArgumentException("applicationUri must be a URI such as urn:werkstrom:gateway:acme:plant-1:gw-01, got '"
                        + applicationUri + "'.");
            }
            if (username != null && username.isBlank()) {
                throw new IllegalArgumentException("username must not be blank.");
            }
            if (username != null && (password == null || password.length == 0)) {
                throw new IllegalArgumentException("password must be set with username " + username + ".");
            }
            if (username == null && password != null) {
                throw new IllegalArgumentException("password is set without a username.");
            }
            if (username != null && pkiDir == null) {
                // The password goes out encrypted with the server's certificate, which only a trust list can vouch for.
                throw new IllegalArgumentException("pkiDir must be set with username " + username
                        + " (the server's certificate, which encrypts the password, is checked against its trust list).");
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
            return new OpcUaOptions(this, queue, mode);
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
