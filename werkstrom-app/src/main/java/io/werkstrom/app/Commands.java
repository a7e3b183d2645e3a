package io.werkstrom.app;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.analytics.eval.anomaly.AnomalyEvaluation;
import io.werkstrom.analytics.eval.quality.QualityEvaluation;
import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.StopSignal;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.app.demo.Demo;
import io.werkstrom.app.demo.DemoOptions;
import io.werkstrom.app.demo.DemoResult;
import io.werkstrom.app.demo.ReportFile;
import io.werkstrom.gateway.Gateway;
import io.werkstrom.gateway.GatewayOptions;
import io.werkstrom.gateway.GatewayStats;
import io.werkstrom.gateway.collect.SimulatorCollector;
import io.werkstrom.gateway.config.ByteSize;
import io.werkstrom.gateway.publish.PublisherOptions;
import io.werkstrom.gateway.sim.FaultPlan;
import io.werkstrom.gateway.sim.SimulatorOptions;
import io.werkstrom.gateway.spool.SpoolOptions.FsyncPolicy;
import io.werkstrom.gateway.wire.WireSizeReport;
import io.werkstrom.jobs.job.TelemetryJob;
import io.werkstrom.jobs.job.TelemetryJobOptions;
import io.werkstrom.jobs.storage.MigrationReport;
import io.werkstrom.jobs.storage.SchemaMigrator;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;

/** The launcher's commands; each parses its own options and returns an exit code. */
final class Commands {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Commands() {
    }

    static int demo(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse("demo", argv, Set.of("machines", "duration", "rate", "parallelism", "report"),
                Set.of("no-faults"));
        DemoOptions options;
        try {
            options = new DemoOptions(
                    args.positiveInt("machines", DemoOptions.DEFAULT_MACHINES),
                    args.duration("duration", DemoOptions.DEFAULT_DURATION),
                    args.positiveDouble("rate", DemoOptions.DEFAULT_RATE),
                    !args.flag("no-faults"),
                    args.positiveInt("parallelism", 1),
                    Path.of(args.string("report", DemoOptions.DEFAULT_REPORT.toString())));
            ReportFile.prepare(options.report());
        } catch (IllegalArgumentException e) {
            throw new UsageException("demo: --" + e.getMessage());
        }
        // Ctrl-C: the run stops its gateways and job, and prints what it counted, before the JVM exits.
        try (StopSignal stop = StopSignal.install("demo", Duration.ofSeconds(90))) {
            DemoResult result = new Demo(options, err, stop::stopped).run();
            out.println(result.toJson());
            out.flush();
            return result.exitCode();
        }
    }

    /** Runs the telemetry job (migrating first) in this process; its arguments are the job's own. */
    static int job(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        // --help and -h anywhere are answered before dispatch (Werkstrom.usage).
        if (argv.equals(List.of("help"))) {
            out.println(TelemetryJobOptions.usage());
            return 0;
        }
        try {
            TelemetryJob.main(argv.toArray(String[]::new));
        } catch (IllegalArgumentException e) {
            throw new UsageException("job: " + e.getMessage());
        }
        return 0;
    }

