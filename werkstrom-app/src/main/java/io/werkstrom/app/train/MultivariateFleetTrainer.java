package io.werkstrom.app.train;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.jobs.detect.ModelSensors;
import io.werkstrom.jobs.detect.MultivariateFleetModel;
import io.werkstrom.jobs.detect.MultivariateOptions;

/**
 * Trains a multivariate fleet model ({@link MultivariateFleetModel}) on the pooled states of normal
 * operation of many machines of one type, and measures it first on machines it has not seen, as it
 * will be used: about a quarter of the machines (chosen by the seed) are held out, a model fitted on
 * the others scores their states, and the share of states beyond the limit and the alarms the job
 * would raise on them are what is stored with the model. With one machine only, its latest quarter
 * of states is held out instead. The model stored is then fitted on the states of all machines.
 * Neither model is fitted on fewer than {@link #MIN_FIT_STATES} states.
 *
 * <p>The sensors are chosen as the job chooses a machine's own ({@link ModelSensors}): readings of
 * the machines' condition (no once-per-cycle signal) present in at least half of all states and not
 * constant, less one constant in the states holding all the others; only the states holding all of
 * them (complete states) are fitted and scored.
 *
 * <p>Stateless; thread-safe as long as the backend is.
 */
public final class MultivariateFleetTrainer {

    /** The share of machines (or of the one machine's latest states) held out to measure the model. */
    static final double HOLDOUT = 0.25;

