package io.werkstrom.jobs.detect;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
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
 * measured, and the states also let an anomaly name the sensor most to blame. It also holds the
 * bucket and carry-forward its states were assembled with: a job assembling states otherwise
 * ({@link #assembledAs}) must not use it, since its limit was set on states of another kind.
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
    private final Duration bucket;
    private final Duration carryForward;
    private final List<String> sensors;
    private final FittedModel fitted;

    private MultivariateFleetModel(MultivariateOptions options, List<String> sensors, FittedModel fitted) {
        this.method = options.method();
        this.bucket = options.bucket();
        this.carryForward = options.carryForward();
        this.sensors = sensors;
        this.fitted = fitted;
    }

    /**
     * Fits {@code options}' method to {@code states}, assembled with {@code options}' bucket and
     * carry-forward, each holding one value per sensor of {@code sensors}, in that order.
     *
     * @throws IllegalArgumentException when the method is off, the sensors are fewer than 2 or
     *                                  repeated, the states are more than {@link #MAX_STATES}, of
     *                                  the wrong length or not finite, or the detector refuses them
     */
    public static MultivariateFleetModel fit(MultivariateOptions options, List<String> sensors, double[][] states) {
        Objects.requireNonNull(options, "options must not be null.");
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
        return new MultivariateFleetModel(options, names, FittedModel.fit(options.method(), copy));
    }

    public MultivariateOptions.Method method() {
        return method;
    }

    /** The kind the model is stored under: the method's option value ({@code mset}, {@code pca}). */
    public String kind() {
        return method.optionValue();
    }

    /** The time step of the states the model was fitted on. */
    public Duration bucket() {
        return bucket;
    }

    /** How long a sensor's value was carried forward into the states the model was fitted on. */
    public Duration carryForward() {
        return carryForward;
    }

    /** Whether a detector with {@code options} assembles its states as this model's were assembled. */
    public boolean assembledAs(MultivariateOptions options) {
        return bucket.equals(options.bucket()) && carryForward.equals(options.carryForward());
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
            out.writeLong(bucket.toNanos() / 1_000);
            out.writeLong(carryForward.toNanos() / 1_000);
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
            MultivariateOptions options = MultivariateOptions.defaults()
                    .withMethod(MultivariateOptions.Method.parse(in.readUTF()))
                    .withBucket(Duration.ofNanos(Math.multiplyExact(in.readLong(), 1_000L)))
                    .withCarryForward(Duration.ofNanos(Math.multiplyExact(in.readLong(), 1_000L)));
            int sensorCount = in.readInt();
            if (sensorCount < 2 || sensorCount > MultivariateOptions.MAX_MAX_SENSORS) {
                throw new IllegalArgumentException("multivariate fleet model claims " + sensorCount + " sensors.");
            }
            List<String> sensors = new ArrayList<>();
            for (int s = 0; s < sensorCount; s++) {
                sensors.add(in.readUTF());
            }
            int rowCount = in.readInt();
            // Checked against the bytes there are before anything is allocated for them.
            if (rowCount < 0 || rowCount > MAX_STATES || 8L * rowCount * sensorCount != in.available()) {
                throw new IllegalArgumentException("multivariate fleet model claims " + rowCount + " states of "
                        + sensorCount + " sensors, but " + in.available() + " bytes follow (truncated, trailing bytes"
                        + " or a damaged header).");
            }
            double[][] rows = new double[rowCount][sensorCount];
            for (double[] row : rows) {
                for (int s = 0; s < sensorCount; s++) {
                    row[s] = in.readDouble();
                }
            }
            return fit(options, sensors, rows);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("multivariate fleet model has a bucket or carry-forward out of range.", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("multivariate fleet model is truncated or malformed.", e);
        }
    }
}
