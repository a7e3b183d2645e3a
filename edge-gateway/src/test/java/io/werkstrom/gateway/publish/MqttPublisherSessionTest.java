package io.werkstrom.gateway.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.junit.jupiter.api.Test;

import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Topics;
import io.werkstrom.testing.CapturedLog;

/**
 * The publisher says it is connected only once it has taken over the limits of the broker's
 * CONNACK: Paho reports its client connected just before it runs the connect listener, and a
 * publish in that moment would not yet know the broker's maximum packet size. And the offline
 * status at close, refused by a broker that stays connected, is logged as failed. And the broker's
 * Receive Maximum and Maximum Packet Size bound the in-flight window and the packets sent, and a
 * PUBACK with reason code 0x80 fails its publish. Against a
 * minimal broker on loopback that answers CONNECT, PUBLISH (QoS 1) and PINGREQ.
 */
class MqttPublisherSessionTest {

    private static final GatewayAddress ADDRESS = new GatewayAddress("acme", "plant-1", "gw-session");
    private static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Success, no properties. */
    private static final byte[] CONNACK = {0x20, 0x03, 0x00, 0x00, 0x00};

    @Test
    void isNotConnectedUntilTheConnacksLimitsAreTaken() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread broker = new Thread(() -> serve(listener, null, (byte) 0x87, CONNACK, new AtomicInteger()),
                    "minimal-broker");
            broker.setDaemon(true);
            broker.start();
            try (MqttPublisher publisher = new MqttPublisher(PublisherOptions.builder()
                    .brokerUri("tcp://127.0.0.1:" + listener.getLocalPort()).address(ADDRESS).build())) {
                // The connect listener takes the CONNACK's limits into the in-flight window first: while
                // the test holds the window's lock, the listener waits there, before the session is ready.
                ReentrantLock windowLock = (ReentrantLock) field(field(publisher, "window"), "lock");
                MqttAsyncClient client = (MqttAsyncClient) field(publisher, "client");
                windowLock.lock();
                try {
                    publisher.start();
                    long deadline = System.nanoTime() + PATIENCE_NANOS;
                    while (!client.isConnected()) {
                        if (System.nanoTime() > deadline) {
                            fail("the client got no CONNACK within 30 s");
                        }
                        Thread.sleep(5);
                    }
                    waitUntilBlockedOn(windowLock);
                    assertFalse(publisher.isConnected(), "connected before the CONNACK's limits were taken");
                } finally {
                    windowLock.unlock();
                }
                assertTrue(publisher.awaitConnected(Duration.ofSeconds(30)), "connected once the limits are taken");
            }
        }
    }

    @Test
    void anOfflineStatusTheBrokerRefusesAtCloseIsLoggedAsFailed() throws Exception {
        String status = Topics.status(ADDRESS);
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             CapturedLog log = CapturedLog.of(MqttPublisher.class)) {
            // Unlike Mosquitto, which drops the connection after it refused the online status.
            Thread broker = new Thread(() -> serve(listener, status, (byte) 0x87, CONNACK, new AtomicInteger()),
                    "refusing-broker");
            broker.setDaemon(true);
            broker.start();
            MqttPublisher publisher = new MqttPublisher(PublisherOptions.builder()
                    .brokerUri("tcp://127.0.0.1:" + listener.getLocalPort()).address(ADDRESS).build());
            try {
                publisher.start();
                assertTrue(publisher.awaitConnected(Duration.ofSeconds(30)), "connected");
            } finally {
                publisher.close();
            }
            assertTrue(log.lines().stream().anyMatch(line -> line.startsWith("WARN Publishing the offline status of "
                    + ADDRESS + " failed") && line.endsWith("with reason code 0x87")), log.lines().toString());
        }
    }

    @Test
    void theBrokersReceiveMaximumAndMaximumPacketSizeBoundTheWindowAndWhatIsSentAndReasonCode0x80Refuses()
            throws Exception {
        // Receive Maximum 10 (property 0x21) and Maximum Packet Size 1000 (property 0x27).
        byte[] connack = {0x20, 0x0b, 0x00, 0x00, 0x08, 0x21, 0x00, 0x0a, 0x27, 0x00, 0x00, 0x03, (byte) 0xe8};
        AtomicInteger largestPublish = new AtomicInteger();
        String topic = Topics.telemetry(ADDRESS);
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread broker = new Thread(() -> serve(listener, Topics.events(ADDRESS), (byte) 0x80, connack,
                    largestPublish), "limiting-broker");
            broker.setDaemon(true);
            broker.start();
            try (MqttPublisher publisher = new MqttPublisher(PublisherOptions.builder()
                    .brokerUri("tcp://127.0.0.1:" + listener.getLocalPort()).address(ADDRESS).build())) {
                assertEquals(Long.MAX_VALUE, publisher.maxPayloadBytes(topic), "no broker has stated a limit yet");
                publisher.start();
                assertTrue(publisher.awaitConnected(Duration.ofSeconds(30)), "connected");
                // More would make the broker end the connection; one slot stays free for the status message.
                assertEquals(9, publisher.inFlightLimit());
                int max = (int) publisher.maxPayloadBytes(topic);
                // The PUBLISH packet's own fields (fixed header, topic, packet identifier, property length) and a
                // margin of 16 bytes.
                assertEquals(1000 - (1 + 4 + 2 + topic.length() + 2 + 1 + 16), max);
                ExecutionException tooLarge = assertThrows(ExecutionException.class,
                        () -> publisher.publish(topic, new byte[max + 1]).get(30, TimeUnit.SECONDS));
                assertInstanceOf(MessageTooLargeException.class, tooLarge.getCause());
                publisher.publish(topic, new byte[max]).get(30, TimeUnit.SECONDS);
                assertEquals(0, publisher.inFlight(), "an acknowledged publish gives its slot back");
                assertTrue(largestPublish.get() <= 1000, "a PUBLISH of " + largestPublish.get() + " bytes");
                // 0x80, unspecified error, is the lowest reason code that refuses: not an acknowledgement.
                ExecutionException refused = assertThrows(ExecutionException.class,
                        () -> publisher.publish(Topics.events(ADDRESS), new byte[1]).get(30, TimeUnit.SECONDS));
                assertInstanceOf(PublishRejectedException.class, refused.getCause());
                assertEquals(0, publisher.inFlight(), "a refused publish gives its slot back");
            }
        }
    }

    /** Until the connect listener waits for the lock the test holds. */
    private static void waitUntilBlockedOn(ReentrantLock lock) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE_NANOS;
        while (!lock.hasQueuedThreads()) {
            if (System.nanoTime() > deadline) {
                fail("the connect listener did not reach the in-flight window within 30 s");
            }
            Thread.sleep(5);
        }
    }

    private static Object field(Object owner, String name) throws ReflectiveOperationException {
        Field field = owner.getClass().getDeclaredField(name);
        field.setAccessible(true);
        return field.get(owner);
    }

    /**
     * One client: {@code connack}, PUBACK for QoS 1 (reason code {@code refusal} for
     * {@code refusedTopic}, else success), PINGRESP; until it disconnects. The size of the largest
     * PUBLISH packet goes into {@code largestPublish}.
     */
    private static void serve(ServerSocket listener, String refusedTopic, byte refusal, byte[] connack,
            AtomicInteger largestPublish) {
        try (Socket socket = listener.accept()) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (true) {
                int header = in.readUnsignedByte();
                int length = remainingLength(in);
                byte[] body = new byte[length];
                in.readFully(body);
                switch (header >> 4) {
                    case 1 -> out.write(connack);
                    case 3 -> {
                        int lengthBytes = length < 128 ? 1 : length < 16_384 ? 2 : length < 2_097_152 ? 3 : 4;
                        largestPublish.accumulateAndGet(1 + lengthBytes + length, Math::max);
                        if (((header >> 1) & 0x03) == 1) {
                            int topicLength = ((body[0] & 0xff) << 8) | (body[1] & 0xff);
                            String topic = new String(body, 2, topicLength, StandardCharsets.UTF_8);
                            if (topic.equals(refusedTopic)) {
                                out.write(new byte[] {0x40, 0x03, body[2 + topicLength], body[3 + topicLength],
                                        refusal});
                            } else {
                                out.write(new byte[] {0x40, 0x02, body[2 + topicLength], body[3 + topicLength]});
                            }
                        }
                    }
                    case 12 -> out.write(new byte[] {(byte) 0xd0, 0x00});
                    case 14 -> {
                        return;
                    }
                    default -> {
                        // nothing to answer
                    }
                }
                out.flush();
            }
        } catch (EOFException closed) {
            // the client went away
        } catch (IOException e) {
            // the test ended: the listener is closed
        }
    }

    private static int remainingLength(DataInputStream in) throws IOException {
        int length = 0;
        for (int shift = 0; shift <= 21; shift += 7) {
            int b = in.readUnsignedByte();
            length |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return length;
            }
        }
        throw new IOException("malformed remaining length");
    }
}
