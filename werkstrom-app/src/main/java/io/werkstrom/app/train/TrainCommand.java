package io.werkstrom.app.train;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.analytics.predict.CycleFeatures;
import io.werkstrom.analytics.predict.CycleTracker;
import io.werkstrom.analytics.predict.PartQualityModel;
import io.werkstrom.app.DatabaseLogin;
import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.jobs.predict.ModelRegistry;
import io.werkstrom.jobs.storage.ModelCatalog;
import io.werkstrom.protocol.GatewayAddress;

/**
 * {@code ./werkstrom train quality}: trains a part-quality fleet model for one tenant and machine
 * type from the labelled history in the database (or, with {@code --simulated}, from simulated
 * history, to cover a fleet before it has any), measures it on the latest cycles it did not
 * train on, and stores it as the next version; running jobs pick it up at their next model
 * refresh. The last stdout line is a JSON object with the version and the measurements.
 */
public final class TrainCommand {

    /** How many samples read between two progress lines. */
    static final long PROGRESS_EVERY = 10_000_000;

    private TrainCommand() {
    }

    public static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        if (!argv.isEmpty() && argv.get(0).equals("rul")) {
            return RulTrainCommand.run(argv.subList(1, argv.size()), out, err);
        }
        if (!argv.isEmpty() && argv.get(0).equals("multivariate")) {
            return MultivariateTrainCommand.run(argv.subList(1, argv.size()), out, err);
        }
        if (argv.isEmpty() || !argv.get(0).equals("quality")) {
            throw new UsageException("train: expected 'quality' --jdbc-url URL --tenant T [--machine-type default]"
                    + " [--since 7d | --simulated], or " + RulTrainCommand.USAGE + ", or " + MultivariateTrainCommand.USAGE);
        }
        Args args = Args.parse("train quality", argv.subList(1, argv.size()),
                Set.of("jdbc-url", "user", "password-file", "tenant", "machine-type", "since"), Set.of("simulated"));
        String tenant;
        String machineType;
        Duration since;
        if (args.flag("simulated") && args.string("since", null) != null) {
            throw new UsageException("train quality: --since and --simulated exclude each other");
        }
        try {
            tenant = GatewayAddress.requireSegment("--tenant", args.required("tenant"));
            machineType = GatewayAddress.requireSegment("--machine-type",
                    args.string("machine-type", ModelCatalog.DEFAULT_TYPE));
            since = args.duration("since", Duration.ofDays(7));
            DatabaseLogin.jdbcUrl("train quality", args);
        } catch (IllegalArgumentException e) {
            throw new UsageException("train quality: " + e.getMessage());
        }
        try (Connection db = DatabaseLogin.connect("train quality", args)) {
            CycleDataset data;
            if (args.flag("simulated")) {
                err.println("simulating 12 machines for 90 minutes of production...");
                data = SimulatedHistory.simulate(12, Duration.ofMinutes(90), 10.0, 42);
            } else {
                err.println("reading the cycles of tenant " + tenant + " from the last " + since + "...");
                data = history(db, tenant, machineType, Instant.now().minus(since), err::println,
                        PROGRESS_EVERY);
            }
            err.printf("%,d labelled cycles (%,d without an outcome yet), scrap rate %.1f %%; training...%n",
                    data.size(), data.unlabelled(), 100 * data.scrapRate());
            FleetTrainer.Result result;
            try {
                result = FleetTrainer.train(data);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("cannot train on this history", e);
            }
            int version = ModelCatalog.publish(db, tenant, ModelRegistry.PART_SCRAP, machineType, PartQualityModel.KIND,
                    result.cycles(), result.metricsJson(), result.model().toBytes());
            err.println("stored as version " + version + " of " + ModelRegistry.PART_SCRAP + " for machine type '"
                    + machineType + "'");
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("tenant", tenant);
            json.put("machine_type", machineType);
            json.put("version", version);
            json.put("cycles", result.cycles());
            json.put("scrap_rate", round(result.scrapRate()));
            json.put("holdout_pr_auc", round(result.holdoutPrAuc()));
            json.put("holdout_brier", round(result.holdoutBrier()));
            json.put("baseline_brier", round(result.baselineBrier()));
            out.println(new ObjectMapper().writeValueAsString(json));
            out.flush();
        }
        return 0;
    }

    private static double round(double value) {
        return Math.round(value * 10_000.0) / 10_000.0;
    }

    /**
     * The labelled cycles of the tenant's machines of {@code machineType} since {@code from}, read
     * in time order per machine through a cursor, so that a long history never sits in memory, with
     * a line to {@code progress} every {@code every} samples read.
     */
    static CycleDataset history(Connection db, String tenant, String machineType, Instant from,
                                Consumer<String> progress, long every) throws SQLException {
        List<String> sensors = new ArrayList<>(CycleFeatures.SIGNALS);
        sensors.add(CycleFeatures.CYCLE_TIME);
        sensors.add(CycleFeatures.PART_SCRAP);
        CycleTracker tracker = new CycleTracker();
        CycleDataset data = new CycleDataset();
        long[] read = {0};
        TelemetryHistory.read(db, tenant, machineType, from, sensors, (micros, machine, sensor, value, quality) -> {
            tracker.accept(micros, machine, sensor, value, quality, data);
            // a week of a fleet is hundreds of millions of samples: say that the read goes on
            if (++read[0] % every == 0) {
                progress.accept(String.format(Locale.ROOT, "%,d samples read, %,d labelled cycles so far", read[0],
                        data.size()));
            }
        });
        return data;
    }
}
