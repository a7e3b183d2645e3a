package io.werkstrom.protocol;

import java.util.Arrays;
import java.util.Objects;

/**
 * One batch of samples from one gateway, held as columns (the same layout as on the wire).
 *
 * <p>{@code sequence} is the gateway's batch sequence number: strictly increasing per gateway,
 * so that the cloud can drop a redelivered batch and see a gap. Timestamps are microseconds since
 * the Unix epoch, UTC.
 *
 * <p>The arrays are not copied: whoever builds a batch hands them over and must not change them
 * afterwards. Instances are safe to share between threads once built.
 */
public record TelemetryBatch(
        String gateway,
        long sequence,
        long[] timestampsMicros,
        String[] machines,
        String[] sensors,
        double[] values,
        byte[] qualities) {

    public TelemetryBatch {
        Objects.requireNonNull(gateway, "gateway must not be null.");
        Objects.requireNonNull(timestampsMicros, "timestampsMicros must not be null.");
        Objects.requireNonNull(machines, "machines must not be null.");
        Objects.requireNonNull(sensors, "sensors must not be null.");
        Objects.requireNonNull(values, "values must not be null.");
        Objects.requireNonNull(qualities, "qualities must not be null.");
        int rows = timestampsMicros.length;
        if (machines.length != rows || sensors.length != rows || values.length != rows || qualities.length != rows) {
            throw new IllegalArgumentException("all columns must have " + rows + " rows.");
        }
    }

    public int size() {
        return timestampsMicros.length;
    }

    /**
     * The same samples with the rows grouped by series (machine and sensor), series in the order of
     * their first row, each series' rows in their original order. This is the order in which
     * {@link BatchCodec} puts rows on the wire and hands them back; returns {@code this} when the
     * rows are grouped already.
     */
    public TelemetryBatch groupedBySeries() {
        int rows = size();
        java.util.LinkedHashMap<java.util.List<String>, java.util.List<Integer>> bySeries = new java.util.LinkedHashMap<>();
        for (int i = 0; i < rows; i++) {
            bySeries.computeIfAbsent(java.util.List.of(machines[i], sensors[i]), k -> new java.util.ArrayList<>()).add(i);
        }
        int[] order = new int[rows];
        int next = 0;
        boolean unchanged = true;
        for (java.util.List<Integer> series : bySeries.values()) {
            for (int row : series) {
                unchanged &= row == next;
                order[next++] = row;
            }
        }
        if (unchanged) {
            return this;
        }
        long[] ts = new long[rows];
        String[] m = new String[rows];
        String[] s = new String[rows];
        double[] v = new double[rows];
        byte[] q = new byte[rows];
        for (int i = 0; i < rows; i++) {
            int row = order[i];
            ts[i] = timestampsMicros[row];
            m[i] = machines[row];
            s[i] = sensors[row];
            v[i] = values[row];
            q[i] = qualities[row];
        }
        return new TelemetryBatch(gateway, sequence, ts, m, s, v, q);
    }

    public Quality quality(int row) {
        return Quality.ofCode(qualities[row]);
    }

    public static Builder builder(String gateway, long sequence) {
        return new Builder(gateway, sequence);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TelemetryBatch other
                && gateway.equals(other.gateway)
                && sequence == other.sequence
                && Arrays.equals(timestampsMicros, other.timestampsMicros)
                && Arrays.equals(machines, other.machines)
                && Arrays.equals(sensors, other.sensors)
                && Arrays.equals(values, other.values)
                && Arrays.equals(qualities, other.qualities);
    }

    @Override
    public int hashCode() {
        return Objects.hash(gateway, sequence, Arrays.hashCode(timestampsMicros), Arrays.hashCode(values));
    }

    @Override
    public String toString() {
        return "TelemetryBatch[gateway=" + gateway + ", sequence=" + sequence + ", rows=" + size() + "]";
    }

    /** Collects rows for one batch; not thread-safe. */
    public static final class Builder {
        private final String gateway;
        private final long sequence;
        private long[] timestamps = new long[64];
        private String[] machines = new String[64];
        private String[] sensors = new String[64];
        private double[] values = new double[64];
        private byte[] qualities = new byte[64];
        private int rows;

        private Builder(String gateway, long sequence) {
            this.gateway = Objects.requireNonNull(gateway, "gateway must not be null.");
            this.sequence = sequence;
        }

        public Builder add(long timestampMicros, String machine, String sensor, double value, Quality quality) {
            if (rows == timestamps.length) {
                int capacity = rows * 2;
                timestamps = Arrays.copyOf(timestamps, capacity);
                machines = Arrays.copyOf(machines, capacity);
                sensors = Arrays.copyOf(sensors, capacity);
                values = Arrays.copyOf(values, capacity);
                qualities = Arrays.copyOf(qualities, capacity);
            }
            timestamps[rows] = timestampMicros;
            machines[rows] = Objects.requireNonNull(machine, "machine must not be null.");
            sensors[rows] = Objects.requireNonNull(sensor, "sensor must not be null.");
            values[rows] = value;
            qualities[rows] = quality.code();
            rows++;
            return this;
        }

        public int size() {
            return rows;
        }

        public TelemetryBatch build() {
            return new TelemetryBatch(gateway, sequence,
                    Arrays.copyOf(timestamps, rows), Arrays.copyOf(machines, rows), Arrays.copyOf(sensors, rows),
                    Arrays.copyOf(values, rows), Arrays.copyOf(qualities, rows));
        }
    }
}
