package io.werkstrom.jobs.alert;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real TCP server on loopback whose every connection runs a test's script on its own thread:
 * for receivers that misbehave in ways a real server library will not (trickling an answer a byte
 * at a time, closing at the wrong moment). {@link #close()} ends the script threads by closing their
 * sockets.
 */
public final class LoopbackServer implements AutoCloseable {

    /** What the server does with one connection. */
    public interface Script {
        void run(Socket connection) throws Exception;
    }

    private final ServerSocket server;
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    public LoopbackServer(Script script) throws IOException {
        server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                Socket connection;
                try {
                    connection = server.accept();
                } catch (IOException e) {
                    return;
                }
                connections.add(connection);
                Thread worker = new Thread(() -> {
                    try (connection) {
                        script.run(connection);
                    } catch (Exception e) {
                        failures.add(e);
                    }
                }, "loopback-connection");
                worker.setDaemon(true);
                worker.start();
            }
        }, "loopback-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** What the scripts threw (a client that hung up mid-script shows here as an I/O error). */
    public List<Throwable> failures() {
        return List.copyOf(failures);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket connection : connections) {
            connection.close();
        }
    }
}
