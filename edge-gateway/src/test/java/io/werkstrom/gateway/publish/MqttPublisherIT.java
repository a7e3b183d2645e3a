package io.werkstrom.gateway.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.Test;

import io.werkstrom.gateway.testing.TestSubscriber;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Topics;
import io.werkstrom.testing.MosquittoBroker;
import io.werkstrom.testing.TcpFront;

class MqttPublisherIT {

    private static final GatewayAddress ADDRESS = new GatewayAddress("acme", "plant-1", "gw-07");
    private static final String STATUS = Topics.status(ADDRESS);
    private static final String TELEMETRY = Topics.telemetry(ADDRESS);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static PublisherOptions.Builder options(MosquittoBroker broker) {
        return PublisherOptions.builder().brokerUri(broker.uri()).address(ADDRESS)
                .reconnectMinDelay(Duration.ofMillis(100)).reconnectMaxDelay(Duration.ofMillis(400));
    }

    @Test
    void everyPublishIsAcknowledgedAndTheWindowBoundsWhatIsInFlight() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             TestSubscriber cloud = TestSubscriber.connect(broker.uri(), "cloud", TELEMETRY);
             MqttPublisher publisher = new MqttPublisher(options(broker).inFlightWindow(4).build())) {
            publisher.start();
            assertTrue(publisher.awaitConnected(WAIT), broker.log());
            List<CompletableFuture<Void>> acks = new ArrayList<>();
            int maxInFlight = 0;
            for (int i = 0; i < 300; i++) {
                byte[] payload = new byte[2_048];
                payload[0] = (byte) i;
                acks.add(publisher.publish(TELEMETRY, payload));
                maxInFlight = Math.max(maxInFlight, publisher.inFlight());
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertTrue(maxInFlight <= 4, "in flight: " + maxInFlight);
            assertEquals(4, publisher.inFlightLimit());
            assertTrue(cloud.await(TELEMETRY, m -> m.size() == 300, WAIT), "received " + cloud.on(TELEMETRY).size());
            assertEquals(0, publisher.inFlight());
        }
    }

    @Test
    void statusIsOnlineWhileConnectedAndRetainedOfflineAfterClose() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            MqttPublisher publisher = new MqttPublisher(options(broker).build());
            try (publisher) {
                publisher.start();
                assertTrue(publisher.awaitConnected(WAIT));
                try (TestSubscriber observer = TestSubscriber.connect(broker.uri(), "observer-1", STATUS)) {
                    assertTrue(observer.awaitLastText(STATUS, MqttPublisher.ONLINE, WAIT), "retained online");
                    assertTrue(observer.on(STATUS).get(0).retained(), "online is retained");
                }
            }
            try (TestSubscriber late = TestSubscriber.connect(broker.uri(), "observer-2", STATUS)) {
                assertTrue(late.awaitLastText(STATUS, MqttPublisher.OFFLINE, WAIT), "retained offline after close");
                assertTrue(late.on(STATUS).get(0).retained());
            }
            ExecutionException afterClose = assertThrows(ExecutionException.class,
                    () -> publisher.publish(TELEMETRY, new byte[] {1}).get(5, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, afterClose.getCause());
        }
    }

    @Test
    void theOfflineStatusOfACloseNamesTheLastSequenceAndTheBrokerKeepsItWithTheRetainedStatus() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             TestSubscriber observer = TestSubscriber.connect(broker.uri(), "observer", STATUS)) {
            MqttPublisher publisher = new MqttPublisher(options(broker).build());
            publisher.start();
            assertTrue(publisher.awaitConnected(WAIT));
            assertTrue(observer.awaitLastText(STATUS, MqttPublisher.ONLINE, WAIT));
            assertEquals(Map.of(), observer.on(STATUS).get(0).userProperties(), "online names no sequence");
            publisher.close(4_711);
            assertTrue(observer.awaitLastText(STATUS, MqttPublisher.OFFLINE, WAIT));
            assertEquals(Map.of(Topics.STATUS_LAST_SEQUENCE, "4711"), observer.on(STATUS).get(1).userProperties());
            try (TestSubscriber late = TestSubscriber.connect(broker.uri(), "late", STATUS)) {
                assertTrue(late.awaitLastText(STATUS, MqttPublisher.OFFLINE, WAIT), "retained offline after close");
                assertTrue(late.on(STATUS).get(0).retained());
                assertEquals(Map.of(Topics.STATUS_LAST_SEQUENCE, "4711"), late.on(STATUS).get(0).userProperties(),
                        "the retained status keeps its user property");
            }
        }
    }

    @Test
    void theBrokerPublishesTheLastWillWhenTheConnectionDiesWithoutDisconnect() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             TestSubscriber observer = TestSubscriber.connect(broker.uri(), "observer", STATUS)) {
            MqttPublisher publisher = new MqttPublisher(options(broker).build());
            publisher.start();
            assertTrue(publisher.awaitConnected(WAIT));
            assertTrue(observer.awaitLastText(STATUS, MqttPublisher.ONLINE, WAIT));
            // abort() never publishes offline itself: the only source of it is the broker's last will.
            publisher.abort();
            assertTrue(observer.awaitLastText(STATUS, MqttPublisher.OFFLINE, WAIT), "last will: " + broker.log());
            assertEquals(Map.of(), observer.on(STATUS).get(1).userProperties(), "the will names no sequence");
            try (TestSubscriber late = TestSubscriber.connect(broker.uri(), "late", STATUS)) {
                assertTrue(late.awaitLastText(STATUS, MqttPublisher.OFFLINE, WAIT), "the will is retained");
            }
        }
    }

    @Test
    void publishingWhileDisconnectedFailsFastAndTheConnectionComesBackWithOnline() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             TestSubscriber observer = TestSubscriber.connect(broker.uri(), "observer", true, STATUS);
             MqttPublisher publisher = new MqttPublisher(options(broker).build())) {
            publisher.start();
            assertTrue(publisher.awaitConnected(WAIT));
            broker.stop();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (publisher.isConnected() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertFalse(publisher.isConnected(), "the publisher noticed the broker is gone");
            ExecutionException down = assertThrows(ExecutionException.class,
                    () -> publisher.publish(TELEMETRY, new byte[] {1}).get(5, TimeUnit.SECONDS));
            MqttException cause = assertInstanceOf(MqttException.class, down.getCause());
            // Refused as not connected, or, while Paho is still ending the connection it lost, failed with it.
            assertTrue(cause.getReasonCode() == MqttClientException.REASON_CODE_CLIENT_NOT_CONNECTED
                    || cause.getReasonCode() == MqttClientException.REASON_CODE_CONNECTION_LOST, cause.toString());
            assertEquals(0, publisher.inFlight(), "a failed publish frees its slot");

            broker.restart();
            assertTrue(publisher.awaitConnected(WAIT), broker.log());
            assertEquals(2, publisher.connections());
            publisher.publish(TELEMETRY, new byte[] {2}).get(10, TimeUnit.SECONDS);
            assertTrue(observer.await(STATUS, m -> m.stream().filter(r -> r.text().equals(MqttPublisher.ONLINE)).count() >= 2,
                    Duration.ofSeconds(15)), "online after the reconnect: " + observer.on(STATUS));
        }
    }

    @Test
    void publishesInFlightWhenTheConnectionDiesFailWithTheCauseAndFreeTheirSlots() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             MqttPublisher publisher = new MqttPublisher(options(broker).build())) {
            publisher.start();
            assertTrue(publisher.awaitConnected(WAIT), broker.log());
            broker.freeze();
            List<CompletableFuture<Void>> acks = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                acks.add(publisher.publish(TELEMETRY, new byte[] {(byte) i}));
            }
            Thread.sleep(300);
            assertTrue(acks.stream().noneMatch(CompletableFuture::isDone), "a frozen broker acknowledges nothing");
            assertEquals(5, publisher.inFlight());
            broker.crash();
            for (CompletableFuture<Void> ack : acks) {
                ExecutionException lost = assertThrows(ExecutionException.class, () -> ack.get(10, TimeUnit.SECONDS));
                assertInstanceOf(MqttException.class, lost.getCause());
            }
            assertEquals(0, publisher.inFlight());
            broker.restart();
            assertTrue(publisher.awaitConnected(WAIT), broker.log());
            publisher.publish(TELEMETRY, new byte[] {9}).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theFirstConnectionIsRetriedUntilTheBrokerAppears() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            broker.stop();
            try (MqttPublisher publisher = new MqttPublisher(options(broker).build())) {
                publisher.start();
                assertFalse(publisher.awaitConnected(Duration.ofMillis(500)));
                broker.restart();
                assertTrue(publisher.awaitConnected(WAIT), broker.log());
                publisher.publish(TELEMETRY, new byte[] {3}).get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aConnectAttemptThatGetsNoAnswerIsAbandonedAndTriedAgain() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             TcpFront front = TcpFront.forwardingTo(broker.port())) {
            // A load balancer whose broker is down: it takes the connection and never sends a CONNACK.
            front.silent(true);
            try (MqttPublisher publisher = new MqttPublisher(PublisherOptions.builder().brokerUri(front.uri())
                    .address(ADDRESS).connectTimeout(Duration.ofSeconds(1)).reconnectMinDelay(Duration.ofMillis(100))
                    .reconnectMaxDelay(Duration.ofMillis(400)).build())) {
                publisher.start();
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (publisher.lastConnectFailure().isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertFalse(publisher.isConnected());
                assertTrue(publisher.lastConnectFailure().orElse("").contains("no CONNACK within 2 s"),
                        publisher.lastConnectFailure().toString());
                front.silent(false);
                // The connections held so far stay open and unanswered: only a new attempt gets through.
                assertTrue(publisher.awaitConnected(WAIT), "held " + front.held() + ", " + publisher.lastConnectFailure());
                assertTrue(front.held() >= 1, "held " + front.held());
                publisher.publish(TELEMETRY, new byte[] {4}).get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void closingWhileAConnectAttemptIsUnansweredReleasesTheClient() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start();
             TcpFront front = TcpFront.forwardingTo(broker.port())) {
            front.silent(true);
            PublisherOptions options = PublisherOptions.builder().brokerUri(front.uri()).address(ADDRESS)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            MqttPublisher publisher = new MqttPublisher(options);
            publisher.start();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (front.unansweredBytes() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, front.held(), "the attempt reached the silent front");
            assertTrue(front.unansweredBytes() > 0, "its CONNECT went unanswered");
            publisher.close();
            // Paho names its threads after the client; a client that refused to close keeps them.
            deadline = System.nanoTime() + WAIT.toNanos();
            while (!pahoThreads(options.clientId()).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(List.of(), pahoThreads(options.clientId()));
        }
    }

    private static List<String> pahoThreads(String clientId) {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> name.startsWith("MQTT") && name.endsWith(clientId)).toList();
    }

    @Test
    void aPublishTheBrokerRefusesFailsWithItsReasonCode() throws Exception {
        Path acl = Files.createTempFile("acl", ".conf");
        try {
            Files.writeString(acl, "topic readwrite werkstrom/#\n");
            try (MosquittoBroker broker = MosquittoBroker.start("allow_anonymous true\nacl_file " + acl + "\n");
                 MqttPublisher publisher = new MqttPublisher(options(broker).build())) {
                publisher.start();
                assertTrue(publisher.awaitConnected(WAIT), broker.log());
                publisher.publish(TELEMETRY, new byte[] {1}).get(10, TimeUnit.SECONDS);
                ExecutionException refused = assertThrows(ExecutionException.class,
                        () -> publisher.publish("elsewhere/telemetry", new byte[] {1}).get(10, TimeUnit.SECONDS));
                PublishRejectedException cause = assertInstanceOf(PublishRejectedException.class, refused.getCause());
                assertEquals(0x87, cause.reasonCode(), cause.getMessage());
            }
        } finally {
            Files.deleteIfExists(acl);
        }
    }
}
