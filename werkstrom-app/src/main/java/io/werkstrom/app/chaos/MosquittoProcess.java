package io.werkstrom.app.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Mosquitto broker as a child process on a free loopback port, with persistence on, so that
 * sessions, subscriptions and queued messages survive {@link #stop()} and {@link #start()}, as a
 * production broker's would. Needs the {@code mosquitto} binary (Debian package {@code mosquitto}).
 * Owned by whoever starts it; {@link #close()} stops it. Its files live in a directory the caller owns.
 */
final class MosquittoProcess implements AutoCloseable {

    private static final List<String> CANDIDATES = List.of("/usr/sbin/mosquitto", "/usr/bin/mosquitto",
            "/usr/local/sbin/mosquitto", "/usr/local/bin/mosquitto");

    private final Path dir;
    private final int port;
    private Process process;

    private MosquittoProcess(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Starts a broker whose configuration, persistence and log live in {@code dir}. */
    static MosquittoProcess start(Path dir) throws IOException {
        Files.createDirectories(dir);
        MosquittoProcess broker = new MosquittoProcess(dir, freePort());
        broker.start();
        return broker;
    }

    String uri() {
        return "tcp://127.0.0.1:" + port;
    }

    /** Starts the broker again on the same port with the same persistence. */
    void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        String binary = CANDIDATES.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst()
                .orElseThrow(() -> new IllegalStateException("mosquitto is not installed (looked in " + CANDIDATES
                        + "); install the Debian package mosquitto"));
        try {
            Path conf = dir.resolve("mosquitto.conf");
            // Started as root, mosquitto would switch to the 'mosquitto' user, which cannot write this
            // directory, and its persistence would be lost on restart; stay the owning user.
            Files.writeString(conf, "user " + System.getProperty("user.name") + "\n"
                    + "listener " + port + " 127.0.0.1\n"
                    + "allow_anonymous true\n"
                    + "persistence true\n"
                    + "persistence_location " + dir + "/\n"
                    + "autosave_interval 1\n"
                    + "max_queued_messages 0\n"
                    + "max_inflight_messages 0\n"
                    + "log_dest file " + dir.resolve("mosquitto.log") + "\n");
            process = new ProcessBuilder(binary, "-c", conf.toString())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + binary, e);
        }
        awaitListening(Duration.ofSeconds(10));
    }

    /** Stops the broker with SIGTERM, so that it saves its persistence file, and waits until it is gone. */
    void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    @Override
    public void close() {
        stop();
    }

    private void awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("mosquitto exited with " + process.exitValue() + ": " + log());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for mosquitto", e);
                }
            }
        }
        throw new IllegalStateException("mosquitto did not listen on port " + port + " within " + timeout + ": " + log());
    }

    String log() {
        try {
            Path log = dir.resolve("mosquitto.log");
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
