package io.werkstrom.jobs.predict;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.werkstrom.analytics.predict.EngineRun;
import io.werkstrom.protocol.GatewayAddress;

/**
 * One machine's run toward failure as the remaining-useful-life operator keeps it: the cycles
 * assembled so far (bounded), the timestamps still being assembled, and the run's start and
 * cycle count.
 *
 * <p>Bounded history: the first {@value #HEAD} cycles of the run are kept (the features compare
 * the latest cycles with the run's first ten) and the latest {@code maxHistory - HEAD}; an older
 * cycle in between is forgotten. The features' windows reach back at most twice the model's
 * window, so predictions stay exact while {@code maxHistory} exceeds the longest training run;
 * beyond it only the features' cycle count stops growing. Timestamps being assembled are bounded
 * by what arrives within the reorder delay.
 *
 * <p>Mutable, not thread-safe. A stream operator keeps it as keyed state in its versioned binary
 * form ({@link #snapshot()}, {@link MachineRunSerializer}), so that a later version of the job
 * still reads the state of a checkpoint or savepoint taken by this one.
 */
public final class MachineRun {

    /** The version of {@link #snapshot()}'s form; version 1 (without the last cycle's time) is still read. */
    private static final int VERSION = 2;
    private static final long NONE = Long.MIN_VALUE;
    /** More of anything in a snapshot is corruption: far beyond any history or waiting set kept. */
    private static final int MAX_COUNT = 10_000_000;

    /** Cycles at the start of a run that are never forgotten. */
    static final int HEAD = 10;

    private String tenant;
    private String site;
    private String gateway;
    private String machine;
    private long receivedAtMicros;

    /** The sensors of a cycle, in the order of the values kept; empty until a model is in force. */
    private String[] columns = new String[0];
    /** Cycle number and values of every kept cycle, oldest first. */
    private final ArrayList<Integer> numbers = new ArrayList<>();
    private final ArrayList<double[]> values = new ArrayList<>();
    private long runStartMicros;
    private int cycles;
    /** The time of the run's latest cycle, or {@link #NONE} while the run has none. */
    private long lastCycleMicros = NONE;
    /** Every timestamp up to this one has been taken as a cycle, an incomplete one, or a failure. */
    private long doneMicros = Long.MIN_VALUE;
    /** Timestamps being assembled: the values so far (NaN where no good sample came yet). */
    private final TreeMap<Long, double[]> assembling = new TreeMap<>();
    /** Failure times not taken yet. */
    private final TreeMap<Long, Boolean> failures = new TreeMap<>();
    /** Per timestamp being assembled (or failure), the processing time (ms) from which it is taken. */
    private final TreeMap<Long, Long> dueMillis = new TreeMap<>();
    /** The machine's reorder delay once late samples widened it, else -1 (the job's setting). */
    private long widenedDelayMillis = -1;

    void identify(GatewayAddress source, String machine, long receivedAtMicros) {
        this.tenant = source.tenant();
        this.site = source.site();
        this.gateway = source.gateway();
        this.machine = machine;
        this.receivedAtMicros = receivedAtMicros;
    }

    GatewayAddress source() {
        return new GatewayAddress(tenant, site, gateway);
    }

    String machine() {
        return machine;
    }

    long receivedAtMicros() {
        return receivedAtMicros;
    }

    /** The sensor names a cycle needs, as set by {@link #useColumns}. */
    List<String> columns() {
        return List.of(columns);
    }

