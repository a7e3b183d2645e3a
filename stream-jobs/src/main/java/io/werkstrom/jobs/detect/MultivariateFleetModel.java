package io.werkstrom.jobs.detect;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

import io.werkstrom.analytics.kernel.KernelBackend;

/**
 * A multivariate model shared by every machine of one type (a fleet model): the method, the sensors
 * it reads, and the states of normal operation it is fitted on, pooled from many machines of the
 * type. A machine whose tenant has one for its type is scored against it from its first state,
 * instead of waiting for its own training window ({@link MultivariateScorer}).
 *
 * <p>Stored in the {@code models} table under the name {@code multivariate} with the method as its
 * kind; the payload ({@link #toBytes()}, versioned) holds the states themselves, not the fitted
 * matrices: fitting is deterministic, so the job fits from them exactly the model that training
 * measured, and the states also let an anomaly name the sensor most to blame.
 *
 * <p>Immutable; thread-safe.
 */
public final class MultivariateFleetModel {

    /** The name fleet models are stored under in {@code models}. */
    public static final String NAME = "multivariate";
    /**
     * The most states a model holds: they are fitted at every load and searched to blame a sensor,
     * and more of the same normal operation does not move the limit.
     */
    public static final int MAX_STATES = 20_000;

    private static final int MAGIC = 0x574D5646; // "WMVF"
    private static final int VERSION = 1;

    private final MultivariateOptions.Method method;
    private final List<String> sensors;
    private final FittedModel fitted;

    private MultivariateFleetModel(MultivariateOptions.Method method, List<String> sensors, FittedModel fitted) {
        this.method = method;
        this.sensors = sensors;
        this.fitted = fitted;
    }

    /**
     * Fits {@code method} to {@code states}, each holding one value per sensor of {@code sensors},
     * in that order.
     *
     * @throws IllegalArgumentException when the method is off, the sensors are fewer than 2 or
     *                                  repeated, the states are more than {@link #MAX_STATES}, of
     *                                  the wrong length or not finite, or the detector refuses them
     */
    public static MultivariateFleetModel fit(MultivariateOptions.Method method, List<String> sensors,
                                             double[][] states) {
        Objects.requireNonNull(method, "method must not be null.");
        List<String> names = List.copyOf(Objects.requireNonNull(sensors, "sensors must not be null."));
        if (names.size() < 2) {
            throw new IllegalArgumentException("a fleet model needs at least 2 sensors, got " + names.size() + ".");
        }
        if (new HashSet<>(names).size() != names.size()) {
            throw new IllegalArgumentException("a fleet model's sensors must be distinct: " + names + ".");
        }
        Objects.requireNonNull(states, "states must not be null.");
        if (states.length > MAX_STATES) {
            throw new IllegalArgumentException("a fleet model holds at most " + MAX_STATES + " states, got "
                    + states.length + ".");
        }
        double[][] copy = new double[states.length][];
        for (int i = 0; i < states.length; i++) {
            if (states[i] == null || states[i].length != names.size()) {
                throw new IllegalArgumentException("state " + i + " must have " + names.size() + " values.");
            }
            for (double v : states[i]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("state " + i + " has a value that is not finite.");
                }
            }
            copy[i] = states[i].clone();
        }
        return new MultivariateFleetModel(method, names, FittedModel.fit(method, copy));
    }

    public MultivariateOptions.Method method() {
        return method;
    }

    /** The kind the model is stored under: the method's option value ({@code mset}, {@code pca}). */
    public String kind() {
        return method.optionValue();
    }

    /** The sensors the model reads, in the order of a state's values. */
    public List<String> sensors() {
        return sensors;
    }

    /** The number of states the model was fitted on. */
    public int states() {
        return fitted.rows.length;
    }

    /** Threshold-normalised scores of {@code states} (above 1 is beyond the fleet's normal operation). */
    public double[] score(double[][] states, KernelBackend backend) {
        return fitted.score(states, backend);
    }

    FittedModel fitted() {
        return fitted;
    }

    /** The versioned stable form, read by {@link #fromBytes}. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(method.optionValue());
            out.writeInt(sensors.size());
            for (String sensor : sensors) {
                out.writeUTF(sensor);
            }
            double[][] rows = fitted.rows;
            out.writeInt(rows.length);
            for (double[] row : rows) {
                for (double v : row) {
                    out.writeDouble(v);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads {@link #toBytes()}'s form and fits the model.
     *
     * @throws IllegalArgumentException when the bytes are not such a model (another kind of model,
     *                                  another version, truncated, trailing bytes) or cannot be fitted
     */
    public static MultivariateFleetModel fromBytes(byte[] payload) {
        Objects.requireNonNull(payload, "payload must not be null.");
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            if (payload.length < 8 || in.readInt() != MAGIC) {
                throw new IllegalArgumentException("not a multivariate fleet model.");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IllegalArgumentException("multivariate fleet model version " + version
                        + " is unknown (expected " + VERSION + ").");
            }
            MultivariateOptions.Method method = MultivariateOptions.Method.parse(in.readUTF());
            int sensorCount = in.readInt();
            if (sensorCount < 2 || sensorCount > MultivariateOptions.MAX_MAX_SENSORS) {
                throw new IllegalArgumentException("multivariate fleet model claims " + sensorCount + " sensors.");
            }
            List<String> sensors = new ArrayList<>();
            for (int s = 0; s < sensorCount; s++) {
                sensors.add(in.readUTF());
            }
            int rowCount = in.readInt();
            if (rowCount < 0 || rowCount > MAX_STATES) {
                throw new IllegalArgumentException("multivariate fleet model claims " + rowCount + " states.");
            }
            double[][] rows = new double[rowCount][sensorCount];
            for (double[] row : rows) {
                for (int s = 0; s < sensorCount; s++) {
                    row[s] = in.readDouble();
                }
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("multivariate fleet model has " + in.available()
                        + " trailing bytes.");
            }
            return fit(method, sensors, rows);
        } catch (IOException e) {
            throw new IllegalArgumentException("multivariate fleet model is truncated or malformed.", e);
        }
    }
}
