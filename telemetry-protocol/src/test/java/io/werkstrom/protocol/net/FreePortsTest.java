package io.werkstrom.protocol.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class FreePortsTest {

    /** A "service" that binds its port as a server does. */
    private static ServerSocket bind(int port) {
        try {
            return new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException("could not bind port " + port, e);
        }
    }

    @Test
    void aPortTakenBeforeTheServiceBindsItIsReplacedByANewOne() throws Exception {
        try (ServerSocket taken = bind(0)) {
            List<Integer> tried = new ArrayList<>();
            try (ServerSocket service = FreePorts.startOnFreePort(() -> {
                int port = tried.isEmpty() ? taken.getLocalPort() : FreePorts.freePort();
                tried.add(port);
                return port;
            }, FreePortsTest::bind)) {
                assertEquals(2, tried.size(), tried.toString());
                assertEquals(tried.get(1), service.getLocalPort());
            }
        }
    }

    @Test
    void aFailureWithTheFreePortStillFreeIsThrownAtOnce() {
        IllegalStateException broken = new IllegalStateException("the configuration is broken");
        List<Integer> tried = new ArrayList<>();
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> FreePorts.startOnFreePort(
                () -> {
                    int port = FreePorts.freePort();
                    tried.add(port);
                    return port;
                }, port -> {
                    throw broken;
                }));
        assertSame(broken, thrown);
        assertEquals(1, tried.size(), "no second try: " + tried);
    }

    @Test
    void aPortTakenOnEveryTryGivesUpAfterTheLastTry() throws Exception {
        try (ServerSocket taken = bind(0)) {
            List<Integer> tried = new ArrayList<>();
            IllegalStateException thrown = assertThrows(IllegalStateException.class,
                    () -> FreePorts.startOnFreePort(() -> {
                        tried.add(taken.getLocalPort());
                        return taken.getLocalPort();
                    }, FreePortsTest::bind));
            assertEquals(FreePorts.ATTEMPTS, tried.size());
            assertEquals(FreePorts.ATTEMPTS, thrown.getSuppressed().length, thrown.toString());
        }
    }

    @Test
    void aServiceIsStartedOnAFreeLoopbackPort() throws Exception {
        try (ServerSocket service = FreePorts.startOnFreePort(FreePortsTest::bind)) {
            assertTrue(FreePorts.inUse(service.getLocalPort()));
        }
    }

    @Test
    void aFailureAfterATakenPortCarriesTheEarlierTryAlong() throws Exception {
        IllegalStateException broken = new IllegalStateException("the configuration is broken");
        try (ServerSocket taken = bind(0)) {
            List<Integer> tried = new ArrayList<>();
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> FreePorts.startOnFreePort(() -> {
                int port = tried.isEmpty() ? taken.getLocalPort() : FreePorts.freePort();
                tried.add(port);
                return port;
            }, port -> {
                if (port == taken.getLocalPort()) {
                    return bind(port);
                }
                throw broken;
            }));
            assertSame(broken, thrown);
            assertEquals(1, thrown.getSuppressed().length, thrown.toString());
            assertTrue(thrown.getSuppressed()[0].getMessage().startsWith("could not bind a free loopback port"),
                    thrown.getSuppressed()[0].getMessage());
        }
    }
}
