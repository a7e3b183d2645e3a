package io.werkstrom.app.chaos;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.StopSignal;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.app.cli.WorkDirectory;
import io.werkstrom.app.embedded.EmbeddedBroker;
import io.werkstrom.app.embedded.EmbeddedDatabase;
import io.werkstrom.jobs.cluster.ClusterRestClient;
import io.werkstrom.jobs.cluster.StandaloneCluster;
import io.werkstrom.jobs.cluster.StandaloneClusterOptions;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;

/**
 * {@code ./werkstrom chaos cloud}: the telemetry job jar on a standalone Flink session cluster (a
 * JobManager and two TaskManagers as separate processes on loopback), a real MQTT broker (embedded
 * HiveMQ CE) and a real PostgreSQL (embedded). Simulated gateways publish at a fixed rate; part way
 * through, one TaskManager is killed with SIGKILL; the job recovers from its last checkpoint on
 * the other. After the gateways stop and the database caught up, every sample the broker had
 * acknowledged is looked up in the database per (machine, sensor, timestamp).
 *
 * <p>Progress goes to stderr; the result ({@link CloudChaosResult#toJson()}) is the last stdout
 * line. Exit status 0 iff the broker acknowledged samples at all, nothing was lost, nothing stored
 * twice, and the job recovered at least once. The work directory is deleted after a passing run;
 * after a failed one only its cluster logs are kept (the database, broker data and the database's
 * password file go).
 *
 * <p>Ctrl-C or SIGTERM aborts the drill: within a fraction of a second of its current wait (or
 * after the step it is in) it cancels the job, stops the cluster's processes, the broker and the
 * database, deletes the work directory and prints a JSON line marked {@code "aborted":true}.
 */
public final class CloudChaos {

    static final String TENANT = "chaos";
    static final String SITE = "plant-1";
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(3);
    /**
     * How long the JVM's exit waits, after Ctrl-C or SIGTERM, for the drill to notice and stop the
     * job, the cluster's processes, the broker and the database.
     */
    static final Duration ABORT_GRACE = Duration.ofSeconds(90);

    private final CloudChaosOptions options;
    private final PrintStream progress;
    private final DrillSteps steps;
    private final long created = System.nanoTime();

    public CloudChaos(CloudChaosOptions options, PrintStream progress) {
        this(options, progress, () -> false);
    }

    /** @param stopRequested polled during the drill; once true the drill cleans up and throws {@link DrillSteps.Aborted} */
    CloudChaos(CloudChaosOptions options, PrintStream progress, BooleanSupplier stopRequested) {
        this.options = options;
        this.progress = progress;
        this.steps = new DrillSteps(stopRequested);
    }

    /** {@code chaos cloud [options]}: {@code args} start with the scenario name. */
    public static int command(List<String> args, PrintStream out, PrintStream err) throws Exception {
        if (args.isEmpty() || !args.get(0).equals("cloud")) {
            throw new UsageException("chaos: expected a scenario: cloud");
        }
        Args parsed = Args.parse("chaos cloud", args.subList(1, args.size()),
                Set.of("gateways", "rate", "rows", "duration", "kill-after", "parallelism", "drain-timeout", "job-jar"),
                Set.of());
        CloudChaosOptions options;
        try {
            Duration duration = parsed.duration("duration", CloudChaosOptions.DEFAULT_DURATION);
            options = new CloudChaosOptions(
                    parsed.positiveInt("gateways", CloudChaosOptions.DEFAULT_GATEWAYS),
                    parsed.positiveDouble("rate", CloudChaosOptions.DEFAULT_BATCHES_PER_SECOND),
                    parsed.positiveInt("rows", CloudChaosOptions.DEFAULT_ROWS_PER_BATCH),
                    duration,
                    parsed.duration("kill-after", duration.dividedBy(3)),
                    parsed.positiveInt("parallelism", CloudChaosOptions.DEFAULT_PARALLELISM),
                    parsed.duration("drain-timeout", CloudChaosOptions.DEFAULT_DRAIN_TIMEOUT),
                    parsed.string("job-jar", null) == null ? null : Path.of(parsed.string("job-jar", null)));
        } catch (IllegalArgumentException e) {
            throw new UsageException("chaos cloud: " + e.getMessage());
        }
        try (StopSignal stop = StopSignal.install("chaos-cloud", ABORT_GRACE)) {
            CloudChaos drill = new CloudChaos(options, err, stop::stopped);
            Optional<CloudChaosResult> run = DrillSteps.runOrAbort(stop, drill.steps, drill::run, drill::abortedJson,
                    "job, cluster, broker and database stopped, work directory deleted", out, err);
            if (run.isEmpty()) {
                return 1;
            }
            CloudChaosResult result = run.get();
            out.println(result.toJson());
            out.flush();
            return result.exitCode();
        }
    }

