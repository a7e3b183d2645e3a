package io.werkstrom.gateway.collect.replay;

import java.util.Arrays;
import java.util.Objects;

import io.werkstrom.protocol.Quality;

/**
 * Samples read from a recorded data set, ordered by their offset from the start of the recording
 * (ties keep file order). Held as columns; immutable once built.
 *
 * @param badRows how many rows of the source were malformed and are carried as {@link Quality#BAD} samples
 */
public record ReplayTimeline(long[] offsetsMicros, String[] machines, String[] sensors, double[] values,
        byte[] qualities, int badRows) {

    public ReplayTimeline {
        Objects.requireNonNull(offsetsMicros, "offsetsMicros must not be null.");
        int n = offsetsMicros.length;
        if (machines.length != n || sensors.length != n || values.length != n || qualities.length != n) {
            throw new IllegalArgumentException("all columns must have " + n + " rows.");
        }
    }

    public int size() {
        return offsetsMicros.length;
    }

    public Quality quality(int row) {
        return Quality.ofCode(qualities[row]);
    }

    /** Collects samples in any order; {@link #build()} sorts them by offset. Not thread-safe. */
    public static final class Builder {
        private long[] offsets = new long[1024];
        private String[] machines = new String[1024];
        private String[] sensors = new String[1024];
        private double[] values = new double[1024];
        private byte[] qualities = new byte[1024];
        private int rows;
        private int badRows;

        public Builder add(long offsetMicros, String machine, String sensor, double value, Quality quality) {
            if (rows == offsets.length) {
                int capacity = rows * 2;
                offsets = Arrays.copyOf(offsets, capacity);
                machines = Arrays.copyOf(machines, capacity);
                sensors = Arrays.copyOf(sensors, capacity);
                values = Arrays.copyOf(values, capacity);
                qualities = Arrays.copyOf(qualities, capacity);
            }
            offsets[rows] = offsetMicros;
            machines[rows] = machine;
            sensors[rows] = sensor;
            values[rows] = value;
            qualities[rows] = quality.code();
            rows++;
            return this;
        }

        /** Counts one malformed source row (its samples are added as bad ones by the caller). */
        public Builder badRow() {
            badRows++;
            return this;
        }

        public int size() {
            return rows;
        }

        public ReplayTimeline build() {
            // Primitive indexes, sorted only when out of order: a replay holds the whole data set in the
            // gateway's small heap, and boxed indexes cost five times the room.
            int[] order = new int[rows];
            boolean sorted = true;
            for (int i = 0; i < rows; i++) {
                order[i] = i;
                sorted &= i == 0 || offsets[i - 1] <= offsets[i];
            }
            if (!sorted) {
                // A stable sort: samples with equal offsets stay in file order.
                mergeSort(order, new int[rows], 0, rows);
            }
            long[] o = new long[rows];
            String[] m = new String[rows];
            String[] s = new String[rows];
            double[] v = new double[rows];
            byte[] q = new byte[rows];
            for (int i = 0; i < rows; i++) {
                int k = order[i];
                o[i] = offsets[k];
                m[i] = machines[k];
                s[i] = sensors[k];
                v[i] = values[k];
                q[i] = qualities[k];
            }
            return new ReplayTimeline(o, m, s, v, q, badRows);
        }

        /** Sorts {@code order[from, to)} by offset, stably; {@code buffer} is scratch of the same length. */
        private void mergeSort(int[] order, int[] buffer, int from, int to) {
            if (to - from < 2) {
                return;
            }
            int middle = (from + to) >>> 1;
            mergeSort(order, buffer, from, middle);
            mergeSort(order, buffer, middle, to);
            if (offsets[order[middle - 1]] <= offsets[order[middle]]) {
                return;
            }
            System.arraycopy(order, from, buffer, from, to - from);
            int left = from;
            int right = middle;
            for (int i = from; i < to; i++) {
                if (right >= to || (left < middle && offsets[buffer[left]] <= offsets[buffer[right]])) {
                    order[i] = buffer[left++];
                } else {
                    order[i] = buffer[right++];
                }
            }
        }
    }
}
