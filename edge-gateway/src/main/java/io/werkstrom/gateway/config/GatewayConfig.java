package io.werkstrom.gateway.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.werkstrom.gateway.GatewayOptions;
import io.werkstrom.gateway.collect.Collector;
import io.werkstrom.gateway.collect.opcua.Deadband;
import io.werkstrom.gateway.collect.opcua.MonitoredVariable;
import io.werkstrom.gateway.collect.opcua.OpcUaCollector;
import io.werkstrom.gateway.collect.opcua.OpcUaOptions;
import io.werkstrom.gateway.collect.replay.BadRowPolicy;
import io.werkstrom.gateway.collect.replay.CmapssFormat;
import io.werkstrom.gateway.collect.replay.NabFormat;
import io.werkstrom.gateway.collect.replay.ReplayCollector;
import io.werkstrom.gateway.collect.replay.ReplayOptions;
import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.gateway.publish.TlsOptions;
import io.werkstrom.gateway.sim.FaultPlan;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.gateway.spool.SpoolOptions;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.tls.PemSslContexts;
import io.werkstrom.protocol.tls.PemSslContexts.Pem;

/**
 * A gateway's configuration, read from one YAML file (see {@code edge-gateway/config/gateway.example.yaml})
 * with {@link #load(Path, Map)}. Every value is validated when the file is read: an error names the
 * key ({@code mqtt.tls.ca-file: file not found: /x}); unknown keys, a key given twice in one
 * mapping, and a second YAML document are rejected. Relative paths resolve against the file's
 * directory. The MQTT password never comes from the file: it is read from {@code mqtt.password-file}
 * or the environment variable {@value #PASSWORD_ENV}, the OPC UA user's from
 * {@code collector.password-file} or {@value #OPCUA_PASSWORD_ENV}.
 *
 * @param address       {@code gateway.tenant}, {@code gateway.site}, {@code gateway.id}
 * @param mqtt          the broker connection
 * @param batchInterval {@code batch-interval} (default 250 ms)
 * @param spool         {@code spool.dir}, {@code spool.max-bytes}, {@code spool.fsync}: always, interval or never
 * @param metricsPort   {@code metrics.port}, empty when the section is absent
 * @param metricsHost   {@code metrics.host}, the address the endpoints listen on; empty: every interface
 * @param collector     {@code collector}: where the samples come from
 */
