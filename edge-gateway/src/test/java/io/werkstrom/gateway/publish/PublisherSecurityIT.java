package io.werkstrom.gateway.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.gateway.Gateway;
import io.werkstrom.gateway.GatewayHealth;
import io.werkstrom.gateway.GatewayOptions;
import io.werkstrom.gateway.GatewayStats;
import io.werkstrom.gateway.collect.SimulatorCollector;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.gateway.testing.TestSubscriber;
import io.werkstrom.protocol.BatchCodec;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Topics;
import io.werkstrom.testing.CapturedLog;
import io.werkstrom.testing.MosquittoBroker;
import io.werkstrom.testing.TestPki;

/** TLS and password authentication of the publisher against a real Mosquitto. */
class PublisherSecurityIT {

    private static final GatewayAddress ADDRESS = new GatewayAddress("acme", "plant-1", "gw-sec");
    private static final Duration WAIT = Duration.ofSeconds(15);

    private static PublisherOptions.Builder publisher(MosquittoBroker broker) {
        return PublisherOptions.builder().brokerUri(broker.uri()).address(ADDRESS)
                .reconnectMinDelay(Duration.ofMillis(100)).reconnectMaxDelay(Duration.ofMillis(400));
    }

    private static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    @Test
    void publishesOverTlsWithAClientCertificate() throws Exception {
        try (TestPki pki = TestPki.create();
             MosquittoBroker broker = MosquittoBroker.builder().tls(pki, true).start();
             MqttPublisher publisher = new MqttPublisher(publisher(broker).tls(TlsOptions.withClientCertificate(
                     pki.caCertificate(), pki.client().certificate(), pki.client().privateKey())).build())) {
            assertTrue(broker.uri().startsWith("ssl://"));
            publisher.start();
            assertTrue(publisher.awaitConnected(WAIT), publisher.lastConnectFailure() + "\n" + broker.log());
            publisher.publish(Topics.telemetry(ADDRESS), "over tls".getBytes(StandardCharsets.UTF_8))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertFalse(publisher.lastConnectFailure().isPresent());
        }
    }

    @Test
    void aBrokerCertificateFromAnotherCaIsAClearError() throws Exception {
        try (TestPki pki = TestPki.create();
             TestPki other = TestPki.create();
             MosquittoBroker broker = MosquittoBroker.builder().tls(pki, false).start();
             MqttPublisher publisher = new MqttPublisher(publisher(broker)
                     .tls(TlsOptions.trusting(other.caCertificate())).build())) {
            publisher.start();
            assertTrue(eventually(() -> publisher.failedConnectAttempts() >= 2), "keeps retrying");
            assertFalse(publisher.isConnected(), "a broker the CA does not vouch for");
            String reason = publisher.lastConnectFailure().orElseThrow();
            assertTrue(reason.startsWith("TLS handshake failed"), reason);
        }
    }

