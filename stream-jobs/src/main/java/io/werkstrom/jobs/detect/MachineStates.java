package io.werkstrom.jobs.detect;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the multivariate detector keeps per gateway: for each machine, the sensors it has reported,
 * their last good values, the time bucket being assembled, the training window and, once fitted,
 * the sensors of its model, the time of its last reported anomaly and its complete states still
 * waiting to be scored because a scoring call failed.
 *
 * <p>The fitted model is not part of the state: it is a deterministic function of the training
 * window and the model's sensors, so {@link MultivariateScorer} fits it again after a restore; a
 * fleet model is kept by its id and looked up again; a fallback model is fitted again from its
 * states. The stable form ({@link #snapshot()}, versioned) thus holds plain numbers and names only.
 * Version 2 added the pending states, version 3 the fleet model's id, version 4 the fallback model
 * and the states no model could score; versions 1 to 3 are still read.
 *
 * <p>Not thread-safe; owned by one keyed operator.
 */
public final class MachineStates {

    private static final int VERSION = 4;
    static final long NONE = Long.MIN_VALUE;

    private final Map<String, Machine> machines = new TreeMap<>();

    /** The machine's state, created empty on first use. */
    Machine machine(String name) {
        return machines.computeIfAbsent(name, n -> new Machine());
    }

    /** The machine's state, or null when the machine is unknown. */
    Machine existing(String name) {
        return machines.get(name);
    }

    Collection<Machine> machines() {
        return machines.values();
    }

    /** Every machine by name, in name order; a read-only view. */
    Map<String, Machine> byName() {
        return Collections.unmodifiableMap(machines);
    }

    public int size() {
        return machines.size();
    }

    /** Whether {@code machine} has a fitted model. */
    public boolean modelled(String machine) {
        Machine m = machines.get(machine);
        return m != null && m.modelSensors != null;
    }

    /** The sensors of {@code machine}'s model, or an empty list before its fit. */
    public List<String> modelSensors(String machine) {
        Machine m = machines.get(machine);
        if (m == null || m.modelSensors == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (int s : m.modelSensors) {
            names.add(m.sensors.get(s));
        }
        return names;
    }

    /** The number of states in {@code machine}'s training window. */
    public int trainingStates(String machine) {
        Machine m = machines.get(machine);
        return m == null ? 0 : m.training.size();
    }

    /** The id of the fleet model {@code machine} is scored against, or null when it has none. */
    public String fleetModelId(String machine) {
        Machine m = machines.get(machine);
        return m == null ? null : m.fleetModelId;
    }

    /**
     * The sensors of {@code machine}'s fallback model (fitted when its model's sensors stopped
     * reporting), or an empty list when it has none.
     */
    public List<String> fallbackSensors(String machine) {
        Machine m = machines.get(machine);
        if (m == null || m.fallbackSensors == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (int s : m.fallbackSensors) {
            names.add(m.sensors.get(s));
        }
        return names;
    }

    /** The number of {@code machine}'s complete states waiting for a scoring call that succeeds. */
    public int pendingStates(String machine) {
        Machine m = machines.get(machine);
        return m == null ? 0 : m.pending.size();
    }

    /**
     * A complete state of a modelled machine: its bucket's start, its values in model column order,
     * and whether they are the fallback model's columns rather than the model's.
     */
    record Pending(long micros, double[] values, boolean fallback) {
        Pending(long micros, double[] values) {
            this(micros, values, false);
        }
    }

    /**
     * A machine state taken from its bucket: the bucket's start and one value per sensor known then
     * (in {@link Machine#sensors} order), NaN where a sensor had no fresh value.
     */
    record Closed(long micros, double[] values) {
    }

    /** What {@link Machine#offer} returns for a sample older than the open bucket. */
    static final Closed LATE = new Closed(NONE, new double[0]);

    /** One machine's state. Fields are package-private for {@link MultivariateScorer}. */
    static final class Machine {
        /** Every sensor the machine has reported, in order of first appearance (the column order). */
        final List<String> sensors = new ArrayList<>();
        double[] lastValue = new double[0];
        long[] lastMicros = new long[0];
        long openBucket = NONE;
        /** Training states, one value per column known when recorded, NaN where missing. */
        final List<double[]> training = new ArrayList<>();
        /** Columns of the model, null before the fit. */
        int[] modelSensors;
        long lastAnomalyMicros = NONE;
        /** Scored states in a row beyond the limit, up to the latest. */
        int anomalousRun;
        /**
         * Complete states not yet scored, oldest first: those of the batch being scored, and after a
         * failed scoring call those it should have scored (bounded by the scorer).
         */
        final List<Pending> pending = new ArrayList<>();
        /** The fitted model, rebuilt from {@link #training} after a restore; not serialised. */
        transient FittedModel model;
        /**
         * The id of the fleet model the machine is scored against ({@link MultivariateScorer.FleetModelInForce}),
         * null while it has none; its pending states are then in that model's sensor order.
         */
        String fleetModelId;
        /** The fleet model of {@link #fleetModelId}, looked up again after a restore; not serialised. */
        transient MultivariateScorer.FleetModelInForce fleetModel;
        /** The machine's columns of the fleet model's sensors; not serialised. */
        transient int[] fleetColumns;
        /**
         * Columns of the fallback model, null when there is none: a model of the machine's own, fitted
         * on the states its model (own or fleet) could not score for a missing sensor, and used for
         * the states that lack one of the model's sensors but hold all of its own.
         */
        int[] fallbackSensors;
        /** The complete states the fallback model was fitted on (its columns only). */
        final List<double[]> fallbackTraining = new ArrayList<>();
        /** The fallback model, rebuilt from {@link #fallbackTraining} after a restore; not serialised. */
        transient FittedModel fallbackModel;
        /**
         * The latest states in a row that neither the model nor the fallback model could score, each
         * as {@link #training}'s rows; a fallback model is fitted on them once there are a training
         * window's worth.
         */
        final List<double[]> unscored = new ArrayList<>();

        /**
         * Takes a good sample of {@code sensor} at {@code micros}: returns {@link #LATE} when it is
         * older than the open bucket (not taken), the state of the open bucket when the sample opens
         * a later one, else null.
         */
        Closed offer(long micros, String sensor, double value, long bucketMicros, long carryForwardMicros) {
            long bucket = Math.floorDiv(micros, bucketMicros);
            if (openBucket != NONE && bucket < openBucket) {
                return LATE;
            }
            Closed closed = openBucket != NONE && bucket > openBucket ? state(bucketMicros, carryForwardMicros) : null;
            openBucket = bucket;
            int s = column(sensor);
            if (lastMicros[s] == NONE || micros >= lastMicros[s]) {
                lastMicros[s] = micros;
                lastValue[s] = value;
            }
            return closed;
        }

        /**
         * The open bucket as a state: per known sensor, its last value if it was taken within the
         * bucket or the {@code carryForwardMicros} before it, else NaN.
         */
        private Closed state(long bucketMicros, long carryForwardMicros) {
            long start = openBucket * bucketMicros;
            long end = start + bucketMicros;
            double[] state = new double[sensors.size()];
            for (int s = 0; s < state.length; s++) {
                boolean fresh = lastMicros[s] != NONE && lastMicros[s] >= end - carryForwardMicros - bucketMicros
                        && lastMicros[s] < end;
                state[s] = fresh ? lastValue[s] : Double.NaN;
            }
            return new Closed(start, state);
        }

        int column(String sensor) {
            int s = sensors.indexOf(sensor);
            if (s < 0) {
                s = sensors.size();
                sensors.add(sensor);
                lastValue = Arrays.copyOf(lastValue, s + 1);
                lastMicros = Arrays.copyOf(lastMicros, s + 1);
                lastMicros[s] = NONE;
            }
            return s;
        }
    }

    /** The versioned stable form. */
    public byte[] snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(VERSION);
            out.writeInt(machines.size());
            for (Map.Entry<String, Machine> entry : machines.entrySet()) {
                Machine m = entry.getValue();
                out.writeUTF(entry.getKey());
                out.writeInt(m.sensors.size());
                for (int s = 0; s < m.sensors.size(); s++) {
                    out.writeUTF(m.sensors.get(s));
                    out.writeDouble(m.lastValue[s]);
                    out.writeLong(m.lastMicros[s]);
                }
                out.writeLong(m.openBucket);
                writeRows(out, m.training);
                out.writeInt(m.modelSensors == null ? -1 : m.modelSensors.length);
                if (m.modelSensors != null) {
                    for (int s : m.modelSensors) {
                        out.writeInt(s);
                    }
                }
                out.writeLong(m.lastAnomalyMicros);
                out.writeInt(m.anomalousRun);
                out.writeBoolean(m.fleetModelId != null);
                if (m.fleetModelId != null) {
                    out.writeUTF(m.fleetModelId);
                }
                out.writeInt(m.fallbackSensors == null ? -1 : m.fallbackSensors.length);
                if (m.fallbackSensors != null) {
                    for (int s : m.fallbackSensors) {
                        out.writeInt(s);
                    }
                }
                writeRows(out, m.fallbackTraining);
                writeRows(out, m.unscored);
                out.writeInt(m.pending.size());
                for (Pending p : m.pending) {
                    out.writeLong(p.micros());
                    out.writeBoolean(p.fallback());
                    out.writeInt(p.values().length);
                    for (double v : p.values()) {
                        out.writeDouble(v);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    private static void writeRows(DataOutputStream out, List<double[]> rows) throws IOException {
        out.writeInt(rows.size());
        for (double[] row : rows) {
            out.writeInt(row.length);
            for (double v : row) {
                out.writeDouble(v);
            }
        }
    }

    /**
     * Reads {@code what}'s rows as {@link #writeRows} wrote them into {@code rows}, each of at most
     * {@code maxWidth} values, or exactly {@code width} when that is not negative.
     */
    private static void readRows(DataInputStream in, List<double[]> rows, int maxWidth, int width, String what)
            throws IOException {
        int count = count(in.readInt(), what);
        for (int r = 0; r < count; r++) {
            double[] row = new double[count(in.readInt(), what + " values")];
            if (row.length > maxWidth || width >= 0 && row.length != width) {
                throw new IllegalArgumentException("a state of the " + what + " does not match its machine.");
            }
            for (int s = 0; s < row.length; s++) {
                row[s] = in.readDouble();
            }
            rows.add(row);
        }
    }

    /**
     * Reads {@link #snapshot()}'s form, of this version, version 3 (no fallback model), version 2
     * (no fleet model either) or version 1 (no pending states either).
     *
     * @throws IllegalArgumentException when the bytes are not such a snapshot
     */
    public static MachineStates fromSnapshot(byte[] snapshot) {
        MachineStates states = new MachineStates();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot))) {
            int version = in.readInt();
            if (version < 1 || version > VERSION) {
                throw new IllegalArgumentException("multivariate state version " + version
                        + " is unknown (expected 1 to " + VERSION + ").");
            }
            int machineCount = count(in.readInt(), "machines");
            for (int i = 0; i < machineCount; i++) {
                Machine m = states.machine(in.readUTF());
                int sensorCount = count(in.readInt(), "sensors");
                for (int s = 0; s < sensorCount; s++) {
                    m.column(in.readUTF());
                    m.lastValue[s] = in.readDouble();
                    m.lastMicros[s] = in.readLong();
                }
                m.openBucket = in.readLong();
                readRows(in, m.training, sensorCount, -1, "training window");
                m.modelSensors = readColumns(in, sensorCount);
                m.lastAnomalyMicros = in.readLong();
                m.anomalousRun = count(in.readInt(), "anomalous states in a row");
                m.fleetModelId = version >= 3 && in.readBoolean() ? in.readUTF() : null;
                if (m.fleetModelId != null && m.modelSensors != null) {
                    throw new IllegalArgumentException("a machine has both a fleet model and its own.");
                }
                if (version >= 4) {
                    m.fallbackSensors = readColumns(in, sensorCount);
                    if (m.fallbackSensors != null && m.fleetModelId == null && m.modelSensors == null) {
                        throw new IllegalArgumentException("a machine has a fallback model but no model.");
                    }
                    readRows(in, m.fallbackTraining, sensorCount,
                            m.fallbackSensors == null ? 0 : m.fallbackSensors.length, "fallback training");
                    readRows(in, m.unscored, sensorCount, -1, "unscored states");
                }
                int pendingCount = version >= 2 ? count(in.readInt(), "pending states") : 0;
                int primaryWidth = -1;
                for (int p = 0; p < pendingCount; p++) {
                    long micros = in.readLong();
                    boolean fallback = version >= 4 && in.readBoolean();
                    double[] values = new double[count(in.readInt(), "pending values")];
                    boolean fits;
                    if (fallback) {
                        fits = m.fallbackSensors != null && values.length == m.fallbackSensors.length;
                    } else if (m.fleetModelId != null) {
                        fits = values.length >= 2 && (primaryWidth < 0 || values.length == primaryWidth);
                        primaryWidth = values.length;
                    } else {
                        fits = m.modelSensors != null && values.length == m.modelSensors.length;
                    }
                    if (!fits) {
                        throw new IllegalArgumentException("a pending state does not match its machine's model.");
                    }
                    for (int k = 0; k < values.length; k++) {
                        values[k] = in.readDouble();
                    }
                    m.pending.add(new Pending(micros, values, fallback));
                }
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("multivariate state has " + in.available() + " trailing bytes.");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("multivariate state is truncated or malformed.", e);
        }
        return states;
    }

    /** Model columns as {@link #snapshot()} wrote them, null for none, each checked against {@code sensorCount}. */
    private static int[] readColumns(DataInputStream in, int sensorCount) throws IOException {
        int count = in.readInt();
        if (count < 0) {
            return null;
        }
        int[] columns = new int[count(count, "model sensors")];
        for (int s = 0; s < count; s++) {
            columns[s] = in.readInt();
            if (columns[s] < 0 || columns[s] >= sensorCount) {
                throw new IllegalArgumentException("a model sensor index is out of range.");
            }
        }
        return columns;
    }

    /** A deep copy; the fitted models and fleet models, immutable, are shared. */
    public MachineStates copy() {
        MachineStates copy = fromSnapshot(snapshot());
        for (Map.Entry<String, Machine> entry : machines.entrySet()) {
            Machine copied = copy.machines.get(entry.getKey());
            copied.model = entry.getValue().model;
            copied.fleetModel = entry.getValue().fleetModel;
            copied.fleetColumns = entry.getValue().fleetColumns;
            copied.fallbackModel = entry.getValue().fallbackModel;
        }
        return copy;
    }

    private static int count(int n, String what) {
        if (n < 0 || n > 10_000_000) {
            throw new IllegalArgumentException("multivariate state claims " + n + " " + what + ".");
        }
        return n;
    }
}