    /** What is known of an aborted drill: where it was and how long it ran. */
    String abortedJson() {
        return String.format(Locale.ROOT, "{\"aborted\":true, \"phase\":\"%s\", \"elapsed_s\":%.1f}", steps.phase(),
                (System.nanoTime() - created) / 1e9);
    }

    public CloudChaosResult run() throws Exception {
        Path jobJar = options.jobJar() != null ? options.jobJar() : findJobJar();
        if (!Files.isRegularFile(jobJar)) {
            throw new IOException("the job jar " + jobJar + " does not exist; build it with ./werkstrom build");
        }
        List<Path> classPath = StandaloneCluster.flinkClassPath(System.getProperty("java.class.path"));
        if (classPath.stream().noneMatch(jar -> jar.getFileName().toString().startsWith("flink-runtime-web"))) {
            throw new IOException("the class path holds no flink-runtime-web jar, which the cluster needs for jar uploads;"
                    + " run through ./werkstrom (its lib folder has it)");
        }
        Path work = Files.createTempDirectory("werkstrom-chaos-cloud");
        CloudChaosResult result = null;
        try {
            result = run(work, jobJar, classPath);
            return result;
        } finally {
            if (result != null && result.passed() || steps.stopRequested()) {
                WorkDirectory.delete(work);
            } else {
                // The logs explain the failure; the stopped database's files and its password file do not.
                Path logs = work.resolve("flink").resolve("log");
                WorkDirectory.deleteAllBut(work, logs);
                say("kept the cluster logs: " + logs);
            }
        }
    }

    private CloudChaosResult run(Path work, Path jobJar, List<Path> classPath) throws Exception {
        steps.enter("starting the broker and the database");
        say("starting the embedded MQTT broker (HiveMQ CE) and PostgreSQL...");
        try (EmbeddedBroker broker = EmbeddedBroker.start(work.resolve("broker"), 0);
             EmbeddedDatabase database = EmbeddedDatabase.start(work.resolve("postgres"))) {
            StoreOptions store = new StoreOptions(database.jdbcUrl(), EmbeddedDatabase.USER, database.password());
            say(SchemaMigrator.apply(store).describe());
            steps.enter("starting the cluster");
            say("starting a Flink session cluster: 1 JobManager and 2 TaskManagers as separate processes...");
            try (StandaloneCluster cluster = StandaloneCluster.start(
                    StandaloneClusterOptions.defaults(classPath, work.resolve("flink")))) {
                ClusterRestClient rest = cluster.rest();
                steps.enter("submitting the job");
                say("cluster up at " + cluster.restAddress() + "; uploading " + jobJar.getFileName() + " and running it");
                String jobId = rest.runJar(rest.uploadJar(jobJar), List.of(
                        "--mqtt.uri=" + broker.uri(),
                        "--mqtt.shared-group=chaos",
                        "--mqtt.client-id-prefix=chaos",
                        "--store.jdbc-url=" + store.jdbcUrl(),
                        "--store.user=" + store.user(),
                        "--store.password-file=" + passwordFile(work, store.password()),
                        "--parallelism=" + options.parallelism(),
                        "--checkpoint.interval=1s"));
                try {
                    awaitRunning(rest, jobId, Duration.ofSeconds(90));
                    say("job " + jobId + " is running");
                    steps.enter("gateways publishing");
                    return runScenario(cluster, rest, jobId, broker.uri(), store);
                } finally {
                    try {
                        rest.cancel(jobId);
                    } catch (IOException e) {
                        say("cancelling the job failed (the cluster stops anyway): " + e.getMessage());
                    }
                }
            }
        }
    }

