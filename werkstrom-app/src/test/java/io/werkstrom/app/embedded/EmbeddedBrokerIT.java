package io.werkstrom.app.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.gateway.publish.MqttPublisher;
import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Topics;
import io.werkstrom.protocol.net.FreePorts;
import io.werkstrom.testing.MqttClients;

class EmbeddedBrokerIT {

    @TempDir
    Path work;

    @Test
    void aPortTakenBeforeTheBrokerBindsItIsReplacedByANewOne() throws Exception {
        // Another process takes the free port between its choice and the broker's start.
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Integer> tried = new CopyOnWriteArrayList<>();
            try (EmbeddedBroker broker = EmbeddedBroker.start(work, () -> {
                int port = tried.isEmpty() ? taken.getLocalPort() : FreePorts.freePort();
                tried.add(port);
                return port;
            }, null)) {
                assertEquals(2, tried.size(), "ports tried: " + tried);
                assertEquals("tcp://127.0.0.1:" + tried.get(1), broker.uri());
                MqttAsyncClient client = new MqttAsyncClient(broker.uri(), "port-probe", new MemoryPersistence());
                try {
                    client.connect().waitForCompletion(30_000);
                    assertTrue(client.isConnected());
                    client.disconnect().waitForCompletion(10_000);
                } finally {
                    client.close();
                }
            }
        }
    }

    /**
     * The broker keeps a gateway's retained offline status with its user property (MQTT 5 keeps a
     * retained message's properties): a job that subscribes afresh still learns the last sequence.
     */
    @Test
    void aRetainedOfflineStatusKeepsItsLastSequence() throws Exception {
        GatewayAddress address = new GatewayAddress("acme", "plant-1", "gw-1");
        String status = Topics.status(address);
        try (EmbeddedBroker broker = EmbeddedBroker.start(work, 0)) {
            MqttPublisher gateway = new MqttPublisher(PublisherOptions.builder().brokerUri(broker.uri())
                    .address(address).build());
            gateway.start();
            assertTrue(gateway.awaitConnected(Duration.ofSeconds(30)));
            gateway.close(4_711);
            BlockingQueue<MqttMessage> received = new LinkedBlockingQueue<>();
            MqttAsyncClient job = new MqttAsyncClient(broker.uri(), "late-job", new MemoryPersistence());
            job.setCallback(MqttClients.messagesInto(received));
            try {
                job.connect().waitForCompletion(30_000);
                job.subscribe(status, 1).waitForCompletion(10_000);
                MqttMessage retained = received.poll(30, TimeUnit.SECONDS);
                assertTrue(retained != null && retained.isRetained(), "the retained status arrived");
                assertEquals(MqttPublisher.OFFLINE, new String(retained.getPayload(), StandardCharsets.UTF_8));
                assertEquals(1, retained.getProperties().getUserProperties().size());
                assertEquals(Topics.STATUS_LAST_SEQUENCE, retained.getProperties().getUserProperties().get(0).getKey());
                assertEquals("4711", retained.getProperties().getUserProperties().get(0).getValue());
            } finally {
                MqttClients.disconnectAndClose(job);
            }
        }
    }

    /**
     * A command's stop signal interrupts the thread that then closes the broker: the close still
     * waits until the broker has stopped (its folder is deleted next), and the interrupt is kept.
     */
    @Test
    void closingOnAnInterruptedThreadStopsTheBrokerAndKeepsTheInterrupt() throws Exception {
        EmbeddedBroker broker = EmbeddedBroker.start(work, 0);
        int port = URI.create(broker.uri()).getPort();
        Thread.currentThread().interrupt();
        try {
            broker.close();
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept");
        } finally {
            Thread.interrupted();
        }
        assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close(),
                "the broker still listens after its close");
    }
}
