package io.werkstrom.jobs.detect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.analytics.detect.MsetDetector;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.protocol.Quality;
import io.werkstrom.protocol.TelemetryBatch;

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
 * stored by the job like any other, but not part of a state, and counted.
 *
 * <p><b>Training.</b> The first {@link MultivariateOptions#trainingStates()} states are the
 * machine's window of normal operation. The model's sensors are those present in at least half of
 * them and not constant throughout (a constant sensor carries no relation to the others, and its
 * spread would be zero); the model is fitted on the states holding all of them. A machine with
 * fewer than 2 such sensors gets no model: counted, and its window starts over. When fewer than half
 * of the states are complete, the older half of the window is dropped and training goes on.
 *
 * <p><b>Scoring.</b> A state missing a model sensor is not scored (counted). The complete states of
 * all MSET-modelled machines with the same sensor count are scored in one kernel call
 * ({@link MsetDetector.Fleet}); PCA models are scored one kernel call per machine. A state scoring
 * above 1 (beyond the {@code limitQuantile} of the training scores) is anomalous; the
 * {@link MultivariateOptions#confirmStates()}-th anomalous state in a row of a machine is reported
 * as an anomaly at its bucket's start, unless the machine reported one less than
 * {@link MultivariateOptions#repeatAfter()} before. Its sensor is the one most to blame ({@link FittedModel#blame}), its value that sensor's.
 *
 * <p>Not thread-safe. The backend is borrowed, not closed.
 */
public final class MultivariateScorer {

    /** The threshold of the normalised score. */
    public static final double THRESHOLD = 1.0;

    private final MultivariateOptions options;
    private final KernelBackend backend;

    public MultivariateScorer(MultivariateOptions options, KernelBackend backend) {
        this.options = Objects.requireNonNull(options, "options must not be null.");
        this.backend = Objects.requireNonNull(backend, "backend must not be null.");
        if (!options.enabled()) {
            throw new IllegalArgumentException("multivariate detection is off.");
        }
    }

    /**
     * What one batch did.
     *
     * @param anomalies        the anomalies to report
     * @param statesScored     states scored
     * @param incompleteStates states of modelled machines not scored for a missing sensor
     * @param modelsFitted     machines whose model was fitted (or fitted again after a restore)
     * @param tooFewSensors    training windows that ended without a model for lack of sensors
     * @param fitFailures      training windows that the detector refused (e.g. a singular memory)
     * @param lateSamples      samples older than their machine's bucket being assembled
     * @param kernelCalls      scoring calls made (anomaly attribution not counted)
     */
    public record Outcome(List<Anomaly> anomalies, int statesScored, int incompleteStates, int modelsFitted,
                          int tooFewSensors, int fitFailures, int lateSamples, int kernelCalls) {
    }

    /** A complete state waiting to be scored. */
    private record Pending(String machine, MachineStates.Machine state, long micros, double[] values) {
    }

    /** Feeds {@code batch} into {@code states} and scores the states it completes. */
    public Outcome score(TelemetryBatch batch, MachineStates states) {
        Counts counts = new Counts();
        List<Pending> pending = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> entry : rowsByMachine(batch).entrySet()) {
            MachineStates.Machine machine = states.machine(entry.getKey());
            ensureModel(machine, counts);
            for (int row : entry.getValue()) {
                if (batch.quality(row) != Quality.GOOD || !Double.isFinite(batch.values()[row])) {
                    continue;
                }
                long micros = batch.timestampsMicros()[row];
                long bucket = Math.floorDiv(micros, options.bucketMicros());
                if (machine.openBucket != MachineStates.NONE && bucket < machine.openBucket) {
                    counts.late++;
                    continue;
                }
                if (machine.openBucket != MachineStates.NONE && bucket > machine.openBucket) {
                    close(entry.getKey(), machine, pending, counts);
                }
                machine.openBucket = bucket;
                int s = machine.column(batch.sensors()[row]);
                if (machine.lastMicros[s] == MachineStates.NONE || micros >= machine.lastMicros[s]) {
                    machine.lastMicros[s] = micros;
                    machine.lastValue[s] = batch.values()[row];
                }
            }
        }
        List<Anomaly> anomalies = scorePending(pending, counts);
        return new Outcome(anomalies, pending.size(), counts.incomplete, counts.fitted, counts.tooFew,
                counts.fitFailures, counts.late, counts.calls);
    }

    private static final class Counts {
        int incomplete;
        int fitted;
        int tooFew;
        int fitFailures;
        int late;
        int calls;
    }

    /** Row indices per machine, each machine's rows in time order (a batch arrives grouped by series). */
    private static Map<String, List<Integer>> rowsByMachine(TelemetryBatch batch) {
        Map<String, List<Integer>> rows = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            rows.computeIfAbsent(batch.machines()[i], m -> new ArrayList<>()).add(i);
        }
        long[] times = batch.timestampsMicros();
        rows.values().forEach(list -> list.sort((a, b) -> Long.compare(times[a], times[b])));
        return rows;
    }

    /** Turns the machine's open bucket into a state: training, or pending scoring. */
    private void close(String name, MachineStates.Machine machine, List<Pending> pending, Counts counts) {
        long start = machine.openBucket * options.bucketMicros();
        long end = start + options.bucketMicros();
        double[] state = new double[machine.sensors.size()];
        for (int s = 0; s < state.length; s++) {
            boolean fresh = machine.lastMicros[s] != MachineStates.NONE
                    && machine.lastMicros[s] >= end - options.carryForwardMicros() - options.bucketMicros()
                    && machine.lastMicros[s] < end;
            state[s] = fresh ? machine.lastValue[s] : Double.NaN;
        }
        if (machine.modelSensors == null) {
            machine.training.add(state);
            if (machine.training.size() >= options.trainingStates()) {
                train(machine, counts);
            }
            return;
        }
        double[] values = new double[machine.modelSensors.length];
        for (int k = 0; k < values.length; k++) {
            int s = machine.modelSensors[k];
            values[k] = s < state.length ? state[s] : Double.NaN;
            if (Double.isNaN(values[k])) {
                counts.incomplete++;
                return;
            }
        }
        pending.add(new Pending(name, machine, start, values));
    }

    private void train(MachineStates.Machine machine, Counts counts) {
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
            boolean varies = max - min > 1e-9 * Math.max(1.0, Math.max(Math.abs(min), Math.abs(max)));
            if (2 * present >= window.size() && varies) {
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
        try {
            machine.model = FittedModel.fit(options.method(), rows);
        } catch (IllegalArgumentException e) {
            counts.fitFailures++;
            window.clear();
            return;
        }
        machine.modelSensors = sensors;
        // Only the complete rows are kept: they alone define the model.
        window.clear();
        window.addAll(Arrays.asList(rows));
        counts.fitted++;
    }

    /** Rebuilds the model of a restored machine from its training window. */
    private void ensureModel(MachineStates.Machine machine, Counts counts) {
        if (machine.modelSensors == null || machine.model != null) {
            return;
        }
        double[][] rows = machine.training.toArray(new double[0][]);
        try {
            machine.model = FittedModel.fit(options.method(), rows);
            counts.fitted++;
        } catch (IllegalArgumentException e) {
            // A window that fitted once fits again unless the method changed; train anew then.
            counts.fitFailures++;
            machine.modelSensors = null;
            machine.training.clear();
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

    private List<Anomaly> scorePending(List<Pending> pending, Counts counts) {
        if (pending.isEmpty()) {
            return List.of();
        }
        double[] scores = new double[pending.size()];
        // MSET: one fleet per sensor count; PCA: one call per machine.
        Map<Integer, List<Integer>> msetBySize = new LinkedHashMap<>();
        Map<MachineStates.Machine, List<Integer>> pcaByMachine = new IdentityHashMap<>();
        for (int i = 0; i < pending.size(); i++) {
            FittedModel model = pending.get(i).state().model;
            if (model.mset != null) {
                msetBySize.computeIfAbsent(model.sensors(), k -> new ArrayList<>()).add(i);
            } else {
                pcaByMachine.computeIfAbsent(pending.get(i).state(), k -> new ArrayList<>()).add(i);
            }
        }
        for (Map.Entry<Integer, List<Integer>> group : msetBySize.entrySet()) {
            int dims = group.getKey();
            List<Integer> rows = group.getValue();
            Map<MachineStates.Machine, Integer> index = new IdentityHashMap<>();
            List<MsetDetector> models = new ArrayList<>();
            double[] flat = new double[rows.size() * dims];
            int[] modelOfRow = new int[rows.size()];
            for (int r = 0; r < rows.size(); r++) {
                Pending p = pending.get(rows.get(r));
                modelOfRow[r] = index.computeIfAbsent(p.state(), m -> {
                    models.add(m.model.mset);
                    return models.size() - 1;
                });
                System.arraycopy(p.values(), 0, flat, r * dims, dims);
            }
            double[] out = new double[rows.size()];
            MsetDetector.pack(models).score(flat, modelOfRow, out, backend);
            counts.calls++;
            for (int r = 0; r < rows.size(); r++) {
                scores[rows.get(r)] = out[r];
            }
        }
        for (List<Integer> rows : pcaByMachine.values()) {
            double[][] values = new double[rows.size()][];
            for (int r = 0; r < rows.size(); r++) {
                values[r] = pending.get(rows.get(r)).values();
            }
            double[] out = pending.get(rows.get(0)).state().model.score(values, backend);
            counts.calls++;
            for (int r = 0; r < rows.size(); r++) {
                scores[rows.get(r)] = out[r];
            }
        }
        List<Anomaly> anomalies = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
            Pending p = pending.get(i);
            MachineStates.Machine machine = p.state();
            if (!(scores[i] > THRESHOLD)) {
                machine.anomalousRun = 0;
                continue;
            }
            machine.anomalousRun = Math.min(machine.anomalousRun + 1, options.confirmStates());
            if (machine.anomalousRun < options.confirmStates()) {
                continue;
            }
            if (machine.lastAnomalyMicros != MachineStates.NONE
                    && p.micros() - machine.lastAnomalyMicros < options.repeatAfterMicros()) {
                continue;
            }
            machine.lastAnomalyMicros = p.micros();
            int blamed = machine.model.blame(p.values(), backend);
            anomalies.add(new Anomaly(p.micros(), p.machine(), machine.sensors.get(machine.modelSensors[blamed]),
                    p.values()[blamed], scores[i], THRESHOLD, options.method().optionValue()));
        }
        return anomalies;
    }
}
