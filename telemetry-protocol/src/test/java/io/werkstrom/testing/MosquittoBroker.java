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

    /**
     * Starts a broker that admits only the users in {@code passwords} (user name to password) and
     * applies the ACL file {@code aclFile}, e.g. the shipped {@code compose/mosquitto/acl}. The
     * passwords are written to a file that {@code mosquitto_passwd -U} hashes in place, so that no
     * password appears in a process's arguments.
     */
    public static MosquittoBroker startAuthenticated(java.util.Map<String, String> passwords, Path aclFile) {
        try {
            Path dir = Files.createTempDirectory("mosquitto");
            Path passwordFile = dir.resolve("passwords");
            StringBuilder lines = new StringBuilder();
            passwords.forEach((user, password) -> lines.append(user).append(':').append(password).append('\n'));
            Files.writeString(passwordFile, lines);
            Files.setPosixFilePermissions(passwordFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            Process hash = new ProcessBuilder(binary("mosquitto_passwd"), "-U", passwordFile.toString())
                    .redirectErrorStream(true).start();
            String output = new String(hash.getInputStream().readAllBytes());
            if (!hash.waitFor(30, TimeUnit.SECONDS) || hash.exitValue() != 0) {
                throw new IllegalStateException("mosquitto_passwd -U failed: " + output);
            }
            Path acl = dir.resolve("acl");
            Files.copy(aclFile, acl);
            MosquittoBroker broker = new MosquittoBroker(dir, freePort(), "allow_anonymous false\n"
                    + "password_file " + passwordFile + "\n"
                    + "acl_file " + acl + "\n");
            broker.launch();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare an authenticated Mosquitto", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while hashing Mosquitto passwords", e);
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

    private static String binary(String name) {
        return CANDIDATES.stream().map(p -> p.substring(0, p.lastIndexOf('/') + 1) + name)
                .filter(p -> Files.isExecutable(Path.of(p))).findFirst()
                .orElseThrow(() -> new IllegalStateException(name + " is not installed (looked next to " + CANDIDATES
                        + "); the README's test command installs mosquitto"));
    }

    private void launch() {
        String binary = binary("mosquitto");
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
