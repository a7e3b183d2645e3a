package io.werkstrom.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP front for a server in tests (a broker, a database), as a load balancer or proxy stands in
 * front of one in production. It forwards every connection to the server's port, or, while
 * {@link #silent(boolean) silent}, accepts connections and never answers them: the peer's CONNECT is
 * read and dropped, the connection stays open, as with a load balancer whose broker is down or a
 * broker stuck at start. Connections taken while silent stay that way until {@link #close()}. While
 * {@link #frozen(boolean) frozen}, forwarded connections drop what they carry either way, without a
 * reset, as a network path that loses everything does (what is sent meanwhile never arrives).
 *
 * <p>Thread-safe. Owns its listening socket, the connections and their daemon threads; {@link #close()}
 * releases them all.
 */
public final class TcpFront implements AutoCloseable {

    private final ServerSocket listener;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Socket> forwarded = new CopyOnWriteArrayList<>();
    private final AtomicInteger held = new AtomicInteger();
    private final AtomicLong unansweredBytes = new AtomicLong();
    private volatile boolean silent;
    private volatile boolean frozen;

    private TcpFront(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon("tcp-front-accept", this::acceptLoop);
    }

    /** A front forwarding to {@code targetPort} on the loopback interface. */
    public static TcpFront forwardingTo(int targetPort) {
        try {
            return new TcpFront(targetPort);
        } catch (IOException e) {
            throw new UncheckedIOException("could not open a TCP front", e);
        }
    }

    public int port() {
        return listener.getLocalPort();
    }

    public String uri() {
        return "tcp://127.0.0.1:" + port();
    }

    /** Whether connections accepted from now on are held unanswered instead of forwarded. */
    public void silent(boolean silent) {
        this.silent = silent;
    }

    /** Whether forwarded connections drop what they carry, both ways, from now on (none is reset). */
    public void frozen(boolean frozen) {
        this.frozen = frozen;
    }

    /** Connections accepted and held unanswered so far. */
    public int held() {
        return held.get();
    }

    /** Bytes received on held connections and never answered (a client's CONNECT, for one), or dropped while frozen. */
    public long unansweredBytes() {
        return unansweredBytes.get();
    }

    /** Closes every forwarded connection on both sides, as a broker restart does to its clients. */
    public void dropForwarded() {
        for (Socket socket : forwarded) {
            closeQuietly(socket);
        }
        forwarded.clear();
    }

    @Override
    public void close() {
        closeQuietly(listener);
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException closed) {
                return;
            }
            sockets.add(client);
            if (silent) {
                held.incrementAndGet();
                daemon("tcp-front-hold", () -> drain(client, unansweredBytes));
                continue;
            }
            try {
                Socket broker = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(broker);
                forwarded.add(client);
                forwarded.add(broker);
                daemon("tcp-front-up", () -> pipe(client, broker, unansweredBytes));
                daemon("tcp-front-down", () -> pipe(broker, client, unansweredBytes));
            } catch (IOException brokerDown) {
                closeQuietly(client);
            }
        }
    }

    /** Reads and drops everything: the peer's packets are taken and never answered. */
    private static void drain(Socket socket, AtomicLong bytes) {
        try (InputStream in = socket.getInputStream()) {
            byte[] buffer = new byte[4_096];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                bytes.addAndGet(n);
            }
        } catch (IOException closed) {
            // the front or the peer closed the connection
        }
    }

    private void pipe(Socket from, Socket to, AtomicLong dropped) {
        try {
            InputStream in = from.getInputStream();
            byte[] buffer = new byte[8_192];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                if (frozen) {
                    dropped.addAndGet(n);
                } else {
                    to.getOutputStream().write(buffer, 0, n);
                }
            }
        } catch (IOException closed) {
            // one side went away: the other goes too
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing a socket twice, or one the peer reset, is harmless here
        }
    }
}