    /** The database password in a file only this user can read, for the job's --store.password-file. */
    private static Path passwordFile(Path work, String password) throws IOException {
        Path file = work.resolve("db-password");
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
        return file;
    }

    private CloudChaosResult runScenario(StandaloneCluster cluster, ClusterRestClient rest, String jobId,
                                         String brokerUri, StoreOptions store) throws Exception {
        long started = System.nanoTime();
        long deadline = started + options.duration().toNanos();
        say(String.format(Locale.ROOT, "%d gateway(s) publish %s batches/s of %d samples each for %ds; SIGKILL to a"
                        + " TaskManager after %ds", options.gateways(), trim(options.batchesPerSecond()),
                options.rowsPerBatch(), options.duration().toSeconds(), options.killAfter().toSeconds()));
        List<ChaosGateway> gateways = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int g = 0; g < options.gateways(); g++) {
            ChaosGateway gateway = new ChaosGateway(brokerUri,
                    new GatewayAddress(TENANT, SITE, String.format(Locale.ROOT, "gw-%02d", g + 1)),
                    options.batchesPerSecond(), options.rowsPerBatch(), deadline);
            Thread thread = new Thread(gateway, "chaos-" + gateway.address().gateway());
            thread.setDaemon(true);
            gateways.add(gateway);
            threads.add(thread);
            thread.start();
        }
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password())) {
            long killAt = started + options.killAfter().toNanos();
            boolean killed = false;
            long nextReport = started;
            while (System.nanoTime() < deadline) {
                steps.check();
                if (!killed && System.nanoTime() >= killAt) {
                    int index = cluster.taskManagerRunning(jobId);
                    if (index < 0) {
                        throw new IllegalStateException("no TaskManager runs the job, there is none to kill");
                    }
                    say("SIGKILL to TaskManager " + index + " (pid " + cluster.taskManagers().get(index).pid()
                            + "), which runs subtasks of the job");
                    int status = cluster.killTaskManager(index);
                    say("TaskManager " + index + " is gone (exit status " + status
                            + "); the job recovers from its last checkpoint on the other one");
                    killed = true;
                }
                if (System.nanoTime() >= nextReport) {
                    report(started, acknowledged(gateways), db, rest, jobId);
                    nextReport += PROGRESS_EVERY.toNanos();
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
            for (int i = 0; i < threads.size(); i++) {
                Thread thread = threads.get(i);
                long joinBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
                while (thread.isAlive() && System.nanoTime() < joinBy) {
                    thread.join(250);
                    steps.check();
                }
                if (thread.isAlive()) {
                    // Its acknowledged samples may only be read once it ended; a tally without them
                    // would count what it still publishes as unexpected, or miss what it sent.
                    thread.interrupt();
                    throw new IllegalStateException("gateway " + gateways.get(i).address()
                            + " did not stop within 45 s of the end of the run");
                }
            }
            steps.enter("drain");
            SampleTally tally = new SampleTally();
            for (ChaosGateway gateway : gateways) {
                if (gateway.failure() != null) {
                    say("warning: gateway " + gateway.address() + " stopped early: " + gateway.failure());
                }
                gateway.acknowledged().forEach(tally::acknowledged);
            }
            say("gateways stopped; " + tally.generated() + " samples acknowledged by the broker; draining...");
            drain(db, tally.generated(), started, rest, jobId);
            long recoveries = awaitRestarts(rest, jobId);
            countStored(db, tally);
            return new CloudChaosResult(tally.generated(), tally.storedRows(), tally.lost(), tally.duplicated(), recoveries);
        }
    }

    /** Waits until the ledger holds as many rows as were acknowledged (or more), or the drain timeout passed. */
    private void drain(Connection db, long acknowledged, long started, ClusterRestClient rest, String jobId)
            throws Exception {
        long deadline = System.nanoTime() + options.drainTimeout().toNanos();
        long nextReport = System.nanoTime() + PROGRESS_EVERY.toNanos();
        while (ledgerRows(db) < acknowledged && System.nanoTime() < deadline) {
            steps.check();
            if (System.nanoTime() >= nextReport) {
                report(started, acknowledged, db, rest, jobId);
                nextReport += PROGRESS_EVERY.toNanos();
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
        report(started, acknowledged, db, rest, jobId);
    }

    /** The restart count reaches the REST API with the metric fetcher's next update. */
    private long awaitRestarts(ClusterRestClient rest, String jobId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long restarts = rest.restarts(jobId);
        while (restarts < 1 && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(250);
            steps.check();
            restarts = rest.restarts(jobId);
        }
        return restarts;
    }

    private static void countStored(Connection db, SampleTally tally) throws SQLException {
        try (PreparedStatement query = db.prepareStatement(
                "SELECT machine, sensor, time, count(*) FROM telemetry WHERE tenant = ? GROUP BY machine, sensor, time")) {
            query.setString(1, TENANT);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    OffsetDateTime time = rows.getObject(3, OffsetDateTime.class);
                    long micros = Math.addExact(Math.multiplyExact(time.toEpochSecond(), 1_000_000L), time.getNano() / 1_000L);
                    tally.stored(new SampleTally.SampleKey(rows.getString(1), rows.getString(2), micros), rows.getLong(4));
                }
            }
        }
    }

    private void report(long started, long acknowledged, Connection db, ClusterRestClient rest, String jobId)
            throws SQLException {
        String state;
        String restarts;
        try {
            state = rest.jobState(jobId);
            restarts = Long.toString(rest.restarts(jobId));
        } catch (IOException e) {
            state = "unknown (" + e.getMessage() + ")";
            restarts = "?";
        }
        say(String.format(Locale.ROOT, "[%5.1fs] acknowledged %,d  stored %,d  job %s  restarts %s",
                (System.nanoTime() - started) / 1e9, acknowledged, ledgerRows(db), state, restarts));
    }

    private static long acknowledged(List<ChaosGateway> gateways) {
        return gateways.stream().mapToLong(ChaosGateway::acknowledgedCount).sum();
    }

    /** Rows the job committed, from the batch ledger (written in the same transaction as the rows). */
    private static long ledgerRows(Connection db) throws SQLException {
        try (PreparedStatement query = db.prepareStatement(
                "SELECT coalesce(sum(rows), 0) FROM batch_ledger WHERE tenant = ?")) {
            query.setString(1, TENANT);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private void awaitRunning(ClusterRestClient rest, String jobId, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!rest.allTasksRunning(jobId)) {
            String state = rest.jobState(jobId);
            if (state.equals("FAILED") || state.equals("CANCELED") || state.equals("FINISHED")) {
                throw new IllegalStateException("the job ended (" + state + ") before it ran");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the job's tasks were not all running within " + timeout + " (" + state + ")");
            }
            TimeUnit.MILLISECONDS.sleep(250);
            steps.check();
        }
    }

    private void say(String line) {
        progress.println(line);
        progress.flush();
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    /** The job jar next to this launcher's build: {@code <repo>/stream-jobs/target/stream-jobs-*-job.jar}. */
    static Path findJobJar() throws IOException {
        List<Path> roots = new ArrayList<>();
        roots.add(Path.of("").toAbsolutePath());
        roots.add(LauncherRepository.root());
        for (Path root : roots) {
            if (root == null) {
                continue;
            }
            Path target = root.resolve("stream-jobs").resolve("target");
            if (Files.isDirectory(target)) {
                try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, "stream-jobs-*-job.jar")) {
                    for (Path jar : jars) {
                        return jar;
                    }
                }
            }
        }
        throw new IOException("no stream-jobs/target/stream-jobs-*-job.jar below " + roots
                + "; build it with ./werkstrom build, or name it with --job-jar");
    }
}