public record GatewayConfig(GatewayAddress address, Mqtt mqtt, Duration batchInterval, SpoolOptions spool,
        OptionalInt metricsPort, Optional<String> metricsHost, CollectorConfig collector) {

    public static final String PASSWORD_ENV = "WERKSTROM_MQTT_PASSWORD";
    /** The OPC UA user's password when {@code collector.password-file} is not set. */
    public static final String OPCUA_PASSWORD_ENV = "WERKSTROM_OPCUA_PASSWORD";

    /**
     * The broker connection. {@code password} is null without a user name; it is never shown by
     * {@link #toString()}.
     */
    public record Mqtt(String uri, Optional<String> username, char[] password, Optional<TlsOptions> tls) {
        /** The publisher's options for this gateway. */
        public PublisherOptions publisherOptions(GatewayAddress address) {
            PublisherOptions.Builder b = PublisherOptions.builder().brokerUri(uri).address(address);
            username.ifPresent(b::username);
            if (password != null) {
                b.password(password);
            }
            tls.ifPresent(b::tls);
            return b.build();
        }

        @Override
        public String toString() {
            return "Mqtt[uri=" + uri + ", username=" + username.orElse(null) + ", password="
                    + (password == null ? "unset" : "***") + ", tls=" + tls.orElse(null) + "]";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Mqtt m && uri.equals(m.uri) && username.equals(m.username)
                    && Arrays.equals(password, m.password) && tls.equals(m.tls);
        }

        @Override
        public int hashCode() {
            return uri.hashCode();
        }
    }

    /** Where a gateway's samples come from. */
    public sealed interface CollectorConfig permits Simulator, NabReplay, CmapssReplay, OpcUa {
    }

    /** {@code type: simulator}: {@code machines}, {@code rate} (samples/s/sensor), {@code faults} (demo faults, default true), {@code seed}. */
    public record Simulator(SimulatorOptions options) implements CollectorConfig {
    }

    /** {@code type: nab}: {@code files} (one series per file), {@code speed-up}, {@code start}, {@code bad-rows}. */
    public record NabReplay(List<Path> files, ReplayOptions options) implements CollectorConfig {
        public Collector create() {
            return ReplayCollector.nab(files, options);
        }
    }

    /**
     * {@code type: cmapss}: {@code file}, {@code cycle-period} (default 1 s, at least 1 µs), {@code run-to-failure}
     * (default false: each engine's last cycle is its failure), {@code speed-up}, {@code start}, {@code bad-rows}.
     */
    public record CmapssReplay(Path file, Duration cyclePeriod, ReplayOptions options, boolean runToFailure)
            implements CollectorConfig {
        public Collector create() {
            return ReplayCollector.cmapss(file, cyclePeriod, options, runToFailure);
        }
    }

    /**
     * {@code type: opcua}: see {@link OpcUaOptions}; with {@code security-policy}, {@code security-mode},
     * {@code pki-dir}, {@code accept-expired-server-certificate}, {@code username} and
     * {@code password-file} (else {@value #OPCUA_PASSWORD_ENV}).
     */
    public record OpcUa(OpcUaOptions options) implements CollectorConfig {
        public Collector create() {
            return new OpcUaCollector(options);
        }
    }

    /**
     * A new collector for the configured source, owned by the caller; empty for the simulator,
     * whose {@link Simulator#options()} the gateway runs itself.
     */
    public Optional<Collector> createCollector() {
        if (collector instanceof NabReplay n) {
            return Optional.of(n.create());
        }
        if (collector instanceof CmapssReplay c) {
            return Optional.of(c.create());
        }
        if (collector instanceof OpcUa o) {
            return Optional.of(o.create());
        }
        return Optional.empty();
    }

    /** The publisher's options for this gateway. */
    public PublisherOptions publisherOptions() {
        return mqtt.publisherOptions(address);
    }

    /**
     * Reads and validates a configuration file.
     *
     * @param env the environment, for {@value #PASSWORD_ENV} and {@value #OPCUA_PASSWORD_ENV}
     * @throws ConfigException naming the offending key
     * @throws IOException     when the file cannot be read
     */
    public static GatewayConfig load(Path file, Map<String, String> env) throws IOException {
        JsonNode root;
        // A key given twice is refused: otherwise its last value would silently win over the first.
        ObjectMapper mapper = new ObjectMapper(YAMLFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());
        try (JsonParser parser = mapper.createParser(utf8(file))) {
            root = mapper.readTree(parser);
            // A second document (after a line "---") would otherwise be ignored whole: its keys neither
            // taken nor refused as unknown. An empty one holds nothing to lose.
            for (JsonToken next = parser.nextToken(); next != null; next = parser.nextToken()) {
                if (next == JsonToken.VALUE_NULL || next == JsonToken.VALUE_STRING && parser.getText().isEmpty()) {
                    continue;
                }
                throw new ConfigException(file.toString(), "holds a second YAML document (line "
                        + parser.currentTokenLocation().getLineNr() + "), which would be ignored; put every key into"
                        + " one document");
            }
        } catch (JsonProcessingException e) {
            throw new ConfigException(file.toString(), "not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""), e);
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(new ConfigNode("", root, base), env);
    }

    /**
     * The file's text; a file that is not UTF-8 (a comment or name saved as Windows-1252, say) is
     * refused with the line of the first byte that is not.
     */
    private static String utf8(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(in).toString();
        } catch (CharacterCodingException e) {
            int line = 1;
            for (int i = 0; i < in.position(); i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new ConfigException(file.toString(), "not UTF-8 text: line " + line + " holds a byte that is not"
                    + " (0x" + String.format("%02X", bytes[Math.min(in.position(), bytes.length - 1)] & 0xFF)
                    + "); save the file as UTF-8", e);
        }
    }

    private static GatewayConfig parse(ConfigNode root, Map<String, String> env) {
        ConfigNode g = root.section("gateway");
        GatewayAddress address;
        try {
            address = new GatewayAddress(g.string("tenant"), g.string("site"), g.string("id"));
        } catch (IllegalArgumentException e) {
            // The message begins with the field it refuses: tenant, site or gateway (the key id).
            throw g.wrap(e.getMessage().startsWith("tenant") ? "tenant" : e.getMessage().startsWith("site") ? "site" : "id", e);
        }
        g.finish();

        Mqtt mqtt = mqtt(root.section("mqtt"), env);
        Duration batchInterval = root.duration("batch-interval", Duration.ofMillis(250));
        if (batchInterval.compareTo(GatewayOptions.MIN_BATCH_INTERVAL) < 0
                || batchInterval.compareTo(GatewayOptions.MAX_BATCH_INTERVAL) > 0) {
            // Beyond 292 million years a duration has no count of milliseconds: it is shown as it is.
            boolean inMillis = batchInterval.compareTo(Duration.ofMillis(Long.MAX_VALUE)) <= 0
                    && batchInterval.compareTo(Duration.ofMillis(Long.MIN_VALUE)) >= 0;
            throw new ConfigException(root.key("batch-interval"), "must be between 10ms and 60s, got "
                    + (inMillis ? batchInterval.toMillis() + "ms" : batchInterval.toString()));
        }

        ConfigNode s = root.section("spool");
        SpoolOptions spool;
        SpoolOptions.Builder sb = SpoolOptions.builder().directory(s.path("dir"));
        if (s.has("max-bytes")) {
            sb.maxBytes(s.bytes("max-bytes", 0));
        }
        sb.fsyncPolicy(SpoolOptions.FsyncPolicy.valueOf(
                s.choice("fsync", "interval", "always", "interval", "never").toUpperCase(java.util.Locale.ROOT)));
        try {
            spool = sb.build();
        } catch (IllegalArgumentException e) {
            if (e.getMessage().startsWith("maxBytes")) {
                int segmentMiB = SpoolOptions.DEFAULT_SEGMENT_BYTES >> 20;
                throw new ConfigException(s.key("max-bytes"), "must be at least " + 2 * segmentMiB
                        + "MiB (two spool segments of " + segmentMiB + "MiB), got "
                        + s.bytes("max-bytes", 0) + " bytes", e);
            }
            throw s.wrap("dir", e);
        }
        s.finish();

        OptionalInt metricsPort = OptionalInt.empty();
        Optional<String> metricsHost = Optional.empty();
        if (root.has("metrics")) {
            ConfigNode m = root.section("metrics");
            metricsPort = OptionalInt.of(m.integer("port", 9464, 1, 65_535));
            metricsHost = Optional.ofNullable(m.string("host", null));
            if (metricsHost.isPresent() && metricsHost.get().isBlank()) {
                throw new ConfigException(m.key("host"), "must not be blank; omit it for every interface");
            }
            m.finish();
        }
        CollectorConfig collector = collector(address, root.section("collector"), env);
        root.finish();
        GatewayConfig config = new GatewayConfig(address, mqtt, batchInterval, spool, metricsPort, metricsHost,
                collector);
        try {
            config.publisherOptions();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage().startsWith("brokerUri") ? "mqtt.uri" : "mqtt", e.getMessage(), e);
        }
        return config;
    }

    private static Mqtt mqtt(ConfigNode m, Map<String, String> env) {
        String uri = m.string("uri");
        if (m.has("password")) {
            throw new ConfigException(m.key("password"), "secrets are not read from the configuration; put the password in "
                    + m.key("password-file") + " or the environment variable " + PASSWORD_ENV);
        }
        Optional<String> username = Optional.ofNullable(m.string("username", null));
        char[] password = password(m, username, env, PASSWORD_ENV);
        Optional<TlsOptions> tls = Optional.empty();
        if (m.has("tls")) {
            ConfigNode t = m.section("tls");
            Path ca = t.existingFile("ca-file");
            boolean cert = t.has("cert-file");
            boolean key = t.has("key-file");
            if (cert != key) {
                throw new ConfigException(t.key(cert ? "key-file" : "cert-file"), "needed with " + t.key(cert ? "cert-file" : "key-file"));
            }
            tls = Optional.of(cert ? TlsOptions.withClientCertificate(ca, t.existingFile("cert-file"), t.existingFile("key-file"))
                    : TlsOptions.trusting(ca));
            t.finish();
            if (!uri.startsWith("ssl://")) {
                throw new ConfigException(m.key("uri"), "must be ssl://host:port with " + m.key("tls") + ", got " + uri);
            }
            requireUsableTlsFiles(t, tls.get());
        }
        m.finish();
        return new Mqtt(uri, username, password, tls);
    }

    /**
     * Reads the TLS files once now, so that a file that holds no usable PEM is refused under its key
     * before anything starts, as a missing one is; the publisher reads them again before every
     * connection attempt, so that renewed files are taken up.
     */
    private static void requireUsableTlsFiles(ConfigNode t, TlsOptions tls) {
        String caKey = t.key("ca-file");
        String certKey = t.key("cert-file");
        String keyKey = t.key("key-file");
        try {
            PemSslContexts.create(Pem.read(caKey, tls.caFile()),
                    tls.clientCertificate().map(f -> Pem.read(certKey, f)).orElse(null),
                    tls.clientKey().map(f -> Pem.read(keyKey, f)).orElse(null));
        } catch (IllegalArgumentException e) {
            // The message begins with the key of the file it refuses.
            String message = String.valueOf(e.getMessage());
            for (String key : List.of(certKey, keyKey, caKey)) {
                if (message.startsWith(key + ": ")) {
                    throw new ConfigException(key, message.substring(key.length() + 2), e);
                }
            }
            throw new ConfigException(caKey, message, e);
        }
    }

    /**
     * The password of {@code username}: the first line of {@code password-file}, else the
     * environment variable {@code envName}; null without a user name.
     */
    private static char[] password(ConfigNode m, Optional<String> username, Map<String, String> env, String envName) {
        char[] password = null;
        if (m.has("password-file")) {
            if (username.isEmpty()) {
                throw new ConfigException(m.key("password-file"), "set without " + m.key("username"));
            }
            Path file = m.existingFile("password-file");
            try {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                int end = text.indexOf('\n');
                password = (end < 0 ? text : text.substring(0, end)).strip().toCharArray();
            } catch (IOException e) {
                throw new ConfigException(m.key("password-file"), "cannot read " + file + ": " + e.getMessage(), e);
            }
            if (password.length == 0) {
                throw new ConfigException(m.key("password-file"), "the first line of " + file + " is empty");
            }
        } else if (username.isPresent()) {
            String fromEnv = env.get(envName);
            if (fromEnv == null || fromEnv.isEmpty()) {
                throw new ConfigException(m.key("password-file"), "not set and " + envName + " is empty; "
                        + m.key("username") + " needs a password");
            }
            password = fromEnv.toCharArray();
        }
        return password;
    }

    private static CollectorConfig collector(GatewayAddress address, ConfigNode c, Map<String, String> env) {
        String type = c.choice("type", null, "simulator", "nab", "cmapss", "opcua");
        CollectorConfig config = switch (type) {
            case "simulator" -> {
                SimulatorOptions.Builder b = SimulatorOptions.builder()
                        .machines(c.integer("machines", 4, 1, SimulatorOptions.MAX_MACHINES));
                if (c.has("rate")) {
                    b.samplesPerSecondPerSensor(c.number("rate", 10));
                }
                if (c.has("seed")) {
                    b.seed(c.integer("seed", 42, Integer.MIN_VALUE, Integer.MAX_VALUE));
                }
                boolean faults = c.bool("faults", true);
                try {
                    SimulatorOptions plain = b.build();
                    yield new Simulator(b.faultPlan(faults ? FaultPlan.demo(plain.machineIds()) : FaultPlan.none()).build());
                } catch (IllegalArgumentException e) {
                    throw c.wrap(e.getMessage().startsWith("machines") ? "machines" : "rate", e);
                }
            }
            case "nab" -> {
                List<Path> files = new ArrayList<>();
                List<String> names = c.strings("files");
                for (int i = 0; i < names.size(); i++) {
                    Path f = c.resolve(c.key("files") + "[" + i + "]", names.get(i));
                    if (!Files.isRegularFile(f)) {
                        throw new ConfigException(c.key("files") + "[" + i + "]", "file not found: " + f);
                    }
                    String machine = NabFormat.machineName(f);
                    if (!BatchValidator.IDENTIFIER.matcher(machine).matches()) {
                        // The cloud refuses a whole batch for one bad name: every machine's samples would be lost.
                        throw new ConfigException(c.key("files") + "[" + i + "]", "the file's name gives the machine '"
                                + machine + "', which the cloud refuses (names must match "
                                + BatchValidator.IDENTIFIER.pattern() + "); rename the file");
                    }
                    files.add(f);
                }
                yield new NabReplay(List.copyOf(files), replay(c));
            }
            case "cmapss" -> new CmapssReplay(c.existingFile("file"), cyclePeriod(c), replay(c),
                    c.bool("run-to-failure", false));
            default -> new OpcUa(opcUa(address, c, env));
        };
        c.finish();
        return config;
    }

    /**
     * At least 1 µs and a whole number of them: a shorter period would place every cycle at the
     * same microsecond, and a fraction would be cut off, so cycles would lie at another period than
     * the one written (0.0015ms at 0.001ms).
     */
    private static Duration cyclePeriod(ConfigNode c) {
        Duration d = c.duration("cycle-period", Duration.ofSeconds(1));
        if (d.compareTo(CmapssFormat.MIN_CYCLE_PERIOD) < 0) {
            throw new ConfigException(c.key("cycle-period"), "must be at least 1 microsecond (0.001ms), the resolution of"
                    + " time stamps, got " + d);
        }
        if (d.getNano() % 1_000 != 0) {
            throw new ConfigException(c.key("cycle-period"), "must be a whole number of microseconds, the resolution of"
                    + " time stamps, got " + d);
        }
        return d;
    }

    private static ReplayOptions replay(ConfigNode c) {
        ReplayOptions.Builder b = ReplayOptions.builder().speedUp(c.number("speed-up", 1));
        if (c.has("start")) {
            Instant start = c.instant("start");
            b.start(start);
        }
        b.badRows(c.choice("bad-rows", "mark-bad", "mark-bad", "fail").equals("fail") ? BadRowPolicy.FAIL : BadRowPolicy.MARK_BAD);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw c.wrap(e.getMessage().startsWith("start") ? "start" : "speed-up", e);
        }
    }

    private static Deadband deadband(ConfigNode parent, String name) {
        ConfigNode d = parent.section(name);
        String type = d.choice("type", null, "none", "absolute", "percent");
        double value = d.number("value", 0);
        d.finish();
        try {
            return new Deadband(Deadband.Type.valueOf(type.toUpperCase(java.util.Locale.ROOT)), value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(d.key("value"), e.getMessage(), e);
        }
    }

    private static OpcUaOptions opcUa(GatewayAddress address, ConfigNode c, Map<String, String> env) {
        OpcUaOptions.Builder b = OpcUaOptions.builder().endpoint(c.string("endpoint"));
        String[] policies = Arrays.stream(OpcUaOptions.Policy.values()).map(OpcUaOptions.Policy::configName).toArray(String[]::new);
        b.securityPolicy(OpcUaOptions.Policy.of(c.choice("security-policy", "none", policies)).orElseThrow());
        if (c.has("security-mode")) {
            String[] modes = Arrays.stream(OpcUaOptions.Mode.values()).map(OpcUaOptions.Mode::configName).toArray(String[]::new);
            b.securityMode(OpcUaOptions.Mode.of(c.choice("security-mode", null, modes)).orElseThrow());
        }
        if (c.has("pki-dir")) {
            b.pkiDir(c.path("pki-dir"));
        }
        b.acceptExpiredServerCertificate(c.bool("accept-expired-server-certificate", false));
        // Unique per gateway, as OPC UA wants application URIs to be; a created certificate carries it.
        b.applicationUri(OpcUaOptions.DEFAULT_APPLICATION_URI + ":" + address.tenant() + ":" + address.site() + ":"
                + address.gateway());
        if (c.has("password")) {
            throw new ConfigException(c.key("password"), "secrets are not read from the configuration; put the password in "
                    + c.key("password-file") + " or the environment variable " + OPCUA_PASSWORD_ENV);
        }
        Optional<String> username = Optional.ofNullable(c.string("username", null));
        username.ifPresent(b::username);
        char[] password = password(c, username, env, OPCUA_PASSWORD_ENV);
        if (password != null) {
            b.password(password);
            Arrays.fill(password, '\0');
        }
        b.samplingInterval(c.duration("sampling-interval", Duration.ofMillis(100)));
        b.publishingInterval(c.duration("publishing-interval", Duration.ofMillis(500)));
        if (c.has("queue-size")) {
            b.queueSize(c.integer("queue-size", 1, 1, 100_000));
        }
        if (c.has("deadband")) {
            b.deadband(deadband(c, "deadband"));
        }
        List<MonitoredVariable> variables = new ArrayList<>();
        for (ConfigNode v : c.sections("variables")) {
            Deadband own = v.has("deadband") ? deadband(v, "deadband") : null;
            String node = v.string("node");
            String machine = v.string("machine");
            String sensor = v.string("sensor");
            try {
                variables.add(new MonitoredVariable(node, machine, sensor, own));
            } catch (IllegalArgumentException e) {
                throw v.wrap(e.getMessage().startsWith("sensor") ? "sensor" : e.getMessage().startsWith("machine")
                        ? "machine" : "node", e);
            }
            v.finish();
        }
        b.variables(variables);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            String key = message.startsWith("samplingInterval") ? "sampling-interval"
                    : message.startsWith("publishingInterval") ? "publishing-interval"
                    : message.startsWith("variables") ? "variables"
                    : message.startsWith("securityPolicy") ? "security-policy"
                    : message.startsWith("securityMode") ? "security-mode"
                    : message.startsWith("pkiDir") ? "pki-dir"
                    : message.startsWith("acceptExpiredServerCertificate") ? "accept-expired-server-certificate"
                    : message.startsWith("username") ? "username"
                    : message.startsWith("password") ? "password-file" : "endpoint";
            throw c.wrap(key, e);
        }
    }
}
