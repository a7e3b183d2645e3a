package io.werkstrom.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;

import org.junit.jupiter.api.Test;

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

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
