package io.werkstrom.jobs.detect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.analytics.detect.MsetDetector;
import io.werkstrom.analytics.detect.PcaDetector;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.jobs.decode.MachineRows;
import io.werkstrom.protocol.GatewayAddress;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The multivariate detector of one gateway's machines: assembles machine states from the samples of
 * each batch, fits a model per machine on its first states and scores the states of all modelled
 * machines of the batch together.
 *
 * <p><b>States.</b> A machine's state is the vector of its sensors in one time bucket
 * ({@link MultivariateOptions#bucket()}): each sensor's last good sample up to the bucket's end,
 * carried forward for at most {@link MultivariateOptions#carryForward()} so that sensors reporting
 * at different rates still meet. A bucket becomes a state when the machine's first sample of a
 * later bucket arrives (samples are taken in time order per machine); buckets in which the machine
 * reported nothing give no state. A sample older than the bucket being assembled is late: it is
 * stored by the job like any other, but not part of a state, and counted. A state restored from a
 * detector of another bucket is assembled anew: its machines train again.
 *
 * <p><b>Training.</b> The first {@link MultivariateOptions#trainingStates()} states are the
 * machine's window of normal operation. The model's sensors are those {@link ModelSensors} chooses:
 * readings of the machine's condition (no once-per-cycle signal) present in at least half of them
 * and not constant throughout; the model is fitted on the states holding all of them, less a sensor
 * constant in those states (it moved only while another was missing). A machine with
 * fewer than 2 such sensors gets no model: counted, and its window starts over. When fewer than half
 * of the states are complete, the older half of the window is dropped and training goes on. A
 * window the method refuses (e.g. one holding a value whose spread overflows the double range, see
 * {@link io.werkstrom.analytics.detect.ScoreOverflow}) gives no model either: counted
 * (multivariateFitFailures), logged once per machine, and its window starts over.
 *
 * <p><b>Fleet models.</b> A machine for which a {@link MultivariateFleetModel} is in force (its
 * tenant has one for its type) and which has reported every sensor the fleet model reads is scored
 * against it from its first state, with no training window of its own; the fleet model was trained
 * on many machines of the type. A fleet model whose states were assembled with another bucket or
 * carry-forward than this detector's is not used (logged once). When the fleet model in force
 * changes (a new version), the states still pending for the old one are dropped and counted, and
 * the machine's run of anomalous states starts over. A machine without one, or lacking one of its
 * sensors, trains its own model as above, from a fresh window when its fleet model went away.
 * While the fleet models are not known ({@link FleetModels#known()}: not read yet, e.g. the
 * database is unreachable as the job restarts), a machine scored against one keeps it and its
 * pending states, and its new states wait with them (counted; the oldest beyond
 * {@link MultivariateOptions#maxPendingStates()} dropped and counted): once the models are read,
 * they are scored if the machine's model is still in force, judged as they would have been on
 * time, else dropped and counted. They are not scored against the model before: the state holds
 * its id and sensors, not the model, whose training states every gateway's state would then carry,
 * and a model withdrawn meanwhile must not judge them.
 *
 * <p><b>Missing sensors.</b> A state missing some of its model's sensors (own or fleet: a sensor
 * that died, or paused longer than the carry-forward) is scored against the model without them
 * ({@link FittedModel#without}): the same method fitted on the same training states, those sensors
 * left out, so the machine stays watched on the sensors it still has, against the normal operation
 * its model learned, from its first such state (counted as reduced). A state holding fewer than 2
 * of the model's sensors, or lacking a combination no reduced model can be fitted for, is not
 * scored (counted as incomplete). A machine whose states lack a model sensor for as many states in
 * a row as a training window is logged once.
 *
 * <p><b>Scoring.</b> The states of all machines with the same sensor count are scored in one
 * kernel call, each row against its machine's model or reduced model ({@link MsetDetector.Fleet},
 * {@link PcaDetector.Fleet}). A state scoring above 1 (beyond the {@code limitQuantile} of the
 * training scores) is anomalous; the {@link MultivariateOptions#confirmStates()}-th anomalous
 * state in a row of a machine is reported as an anomaly at its bucket's start, unless the machine
 * reported one less than {@link MultivariateOptions#repeatAfter()} before. Its sensor is the one
 * most to blame ({@link FittedModel#blame}), its value that sensor's. A reduced model's scores are
 * on the same scale (1 is its own limit), so a run of anomalous states goes on across the two.
 * A state whose score overflows (an extreme but finite value) scores {@link Double#MAX_VALUE}
 * ({@link io.werkstrom.analytics.detect.ScoreOverflow}): anomalous, never silently normal.
 *
 * <p><b>Caps.</b> A gateway's detector keeps at most {@link MultivariateOptions#maxMachines()}
 * machines and a machine at most {@link MultivariateOptions#maxSensors()} sensors, so that a
 * gateway sending ever new machine or sensor names cannot grow the state without end. The samples
 * of a machine or sensor beyond its cap are not assembled (they are stored by the job like any
 * other), counted, and logged once per machine or sensor; known machines and sensors go on as
 * before.
 *
 * <p><b>Failed scoring.</b> When a kernel call fails (e.g. the analytics service is unreachable),
 * the states it was to score stay pending in the machine's state, the oldest beyond
 * {@link MultivariateOptions#maxPendingStates()} per machine dropped and counted, and are scored
 * before the machine's next states by the next call that succeeds; they are part of the keyed
 * state, so they survive a checkpoint and restore. As a machine's runs and last anomaly change only
 * when its states were scored, a state scored late is judged as it would have been on time. A
 * request the backend refuses ({@link IllegalArgumentException}: the states themselves are at
 * fault) is not retried: its states are dropped and counted.
 *
 * <p>Not thread-safe. The backend is borrowed, not closed.
 */
public final class MultivariateScorer {

    /** The threshold of the normalised score. */
    public static final double THRESHOLD = 1.0;

    /**
     * How many refused machines and sensors are logged, each once: enough to find the misconfigured
     * gateways; past it the counters tell the rest.
     */
    static final int MAX_LOGGED_REFUSALS = 1_000;

    private static final Logger LOG = LoggerFactory.getLogger(MultivariateScorer.class);

    private final MultivariateOptions options;
    private final KernelBackend backend;
    private final Consumer<String> warnings;
    private final FittedModels models;
    /** Refused gateway/machine(/sensor) keys already logged, at most {@link #MAX_LOGGED_REFUSALS}. */
    private final Set<String> loggedRefusals = new HashSet<>();
    /** Gateway and id of fleet models not used for their assembly, each logged once. */
    private final Set<String> refusedFleetModels = new HashSet<>();
    private boolean refusalLogFull;

    public MultivariateScorer(MultivariateOptions options, KernelBackend backend) {
        this(options, backend, LOG::warn);
    }

    /** @param warnings where refused machines and sensors are reported (the log, or a test's list) */
    MultivariateScorer(MultivariateOptions options, KernelBackend backend, Consumer<String> warnings) {
        this.options = Objects.requireNonNull(options, "options must not be null.");
        this.backend = Objects.requireNonNull(backend, "backend must not be null.");
        this.warnings = Objects.requireNonNull(warnings, "warnings must not be null.");
        if (!options.enabled()) {
            throw new IllegalArgumentException("multivariate detection is off.");
        }
        this.models = new FittedModels(options.method());
    }

    /**
     * What one batch did.
     *
     * @param anomalies        the anomalies to report, in time order
     * @param statesScored     states scored, those left pending by earlier failed calls included
     * @param incompleteStates states of modelled machines not scored for missing sensors (fewer than
     *                         2 of the model's left, or no reduced model for them)
     * @param reducedStates    states taken for scoring against their model without the sensors they
     *                         lacked
     * @param modelsFitted     machines whose model was fitted (or fitted again after a restore)
     * @param tooFewSensors    training windows that ended without a model for lack of sensors
     * @param fitFailures      training windows that the detector refused (e.g. a singular memory)
     * @param lateSamples      samples older than their machine's bucket being assembled
     * @param kernelCalls      scoring calls made (anomaly attribution not counted)
     * @param machinesRefused  samples not assembled because their machine is beyond
     *                         {@link MultivariateOptions#maxMachines()}
     * @param sensorsRefused   samples not assembled because their sensor is beyond
     *                         {@link MultivariateOptions#maxSensors()}
     * @param statesPending    complete states left waiting for the next scoring call, after a
     *                         failed one; 0 when scoring succeeded
     * @param statesDropped    complete states that will not be scored: beyond
     *                         {@link MultivariateOptions#maxPendingStates()} after a failed call
     *                         or while the fleet models are not known,
     *                         refused by the backend, of a machine whose model was lost, or pending
     *                         for a fleet model no longer in force
     * @param statesWithoutModel states of machines scored against a fleet model while the fleet
     *                         models are not known ({@link FleetModels#known()}): pending until
     *                         they are, not scored yet
     * @param scoringFailure   why scoring failed, or null when it did not (or had nothing to score)
     */
    public record Outcome(List<Anomaly> anomalies, int statesScored, int incompleteStates, int reducedStates,
                          int modelsFitted, int tooFewSensors, int fitFailures, int lateSamples, int kernelCalls,
                          int machinesRefused, int sensorsRefused, int statesPending, int statesDropped,
                          int statesWithoutModel, RuntimeException scoringFailure) {
    }

    /**
     * A fleet model in force for a machine.
     *
     * @param id    names the model and its version (e.g. {@code default v3}): a machine's pending
     *              states belong to the model of this id
     * @param model the model
     */
    public record FleetModelInForce(String id, MultivariateFleetModel model) {
        public FleetModelInForce {
            Objects.requireNonNull(id, "id must not be null.");
            Objects.requireNonNull(model, "model must not be null.");
        }
    }

    /** The fleet models in force for the machines of one gateway. */
    public interface FleetModels {

        /** No fleet models: every machine trains its own. */
        FleetModels NONE = new FleetModels() {
            @Override
            public boolean known() {
                return true;
            }

            @Override
            public Optional<FleetModelInForce> forMachine(String machine) {
                return Optional.empty();
            }
        };

        /** Whether the models in force are known: false while they could not be read yet. */
        boolean known();

        /** The fleet model in force for {@code machine}, if any; asked only when {@link #known()}. */
        Optional<FleetModelInForce> forMachine(String machine);
    }

    /**
     * A state waiting to be scored, with its machine and the model it is scored against: the
     * machine's model, or that model without the sensors the state lacked, whose columns of the
     * machine's model {@code columns} then names (null: all of them).
     */
    private record Pending(String machine, MachineStates.Machine state, FittedModel model, long micros,
                           double[] values, int[] columns) {
    }

    /**
     * {@link #score(GatewayAddress, TelemetryBatch, MachineStates, FleetModels)} without fleet models,
     * for a batch whose log lines may name its gateway by the id in the batch.
     */
    public Outcome score(TelemetryBatch batch, MachineStates states) {
        return score(batch.gateway(), batch, states, FleetModels.NONE);
    }

    /**
     * Feeds {@code batch} into {@code states} and scores the states it completes, after those that
     * earlier failed calls left pending. A failing kernel call does not throw: the states stay
     * pending in {@code states} (bounded) and the failure is in {@link Outcome#scoringFailure()}.
     *
     * @param source      the gateway that sent {@code batch}, which the log lines name: one scorer
     *                    serves the gateways of every tenant, which may share gateway ids
     * @param fleetModels the fleet model in force for a machine of this gateway, if any
     */
    public Outcome score(GatewayAddress source, TelemetryBatch batch, MachineStates states, FleetModels fleetModels) {
        return score(source.toString(), batch, states, fleetModels);
    }

    private Outcome score(String gateway, TelemetryBatch batch, MachineStates states, FleetModels fleetModels) {
        Counts counts = new Counts();
        align(gateway, states, counts);
        boolean known = fleetModels.known();
        for (Map.Entry<String, List<Integer>> entry : MachineRows.sorted(batch, inTimeOrder(batch)).entrySet()) {
            String name = entry.getKey();
            MachineStates.Machine machine = states.existing(name);
            if (machine == null) {
                if (states.size() >= options.maxMachines()) {
                    counts.machinesRefused += entry.getValue().size();
                    refused(gateway, name, null);
                    continue;
                }
                machine = states.machine(name);
            }
            FleetModelInForce fleet = known ? usable(gateway, fleetModels.forMachine(name).orElse(null)) : null;
            ensureModel(machine, counts);
            for (int row : entry.getValue()) {
                String sensor = batch.sensors()[row];
                if (machine.sensors.size() >= options.maxSensors() && !machine.sensors.contains(sensor)) {
                    counts.sensorsRefused++;
                    refused(gateway, name, sensor);
                    continue;
                }
                if (batch.quality(row) != Quality.GOOD || !Double.isFinite(batch.values()[row])) {
                    continue;
                }
                MachineStates.Closed closed = machine.offer(batch.timestampsMicros()[row], sensor,
                        batch.values()[row], options.bucketMicros(), options.carryForwardMicros());
                if (closed == MachineStates.LATE) {
                    counts.late++;
                } else if (closed != null) {
                    close(gateway, name, machine, closed, fleet, known, counts);
                }
            }
        }
        List<Anomaly> anomalies = scorePending(gateway, states, fleetModels, known, counts);
        return new Outcome(anomalies, counts.scored, counts.incomplete, counts.reduced, counts.fitted, counts.tooFew,
                counts.fitFailures, counts.late, counts.calls, counts.machinesRefused, counts.sensorsRefused,
                counts.pending, counts.dropped, counts.withoutModel, counts.failure);
    }

    private static final class Counts {
        int scored;
        int incomplete;
        int reduced;
        int fitted;
        int tooFew;
        int fitFailures;
        int late;
        int calls;
        int machinesRefused;
        int sensorsRefused;
        int pending;
        int dropped;
        int withoutModel;
        RuntimeException failure;
    }

    /**
     * Fits a state, once per state object, to this detector's bucket: a state assembled with another
     * (a job restored from a savepoint with another {@code --detector.bucket}) numbers its open
     * buckets in the old bucket's steps, so that every later sample would be late, or its next
     * state dated elsewhere; and its training windows and models hold states of another kind, on
     * which no limit for this detector's states was set. Such a machine's open bucket is found
     * again from its newest sample, its own model and training window start over, its pending
     * states are dropped and counted and its run of anomalous states starts over; a machine on a
     * fleet model keeps it while that model's assembly is this detector's ({@link #usable}).
     */
    private void align(String gateway, MachineStates states, Counts counts) {
        long bucket = options.bucketMicros();
        if (states.alignedTo(bucket)) {
            return;
        }
        int retrained = 0;
        for (MachineStates.Machine machine : states.machines()) {
            long open = machine.openBucketIn(bucket);
            if (machine.openBucket == open) {
                continue;
            }
            machine.openBucket = open;
            counts.dropped += machine.pending.size();
            machine.pending.clear();
            machine.anomalousRun = 0;
            machine.incompleteRun = 0;
            if (machine.modelSensors != null || !machine.training.isEmpty()) {
                retrained++;
            }
            machine.training.clear();
            machine.modelSensors = null;
            machine.model = null;
        }
        states.aligned(bucket);
        if (retrained > 0) {
            warnings.accept("Multivariate detector: the machine states of gateway " + gateway
                    + " were assembled in buckets other than " + options.bucket() + " (--detector.bucket); "
                    + retrained + " of its machines train their models again");
        }
    }

    /**
     * Logs a refused machine ({@code sensor} null) or sensor once. The memory of what was logged is
     * bounded: the operator serves many gateways, and a gateway inventing names would otherwise
     * grow it without end; past the bound one last line says so and the counters tell the rest.
     */
    private void refused(String gateway, String machine, String sensor) {
        String key = sensor == null ? gateway + '\n' + machine : gateway + '\n' + machine + '\n' + sensor;
        if (loggedRefusals.contains(key)) {
            return;
        }
        if (loggedRefusals.size() >= MAX_LOGGED_REFUSALS) {
            if (!refusalLogFull) {
                refusalLogFull = true;
                warnings.accept("Multivariate detector: " + MAX_LOGGED_REFUSALS + " machines and sensors refused"
                        + " so far; further refusals are only counted (multivariateMachinesRefused,"
                        + " multivariateSensorsRefused)");
            }
            return;
        }
        loggedRefusals.add(key);
        if (sensor == null) {
            warnings.accept("Multivariate detector: gateway " + gateway + " has " + options.maxMachines()
                    + " machines (--detector.max-machines); the samples of machine " + machine
                    + " are not assembled into states");
        } else {
            warnings.accept("Multivariate detector: machine " + machine + " of gateway " + gateway + " has "
                    + options.maxSensors() + " sensors (--detector.max-sensors); the samples of sensor " + sensor
                    + " are not assembled into states");
        }
    }

    /**
     * Logs, once per machine, that its states have lacked {@code lacking} of its model for as many
     * states in a row as a training window: a sensor that died or stopped reporting, which counters
     * alone would not say of whom.
     */
    private void sensorsLost(String gateway, String machine, String model, List<String> lacking, boolean scored) {
        String key = gateway + '\n' + machine + "\nlacking";
        if (loggedRefusals.size() >= MAX_LOGGED_REFUSALS || !loggedRefusals.add(key)) {
            return;
        }
        String then = scored
                ? "they are scored against the model without " + (lacking.size() == 1 ? "it" : "them")
                : "too few of its sensors remain to score them (multivariateIncompleteStates) until they are"
                        + " complete again";
        warnings.accept("Multivariate detector: machine " + machine + " of gateway " + gateway + " has had "
                + options.trainingStates() + " states in a row without " + String.join(", ", lacking) + " of "
                + model + "; " + then);
    }

    /**
     * Logs, once per machine, that its training window was refused, with the reason, so that a
     * machine that keeps training without a model (multivariateFitFailures) can be found.
     */
    private void fitRefused(String gateway, String machine, IllegalArgumentException e) {
        String key = gateway + '\n' + machine + "\nfit";
        if (loggedRefusals.size() >= MAX_LOGGED_REFUSALS || !loggedRefusals.add(key)) {
            return;
        }
        warnings.accept("Multivariate detector: the training window of machine " + machine + " of gateway "
                + gateway + " gives no model (" + e.getMessage() + "); it trains again on its next "
                + options.trainingStates() + " states");
    }

    /** A batch's rows in time order. */
    private static Comparator<Integer> inTimeOrder(TelemetryBatch batch) {
        long[] times = batch.timestampsMicros();
        return Comparator.comparingLong(row -> times[row]);
    }

    /**
     * Takes a machine's closed bucket: pending scoring against the fleet model when one covers the
     * machine, else training, or pending scoring against its own model.
     */
    private void close(String gateway, String name, MachineStates.Machine machine, MachineStates.Closed closed,
                       FleetModelInForce candidate, boolean known, Counts counts) {
        long start = closed.micros();
        double[] state = closed.values();
        if (!known && machine.fleetModelId != null) {
            counts.withoutModel++;
            awaitFleetModel(machine, start, state, counts);
            return;
        }
        int[] columns = candidate == null ? null : fleetColumns(machine, candidate);
        useFleetModel(machine, columns == null ? null : candidate, columns, counts);
        if (columns != null) {
            take(gateway, name, machine, start, select(state, columns), machine.fleetModel.model().fitted(),
                    "fleet model " + machine.fleetModel.id(), candidate.model().sensors(), counts);
            return;
        }
        if (machine.modelSensors == null) {
            machine.training.add(state);
            if (machine.training.size() >= options.trainingStates()) {
                train(gateway, name, machine, counts);
            }
            return;
        }
        List<String> sensors = new ArrayList<>();
        for (int s : machine.modelSensors) {
            sensors.add(machine.sensors.get(s));
        }
        take(gateway, name, machine, start, select(state, machine.modelSensors), machine.model, "its own model",
                sensors, counts);
    }

    /**
     * Keeps a state of a machine whose fleet model is not known yet (the job restored and the fleet
     * models not read): pending, in the order of the model's sensors, the oldest beyond
     * {@link MultivariateOptions#maxPendingStates()} dropped. It is scored once the models are read
     * and the machine's model is still in force, else dropped with the model's other pending states.
     * A machine restored from a state that does not name the model's sensors (of an earlier release)
     * keeps nothing: its states are dropped and counted.
     */
    private void awaitFleetModel(MachineStates.Machine machine, long start, double[] state, Counts counts) {
        if (machine.fleetSensors == null) {
            counts.dropped++;
            return;
        }
        int[] columns = new int[machine.fleetSensors.size()];
        for (int k = 0; k < columns.length; k++) {
            columns[k] = machine.sensors.indexOf(machine.fleetSensors.get(k));
        }
        machine.pending.add(new MachineStates.Pending(start, select(state, columns)));
        if (machine.pending.size() > options.maxPendingStates()) {
            machine.pending.remove(0);
            counts.dropped++;
        }
    }

    /** {@code state}'s values of {@code columns}, NaN where it has none. */
    private static double[] select(double[] state, int[] columns) {
        double[] values = new double[columns.length];
        for (int k = 0; k < values.length; k++) {
            values[k] = columns[k] < state.length ? state[columns[k]] : Double.NaN;
        }
        return values;
    }

    /** The columns of {@code values} that hold a value. */
    private static BitSet present(double[] values) {
        BitSet present = new BitSet(values.length);
        for (int k = 0; k < values.length; k++) {
            if (!Double.isNaN(values[k])) {
                present.set(k);
            }
        }
        return present;
    }

    /**
     * Takes a state ({@code values} of {@code model}'s sensors, named {@code sensors}) for scoring:
     * complete, or lacking sensors that the model can do without ({@link FittedModel#without}); else
     * counts it as incomplete.
     */
    private void take(String gateway, String name, MachineStates.Machine machine, long start, double[] values,
                      FittedModel model, String modelName, List<String> sensors, Counts counts) {
        BitSet present = present(values);
        if (present.cardinality() == values.length) {
            machine.incompleteRun = 0;
            machine.pending.add(new MachineStates.Pending(start, values));
            return;
        }
        boolean scorable = model != null && model.without(present) != null;
        if (++machine.incompleteRun == options.trainingStates()) {
            List<String> lacking = new ArrayList<>();
            for (int k = present.nextClearBit(0); k < values.length; k = present.nextClearBit(k + 1)) {
                lacking.add(sensors.get(k));
            }
            sensorsLost(gateway, name, modelName, lacking, scorable);
        }
        if (!scorable) {
            counts.incomplete++;
            return;
        }
        counts.reduced++;
        machine.pending.add(new MachineStates.Pending(start, values));
    }

    private void train(String gateway, String name, MachineStates.Machine machine, Counts counts) {
        List<double[]> window = machine.training;
        int columns = machine.sensors.size();
        List<Integer> chosen = new ArrayList<>();
        for (int s = 0; s < columns; s++) {
            int present = 0;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double[] row : window) {
                if (s < row.length && !Double.isNaN(row[s])) {
                    present++;
                    min = Math.min(min, row[s]);
                    max = Math.max(max, row[s]);
                }
            }
            if (ModelSensors.qualifies(machine.sensors.get(s), present, window.size(), min, max)) {
                chosen.add(s);
            }
        }
        if (chosen.size() < 2) {
            counts.tooFew++;
            window.clear();
            return;
        }
        int[] sensors = chosen.stream().mapToInt(Integer::intValue).toArray();
        double[][] rows = complete(window, sensors);
        if (2 * rows.length < window.size()) {
            window.subList(0, window.size() / 2).clear();
            return;
        }
        // A sensor constant in the complete states (it moved only while another was missing) would be
        // standardised by the floor of its spread: its next move, however small, an anomaly for good.
        // Left out like a sensor constant throughout; the states lacking only it are complete now
        // (more of them), and the sensors kept still vary in them.
        boolean[] varying = ModelSensors.varyingColumns(rows);
        int kept = 0;
        for (int k = 0; k < sensors.length; k++) {
            if (varying[k]) {
                sensors[kept++] = sensors[k];
            }
        }
        if (kept < 2) {
            counts.tooFew++;
            window.clear();
            return;
        }
        if (kept < sensors.length) {
            sensors = Arrays.copyOf(sensors, kept);
            rows = complete(window, sensors);
        }
        try {
            machine.model = models.fit(rows);
        } catch (IllegalArgumentException e) {
            // E.g. a value near the ends of the double range, whose spread overflows (ScoreOverflow):
            // no model rather than one that never alarms; the machine trains again on fresh states.
            counts.fitFailures++;
            window.clear();
            fitRefused(gateway, name, e);
            return;
        }
        machine.modelSensors = sensors;
        // Only the complete rows are kept: they alone define the model.
        window.clear();
        window.addAll(Arrays.asList(rows));
        counts.fitted++;
    }

    /**
     * Makes {@code fleet} (null: none) the machine's fleet model. On a change, the pending states of
     * the model before cannot be scored and are dropped; so are they when the model of the same id
     * reads other sensors than the machine's states were assembled for (a savepoint restored against
     * another database). A machine taken over by a fleet model drops its own training window and
     * model, which it needs no more.
     */
    private static void useFleetModel(MachineStates.Machine machine, FleetModelInForce fleet, int[] columns,
                                      Counts counts) {
        String id = fleet == null ? null : fleet.id();
        List<String> sensors = fleet == null ? null : fleet.model().sensors();
        machine.fleetColumns = columns;
        if (Objects.equals(id, machine.fleetModelId)
                && (fleet == null || machine.fleetSensors == null || sensors.equals(machine.fleetSensors))) {
            machine.fleetModel = fleet;
            machine.fleetSensors = sensors;
            return;
        }
        if (machine.fleetModelId != null || fleet != null) {
            counts.dropped += machine.pending.size();
            machine.pending.clear();
            // A run of anomalous states under one model says nothing under another.
            machine.anomalousRun = 0;
        }
        machine.fleetModelId = id;
        machine.fleetModel = fleet;
        machine.fleetSensors = sensors;
        machine.incompleteRun = 0;
        if (fleet != null) {
            machine.training.clear();
            machine.modelSensors = null;
            machine.model = null;
        }
    }

    /**
     * {@code fleet}, or null when it is null or its states were assembled otherwise than this
     * detector's, which is logged once per gateway and model: the gateways of every tenant share the
     * detector, and each tenant has models of its own under the same ids.
     */
    private FleetModelInForce usable(String gateway, FleetModelInForce fleet) {
        if (fleet == null || fleet.model().assembledAs(options)) {
            return fleet;
        }
        if (refusedFleetModels.size() < MAX_LOGGED_REFUSALS && refusedFleetModels.add(gateway + '\n' + fleet.id())) {
            warnings.accept("Multivariate detector: fleet model " + fleet.id() + " for the machines of gateway "
                    + gateway + " was fitted on states of a " + fleet.model().bucket() + " bucket carried forward "
                    + fleet.model().carryForward() + ", this detector assembles " + options.bucket()
                    + " buckets carried forward " + options.carryForward() + "; its machines train their own models");
        }
        return null;
    }

    /**
     * The machine's columns of {@code fleet}'s sensors, in the model's order, or null when the
     * machine has not reported all of them (yet). Kept with the machine while the model stays in
     * force: a machine's sensors are never forgotten. Kept for the model itself, not its id: a
     * version deleted and stored again is another model under the same id, which may read other
     * sensors.
     */
    private static int[] fleetColumns(MachineStates.Machine machine, FleetModelInForce fleet) {
        if (machine.fleetColumns != null && fleet.id().equals(machine.fleetModelId) && machine.fleetModel != null
                && machine.fleetModel.model() == fleet.model()) {
            return machine.fleetColumns;
        }
        List<String> sensors = fleet.model().sensors();
        int[] columns = new int[sensors.size()];
        for (int k = 0; k < columns.length; k++) {
            columns[k] = machine.sensors.indexOf(sensors.get(k));
            if (columns[k] < 0) {
                return null;
            }
        }
        return columns;
    }

    /**
     * Gives a restored machine its model: the one fitted on its training window before, when this
     * scorer still keeps it ({@link FittedModels}), else fitted again from the window.
     */
    private void ensureModel(MachineStates.Machine machine, Counts counts) {
        if (machine.modelSensors == null || machine.model != null) {
            return;
        }
        double[][] rows = machine.training.toArray(new double[0][]);
        machine.model = models.find(rows);
        if (machine.model != null) {
            return;
        }
        try {
            machine.model = models.fit(rows);
            counts.fitted++;
        } catch (IllegalArgumentException e) {
            // A window that fitted once fits again unless the method changed; train anew then.
            counts.fitFailures++;
            machine.modelSensors = null;
            machine.training.clear();
            counts.dropped += machine.pending.size();
            machine.pending.clear();
        }
    }

    private static double[][] complete(List<double[]> window, int[] sensors) {
        List<double[]> rows = new ArrayList<>();
        next:
        for (double[] state : window) {
            double[] row = new double[sensors.length];
            for (int k = 0; k < sensors.length; k++) {
                if (sensors[k] >= state.length || Double.isNaN(state[sensors[k]])) {
                    continue next;
                }
                row[k] = state[sensors[k]];
            }
            rows.add(row);
        }
        return rows.toArray(new double[0][]);
    }

    /**
     * Scores the pending states of every machine, oldest first. Nothing of a machine's state but
     * its pending list changes unless every kernel call succeeded, so that states kept after a
     * failure are judged later exactly as they would have been on time.
     */
    private List<Anomaly> scorePending(String gateway, MachineStates states, FleetModels fleetModels, boolean known,
                                       Counts counts) {
        List<Pending> pending = new ArrayList<>();
        List<MachineStates.Machine> waiting = new ArrayList<>();
        for (Map.Entry<String, MachineStates.Machine> entry : states.byName().entrySet()) {
            MachineStates.Machine machine = entry.getValue();
            if (machine.pending.isEmpty()) {
                continue;
            }
            // A restored machine with pending states may be absent from this batch.
            FittedModel model;
            if (machine.fleetModelId != null) {
                if (machine.fleetModel == null) {
                    if (!known) {
                        // Kept for when the fleet models can be read.
                        continue;
                    }
                    FleetModelInForce fleet = usable(gateway, fleetModels.forMachine(entry.getKey())
                            .filter(f -> f.id().equals(machine.fleetModelId)).orElse(null));
                    int[] columns = fleet == null ? null : fleetColumns(machine, fleet);
                    useFleetModel(machine, columns == null ? null : fleet, columns, counts);
                }
                model = machine.fleetModel == null ? null : machine.fleetModel.model().fitted();
            } else {
                ensureModel(machine, counts);
                model = machine.model;
            }
            if (model == null) {
                continue;
            }
            // States restored for a model of another width (an id reused after a version was deleted,
            // a savepoint of another database) cannot be scored by this one.
            int width = model.sensors();
            int misfits = (int) machine.pending.stream().filter(p -> p.values().length != width).count();
            if (misfits > 0) {
                machine.pending.removeIf(p -> p.values().length != width);
                counts.dropped += misfits;
            }
            // States restored with sensors missing are scored as on time, unless no reduced model fits them.
            int unscorable = 0;
            for (Iterator<MachineStates.Pending> it = machine.pending.iterator(); it.hasNext(); ) {
                MachineStates.Pending p = it.next();
                BitSet present = present(p.values());
                if (present.cardinality() < width && model.without(present) == null) {
                    it.remove();
                    unscorable++;
                }
            }
            counts.dropped += unscorable;
            waiting.add(machine);
            for (MachineStates.Pending p : machine.pending) {
                BitSet present = present(p.values());
                if (present.cardinality() == width) {
                    pending.add(new Pending(entry.getKey(), machine, model, p.micros(), p.values(), null));
                } else {
                    pending.add(new Pending(entry.getKey(), machine, model.without(present), p.micros(),
                            FittedModel.keep(p.values(), present), present.stream().toArray()));
                }
            }
        }
        if (pending.isEmpty()) {
            return List.of();
        }
        List<Anomaly> anomalies;
        try {
            anomalies = judge(pending, scores(pending, counts));
        } catch (IllegalArgumentException e) {
            // The backend refused the states themselves: kept, they would fail every later call of
            // the gateway's machines.
            counts.failure = e;
            for (MachineStates.Machine machine : waiting) {
                counts.dropped += machine.pending.size();
                machine.pending.clear();
            }
            return List.of();
        } catch (RuntimeException e) {
            counts.failure = e;
            for (MachineStates.Machine machine : waiting) {
                int excess = machine.pending.size() - options.maxPendingStates();
                if (excess > 0) {
                    machine.pending.subList(0, excess).clear();
                    counts.dropped += excess;
                }
                counts.pending += machine.pending.size();
            }
            return List.of();
        }
        for (MachineStates.Machine machine : waiting) {
            machine.pending.clear();
        }
        counts.scored = pending.size();
        return anomalies;
    }

    /**
     * The scores of {@code pending}, in as few kernel calls as the models allow: one call per
     * method and sensor count, each scoring the states of all machines of that group together
     * ({@link MsetDetector.Fleet}, {@link PcaDetector.Fleet}).
     */
    private double[] scores(List<Pending> pending, Counts counts) {
        double[] scores = new double[pending.size()];
        Map<FleetKey, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < pending.size(); i++) {
            FittedModel model = pending.get(i).model();
            groups.computeIfAbsent(new FleetKey(model.method, model.sensors()), k -> new ArrayList<>()).add(i);
        }
        for (Map.Entry<FleetKey, List<Integer>> group : groups.entrySet()) {
            Fleet fleet = fleet(pending, group.getKey().sensors(), group.getValue());
            double[] out = FittedModel.scoreFleet(fleet.models, fleet.flat, fleet.modelOfRow, backend);
            counts.calls++;
            fleet.copyInto(out, scores);
        }
        return scores;
    }

    /** What the models of one kernel call share. */
    private record FleetKey(MultivariateOptions.Method method, int sensors) {
    }

    /**
     * The states of one kernel call: row-major values, each row's index into {@code models} (machines
     * sharing a fleet model share its entry), and where each row's score goes.
     */
    private record Fleet(double[] flat, int[] modelOfRow, List<FittedModel> models, List<Integer> rows) {
        void copyInto(double[] out, double[] scores) {
            for (int r = 0; r < rows.size(); r++) {
                scores[rows.get(r)] = out[r];
            }
        }
    }

    /** Packs the states {@code rows} of {@code pending} ({@code dims} values each) for one call. */
    private static Fleet fleet(List<Pending> pending, int dims, List<Integer> rows) {
        Map<FittedModel, Integer> index = new IdentityHashMap<>();
        List<FittedModel> models = new ArrayList<>();
        double[] flat = new double[rows.size() * dims];
        int[] modelOfRow = new int[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
            Pending p = pending.get(rows.get(r));
            modelOfRow[r] = index.computeIfAbsent(p.model(), m -> {
                models.add(m);
                return models.size() - 1;
            });
            System.arraycopy(p.values(), 0, flat, r * dims, dims);
        }
        return new Fleet(flat, modelOfRow, models, rows);
    }

    /**
     * The anomalies among the scored {@code pending} states (each machine's in time order): the
     * {@link MultivariateOptions#confirmStates()}-th state in a row above the threshold, unless the
     * machine reported one less than {@link MultivariateOptions#repeatAfter()} before. The
     * machines' runs change only once every anomaly's blame call succeeded.
     */
    private List<Anomaly> judge(List<Pending> pending, double[] scores) {
        // Per machine: {anomalous states in a row, time of the last anomaly}.
        Map<MachineStates.Machine, long[]> runs = new IdentityHashMap<>();
        List<Integer> reported = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
            Pending p = pending.get(i);
            long[] run = runs.computeIfAbsent(p.state(), m -> new long[] {m.anomalousRun, m.lastAnomalyMicros});
            if (!(scores[i] > THRESHOLD)) {
                run[0] = 0;
                continue;
            }
            run[0] = Math.min(run[0] + 1, options.confirmStates());
            if (run[0] < options.confirmStates()) {
                continue;
            }
            if (run[1] != MachineStates.NONE && p.micros() - run[1] < options.repeatAfterMicros()) {
                continue;
            }
            run[1] = p.micros();
            reported.add(i);
        }
        int[] blamed = new int[reported.size()];
        for (int k = 0; k < blamed.length; k++) {
            Pending p = pending.get(reported.get(k));
            blamed[k] = p.model().blame(p.values(), backend);
        }
        runs.forEach((machine, run) -> {
            machine.anomalousRun = (int) run[0];
            machine.lastAnomalyMicros = run[1];
        });
        List<Anomaly> anomalies = new ArrayList<>();
        for (int k = 0; k < blamed.length; k++) {
            int i = reported.get(k);
            Pending p = pending.get(i);
            MachineStates.Machine machine = p.state();
            int column = p.columns() == null ? blamed[k] : p.columns()[blamed[k]];
            String sensor = machine.fleetModel != null ? machine.fleetModel.model().sensors().get(column)
                    : machine.sensors.get(machine.modelSensors[column]);
            anomalies.add(new Anomaly(p.micros(), p.machine(), sensor, p.values()[blamed[k]], scores[i], THRESHOLD,
                    p.model().method.optionValue()));
        }
        // Pending states of several machines: report in time order, as on time.
        anomalies.sort(Comparator.comparingLong(Anomaly::timestampMicros));
        return anomalies;
    }
}
