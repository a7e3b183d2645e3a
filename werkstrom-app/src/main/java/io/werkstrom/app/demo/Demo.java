package io.werkstrom.app.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.analytics.predict.PartQualityModel;
import io.werkstrom.app.cli.WorkDirectory;
import io.werkstrom.app.embedded.EmbeddedBroker;
import io.werkstrom.app.embedded.EmbeddedDatabase;
import io.werkstrom.app.embedded.LocalJobs;
import io.werkstrom.app.report.Report;
import io.werkstrom.app.report.ReportData;
import io.werkstrom.app.train.FleetTrainer;
import io.werkstrom.app.train.MultivariateFleetTrainer;
import io.werkstrom.app.train.MultivariateTrainCommand;
import io.werkstrom.app.train.SimulatedHistory;
import io.werkstrom.gateway.Gateway;
import io.werkstrom.gateway.GatewayOptions;
import io.werkstrom.gateway.GatewayStats;
import io.werkstrom.gateway.collect.SimulatorCollector;
import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.gateway.sim.FaultPlan;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.jobs.detect.MultivariateFleetModel;
import io.werkstrom.jobs.detect.MultivariateOptions;
import io.werkstrom.jobs.job.TelemetryJob;
import io.werkstrom.jobs.job.TelemetryJobOptions;
import io.werkstrom.jobs.predict.ModelRegistry;
import io.werkstrom.jobs.storage.MigrationReport;
import io.werkstrom.jobs.storage.ModelCatalog;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;

/**
 * The whole pipeline on embedded defaults: an MQTT broker (HiveMQ CE) and a PostgreSQL server in
 * this process, the telemetry job on a Flink MiniCluster, and simulated gateways publishing for a
 * fixed time. Progress goes to the given stream; the result is counted in the database. A stop
 * request (Ctrl-C, see {@code StopSignal}) ends the run early: gateways stopped, job cancelled, the
 * figures known so far returned as an interrupted result, the work folder deleted.
 */
public final class Demo {

    static final String TENANT = "demo";
    static final String SITE = "plant-1";
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(2);
    /** The drain ends when everything is stored, or when nothing more was stored for this long. */
    private static final Duration DRAIN_STALL = Duration.ofSeconds(30);

    /** How often the loops look at the stop request while the gateways publish and the job drains. */
    private static final Duration STOP_CHECK = Duration.ofMillis(200);

    private final DemoOptions options;
    private final PrintStream progress;
    private final BooleanSupplier stopRequested;
    private long startedNanos;
    private Instant startedAt;
    /** What the gateways had published when last looked at, for a run whose counting a stop cut short. */
    private long publishedSoFar;

    public Demo(DemoOptions options, PrintStream progress) {
        this(options, progress, () -> false);
    }

    /** @param stopRequested true once the run is to end early (a signal); polled, never blocking */
    public Demo(DemoOptions options, PrintStream progress, BooleanSupplier stopRequested) {
        this.options = options;
        this.progress = progress;
        this.stopRequested = stopRequested;
    }

    public DemoResult run() throws Exception {
        startedNanos = System.nanoTime();
        startedAt = Instant.now();
        Path work = Files.createTempDirectory("werkstrom-demo");
        try {
            DemoResult result;
            try {
                result = run(work);
            } catch (Interrupted e) {
                result = DemoResult.interrupted(seconds(startedNanos), 0, e.storage, e.backend);
            } catch (Exception e) {
                if (!stopRequested.getAsBoolean()) {
                    throw e;
                }
                // Under a signal the JVM's shutdown hooks stop libraries too: the error is the stop's.
                result = DemoResult.interrupted(seconds(startedNanos), publishedSoFar, null, null);
            }
            if (result.interrupted()) {
                say(String.format(Locale.ROOT, "demo interrupted after %.0fs", seconds(startedNanos)));
            }
            return result;
        } finally {
            WorkDirectory.delete(work);
        }
    }