    static int migrate(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse("migrate", argv, Set.of("jdbc-url", "user", "password-file"), Set.of());
        StoreOptions store;
        try {
            store = new StoreOptions(args.required("jdbc-url"), args.string("user", "postgres"),
                    Secrets.fromFileOrEnv(args.string("password-file", null), "WERKSTROM_DB_PASSWORD"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("migrate: " + e.getMessage());
        }
        MigrationReport report = SchemaMigrator.apply(store);
        err.println(report.describe());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("flavor", report.flavor().name().toLowerCase(Locale.ROOT));
        json.put("postgres_version", report.postgresVersion());
        json.put("timescaledb_version", report.timescaledbVersion());
        out.println(JSON.writeValueAsString(json));
        return 0;
    }

    static int gateway(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse("gateway", argv,
                Set.of("broker", "tenant", "site", "gateway", "machines", "rate", "duration", "username", "password-file",
                        "seed", "start", "spool-dir", "spool-max-bytes", "fsync", "http-port", "http-host", "config"),
                Set.of("no-faults"));
        if (args.string("config", null) != null) {
            // The file describes the whole gateway: an option beside it would be silently ignored.
            List<String> beside = args.given().stream().filter(k -> !k.equals("config") && !k.equals("duration"))
                    .map(k -> "--" + k).toList();
            if (!beside.isEmpty()) {
                throw new UsageException("gateway: " + String.join(", ", beside) + " cannot go with --config (only"
                        + " --duration can); set it in the configuration file (e.g. metrics.host for --http-host)");
            }
            return io.werkstrom.app.gateway.ConfiguredGateway.run(java.nio.file.Path.of(args.string("config", null)),
                    args.duration("duration", null), out, err);
        }
        GatewayAddress address;
        GatewayOptions options;
        SimulatorOptions simulated;
        try {
            address = new GatewayAddress(args.required("tenant"), args.string("site", "site-1"), args.required("gateway"));
            PublisherOptions.Builder publisher = PublisherOptions.builder().brokerUri(args.required("broker")).address(address);
            String username = args.string("username", null);
            if (username == null && args.string("password-file", null) != null) {
                throw new UsageException("gateway: --password-file needs --username (without it the gateway would"
                        + " connect anonymously)");
            }
            if (username != null) {
                publisher.username(username)
                        .password(Secrets.fromFileOrEnv(args.string("password-file", null), "WERKSTROM_MQTT_PASSWORD").toCharArray());
            }
            SimulatorOptions.Builder simulator = SimulatorOptions.builder()
                    .machines(args.positiveInt("machines", 4))
                    .samplesPerSecondPerSensor(args.positiveDouble("rate", 10));
            if (args.string("seed", null) != null) {
                simulator.seed(parseLong("seed", args.string("seed", null)));
            }
            if (args.string("start", null) != null) {
                simulator.start(parseInstant("start", args.string("start", null)));
            }
            SimulatorOptions built = simulator.build();
            simulator.faultPlan(args.flag("no-faults") ? FaultPlan.none() : FaultPlan.demo(built.machineIds()));
            simulated = simulator.build();
            Path spoolDir = Path.of(args.string("spool-dir",
                    "spool/" + address.tenant() + "/" + address.site() + "/" + address.gateway()));
            GatewayOptions.Builder gateway = GatewayOptions.builder().publisher(publisher.build()).spoolDirectory(spoolDir)
                    .httpPort(port("http-port", args.string("http-port", "0")))
                    .httpHost(args.string("http-host", null));
            if (args.string("spool-max-bytes", null) != null) {
                gateway.spoolMaxBytes(parseBytes("spool-max-bytes", args.string("spool-max-bytes", null)));
            }
            if (args.string("fsync", null) != null) {
                gateway.fsyncPolicy(parseFsync(args.string("fsync", null)));
            }
            options = gateway.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException("gateway: " + e.getMessage());
        }
        Duration duration = args.duration("duration", null);
        // The drain, then the report, before the JVM exits on Ctrl-C.
        Duration grace = io.werkstrom.app.gateway.ConfiguredGateway.stopGrace(options.drainTimeout());
        try (StopSignal stop = StopSignal.install("gateway", grace);
             Gateway gateway = new Gateway(options, new SimulatorCollector(simulated))) {
            io.werkstrom.app.gateway.ConfiguredGateway.start(gateway);
            err.println("gateway " + address + " publishing to " + args.required("broker") + ", spooling in "
                    + options.spool().directory()
                    + (options.httpPort() > 0 ? ", /metrics and /health on " + options.httpHost().map(h -> h + ":")
                            .orElse("port ") + options.httpPort() : "")
                    + (duration == null ? ", until stopped (Ctrl-C)" : ", for " + duration.toSeconds() + "s"));
            // An Error that stopped the gateway (see Gateway.failure()) ends the wait as a stop signal does.
            long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
            while (!stop.await(Duration.ofMillis(200)) && System.nanoTime() < deadline && gateway.failure().isEmpty()) {
                // waiting
            }
            GatewayStats stats = gateway.stop();
            io.werkstrom.app.gateway.ConfiguredGateway.throwFailure(gateway);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("samples_generated", stats.samplesCollected());
            json.put("samples_acknowledged", stats.samplesAcknowledged());
            json.put("batches_acknowledged", stats.batchesAcknowledged());
            json.put("batches_pending", stats.spoolRecords());
            json.put("dropped_batches", stats.droppedBatches());
            // Collected but never written to the spool (a spool that refused them until the stop): lost.
            json.put("samples_not_spooled", gateway.samplesNotSpooled());
            json.put("reconnects", stats.reconnects());
            // null, not Long.MIN_VALUE, when the spool never held a sample (a --start still ahead)
            long lastSpooled = gateway.lastSpooledMicros();
            json.put("last_spooled_micros", lastSpooled == Long.MIN_VALUE ? null : lastSpooled);
            out.println(JSON.writeValueAsString(json));
            out.flush();
            return stats.allAcknowledged() ? 0 : 1;
        }
    }

    private static int port(String key, String value) {
        long port = parseLong(key, value);
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException(key + " must be a port from 0 to 65535, got " + value + ".");
        }
        return (int) port;
    }

    private static long parseLong(String key, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, got '" + value + "'.", e);
        }
    }