    /**
     * The fewest complete states a model is fitted on: the job's fewest for a machine's own model
     * ({@link MultivariateOptions#MIN_TRAINING_STATES}).
     */
    static final int MIN_FIT_STATES = MultivariateOptions.MIN_TRAINING_STATES;

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A trained model with its held-out measurements.
     *
     * @param model                 the model to store, fitted on all machines' complete states
     *                              (thinned evenly to {@link MultivariateFleetModel#MAX_STATES})
     * @param sensors               the model's sensors
     * @param machines              machines with at least one complete state
     * @param states                complete states of all machines (before thinning)
     * @param holdoutMachines       machines held out whole; 0 when there was only one machine and its
     *                              latest states were held out
     * @param heldOut               the machines whose states were scored by the held-out measurement
     * @param holdoutStates         complete states scored by the held-out measurement
     * @param holdoutExceedance     share of the held-out states scoring above 1 (beyond the limit)
     * @param holdoutAlarmsPerHour  alarms the job would raise on the held-out states ({@link
     *                              MultivariateOptions#confirmStates()} states in a row above 1, at
     *                              most one per machine per {@link MultivariateOptions#repeatAfter()}),
     *                              per hour of held-out states at the options' bucket
     */
    public record Result(MultivariateFleetModel model, List<String> sensors, int machines, int states,
                         int holdoutMachines, List<String> heldOut, int holdoutStates, double holdoutExceedance,
                         double holdoutAlarmsPerHour) {

        public Result {
            sensors = List.copyOf(sensors);
            heldOut = List.copyOf(heldOut);
        }

        /** The measurements as stored with the model in {@code models.metrics}. */
        public String metricsJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("method", model.kind());
            json.put("bucket_s", seconds(model.bucket()));
            json.put("sensors", sensors);
            json.put("machines", machines);
            json.put("states", states);
            json.put("model_states", model.states());
            json.put("holdout_machines", holdoutMachines);
            json.put("holdout_states", holdoutStates);
            json.put("holdout_exceedance", Math.round(holdoutExceedance * 100_000.0) / 100_000.0);
            json.put("holdout_alarms_per_hour", Math.round(holdoutAlarmsPerHour * 1_000.0) / 1_000.0);
            try {
                return JSON.writeValueAsString(json);
            } catch (JsonProcessingException e) {
                // strings, numbers and a list of strings always serialize
                throw new IllegalStateException("cannot write the metrics as JSON", e);
            }
        }
    }

    private MultivariateFleetTrainer() {
    }

    /**
     * Trains on {@code history} (machine to its states in time order) with {@code options}' method,
     * measuring as {@code options}' confirmation and repeat settings would alarm. The history must
     * have been assembled with {@code options}' bucket and carry-forward: the model records them,
     * and a job assembling states otherwise does not use it.
     *
     * @param seed     chooses the held-out machines
     * @param backend  scores the held-out states; borrowed, not closed
     * @param progress receives a line per step worth telling (e.g. thinning)
     * @throws IllegalArgumentException when the method is off, the history has no states, fewer
     *                                  than 2 sensors qualify, no state is complete, there are too few
     *                                  complete states to hold any out or fewer than
     *                                  {@link #MIN_FIT_STATES} to fit the measured model on, or the
     *                                  detector refuses the states
     */
    public static Result train(Map<String, List<StateHistory.State>> history, MultivariateOptions options, long seed,
                               KernelBackend backend, Consumer<String> progress) {
        Objects.requireNonNull(history, "history must not be null.");
        Objects.requireNonNull(options, "options must not be null.");
        Objects.requireNonNull(backend, "backend must not be null.");
        if (!options.enabled()) {
            throw new IllegalArgumentException("a fleet model needs a method, mset or pca; got off.");
        }
        List<String> sensors = chooseSensors(history);
        Map<String, Complete> complete = completeStates(history, sensors);
        if (complete.isEmpty()) {
            throw new IllegalArgumentException("no state holds all of the sensors " + sensors + ".");
        }
        // A sensor constant in the complete states (it moved only while another was missing) would be
        // standardised by the floor of its spread: its next move, however small, an anomaly for good
        // on every machine of the type. Left out, as the job leaves it out of a machine's own model;
        // the sensors kept still vary in the states that are complete without it.
        boolean[] varying = ModelSensors.varyingColumns(complete.values().stream()
                .flatMap(rows -> rows.values.stream()).toArray(double[][]::new));
        List<String> kept = new ArrayList<>();
        for (int k = 0; k < sensors.size(); k++) {
            if (varying[k]) {
                kept.add(sensors.get(k));
            }
        }
        if (kept.size() < sensors.size()) {
            if (kept.size() < 2) {
                throw new IllegalArgumentException("a fleet model needs at least 2 sensors that vary in the states"
                        + " holding all of " + sensors + "; only " + kept + " do.");
            }
            sensors = kept;
            complete = completeStates(history, sensors);
        }
        int states = 0;
        for (Complete rows : complete.values()) {
            states += rows.values.size();
        }
        progress.accept(String.format(Locale.ROOT, "%,d complete states of %d machines over sensors %s", states,
                complete.size(), sensors));

        List<double[]> fitRows = new ArrayList<>();
        List<Complete> heldOut = new ArrayList<>();
        List<String> heldOutNames = new ArrayList<>();
        int holdoutMachines;
        if (complete.size() >= 2) {
            List<String> names = new ArrayList<>(complete.keySet());
            // Random's first draws barely differ between nearby seeds: of two machines, every seed
            // from 0 to 4,095 would hold out the same one. SplittableRandom mixes the seed first.
            Collections.shuffle(names, new Random(new SplittableRandom(seed).nextLong()));
            holdoutMachines = Math.max(1, (int) Math.round(names.size() * HOLDOUT));
            for (int i = 0; i < names.size(); i++) {
                Complete rows = complete.get(names.get(i));
                if (i < holdoutMachines) {
                    heldOut.add(rows);
                    heldOutNames.add(names.get(i));
                } else {
                    fitRows.addAll(rows.values);
                }
            }
        } else {
            holdoutMachines = 0;
            Complete only = complete.values().iterator().next();
            heldOutNames.addAll(complete.keySet());
            int cut = (int) Math.round(only.values.size() * (1 - HOLDOUT));
            fitRows.addAll(only.values.subList(0, cut));
            heldOut.add(new Complete(only.values.subList(cut, only.values.size()),
                    only.micros.subList(cut, only.micros.size())));
        }
        if (fitRows.size() < MIN_FIT_STATES) {
            // a limit drawn from a handful of states says nothing of normal operation
            throw new IllegalArgumentException("only " + fitRows.size() + " complete states to fit the measured model"
                    + " on (" + (holdoutMachines == 0 ? "the earlier " + Math.round((1 - HOLDOUT) * 100)
                    + " % of the one machine's" : "those of the " + (complete.size() - holdoutMachines)
                    + " machines not held out") + "); a model needs at least " + MIN_FIT_STATES
                    + ", the fewest the job fits a machine's own model on.");
        }
        MultivariateFleetModel measured = MultivariateFleetModel.fit(options, sensors,
                thin(fitRows, "the measured model's", progress));
        int holdoutStates = 0;
        int exceeding = 0;
        int alarms = 0;
        for (Complete machine : heldOut) {
            if (machine.values.isEmpty()) {
                continue;
            }
            double[] scores = measured.score(machine.values.toArray(new double[0][]), backend);
            holdoutStates += scores.length;
            Judged judged = judge(scores, machine.micros, options);
            exceeding += judged.exceeding();
            alarms += judged.alarms();
        }
        if (holdoutStates == 0) {
            throw new IllegalArgumentException("too few complete states to hold any out for measuring.");
        }
        double hours = holdoutStates * (options.bucket().toNanos() / 1e9) / 3600.0;
        List<double[]> all = new ArrayList<>(states);
        complete.values().forEach(rows -> all.addAll(rows.values));
        MultivariateFleetModel model = MultivariateFleetModel.fit(options, sensors,
                thin(all, "the stored model's", progress));
        return new Result(model, sensors, complete.size(), states, holdoutMachines, heldOutNames, holdoutStates,
                (double) exceeding / holdoutStates, alarms / hours);
    }

    /** Of one machine's scored states: those beyond the limit, and the alarms they raise. */
    record Judged(int exceeding, int alarms) {
    }

    /**
     * One machine's {@code scores} (in time order, the states starting at {@code micros}) judged as
     * the job judges them: a state is beyond the limit when its score is above 1 (NaN is not), and
     * the {@link MultivariateOptions#confirmStates()}-th state in a row beyond it is an alarm unless
     * the machine's last alarm started less than {@link MultivariateOptions#repeatAfter()} before.
     */
    static Judged judge(double[] scores, List<Long> micros, MultivariateOptions options) {
        long repeatMicros = options.repeatAfter().toNanos() / 1_000;
        int exceeding = 0;
        int alarms = 0;
        int run = 0;
        long lastAlarm = Long.MIN_VALUE;
        for (int i = 0; i < scores.length; i++) {
            if (!(scores[i] > 1.0)) {
                run = 0;
                continue;
            }
            exceeding++;
            run = Math.min(run + 1, options.confirmStates());
            long at = micros.get(i);
            if (run >= options.confirmStates() && (lastAlarm == Long.MIN_VALUE || at - lastAlarm >= repeatMicros)) {
                alarms++;
                lastAlarm = at;
            }
        }
        return new Judged(exceeding, alarms);
    }

    /** {@code duration} in seconds, as the JSON of a model gives its bucket. */
    static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }

    /** The sensors {@link ModelSensors} chooses over all states, in order of first appearance. */
    static List<String> chooseSensors(Map<String, List<StateHistory.State>> history) {
        Map<String, double[]> seen = new LinkedHashMap<>(); // sensor -> {present, min, max}
        int total = 0;
        for (List<StateHistory.State> states : history.values()) {
            for (StateHistory.State state : states) {
                total++;
                double[] values = state.values();
                for (int i = 0; i < values.length; i++) {
                    double[] stats = seen.computeIfAbsent(state.sensors().get(i),
                            s -> new double[] {0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY});
                    if (!Double.isNaN(values[i])) {
                        stats[0]++;
                        stats[1] = Math.min(stats[1], values[i]);
                        stats[2] = Math.max(stats[2], values[i]);
                    }
                }
            }
        }
        if (total == 0) {
            throw new IllegalArgumentException("the history holds no machine states.");
        }
        List<String> chosen = new ArrayList<>();
        for (Map.Entry<String, double[]> sensor : seen.entrySet()) {
            double[] stats = sensor.getValue();
            if (ModelSensors.qualifies(sensor.getKey(), (int) stats[0], total, stats[1], stats[2])) {
                chosen.add(sensor.getKey());
            }
        }
        if (chosen.size() < 2) {
            throw new IllegalArgumentException("a fleet model needs at least 2 sensors, not sent once per cycle,"
                    + " present in at least half of the " + total + " states and not constant; found " + chosen.size()
                    + " " + chosen + " among " + seen.keySet() + ".");
        }
        return chosen;
    }

    /** A machine's complete states over the chosen sensors, with their start times. */
    private record Complete(List<double[]> values, List<Long> micros) {
    }

    /** The machines with complete states over {@code sensors}, and those states. */
    private static Map<String, Complete> completeStates(Map<String, List<StateHistory.State>> history,
                                                        List<String> sensors) {
        Map<String, Complete> complete = new LinkedHashMap<>();
        for (Map.Entry<String, List<StateHistory.State>> machine : history.entrySet()) {
            Complete rows = complete(machine.getValue(), sensors);
            if (!rows.values.isEmpty()) {
                complete.put(machine.getKey(), rows);
            }
        }
        return complete;
    }

    private static Complete complete(List<StateHistory.State> states, List<String> sensors) {
        Map<List<String>, int[]> columns = new IdentityHashMap<>();
        List<double[]> values = new ArrayList<>();
        List<Long> micros = new ArrayList<>();
        next:
        for (StateHistory.State state : states) {
            int[] at = columns.computeIfAbsent(state.sensors(), names -> sensors.stream().mapToInt(names::indexOf)
                    .toArray());
            double[] row = new double[at.length];
            for (int k = 0; k < at.length; k++) {
                if (at[k] < 0 || at[k] >= state.values().length || Double.isNaN(state.values()[at[k]])) {
                    continue next;
                }
                row[k] = state.values()[at[k]];
            }
            values.add(row);
            micros.add(state.startMicros());
        }
        return new Complete(values, micros);
    }

    /** {@code rows}, or {@link MultivariateFleetModel#MAX_STATES} of them evenly spaced when more. */
    static double[][] thin(List<double[]> rows, String what, Consumer<String> progress) {
        int n = rows.size();
        if (n <= MultivariateFleetModel.MAX_STATES) {
            return rows.toArray(new double[0][]);
        }
        int max = MultivariateFleetModel.MAX_STATES;
        progress.accept(String.format(Locale.ROOT, "thinning %s %,d states evenly to %,d", what, n, max));
        double[][] kept = new double[max][];
        for (int i = 0; i < max; i++) {
            kept[i] = rows.get((int) ((long) i * n / max));
        }
        return kept;
    }
}
