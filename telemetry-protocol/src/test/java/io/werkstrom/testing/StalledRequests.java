package io.werkstrom.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * HTTP clients on loopback that connect, send the first byte of a request and then nothing, as a
 * slow or hostile client would, to show that a server's endpoints still answer. Closing ends them.
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
