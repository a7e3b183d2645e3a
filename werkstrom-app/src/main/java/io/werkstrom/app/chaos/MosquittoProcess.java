package io.werkstrom.app.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.werkstrom.app.embedded.Uninterruptibly;
import io.werkstrom.protocol.net.FreePorts;

/**
 * A real Mosquitto broker as a child process on a free loopback port (a new one when another
 * process takes it before the broker binds it: {@link FreePorts#startOnFreePort}), for the drills:
 * either open with persistence on, so that sessions, subscriptions and queued messages survive
 * {@link #stop()} and {@link #start()} as a production broker's would, or locked down with
 * passwords and an ACL.
 * Needs the {@code mosquitto} binaries (Debian package {@code mosquitto}). Owned by whoever starts
 * it; {@link #close()} stops it (and removes its directory when it made that directory itself).
 */
final class MosquittoProcess implements AutoCloseable {

    private static final List<String> DIRECTORIES = List.of("/usr/sbin/", "/usr/bin/", "/usr/local/sbin/",
            "/usr/local/bin/");

    private final Path dir;
    private final int port;
    private final String settings;
    private final boolean ownsDirectory;
    private Process process;

    private MosquittoProcess(Path dir, int port, String settings, boolean ownsDirectory) {
        this.dir = dir;
        this.port = port;
        this.settings = settings;
        this.ownsDirectory = ownsDirectory;
    }

    /** Starts an open broker with persistence whose configuration, data and log live in {@code dir}. */
    static MosquittoProcess start(Path dir) throws IOException {
        Files.createDirectories(dir);
        String settings = "allow_anonymous true\n"
                + "persistence true\n"
                + "persistence_location " + dir + "/\n"
                + "autosave_interval 1\n"
                + "max_queued_messages 0\n"
                + "max_inflight_messages 0\n";
        return FreePorts.startOnFreePort(port -> new MosquittoProcess(dir, port, settings, false).started());
    }

    /**
     * Starts a broker that admits only the users in {@code passwords} (user name to password) under
     * the ACL file {@code aclFile}, in a temporary directory. The passwords are hashed in place by
     * {@code mosquitto_passwd -U}, so that none appears in a process's arguments.
     */
    static MosquittoProcess startAuthenticated(Map<String, String> passwords, Path aclFile, int maxPacketBytes)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("werkstrom-chaos-mosquitto");
        // Until the broker runs, a failure removes the directory: its password file holds the plain
        // passwords until mosquitto_passwd has hashed them.
        try {
            Path passwordFile = dir.resolve("passwords");
            Files.createFile(passwordFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            StringBuilder lines = new StringBuilder();
            passwords.forEach((user, password) -> lines.append(user).append(':').append(password).append('\n'));
            Files.writeString(passwordFile, lines);
            Process hash = new ProcessBuilder(binary("mosquitto_passwd"), "-U", passwordFile.toString())
                    .redirectErrorStream(true).start();
            String hashOutput = new String(hash.getInputStream().readAllBytes());
            if (!hash.waitFor(30, TimeUnit.SECONDS) || hash.exitValue() != 0) {
                throw new IllegalStateException("mosquitto_passwd -U failed: " + hashOutput);
            }
            Path acl = dir.resolve("acl");
            Files.copy(aclFile, acl);
            String settings = "allow_anonymous false\n"
                    + "password_file " + passwordFile + "\n"
                    + "acl_file " + acl + "\n"
                    + "max_packet_size " + maxPacketBytes + "\n";
            return FreePorts.startOnFreePort(port -> new MosquittoProcess(dir, port, settings, true).started());
        } catch (IOException | InterruptedException | RuntimeException e) {
            delete(dir);
            throw e;
        }
    }

    String uri() {
        return "tcp://127.0.0.1:" + port;
    }

    /** This broker, started; stopped again when it did not start. */
    private MosquittoProcess started() {
        try {
            start();
            return this;
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    /** Starts the broker again on the same port with the same persistence. */
    void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        String binary = binary("mosquitto");
        Path logFile = dir.resolve("mosquitto.log");
        long logged;
        try {
            logged = Files.exists(logFile) ? Files.size(logFile) : 0;
            Path conf = dir.resolve("mosquitto.conf");
            // Started as root, mosquitto would switch to the 'mosquitto' user, which cannot write this
            // directory, and its persistence would be lost on restart; stay the owning user.
            Files.writeString(conf, "user " + System.getProperty("user.name") + "\n"
                    + "listener " + port + " 127.0.0.1\n"
                    + settings
                    + "log_dest file " + logFile + "\n");
            process = new ProcessBuilder(binary, "-c", conf.toString())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + binary, e);
        }
        awaitListening(logFile, logged, Duration.ofSeconds(10));
    }

    /** Stops the broker with SIGTERM, so that it saves its persistence file, and waits until it is gone. */
    void stop() {
        if (process == null) {
            return;
        }
        Process stopping = process;
        stopping.destroy();
        // Also on an interrupted thread (a start given up): the directory may be deleted next.
        Uninterruptibly.await(() -> {
            if (!stopping.waitFor(15, TimeUnit.SECONDS)) {
                stopping.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        });
        process = null;
    }

    boolean isRunning() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process == null ? -1 : process.pid();
    }

    @Override
    public void close() {
        stop();
        if (ownsDirectory) {
            delete(dir);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temporary directory holds only hashed passwords and logs
        }
    }

    private static String binary(String name) {
        return DIRECTORIES.stream().map(d -> d + name).filter(p -> Files.isExecutable(Path.of(p))).findFirst()
                .orElseThrow(() -> new IllegalStateException(name + " is not installed (looked in " + DIRECTORIES
                        + "); install the Debian package mosquitto"));
    }

    /**
     * Until the broker says it is running (after it bound its listener: when it cannot, it exits)
     * and takes a connection. The log is read from {@code logged} on: a restart appends to it.
     */
    private void awaitListening(Path logFile, long logged, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("mosquitto exited with " + process.exitValue() + ": " + log());
            }
            try (Socket socket = new Socket()) {
                if (!running(logFile, logged)) {
                    throw new IOException("not running yet");
                }
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

    private static boolean running(Path logFile, long logged) throws IOException {
        if (!Files.exists(logFile)) {
            return false;
        }
        byte[] log = Files.readAllBytes(logFile);
        int from = (int) Math.min(logged, log.length);
        return new String(log, from, log.length - from, StandardCharsets.UTF_8).contains(" running");
    }

    String log() {
        try {
            Path log = dir.resolve("mosquitto.log");
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }
}
