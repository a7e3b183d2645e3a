package io.werkstrom.jobs.predict;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

import io.werkstrom.jobs.storage.RulPrediction;

/**
 * Predicts the remaining useful life of a machine at every cycle of its run toward failure, with
 * the model in force for the machine, and reports the failure that ends a run so that the
 * actual remaining life of the run's predictions is filled in. The plain logic of the stream
 * operator {@link RulPredictionFunction}, testable without Flink.
 *
 * <p>A cycle is the set of good samples, one per sensor the model reads, with the same
 * timestamp: it is complete, and predicted, when the last of them arrives (one C-MAPSS cycle
 * replayed by the gateway is one timestamp of its engine). A sample with a later timestamp ends
 * assembling an incomplete cycle, which is counted and not predicted; a sample at or before the
 * last complete cycle is counted as late and ignored. A good sample of the sensor
 * {@value #FAILURE} with a value of at least 0.5 is the machine's failure: its run ends at the
 * last complete cycle at or before it (the actual remaining life there is 0) and the next cycle
 * starts a new run. Within one call, a timestamp's failure is taken after its other samples.
 *
 * <p>Not thread-safe; one per operator instance.
 */
public final class RulPredictor {

    /** The sensor whose good sample (value >= 0.5) says that the machine failed at its time. */
    public static final String FAILURE = "failure";

    /** Quality code of a bad sample (OPC UA "bad"). */
    private static final byte BAD = 2;

    /** What happened beyond the predictions, for the operator's counters; the caller resets it. */
    public static final class Counts {
        /** Distinct sample timestamps of machines whose tenant has no model for their type. */
        public long withoutModel;
        /** Cycles that never got all their sensors' good samples. */
        public long incompleteCycles;
        /** Samples at or before the machine's last complete cycle. */
        public long lateSamples;
        /** Runs ended by a failure. */
        public long failures;
        /** Times a machine's history was forgotten because the model in force reads other sensors. */
        public long historyResets;
    }

    private final BiFunction<String, String, Optional<ModelRegistry.Loaded<StoredRulModel>>> models;
    private final int maxHistory;

    /**
     * @param models     the model in force for (tenant, machine), e.g. {@link ModelRegistry#modelFor}
     * @param maxHistory cycles kept per machine (see {@link MachineRun}); at least {@value MachineRun#HEAD} + 2
     */
    public RulPredictor(BiFunction<String, String, Optional<ModelRegistry.Loaded<StoredRulModel>>> models,
                        int maxHistory) {
        if (maxHistory < MachineRun.HEAD + 2) {
            throw new IllegalArgumentException("maxHistory must be at least " + (MachineRun.HEAD + 2) + " (was "
                    + maxHistory + ").");
        }
        this.models = models;
        this.maxHistory = maxHistory;
    }

    /** Feeds one machine's samples to {@code run} (its state) and returns the predictions and failures they yield. */
    public List<RulPrediction> accept(MachineSamples samples, MachineRun run, Counts counts) {
        List<RulPrediction> out = new ArrayList<>();
        Optional<ModelRegistry.Loaded<StoredRulModel>> model =
                models.apply(samples.source().tenant(), samples.machine());
        if (model.isPresent() && run.useColumns(model.get().model().requiredSensorNames())) {
            counts.historyResets++;
        }
        long[] times = samples.timestampsMicros();
        Integer[] order = new Integer[samples.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        // Stable: a timestamp's samples keep their order, its failure goes after them.
        Arrays.sort(order, Comparator.<Integer>comparingLong(i -> times[i])
                .thenComparing(i -> FAILURE.equals(samples.sensors()[i])));
        long lastTime = Long.MIN_VALUE;
        for (int i : order) {
            String sensor = samples.sensors()[i];
            long time = times[i];
            boolean good = samples.qualities()[i] < BAD;
            if (FAILURE.equals(sensor)) {
                if (good && samples.values()[i] >= 0.5) {
                    fail(samples, run, time, out, counts);
                }
                continue;
            }
            if (model.isEmpty()) {
                if (time != lastTime) {
                    counts.withoutModel++;
                    lastTime = time;
                }
                continue;
            }
            int column = run.column(sensor);
            if (column < 0) {
                continue;
            }
            if (time <= run.lastCycleMicros()) {
                counts.lateSamples++;
                continue;
            }
            if (!run.hasPending() || time > run.pendingMicros()) {
                if (run.hasPending()) {
                    counts.incompleteCycles++;
                }
                run.startPending(time);
            } else if (time < run.pendingMicros()) {
                // Older than the cycle being assembled, newer than the last complete one: that
                // cycle was already given up when this cycle's first sample came.
                counts.lateSamples++;
                continue;
            }
            run.setPending(column, good ? samples.values()[i] : Double.NaN);
            if (good && run.pendingComplete()) {
                run.completePending(maxHistory);
                out.add(predict(samples, run, model.get()));
            }
        }
        return out;
    }

    private RulPrediction predict(MachineSamples samples, MachineRun run, ModelRegistry.Loaded<StoredRulModel> model) {
        double rul = model.model().model().predictLastCycle(List.of(run.toEngineRun(model.model())))[0];
        return new RulPrediction(samples.source(), samples.machine(), run.runStartMicros(), run.cycles(),
                run.lastCycleMicros(), model.name(), model.version(), Math.max(0, rul), null,
                samples.receivedAtMicros());
    }

    private static void fail(MachineSamples samples, MachineRun run, long time, List<RulPrediction> out, Counts counts) {
        if (run.hasPending() && run.pendingMicros() <= time) {
            counts.incompleteCycles++;
            run.dropPending();
        }
        if (run.cycles() > 0) {
            out.add(RulPrediction.failure(samples.source(), samples.machine(), run.runStartMicros(), run.cycles(),
                    time, samples.receivedAtMicros()));
        }
        counts.failures++;
        run.endRun();
    }
}
