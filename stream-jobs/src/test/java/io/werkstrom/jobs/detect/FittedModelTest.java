package io.werkstrom.jobs.detect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;

import io.werkstrom.analytics.kernel.JavaKernelBackend;

import org.junit.jupiter.api.Test;

/** A model without some of its sensors: fitted on its own training rows, kept, and bounded. */
class FittedModelTest {

    /** 400 rows of 5 sensors driven by one load, each with its own noise. */
    private static double[][] rows() {
        Random random = new Random(3);
        double[][] rows = new double[400][5];
        for (int r = 0; r < rows.length; r++) {
            double load = Math.sin(r / 15.0);
            for (int c = 0; c < 5; c++) {
                rows[r][c] = (c + 1) * load + 0.05 * random.nextGaussian();
            }
        }
        return rows;
    }

    private static BitSet columns(int... columns) {
        BitSet set = new BitSet();
        for (int c : columns) {
            set.set(c);
        }
        return set;
    }

    @Test
    void aModelWithoutASensorIsTheSameMethodFittedOnItsRowsWithoutThatColumn() {
        for (MultivariateOptions.Method method : List.of(MultivariateOptions.Method.MSET,
                MultivariateOptions.Method.PCA)) {
            double[][] rows = rows();
            FittedModel model = FittedModel.fit(method, rows);
            BitSet kept = columns(0, 1, 3, 4);
            FittedModel reduced = model.without(kept);
            assertNotNull(reduced);
            assertEquals(4, reduced.sensors());
            assertSame(reduced, model.without(columns(0, 1, 3, 4)), "kept once fitted");

            double[][] without = new double[rows.length][];
            for (int r = 0; r < rows.length; r++) {
                without[r] = FittedModel.keep(rows[r], kept);
            }
            FittedModel direct = FittedModel.fit(method, without);
            double[][] probe = {without[17], {0.5, 1.0, 2.0, 2.5}, {0.5, 1.0, 9.0, 2.5}};
            assertArrayEquals(direct.score(probe, JavaKernelBackend.shared()),
                    reduced.score(probe, JavaKernelBackend.shared()), 1e-12, method.toString());
        }
    }

    @Test
    void fewerThanTwoSensorsOrTooManyCombinationsGiveNoReducedModel() {
        FittedModel model = FittedModel.fit(MultivariateOptions.Method.MSET, rows());
        assertNull(model.without(columns(2)));
        assertNull(model.without(new BitSet()));
        List<BitSet> pairsAndTriples = new ArrayList<>();
        for (int a = 0; a < 5; a++) {
            for (int b = a + 1; b < 5; b++) {
                pairsAndTriples.add(columns(a, b));
                for (int c = b + 1; c < 5; c++) {
                    pairsAndTriples.add(columns(a, b, c));
                }
            }
        }
        // 10 pairs and 10 triples: the first MAX_REDUCED are fitted, the rest refused; those kept stay.
        for (int i = 0; i < pairsAndTriples.size(); i++) {
            FittedModel reduced = model.without(pairsAndTriples.get(i));
            if (i < FittedModel.MAX_REDUCED) {
                assertNotNull(reduced, "combination " + i);
            } else {
                assertNull(reduced, "combination " + i);
            }
        }
        assertNotNull(model.without(pairsAndTriples.get(0)));
    }

    @Test
    void theSpreadThatBlameStandardisesByIsEachSensorsSampleStandardDeviation() {
        double[][] rows = rows();
        FittedModel model = FittedModel.fit(MultivariateOptions.Method.MSET, rows);
        double[] expected = new double[5];
        for (int c = 0; c < 5; c++) {
            double mean = 0;
            for (double[] row : rows) {
                mean += row[c];
            }
            mean /= rows.length;
            double squares = 0;
            for (double[] row : rows) {
                squares += (row[c] - mean) * (row[c] - mean);
            }
            expected[c] = Math.sqrt(squares / (rows.length - 1));
        }
        assertArrayEquals(expected, model.scale, 1e-12);
    }
}
