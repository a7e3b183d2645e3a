package io.werkstrom.app.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.protocol.net.FreePorts;

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
}
