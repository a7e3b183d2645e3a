package io.werkstrom.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.werkstrom.protocol.net.FreePorts;

class MosquittoBrokerIT {

    @Test
    void startsAcceptsConnectionsStopsAndRestartsOnTheSamePort() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start()) {
            assertTrue(accepts(broker.port()), broker.log());
            broker.stop();
            assertFalse(accepts(broker.port()));
            broker.restart();
            assertTrue(accepts(broker.port()), broker.log());
        }
    }

    @Test
    void aPortTakenBeforeTheBrokerBindsItIsReplacedByANewOne() throws Exception {
        // Another process takes the free port between its choice and the broker's start.
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Integer> tried = new CopyOnWriteArrayList<>();
            try (MosquittoBroker broker = MosquittoBroker.start(() -> {
                int port = tried.isEmpty() ? taken.getLocalPort() : FreePorts.freePort();
                tried.add(port);
                return port;
            }, "allow_anonymous true\n")) {
                assertEquals(2, tried.size(), "ports tried: " + tried + "; " + broker.log());
                assertEquals(tried.get(1), broker.port());
                assertTrue(broker.isRunning() && accepts(broker.port()), broker.log());
            }
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
