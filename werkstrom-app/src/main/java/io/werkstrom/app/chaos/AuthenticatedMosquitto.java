package io.werkstrom.app.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Mosquitto child process on a free loopback port that admits only the given users and
 * applies a given ACL file (the shipped {@code compose/mosquitto/acl}). Passwords go into a file
 * that {@code mosquitto_passwd -U} hashes in place: no password is ever a process argument.
 *
 * <p>Owned by whoever starts it; {@link #close()} stops the process and deletes its directory.
 */
final class AuthenticatedMosquitto implements AutoCloseable {

    private static final List<String> DIRECTORIES = List.of("/usr/sbin/", "/usr/bin/", "/usr/local/sbin/", "/usr/local/bin/");

    private final Path dir;
    private final int port;
    private final Process process;

    private AuthenticatedMosquitto(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    static AuthenticatedMosquitto start(Map<String, String> passwords, Path aclFile, int maxPacketBytes)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("werkstrom-chaos-mosquitto");
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
        int port = freePort();
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, "user " + System.getProperty("user.name") + "\n"
                + "listener " + port + " 127.0.0.1\n"
                + "allow_anonymous false\n"
                + "password_file " + passwordFile + "\n"
                + "acl_file " + acl + "\n"
                + "max_packet_size " + maxPacketBytes + "\n"
                + "log_dest file " + dir.resolve("mosquitto.log") + "\n");
        Process process = new ProcessBuilder(binary("mosquitto"), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        AuthenticatedMosquitto broker = new AuthenticatedMosquitto(dir, port, process);
        broker.awaitListening();
        return broker;
    }

    String uri() {
        return "tcp://127.0.0.1:" + port;
    }

    boolean isRunning() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    String log() {
        try {
            Path log = dir.resolve("mosquitto.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("mosquitto exited with " + process.exitValue() + ": " + log());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("mosquitto did not listen on port " + port + ": " + log());
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temporary directory holds only hashed passwords
        }
    }

    private static String binary(String name) {
        return DIRECTORIES.stream().map(d -> d + name).filter(p -> Files.isExecutable(Path.of(p))).findFirst()
                .orElseThrow(() -> new IllegalStateException(name + " is not installed (looked in " + DIRECTORIES
                        + "); install the mosquitto package"));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
