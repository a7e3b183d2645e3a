package io.werkstrom.analytics.predict;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Standardises columns: {@code (value - mean) / std}, with mean and standard deviation fitted on
 * training rows only and applied unchanged to any later rows. A constant column gets a standard
 * deviation of 1 so that it maps to 0 instead of dividing by zero.
 *
 * <p>Immutable and thread-safe.
 */
public final class FeatureScaler {

    private static final int VERSION = 1;

    private final double[] mean;
    private final double[] std;

    private FeatureScaler(double[] mean, double[] std) {
        this.mean = mean;
        this.std = std;
    }

    /** Fits the columns of the row-major matrix {@code x} with {@code columns} columns. */
    public static FeatureScaler fit(double[] x, int columns) {
        Objects.requireNonNull(x, "x must not be null.");
        if (columns < 1 || x.length % columns != 0 || x.length == 0) {
            throw new IllegalArgumentException("x must hold a positive whole number of rows of " + columns
                    + " columns (holds " + x.length + " values).");
        }
        int rows = x.length / columns;
        double[] mean = new double[columns];
        double[] m2 = new double[columns];
        // Welford's update keeps the variance accurate for columns with a large offset.
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                double v = x[r * columns + c];
                double delta = v - mean[c];
                mean[c] += delta / (r + 1);
                m2[c] += delta * (v - mean[c]);
            }
        }
        double[] std = new double[columns];
        for (int c = 0; c < columns; c++) {
            double s = Math.sqrt(m2[c] / rows);
            std[c] = s > 0 && Double.isFinite(s) ? s : 1.0;
        }
        return new FeatureScaler(mean, std);
    }

    public int columns() {
        return mean.length;
    }

    /** The training mean of column {@code c}. */
    public double mean(int c) {
        return mean[c];
    }

    /** The training standard deviation of column {@code c} (1 for a constant column). */
    public double std(int c) {
        return std[c];
    }

    /** A standardised copy of the row-major matrix {@code x}. */
    public double[] transform(double[] x) {
        Objects.requireNonNull(x, "x must not be null.");
        if (x.length % mean.length != 0) {
            throw new IllegalArgumentException("x holds " + x.length + " values, not whole rows of " + mean.length
                    + " columns.");
        }
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int c = i % mean.length;
            out[i] = (x[i] - mean[c]) / std[c];
        }
        return out;
    }

    /** {@code (value - mean[c]) / std[c]}. */
    public double transform(int c, double value) {
        return (value - mean[c]) / std[c];
    }

    void write(DataOutputStream out) throws IOException {
        out.writeInt(VERSION);
        out.writeInt(mean.length);
        for (int c = 0; c < mean.length; c++) {
            out.writeDouble(mean[c]);
            out.writeDouble(std[c]);
        }
    }

    static FeatureScaler read(DataInputStream in) throws IOException {
        int version = in.readInt();
        if (version != VERSION) {
            throw new IllegalArgumentException("feature scaler: unsupported format version " + version);
        }
        int columns = in.readInt();
        if (columns < 1 || (long) columns * 16 > in.available()) {
            throw new IllegalArgumentException("feature scaler: implausible column count " + columns);
        }
        double[] mean = new double[columns];
        double[] std = new double[columns];
        for (int c = 0; c < columns; c++) {
            mean[c] = in.readDouble();
            std[c] = in.readDouble();
            if (!Double.isFinite(mean[c]) || !(std[c] > 0) || !Double.isFinite(std[c])) {
                throw new IllegalArgumentException("feature scaler: invalid column " + c);
            }
        }
        return new FeatureScaler(mean, std);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureScaler other && Arrays.equals(mean, other.mean) && Arrays.equals(std, other.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }
}