    /**
     * Makes {@code sensors} the sensors a cycle needs. When they differ from the current ones (the
     * first model, or a model version reading other sensors) the kept cycles and the timestamps
     * being assembled are forgotten, as they lack the new sensors; the run's start and count stay.
     *
     * @return whether history was forgotten
     */
    boolean useColumns(List<String> sensors) {
        if (Arrays.asList(columns).equals(sensors)) {
            return false;
        }
        boolean forgot = !values.isEmpty() || !assembling.isEmpty();
        columns = sensors.toArray(new String[0]);
        numbers.clear();
        values.clear();
        for (Long time : assembling.keySet()) {
            if (!failures.containsKey(time)) {
                dueMillis.remove(time);
            }
        }
        assembling.clear();
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

    /** Whether {@code micros} was already taken (a sample for it is late). */
    boolean done(long micros) {
        return micros <= doneMicros;
    }

    /** Sets a value of the cycle at {@code micros}, due at {@code due} if it is new; NaN marks a bad sample. */
    void assemble(long micros, int column, double value, long due) {
        double[] cycle = assembling.computeIfAbsent(micros, t -> {
            double[] v = new double[columns.length];
            Arrays.fill(v, Double.NaN);
            return v;
        });
        // A good sample is not overwritten by a bad duplicate.
        if (!Double.isNaN(value) || Double.isNaN(cycle[column])) {
            cycle[column] = value;
        }
        dueMillis.putIfAbsent(micros, due);
    }

    /** How long this machine's timestamps wait: {@code base}, or more once late samples widened it. */
    long reorderDelay(long base) {
        return Math.max(base, widenedDelayMillis);
    }

    /**
     * Doubles this machine's reorder delay (to at least a second), up to {@code max}: its samples
     * come later than the delay allowed. Returns whether the delay grew.
     */
    boolean widenReorderDelay(long base, long max) {
        long current = reorderDelay(base);
        long widened = Math.min(max, Math.max(2 * current, 1_000));
        if (widened <= current) {
            return false;
        }
        widenedDelayMillis = widened;
        return true;
    }

    void failAt(long micros, long due) {
        failures.put(micros, Boolean.TRUE);
        dueMillis.putIfAbsent(micros, due);
    }

    /** The latest timestamp that is due at {@code nowMillis} (earlier ones go with it), or null. */
    Long latestDue(long nowMillis) {
        Long latest = null;
        for (Map.Entry<Long, Long> e : dueMillis.entrySet()) {
            if (e.getValue() <= nowMillis) {
                latest = e.getKey();
            }
        }
        return latest;
    }

    /** The earliest processing time at which something is due, or null when nothing waits. */
    Long nextDue() {
        return dueMillis.values().stream().min(Long::compare).orElse(null);
    }

    /** The first waiting timestamp, or null. */
    Long firstWaiting() {
        return dueMillis.isEmpty() ? null : dueMillis.firstKey();
    }

    /**
     * Takes the waiting timestamp {@code micros}: returns its cycle's values, or null when only a
     * failure waited there ({@link #takeFailure} tells that). Samples for it are late from now on.
     */
    double[] takeCycle(long micros) {
        dueMillis.remove(micros);
        doneMicros = Math.max(doneMicros, micros);
        return assembling.remove(micros);
    }

    /** Whether a failure waited at {@code micros}; forgets it. */
    boolean takeFailure(long micros) {
        return failures.remove(micros) != null;
    }

    static boolean complete(double[] cycle) {
        for (double v : cycle) {
            if (Double.isNaN(v)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Appends the cycle at {@code micros} as the run's next, forgetting the oldest after the head
     * beyond {@code maxHistory} (more than one when a run restored from a checkpoint kept more).
     */
    void addCycle(long micros, double[] cycle, int maxHistory) {
        if (cycles == 0) {
            runStartMicros = micros;
        }
        cycles++;
        lastCycleMicros = micros;
        numbers.add(cycles);
        values.add(cycle);
        if (values.size() > maxHistory) {
            int excess = values.size() - maxHistory;
            numbers.subList(HEAD, HEAD + excess).clear();
            values.subList(HEAD, HEAD + excess).clear();
        }
    }

    /** Cycles of the current run so far. */
    int cycles() {
        return cycles;
    }

    int keptCycles() {
        return values.size();
    }

    int waiting() {
        return dueMillis.size();
    }

    long runStartMicros() {
        return runStartMicros;
    }

    /**
     * Whether a failure at {@code micros} can still end the current run although its time was
     * taken already (it came late): the run has cycles, and none of them lies after the failure.
     */
    boolean endsLate(long micros) {
        return cycles > 0 && lastCycleMicros != NONE && micros >= lastCycleMicros;
    }

    /** Ends the run (it failed): the next cycle starts a new one. */
    void endRun() {
        cycles = 0;
        runStartMicros = 0;
        lastCycleMicros = NONE;
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

    /**
     * The run in a stable, versioned binary form: identity, the sensors of a cycle, the kept
     * cycles, the timestamps being assembled with their failures and due times, the reorder
     * delay, and the time of the run's latest cycle.
     */
    byte[] snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(VERSION);
            writeNullable(out, tenant);
            writeNullable(out, site);
            writeNullable(out, gateway);
            writeNullable(out, machine);
            out.writeLong(receivedAtMicros);
            out.writeInt(columns.length);
            for (String column : columns) {
                out.writeUTF(column);
            }
            out.writeInt(values.size());
            for (int i = 0; i < values.size(); i++) {
                out.writeInt(numbers.get(i));
                writeValues(out, values.get(i));
            }
            out.writeLong(runStartMicros);
            out.writeInt(cycles);
            out.writeLong(doneMicros);
            out.writeInt(dueMillis.size());
            for (Map.Entry<Long, Long> due : dueMillis.entrySet()) {
                long time = due.getKey();
                out.writeLong(time);
                out.writeLong(due.getValue());
                out.writeBoolean(failures.containsKey(time));
                double[] cycle = assembling.get(time);
                out.writeBoolean(cycle != null);
                if (cycle != null) {
                    writeValues(out, cycle);
                }
            }
            out.writeLong(widenedDelayMillis);
            out.writeLong(lastCycleMicros);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads {@link #snapshot()}'s form, of this version or of version 1, which lacks the time of the
     * run's latest cycle: the latest time taken stands in for it (no cycle of the run is later), so a
     * late failure ends such a run only when it lies at that time.
     *
     * @throws IllegalArgumentException when the bytes are not such a snapshot
     */
    static MachineRun fromSnapshot(byte[] snapshot) {
        MachineRun run = new MachineRun();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot))) {
            int version = in.readInt();
            if (version < 1 || version > VERSION) {
                throw new IllegalArgumentException("machine run state version " + version + " is unknown (expected 1 to "
                        + VERSION + ").");
            }
            run.tenant = readNullable(in);
            run.site = readNullable(in);
            run.gateway = readNullable(in);
            run.machine = readNullable(in);
            run.receivedAtMicros = in.readLong();
            run.columns = new String[count(in.readInt(), "sensors")];
            for (int c = 0; c < run.columns.length; c++) {
                run.columns[c] = in.readUTF();
            }
            int kept = count(in.readInt(), "kept cycles");
            for (int i = 0; i < kept; i++) {
                run.numbers.add(in.readInt());
                run.values.add(readValues(in, run.columns.length));
            }
            run.runStartMicros = in.readLong();
            run.cycles = count(in.readInt(), "cycles");
            run.doneMicros = in.readLong();
            int waiting = count(in.readInt(), "waiting timestamps");
            for (int i = 0; i < waiting; i++) {
                long time = in.readLong();
                run.dueMillis.put(time, in.readLong());
                if (in.readBoolean()) {
                    run.failures.put(time, Boolean.TRUE);
                }
                if (in.readBoolean()) {
                    run.assembling.put(time, readValues(in, run.columns.length));
                }
            }
            run.widenedDelayMillis = in.readLong();
            if (version >= 2) {
                run.lastCycleMicros = in.readLong();
            } else if (run.cycles > 0) {
                run.lastCycleMicros = run.doneMicros;
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("machine run state has " + in.available() + " trailing bytes.");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("machine run state is truncated or malformed.", e);
        }
        return run;
    }

    /** A deep copy. */
    MachineRun copy() {
        return fromSnapshot(snapshot());
    }

    private static void writeNullable(DataOutputStream out, String text) throws IOException {
        out.writeBoolean(text != null);
        if (text != null) {
            out.writeUTF(text);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private static void writeValues(DataOutputStream out, double[] cycle) throws IOException {
        out.writeInt(cycle.length);
        for (double v : cycle) {
            out.writeDouble(v);
        }
    }

    private static double[] readValues(DataInputStream in, int sensors) throws IOException {
        int n = count(in.readInt(), "values");
        if (n != sensors) {
            throw new IllegalArgumentException("a cycle has " + n + " values for " + sensors + " sensors.");
        }
        double[] cycle = new double[n];
        for (int i = 0; i < n; i++) {
            cycle[i] = in.readDouble();
        }
        return cycle;
    }

    private static int count(int n, String what) {
        if (n < 0 || n > MAX_COUNT) {
            throw new IllegalArgumentException("machine run state claims " + n + " " + what + ".");
        }
        return n;
    }
}