    private static Instant parseInstant(String key, String value) {
        try {
            return Instant.parse(value.trim());
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(key + " must be an ISO-8601 instant such as 2026-11-28T10:00:00Z, got '"
                    + value + "'.", e);
        }
    }

    /** A size as the configuration file takes it ({@link ByteSize}: {@code 256m}, {@code 256MiB}, {@code 300MB}). */
    static long parseBytes(String key, String value) {
        long bytes;
        try {
            bytes = ByteSize.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " must be a positive number of bytes: " + e.getMessage() + ".", e);
        }
        if (bytes <= 0) {
            throw new IllegalArgumentException(key + " must be a positive number of bytes, got '" + value + "'.");
        }
        return bytes;
    }

    private static FsyncPolicy parseFsync(String value) {
        try {
            return FsyncPolicy.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("fsync must be one of always, interval, never, got '" + value + "'.", e);
        }
    }

    /** The benchmark evaluations; each prints progress to stderr and its JSON metrics as the last line. */
    static int eval(List<String> argv, PrintStream out, PrintStream err) {
        String kind = argv.isEmpty() ? "" : argv.get(0);
        return switch (kind) {
            case "anomaly" -> AnomalyEvaluation.run(argv, out, err);
            case "quality" -> QualityEvaluation.run(argv, out, err);
            default -> throw new UsageException("eval: expected anomaly or quality, got '" + kind + "'");
        };
    }

    /** A large gateway's fleet; more would measure a fleet no single gateway serves. */
    static final int WIRE_SIZE_MAX_MACHINES = 1_000;
    /** Samples of one measured batch: its JSON (about 90 B each) stays under 100 MB. */
    static final int WIRE_SIZE_MAX_BATCH_SAMPLES = 1_000_000;

    static int protocol(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        if (argv.isEmpty() || !argv.get(0).equals("wire-size")) {
            throw new UsageException("protocol: expected the sub-command wire-size");
        }
        Args args = Args.parse("protocol wire-size", argv.subList(1, argv.size()),
                Set.of("machines", "rate", "batch-interval", "run"), Set.of());
        int machines = args.wholeNumber("machines", 4, 1, WIRE_SIZE_MAX_MACHINES);
        SimulatorOptions simulator;
        try {
            simulator = SimulatorOptions.builder()
                    .machines(machines)
                    .samplesPerSecondPerSensor(args.positiveDouble("rate", 10))
                    .faultPlan(FaultPlan.none())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new UsageException("protocol wire-size: --rate: " + e.getMessage());
        }
        Duration interval = args.duration("batch-interval", Duration.ofMillis(250));
        Duration run = args.duration("run", interval);
        // As the gateway allows; a longer batch (or run) would only measure the heap.
        if (interval.compareTo(GatewayOptions.MIN_BATCH_INTERVAL) < 0
                || interval.compareTo(GatewayOptions.MAX_BATCH_INTERVAL) > 0) {
            throw new UsageException("protocol wire-size: --batch-interval must be between 10ms and 60s, got "
                    + interval.toMillis() + "ms");
        }
        if (run.compareTo(Duration.ofHours(1)) > 0) {
            throw new UsageException("protocol wire-size: --run must be at most 1h, got " + run.toSeconds() + "s");
        }
        // One batch is encoded at a time, JSON as one string: bound it well below what a heap holds.
        double perBatch = simulator.samplesPerSecond() * interval.toNanos() / 1e9;
        if (perBatch > WIRE_SIZE_MAX_BATCH_SAMPLES) {
            throw new UsageException(String.format(Locale.ROOT, "protocol wire-size: --machines x --rate x"
                    + " --batch-interval gives %,.0f samples per batch, more than %,d; use fewer machines, a lower rate"
                    + " or a shorter --batch-interval", perBatch, WIRE_SIZE_MAX_BATCH_SAMPLES));
        }
        // --run averages over the consecutive batches of that span; without it, one batch is measured.
        int batches = (int) Math.max(1, run.toMillis() / Math.max(1, interval.toMillis()));
        WireSizeReport report = WireSizeReport.measure(simulator, interval, batches);
        err.println(report.describe());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("samples", report.samples());
        json.put("arrow_bytes", report.arrowBytes());
        json.put("json_bytes", report.jsonBytes());
        json.put("arrow_bytes_per_sample", Math.round(report.arrowBytesPerSample() * 10) / 10.0);
        json.put("json_bytes_per_sample", Math.round(report.jsonBytesPerSample() * 10) / 10.0);
        json.put("batches", batches);
        out.println(JSON.writeValueAsString(json));
        return 0;
    }
}