    /** A stop request before the gateways started, with what was known by then. */
    private static final class Interrupted extends Exception {
        private static final long serialVersionUID = 1L;
        final transient String storage;
        final transient String backend;

        Interrupted(String storage, String backend) {
            super("interrupted", null, false, false);
            this.storage = storage;
            this.backend = backend;
        }
    }

    private void stopIfRequested(String storage, String backend) throws Interrupted {
        if (stopRequested.getAsBoolean()) {
            throw new Interrupted(storage, backend);
        }
    }

    private DemoResult run(Path work) throws Exception {
        say("starting the embedded MQTT broker (HiveMQ CE)...");
        try (EmbeddedBroker broker = EmbeddedBroker.start(work.resolve("broker"), 0)) {
            stopIfRequested(null, null);
            say("starting the embedded PostgreSQL...");
            try (EmbeddedDatabase database = EmbeddedDatabase.start(work.resolve("postgres"))) {
                stopIfRequested(null, null);
                StoreOptions store = new StoreOptions(database.jdbcUrl(), EmbeddedDatabase.USER, database.password());
                MigrationReport migration = SchemaMigrator.apply(store);
                say(migration.describe());
                addDemoAlertRule(store);
                String backend = backendName();
                String storage = migration.flavor().name().toLowerCase(Locale.ROOT);
                stopIfRequested(storage, backend);
                TelemetryJobOptions jobOptions = TelemetryJobOptions.builder()
                        .mqttUri(broker.uri())
                        .store(store)
                        .parallelism(options.parallelism())
                        .checkpointInterval(Duration.ofSeconds(1))
                        .build();
                TelemetryJob.provisionReaderSessions(jobOptions);
                trainFleetModel(store);
                stopIfRequested(storage, backend);
                trainMultivariateFleetModel(store, jobOptions.multivariate());
                stopIfRequested(storage, backend);
                return runPipeline(broker, store, jobOptions, migration, backend, work);
            }
        }
    }

