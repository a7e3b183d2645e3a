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
}
