package io.werkstrom.analytics.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

import org.junit.jupiter.api.Test;

/** {@link FeatureScaler} and {@link RidgeRegression}. */
class LinearToolsTest {

    @Test
    void scalerStandardisesWithTrainingStatisticsAndKeepsConstantColumnsFinite() {
        double[] x = {1, 5, 3, 5, 5, 5}; // column 0: 1, 3, 5; column 1 constant
        FeatureScaler scaler = FeatureScaler.fit(x, 2);
        assertEquals(3, scaler.mean(0), 1e-12);
        assertEquals(Math.sqrt(8.0 / 3), scaler.std(0), 1e-12);
        assertEquals(1.0, scaler.std(1));
        double[] z = scaler.transform(new double[] {3, 5, 3 + Math.sqrt(8.0 / 3), 6});
        assertArrayEquals(new double[] {0, 0, 1, 1}, z, 1e-12);
    }

    @Test
    void ridgeWithoutPenaltyRecoversALinearFunction() {
        int n = 50;
        double[] x = new double[n * 2];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = (i * 7) % 11;
            y[i] = 4 + 2 * x[2 * i] - 3 * x[2 * i + 1];
        }
        RidgeRegression ridge = RidgeRegression.fit(x, 2, y, 0);
        assertEquals(4, ridge.intercept(), 1e-5);
        assertArrayEquals(new double[] {2, -3}, ridge.weights(), 1e-6);
        assertArrayEquals(y, ridge.predict(x), 1e-5);
        // A penalty shrinks the weights toward zero.
        RidgeRegression shrunk = RidgeRegression.fit(x, 2, y, 1e6);
        assertEquals(true, Math.abs(shrunk.weights()[0]) < 2);
    }

    @Test
    void bothSurviveTheirBinaryForm() throws IOException {
        double[] x = {1, 2, 3, 4, 5, 7};
        FeatureScaler scaler = FeatureScaler.fit(x, 2);
        RidgeRegression ridge = RidgeRegression.fit(x, 2, new double[] {1, 2, 4}, 0.5);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            scaler.write(out);
            ridge.write(out);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(scaler, FeatureScaler.read(in));
            assertEquals(ridge, RidgeRegression.read(in));
        }
    }

    /**
     * With a penalty the weights solve (XᵀX + λI) w = Xᵀy on centred columns, which the test checks
     * directly (four correlated columns, so every entry of the solve counts); the intercept puts the
     * fit through the means.
     */
    @Test
    void penalisedWeightsSolveTheNormalEquations() {
        int rows = 40;
        int columns = 4;
        double lambda = 2.5;
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        double[] x = new double[rows * columns];
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double shared = random.nextGaussian();
            for (int c = 0; c < columns; c++) {
                x[r * columns + c] = (c + 1) * shared + random.nextGaussian() + 10 * c;
            }
            y[r] = 3 - x[r * columns] + 0.5 * x[r * columns + 2] + random.nextGaussian();
        }
        RidgeRegression ridge = RidgeRegression.fit(x, columns, y, lambda);
        double[] meanX = new double[columns];
        double meanY = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                meanX[c] += x[r * columns + c] / rows;
            }
            meanY += y[r] / rows;
        }
        double[] w = ridge.weights();
        // The solver adds a floor of 1e-9 per row to the diagonal; it is far below the tolerance here.
        for (int a = 0; a < columns; a++) {
            double lhs = lambda * w[a];
            double rhs = 0;
            for (int r = 0; r < rows; r++) {
                double xa = x[r * columns + a] - meanX[a];
                double fitted = 0;
                for (int c = 0; c < columns; c++) {
                    fitted += (x[r * columns + c] - meanX[c]) * w[c];
                }
                lhs += xa * fitted;
                rhs += xa * (y[r] - meanY);
            }
            assertEquals(rhs, lhs, 1e-6 * Math.abs(rhs) + 1e-9, "normal equation " + a);
        }
        double atMeans = ridge.predict(meanX, 0);
        assertEquals(meanY, atMeans, 1e-9);
        // A single column, worked by hand: x = −1, 0, 1 and y = 0, 1, 5 give Sxy = 5 and Sxx = 2.
        RidgeRegression line = RidgeRegression.fit(new double[] {-1, 0, 1}, 1, new double[] {0, 1, 5}, 3);
        assertEquals(5 / (2 + 3 + 3e-9), line.weights()[0], 1e-12);
        assertEquals(2, line.intercept(), 1e-12);
    }
}
