package io.werkstrom.analytics.predict;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Linear least squares with an L2 penalty on the weights (not on the intercept):
 * {@code y ~ intercept + w . x}, solved exactly through the normal equations. Meant for a modest
 * number of columns (the solve is cubic in them).
 *
 * <p>Immutable and thread-safe.
 */
public final class RidgeRegression {

    private static final int VERSION = 1;

    private final double intercept;
    private final double[] weights;

    private RidgeRegression(double intercept, double[] weights) {
        this.intercept = intercept;
        this.weights = weights;
    }

    /**
     * Fits the row-major matrix {@code x} ({@code y.length} rows of {@code columns} values) to
     * {@code y} with penalty {@code lambda >= 0} on the squared weights.
     */
    public static RidgeRegression fit(double[] x, int columns, double[] y, double lambda) {
        Objects.requireNonNull(x, "x must not be null.");
        Objects.requireNonNull(y, "y must not be null.");
        int rows = y.length;
        if (columns < 1 || rows == 0 || (long) rows * columns != x.length) {
            throw new IllegalArgumentException("x must hold " + rows + " rows of " + columns + " columns (holds "
                    + x.length + " values).");
        }
        if (!(lambda >= 0) || !Double.isFinite(lambda)) {
            throw new IllegalArgumentException("lambda must be a finite number >= 0 (was " + lambda + ").");
        }
        double[] meanX = new double[columns];
        double meanY = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                meanX[c] += x[r * columns + c];
            }
            meanY += y[r];
        }
        for (int c = 0; c < columns; c++) {
            meanX[c] /= rows;
        }
        meanY /= rows;
        double[] gram = new double[columns * columns];
        double[] rhs = new double[columns];
        double[] centred = new double[columns];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                centred[c] = x[r * columns + c] - meanX[c];
            }
            double yc = y[r] - meanY;
            for (int a = 0; a < columns; a++) {
                rhs[a] += centred[a] * yc;
                for (int b = 0; b <= a; b++) {
                    gram[a * columns + b] += centred[a] * centred[b];
                }
            }
        }
        // A tiny floor keeps a constant column from making the system singular.
        double floor = 1e-9 * rows;
        for (int a = 0; a < columns; a++) {
            gram[a * columns + a] += lambda + floor;
            for (int b = 0; b < a; b++) {
                gram[b * columns + a] = gram[a * columns + b];
            }
        }
        double[] w = solveSymmetricPositiveDefinite(gram, rhs, columns);
        double intercept = meanY;
        for (int c = 0; c < columns; c++) {
            intercept -= w[c] * meanX[c];
        }
        return new RidgeRegression(intercept, w);
    }

    /** Cholesky solve of {@code a w = b} for a symmetric positive definite {@code n x n} matrix. */
    private static double[] solveSymmetricPositiveDefinite(double[] a, double[] b, int n) {
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double sum = a[i * n + j];
                for (int k = 0; k < j; k++) {
                    sum -= l[i * n + k] * l[j * n + k];
                }
                if (i == j) {
                    if (!(sum > 0)) {
                        throw new IllegalStateException("ridge regression: the normal equations are not positive "
                                + "definite (column " + i + ")");
                    }
                    l[i * n + i] = Math.sqrt(sum);
                } else {
                    l[i * n + j] = sum / l[j * n + j];
                }
            }
        }
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            double sum = b[i];
            for (int k = 0; k < i; k++) {
                sum -= l[i * n + k] * z[k];
            }
            z[i] = sum / l[i * n + i];
        }
        double[] w = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double sum = z[i];
            for (int k = i + 1; k < n; k++) {
                sum -= l[k * n + i] * w[k];
            }
            w[i] = sum / l[i * n + i];
        }
        return w;
    }

    public int columns() {
        return weights.length;
    }

    public double intercept() {
        return intercept;
    }

    /** A copy of the weights. */
    public double[] weights() {
        return weights.clone();
    }

    /** {@code intercept + w . x[offset .. offset + columns)}. */
    public double predict(double[] x, int offset) {
        double sum = intercept;
        for (int c = 0; c < weights.length; c++) {
            sum += weights[c] * x[offset + c];
        }
        return sum;
    }

    /** The prediction for each row of the row-major matrix {@code x}. */
    public double[] predict(double[] x) {
        Objects.requireNonNull(x, "x must not be null.");
        if (x.length % weights.length != 0) {
            throw new IllegalArgumentException("x holds " + x.length + " values, not whole rows of "
                    + weights.length + " columns.");
        }
        double[] out = new double[x.length / weights.length];
        for (int r = 0; r < out.length; r++) {
            out[r] = predict(x, r * weights.length);
        }
        return out;
    }

    void write(DataOutputStream out) throws IOException {
        out.writeInt(VERSION);
        out.writeDouble(intercept);
        out.writeInt(weights.length);
        for (double w : weights) {
            out.writeDouble(w);
        }
    }

    static RidgeRegression read(DataInputStream in) throws IOException {
        int version = in.readInt();
        if (version != VERSION) {
            throw new IllegalArgumentException("ridge regression: unsupported format version " + version);
        }
        double intercept = in.readDouble();
        int columns = in.readInt();
        if (columns < 1 || (long) columns * 8 > in.available()) {
            throw new IllegalArgumentException("ridge regression: implausible column count " + columns);
        }
        double[] w = new double[columns];
        for (int c = 0; c < columns; c++) {
            w[c] = in.readDouble();
        }
        return new RidgeRegression(intercept, w);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RidgeRegression other && Double.compare(intercept, other.intercept) == 0
                && Arrays.equals(weights, other.weights);
    }

    @Override
    public int hashCode() {
        return 31 * Double.hashCode(intercept) + Arrays.hashCode(weights);
    }
}
