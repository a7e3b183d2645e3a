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

        /**
         * The timeline of the rows added so far. The builder hands its columns over, one at a time,
         * trimmed and in timeline order, and is empty afterwards.
         */
        public ReplayTimeline build() {
            // Primitive indexes, sorted only when out of order, and one column reordered at a time with
            // the old one dropped at once: a replay holds the whole data set in the gateway's small heap.
            boolean sorted = true;
            for (int i = 1; i < rows && sorted; i++) {
                sorted = offsets[i - 1] <= offsets[i];
            }
            int[] order = null;
            if (!sorted) {
                order = new int[rows];
                Arrays.setAll(order, i -> i);
                // A stable sort: samples with equal offsets stay in file order.
                mergeSort(order, new int[rows], 0, rows);
            }
            long[] o = reorder(offsets, order);
            offsets = null;
            String[] m = reorder(machines, order);
            machines = null;
            String[] s = reorder(sensors, order);
            sensors = null;
            double[] v = reorder(values, order);
            values = null;
            byte[] q = reorder(qualities, order);
            ReplayTimeline timeline = new ReplayTimeline(o, m, s, v, q, badRows);
            clear();
            return timeline;
        }

        /** The first {@code rows} entries of {@code column}, permuted by {@code order} unless it is null. */
        private long[] reorder(long[] column, int[] order) {
            if (order == null) {
                return column.length == rows ? column : Arrays.copyOf(column, rows);
            }
            long[] sorted = new long[rows];
            for (int i = 0; i < rows; i++) {
                sorted[i] = column[order[i]];
            }
            return sorted;
        }

        private String[] reorder(String[] column, int[] order) {
            if (order == null) {
                return column.length == rows ? column : Arrays.copyOf(column, rows);
            }
            String[] sorted = new String[rows];
            for (int i = 0; i < rows; i++) {
                sorted[i] = column[order[i]];
            }
            return sorted;
        }

        private double[] reorder(double[] column, int[] order) {
            if (order == null) {
                return column.length == rows ? column : Arrays.copyOf(column, rows);
            }
            double[] sorted = new double[rows];
            for (int i = 0; i < rows; i++) {
                sorted[i] = column[order[i]];
            }
            return sorted;
        }

        private byte[] reorder(byte[] column, int[] order) {
            if (order == null) {
                return column.length == rows ? column : Arrays.copyOf(column, rows);
            }
            byte[] sorted = new byte[rows];
            for (int i = 0; i < rows; i++) {
                sorted[i] = column[order[i]];
            }
            return sorted;
        }

        private void clear() {
            offsets = new long[1024];
            machines = new String[1024];
            sensors = new String[1024];
            values = new double[1024];
            qualities = new byte[1024];
            rows = 0;
            badRows = 0;
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
