package io.werkstrom.jobs.predict;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.werkstrom.analytics.predict.EngineRun;

/**
 * One machine's run toward failure as the remaining-useful-life operator keeps it: the cycles
 * assembled so far (bounded), the cycle being assembled, and the run's start and cycle count.
 *
 * <p>Bounded history: the first {@value #HEAD} cycles of the run are kept (the features compare
 * the latest cycles with the run's first ten) and the latest {@code maxHistory - HEAD}; an older
 * cycle in between is forgotten. The features' windows reach back at most twice the model's
 * window, so predictions stay exact while {@code maxHistory} exceeds the longest training run;
 * beyond it only the features' cycle count stops growing.
 *
 * <p>Mutable, not thread-safe; serialisable so that a stream operator keeps it as keyed state.
 */
public final class MachineRun implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Cycles at the start of a run that are never forgotten. */
    static final int HEAD = 10;

    /** The sensors of a cycle, in the order of the values kept; empty until a model is in force. */
    private String[] columns = new String[0];
    /** Cycle number and values of every kept cycle, oldest first. */
    private final ArrayList<Integer> numbers = new ArrayList<>();
    private final ArrayList<double[]> values = new ArrayList<>();
    private long runStartMicros;
    private int cycles;
    private long lastCycleMicros = Long.MIN_VALUE;
    /** The cycle being assembled: its time and values (NaN where no good sample came yet). */
    private long pendingMicros = Long.MIN_VALUE;
    private double[] pending;

    /** The sensor names a cycle needs, as set by {@link #useColumns}. */
    List<String> columns() {
        return List.of(columns);
    }

    /**
     * Makes {@code sensors} the sensors a cycle needs. When they differ from the current ones (the
     * first model, or a model version reading other sensors) the kept cycles and the cycle being
     * assembled are forgotten, as they lack the new sensors; the run's start and count stay.
     *
     * @return whether history was forgotten
     */
    boolean useColumns(List<String> sensors) {
        if (Arrays.asList(columns).equals(sensors)) {
            return false;
        }
        boolean forgot = !values.isEmpty();
        columns = sensors.toArray(new String[0]);
        numbers.clear();
        values.clear();
        pending = null;
        pendingMicros = Long.MIN_VALUE;
        return forgot;
    }

    int column(String sensor) {
        for (int i = 0; i < columns.length; i++) {
            if (columns[i].equals(sensor)) {
                return i;
            }
        }
        return -1;
    }

    long lastCycleMicros() {
        return lastCycleMicros;
    }

    long pendingMicros() {
        return pendingMicros;
    }

    boolean hasPending() {
        return pending != null;
    }

    /** Starts assembling the cycle at {@code micros}, discarding the one in progress. */
    void startPending(long micros) {
        pendingMicros = micros;
        pending = new double[columns.length];
        Arrays.fill(pending, Double.NaN);
    }

    /** Sets a value of the cycle being assembled; NaN marks a sensor whose sample was bad. */
    void setPending(int column, double value) {
        pending[column] = value;
    }

    boolean pendingComplete() {
        for (double v : pending) {
            if (Double.isNaN(v)) {
                return false;
            }
        }
        return true;
    }

    /** Ends the cycle being assembled as the run's next cycle, forgetting an old one beyond {@code maxHistory}. */
    void completePending(int maxHistory) {
        if (cycles == 0) {
            runStartMicros = pendingMicros;
        }
        cycles++;
        numbers.add(cycles);
        values.add(pending);
        if (values.size() > maxHistory) {
            numbers.remove(HEAD);
            values.remove(HEAD);
        }
        lastCycleMicros = pendingMicros;
        pending = null;
    }

    /** Drops the cycle being assembled (it can no longer complete). */
    void dropPending() {
        pending = null;
    }

    /** Cycles of the current run so far. */
    int cycles() {
        return cycles;
    }

    int keptCycles() {
        return values.size();
    }

    long runStartMicros() {
        return runStartMicros;
    }

    /** Ends the run (it failed): the next cycle completed starts a new one. A cycle being assembled stays. */
    void endRun() {
        cycles = 0;
        runStartMicros = 0;
        numbers.clear();
        values.clear();
    }

    /**
     * The kept cycles as a run the model reads: the sensors of {@code model} in its column order,
     * this run's values in the columns it selects and 0 in the others (which it never reads).
     */
    EngineRun toEngineRun(StoredRulModel model) {
        List<String> names = model.sensors();
        int[] source = new int[names.size()];
        for (int c = 0; c < source.length; c++) {
            source[c] = column(names.get(c));
        }
        int n = values.size();
        int[] cycleNumbers = new int[n];
        double[][] sensors = new double[n][names.size()];
        for (int i = 0; i < n; i++) {
            cycleNumbers[i] = numbers.get(i);
            double[] kept = values.get(i);
            for (int c = 0; c < source.length; c++) {
                sensors[i][c] = source[c] < 0 ? 0 : kept[source[c]];
            }
        }
        return new EngineRun(0, cycleNumbers, new double[n][0], sensors);
    }
}
