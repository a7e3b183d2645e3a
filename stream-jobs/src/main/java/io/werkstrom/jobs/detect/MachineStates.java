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
 * window and the model's sensors, so {@link MultivariateScorer} fits it again after a restore (or
 * finds it in its {@link FittedModels}, for a state that a backend serialises on every access); a
 * fleet model is kept by its id and looked up again. The stable form ({@link #snapshot()},
 * versioned) thus holds plain numbers and names only. Version 2 added the pending states, version 3
 * the fleet model's id, version 4 the fleet model's sensors, version 5 the run of states lacking a
 * model sensor; versions 1 to 4 are still read (that run starting at 0). The
 * open bucket is numbered in steps of the bucket the state was assembled with, which the stable
 * form does not name: a scorer finds it again from the newest sample ({@link Machine#openBucketIn})
 * and, where the bucket was another, assembles the machine anew.
 *
 * <p>Not thread-safe; owned by one keyed operator.
 */
public final class MachineStates {

    private static final int VERSION = 5;
    static final long NONE = Long.MIN_VALUE;

    private final Map<String, Machine> machines = new TreeMap<>();
    /**
     * The bucket the open buckets were last checked against ({@link #alignedTo}), 0 before; not
     * serialised: a restored state is checked again by the scorer that takes it.
     */
    private long alignedBucketMicros;

    /** Whether the open buckets were checked against buckets of {@code bucketMicros} already. */
    boolean alignedTo(long bucketMicros) {
        return alignedBucketMicros == bucketMicros;
    }

    /** Records that the open buckets were checked against buckets of {@code bucketMicros}. */
    void aligned(long bucketMicros) {
        alignedBucketMicros = bucketMicros;
    }

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

    /** The number of {@code machine}'s complete states waiting for a scoring call that succeeds. */
    public int pendingStates(String machine) {
        Machine m = machines.get(machine);
        return m == null ? 0 : m.pending.size();
    }

    /**
     * A state of a modelled machine waiting to be scored: its bucket's start and its values in model
     * column order, NaN for a sensor it lacks (it is then scored against the model without it).
     */
    record Pending(long micros, double[] values) {
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
        /**
         * The sensors of the fleet model of {@link #fleetModelId}, in its order, null while it has
         * none (or restored from a version 3 state): what the machine's states are assembled for
         * while the model itself is not known after a restore.
         */
        List<String> fleetSensors;
        /** The fleet model of {@link #fleetModelId}, looked up again after a restore; not serialised. */
        transient MultivariateScorer.FleetModelInForce fleetModel;
        /** The machine's columns of the fleet model's sensors; not serialised. */
        transient int[] fleetColumns;
        /** States in a row lacking one of the model's sensors, up to the latest. */
        int incompleteRun;

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
                boolean fresh = lastMicros[s] != NONE && lastMicros[s] >= start - carryForwardMicros
                        && lastMicros[s] < end;
                state[s] = fresh ? lastValue[s] : Double.NaN;
            }
            return new Closed(start, state);
        }

        /**
         * The open bucket in steps of {@code bucketMicros}: that of the machine's newest sample
         * taken, which opened it, or {@link #NONE} before the first. Equal to {@link #openBucket}
         * unless the state was assembled with another bucket.
         */
        long openBucketIn(long bucketMicros) {
            long newest = NONE;
            for (long micros : lastMicros) {
                newest = Math.max(newest, micros);
            }
            return newest == NONE ? NONE : Math.floorDiv(newest, bucketMicros);
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
                out.writeInt(m.training.size());
                for (double[] row : m.training) {
                    out.writeInt(row.length);
                    for (double v : row) {
                        out.writeDouble(v);
                    }
                }
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
                    out.writeInt(m.fleetSensors == null ? -1 : m.fleetSensors.size());
                    if (m.fleetSensors != null) {
                        for (String sensor : m.fleetSensors) {
                            out.writeUTF(sensor);
                        }
                    }
                }
                out.writeInt(m.pending.size());
                for (Pending p : m.pending) {
                    out.writeLong(p.micros());
                    out.writeInt(p.values().length);
                    for (double v : p.values()) {
                        out.writeDouble(v);
                    }
                }
                out.writeInt(m.incompleteRun);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads {@link #snapshot()}'s form, of this version, version 4 (no run of incomplete states),
     * version 3 (no fleet model sensors either), version 2 (no fleet model either) or version 1 (no
     * pending states either).
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
                String name = in.readUTF();
                if (states.machines.containsKey(name)) {
                    throw new IllegalArgumentException("a machine appears twice.");
                }
                Machine m = states.machine(name);
                int sensorCount = count(in.readInt(), "sensors");
                for (int s = 0; s < sensorCount; s++) {
                    // A sensor named before keeps its earlier column.
                    if (m.column(in.readUTF()) != s) {
                        throw new IllegalArgumentException("a machine names one of its sensors twice.");
                    }
                    m.lastValue[s] = in.readDouble();
                    m.lastMicros[s] = in.readLong();
                }
                m.openBucket = in.readLong();
                int rows = count(in.readInt(), "training states");
                for (int r = 0; r < rows; r++) {
                    double[] row = new double[count(in.readInt(), "training values")];
                    if (row.length > sensorCount) {
                        throw new IllegalArgumentException("a training state has more values than sensors.");
                    }
                    for (int s = 0; s < row.length; s++) {
                        row[s] = in.readDouble();
                    }
                    m.training.add(row);
                }
                int modelCount = in.readInt();
                if (modelCount >= 0) {
                    m.modelSensors = new int[modelCount];
                    for (int s = 0; s < modelCount; s++) {
                        m.modelSensors[s] = in.readInt();
                        if (m.modelSensors[s] < 0 || m.modelSensors[s] >= sensorCount) {
                            throw new IllegalArgumentException("a model sensor index is out of range.");
                        }
                    }
                }
                m.lastAnomalyMicros = in.readLong();
                m.anomalousRun = count(in.readInt(), "anomalous states in a row");
                m.fleetModelId = version >= 3 && in.readBoolean() ? in.readUTF() : null;
                if (m.fleetModelId != null && m.modelSensors != null) {
                    throw new IllegalArgumentException("a machine has both a fleet model and its own.");
                }
                int fleetSensorCount = version >= 4 && m.fleetModelId != null ? in.readInt() : -1;
                if (fleetSensorCount >= 0) {
                    List<String> fleetSensors = new ArrayList<>();
                    for (int k = count(fleetSensorCount, "fleet model sensors"); k > 0; k--) {
                        String sensor = in.readUTF();
                        if (!m.sensors.contains(sensor)) {
                            throw new IllegalArgumentException("a fleet model sensor is not one of its machine's.");
                        }
                        fleetSensors.add(sensor);
                    }
                    m.fleetSensors = List.copyOf(fleetSensors);
                }
                int pendingCount = version >= 2 ? count(in.readInt(), "pending states") : 0;
                for (int p = 0; p < pendingCount; p++) {
                    long micros = in.readLong();
                    double[] values = new double[count(in.readInt(), "pending values")];
                    boolean fits = m.fleetModelId != null
                            ? values.length >= 2 && (p == 0 || values.length == m.pending.get(0).values().length)
                            : m.modelSensors != null && values.length == m.modelSensors.length;
                    if (!fits) {
                        throw new IllegalArgumentException("a pending state does not match its machine's model.");
                    }
                    for (int k = 0; k < values.length; k++) {
                        values[k] = in.readDouble();
                    }
                    m.pending.add(new Pending(micros, values));
                }
                m.incompleteRun = version >= 5 ? count(in.readInt(), "incomplete states in a row") : 0;
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("multivariate state has " + in.available() + " trailing bytes.");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("multivariate state is truncated or malformed.", e);
        }
        return states;
    }

    /** A deep copy; the fitted models and fleet models, immutable, are shared. */
    public MachineStates copy() {
        MachineStates copy = fromSnapshot(snapshot());
        for (Map.Entry<String, Machine> entry : machines.entrySet()) {
            Machine copied = copy.machines.get(entry.getKey());
            copied.model = entry.getValue().model;
            copied.fleetModel = entry.getValue().fleetModel;
            copied.fleetColumns = entry.getValue().fleetColumns;
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