    private DemoResult runPipeline(EmbeddedBroker broker, StoreOptions store, TelemetryJobOptions jobOptions,
                                   MigrationReport migration, String backend, Path work) throws Exception {
        say("starting the telemetry job on a Flink MiniCluster (parallelism " + options.parallelism() + ")...");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
                options.parallelism(), LocalJobs.clusterConfiguration(options.parallelism()));
        TelemetryJob.define(env, jobOptions);
        JobClient job = env.executeAsync(TelemetryJob.JOB_NAME);
        List<Gateway> gateways = new ArrayList<>();
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password())) {
            say(String.format(Locale.ROOT, "publishing from %d gateway(s), %d machine(s), %s samples/s per sensor, for %ss%s",
                    options.gateways(), options.machines(), trim(options.samplesPerSecond()),
                    options.duration().toMillis() / 1000.0, options.faults() ? ", with injected faults" : ""));
            long started = System.nanoTime();
            for (int g = 0; g < options.gateways(); g++) {
                Gateway gateway = new Gateway(gatewayOptions(broker, g, work), new SimulatorCollector(simulatorOptions(g)));
                gateways.add(gateway);
                gateway.start();
            }
            long deadline = started + options.duration().toNanos();
            long nextReport = started + PROGRESS_EVERY.toNanos();
            boolean interrupted = false;
            while (System.nanoTime() < deadline && !(interrupted = stopRequested.getAsBoolean())) {
                LocalJobs.sleepUntil(Math.min(Math.min(deadline, nextReport), System.nanoTime() + STOP_CHECK.toNanos()));
                if (System.nanoTime() >= Math.min(deadline, nextReport)) {
                    LocalJobs.failIfStopped(job);
                    publishedSoFar = acknowledged(gateways);
                    report(started, publishedSoFar, db);
                    nextReport += PROGRESS_EVERY.toNanos();
                }
            }
            long published = 0;
            for (Gateway gateway : gateways) {
                GatewayStats stats = gateway.stop();
                published += stats.samplesAcknowledged();
                if (!stats.allAcknowledged()) {
                    say("warning: gateway " + gateway.address() + " stopped with unacknowledged batches: " + stats);
                }
            }
            publishedSoFar = published;
            if (interrupted || stopRequested.getAsBoolean()) {
                return interruptedResult(db, published, started, migration, backend);
            }
            say("gateways stopped; " + published + " samples acknowledged by the broker; waiting for the job to store them...");
            long ledgered = ledgerRows(db);
            long lastProgress = System.nanoTime();
            long lastReport = lastProgress;
            while (ledgered < published && System.nanoTime() - lastProgress < DRAIN_STALL.toNanos()) {
                if (stopRequested.getAsBoolean()) {
                    return interruptedResult(db, published, started, migration, backend);
                }
                LocalJobs.sleepUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(250));
                LocalJobs.failIfStopped(job);
                long now = ledgerRows(db);
                if (now > ledgered) {
                    lastProgress = System.nanoTime();
                }
                ledgered = now;
                if (System.nanoTime() - lastReport > PROGRESS_EVERY.toNanos()) {
                    report(started, published, db);
                    lastReport = System.nanoTime();
                }
            }
            double elapsed = (System.nanoTime() - started) / 1e9;
            report(started, published, db);
            long stored = LocalJobs.count(db, "SELECT count(*) FROM telemetry");
            long dropped = broker.droppedMessages();
            if (dropped > 0) {
                say("warning: the broker dropped " + dropped + " messages (its queue was full); they never reached the job");
            }
            if (published == 0) {
                say("warning: the broker acknowledged no sample of the gateways; the run checked nothing");
            }
            if (stored < published) {
                say("warning: " + (published - stored) + " acknowledged samples were not stored; nothing more arrived for "
                        + DRAIN_STALL.toSeconds() + "s");
            }
            DemoResult counted = new DemoResult(published, stored, LocalJobs.count(db, "SELECT count(*) FROM dead_letters"),
                    LocalJobs.count(db, "SELECT count(*) FROM anomalies"), options.duration().toMillis() / 1000.0,
                    stored / elapsed, migration.flavor().name().toLowerCase(Locale.ROOT), backend,
                    LocalJobs.count(db, "SELECT count(*) FROM quality_predictions"),
                    scrap(db, "SELECT avg(probability) FROM quality_predictions WHERE actual_scrap IS NOT NULL"),
                    scrap(db, "SELECT avg(CASE WHEN actual_scrap THEN 1.0 ELSE 0.0 END) FROM quality_predictions"
                            + " WHERE actual_scrap IS NOT NULL"),
                    LocalJobs.count(db, "SELECT count(*) FROM alerts"), null,
                    // a fleet model carries its own method, which may differ from the job's option
                    LocalJobs.count(db, "SELECT count(*) FROM anomalies WHERE detector IN ('mset', 'pca')"), false);
            // Last, and never fatal: a report that cannot be written must not cost the run's figures.
            return counted.withReport(writeReport(db, elapsed));
        } finally {
            for (Gateway gateway : gateways) {
                gateway.close();
            }
            LocalJobs.cancelQuietly(job);
        }
    }

    /**
     * The demo's machines are new: a fleet model trained on simulated history of machines of the
     * same type covers them from their first cycle, as it would a machine added to a real fleet.
     */
    private void trainFleetModel(StoreOptions store) throws SQLException {
        say("training the part-quality fleet model on 90 minutes of simulated history of 12 machines...");
        FleetTrainer.Result fleet = FleetTrainer.train(SimulatedHistory.simulate(12, Duration.ofMinutes(90),
                options.samplesPerSecond(), 42));
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password())) {
            int version = ModelCatalog.publish(db, TENANT, ModelRegistry.PART_SCRAP, ModelCatalog.DEFAULT_TYPE,
                    PartQualityModel.KIND, fleet.cycles(), fleet.metricsJson(), fleet.model().toBytes());
            say(String.format(Locale.ROOT, "fleet model version %d: %d cycles, scrap %.1f %%, held-out PR-AUC %.2f,"
                    + " Brier %.4f (base rate %.4f)", version, fleet.cycles(), 100 * fleet.scrapRate(),
                    fleet.holdoutPrAuc(), fleet.holdoutBrier(), fleet.baselineBrier()));
        }
    }

    /**
     * The demo's machines are new: a multivariate fleet model fitted on the normal operation of
     * simulated machines of the same type scores them from their first state, instead of each
     * waiting for its own first 5 minutes. Its states are assembled with the job's bucket and
     * carry-forward ({@code multivariate}), so that the job uses it.
     */
    private void trainMultivariateFleetModel(StoreOptions store, MultivariateOptions multivariate)
            throws SQLException {
        if (!multivariate.enabled()) {
            return;
        }
        MultivariateOptions.Method method = multivariate.method();
        say(String.format(Locale.ROOT, "training the multivariate fleet model (%s) on %d minutes of normal operation"
                + " of %d simulated machines...", method.optionValue(),
                MultivariateTrainCommand.SIMULATED_DURATION.toMinutes(), MultivariateTrainCommand.SIMULATED_MACHINES));
        long started = System.nanoTime();
        MultivariateFleetTrainer.Result fleet = MultivariateTrainCommand.train(SimulatedHistory.normalOperation(
                MultivariateTrainCommand.SIMULATED_MACHINES, MultivariateTrainCommand.SIMULATED_DURATION,
                options.samplesPerSecond(), MultivariateTrainCommand.SEED, multivariate), multivariate, line -> { });
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password())) {
            int version = ModelCatalog.publish(db, TENANT, MultivariateFleetModel.NAME, ModelCatalog.DEFAULT_TYPE,
                    fleet.model().kind(), fleet.states(), fleet.metricsJson(), fleet.model().toBytes());
            say(String.format(Locale.ROOT, "multivariate fleet model version %d: sensors %s, %,d states of %d machines;"
                    + " on %d held-out machines %.2f %% of states beyond the limit, %.1f alarms per hour (%.1f s)",
                    version, fleet.sensors(), fleet.states(), fleet.machines(), fleet.holdoutMachines(),
                    100 * fleet.holdoutExceedance(), fleet.holdoutAlarmsPerHour(), (System.nanoTime() - started) / 1e9));
        }
    }

    /**
     * The figures of a run interrupted while publishing or draining, counted as far as the database
     * still answers (the JVM's shutdown hooks may have stopped it); no report.
     */
    private DemoResult interruptedResult(Connection db, long published, long started, MigrationReport migration,
                                         String backend) {
        double elapsed = seconds(started);
        long stored = countOrUnknown(db, "SELECT coalesce(sum(rows), 0) FROM batch_ledger");
        return new DemoResult(published, stored, countOrUnknown(db, "SELECT count(*) FROM dead_letters"),
                countOrUnknown(db, "SELECT count(*) FROM anomalies"), elapsed, stored / Math.max(elapsed, 1e-3),
                migration.flavor().name().toLowerCase(Locale.ROOT), backend,
                countOrUnknown(db, "SELECT count(*) FROM quality_predictions"), Double.NaN, Double.NaN,
                countOrUnknown(db, "SELECT count(*) FROM alerts"), null,
                countOrUnknown(db, "SELECT count(*) FROM anomalies WHERE detector IN ('mset', 'pca')"), true);
    }

    private static long countOrUnknown(Connection db, String sql) {
        try {
            return LocalJobs.count(db, sql);
        } catch (SQLException e) {
            return DemoResult.UNKNOWN;
        }
    }

    /**
     * The report of the whole run, with a minute of margin for samples stamped before the job started;
     * its path, or null, with a warning, when it could not be written.
     */
    private String writeReport(Connection db, double elapsedSeconds) {
        Path report = options.report().toAbsolutePath();
        ReportFile.overwriteWarning(report, startedAt).ifPresent(this::say);
        Duration range = Duration.ofSeconds((long) Math.ceil(elapsedSeconds) + 60);
        try {
            ReportData data = Report.write(db, range, Optional.empty(), Report.DEFAULT_MAX_MACHINES, report,
                    Clock.systemUTC());
            say("report of the run (" + data.series().size() + " signal charts, " + data.anomalies().size()
                    + " anomalies marked): " + report);
            return report.toString();
        } catch (SQLException | IOException | RuntimeException e) {
            say("warning: the report could not be written to " + report + " (" + e + "); the run's figures follow");
            return null;
        }
    }

    /** One alert rule, so that the injected faults open alerts: anomalies, quiet for 30 s to resolve. */
    private static void addDemoAlertRule(StoreOptions store) throws SQLException {
        try (Connection db = DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
             Statement statement = db.createStatement()) {
            statement.executeUpdate("INSERT INTO alert_rules (tenant, rule_id, version, kind, clear_hold_s, description)"
                    + " VALUES ('" + TENANT + "', 'anomalies', 1, 'anomaly', 30, 'demo: every anomaly opens an alert')"
                    + " ON CONFLICT DO NOTHING");
        }
    }

    private GatewayOptions gatewayOptions(EmbeddedBroker broker, int index, Path work) {
        GatewayAddress address = new GatewayAddress(TENANT, SITE, "gw-" + line(index));
        return GatewayOptions.builder()
                .publisher(PublisherOptions.builder().brokerUri(broker.uri()).address(address).build())
                .spoolDirectory(work.resolve("spool").resolve(address.gateway()))
                .build();
    }

    private static String line(int index) {
        return String.format(Locale.ROOT, "l%02d", index + 1);
    }

    private SimulatorOptions simulatorOptions(int index) {
        String line = line(index);
        int machines = Math.min(DemoOptions.MACHINES_PER_GATEWAY, options.machines() - index * DemoOptions.MACHINES_PER_GATEWAY);
        SimulatorOptions.Builder simulator = SimulatorOptions.builder()
                .machines(machines)
                .machineIdPrefix(line + "-m-")
                .samplesPerSecondPerSensor(options.samplesPerSecond())
                .seed(42L + index);
        SimulatorOptions built = simulator.build();
        simulator.faultPlan(options.faults() ? FaultPlan.demo(built.machineIds()) : FaultPlan.none());
        return simulator.build();
    }

    private void report(long started, long published, Connection db) throws SQLException {
        double seconds = (System.nanoTime() - started) / 1e9;
        long stored = ledgerRows(db);
        say(String.format(Locale.ROOT, "[%5.1fs] published %,d  stored %,d  anomalies %,d  predictions %,d  dead letters %,d"
                + "  (%,.0f samples/s stored)", seconds, published, stored, LocalJobs.count(db, "SELECT count(*) FROM anomalies"),
                LocalJobs.count(db, "SELECT count(*) FROM quality_predictions"),
                LocalJobs.count(db, "SELECT count(*) FROM dead_letters"), stored / Math.max(seconds, 1e-3)));
    }

    private static long acknowledged(List<Gateway> gateways) {
        return gateways.stream().mapToLong(g -> g.stats().samplesAcknowledged()).sum();
    }

    /** Rows the job has committed, read from the batch ledger (written in the same transaction as the rows). */
    private static long ledgerRows(Connection db) throws SQLException {
        return LocalJobs.count(db, "SELECT coalesce(sum(rows), 0) FROM batch_ledger");
    }

    private static double scrap(Connection db, String sql) throws SQLException {
        try (Statement statement = db.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            double value = rows.getDouble(1);
            return rows.wasNull() ? Double.NaN : value;
        }
    }

    private static String backendName() {
        try (KernelBackend backend = KernelBackends.select(KernelBackends.AUTO)) {
            return backend.name();
        }
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    private void say(String line) {
        progress.println(line);
        progress.flush();
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
