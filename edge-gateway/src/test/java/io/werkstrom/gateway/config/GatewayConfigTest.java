package io.werkstrom.gateway.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.gateway.collect.opcua.Deadband;
import io.werkstrom.gateway.collect.opcua.GatewayCertificate;
import io.werkstrom.gateway.collect.opcua.OpcUaOptions;
import io.werkstrom.gateway.collect.replay.BadRowPolicy;
import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.gateway.spool.SpoolOptions;
import io.werkstrom.protocol.GatewayAddress;

class GatewayConfigTest {

    @TempDir
    Path dir;

    private static final String HEAD = """
            gateway: {tenant: acme, site: plant-1, id: gw-01}
            mqtt:
              uri: tcp://localhost:1883
            spool: {dir: spool}
            """;

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("gateway.yaml"), yaml);
    }

    private GatewayConfig load(String yaml) throws IOException {
        return GatewayConfig.load(write(yaml), Map.of());
    }

    private ConfigException failure(String yaml) {
        return failure(yaml, Map.of());
    }

    private ConfigException failure(String yaml, Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> GatewayConfig.load(write(yaml), env));
    }

    @Test
    void theCommittedExamplesAreValid() throws IOException {
        GatewayConfig simulator = GatewayConfig.load(Path.of("config/gateway.example.yaml"), Map.of());
        assertEquals(new GatewayAddress("acme", "plant-1", "gw-01"), simulator.address());
        assertInstanceOf(GatewayConfig.Simulator.class, simulator.collector());
        assertEquals(256L << 20, simulator.spool().maxBytes());
        assertEquals(9464, simulator.metricsPort().getAsInt());

        GatewayConfig opcua = GatewayConfig.load(Path.of("config/gateway.opcua.example.yaml"),
                Map.of(GatewayConfig.OPCUA_PASSWORD_ENV, "plc-pass"));
        GatewayConfig.OpcUa collector = assertInstanceOf(GatewayConfig.OpcUa.class, opcua.collector());
        assertEquals(OpcUaOptions.Policy.BASIC256SHA256, collector.options().securityPolicy());
        assertEquals(OpcUaOptions.Mode.SIGN_AND_ENCRYPT, collector.options().securityMode());
        assertEquals(Path.of("/etc/werkstrom/opcua-pki"), collector.options().pkiDir().orElseThrow());
        assertEquals("werkstrom", collector.options().username().orElseThrow());
        assertEquals("urn:werkstrom:gateway:acme:plant-1:gw-press-hall", collector.options().applicationUri());
        assertEquals(3, collector.options().variables().size());
        assertEquals(Deadband.absolute(0.05), collector.options().deadband());
        assertEquals(Deadband.percent(1), collector.options().variables().get(1).deadband());
        assertEquals(Duration.ofMillis(500), opcua.batchInterval());
        assertEquals(1L << 30, opcua.spool().maxBytes());
        assertTrue(opcua.metricsPort().isEmpty());
    }

    @Test
    void aFullConfigurationIsReadIntoTypedParts() throws IOException {
        writeTlsFiles();
        Files.writeString(dir.resolve("secret"), "s3cret\nignored\n");
        Files.writeString(dir.resolve("a.csv"), "timestamp,value\n");
        GatewayConfig config = load("""
                gateway: {tenant: acme, site: plant-1, id: gw-01}
                mqtt:
                  uri: ssl://broker:8883
                  username: gw-01
                  password-file: secret
                  tls: {ca-file: ca.crt, cert-file: gw.crt, key-file: gw.key}
                batch-interval: 2s
                spool: {dir: /var/spool/gw, max-bytes: 64MiB, fsync: always}
                metrics: {port: 9100}
                collector:
                  type: nab
                  files: [a.csv]
                  speed-up: 300
                  start: 2030-01-01T00:00:00Z
                  bad-rows: fail
                """);
        assertEquals(Duration.ofSeconds(2), config.batchInterval());
        assertEquals(Path.of("/var/spool/gw"), config.spool().directory());
        assertEquals(64L << 20, config.spool().maxBytes());
        assertEquals(SpoolOptions.FsyncPolicy.ALWAYS, config.spool().fsyncPolicy());
        assertEquals(9100, config.metricsPort().getAsInt());
        assertTrue(config.metricsHost().isEmpty(), "every interface");
        GatewayConfig bound = load(HEAD + OPCUA.replace("collector:", "metrics: {port: 9100, host: 127.0.0.1}\ncollector:"));
        assertEquals("127.0.0.1", bound.metricsHost().orElseThrow());
        assertEquals("metrics.host", failure(HEAD + OPCUA.replace("collector:", "metrics: {host: ' '}\ncollector:")).key());
        PublisherOptions publisher = config.publisherOptions();
        assertEquals("gw-01", publisher.username().orElseThrow());
        assertArrayEquals("s3cret".toCharArray(), publisher.password().orElseThrow());
        assertEquals(dir.resolve("ca.crt"), publisher.tls().orElseThrow().caFile());
        assertEquals(dir.resolve("gw.key"), publisher.tls().orElseThrow().keyFile());
        assertFalse(config.toString().contains("s3cret"), "the password is never shown");
        GatewayConfig.NabReplay nab = assertInstanceOf(GatewayConfig.NabReplay.class, config.collector());
        assertEquals(List.of(dir.resolve("a.csv")), nab.files());
        assertEquals(300, nab.options().speedUp());
        assertEquals(Instant.parse("2030-01-01T00:00:00Z"), nab.options().start().orElseThrow());
        assertEquals(BadRowPolicy.FAIL, nab.options().badRows());
        assertTrue(nab.create().describe().startsWith("nab replay: 1 series"));
    }

    /** A self-signed certificate and its key in PEM, made once: an RSA key takes a while. */
    private static String[] certificateAndKey;

    /** ca.crt, gw.crt (the same self-signed certificate) and gw.key, in PEM. */
    private void writeTlsFiles() throws IOException {
        synchronized (GatewayConfigTest.class) {
            if (certificateAndKey == null) {
                Path pki = Files.createTempDirectory(dir, "pki");
                GatewayCertificate own = GatewayCertificate.loadOrCreate(pki, "urn:werkstrom:test");
                String pem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64,
                        "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(assertDoesNotThrow(
                                () -> own.certificate().getEncoded())) + "\n-----END CERTIFICATE-----\n";
                certificateAndKey = new String[] {pem, Files.readString(pki.resolve("own/" + GatewayCertificate.KEY_FILE))};
            }
        }
        Files.writeString(dir.resolve("ca.crt"), certificateAndKey[0]);
        Files.writeString(dir.resolve("gw.crt"), certificateAndKey[0]);
        Files.writeString(dir.resolve("gw.key"), certificateAndKey[1]);
    }

    @Test
    void tlsFilesWithoutUsablePemAreRefusedNamingTheKey() throws IOException {
        writeTlsFiles();
        String tls = HEAD.replace("uri: tcp://localhost:1883", "uri: ssl://broker:8883\n  tls: {ca-file: ca.crt, cert-file: gw.crt,"
                + " key-file: gw.key}") + "collector: {type: simulator}\n";
        assertTrue(load(tls).publisherOptions().tls().isPresent());
        Files.writeString(dir.resolve("ca.crt"), "not a certificate\n");
        ConfigException ca = failure(tls);
        assertEquals("mqtt.tls.ca-file", ca.key(), ca.getMessage());
        assertTrue(ca.getMessage().startsWith("mqtt.tls.ca-file: not a PEM certificate file: " + dir.resolve("ca.crt")),
                ca.getMessage());
        writeTlsFiles();
        Files.writeString(dir.resolve("gw.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertEquals("mqtt.tls.key-file", failure(tls).key());
        writeTlsFiles();
        Files.writeString(dir.resolve("gw.crt"), "");
        assertEquals("mqtt.tls.cert-file", failure(tls).key());
    }

    @Test
    void thePasswordComesFromTheEnvironmentWithoutAFile() throws IOException {
        GatewayConfig config = GatewayConfig.load(write(HEAD.replace("uri: tcp://localhost:1883",
                "uri: tcp://localhost:1883\n  username: gw-01") + "collector: {type: simulator}\n"),
                Map.of(GatewayConfig.PASSWORD_ENV, "from-env"));
        assertArrayEquals("from-env".toCharArray(), config.mqtt().password());
        ConfigException missing = failure(HEAD.replace("uri: tcp://localhost:1883", "uri: tcp://localhost:1883\n  username: gw-01")
                + "collector: {type: simulator}\n");
        assertEquals("mqtt.password-file", missing.key());
    }

    @Test
    void cmapssAndSimulatorCollectors() throws IOException {
        Files.writeString(dir.resolve("train.txt"), "");
        GatewayConfig.CmapssReplay cmapss = assertInstanceOf(GatewayConfig.CmapssReplay.class,
                load(HEAD + "collector: {type: cmapss, file: train.txt, cycle-period: 1m, speed-up: 60}\n").collector());
        assertEquals(Duration.ofMinutes(1), cmapss.cyclePeriod());
        assertEquals(60, cmapss.options().speedUp());
        assertTrue(cmapss.options().start().isEmpty());
        assertTrue(!cmapss.runToFailure(), "a replayed file is not run to failure unless it says so");
        assertEquals("collector.start: start must not lie after 9999-12-31T23:59:59.999999Z, got +300000-01-01T00:00:00Z.",
                failure(HEAD + "collector: {type: cmapss, file: train.txt, start: '+300000-01-01T00:00:00Z'}\n").getMessage());
        assertTrue(assertInstanceOf(GatewayConfig.CmapssReplay.class, load(HEAD
                + "collector: {type: cmapss, file: train.txt, run-to-failure: true}\n").collector()).runToFailure());
        // A period under 1 µs would place every cycle at the same microsecond.
        assertEquals("collector.cycle-period: must be at least 1 microsecond (0.001ms), the resolution of time"
                + " stamps, got PT0.0000005S",
                failure(HEAD + "collector: {type: cmapss, file: train.txt, cycle-period: 0.0005ms}\n").getMessage());
        assertEquals(Duration.ofNanos(1_000), assertInstanceOf(GatewayConfig.CmapssReplay.class, load(HEAD
                + "collector: {type: cmapss, file: train.txt, cycle-period: 0.001ms}\n").collector()).cyclePeriod());
        // A fraction of a microsecond would be cut off: cycles would lie 1 µs apart, not 1.5 µs.
        assertEquals("collector.cycle-period: must be a whole number of microseconds, the resolution of time"
                + " stamps, got PT0.0000015S",
                failure(HEAD + "collector: {type: cmapss, file: train.txt, cycle-period: 0.0015ms}\n").getMessage());
        assertEquals(Duration.ofNanos(1_234_567_000), assertInstanceOf(GatewayConfig.CmapssReplay.class, load(HEAD
                + "collector: {type: cmapss, file: train.txt, cycle-period: 1234.567ms}\n").collector()).cyclePeriod());
        GatewayConfig.Simulator sim = assertInstanceOf(GatewayConfig.Simulator.class,
                load(HEAD + "collector: {type: simulator, machines: 2, rate: 5, faults: false, seed: 7}\n").collector());
        assertEquals(2, sim.options().machines());
        assertEquals(5, sim.options().samplesPerSecondPerSensor());
        assertTrue(sim.options().faultPlan().faults().isEmpty());
    }

    @Test
    void anSslUriWithoutATlsSectionTrustsTheJvmStoreAndTlsWithTcpIsRefused() throws IOException {
        // Documented (docs/gateway-configuration.md): ssl:// alone is TLS against the JVM's default trust store.
        GatewayConfig ssl = load(HEAD.replace("uri: tcp://localhost:1883", "uri: ssl://broker.example.com:8883")
                + "collector: {type: simulator}\n");
        assertEquals("ssl://broker.example.com:8883", ssl.publisherOptions().brokerUri());
        assertTrue(ssl.publisherOptions().tls().isEmpty());
        Path ca = Files.writeString(dir.resolve("ca.pem"), "not read before the URI is checked");
        ConfigException tcp = failure(HEAD.replace("uri: tcp://localhost:1883",
                "uri: tcp://localhost:1883\n  tls: {ca-file: " + ca + "}") + "collector: {type: simulator}\n");
        assertEquals("mqtt.uri: must be ssl://host:port with mqtt.tls, got tcp://localhost:1883", tcp.getMessage());
    }

    @Test
    void sizesTakeTheSuffixesOfTheCommandLineToo() throws IOException {
        for (String size : new String[] {"300MB", "300m", "300MiB"}) {
            GatewayConfig c = load(HEAD.replace("spool: {dir: spool}", "spool: {dir: spool, max-bytes: " + size + "}")
                    + "collector: {type: simulator}\n");
            assertEquals(size.equals("300MB") ? 300_000_000L : 300L << 20, c.spool().maxBytes(), size);
        }
        assertEquals("spool.max-bytes: expected a size such as 268435456, 256MiB, 256MB or 256m, got 'lots'",
                failure(HEAD.replace("spool: {dir: spool}", "spool: {dir: spool, max-bytes: lots}")
                        + "collector: {type: simulator}\n").getMessage());
    }

    @Test
    void errorsNameTheKey() {
        assertEquals("mqtt.tls.ca-file: file not found: /x", failure("""
                gateway: {tenant: acme, site: plant-1, id: gw-01}
                mqtt: {uri: ssl://b:8883, tls: {ca-file: /x}}
                spool: {dir: spool}
                collector: {type: simulator}
                """).getMessage());
        ConfigException unknown = failure(HEAD.replace("uri: tcp://localhost:1883", "uri: tcp://localhost:1883\n  qos: 2")
                + "collector: {type: simulator}\n");
        assertTrue(unknown.getMessage().startsWith("mqtt.qos: unknown key; accepted here: uri, "), unknown.getMessage());
        assertTrue(failure(HEAD + "collector: {type: simulator}\nextra: 1\n").getMessage().startsWith("extra: unknown key"));
        ConfigException secret = failure(HEAD.replace("uri: tcp://localhost:1883", "uri: tcp://localhost:1883\n  password: x")
                + "collector: {type: simulator}\n");
        assertTrue(secret.getMessage().startsWith("mqtt.password: secrets are not read from the configuration"),
                secret.getMessage());
        assertEquals("spool.fsync: expected one of always, interval, never, got 'sometimes'",
                failure(HEAD.replace("spool: {dir: spool}", "spool: {dir: spool, fsync: sometimes}")
                        + "collector: {type: simulator}\n").getMessage());
        assertEquals("spool.max-bytes: must be at least 32MiB (two spool segments of 16MiB), got 16777216 bytes",
                failure(HEAD.replace("spool: {dir: spool}", "spool: {dir: spool, max-bytes: 16MiB}")
                        + "collector: {type: simulator}\n").getMessage());
        assertEquals("gateway.site: missing", failure("""
                gateway: {tenant: acme, id: gw-01}
                mqtt: {uri: tcp://b:1883}
                spool: {dir: spool}
                collector: {type: simulator}
                """).getMessage());
        ConfigException tenant = failure(HEAD.replace("tenant: acme", "tenant: Acme") + "collector: {type: simulator}\n");
        assertEquals("gateway.tenant: tenant 'Acme' must match " + GatewayAddress.SEGMENT.pattern() + ".", tenant.getMessage());
        assertEquals("gateway.site", failure(HEAD.replace("site: plant-1", "site: alerts")
                + "collector: {type: simulator}\n").key());
        assertEquals("gateway.id", failure(HEAD.replace("id: gw-01", "id: GW 01") + "collector: {type: simulator}\n").key());
        assertEquals("batch-interval", failure(HEAD + "batch-interval: soon\ncollector: {type: simulator}\n").key());
        assertEquals("batch-interval: must be between 10ms and 60s, got 5ms",
                failure(HEAD + "batch-interval: 5ms\ncollector: {type: simulator}\n").getMessage());
        assertEquals("collector.type", failure(HEAD + "collector: {type: modbus}\n").key());
        assertEquals("collector.files[0]", failure(HEAD + "collector: {type: nab, files: [missing.csv]}\n").key());
        assertEquals("collector.variables", failure(HEAD + "collector: {type: opcua, endpoint: 'opc.tcp://plc:4840'}\n").key());
        assertEquals("collector.variables[0].sensor", failure(HEAD
                + "collector: {type: opcua, endpoint: 'opc.tcp://plc:4840', variables: [{node: 'ns=2;s=a', machine: m}]}\n").key());
        // Names the cloud would refuse, losing every machine's samples of the batch they are in.
        ConfigException machine = failure(HEAD + "collector: {type: opcua, endpoint: 'opc.tcp://plc:4840',"
                + " variables: [{node: 'ns=2;s=a', machine: 'Press 1', sensor: s}]}\n");
        assertEquals("collector.variables[0].machine", machine.key(), machine.getMessage());
        assertTrue(machine.getMessage().contains("machine 'Press 1' must match"), machine.getMessage());
        assertEquals("collector.variables[0].sensor", failure(HEAD + "collector: {type: opcua, endpoint:"
                + " 'opc.tcp://plc:4840', variables: [{node: 'ns=2;s=a', machine: m, sensor: 'temp (C)'}]}\n").key());
        assertEquals("collector.variables[0].node", failure(HEAD + "collector: {type: opcua, endpoint:"
                + " 'opc.tcp://plc:4840', variables: [{node: ' ', machine: m, sensor: s}]}\n").key());
        assertDoesNotThrow(() -> Files.writeString(dir.resolve("rds cpu (1).csv"), "timestamp,value\n"));
        ConfigException file = failure(HEAD + "collector: {type: nab, files: ['rds cpu (1).csv']}\n");
        assertEquals("collector.files[0]: the file's name gives the machine 'rds cpu (1)', which the cloud refuses"
                + " (names must match [A-Za-z0-9][A-Za-z0-9_.:-]{0,63}); rename the file", file.getMessage());
        assertEquals("collector.endpoint", failure(HEAD
                + "collector: {type: opcua, endpoint: 'http://plc', variables: [{node: 'ns=2;s=a', machine: m, sensor: s}]}\n").key());
        assertEquals("mqtt.uri", failure(HEAD.replace("tcp://localhost:1883", "mqtt://localhost") + "collector: {type: simulator}\n").key());
        assertTrue(failure("gateway: [").getMessage().contains("not valid YAML"));
    }

    @Test
    void aKeyGivenTwiceIsRefusedRatherThanItsFirstValueIgnored() {
        ConfigException twice = failure(HEAD + "collector: {type: simulator}\nspool: {dir: /elsewhere}\n");
        assertTrue(twice.getMessage().contains("Duplicate field 'spool' (line 6)"), twice.getMessage());
        ConfigException nested = failure(HEAD.replace("spool: {dir: spool}", "spool:\n  dir: spool\n  dir: /elsewhere")
                + "collector: {type: simulator}\n");
        assertTrue(nested.getMessage().contains("Duplicate field 'dir' (line 6)"), nested.getMessage());
    }

    @Test
    void tooManySimulatedMachinesAreRefusedUnderTheirOwnKey() throws IOException {
        assertEquals("collector.machines: expected a whole number from 1 to 9999, got 10000",
                failure(HEAD + "collector: {type: simulator, machines: 10000}\n").getMessage());
        GatewayConfig.Simulator most = assertInstanceOf(GatewayConfig.Simulator.class,
                load(HEAD + "collector: {type: simulator, machines: 9999, faults: false}\n").collector());
        assertEquals(9999, most.options().machines());
    }

    @Test
    void aPathTheFileSystemCannotTakeIsRefusedNamingItsKey() {
        // A NUL character, written \0 in a double-quoted YAML string.
        assertEquals("spool.dir: not a valid path (Nul character not allowed)",
                failure(HEAD.replace("spool: {dir: spool}", "spool: {dir: \"sp\\0ol\"}") + "collector: {type: simulator}\n")
                        .getMessage());
        assertEquals("collector.files[0]", failure(HEAD + "collector: {type: nab, files: [\"b\\0.csv\"]}\n").key());
        assertEquals("collector.file", failure(HEAD + "collector: {type: cmapss, file: \"f\\0d001.txt\"}\n").key());
    }

    @Test
    void aBatchIntervalBeyondTheMillisecondRangeIsRefusedNamingItsKey() {
        assertEquals("batch-interval: must be between 10ms and 60s, got PT2562047788015215H30M7S",
                failure(HEAD + "batch-interval: PT9223372036854775807S\ncollector: {type: simulator}\n").getMessage());
        assertEquals("batch-interval", failure(HEAD + "batch-interval: PT-9223372036854775808S\ncollector: {type: simulator}\n")
                .key());
    }

    @Test
    void aFileThatIsNotUtf8IsRefusedWithTheLineOfTheFirstByteThatIsNot() throws IOException {
        // "Halle Süd" saved as Windows-1252: ü is the single byte 0xFC.
        byte[] text = (HEAD + "# Halle S\u00fcd\ncollector: {type: simulator}\n").getBytes(StandardCharsets.ISO_8859_1);
        Path file = Files.write(dir.resolve("latin1.yaml"), text);
        ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.load(file, Map.of()));
        assertEquals(file + ": not UTF-8 text: line 5 holds a byte that is not (0xFC); save the file as UTF-8",
                e.getMessage());
    }

    @Test
    void aSecondDocumentIsRefusedRatherThanIgnored() throws IOException {
        // Its keys would neither be taken nor refused as unknown: the batch interval would stay 250ms.
        ConfigException second = failure(HEAD + "collector: {type: simulator}\n---\nbatch-interval: 5s\n");
        assertEquals(dir.resolve("gateway.yaml") + ": holds a second YAML document (line 7), which would be ignored;"
                + " put every key into one document", second.getMessage());
        assertTrue(failure(HEAD + "collector: {type: simulator}\n---\nnonsense: 1\n").getMessage()
                .contains("second YAML document"));
        // A document start marker before the only document, an end marker after it, and an empty document are fine.
        assertEquals(Duration.ofSeconds(5), load("---\n" + HEAD + "batch-interval: 5s\ncollector: {type: simulator}\n...\n")
                .batchInterval());
        assertEquals(Duration.ofSeconds(5), load(HEAD + "batch-interval: 5s\ncollector: {type: simulator}\n---\n# none\n")
                .batchInterval());
    }

    private static final String OPCUA = """
            collector:
              type: opcua
              endpoint: opc.tcp://plc:4840
              variables: [{node: 'ns=2;s=a', machine: m, sensor: s}]
            """;

    @Test
    void opcUaSecurityAndUserAreRead() throws IOException {
        Files.writeString(dir.resolve("opcua-secret"), "plc-pass\n");
        GatewayConfig config = load(HEAD + OPCUA + """
                  security-policy: aes256-sha256-rsapss
                  security-mode: sign
                  pki-dir: pki
                  accept-expired-server-certificate: true
                  username: operator
                  password-file: opcua-secret
                """);
        OpcUaOptions o = assertInstanceOf(GatewayConfig.OpcUa.class, config.collector()).options();
        assertEquals(OpcUaOptions.Policy.AES256_SHA256_RSAPSS, o.securityPolicy());
        assertEquals(OpcUaOptions.Mode.SIGN, o.securityMode());
        assertEquals(dir.resolve("pki"), o.pkiDir().orElseThrow(), "relative to the configuration file");
        assertTrue(o.acceptExpiredServerCertificate());
        assertEquals("urn:werkstrom:gateway:acme:plant-1:gw-01", o.applicationUri());
        assertEquals("operator", o.username().orElseThrow());
        assertArrayEquals("plc-pass".toCharArray(), o.password().orElseThrow());
        assertFalse(config.toString().contains("plc-pass"), "the password is never shown: " + config);

        OpcUaOptions secured = ((GatewayConfig.OpcUa) GatewayConfig.load(write(HEAD + OPCUA + """
                  security-policy: basic256sha256
                  pki-dir: /etc/werkstrom/opcua-pki
                  username: operator
                """), Map.of(GatewayConfig.OPCUA_PASSWORD_ENV, "from-env")).collector()).options();
        assertEquals(OpcUaOptions.Mode.SIGN_AND_ENCRYPT, secured.securityMode(), "the default with a policy");
        assertFalse(secured.acceptExpiredServerCertificate(), "an expired server certificate is refused by default");
        assertArrayEquals("from-env".toCharArray(), secured.password().orElseThrow());
        assertEquals(Path.of("/etc/werkstrom/opcua-pki"), secured.pkiDir().orElseThrow());

        OpcUaOptions plain = ((GatewayConfig.OpcUa) load(HEAD + OPCUA).collector()).options();
        assertEquals(OpcUaOptions.Policy.NONE, plain.securityPolicy());
        assertEquals(OpcUaOptions.Mode.NONE, plain.securityMode());
        assertTrue(plain.username().isEmpty(), "anonymous");
        assertTrue(plain.password().isEmpty());
    }

    @Test
    void opcUaSecurityErrorsNameTheKey() throws IOException {
        ConfigException secret = failure(HEAD + OPCUA + "  username: operator\n  password: x\n");
        assertEquals("collector.password", secret.key());
        assertTrue(secret.getMessage().startsWith("collector.password: secrets are not read from the configuration; "
                + "put the password in collector.password-file or the environment variable WERKSTROM_OPCUA_PASSWORD"),
                secret.getMessage());
        ConfigException noPki = failure(HEAD + OPCUA + "  security-policy: basic256sha256\n");
        assertEquals("collector.pki-dir", noPki.key());
        assertTrue(noPki.getMessage().startsWith("collector.pki-dir: pkiDir must be set with securityPolicy basic256sha256"),
                noPki.getMessage());
        assertEquals("collector.security-policy: expected one of none, basic256sha256, aes128-sha256-rsaoaep, "
                + "aes256-sha256-rsapss, got 'basic128rsa15'",
                failure(HEAD + OPCUA + "  security-policy: basic128rsa15\n").getMessage());
        assertEquals("collector.security-mode", failure(HEAD + OPCUA + "  security-mode: encrypt\n").key());
        ConfigException modeWithoutPolicy = failure(HEAD + OPCUA + "  security-mode: sign\n");
        assertEquals("collector.security-mode", modeWithoutPolicy.key());
        assertTrue(modeWithoutPolicy.getMessage().contains("must be none with securityPolicy none"), modeWithoutPolicy.getMessage());
        ConfigException policyWithoutMode = failure(HEAD + OPCUA
                + "  security-policy: basic256sha256\n  security-mode: none\n  pki-dir: pki\n");
        assertEquals("collector.security-mode", policyWithoutMode.key());
        ConfigException noPassword = failure(HEAD + OPCUA + "  username: operator\n");
        assertEquals("collector.password-file", noPassword.key());
        assertTrue(noPassword.getMessage().contains("WERKSTROM_OPCUA_PASSWORD"), noPassword.getMessage());
        assertEquals("collector.password-file", failure(HEAD + OPCUA + "  username: operator\n  password-file: absent\n").key());
        Files.writeString(dir.resolve("pw"), "x\n");
        assertEquals("collector.password-file", failure(HEAD + OPCUA + "  password-file: pw\n").key(), "without username");
        assertEquals("collector.username", failure(HEAD + OPCUA + "  username: ' '\n").key());
        ConfigException acceptWithoutPki = failure(HEAD + OPCUA + "  accept-expired-server-certificate: true\n");
        assertEquals("collector.accept-expired-server-certificate", acceptWithoutPki.key());
        assertTrue(acceptWithoutPki.getMessage().contains("needs pkiDir"), acceptWithoutPki.getMessage());
        assertTrue(failure(HEAD + OPCUA + "  certificate: own.der\n").getMessage().startsWith("collector.certificate: unknown key"));
    }

    @Test
    void aMisspeltKeyInAnySectionIsRefusedRatherThanItsSettingLeftAtTheDefault() throws IOException {
        String sim = "collector: {type: simulator}\n";
        assertTrue(failure(HEAD.replace("id: gw-01}", "id: gw-01, tennant: x}") + sim).getMessage()
                .startsWith("gateway.tennant: unknown key; accepted here: tenant, site, id"));
        // max-byte for max-bytes: the spool would keep its 256MiB default without a word.
        assertTrue(failure(HEAD.replace("spool: {dir: spool}", "spool: {dir: spool, max-byte: 4GiB}") + sim).getMessage()
                .startsWith("spool.max-byte: unknown key"));
        assertTrue(failure(HEAD + "metrics: {port: 9100, hots: 127.0.0.1}\n" + sim).getMessage()
                .startsWith("metrics.hots: unknown key"));
        Files.writeString(dir.resolve("ca.crt"), "not read before the keys are checked");
        assertTrue(failure(HEAD.replace("uri: tcp://localhost:1883", "uri: ssl://broker:8883\n  tls: {ca-file: ca.crt,"
                + " verify-host: false}") + sim).getMessage().startsWith("mqtt.tls.verify-host: unknown key"));
        assertTrue(failure(HEAD + OPCUA + "  deadband: {type: absolute, value: 1, unit: K}\n").getMessage()
                .startsWith("collector.deadband.unit: unknown key"));
        assertTrue(failure(HEAD + OPCUA.replace("sensor: s}", "sensor: s, scale: 2}")).getMessage()
                .startsWith("collector.variables[0].scale: unknown key"));
    }

    @Test
    void aCollectorWithoutATypeIsRefusedListingTheTypes() {
        assertEquals("collector.type: missing; one of simulator, nab, cmapss, opcua",
                failure(HEAD + "collector: {machines: 2}\n").getMessage());
    }

    @Test
    void theBatchIntervalMayBeExactlyTenMillisecondsOrSixtySeconds() throws IOException {
        // The documented range, "between 10ms and 60s", holds both ends.
        assertEquals(Duration.ofMillis(10), load(HEAD + "batch-interval: 10ms\ncollector: {type: simulator}\n").batchInterval());
        assertEquals(Duration.ofSeconds(60), load(HEAD + "batch-interval: 60s\ncollector: {type: simulator}\n").batchInterval());
    }

    @Test
    void aValueOfTheWrongKindIsRefusedRatherThanReadAsZeroOrFalse() {
        // Read as a number, "0.5%" would be a deadband of 0, and "maybe" as a boolean false.
        assertEquals("collector.deadband.value: expected a number, got \"0.5%\"",
                failure(HEAD + OPCUA + "  deadband: {type: percent, value: 0.5%}\n").getMessage());
        assertEquals("collector.faults: expected true or false, got \"maybe\"",
                failure(HEAD + "collector: {type: simulator, faults: maybe}\n").getMessage());
        assertEquals("collector.rate", failure(HEAD + "collector: {type: simulator, rate: 1001}\n").key());
    }

    @Test
    void theSimulatorInjectsTheDemoFaultsUnlessToldNotToAndTakesItsSeed() throws IOException {
        GatewayConfig.Simulator plain = assertInstanceOf(GatewayConfig.Simulator.class,
                load(HEAD + "collector: {type: simulator}\n").collector());
        assertFalse(plain.options().faultPlan().faults().isEmpty(), "faults default to true: the demo's injected faults");
        assertEquals(42, plain.options().seed());
        GatewayConfig.Simulator seeded = assertInstanceOf(GatewayConfig.Simulator.class,
                load(HEAD + "collector: {type: simulator, machines: 1, seed: 7}\n").collector());
        assertEquals(7, seeded.options().seed());
        assertEquals(1, seeded.options().machines(), "the least number of machines");
    }

    @Test
    void aClientKeyWithoutItsCertificateIsRefusedRatherThanIgnored() throws IOException {
        Files.writeString(dir.resolve("ca.crt"), "not read before the keys are checked");
        String tls = HEAD.replace("uri: tcp://localhost:1883", "uri: ssl://broker:8883\n  tls: {ca-file: ca.crt, FILE: gw.pem}")
                + "collector: {type: simulator}\n";
        assertEquals("mqtt.tls.cert-file: needed with mqtt.tls.key-file", failure(tls.replace("FILE", "key-file")).getMessage());
        assertEquals("mqtt.tls.key-file: needed with mqtt.tls.cert-file", failure(tls.replace("FILE", "cert-file")).getMessage());
    }

    @Test
    void thePasswordIsTheFirstLineOfItsFileWithOrWithoutALineEnd() throws IOException {
        String user = HEAD.replace("uri: tcp://localhost:1883", "uri: tcp://localhost:1883\n  username: gw-01"
                + "\n  password-file: secret") + "collector: {type: simulator}\n";
        Files.writeString(dir.resolve("secret"), "s3cret");
        assertArrayEquals("s3cret".toCharArray(), load(user).mqtt().password());
        Files.writeString(dir.resolve("secret"), "\ns3cret\n");
        assertEquals("mqtt.password-file: the first line of " + dir.resolve("secret") + " is empty",
                failure(user).getMessage());
        ConfigException empty = failure(HEAD.replace("uri: tcp://localhost:1883", "uri: tcp://localhost:1883\n  username: gw-01")
                + "collector: {type: simulator}\n", Map.of(GatewayConfig.PASSWORD_ENV, ""));
        assertEquals("mqtt.password-file", empty.key(), empty.getMessage());
    }

    @Test
    void opcUaQueueSizeAndIntervalsAreReadAndTheirErrorsNameTheKey() throws IOException {
        assertEquals(50, ((GatewayConfig.OpcUa) load(HEAD + OPCUA + "  queue-size: 50\n").collector()).options().queueSize());
        assertEquals("collector.sampling-interval", failure(HEAD + OPCUA + "  sampling-interval: 2h\n").key());
        assertEquals("collector.publishing-interval", failure(HEAD + OPCUA + "  publishing-interval: 1ms\n").key());
        assertEquals("collector.variables", failure(HEAD + OPCUA.replace("sensor: s}]",
                "sensor: s}, {node: 'ns=2;s=b', machine: m, sensor: s}]")).key());
    }

    @Test
    void aMissingSectionOrListIsNamedAsMissing() {
        assertEquals("spool: missing", failure(HEAD.replace("spool: {dir: spool}\n", "") + "collector: {type: simulator}\n")
                .getMessage());
        assertEquals("collector.files: expected a non-empty list", failure(HEAD + "collector: {type: nab}\n").getMessage());
    }
}