    @Test
    void tlsFilesAreCheckedWhenTheOptionsAreBuilt() {
        try (TestPki pki = TestPki.create()) {
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                    () -> PublisherOptions.builder().brokerUri("ssl://127.0.0.1:8883").address(ADDRESS)
                            .tls(TlsOptions.trusting(pki.directory().resolve("absent.crt"))).build());
            assertEquals("tls.caFile: file not found: " + pki.directory().resolve("absent.crt"), missing.getMessage());
            IllegalArgumentException plain = assertThrows(IllegalArgumentException.class,
                    () -> PublisherOptions.builder().brokerUri("tcp://127.0.0.1:1883").address(ADDRESS)
                            .tls(TlsOptions.trusting(pki.caCertificate())).build());
            assertTrue(plain.getMessage().startsWith("brokerUri must be ssl://"), plain.getMessage());
            IllegalArgumentException notAKey = assertThrows(IllegalArgumentException.class,
                    () -> new MqttPublisher(PublisherOptions.builder().brokerUri("ssl://127.0.0.1:8883").address(ADDRESS)
                            .tls(TlsOptions.withClientCertificate(pki.caCertificate(), pki.client().certificate(),
                                    pki.client().certificate())).build()));
            assertTrue(notAKey.getMessage().startsWith("tls.keyFile: "), notAKey.getMessage());
        }
    }

    @Test
    void aWrongPasswordIsRetriedAndOnceFixedEverythingQueuedIsDelivered(@TempDir Path spool) throws Exception {
        String telemetry = Topics.telemetry(ADDRESS);
        try (MosquittoBroker broker = MosquittoBroker.builder().users(Map.of("gw-sec", "right")).start();
             BufferAllocator allocator = new RootAllocator();
             TestSubscriber cloud = TestSubscriber.connect(broker.uri(), "cloud-sec", true, telemetry)) {
            GatewayOptions options = GatewayOptions.builder()
                    .publisher(publisher(broker).username("gw-sec").password("wrong".toCharArray()).build())
                    .spoolDirectory(spool)
                    .batchInterval(Duration.ofMillis(250)).retryDelay(Duration.ofMillis(100))
                    .drainTimeout(Duration.ofSeconds(20)).build();
            assertFalse(options.publisher().toString().contains("wrong"), "the password is never shown");
            GatewayStats stats;
            SimulatorCollector machines = new SimulatorCollector(SimulatorOptions.builder().machines(1).seed(5)
                    .start(Instant.now().truncatedTo(ChronoUnit.MICROS)).build());
            try (Gateway gateway = new Gateway(options, machines)) {
                gateway.start();
                MqttPublisher publisher = gateway.publisher();
                assertTrue(eventually(() -> publisher.failedConnectAttempts() >= 3 && gateway.stats().spoolRecords() >= 2),
                        "keeps retrying while batches queue: " + publisher.failedConnectAttempts() + ", " + gateway.stats());
                assertFalse(publisher.isConnected());
                String reason = publisher.lastConnectFailure().orElseThrow();
                assertTrue(reason.contains("not authorized") || reason.contains("bad user name or password"), reason);
                GatewayHealth refused = gateway.health();
                assertFalse(refused.healthy(), "the spool has room, but waiting will not cure a refusal: " + refused);
                assertTrue(refused.reason().startsWith("the broker refused the connection: "), refused.toString());

                broker.setUsers(Map.of("gw-sec", "wrong"));
                broker.restart();
                assertTrue(gateway.awaitConnected(WAIT), publisher.lastConnectFailure() + "\n" + broker.log());
                assertTrue(publisher.refusal().isEmpty(), "connected: refused no more");
                Thread.sleep(500);
                stats = gateway.stop();
            }
            assertTrue(stats.allAcknowledged(), stats.toString());
            assertEquals(stats.samplesCollected(), stats.samplesAcknowledged());
            BatchCodec codec = new BatchCodec(allocator);
            Set<Long> sequences = new TreeSet<>();
            assertTrue(cloud.await(telemetry, messages -> {
                sequences.clear();
                messages.forEach(m -> {
                    try {
                        sequences.add(codec.decode(m.payload()).sequence());
                    } catch (Exception e) {
                        throw new AssertionError("undecodable batch", e);
                    }
                });
                return sequences.size() >= stats.batchesSpooled();
            }, WAIT), "received " + sequences.size() + " of " + stats.batchesSpooled() + " batches");
            assertEquals(stats.batchesSpooled(), sequences.size(), "every queued batch arrived");
        }
    }

    /**
     * A broker whose ACL refuses the status topic answers the retained online status with a PUBACK
     * of reason code 0x87, which Paho completes without an exception: the publisher logs the
     * refused status as failed, as it does a publish that fails. (Mosquitto then drops the
     * connection, so the offline status at close is not sent here; MqttPublisherSessionTest
     * refuses it with a broker that stays connected.)
     */
    @Test
    void aStatusTheBrokerRefusesIsLoggedAsFailed(@TempDir Path dir) throws Exception {
        Path acl = Files.writeString(dir.resolve("acl"), "user gw-sec\ntopic write " + Topics.telemetry(ADDRESS) + "\n");
        try (CapturedLog log = CapturedLog.of(MqttPublisher.class);
             MosquittoBroker broker = MosquittoBroker.startAuthenticated(Map.of("gw-sec", "right"), acl);
             MqttPublisher publisher = new MqttPublisher(publisher(broker).username("gw-sec")
                     .password("right".toCharArray()).build())) {
            publisher.start();
            assertTrue(eventually(() -> log.lines().stream().anyMatch(w -> w.startsWith("WARN Publishing status online of "
                    + ADDRESS + " failed") && w.contains("reason code 0x87"))), log.lines() + "\n" + broker.log());
        }
    }
}
