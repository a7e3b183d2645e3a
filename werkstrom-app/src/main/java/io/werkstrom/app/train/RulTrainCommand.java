package io.werkstrom.app.train;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.analytics.eval.quality.CmapssFiles;
import io.werkstrom.analytics.eval.quality.DataFileException;
import io.werkstrom.analytics.predict.EngineRun;
import io.werkstrom.analytics.predict.RulOptions;
import io.werkstrom.app.DatabaseLogin;
import io.werkstrom.app.cli.Args;
import io.werkstrom.app.cli.UsageException;
import io.werkstrom.jobs.predict.ModelRegistry;
import io.werkstrom.jobs.predict.StoredRulModel;
import io.werkstrom.jobs.storage.ModelCatalog;
import io.werkstrom.protocol.GatewayAddress;

/**
 * {@code ./werkstrom train rul}: trains a remaining-useful-life fleet model for one tenant and
 * machine type from run-to-failure data in the NASA C-MAPSS layout ({@code --data} is a training
 * file, or a directory holding {@code train_<subset>.txt}), measures it on held-out engines
 * ({@link RulTrainer}) and stores it as the next version of {@value ModelRegistry#RUL}; running jobs
 * pick it up at their next model refresh. The model's sensors are named {@code s1..s21}, as the
 * gateway's C-MAPSS replay names them. The last stdout line is a JSON object with the version and
 * the measurements.
 */
public final class RulTrainCommand {

    static final String USAGE = "train rul --data FILE|DIR --jdbc-url URL --tenant T [--machine-type default]"
            + " [--subset FD001] [--holdout 20] [--seed 1] [--trees 300] [--ensemble 3]";

    private RulTrainCommand() {
    }

    public static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse("train rul", argv, Set.of("jdbc-url", "user", "password-file", "tenant",
                "machine-type", "data", "subset", "holdout", "seed", "trees", "ensemble"), Set.of());
        String tenant;
        String machineType;
        Path data;
        int holdout;
        long seed;
        RulOptions options;
        try {
            tenant = GatewayAddress.requireSegment("--tenant", args.required("tenant"));
            DatabaseLogin.jdbcUrl("train rul", args);
            machineType = GatewayAddress.requireSegment("--machine-type",
                    args.string("machine-type", ModelCatalog.DEFAULT_TYPE));
            data = Path.of(args.required("data"));
            if (Files.isDirectory(data)) {
                data = data.resolve("train_" + args.string("subset", "FD001") + ".txt");
            }
            holdout = args.wholeNumber("holdout", 20, 1, RulTrainer.MAX_HOLDOUT_PERCENT);
            seed = args.positiveInt("seed", 1);
            RulOptions defaults = RulOptions.defaults();
            options = defaults.toBuilder()
                    .ensembleSize(args.positiveInt("ensemble", defaults.ensembleSize()))
                    .trees(defaults.trees().toBuilder().trees(args.positiveInt("trees", defaults.trees().trees()))
                            .build())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new UsageException("train rul: " + e.getMessage() + "; usage: " + USAGE);
        }
        List<EngineRun> runs;
        try {
            runs = CmapssFiles.readTrajectories(data);
        } catch (DataFileException e) {
            err.println("werkstrom train rul: unusable data: " + e.getMessage());
            return 1;
        }
        int cycles = runs.stream().mapToInt(EngineRun::cycleCount).sum();
        err.printf("read %d engines run to failure (%,d cycles) from %s%n", runs.size(), cycles, data);
        int version;
        RulTrainer.Result result;
        // Connected before training, so that a wrong address fails at once rather than after minutes.
        try (Connection db = DatabaseLogin.connect("train rul", args)) {
            try {
                result = RulTrainer.train(runs, sensorNames(), options, holdout, seed, err::println);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("cannot train on " + data, e);
            }
            version = ModelCatalog.publish(db, tenant, ModelRegistry.RUL, machineType, StoredRulModel.KIND,
                    result.cycles(), result.metricsJson(), result.model().toBytes());
        }
        err.println("stored as version " + version + " of " + ModelRegistry.RUL + " for machine type '" + machineType
                + "'; it reads sensors " + result.model().requiredSensorNames());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("tenant", tenant);
        json.put("machine_type", machineType);
        json.put("version", version);
        json.put("engines", result.engines());
        json.put("cycles", result.cycles());
        json.put("holdout_engines", result.holdoutEngines());
        json.put("holdout_rmse", Math.round(result.holdoutRmse() * 10_000.0) / 10_000.0);
        json.put("rul_cap", result.rulCap());
        out.println(new ObjectMapper().writeValueAsString(json));
        out.flush();
        return 0;
    }

    /** {@code s1..s21}: the names the gateway's C-MAPSS replay gives the sensor columns. */
    static List<String> sensorNames() {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= CmapssFiles.SENSORS; i++) {
            names.add("s" + i);
        }
        return names;
    }
}
