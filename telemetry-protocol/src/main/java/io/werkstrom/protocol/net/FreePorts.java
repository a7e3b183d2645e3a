package io.werkstrom.protocol.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;

/**
 * Free loopback ports for services that must be told their port before they start (a Mosquitto or
 * PostgreSQL process, the embedded HiveMQ broker, a server that cannot report the port it bound).
 * Between picking a free port and the service binding it another process can take the port;
 * {@link #startOnFreePort} then starts the service again on a new one, a bounded number of times.
 * A service that can bind port 0 itself and report the port it got should do that instead.
 */
public final class FreePorts {

    /** How many ports a start tries before it gives up. */
    public static final int ATTEMPTS = 5;

    private FreePorts() {
    }

    /** A loopback port that was free a moment ago. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /**
     * Starts a service with {@code start} on a free port. When the start fails and the port is then in
     * use (another process took it before the service bound it), starts it again on a new port, up to
     * {@value #ATTEMPTS} times; any other failure is thrown at once. {@code start} cleans up after a
     * failed start of its own.
     */
    public static <T> T startOnFreePort(IntFunction<T> start) {
        return startOnFreePort(FreePorts::freePort, start);
    }

    /** {@link #startOnFreePort(IntFunction)} with the ports from {@code ports}. */
    public static <T> T startOnFreePort(IntSupplier ports, IntFunction<T> start) {
        RuntimeException taken = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            int port = ports.getAsInt();
            try {
                return start.apply(port);
            } catch (RuntimeException e) {
                if (!inUse(port)) {
                    if (taken != null) {
                        e.addSuppressed(taken);
                    }
                    throw e;
                }
                if (taken == null) {
                    taken = new IllegalStateException("could not bind a free loopback port: another process took"
                            + " it first, on each of " + ATTEMPTS + " tries");
                }
                taken.addSuppressed(e);
            }
        }
        throw taken;
    }

    /** Whether something listens on the loopback port, i.e. binding it fails. */
    public static boolean inUse(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
