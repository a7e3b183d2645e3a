package io.werkstrom.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * HTTP clients on loopback that connect, send the first byte of a request and then nothing, as a
 * slow or hostile client would, each holding one of the server's threads until the server drops it
 * ({@link #awaitDropped}). Closing ends them.
 */
public final class StalledRequests implements AutoCloseable {

    private final List<Socket> sockets = new ArrayList<>();

    private StalledRequests() {
    }

    /** {@code count} stalled requests to the server on loopback {@code port}. */
    public static StalledRequests open(int port, int count) throws IOException {
        StalledRequests stalled = new StalledRequests();
        try {
            for (int i = 0; i < count; i++) {
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
                stalled.sockets.add(socket);
                OutputStream out = socket.getOutputStream();
                out.write('G');
                out.flush();
            }
        } catch (IOException e) {
            stalled.close();
            throw e;
        }
        return stalled;
    }

    /**
     * Waits until the server has dropped every stalled request (a read ends or the connection is
     * reset), at most {@code timeout} in all.
     *
     * @throws IOException naming how many are still held when the time is up
     */
    public void awaitDropped(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int held = 0;
        for (Socket socket : sockets) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            try {
                socket.setSoTimeout((int) Math.max(1, left));
                while (socket.getInputStream().read() >= 0) {
                    // An answer (e.g. 408) before the close is as good as the close.
                }
            } catch (SocketTimeoutException stillHeld) {
                held++;
            } catch (IOException reset) {
                // Dropped by a reset.
            }
        }
        if (held > 0) {
            throw new IOException(held + " of " + sockets.size() + " stalled requests still held after " + timeout);
        }
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
