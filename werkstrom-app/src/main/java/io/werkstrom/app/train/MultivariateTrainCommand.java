package io.werkstrom.app.train;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.analytics.kernel.JavaKernelBackend;
import io.werkstrom.app.DatabaseLogin;
import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.jobs.detect.MultivariateFleetModel;
import io.werkstrom.jobs.detect.MultivariateOptions;
import io.werkstrom.jobs.storage.ModelCatalog;
import io.werkstrom.protocol.GatewayAddress;

/**
 * {@code ./werkstrom train multivariate}: trains a multivariate fleet model (MSET or PCA) for one
 * tenant and machine type on the states of normal operation of the type's machines, from the
 * telemetry in the database (or, with {@code --simulated}, from healthy simulated machines, to
 * cover a fleet before it has any history), measures it on held-out machines
 * ({@link MultivariateFleetTrainer}) and stores it as the next version of
 * {@value MultivariateFleetModel#NAME}; running jobs score every machine of the type against it from
 * the machine's first state. States are assembled with {@code --bucket} (default 1 s, the job's
 * {@code --detector.bucket} default) and the job's carry-forward (10 s); the model records both, and
 * a job assembling states otherwise does not use it. The last stdout line is a JSON object with the
 * version and the measurements.
 */
public final class MultivariateTrainCommand {

    static final String USAGE = "train multivariate --jdbc-url URL --tenant T [--machine-type default]"
            + " [--method mset|pca] [--bucket 1s] [--since 7d | --simulated]";

    /** The simulated fleet of {@code --simulated} (and of the demo): 12 healthy machines for 30 minutes. */
    public static final int SIMULATED_MACHINES = 12;
    public static final Duration SIMULATED_DURATION = Duration.ofMinutes(30);
    public static final double SIMULATED_RATE = 10.0;
    public static final long SEED = 42;

    private MultivariateTrainCommand() {
    }

    public static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse("train multivariate", argv, Set.of("jdbc-url", "user", "password-file", "tenant",
                "machine-type", "method", "bucket", "since"), Set.of("simulated"));
        String tenant;
        String machineType;
        Duration since;
        MultivariateOptions options;
        try {
            tenant = GatewayAddress.requireSegment("--tenant", args.required("tenant"));
            DatabaseLogin.jdbcUrl("train multivariate", args);
            machineType = GatewayAddress.requireSegment("--machine-type",
                    args.string("machine-type", ModelCatalog.DEFAULT_TYPE));
            since = args.duration("since", Duration.ofDays(7));
            options = options(method(args.string("method", MultivariateOptions.Method.MSET.optionValue())),
                    args.duration("bucket", MultivariateOptions.DEFAULT_BUCKET));
        } catch (IllegalArgumentException e) {
            throw new UsageException("train multivariate: " + e.getMessage() + "; usage: " + USAGE);
        }
        if (args.flag("simulated") && args.string("since", null) != null) {
            throw new UsageException("train multivariate: --since and --simulated exclude each other; usage: " + USAGE);
        }
        try (Connection db = DatabaseLogin.connect("train multivariate", args)) {
            StateHistory history;
            if (args.flag("simulated")) {
                err.printf(Locale.ROOT, "simulating %d healthy machines for %d minutes of normal operation...%n",
                        SIMULATED_MACHINES, SIMULATED_DURATION.toMinutes());
                history = SimulatedHistory.normalOperation(SIMULATED_MACHINES, SIMULATED_DURATION, SIMULATED_RATE,
                        SEED, options);
            } else {
                err.println("reading the telemetry of tenant " + tenant + "'s machines of type '" + machineType
                        + "' from the last " + since + "...");
                history = history(db, tenant, machineType, Instant.now().minus(since), options, err::println);
            }
            err.printf(Locale.ROOT, "%,d machine states (%s s buckets) of %d machines; training %s...%n",
                    history.size(), MultivariateFleetTrainer.seconds(options.bucket()), history.machines().size(),
                    options.method().optionValue());
            if (history.stride() > 1) {
                err.printf(Locale.ROOT, "(of %,d states, 1 in %d blocks of %d consecutive states per machine is kept,"
                        + " to stay within %,d)%n", history.seen(), history.stride(), StateHistory.BLOCK,
                        StateHistory.DEFAULT_MAX_STATES);
            }
            MultivariateFleetTrainer.Result result = train(history, options, err::println);
            int version = ModelCatalog.publish(db, tenant, MultivariateFleetModel.NAME, machineType,
                    result.model().kind(), result.states(), result.metricsJson(), result.model().toBytes());
            err.println("stored as version " + version + " of " + MultivariateFleetModel.NAME + " for machine type '"
                    + machineType + "'");
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("tenant", tenant);
            json.put("machine_type", machineType);
            json.put("version", version);
            json.put("method", result.model().kind());
            json.put("bucket_s", MultivariateFleetTrainer.seconds(result.model().bucket()));
            json.put("sensors", result.sensors());
            json.put("machines", result.machines());
            json.put("states", result.states());
            json.put("holdout_machines", result.holdoutMachines());
            json.put("holdout_exceedance", Math.round(result.holdoutExceedance() * 100_000.0) / 100_000.0);
            json.put("holdout_alarms_per_hour", Math.round(result.holdoutAlarmsPerHour() * 1_000.0) / 1_000.0);
            out.println(new ObjectMapper().writeValueAsString(json));
            out.flush();
        }
        return 0;
    }

    /**
     * The options of a fleet model trained with {@code method} on states of {@code bucket}: the job's
     * defaults otherwise (its carry-forward, confirmation and repeat settings).
     *
     * @throws IllegalArgumentException when the bucket is out of range, naming the key
     */
    static MultivariateOptions options(MultivariateOptions.Method method, Duration bucket) {
        return MultivariateOptions.defaults().withMethod(method).withBucket(bucket);
    }

    /**
     * Trains with {@code options} (the method, and the bucket and carry-forward {@code history} was
     * assembled with, which the model records) and a fixed seed, progress to {@code progress}.
     *
     * @throws IllegalStateException when the history cannot give a model (no states, too few
     *                               sensors, too few complete states to hold any out or to fit on),
     *                               with the reason as its cause
     */
    public static MultivariateFleetTrainer.Result train(StateHistory history, MultivariateOptions options,
                                                        Consumer<String> progress) {
        try {
            return MultivariateFleetTrainer.train(history.machines(), options, SEED, JavaKernelBackend.shared(),
                    progress);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("cannot train on this history", e);
        }
    }

    /** The method of {@code --method}: mset or pca (off is no model). */
    static MultivariateOptions.Method method(String text) {
        MultivariateOptions.Method method;
        try {
            method = MultivariateOptions.Method.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--method must be mset or pca, got '" + text + "'", e);
        }
        if (method == MultivariateOptions.Method.OFF) {
            throw new IllegalArgumentException("--method must be mset or pca, got 'off' (a fleet model needs a method)");
        }
        return method;
    }

    /**
     * The machine states of the tenant's machines of {@code machineType} since {@code from},
     * assembled with {@code options}' bucket and carry-forward, bounded ({@link StateHistory}), with
     * a progress line every million states.
     */
    static StateHistory history(Connection db, String tenant, String machineType, Instant from,
                                MultivariateOptions options, Consumer<String> progress) throws SQLException {
        StateHistory history = new StateHistory(StateHistory.DEFAULT_MAX_STATES, progress);
        TelemetryHistory.read(db, tenant, machineType, from, List.of(), history.assembler(options));
        return history;
    }
}
