package io.werkstrom.testing;

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
 * A real Mosquitto broker on a free loopback port, started as a child process for integration
 * tests. Persistence is on, so that {@link #restart()} keeps sessions and queued messages, as a
 * production broker would. Fails (never skips) when the {@code mosquitto} binary is missing: the
 * README's test command installs it.
 *
 * <p>Owned by the test that starts it; {@link #close()} stops the process and deletes its files.
 */
public final class MosquittoBroker implements AutoCloseable {

    private static final List<String> CANDIDATES = List.of("/usr/sbin/mosquitto", "/usr/bin/mosquitto",
            "/usr/local/sbin/mosquitto", "/usr/local/bin/mosquitto");

    private final Path dir;
    private final int port;
    private final String extraConfig;
    private Process process;

    private MosquittoBroker(Path dir, int port, String extraConfig) {
        this.dir = dir;
        this.port = port;
        this.extraConfig = extraConfig;
    }

    /** Starts an anonymous broker on a free port. */
    public static MosquittoBroker start() {
        return start("allow_anonymous true\n");
    }

    /**
     * Starts a broker whose listener block is followed by {@code extraConfig} (authentication,
     * ACLs, TLS options). Relative file names in it resolve against {@link #directory()}.
     */
    public static MosquittoBroker start(String extraConfig) {
        try {
            MosquittoBroker broker = new MosquittoBroker(Files.createTempDirectory("mosquitto"), freePort(), extraConfig);
            broker.launch();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare a Mosquitto directory", e);
        }
    }

    public String uri() {
        return "tcp://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path directory() {
        return dir;
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops the broker (SIGTERM, so it saves its persistence file) and waits until it is gone. */
    public void stop() {
        if (process == null) {
            return;
        }
        if (process.isAlive()) {
            signal("CONT"); // a frozen broker handles SIGTERM only once resumed
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /**
     * Freezes the broker (SIGSTOP): connections stay open but nothing is read or acknowledged, as
     * with a hung broker. {@link #stop()}, {@link #crash()} and {@link #restart()} still work.
     */
    public void freeze() {
        signal("STOP");
    }

    /** Kills the broker outright (SIGKILL): no shutdown, no final save of its state. */
    public void crash() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    private void signal(String signal) {
        if (process == null) {
            throw new IllegalStateException("mosquitto is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " failed: "
                        + new String(kill.getInputStream().readAllBytes()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not signal mosquitto", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling mosquitto", e);
        }
    }

    /** Starts the broker again on the same port with the same persistence directory. */
    public void restart() {
        stop();
        launch();
    }

    @Override
    public void close() {
        stop();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temp directory is harmless
        }
    }

    private void launch() {
        String binary = CANDIDATES.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "mosquitto is not installed (looked in " + CANDIDATES + "); the README's test command installs it"));
        try {
            Path conf = dir.resolve("mosquitto.conf");
            // Started as root, mosquitto would switch to the 'mosquitto' user, which cannot write this
            // private directory, and sessions would not survive a restart; stay the owning user.
            Files.writeString(conf, "user " + System.getProperty("user.name") + "\n"
                    + "listener " + port + " 127.0.0.1\n"
                    + "persistence true\n"
                    + "persistence_location " + dir + "/\n"
                    + "autosave_interval 1\n"
                    + "max_queued_messages 0\n"
                    + "max_inflight_messages 0\n"
                    + "log_dest file " + dir.resolve("mosquitto.log") + "\n"
                    + extraConfig);
            process = new ProcessBuilder(binary, "-c", conf.toString())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile())
                    .start();
            awaitListening(Duration.ofSeconds(10));
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + binary, e);
        }
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

    /** The broker's log, for failure messages. */
    public String log() {
        try {
            Path log = dir.resolve("mosquitto.log");
            Path out = dir.resolve("stdout.log");
            return (Files.exists(log) ? Files.readString(log) : "") + (Files.exists(out) ? Files.readString(out) : "");
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
