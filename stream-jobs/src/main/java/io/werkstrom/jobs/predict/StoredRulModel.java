package io.werkstrom.jobs.predict;

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
import java.util.Set;

import io.werkstrom.analytics.predict.RulModel;

/**
 * A remaining-useful-life model as the {@code models} table stores it: the {@link RulModel} and
 * the telemetry sensor names of its sensor columns, in column order (for a model trained on
 * C-MAPSS files {@code s1..s21}, the names the gateway's C-MAPSS replay gives them). The job needs
 * the names to assemble a machine's cycles from its samples; only the {@link #requiredSensors()}
 * the model selected must be present in a cycle.
 *
 * <p>Immutable and thread-safe.
 */
public final class StoredRulModel {

    /** What {@code models.kind} says of a model stored in this format. */
    public static final String KIND = "gbt-rul-windowed-v1";

    private static final int MAGIC = 0x57524e53; // "WRNS": named sensors
    private static final int VERSION = 1;
    private static final int MAX_SENSORS = 10_000;

    private final List<String> sensors;
    private final RulModel model;
    private final int[] required;

    /**
     * @param sensors the telemetry sensor name of each of the model's sensor columns, in order
     * @throws IllegalArgumentException when a name repeats, is blank, or the names are not one per
     *                                  sensor column of the model (a cycle of another width would
     *                                  fail every prediction)
     */
    public StoredRulModel(List<String> sensors, RulModel model) {
        Objects.requireNonNull(sensors, "sensors must not be null.");
        this.model = Objects.requireNonNull(model, "model must not be null.");
        this.sensors = List.copyOf(sensors);
        Set<String> seen = new HashSet<>();
        for (String sensor : this.sensors) {
            if (sensor.isBlank() || !seen.add(sensor)) {
                throw new IllegalArgumentException("sensors must be distinct, non-blank names (found '" + sensor
                        + "').");
            }
        }
        int columns = model.features().sensorCount();
        if (this.sensors.size() != columns) {
            throw new IllegalArgumentException("the model reads " + columns + " sensor columns but "
                    + this.sensors.size() + " sensor names are given.");
        }
        this.required = model.features().selectedSensors();
    }

    public RulModel model() {
        return model;
    }

    /** The sensor name of every column of the model's input, in column order. */
    public List<String> sensors() {
        return sensors;
    }

    /** The columns (indexes into {@link #sensors()}) the model reads; a cycle needs a value of each. */
    public int[] requiredSensors() {
        return required.clone();
    }

    /** The names of {@link #requiredSensors()}. */
    public List<String> requiredSensorNames() {
        List<String> names = new ArrayList<>();
        for (int column : required) {
            names.add(sensors.get(column));
        }
        return names;
    }

    /** The stored form that {@link #fromBytes} reads back. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(sensors.size());
            for (String sensor : sensors) {
                out.writeUTF(sensor);
            }
            byte[] payload = model.toBytes();
            out.writeInt(payload.length);
            out.write(payload);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads what {@link #toBytes()} wrote.
     *
     * @throws IllegalArgumentException when the bytes are not such a model, of another format
     *                                  version, or damaged
     */
    public static StoredRulModel fromBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes must not be null.");
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IllegalArgumentException("stored RUL model: not a model (magic 0x"
                        + Integer.toHexString(magic) + ")");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IllegalArgumentException("stored RUL model: unsupported format version " + version
                        + " (this build reads " + VERSION + ")");
            }
            int count = in.readInt();
            if (count < 1 || count > MAX_SENSORS) {
                throw new IllegalArgumentException("stored RUL model: implausible sensor count " + count);
            }
            List<String> sensors = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                sensors.add(in.readUTF());
            }
            int length = in.readInt();
            if (length < 0 || length != in.available()) {
                throw new IllegalArgumentException("stored RUL model: the model takes " + length + " bytes but "
                        + in.available() + " follow");
            }
            return new StoredRulModel(sensors, RulModel.fromBytes(in.readNBytes(length)));
        } catch (IOException e) {
            throw new IllegalArgumentException("stored RUL model: truncated or unreadable bytes", e);
        }
    }
}
