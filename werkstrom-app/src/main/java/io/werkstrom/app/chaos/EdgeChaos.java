package io.werkstrom.app.chaos;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.app.Werkstrom;
import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.StopSignal;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.app.cli.WorkDirectory;
import io.werkstrom.app.embedded.EmbeddedDatabase;
import io.werkstrom.app.embedded.LocalJobs;
import io.werkstrom.gateway.sim.FactorySimulator;
import io.werkstrom.gateway.sim.FaultPlan;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.jobs.job.LocalCluster;
import io.werkstrom.jobs.job.TelemetryJob;
import io.werkstrom.jobs.job.TelemetryJobOptions;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.BatchValidator;
import io.werkstrom.protocol.TelemetryBatch;

/**
 * The edge failure drill ({@code ./werkstrom chaos edge}): a simulated gateway in its own JVM
 * publishes through a real Mosquitto into the telemetry job (Flink MiniCluster) and the embedded
 * PostgreSQL, while the broker is stopped and restarted and the gateway is killed with SIGKILL and
 * restarted on the same spool. At the end every (machine, sensor, timestamp) the simulator
 * generated, computed again here from its seed and start, is looked up in the database, and the
 * value and quality stored compared with the generated ones.
 *
 * <p>The job reads with a plain (non-shared) persistent subscription: Mosquitto 2.0 does not
 * restore shared subscriptions after a restart, and would not queue for them meanwhile.
 *
 * <p>Ctrl-C or SIGTERM aborts the drill: it notices within a second or so of its current step,
 * kills the gateway processes, stops the broker, the job and the database, deletes its work
 * directory and prints a JSON line marked {@code "aborted":true}. Runs on the calling thread.
 */
public final class EdgeChaos {

