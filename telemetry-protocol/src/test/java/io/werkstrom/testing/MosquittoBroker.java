package io.werkstrom.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import io.werkstrom.protocol.net.FreePorts;

/**
 * A real Mosquitto broker on a free loopback port, started as a child process for integration
 * tests; when another process takes the port before the broker binds it, the broker starts again on
 * a new one ({@link FreePorts#startOnFreePort}). Persistence is on, so that {@link #restart()} keeps sessions and queued messages, as a
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
    private final boolean tls;
    private Process process;

    private MosquittoBroker(Path dir, int port, String extraConfig, boolean tls) {
        this.dir = dir;
        this.port = port;
        this.extraConfig = extraConfig;
        this.tls = tls;
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
        return start(FreePorts::freePort, extraConfig);
    }

    /** {@link #start(String)} on the ports that {@code ports} hands out. */
    static MosquittoBroker start(IntSupplier ports, String extraConfig) {
        try {
            Path dir = Files.createTempDirectory("mosquitto");
            return FreePorts.startOnFreePort(ports, port -> new MosquittoBroker(dir, port, extraConfig, false).started());
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare a Mosquitto directory", e);
        }
    }

    /**
     * Starts a broker that admits only the users in {@code passwords} (user name to password) and
     * applies the ACL file {@code aclFile}, e.g. the shipped {@code compose/mosquitto/acl}. The
     * passwords are hashed in place by {@code mosquitto_passwd -U}, so that no password appears in
     * a process's arguments.
     */
    public static MosquittoBroker startAuthenticated(Map<String, String> passwords, Path aclFile) {
        try {
            Path acl = Files.createTempFile("mosquitto-acl", "");
            Files.copy(aclFile, acl, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return builder().users(passwords).allowAnonymous(false).extraConfig("acl_file " + acl + "\n").start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not copy the ACL file " + aclFile, e);
        }
    }

    /** Options for a broker with a TLS listener and/or a password file. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code ssl://127.0.0.1:port} with a TLS listener, else {@code tcp://127.0.0.1:port}. */
    public String uri() {
        return (tls ? "ssl" : "tcp") + "://127.0.0.1:" + port;
    }

    /**
     * Replaces the password file (see {@link Builder#users}) with these users and passwords; the
     * broker reads it on its next {@link #restart()}.
     */
    public void setUsers(Map<String, String> users) {
        writePasswordFile(dir, users);
    }

    private static Path writePasswordFile(Path dir, Map<String, String> users) {
        Path file = dir.resolve("passwords");
        try {
            StringBuilder plain = new StringBuilder();
            users.forEach((user, password) -> plain.append(user).append(':').append(password).append('\n'));
            Files.writeString(file, plain);
            // mosquitto_passwd -U replaces the plain passwords by their hashes in place.
            Process p = new ProcessBuilder("mosquitto_passwd", "-U", file.toString()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("mosquitto_passwd -U failed: " + output);
            }
            return file;
        } catch (IOException e) {
            throw new IllegalStateException("could not run mosquitto_passwd (installed with mosquitto)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running mosquitto_passwd", e);
        }
    }

    /**
     * Collects the listener's options: TLS from a {@link TestPki} (optionally requiring a client
     * certificate), a password file, anonymous access (allowed by default: clients that present
     * no user name connect, a wrong password is still refused) and further configuration lines.
     */
    public static final class Builder {
        private TestPki pki;
        private boolean requireCertificate;
        private Map<String, String> users;
        private boolean allowAnonymous = true;
        private String extraConfig = "";

        private Builder() {
        }

        /** A TLS listener with the PKI's CA and server certificate; {@code requireCertificate} asks clients for theirs. */
        public Builder tls(TestPki pki, boolean requireCertificate) {
            this.pki = pki;
            this.requireCertificate = requireCertificate;
            return this;
        }

        /** A password file with these users (user name to password). */
        public Builder users(Map<String, String> users) {
            this.users = new LinkedHashMap<>(users);
            return this;
        }

        public Builder allowAnonymous(boolean allowAnonymous) {
            this.allowAnonymous = allowAnonymous;
            return this;
        }

        /** Lines appended after the generated ones (ACLs, use_identity_as_username, ...). */
        public Builder extraConfig(String extraConfig) {
            this.extraConfig = extraConfig;
            return this;
        }

        public MosquittoBroker start() {
            try {
                Path dir = Files.createTempDirectory("mosquitto");
                StringBuilder config = new StringBuilder("allow_anonymous " + allowAnonymous + "\n");
                if (pki != null) {
                    config.append("cafile ").append(pki.caCertificate()).append('\n')
                            .append("certfile ").append(pki.server().certificate()).append('\n')
                            .append("keyfile ").append(pki.server().privateKey()).append('\n')
                            .append("require_certificate ").append(requireCertificate).append('\n');
                }
                if (users != null) {
                    config.append("password_file ").append(writePasswordFile(dir, users)).append('\n');
                }
                config.append(extraConfig);
                return FreePorts.startOnFreePort(port -> new MosquittoBroker(dir, port, config.toString(), pki != null)
                        .started());
            } catch (IOException e) {
                throw new UncheckedIOException("could not prepare a Mosquitto directory", e);
            }
        }
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

    /**
     * Waits until the broker has saved everything it holds now (sessions, subscriptions, queued
     * messages) to its persistence file, so that they survive a {@link #crash()}. The autosave runs
     * every two seconds (Mosquitto saves once more than {@code autosave_interval} whole seconds have
     * passed) and logs as it begins; a save that began after this call has ended once the next one
     * begins.
     */
    public void awaitSaved(Duration timeout) {
        Path logFile = dir.resolve("mosquitto.log");
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            long from = Files.size(logFile);
            while (savesSince(logFile, from) < 2) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("mosquitto did not save its state twice within " + timeout + ": "
                            + log());
                }
                Thread.sleep(50);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the Mosquitto log", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for mosquitto to save", e);
        }
    }

    private static int savesSince(Path logFile, long from) throws IOException {
        byte[] log = Files.readAllBytes(logFile);
        String since = new String(log, (int) Math.min(from, log.length), (int) Math.max(0, log.length - from),
                java.nio.charset.StandardCharsets.UTF_8);
        return since.split("Saving in-memory database", -1).length - 1;
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

    /** This broker, launched; stopped again when it did not start. */
    private MosquittoBroker started() {
        try {
            launch();
            return this;
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    private void launch() {
        String binary = binary("mosquitto");
        try {
            Path conf = dir.resolve("mosquitto.conf");
            Path logFile = dir.resolve("mosquitto.log");
            long logged = Files.exists(logFile) ? Files.size(logFile) : 0;
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
            awaitListening(logFile, logged, Duration.ofSeconds(10));
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + binary, e);
        }
    }

    /**
     * Until the broker says it is running (after it bound its listener: when it cannot, it exits)
     * and takes a connection. The log is read from {@code logged} on: a restart appends to it.
     */
    private void awaitListening(Path logFile, long logged, Duration timeout) throws IOException {
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
        return new String(log, (int) Math.min(logged, log.length), (int) Math.max(0, log.length - logged),
                java.nio.charset.StandardCharsets.UTF_8).contains(" running");
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

    /** A loopback port that was free a moment ago, e.g. for a client that should find no broker there. */
    public static int freePort() {
        return FreePorts.freePort();
    }
}