    static final String TENANT = "chaos";
    static final String SITE = "plant-1";
    static final String GATEWAY = "gw-chaos";
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
    /**
     * The drain ends when everything is stored, or when nothing more was stored for this long: longer
     * than the job's MQTT reader may need to come back after the broker does (its {@code Reconnector}
     * tries at least every 30 s and ends an attempt without an answer after two connection timeouts of
     * 10 s).
     */
    private static final Duration DRAIN_STALL = Duration.ofSeconds(75);
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * How long the JVM's exit waits, after Ctrl-C or SIGTERM, for the drill to notice (its slowest
     * steps, the database's and Flink's start, take seconds), kill its children and clean up (the
     * broker gets 15 s to save its state).
     */
    static final Duration ABORT_GRACE = Duration.ofSeconds(60);
    /** How often a wait looks for the stop signal. */
    private static final long POLL_MILLIS = 250;

    private final ChaosOptions options;
    private final PrintStream progress;
    private final DrillSteps steps;
    private final long created = System.nanoTime();
    /** The rows stored at the last count, null before the first. */
    private volatile Long lastStored;

    public EdgeChaos(ChaosOptions options, PrintStream progress) {
        this(options, progress, () -> false);
    }

    /** @param stopRequested polled during the drill; once true the drill cleans up and throws {@link DrillSteps.Aborted} */
    EdgeChaos(ChaosOptions options, PrintStream progress, BooleanSupplier stopRequested) {
        this.options = options;
        this.progress = progress;
        this.steps = new DrillSteps(stopRequested);
    }

    /** {@code chaos edge [--duration D] [--outage D] [--machines N] [--rate R] [--seed S]}: the JSON result on stdout. */
    public static int command(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        if (argv.isEmpty() || !argv.get(0).equals("edge")) {
            throw new UsageException("chaos: expected the scenario edge");
        }
        Args args = Args.parse("chaos edge", argv.subList(1, argv.size()),
                Set.of("duration", "outage", "machines", "rate", "seed"), Set.of());
        ChaosOptions options;
        try {
            options = new ChaosOptions(args.duration("duration", ChaosOptions.DEFAULT_DURATION),
                    args.duration("outage", ChaosOptions.DEFAULT_OUTAGE), args.positiveInt("machines", 4),
                    args.positiveDouble("rate", 10), args.positiveInt("seed", 42));
        } catch (IllegalArgumentException e) {
            throw new UsageException("chaos edge: --" + e.getMessage());
        }
        try (StopSignal stop = StopSignal.install("chaos-edge", ABORT_GRACE)) {
            EdgeChaos drill = new EdgeChaos(options, err, stop::stopped);
            Optional<ChaosResult> run = DrillSteps.runOrAbort(stop, drill.steps, drill::run, drill::abortedJson,
                    "gateways and broker stopped, work directory deleted", out, err);
            if (run.isEmpty()) {
                return 1;
            }
            ChaosResult result = run.get();
            err.println(result.lost() == 0 && result.duplicated() == 0
                    ? "nothing lost, nothing duplicated"
                    : result.lost() + " samples lost, " + result.duplicated() + " duplicated");
            if (result.unexpected() > 0) {
                err.println(result.unexpected() + " stored rows match no generated sample");
            }
            if (result.generatedShortBySeconds() > ChaosResult.SHORTFALL_ALLOWANCE_SECONDS) {
                err.println(String.format(Locale.ROOT, "the restarted gateway stopped %.1fs before the end of the run",
                        result.generatedShortBySeconds()));
            }
            out.println(result.toJson());
            out.flush();
            return result.passed() ? 0 : 1;
        }
    }

    /** What is known of an aborted drill: where it was, how long it ran, what the job had stored. */
    String abortedJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("aborted", true);
        json.put("phase", steps.phase());
        json.put("elapsed_s", Math.round(seconds(created) * 10) / 10.0);
        json.put("stored", lastStored);
        try {
            return JSON.writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings and numbers is always JSON", e);
        }
    }

    /** Runs the drill in a temporary directory, deleted afterwards. */
    public ChaosResult run() throws Exception {
        Path work = Files.createTempDirectory("werkstrom-chaos");
        say("work directory " + work);
        try {
            return run(work);
        } finally {
            WorkDirectory.delete(work);
        }
    }

    private ChaosResult run(Path work) throws Exception {
        steps.enter("starting the broker and the database");
        say("starting Mosquitto (persistent) and the embedded PostgreSQL...");
        try (MosquittoProcess broker = MosquittoProcess.start(work.resolve("broker"));
             EmbeddedDatabase database = EmbeddedDatabase.start(work.resolve("postgres"))) {
            say("broker pid " + broker.pid() + " on " + broker.uri());
            steps.check();
            StoreOptions store = new StoreOptions(database.jdbcUrl(), EmbeddedDatabase.USER, database.password());
            SchemaMigrator.apply(store);
            TelemetryJobOptions jobOptions = TelemetryJobOptions.builder()
                    .mqttUri(broker.uri())
                    .sharedGroup("") // a plain subscription: see the class description
                    .clientIdPrefix("werkstrom-chaos")
                    .store(store)
                    .parallelism(1)
                    .checkpointInterval(Duration.ofSeconds(1))
                    .build();
            TelemetryJob.provisionReaderSessions(jobOptions);
            steps.enter("starting the job");
            say("starting the telemetry job on a Flink MiniCluster...");
            StreamExecutionEnvironment env = LocalCluster.environment(1);
            TelemetryJob.define(env, jobOptions);
            JobClient job = env.executeAsync(TelemetryJob.JOB_NAME);
            try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password())) {
                return drill(work, broker, job, db);
            } finally {
                LocalJobs.cancelQuietly(job);
            }
        }
    }

    private ChaosResult drill(Path work, MosquittoProcess broker, JobClient job, Connection db) throws Exception {
        SimulatorOptions simulated = SimulatorOptions.builder()
                .machines(options.machines())
                .samplesPerSecondPerSensor(options.rate())
                .seed(options.seed())
                .faultPlan(FaultPlan.none())
                .start(Instant.now().truncatedTo(ChronoUnit.MICROS))
                .build();
        Path spool = work.resolve("spool");
        long started = System.nanoTime();
        say(String.format(Locale.ROOT, "gateway %s/%s/%s: %d machines at %s samples/s per sensor for %ds; broker down "
                        + "from %ds to %ds; SIGKILL at %ds, restart on the same spool %ds later",
                TENANT, SITE, GATEWAY, options.machines(), options.rate(), options.duration().toSeconds(),
                ChaosOptions.OUTAGE_START.toSeconds(), options.outageEnd().toSeconds(), options.killAt().toSeconds(),
                ChaosOptions.RESTART_PAUSE.toSeconds()));
        // The first gateway is killed long before its own duration ends.
        steps.enter("gateway publishing");
        ChildGateway first = ChildGateway.start(work, 1, broker.uri(), spool, simulated, options.duration().multipliedBy(2));
        ChildGateway second = null;
        try {
            say("gateway pid " + first.pid());
            waitUntil(started, ChaosOptions.OUTAGE_START, db, job);
            steps.enter("broker outage");
            say("stopping the broker for " + options.outage().toSeconds() + "s");
            broker.stop();
            waitUntil(started, options.outageEnd(), db, job);
            broker.start();
            say("broker restarted, pid " + broker.pid());
            steps.enter("gateway publishing after the outage");
            waitUntil(started, options.killAt(), db, job);
            first.kill();
            say("gateway killed with SIGKILL (exit " + first.exitCode() + ")");
            steps.enter("gateway restart");
            waitUntil(started, options.killAt().plus(ChaosOptions.RESTART_PAUSE), db, job);
            Duration left = options.duration().minus(elapsed(started));
            second = ChildGateway.start(work, 2, broker.uri(), spool, simulated, left);
            say("gateway restarted on its spool for the remaining " + left.toSeconds() + "s, pid " + second.pid());
            steps.enter("restarted gateway publishing");
            waitUntil(started, options.duration(), db, job);
            JsonNode report = second.awaitReport(Duration.ofSeconds(60), steps::check);
            JsonNode lastSpooledNode = report.path("last_spooled_micros");
            long lastSpooled = lastSpooledNode.isIntegralNumber() ? lastSpooledNode.asLong() : Long.MIN_VALUE;
            if (lastSpooled == Long.MIN_VALUE) {
                throw new IllegalStateException("the restarted gateway reported no last spooled sample: " + report
                        + "\n" + second.log());
            }
            say("gateway stopped: " + report);
            double shortBy = shortBySeconds(simulated.start().orElseThrow(), options.duration(), lastSpooled);
            steps.enter("drain");
            Map<Key, Reading> generated = generated(simulated, lastSpooled);
            say(generated.size() + " samples generated; waiting for the job to store them...");
            drain(db, job, generated.size(), started);
            steps.enter("comparing");
            return compare(db, generated, report, shortBy);
        } finally {
            first.kill();
            if (second != null) {
                second.kill();
            }
        }
    }

    /**
     * How many seconds before the end of the run ({@code start + duration}) the last spooled sample
     * lies; 0 when it lies at or after it. The restarted gateway should run to the end: a larger
     * shortfall than {@link ChaosResult#SHORTFALL_ALLOWANCE_SECONDS} means it stopped early, and the
     * samples it never generated would be missing from the comparison, not counted as lost.
     */
    static double shortBySeconds(Instant start, Duration duration, long lastSpooledMicros) {
        long endMicros = BatchValidator.micros(start.plus(duration));
        return Math.max(0, endMicros - lastSpooledMicros) / 1e6;
    }

    /**
     * What the simulator generated up to and including {@code lastMicros}, computed from its options
     * alone: each sample's identity with its value and quality.
     */
    static Map<Key, Reading> generated(SimulatorOptions simulated, long lastMicros) {
        FactorySimulator simulator = new FactorySimulator(simulated);
        Map<Key, Reading> samples = new HashMap<>();
        while (simulator.nextTickMicros() <= lastMicros) {
            TelemetryBatch.Builder builder = TelemetryBatch.builder(GATEWAY, 0);
            simulator.next(Math.min(lastMicros, simulator.nextTickMicros() + 10_000_000L), builder);
            TelemetryBatch batch = builder.build();
            for (int i = 0; i < batch.size(); i++) {
                samples.put(new Key(batch.machines()[i], batch.sensors()[i], batch.timestampsMicros()[i]),
                        new Reading(batch.values()[i], batch.qualities()[i]));
            }
        }
        return samples;
    }

    /**
     * Compares the stored rows with the generated samples, per (machine, sensor, timestamp): a
     * generated sample without a row is lost, each row beyond the first of a sample is a duplicate,
     * and a row is unexpected when the simulator generated no sample of its identity, or one with
     * another value or quality (a corrupted sample, which a comparison of identities alone passes).
     */
    static Comparison compare(Map<Key, Reading> generated, Iterable<Row> stored) {
        Map<Key, Integer> rows = new HashMap<>();
        long count = 0;
        long unexpected = 0;
        for (Row row : stored) {
            count++;
            rows.merge(row.key(), 1, Integer::sum);
            Reading sample = generated.get(row.key());
            if (sample == null || !sample.equals(row.reading())) {
                unexpected++;
            }
        }
        long lost = generated.keySet().stream().filter(key -> !rows.containsKey(key)).count();
        long duplicated = rows.values().stream().mapToLong(n -> n - 1).sum();
        return new Comparison(count, lost, duplicated, unexpected);
    }

    private long drain(Connection db, JobClient job, long expected, long started) throws Exception {
        long stored = storedRows(db);
        long lastProgress = System.nanoTime();
        long lastReport = lastProgress;
        while (stored < expected && System.nanoTime() - lastProgress < DRAIN_STALL.toNanos()) {
            Thread.sleep(POLL_MILLIS);
            steps.check();
            LocalJobs.failIfStopped(job);
            long now = storedRows(db);
            if (now > stored) {
                lastProgress = System.nanoTime();
            }
            stored = now;
            if (System.nanoTime() - lastReport > PROGRESS_EVERY.toNanos()) {
                say(String.format(Locale.ROOT, "[%5.1fs] draining: stored %,d of %,d", seconds(started), stored, expected));
                lastReport = System.nanoTime();
            }
        }
        if (stored < expected) {
            say("nothing more was stored for " + DRAIN_STALL.toSeconds() + "s");
        }
        return stored;
    }

    private ChaosResult compare(Connection db, Map<Key, Reading> generated, JsonNode report, double shortBy)
            throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement query = db.prepareStatement("SELECT machine, sensor, time, value, quality FROM telemetry"
                + " WHERE tenant = ? AND site = ? AND gateway = ?")) {
            query.setString(1, TENANT);
            query.setString(2, SITE);
            query.setString(3, GATEWAY);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    long micros = BatchValidator.micros(rs.getObject(3, OffsetDateTime.class).toInstant());
                    rows.add(new Row(new Key(rs.getString(1), rs.getString(2), micros),
                            new Reading(rs.getDouble(4), (byte) rs.getShort(5))));
                }
            }
        }
        Comparison comparison = compare(generated, rows);
        long dropped = report.path("dropped_batches").asLong(0);
        return new ChaosResult(generated.size(), comparison.stored(), comparison.lost(), comparison.duplicated(),
                comparison.unexpected(), dropped, options.duration().toSeconds(), options.outage().toSeconds(),
                options.killAt().toSeconds(), Math.round(shortBy * 10) / 10.0);
    }

    private void waitUntil(long started, Duration at, Connection db, JobClient job) throws Exception {
        long deadline = started + at.toNanos();
        long lastReport = System.nanoTime();
        while (System.nanoTime() < deadline) {
            Thread.sleep(Math.max(1, Math.min(POLL_MILLIS, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
            steps.check();
            if (System.nanoTime() - lastReport >= PROGRESS_EVERY.toNanos()) {
                LocalJobs.failIfStopped(job);
                say(String.format(Locale.ROOT, "[%5.1fs] stored %,d", seconds(started), storedRows(db)));
                lastReport = System.nanoTime();
            }
        }
    }

    private long storedRows(Connection db) throws SQLException {
        try (PreparedStatement query = db.prepareStatement(
                "SELECT count(*) FROM telemetry WHERE tenant = ? AND gateway = ?")) {
            query.setString(1, TENANT);
            query.setString(2, GATEWAY);
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                long stored = rs.getLong(1);
                lastStored = stored;
                return stored;
            }
        }
    }

    private static Duration elapsed(long started) {
        return Duration.ofNanos(System.nanoTime() - started);
    }

    private static double seconds(long started) {
        return (System.nanoTime() - started) / 1e9;
    }

    private void say(String line) {
        progress.println(line);
        progress.flush();
    }

    @FunctionalInterface
    private interface StopCheck {
        void run() throws DrillSteps.Aborted;
    }

    /** One sample's identity. */
    record Key(String machine, String sensor, long micros) {
    }

    /**
     * What one sample says: its value and its quality code. Values compare as {@link Double#compare}
     * does (the simulator's doubles travel and are stored unchanged), so that NaN equals NaN.
     */
    record Reading(double value, byte quality) {
    }

    /** One stored row. */
    record Row(Key key, Reading reading) {
    }

    /** The stored rows against the generated samples (see {@link #compare}). */
    record Comparison(long stored, long lost, long duplicated, long unexpected) {
    }

    /**
     * A gateway in its own JVM ({@code Werkstrom gateway ...}), so that it can be killed for real.
     * Its stdout (the JSON report) and its log go to files in the drill's directory.
     */
    private static final class ChildGateway {
        private final Process process;
        private final Path stdout;
        private final Path stderr;

        private ChildGateway(Process process, Path stdout, Path stderr) {
            this.process = process;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        static ChildGateway start(Path work, int run, String brokerUri, Path spool, SimulatorOptions simulated,
                                  Duration duration) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = new ArrayList<>(List.of(java, "-Xmx512m",
                    "-Dwerkstrom.log=" + work.resolve("gateway-" + run + ".log"),
                    "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), Werkstrom.class.getName(), "gateway",
                    "--broker", brokerUri, "--tenant", TENANT, "--site", SITE, "--gateway", GATEWAY,
                    "--machines", Integer.toString(simulated.machines()),
                    "--rate", Double.toString(simulated.samplesPerSecondPerSensor()),
                    "--seed", Long.toString(simulated.seed()),
                    "--start", simulated.start().orElseThrow().toString(),
                    "--spool-dir", spool.toString(),
                    "--duration", Math.max(1, duration.toMillis()) + "ms",
                    "--no-faults"));
            Path out = work.resolve("gateway-" + run + ".stdout");
            Path err = work.resolve("gateway-" + run + ".stderr");
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            return new ChildGateway(process, out, err);
        }

        long pid() {
            return process.pid();
        }

        /** SIGKILL: no shutdown hook runs, nothing is flushed, the broker sees no DISCONNECT. */
        void kill() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }

        int exitCode() {
            return process.isAlive() ? -1 : process.exitValue();
        }

        /**
         * Waits for the gateway to stop by itself and returns the JSON object on its last stdout line;
         * {@code check} runs between waits and may end the wait by throwing.
         */
        JsonNode awaitReport(Duration timeout, StopCheck check) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                check.run();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the restarted gateway did not stop within " + timeout + "\n" + log());
                }
            }
            List<String> lines = Files.readAllLines(stdout);
            if (lines.isEmpty()) {
                throw new IllegalStateException("the restarted gateway exited with " + process.exitValue()
                        + " and no report\n" + log());
            }
            return JSON.readTree(lines.get(lines.size() - 1));
        }

        String log() {
            try {
                return Files.readString(stderr);
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }
    }
}
